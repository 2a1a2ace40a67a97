#include "runsc-lite/cgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

static int open_in(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX + 64];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		return -ENAMETOOLONG;
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int cgfile_write(const char *dir, const char *file, const char *text)
{
	int fd = open_in(dir, file, O_WRONLY);
	if (fd < 0)
		return fd;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? errno : n == (ssize_t)strlen(text) ? 0 : EIO;
	close(fd);
	return -err;
}

int cgfile_read(const char *dir, const char *file, char *buf, size_t size)
{
	int fd = open_in(dir, file, O_RDONLY);
	if (fd < 0)
		return fd;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = 0;
	return 0;
}

uint64_t cgfile_keyed(const char *dir, const char *file, const char *key)
{
	char buf[8192];
	if (!dir || cgfile_read(dir, file, buf, sizeof buf) < 0)
		return 0;
	size_t klen = strlen(key);
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ')
			return strtoull(l + klen + 1, NULL, 10);
	return 0;
}

bool cgfile_is_fs(const char *path, long magic)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

/* Whether the comma list holds name. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, name, n) == 0)
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

int cgfile_own(const char *ctrls, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[4096];
	int rc = -ENOENT;
	while (rc < 0 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = 0;
		const char *list = c1 + 1, *path = c2 + 1;
		bool match = !ctrls || !ctrls[0] ? strcmp(line, "0") == 0 && !list[0]
						  : strcmp(list, ctrls) == 0 || listed(list, ctrls);
		if (match && strlen(path) < size) {
			snprintf(out, size, "%s", strcmp(path, "/") ? path : "");
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}
