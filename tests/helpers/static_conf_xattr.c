/* Conformance probe: the 12 xattr calls (get/set/list/remove, plain, l*
 * and f*) (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <sys/xattr.h>

static char buf[1 << 20];

/* rc, and the value when it is short text */
static void XV(const char *name, long rc, const char *val)
{
	if (rc < 0)
		line(name, "%s", ename(errno));
	else if (val && rc <= 64) {
		char out[200];
		size_t o = 0;
		for (long i = 0; i < rc && o < sizeof out - 4; i++)
			o += snprintf(out + o, sizeof out - o, val[i] ? "%c" : "\\0", val[i]);
		line(name, "%ld \"%s\"", rc, out);
	} else
		line(name, "%ld", rc);
}

static void g_xattr(void)
{
	group("xattr.basic");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	sl("f", "l");
	sl("nothere", "dl");
	int fd = open("f", O_RDWR);
	XV("set", setxattr("f", "user.a", "1", 1, 0), NULL);
	XV("get", getxattr("f", "user.a", buf, sizeof buf), buf);
	XV("get-size-query", getxattr("f", "user.a", NULL, 0), NULL);
	XV("get-size-query-with-buffer", getxattr("f", "user.a", buf, 0), NULL);
	XV("set-second", setxattr("f", "user.bb", "two", 3, 0), NULL);
	XV("get-erange", getxattr("f", "user.bb", buf, 2), NULL);
	XV("get-missing", getxattr("f", "user.none", buf, sizeof buf), NULL);
	XV("list", listxattr("f", buf, sizeof buf), buf);
	XV("list-size-query", listxattr("f", NULL, 0), NULL);
	XV("list-erange", listxattr("f", buf, 3), NULL);
	XV("set-create-existing", setxattr("f", "user.a", "x", 1, XATTR_CREATE), NULL);
	XV("set-replace-missing", setxattr("f", "user.c", "x", 1, XATTR_REPLACE), NULL);
	XV("set-replace", setxattr("f", "user.a", "newer", 5, XATTR_REPLACE), NULL);
	XV("get-replaced", getxattr("f", "user.a", buf, sizeof buf), buf);
	XV("set-both-flags", setxattr("f", "user.a", "x", 1, XATTR_CREATE | XATTR_REPLACE), NULL);
	XV("set-bad-flag", setxattr("f", "user.a", "x", 1, 0x10), NULL);
	XV("set-empty-value", setxattr("f", "user.e", "", 0, 0), NULL);
	XV("get-empty-value", getxattr("f", "user.e", buf, sizeof buf), buf);
	XV("set-binary", setxattr("f", "user.bin", "a\0b", 3, 0), NULL);
	XV("get-binary", getxattr("f", "user.bin", buf, sizeof buf), buf);
	XV("set-empty-name", setxattr("f", "", "x", 1, 0), NULL);
	XV("get-empty-name", getxattr("f", "", buf, sizeof buf), NULL);
	XV("set-no-namespace", setxattr("f", "plain", "x", 1, 0), NULL);
	XV("set-unknown-namespace", setxattr("f", "bogus.x", "x", 1, 0), NULL);
	XV("get-unknown-namespace", getxattr("f", "bogus.x", buf, sizeof buf), NULL);
	XV("set-user-prefix-only", setxattr("f", "user.", "x", 1, 0), NULL);
	char longname[300];
	memset(longname, 'n', sizeof longname);
	memcpy(longname, "user.", 5);
	longname[255] = 0;
	XV("set-name-255", setxattr("f", longname, "x", 1, 0), NULL);
	XV("remove-name-255", removexattr("f", longname), NULL);
	longname[255] = 'n';
	longname[256] = 0;
	XV("set-name-256", setxattr("f", longname, "x", 1, 0), NULL);
	XV("get-name-256", getxattr("f", longname, buf, sizeof buf), NULL);
	memset(buf, 'v', sizeof buf);
	XV("set-value-64k", setxattr("f", "user.big", buf, 65536, 0), NULL);
	XV("set-value-64k-plus-1", setxattr("f", "user.big", buf, 65537, 0), NULL);
	XV("get-value-huge-buffer", getxattr("f", "user.a", buf, 1 << 20), NULL);
	XV("remove", removexattr("f", "user.bb"), NULL);
	XV("remove-again", removexattr("f", "user.bb"), NULL);
	XV("remove-unknown-namespace", removexattr("f", "bogus.x"), NULL);
	XV("list-after", listxattr("f", buf, sizeof buf), buf);
	XV("get-through-link", getxattr("l", "user.a", buf, sizeof buf), buf);
	XV("lget-link", lgetxattr("l", "user.a", buf, sizeof buf), NULL);
	XV("lset-user-on-link", lsetxattr("l", "user.a", "x", 1, 0), NULL);
	XV("llist-link", llistxattr("l", buf, sizeof buf), NULL);
	XV("lremove-link", lremovexattr("l", "user.a"), NULL);
	XV("get-dangling", getxattr("dl", "user.a", buf, sizeof buf), NULL);
	XV("set-dir", setxattr("d", "user.d", "dd", 2, 0), NULL);
	XV("list-dir", listxattr("d", buf, sizeof buf), buf);
	XV("get-missing-file", getxattr("missing", "user.a", buf, sizeof buf), NULL);
	XV("fset", fsetxattr(fd, "user.f", "fv", 2, 0), NULL);
	XV("fget", fgetxattr(fd, "user.f", buf, sizeof buf), buf);
	XV("flist-size", flistxattr(fd, NULL, 0), NULL);
	XV("fremove", fremovexattr(fd, "user.f"), NULL);
	XV("fget-bad-fd", fgetxattr(999, "user.f", buf, sizeof buf), NULL);
	XV("fset-bad-fd", fsetxattr(999, "user.f", "x", 1, 0), NULL);
	XV("flist-bad-fd", flistxattr(999, buf, sizeof buf), NULL);
	XV("fremove-bad-fd", fremovexattr(999, "user.f"), NULL);
	close(fd);
	fd = open("f", O_PATH);
	XV("fget-opath", fgetxattr(fd, "user.a", buf, sizeof buf), NULL);
	XV("fset-opath", fsetxattr(fd, "user.o", "x", 1, 0), NULL);
	close(fd);
	fd = open("f", O_RDONLY);
	XV("fset-rdonly-fd", fsetxattr(fd, "user.r", "x", 1, 0), NULL);
	close(fd);
	int pp[2];
	if (pipe(pp) == 0) {
		XV("fset-pipe", fsetxattr(pp[0], "user.p", "x", 1, 0), NULL);
		XV("flist-pipe", flistxattr(pp[0], buf, sizeof buf), NULL);
		close(pp[0]);
		close(pp[1]);
	}
	XV("raw-getxattr-null-name", syscall(SYS_getxattr, "f", NULL, buf, sizeof buf), NULL);
	XV("raw-getxattr-null-path", syscall(SYS_getxattr, NULL, "user.a", buf, sizeof buf), NULL);
	XV("raw-getxattr-null-buffer", syscall(SYS_getxattr, "f", "user.a", NULL, 16), NULL);
	XV("raw-setxattr-null-value", syscall(SYS_setxattr, "f", "user.n", NULL, 4, 0), NULL);
	XV("raw-listxattr-null-buffer", syscall(SYS_listxattr, "f", NULL, 16), NULL);
	/* trusted.* needs CAP_SYS_ADMIN */
	NOCAP("nocap-set-trusted", setxattr("f", "trusted.t", "x", 1, 0));
	XV("list-final", listxattr("f", buf, sizeof buf), buf);
}

int main(void)
{
	static void (*const groups[])(void) = { g_xattr, NULL };
	return conf_main(groups);
}
