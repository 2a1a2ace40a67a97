/*
 * static_twice stat|open PATH: the operation twice, with a getcwd between
 * them as a marker in the debug log (trapped, never needs the gofer), so a
 * test can count the 9P messages the second one cost.  `open` also shows
 * that two read-only opens have their own offsets.
 * static_twice stale PATH: read-only open, write open (truncating, then
 * "new"), read-only open again: what each read-only open reads.
 * static_twice ls DIR: lists DIR twice (marker between), then creates a
 * file in it and lists again: the entry counts.
 * static_twice omit|now PATH: utimensat with two UTIME_OMITs (nothing to
 * set: nothing to send) or two UTIME_NOWs, twice.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, int fd)
{
	char buf[64] = "";
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	printf("%s: %.*s\n", what, n > 0 ? (int)strcspn(buf, "\n") : 0, buf);
}

static int count_entries(int fd)
{
	char buf[1024];
	long n;
	int count = 0;
	lseek(fd, 0, SEEK_SET);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (long off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen)
			count++;
	return n < 0 ? -1 : count;
}

int main(int argc, char **argv)
{
	char cwd[256], a[8] = "", b[8] = "";
	struct stat st;
	if (argc < 3)
		return 2;
	const char *op = argv[1], *path = argv[2];
	if (strcmp(op, "stat") == 0) {
		if (stat(path, &st) < 0 || !getcwd(cwd, sizeof cwd) || stat(path, &st) < 0)
			return 1;
		return 0;
	}
	if (strcmp(op, "open") == 0) {
		int f1 = open(path, O_RDONLY);
		if (f1 < 0 || !getcwd(cwd, sizeof cwd))
			return 1;
		int f2 = open(path, O_RDONLY);
		if (f2 < 0 || read(f1, a, 2) != 2 || read(f2, b, 2) != 2)
			return 1;
		printf("own offsets: %s\n", memcmp(a, b, 2) == 0 ? "yes" : "no");
		return 0;
	}
	if (strcmp(op, "omit") == 0 || strcmp(op, "now") == 0) {
		long how = strcmp(op, "omit") == 0 ? UTIME_OMIT : UTIME_NOW;
		struct timespec ts[2] = { { 0, how }, { 0, how } };
		if (utimensat(AT_FDCWD, path, ts, 0) < 0 || !getcwd(cwd, sizeof cwd) ||
		    utimensat(AT_FDCWD, path, ts, 0) < 0)
			return 1;
		return 0;
	}
	if (strcmp(op, "ls") == 0) {
		int d = open(path, O_RDONLY | O_DIRECTORY);
		int first = count_entries(d);
		if (!getcwd(cwd, sizeof cwd))
			return 1;
		int second = count_entries(d);
		close(openat(d, "ls-new-file", O_CREAT | O_WRONLY, 0644));
		int third = count_entries(d);
		unlinkat(d, "ls-new-file", 0);
		printf("entries: %d %d, after a create: %d, after the unlink: %d\n", first, second, third,
		       count_entries(d));
		return 0;
	}
	int r1 = open(path, O_RDONLY);
	show("before", r1);
	int w = open(path, O_WRONLY | O_TRUNC);
	if (w < 0 || write(w, "new\n", 4) != 4)
		return 1;
	close(w);
	int r2 = open(path, O_RDONLY);
	show("after, new open", r2);
	return 0;
}
