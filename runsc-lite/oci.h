/*
 * runsc-lite as an OCI runtime: the runc command contract (create, start,
 * state, kill, delete, run, list, spec, features) over a state directory.
 *
 * Contract: one directory per container beneath --root (default
 * /run/runsc-lite, or $XDG_RUNTIME_DIR/runsc-lite when not root), named by
 * the container ID (runc's rule: [A-Za-z0-9_+.-]+, not "." or "..").  Every
 * command that reads or changes a container holds an exclusive flock on its
 * directory, so concurrent commands on one ID are serialized; create makes
 * the directory with mkdir(2), so a second create of an existing ID fails
 * and leaves the first untouched.  state.json is written to a temporary
 * name and renamed.  A container's status is derived, never stored: its
 * sentry (pid 1 of the sandbox, the process the --pid-file names) alive and
 * exec.fifo present: created; alive, no fifo: running; else stopped.
 * A stale or corrupt state directory gives a clear error; delete --force
 * removes it whatever it holds.
 *
 * Errors are one line on stderr (and in the --log file, in --log-format)
 * and exit status 1, as runc's.
 */
#ifndef RUNSC_LITE_OCI_H
#define RUNSC_LITE_OCI_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct oci_globals {
	const char *root;            /* --root, NULL: the default */
	const char *platform;        /* --platform, NULL: annotation, else seccomp */
	int overlay;                 /* --overlay: -1 not given, else 0/1 */
	const char *cache_policy;    /* --cache-policy / --file-access, NULL: annotation */
	bool no_sync_wakeup;
	int debug_fd;                /* --debug-log, -1 */
	bool systemd_cgroup;         /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
};

/* True for the commands oci_command() runs. */
bool oci_is_command(const char *cmd);

/* Runs one OCI command (argv[0] is its name); returns the exit status. */
int oci_command(int argc, char **argv, const struct oci_globals *g);

/* ---- exec (runsc-lite/oci_exec.c) and what it needs of oci.c ---- */

/* exec [--process F | ARGS...] [-d] [-t --console-socket S] [--pid-file F]
 * [--cwd D] [-e K=V]... [-u UID[:GID]] ID: a new process in the container,
 * through its control channel (runsc-lite/control.proto). */
int oci_cmd_exec(int argc, char **argv, const struct oci_globals *g);
/* events [--stats] [--interval=D] ID: runc's stats and oom events (JSON
 * lines; runsc-lite/oci_events.c). */
int oci_cmd_events(int argc, char **argv, const struct oci_globals *g);
/* update [--resources FILE|-] [--memory N ...] ID: new limits into the
 * container's cgroup (runsc-lite/oci_update.c). */
int oci_cmd_update(int argc, char **argv, const struct oci_globals *g);

/* What `exec ID ARGS` inherits from the container's process (its env and
 * cwd, kept in state.json at create), as runc's exec does. */
struct oci_exec_defaults {
	char **env;                  /* NULL-terminated */
	size_t nenv;
	char *cwd;
	uint32_t uid, gid;           /* process.user of the container */
	uint32_t *gids;              /* its additionalGids (at most OCI_EXEC_GIDS_MAX) */
	size_t ngids;
};
#define OCI_EXEC_GIDS_MAX 1024
/* `cmd` (exec, events): connects to container `id`'s control socket (created or running; its
 * peer checked to be the container's sentry) and releases the container's
 * lock; dies with one line otherwise. */
int oci_control_connect(const char *cmd, const char *id, struct oci_exec_defaults *d);
void oci_write_pid_file(const char *path, pid_t pid);
/* One request, and the next reply (NULL on EOF; its fd, if any, in *fd):
 * the control channel's messages (control.pb-c.h), for events. */
struct RunscLite__ControlRequest;
struct RunscLite__ControlReply;
int oci_control_send(int sock, const struct RunscLite__ControlRequest *rq);
struct RunscLite__ControlReply *oci_control_recv(int sock, int *fd);
/* events: the container's cgroup (NULL: none) and its sentry (pid, start
 * time), for `cmd`; dies with one line when it is not created, running or
 * paused.  The container's lock is released. */
struct oci_cgroup *oci_container_cgroup(const char *cmd, const char *id, pid_t *pid,
					unsigned long long *start);
/* Whether the sentry of a container (pid, start time) still runs. */
bool oci_sentry_alive(pid_t pid, unsigned long long start);
int oci_send_console(const char *path, int master);

#endif
