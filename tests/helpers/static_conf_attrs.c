/* Conformance probe: chmod fchmod fchmodat(2) chown fchown lchown fchownat
 * truncate ftruncate utime utimes futimesat utimensat fallocate
 * (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <sys/time.h>
#include <time.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void setup_tree(void)
{
	mkfile("f", 0644, "0123456789");
	mkd("d", 0755);
	mkfile("d/x", 0600, "x");
	sl("f", "l");
	sl("nothere", "dl");
}

static void g_chmod(void)
{
	group("attrs.chmod");
	setup_tree();
	R("chmod", chmod("f", 0600));
	S("chmod-result", AT_FDCWD, "f", 0);
	R("chmod-all-bits", chmod("f", 07777));
	S("chmod-all-bits-result", AT_FDCWD, "f", 0);
	R("chmod-type-bits-ignored", chmod("f", S_IFDIR | 0640));
	S("chmod-type-bits-result", AT_FDCWD, "f", 0);
	R("chmod-dir", chmod("d", 01777));
	S("chmod-dir-result", AT_FDCWD, "d", 0);
	R("chmod-through-link", chmod("l", 0604));
	S("chmod-through-link-target", AT_FDCWD, "f", 0);
	S("chmod-through-link-link", AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW);
	R("chmod-dangling", chmod("dl", 0600));
	R("chmod-missing", chmod("missing", 0600));
	R("chmod-file-slash", chmod("f/", 0600));
	R("chmod-empty", chmod("", 0600));
	int fd = open("f", O_RDONLY);
	R("fchmod", fchmod(fd, 0640));
	S("fchmod-result", AT_FDCWD, "f", 0);
	close(fd);
	R("fchmod-closed", fchmod(fd, 0640));
	fd = open("f", O_PATH);
	R("fchmod-opath", fchmod(fd, 0600));
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	R("fchmod-dir", fchmod(fd, 0700));
	R("fchmodat-dirfd", fchmodat(fd, "x", 0644, 0));
	S("fchmodat-dirfd-result", fd, "x", 0);
	R("raw-fchmodat-bad-dirfd", syscall(SYS_fchmodat, 999, "x", 0644));
	R("raw-fchmodat", syscall(SYS_fchmodat, AT_FDCWD, "d/x", 0640));
	R("fchmodat2-nofollow-link", syscall(SYS_fchmodat2, AT_FDCWD, "l", 0600, AT_SYMLINK_NOFOLLOW));
	R("fchmodat2-nofollow-file", syscall(SYS_fchmodat2, AT_FDCWD, "f", 0606, AT_SYMLINK_NOFOLLOW));
	S("fchmodat2-nofollow-file-result", AT_FDCWD, "f", 0);
	R("fchmodat2-empty-path", syscall(SYS_fchmodat2, fd, "", 0750, AT_EMPTY_PATH));
	S("fchmodat2-empty-path-result", AT_FDCWD, "d", 0);
	R("fchmodat2-bad-flag", syscall(SYS_fchmodat2, AT_FDCWD, "f", 0600, 0x1));
	R("raw-chmod-null", syscall(SYS_chmod, NULL, 0600));
	close(fd);
	chmod("d", 0755);
	/* the setgid bit of a file whose group the caller is not in: kept by
	 * root, dropped without CAP_FSETID */
	mkfile("sg", 0644, "");
	if (chown("sg", 0, 1234) < 0)
		line("setup", "chown %s", ename(errno));
	NOCAP("nocap-chmod-setgid-foreign-group", chmod("sg", 02755));
	S("nocap-chmod-setgid-result", AT_FDCWD, "sg", 0);
	chmod("sg", 0755);   /* the case above says what happened; the state stays comparable */
}

static void g_chown(void)
{
	group("attrs.chown");
	setup_tree();
	R("chown-same", chown("f", 0, 0));
	R("chown-minus-one", chown("f", -1, -1));
	S("chown-result", AT_FDCWD, "f", 0);
	mkfile("su", 06755, "");
	R("chown-clears-setuid", chown("su", 0, 0));
	S("chown-clears-setuid-result", AT_FDCWD, "su", 0);
	mkfile("sg", 02745, "");
	R("chown-minus-one-clears-setuid", chown("sg", -1, -1));
	S("chown-minus-one-setgid-result", AT_FDCWD, "sg", 0);
	mkd("sd", 06755);
	R("chown-dir-keeps-setgid", chown("sd", 0, 0));
	S("chown-dir-result", AT_FDCWD, "sd", 0);
	R("chown-missing", chown("missing", 0, 0));
	R("chown-dangling", chown("dl", 0, 0));
	R("lchown-link", lchown("l", 0, 0));
	R("lchown-dangling", lchown("dl", 0, 0));
	int fd = open("f", O_RDONLY);
	R("fchown", fchown(fd, 0, 0));
	R("fchown-bad", fchown(999, 0, 0));
	R("fchownat-empty-path", fchownat(fd, "", 0, 0, AT_EMPTY_PATH));
	R("fchownat-empty-path-no-flag", fchownat(fd, "", 0, 0, 0));
	R("fchownat-nofollow", fchownat(AT_FDCWD, "l", 0, 0, AT_SYMLINK_NOFOLLOW));
	R("fchownat-bad-flag", fchownat(AT_FDCWD, "f", 0, 0, 0x1));
	R("raw-chown-null", syscall(SYS_chown, NULL, 0, 0));
	close(fd);
	fd = open("f", O_PATH);
	R("fchown-opath", fchown(fd, 0, 0));
	close(fd);
	/* giving a file away needs CAP_CHOWN */
	mkfile("g", 0644, "");
	NOCAP("nocap-chown-uid", chown("g", 1000, -1));
	NOCAP("nocap-chown-gid", chown("g", -1, 1000));
	NOCAP("nocap-chown-same", chown("g", 0, 0));
	NOCAP("nocap-lchown-uid", lchown("l", 1000, 1000));
	S("nocap-chown-result", AT_FDCWD, "g", 0);
	/* root may */
	mkfile("h", 0644, "");
	R("chown-give-away", chown("h", 1000, 1000));
	S("chown-give-away-result", AT_FDCWD, "h", 0);
	R("lchown-give-away", lchown("l", 1000, 1000));
	S("lchown-give-away-result", AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW);
}

static void g_truncate(void)
{
	group("attrs.truncate");
	setup_tree();
	R("truncate-shrink", truncate("f", 4));
	S("truncate-shrink-result", AT_FDCWD, "f", 0);
	R("truncate-grow", truncate("f", 100));
	S("truncate-grow-result", AT_FDCWD, "f", 0);
	R("truncate-zero", truncate("f", 0));
	R("truncate-negative", truncate("f", -1));
	R("truncate-dir", truncate("d", 0));
	R("truncate-missing", truncate("missing", 0));
	R("truncate-through-link", truncate("l", 7));
	S("truncate-through-link-result", AT_FDCWD, "f", 0);
	R("truncate-dangling", truncate("dl", 0));
	R("truncate-file-slash", truncate("f/", 0));
	R("truncate-huge", truncate("f", 1LL << 62));
	R("raw-truncate-null", syscall(SYS_truncate, NULL, 0));
	int fd = open("f", O_RDWR);
	R("ftruncate", ftruncate(fd, 3));
	S("ftruncate-result", AT_FDCWD, "f", 0);
	R("ftruncate-negative", ftruncate(fd, -1));
	close(fd);
	fd = open("f", O_RDONLY);
	R("ftruncate-rdonly", ftruncate(fd, 1));
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	R("ftruncate-dir", ftruncate(fd, 0));
	close(fd);
	R("ftruncate-bad", ftruncate(999, 0));
	fd = open("f", O_RDWR);
	R("fallocate", fallocate(fd, 0, 0, 4096));
	S("fallocate-result", AT_FDCWD, "f", 0);
	R("fallocate-keep-size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536));
	S("fallocate-keep-size-result", AT_FDCWD, "f", 0);
	R("fallocate-punch-without-keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
	R("fallocate-bad-len", fallocate(fd, 0, 0, 0));
	R("fallocate-negative", fallocate(fd, 0, -1, 10));
	close(fd);
	fd = open("f", O_RDONLY);
	R("fallocate-rdonly", fallocate(fd, 0, 0, 10));
	close(fd);
}

/* mtime of path as seconds.nanoseconds (explicit times only) */
static void MT(const char *name, const char *path, int flags)
{
	struct stat st;
	if (fstatat(AT_FDCWD, path, &st, flags) < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "atime=%lld.%09ld mtime=%lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
		     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* were path's times set to "now" (at least t0)? */
static void NOW(const char *name, const char *path, time_t t0)
{
	struct stat st;
	if (stat(path, &st) < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "atime %s, mtime %s", st.st_atime >= t0 ? "now" : "old",
		     st.st_mtime >= t0 ? "now" : "old");
}

static void g_times(void)
{
	group("attrs.times");
	setup_tree();
	time_t t0 = time(NULL);
	struct utimbuf ub = { .actime = 1000000000, .modtime = 1100000000 };
	R("utime", utime("f", &ub));
	MT("utime-result", "f", 0);
	R("utime-now", utime("f", NULL));
	NOW("utime-now-result", "f", t0);
	R("utime-missing", utime("missing", &ub));
	struct timeval tv[2] = { { 1200000000, 123456 }, { 1300000000, 654321 } };
	R("utimes", utimes("f", tv));
	MT("utimes-result", "f", 0);
	struct timeval badtv[2] = { { 0, 1000000 }, { 0, 0 } };
	R("utimes-bad-usec", utimes("f", badtv));
	R("utimes-through-link", utimes("l", tv));
	MT("utimes-link-target", "f", 0);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	R("futimesat", syscall(SYS_futimesat, dfd, "x", tv));
	MT("futimesat-result", "d/x", 0);
	R("futimesat-null-path", syscall(SYS_futimesat, dfd, NULL, tv));
	R("futimesat-bad-dirfd", syscall(SYS_futimesat, 999, "x", tv));
	struct timespec ts[2] = { { 1400000000, 111 }, { 1500000000, 222 } };
	R("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
	MT("utimensat-result", "f", 0);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1600000000, 333 } };
	R("utimensat-omit-atime", utimensat(AT_FDCWD, "f", omit, 0));
	MT("utimensat-omit-atime-result", "f", 0);
	struct timespec nowm[2] = { { 1700000000, 0 }, { 0, UTIME_NOW } };
	R("utimensat-now-mtime", utimensat(AT_FDCWD, "f", nowm, 0));
	NOW("utimensat-now-mtime-result", "f", t0);
	struct timespec both_omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	R("utimensat-both-omit", utimensat(AT_FDCWD, "missing", both_omit, 0));
	R("utimensat-null-times", utimensat(AT_FDCWD, "d/x", NULL, 0));
	NOW("utimensat-null-times-result", "d/x", t0);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	R("utimensat-bad-nsec", utimensat(AT_FDCWD, "f", bad, 0));
	struct timespec neg[2] = { { 0, -5 }, { 0, 0 } };
	R("utimensat-negative-nsec", utimensat(AT_FDCWD, "f", neg, 0));
	R("utimensat-nofollow-link", utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	MT("utimensat-nofollow-link-result", "l", AT_SYMLINK_NOFOLLOW);
	R("utimensat-nofollow-dangling", utimensat(AT_FDCWD, "dl", ts, AT_SYMLINK_NOFOLLOW));
	R("utimensat-dangling", utimensat(AT_FDCWD, "dl", ts, 0));
	R("utimensat-bad-flag", utimensat(AT_FDCWD, "f", ts, 0x1));
	R("utimensat-empty-path", utimensat(dfd, "", ts, AT_EMPTY_PATH));
	MT("utimensat-empty-path-result", "d", 0);
	R("utimensat-empty-no-flag", utimensat(dfd, "", ts, 0));
	int ffd = open("f", O_RDONLY);
	R("raw-utimensat-null-path-fd", syscall(SYS_utimensat, ffd, NULL, ts, 0));
	MT("raw-utimensat-null-path-fd-result", "f", 0);
	R("raw-utimensat-null-path-cwd", syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0));
	R("raw-utimensat-null-path-nofollow", syscall(SYS_utimensat, ffd, NULL, ts, AT_SYMLINK_NOFOLLOW));
	R("futimens", futimens(ffd, ts));
	R("raw-utimensat-bad-dirfd", syscall(SYS_utimensat, 999, "f", ts, 0));
	close(ffd);
	close(dfd);
	/* someone else's file: explicit times need ownership (CAP_FOWNER) */
	mkfile("other", 0666, "");
	if (chown("other", 1000, 1000) < 0)
		line("setup", "chown %s", ename(errno));
	NOCAP("nocap-utimensat-foreign-explicit", utimensat(AT_FDCWD, "other", ts, 0));
	NOCAP("nocap-utimensat-foreign-now", utimensat(AT_FDCWD, "other", NULL, 0));
	NOCAP("nocap-chmod-foreign", chmod("other", 0600));
	chmod("other", 0666);   /* the case above says what happened; the state stays comparable */
}

int main(void)
{
	static void (*const groups[])(void) = { g_chmod, g_chown, g_truncate, g_times, NULL };
	return conf_main(groups);
}
