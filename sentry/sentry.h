/*
 * sentry/ — the sandbox's kernel for files.
 *
 * sentry_main() runs as pid 1 of the sandbox's outer pid namespace (so that
 * if the sentry dies, every sandboxed task dies with it).  It:
 *  1. mounts the staging tmpfs (the application's future kernel-level root,
 *     holding only the exec loader) and a procfs of its own pid namespace;
 *  2. connects to the gofer over 9P2000.L and builds the VFS;
 *  3. pivots into the staging tmpfs (from then on it can see no host file),
 *     clones the spawner into new user, mount, ipc, uts and net
 *     namespaces, which makes the application's pid namespace (staying
 *     outside it), drops every capability, sets no_new_privs, installs the
 *     application seccomp policy, hands the notification fd back and forks
 *     the application's first task (pid 1 there); the spawner stays, for
 *     OCI exec over the control socket (control_fd);
 *  4. drops its own capabilities but CAP_SYS_PTRACE (to read the application's
 *     memory), installs its own seccomp policy, and serves trapped syscalls
 *     until the first task exits.
 * Returns the exit status for runsc-lite: the application's, or 128+signal.
 * Setup failures print one line and return 125.
 */
#ifndef RUNSC_LITE_SENTRY_H
#define RUNSC_LITE_SENTRY_H

#include <stddef.h>

struct sentry_args {
	int gofer_sock;              /* SOCK_SEQPACKET to the gofer */
	const void *spec;            /* packed runsc_lite.SandboxSpec */
	size_t spec_len;
	const void *loader;          /* the exec loader image */
	size_t loader_len;
	/* --network=user: where the application's network (and user)
	 * namespace go to the CLI, which answers once slirp4netns serves
	 * them; -1 otherwise */
	int net_fd;
	int preserved_fd;            /* the spec's preserve_fds fds start here */
	/* OCI create (spec.gate): the first task reads one byte from start_fd
	 * before its exec ("start"); the sentry writes one byte to ready_fd
	 * once the task waits there and the sentry serves ("created") */
	int start_fd, ready_fd;
	int error_log_fd;            /* -1, or OCI --log: setup errors go there too */
	int trace_fd;                /* the --trace sink (audit/), -1: none */
	int strace_fd;               /* --strace lines, -1: none */
	int control_fd;              /* OCI: the listening control socket (exec), -1: none */
};

int sentry_main(const struct sentry_args *args);

#endif
