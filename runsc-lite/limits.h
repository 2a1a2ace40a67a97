/*
 * Resource limits of one sandbox (--pids-limit, --memory, --nofile,
 * --cpu-time, --overlay-size).
 *
 * Two mechanisms, used together where both exist:
 *  - rlimits, set by the application's first task before its filter
 *    (sentry/boot.c) and inherited by every task: RLIMIT_NPROC (counted by
 *    the kernel per user namespace and uid, so it counts exactly the
 *    sandbox's tasks), RLIMIT_NOFILE, RLIMIT_CPU; without a memory cgroup
 *    --memory becomes RLIMIT_AS, a per-process cap.  They hold everywhere,
 *    rootless too.
 *  - a cgroup of the sandbox (the sentry and everything it starts), made by
 *    the CLI beneath its own cgroup where the caller may: cgroup v2 with the
 *    pids and memory controllers available, else the v1 pids and memory
 *    hierarchies.  pids.max bounds the whole sandbox, memory.max (v2) or
 *    memory.limit_in_bytes (v1) its memory, tmpfs and overlay pages
 *    included.  Its events tell runsc-lite, at exit, that a limit was hit.
 * docs/SECURITY.md says which limit holds in which setup.
 */
#ifndef RUNSC_LITE_LIMITS_H
#define RUNSC_LITE_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* 0 means "no limit" for every field but the defaults below. */
struct sandbox_limits {
	uint64_t pids;           /* tasks (processes and threads) */
	uint64_t memory;         /* bytes */
	uint64_t nofile;         /* open files per process */
	uint64_t cpu_seconds;    /* CPU time per process */
	uint64_t overlay_size;   /* bytes of the overlay's upper layer (0: half of RAM) */
};

#define LIMITS_DEFAULT_PIDS   1024
#define LIMITS_DEFAULT_NOFILE 65536

/* Parses a size "N[k|m|g]" (bytes); -1 when malformed, zero or too large. */
int limits_parse_size(const char *s, uint64_t *out);
/* Parses a positive decimal count; -1 when malformed or zero. */
int limits_parse_count(const char *s, uint64_t *out);

/* The sandbox's cgroup: opaque, NULL when none could be made. */
struct sandbox_cgroup;

/*
 * Makes a cgroup for a sandbox with these limits, beneath the caller's own
 * cgroup (named runsc-lite-PID).  Returns NULL (and says why in the debug
 * log) when the caller may not, or when no limit needs one.
 */
struct sandbox_cgroup *limits_cgroup_create(const struct sandbox_limits *l);
/* Whether the cgroup bounds memory (else --memory becomes RLIMIT_AS). */
bool limits_cgroup_has_memory(const struct sandbox_cgroup *cg);
/* Moves pid (the sentry, before it starts anything) into it. */
int limits_cgroup_attach(struct sandbox_cgroup *cg, pid_t pid);
/* After the sandbox ended: one line on stderr for each limit that was hit;
 * then removes the cgroup (waiting briefly for the last tasks to go). */
void limits_cgroup_finish(struct sandbox_cgroup *cg);
/* "cgroup v2", "cgroup v1" or "rlimits only" */
const char *limits_cgroup_kind(const struct sandbox_cgroup *cg);

#endif
