/* openat2 RESOLVE_* cases; prints one line per case.  Run natively and in
 * the sandbox: the outputs must be identical. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void probe(int dirfd, const char *path, unsigned long long resolve, unsigned long long flags)
{
	struct open_how how = { .flags = flags, .resolve = resolve };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	printf("%-22s resolve=%#llx flags=%#llx -> %s\n", path, resolve, flags,
	       fd >= 0 ? "ok" : strerrorname_np(errno));
	if (fd >= 0)
		close((int)fd);
}

int main(void)
{
	int etc = open("/etc", O_PATH | O_DIRECTORY);
	probe(etc, "hostname", 0, O_RDONLY);
	probe(etc, "hostname", RESOLVE_BENEATH, O_RDONLY);
	probe(etc, "../etc/hostname", RESOLVE_BENEATH, O_RDONLY);
	probe(etc, "/etc/hostname", RESOLVE_BENEATH, O_RDONLY);
	probe(etc, "./././hostname", RESOLVE_BENEATH, O_RDONLY);
	probe(etc, "/hostname", RESOLVE_IN_ROOT, O_RDONLY);
	probe(etc, "../../../hostname", RESOLVE_IN_ROOT, O_RDONLY);
	probe(etc, "/etc/hostname", RESOLVE_IN_ROOT, O_RDONLY);
	probe(AT_FDCWD, "/bin/sh", RESOLVE_NO_SYMLINKS, O_RDONLY);
	probe(AT_FDCWD, "/bin", RESOLVE_NO_SYMLINKS, O_PATH | O_NOFOLLOW);
	probe(AT_FDCWD, "/usr/bin/env", RESOLVE_NO_SYMLINKS, O_RDONLY);
	probe(AT_FDCWD, "/proc/self", RESOLVE_NO_XDEV, O_RDONLY);
	probe(AT_FDCWD, "/etc/hostname", RESOLVE_NO_XDEV, O_RDONLY);
	probe(AT_FDCWD, "/etc/hostname", RESOLVE_CACHED, O_RDONLY | O_TRUNC);
	probe(etc, "hostname", 1ULL << 20, O_RDONLY);
	probe(etc, "hostname", RESOLVE_BENEATH | RESOLVE_IN_ROOT, O_RDONLY);
	probe(etc, "hostname", 0, 1ULL << 40);
	probe(etc, "hostname", 0, O_PATH | O_RDWR);
	struct open_how how = { .flags = O_RDONLY, .mode = 0644 };
	printf("mode without O_CREAT -> %s\n",
	       syscall(SYS_openat2, etc, "hostname", &how, sizeof how) < 0 ? strerrorname_np(errno) : "ok");
	printf("size 8 -> %s\n", syscall(SYS_openat2, etc, "hostname", &how, 8) < 0 ? strerrorname_np(errno) : "ok");
	return 0;
}
