/* xattr cases on files in the current directory; one line per case.  Built
 * static so it runs in a busybox rootfs.  Run natively and in the sandbox
 * on identical trees: the outputs must be identical. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, long rc, const char *buf)
{
	if (rc < 0)
		printf("%-40s -> %s\n", what, strerrorname_np(errno));
	else if (buf)
		printf("%-40s -> %ld \"%.*s\"\n", what, rc, (int)rc, buf);
	else
		printf("%-40s -> %ld\n", what, rc);
}

int main(int argc, char **argv)
{
	char buf[256], big[300];
	/* one call only, for tests that need just that request in flight:
	 * "set FILE NAME VALUE", "get FILE NAME" */
	if (argc == 5 && strcmp(argv[1], "set") == 0) {
		show("set", setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0), NULL);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "get") == 0) {
		show("get", getxattr(argv[2], argv[3], buf, sizeof buf), buf);
		return 0;
	}
	memset(big, 'n', sizeof big);
	big[sizeof big - 1] = 0;
	memcpy(big, "user.", 5);
	close(open("xf", O_CREAT | O_WRONLY, 0644));
	symlink("xf", "xl");
	int fd = open("xf", O_RDONLY);

	show("set user.a", setxattr("xf", "user.a", "one", 3, 0), NULL);
	show("get user.a", getxattr("xf", "user.a", buf, sizeof buf), buf);
	show("get user.a size only", getxattr("xf", "user.a", NULL, 0), NULL);
	show("get user.a into 1 byte", getxattr("xf", "user.a", buf, 1), NULL);
	show("get user.missing", getxattr("xf", "user.missing", buf, sizeof buf), NULL);
	show("set user.a CREATE (exists)", setxattr("xf", "user.a", "x", 1, XATTR_CREATE), NULL);
	show("set user.b REPLACE (absent)", setxattr("xf", "user.b", "x", 1, XATTR_REPLACE), NULL);
	show("set user.b via fd", fsetxattr(fd, "user.b", "two", 3, 0), NULL);
	show("fget user.b", fgetxattr(fd, "user.b", buf, sizeof buf), buf);
	show("get through symlink", getxattr("xl", "user.b", buf, sizeof buf), buf);
	show("lget on symlink", lgetxattr("xl", "user.b", buf, sizeof buf), NULL);
	show("lset user.* on symlink", lsetxattr("xl", "user.c", "x", 1, 0), NULL);
	ssize_t n = listxattr("xf", buf, sizeof buf);
	show("list size", n, NULL);
	show("list into 2 bytes", listxattr("xf", buf, 2), NULL);
	show("flist size", flistxattr(fd, NULL, 0), NULL);
	show("set bad flags", setxattr("xf", "user.a", "x", 1, 4), NULL);
	show("set empty name", setxattr("xf", "", "x", 1, 0), NULL);
	show("set 300-byte name", setxattr("xf", big, "x", 1, 0), NULL);
	show("set unknown namespace", setxattr("xf", "nope.a", "x", 1, 0), NULL);
	show("set empty value", setxattr("xf", "user.e", "", 0, 0), NULL);
	show("get empty value", getxattr("xf", "user.e", buf, sizeof buf), NULL);
	show("remove user.a", removexattr("xf", "user.a"), NULL);
	show("remove user.a again", removexattr("xf", "user.a"), NULL);
	show("fremove user.b", fremovexattr(fd, "user.b"), NULL);
	show("get on missing file", getxattr("nofile", "user.a", buf, sizeof buf), NULL);
	show("bad name pointer", getxattr("xf", (const char *)8, buf, sizeof buf), NULL);
	close(fd);
	unlink("xl");
	unlink("xf");
	return 0;
}
