/*
 * Files of a cgroup directory, shared by the sandbox's own cgroup
 * (limits.c: do, run --rootfs) and the container's (oci_cgroup.c).
 * Every path is DIR/FILE, FILE never followed if it is a symlink.
 */
#ifndef RUNSC_LITE_CGFILE_H
#define RUNSC_LITE_CGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes text whole: 0, or a negative errno (-EIO for a short write). */
int cgfile_write(const char *dir, const char *file, const char *text);
/* Reads at most size - 1 bytes, NUL-terminated: 0 or a negative errno. */
int cgfile_read(const char *dir, const char *file, char *buf, size_t size);
/* N of the line "KEY N" of a flat-keyed file (memory.events, cpu.stat...);
 * 0 when dir is NULL, the file unreadable or the key absent. */
uint64_t cgfile_keyed(const char *dir, const char *file, const char *key);
/* The caller's own cgroup (/proc/self/cgroup) in the v1 hierarchy whose
 * controller list is ctrls or holds it ("cpu,cpuacct", "memory"), or in
 * the v2 one (ctrls NULL or ""): "" for the root.  0, or -ENOENT. */
int cgfile_own(const char *ctrls, char *out, size_t size);
/* Whether path is a filesystem of that magic (CGROUP_SUPER_MAGIC...). */
bool cgfile_is_fs(const char *path, long magic);

#endif
