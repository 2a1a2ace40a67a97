/*
 * The cgroup of an OCI container: `linux.cgroupsPath` resolved as runc's
 * cgroupfs driver resolves it, `linux.resources` written into it, the
 * whole sandbox (sentry, gofer, and so every application task) attached to
 * it, read back by `events`, frozen by `pause`, removed by `delete`
 * (docs/ARCHITECTURE.md, "The container's cgroup").
 *
 * Contract:
 *  - oci_resources_parse() takes linux.resources (hostile: every value
 *    range-checked, cpuset lists and unified keys checked character by
 *    character, so that nothing names a file outside the container's
 *    cgroup) into a struct oci_resources, or fails with one line naming the
 *    field.
 *  - Paths: an absolute cgroupsPath is taken beneath the root of each
 *    hierarchy (/sys/fs/cgroup/<controller>/<path> on v1,
 *    /sys/fs/cgroup/<path> on v2); a relative one beneath the caller's own
 *    cgroup; none: "<id>" beneath the caller's cgroup (runc's default).
 *    With --systemd-cgroup, "slice:prefix:name" becomes the path systemd
 *    would use, "/<slice expanded>/<prefix>-<name>.scope", made with
 *    cgroupfs (there is no systemd to ask).
 *  - Every file is written through a directory fd with O_NOFOLLOW, names
 *    checked: a cgroupsPath has no "." or ".." component.
 *  - Only the leaf the runtime made (or found) is removed, and only once it
 *    is empty; nothing else in a hierarchy is touched.
 */
#ifndef RUNSC_LITE_OCI_CGROUP_H
#define RUNSC_LITE_OCI_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OCI_UNIFIED_MAX 64
#define OCI_CGROUP_PATH_MAX 1024

/* linux.resources, checked.  0 means "not given" unless said otherwise. */
struct oci_resources {
	bool any;                    /* something to write */
	int64_t pids;                /* pids.limit: > 0, or -1 for no limit */
	int64_t memory;              /* memory.limit (bytes), -1 no limit */
	int64_t reservation;         /* memory.reservation, -1 none */
	int64_t swap;                /* memory.swap: memory+swap (runc's sense), -1 no limit */
	bool disable_oom_killer;     /* memory.disableOOMKiller (v1 only) */
	bool has_swappiness;
	int64_t swappiness;          /* 0..100 (v1 only) */
	uint64_t cpu_shares;         /* 2..262144 */
	int64_t cpu_quota;           /* µs per period, >= 1000, or -1 no limit */
	uint64_t cpu_period;         /* µs, 1000..1000000 */
	char cpus[256], mems[256];   /* cpuset lists ("0-3,5"), "" not given */
	uint16_t blkio_weight;       /* 10..1000 */
	size_t nunified;             /* unified: v2 files, written as given */
	char unified_key[OCI_UNIFIED_MAX][64];
	char unified_val[OCI_UNIFIED_MAX][256];
};

/* linux.resources (a json_object) into *r: 0, or -1 with err (one line
 * naming the field); `note` gets what is accepted but not applied, or "". */
int oci_resources_parse(void *json, struct oci_resources *r, char *err, size_t errlen,
			char *note, size_t notelen);

/* The cgroup path the container gets, before the hierarchies' roots:
 * absolute ("/a/b": beneath each root) or relative ("a/b": beneath the
 * caller's cgroup).  0, or -1 with err (one line). */
int oci_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char *out, size_t size,
		    char *err, size_t errlen);

struct oci_cgroup;

/*
 * Makes the container's cgroup in every hierarchy (v1) or in the unified
 * one (v2) and writes r (NULL: nothing) into it.  Returns it; or NULL with
 * err empty when the caller may not make one (not root, nothing delegated:
 * the container runs without, and `why` says so); or NULL with err.
 */
struct oci_cgroup *oci_cgroup_create(const char *cgroups_path, const char *id, bool systemd,
				     const struct oci_resources *r, char *err, size_t errlen,
				     char *why, size_t whylen);
/* Writes r into an existing cgroup (update --resources): 0 or -1 with err. */
int oci_cgroup_apply(struct oci_cgroup *cg, const struct oci_resources *r, char *err, size_t errlen);
/* Moves pid (0: the caller) into it: 0 or -errno. */
int oci_cgroup_attach(const struct oci_cgroup *cg, pid_t pid);
/* The cgroup's description for state.json (a json_object), and back:
 * NULL when the object is not one this module wrote (checked). */
void *oci_cgroup_to_json(const struct oci_cgroup *cg);
struct oci_cgroup *oci_cgroup_from_json(void *json);
/* Removes the leaf directories (waits, bounded, for the last tasks to
 * leave): 0, or -errno of the first that stays. Frees cg. */
int oci_cgroup_destroy(struct oci_cgroup *cg);
void oci_cgroup_free(struct oci_cgroup *cg);
/* 1, or 2 (the unified hierarchy). */
int oci_cgroup_version(const struct oci_cgroup *cg);
/* The directory of a v1 controller ("memory", "pids"...; v2: any name),
 * NULL when the container has none. */
const char *oci_cgroup_dir(const struct oci_cgroup *cg, const char *controller);

/* pause/resume: freezes or thaws every task of the cgroup and waits
 * (bounded) until it is so.  -ENOTSUP without a freezer. */
int oci_cgroup_freeze(const struct oci_cgroup *cg, bool freeze);
/* Whether the cgroup is frozen now (or being frozen). */
bool oci_cgroup_frozen(const struct oci_cgroup *cg);

/* The number of tasks the memory controller has OOM-killed (0 without). */
uint64_t oci_cgroup_oom_kills(const struct oci_cgroup *cg);
/* Whether a task waits in an OOM now (v1 with the OOM killer disabled). */
bool oci_cgroup_under_oom(const struct oci_cgroup *cg);
/* An fd that becomes readable when the memory controller sees an OOM
 * (v1: an eventfd on memory.oom_control; v2: inotify on memory.events);
 * -1 when there is none.  The caller reads it and closes it. */
int oci_cgroup_oom_fd(const struct oci_cgroup *cg);

/* What `events` reports, read from the controllers' files. */
struct oci_cgroup_stats {
	bool has_cpu, has_memory, has_pids;
	uint64_t cpu_total_ns, cpu_user_ns, cpu_kernel_ns;
	uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
	uint64_t mem_usage, mem_limit, mem_max, mem_failcnt;
	uint64_t swap_usage, swap_limit;   /* v1: memory+swap, as runc reports it */
	uint64_t pids_current, pids_limit; /* limit 0: none */
};
void oci_cgroup_stats(const struct oci_cgroup *cg, struct oci_cgroup_stats *st);

#endif
