/*
 * Starting one sandbox: the gofer and the sentry as separate processes,
 * both re-executions of this binary (/proc/self/exe) in their roles, as
 * runsc does.  The CLI keeps the caller's privileges; it only creates the
 * sentry's user namespace (when not root) and pid namespace.
 */
#ifndef RUNSC_LITE_SANDBOX_H
#define RUNSC_LITE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --tmpfs=PATH[:OPTS] and --volume=HOST:PATH[:ro], in flag order. */
#define SANDBOX_MOUNTS_MAX 64
struct sandbox_mount {
	bool tmpfs;                  /* else a volume */
	const char *destination;     /* absolute sandbox path */
	unsigned long long size;     /* tmpfs: size= bytes, 0: the kernel's default */
	unsigned mode;               /* tmpfs: root mode, 0: 01777 */
	unsigned long long nr_inodes;/* tmpfs: 0: the default */
	const char *source;          /* volume: host directory (resolved) */
	bool readonly;               /* volume */
};

struct sandbox_opts {
	const char *rootfs;          /* host directory served as / */
	bool readonly;               /* every write EROFS */
	bool overlay;                /* the rootfs read-only under a memory layer */
	char **argv;                 /* NULL-terminated */
	char **env;                  /* NULL-terminated */
	const char *cwd;
	const char *hostname;
	const char *const *hide;     /* sandbox paths covered by an empty dir */
	size_t nhide;
	int debug_fd;                /* -1 without --debug-log */
	const char *cache_policy;    /* of the root mount (sentry/vfs.h) */
	const char *platform;        /* "seccomp" or "ptrace" */
	bool no_sync_wakeup;         /* seccomp without SYNC_WAKE_UP */
	const struct sandbox_mount *mounts;
	size_t nmounts;
	/* --trace / --strace (audit/): fds opened by the CLI, -1 without */
	int trace_fd, strace_fd;
	uint64_t trace_events;       /* audit_kind bits */
	bool trace_lossless, strace;
	const char *sandbox_id;
	char **cli_argv;             /* runsc-lite's own argv, NULL-terminated */
};

/* Runs the sandbox to completion; returns runsc-lite's exit status. */
int sandbox_run(const struct sandbox_opts *o);

/* The roles (argv[1] "gofer" / "sentry"), started by sandbox_run(). */
int role_gofer(int argc, char **argv);
int role_sentry(int argc, char **argv);

/* Fixed fd numbers of a role process. */
#define ROLE_SOCK_FD 3     /* the gofer <-> sentry socket */
#define ROLE_SPEC_FD 4     /* the packed spec, until EOF */
#define ROLE_LOG_FD  5     /* the debug log, when enabled */
#define ROLE_TRACE_FD 6    /* sentry: the --trace sink, when enabled */
#define ROLE_STRACE_FD 7   /* sentry: the --strace output, when enabled */

#endif
