/*
 * Starting one sandbox: the gofer and the sentry as separate processes,
 * both re-executions of this binary (/proc/self/exe) in their roles, as
 * runsc does.  The CLI keeps the caller's privileges; it only creates the
 * sentry's user namespace (when not root) and pid namespace.
 */
#ifndef RUNSC_LITE_SANDBOX_H
#define RUNSC_LITE_SANDBOX_H

#include "runsc-lite/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_flags;
struct oci_cgroup;

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

/* One tmpfs option into m: size=N[k|m|g], mode=OCTAL (at most 7777),
 * nr_inodes=N.  0; 1 when it is none of them (the caller decides); or -1
 * with *why naming what is wrong with its value. */
int sandbox_tmpfs_option(const char *o, struct sandbox_mount *m, const char **why);

/* OCI process.rlimits: applied to the application's first task. */
#define SANDBOX_RLIMITS_MAX 16
struct sandbox_rlimit {
	int resource;                /* RLIMIT_* */
	unsigned long long soft, hard;
};

/* OCI binds of single files: their content, copied into the overlay. */
#define SANDBOX_FILE_COPIES_MAX 8
#define SANDBOX_FILE_COPY_MAX (64 * 1024)
struct sandbox_file_copy {
	const char *destination;
	const char *source;          /* host file (resolved), read at spawn */
};

/* OCI linux.seccomp, resolved (runsc-lite/oci_seccomp.c): a filter the
 * application's tasks stack on the sandbox's just before their program. */
#define SANDBOX_SECCOMP_RULES_MAX 2048
struct sandbox_seccomp_rule {
	int nr;                      /* x86-64 syscall number */
	uint32_t action;             /* libseccomp's SCMP_ACT_* value */
	unsigned nargs;
	struct { uint32_t index, op; uint64_t value, value_two; } args[6];
};
struct sandbox_seccomp {
	uint32_t default_action;
	struct sandbox_seccomp_rule *rules;
	size_t nrules;
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
	const struct net_flags *net; /* --network, --allow-net (netflags.h) */
	struct sandbox_limits limits;   /* --pids-limit, --memory, ... */
	unsigned preserve_fds;       /* fds 3..3+N-1 go on to the program */
	/* OCI (runsc-lite/oci.c); zero/-1 for do and run --rootfs */
	bool has_umask;              /* the first task's umask, else 022 */
	unsigned umask;
	uint32_t uid, gid;           /* process.user: the first task's ids (not 0: root only) */
	const uint32_t *additional_gids;
	size_t nadditional_gids;
	uint64_t keep_caps;          /* oci_keep_caps() */
	bool set_home;               /* HOME from /etc/passwd when env lacks it (OCI) */
	bool id_range;               /* all ids mapped when root (OCI), else id 0 only */
	const struct sandbox_rlimit *rlimits;
	size_t nrlimits;
	bool gate;                   /* start_fd and ready_fd are given: */
	int start_fd;                /* the first task reads one byte from it before its exec */
	int ready_fd;                /* the sentry writes one byte when the first task waits */
	int error_log_fd;            /* with gate: -1, or the --log file the sentry reports to */
	bool error_log_json;
	bool detached;               /* the sandbox outlives this CLI (OCI create) */
	bool make_mount_points;      /* missing mount destinations are made (OCI) */
	bool terminal;               /* with gate (ready_fd a socket): a pty, its master sent first */
	int control_fd;              /* with gate: the listening control socket (> 2), else none */
	const char *netns_path;      /* OCI linux.namespaces network path: joined (NULL: --network) */
	const struct sandbox_file_copy *file_copies;
	size_t nfile_copies;
	const struct sandbox_seccomp *seccomp;   /* OCI linux.seccomp, NULL: none */
	const struct oci_cgroup *cgroup;  /* OCI: the sentry and the gofer go in it, NULL: none */
	/* --trace / --strace (audit/): fds opened by the CLI, -1 without */
	int trace_fd, strace_fd;
	uint64_t trace_events;       /* audit_kind bits */
	bool trace_lossless, strace;
	const char *sandbox_id;
	char **cli_argv;             /* runsc-lite's own argv, NULL-terminated */
};

/* Starts the gofer and the sentry and returns; their pids in *gofer and
 * *sentry (the caller waits for the sentry).  Dies with one line on error. */
void sandbox_spawn(const struct sandbox_opts *o, int *gofer, int *sentry);

/* Runs the sandbox to completion; returns runsc-lite's exit status. */
int sandbox_run(const struct sandbox_opts *o);

/* The roles (argv[1] "gofer" / "sentry"), started by sandbox_run(). */
int role_gofer(int argc, char **argv);
int role_sentry(int argc, char **argv);

/* Fixed fd numbers of a role process. */
#define ROLE_SOCK_FD 3     /* the gofer <-> sentry socket */
#define ROLE_SPEC_FD 4     /* the packed spec, until EOF */
#define ROLE_LOG_FD  5     /* the debug log, when enabled */
#define ROLE_START_FD 6    /* sentry, OCI create: the start gate (start_fd) */
#define ROLE_READY_FD 7    /* sentry, OCI create: "the first task waits" (ready_fd) */
#define ROLE_ERRLOG_FD 8   /* sentry, OCI create with --log: the error log */
#define ROLE_NET_FD  9     /* sentry, --network=user: sentry_args.net_fd */
#define ROLE_TRACE_FD 10   /* sentry: the --trace sink, when enabled */
#define ROLE_STRACE_FD 11  /* sentry: the --strace output, when enabled */
#define ROLE_CONTROL_FD 12 /* sentry, OCI create: the listening control socket (exec) */
#define ROLE_PRESERVED_FD 13 /* the sentry: --preserve-fds from here on */
#define PRESERVE_FDS_MAX 1024

#endif
