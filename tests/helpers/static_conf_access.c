/* Conformance probe: access faccessat faccessat2 (tests/helpers/conf.h
 * says how probes work; tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

static void setup_tree(void)
{
	mkfile("f", 0644, "x");
	mkfile("exe", 0755, "x");
	mkfile("x100", 0100, "x");
	mkfile("f444", 0444, "x");
	mkfile("f000", 0000, "x");
	mkd("d", 0755);
	mkd("d000", 0000);
	mkfile("d/x", 0644, "x");
	sl("f", "l");
	sl("nothere", "dl");
}

#define A(name, path, mode) R(name, access(path, mode))
#define FA2(name, dirfd, path, mode, flags) R(name, syscall(SYS_faccessat2, dirfd, path, mode, flags))

static void g_access(void)
{
	group("access.access");
	setup_tree();
	A("f-ok", "f", F_OK);
	A("r-ok", "f", R_OK);
	A("w-ok", "f", W_OK);
	A("x-ok-no-x-bit", "f", X_OK);
	A("rwx-exe", "exe", R_OK | W_OK | X_OK);
	A("x-ok-x100", "x100", X_OK);
	A("x-ok-dir", "d", X_OK);
	A("w-ok-dir", "d", W_OK);
	A("missing", "missing", F_OK);
	A("missing-parent", "missing/x", F_OK);
	A("through-file", "f/x", F_OK);
	A("file-slash", "f/", F_OK);
	A("dir-slash", "d/", R_OK);
	A("link-follows", "l", R_OK);
	A("dangling", "dl", F_OK);
	A("empty", "", F_OK);
	A("bad-mode", "f", 8);
	A("bad-mode-high", "f", 0x100);
	R("raw-access", syscall(SYS_access, "f", R_OK));
	R("raw-access-null", syscall(SYS_access, NULL, R_OK));
	/* the sandboxed program has no capabilities: compare with a native
	 * uid 0 without them */
	NOCAP("nocap-w-f444", access("f444", W_OK));
	NOCAP("nocap-r-f444", access("f444", R_OK));
	NOCAP("nocap-r-f000", access("f000", R_OK));
	NOCAP("nocap-f-f000", access("f000", F_OK));
	NOCAP("nocap-x-x100", access("x100", X_OK));
	NOCAP("nocap-r-x100", access("x100", R_OK));
	NOCAP("nocap-r-d000", access("d000", R_OK));
	NOCAP("nocap-through-d000", access("d000/x", F_OK));
	NOCAP("nocap-w-f", access("f", W_OK));
}

static void g_at(void)
{
	group("access.at");
	setup_tree();
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int ffd = open("f", O_RDONLY);
	R("faccessat-dirfd", faccessat(dfd, "x", R_OK, 0));
	R("faccessat-file-dirfd", faccessat(ffd, "x", R_OK, 0));
	R("faccessat-bad-dirfd", faccessat(999, "x", R_OK, 0));
	R("faccessat-bad-dirfd-absolute", faccessat(999, "/", F_OK, 0));
	R("raw-faccessat", syscall(SYS_faccessat, dfd, "x", R_OK));
	R("raw-faccessat-bad-mode", syscall(SYS_faccessat, dfd, "x", 0x10));
	R("raw-faccessat-dotdot", syscall(SYS_faccessat, dfd, "../l", R_OK));
	FA2("faccessat2-plain", AT_FDCWD, "f", R_OK, 0);
	FA2("faccessat2-eaccess", AT_FDCWD, "f", R_OK | W_OK, AT_EACCESS);
	FA2("faccessat2-eaccess-x", AT_FDCWD, "f", X_OK, AT_EACCESS);
	FA2("faccessat2-nofollow-link", AT_FDCWD, "l", F_OK, AT_SYMLINK_NOFOLLOW);
	FA2("faccessat2-nofollow-dangling", AT_FDCWD, "dl", F_OK, AT_SYMLINK_NOFOLLOW);
	FA2("faccessat2-follow-dangling", AT_FDCWD, "dl", F_OK, 0);
	FA2("faccessat2-empty-path-fd", ffd, "", R_OK, AT_EMPTY_PATH);
	FA2("faccessat2-empty-path-dir", dfd, "", X_OK, AT_EMPTY_PATH);
	FA2("faccessat2-empty-path-no-flag", ffd, "", R_OK, 0);
	FA2("faccessat2-bad-flag", AT_FDCWD, "f", R_OK, 0x1);
	FA2("faccessat2-bad-flag-high", AT_FDCWD, "f", R_OK, 0x40000000);
	FA2("faccessat2-bad-mode", AT_FDCWD, "f", 0x40, 0);
	FA2("faccessat2-bad-dirfd", 999, "f", R_OK, 0);
	NOCAP("nocap-eaccess-w-f444", syscall(SYS_faccessat2, AT_FDCWD, "f444", W_OK, AT_EACCESS));
	NOCAP("nocap-eaccess-r-f000", syscall(SYS_faccessat2, AT_FDCWD, "f000", R_OK, AT_EACCESS));
	NOCAP("nocap-eaccess-x-exe", syscall(SYS_faccessat2, AT_FDCWD, "exe", X_OK, AT_EACCESS));
	close(dfd);
	close(ffd);
}

int main(void)
{
	static void (*const groups[])(void) = { g_access, g_at, NULL };
	return conf_main(groups);
}
