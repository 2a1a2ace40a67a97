/* Conformance probe: rename renameat renameat2 (NOREPLACE, EXCHANGE,
 * WHITEOUT) (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <linux/fs.h>

static void setup_tree(void)
{
	mkfile("a", 0644, "aaa");
	mkfile("b", 0600, "bb");
	mkd("d", 0755);
	mkd("e", 0755);
	mkd("full", 0755);
	mkfile("full/x", 0644, "x");
	mkfile("d/in", 0644, "in");
	sl("a", "la");
	sl("nothere", "dl");
}

#define RN2(name, od, o, nd, n, fl) R(name, syscall(SYS_renameat2, od, o, nd, n, fl))

static void g_rename(void)
{
	group("rename.rename");
	setup_tree();
	mkfile("c", 0644, "c");
	mkfile("h", 0644, "h");
	link("h", "h2");
	R("file-to-new", rename("a", "a1"));
	CONTENT("file-to-new-content", "a1");
	S("file-to-new-old-gone", AT_FDCWD, "a", 0);
	R("file-over-file", rename("a1", "b"));
	CONTENT("file-over-file-content", "b");
	R("missing-source", rename("a", "z"));
	R("dir-to-new", rename("e", "e1"));
	R("dir-over-empty-dir", rename("e1", "d2") == 0 ? rename("d2", "e1") : -1);
	mkd("empty", 0755);
	R("dir-over-empty-dir2", rename("e1", "empty"));
	R("dir-over-nonempty", rename("empty", "full"));
	R("file-over-dir", rename("b", "d"));
	R("dir-over-file", rename("d", "b"));
	R("dir-into-itself", rename("d", "d/sub"));
	R("dir-into-itself-deep", (mkdir("d/s", 0755), rename("d", "d/s/t")));
	R("same-file", rename("b", "b"));
	R("hard-links-same-inode", rename("h", "h2"));
	S("hard-links-both-stay", AT_FDCWD, "h", 0);
	R("dot", rename(".", "x"));
	R("to-dot", rename("c", "."));
	R("dotdot", rename("d/..", "x"));
	R("to-dotdot", rename("c", "d/.."));
	R("file-trailing-slash", rename("c/", "c2"));
	R("file-to-trailing-slash", rename("c", "c2/"));
	R("dir-trailing-slashes", rename("d/", "d3/"));
	R("dir-back", rename("d3", "d"));
	R("symlink-itself", rename("la", "la2"));
	S("symlink-moved", AT_FDCWD, "la2", AT_SYMLINK_NOFOLLOW);
	R("over-symlink", rename("c", "dl"));
	S("over-symlink-result", AT_FDCWD, "dl", AT_SYMLINK_NOFOLLOW);
	R("into-subdir", rename("dl", "d/moved"));
	R("into-missing-dir", rename("d/moved", "missing/x"));
	R("through-file", rename("b/x", "y"));
	R("empty-source", rename("", "y"));
	R("empty-target", rename("b", ""));
	R("raw-rename", syscall(SYS_rename, "b", "b1"));
	R("raw-rename-null", syscall(SYS_rename, NULL, "b2"));
	CONTENT("moved-content", "d/moved");
}

static void g_at(void)
{
	group("rename.at");
	setup_tree();
	int d = open("d", O_RDONLY | O_DIRECTORY);
	int e = open("e", O_PATH | O_DIRECTORY);
	int f = open("a", O_RDONLY);
	R("renameat-dirfds", renameat(d, "in", e, "in2"));
	R("renameat-back", renameat(e, "in2", d, "in"));
	R("renameat-file-dirfd", renameat(f, "x", AT_FDCWD, "y"));
	R("renameat-bad-dirfd", renameat(999, "x", AT_FDCWD, "y"));
	R("renameat-bad-new-dirfd", renameat(AT_FDCWD, "b", 999, "y"));
	R("renameat-dirfd-dotdot", renameat(d, "../b", e, "../b2"));
	R("raw-renameat", syscall(SYS_renameat, AT_FDCWD, "b2", d, "b3"));
	/* renaming the directory an open fd names: the fd follows */
	R("rename-open-dir", rename("d", "d_new"));
	S("fd-follows-rename", d, "in", 0);
	close(d);
	close(e);
	close(f);
}

static void g_rename2(void)
{
	group("rename.renameat2");
	setup_tree();
	mkfile("c", 0644, "c");
	RN2("noreplace-new", AT_FDCWD, "a", AT_FDCWD, "a1", RENAME_NOREPLACE);
	RN2("noreplace-existing", AT_FDCWD, "a1", AT_FDCWD, "b", RENAME_NOREPLACE);
	RN2("noreplace-existing-dangling", AT_FDCWD, "a1", AT_FDCWD, "dl", RENAME_NOREPLACE);
	RN2("noreplace-same", AT_FDCWD, "a1", AT_FDCWD, "a1", RENAME_NOREPLACE);
	RN2("exchange-and-noreplace", AT_FDCWD, "a1", AT_FDCWD, "b", RENAME_EXCHANGE | RENAME_NOREPLACE);
	RN2("whiteout-and-exchange", AT_FDCWD, "a1", AT_FDCWD, "b", RENAME_EXCHANGE | RENAME_WHITEOUT);
	RN2("bad-flag", AT_FDCWD, "a1", AT_FDCWD, "b", 0x100);
	RN2("flags-zero", AT_FDCWD, "c", AT_FDCWD, "c1", 0);
	RN2("noreplace-dir-over-dir", AT_FDCWD, "e", AT_FDCWD, "full", RENAME_NOREPLACE);
}

/* Kept apart: the sandbox has neither (KNOWN_DIFFERENCES), and what they
 * leave behind differs. */
static void g_exchange(void)
{
	group("rename.exchange");
	setup_tree();
	mkfile("c", 0644, "c");
	mkfile("c1", 0644, "c1");
	RN2("exchange-setup", AT_FDCWD, "a", AT_FDCWD, "a1", 0);
	RN2("exchange-files", AT_FDCWD, "a1", AT_FDCWD, "b", RENAME_EXCHANGE);
	CONTENT("exchange-files-a1", "a1");
	CONTENT("exchange-files-b", "b");
	S("exchange-files-mode", AT_FDCWD, "b", 0);
	RN2("exchange-file-dir", AT_FDCWD, "c", AT_FDCWD, "e", RENAME_EXCHANGE);
	S("exchange-file-dir-c", AT_FDCWD, "c", 0);
	S("exchange-file-dir-e", AT_FDCWD, "e", 0);
	RN2("exchange-back", AT_FDCWD, "c", AT_FDCWD, "e", RENAME_EXCHANGE);
	RN2("exchange-missing-target", AT_FDCWD, "a1", AT_FDCWD, "zz", RENAME_EXCHANGE);
	RN2("exchange-missing-source", AT_FDCWD, "zz", AT_FDCWD, "a1", RENAME_EXCHANGE);
	RN2("exchange-dir-into-own-child", AT_FDCWD, "d", AT_FDCWD, "d/in", RENAME_EXCHANGE);
	RN2("exchange-symlink", AT_FDCWD, "la", AT_FDCWD, "dl", RENAME_EXCHANGE);
	S("exchange-symlink-la", AT_FDCWD, "la", AT_SYMLINK_NOFOLLOW);
	RN2("exchange-same", AT_FDCWD, "b", AT_FDCWD, "b", RENAME_EXCHANGE);
	/* a whiteout is a character device 0:0: CAP_MKNOD */
	NOCAP("whiteout-nocap", syscall(SYS_renameat2, AT_FDCWD, "c1", AT_FDCWD, "c2", RENAME_WHITEOUT));
}

int main(void)
{
	static void (*const groups[])(void) = { g_rename, g_at, g_rename2, g_exchange, NULL };
	return conf_main(groups);
}
