/*
 * The OCI runtime commands (see runsc-lite/oci.h).
 *
 * After `create` the sandbox runs detached from the CLI:
 *
 *   caller (conmon, the containerd shim: a subreaper)
 *    ├── sentry   pid in --pid-file; exits with the container's status
 *    │    └── first task, blocked reading exec.fifo (held O_RDWR) until `start`
 *    └── gofer    ends by itself on EOF of its 9P socket when the sentry is gone
 *
 * `start` writes one byte into exec.fifo (the task reads it and execs the
 * program) and removes the fifo: its absence is what "running" means.
 */
#include "runsc-lite/oci.h"

#include "runsc-lite/log.h"
#include "runsc-lite/oci_cgroup.h"
#include "runsc-lite/oci_config.h"
#include "runsc-lite/sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OCI_VERSION "1.0.2"
#define ID_MAX 200
#define STATE_MAX (256 * 1024)

/* ---- the state directory ------------------------------------------------------ */

static char root_dir[PATH_MAX];

static void init_root(const struct oci_globals *g)
{
	const char *r = g->root;
	char buf[PATH_MAX];
	if (!r) {
		if (geteuid() == 0) {
			r = "/run/runsc-lite";
		} else {
			const char *xdg = getenv("XDG_RUNTIME_DIR");
			if (!xdg || xdg[0] != '/')
				die("--root: not given, and $XDG_RUNTIME_DIR is not set (needed when not root)");
			if ((size_t)snprintf(buf, sizeof buf, "%s/runsc-lite", xdg) >= sizeof buf)
				die("$XDG_RUNTIME_DIR: too long");
			r = buf;
		}
	}
	if (r[0] != '/' || strlen(r) >= sizeof root_dir - ID_MAX - 32)
		die("--root=%s: must be an absolute path", r);
	snprintf(root_dir, sizeof root_dir, "%s", r);
	/* mkdir -p, private to its owner (it names every container's pids) */
	for (char *p = root_dir + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(root_dir, 0700) < 0 && errno != EEXIST)
				die_errno(errno, "--root: creating %s", root_dir);
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat st;
	if (stat(root_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		die("--root=%s: not a directory", root_dir);
}

/* runc's rule, ^[\w+-\.]+$, minus "." and "..": the ID names a directory. */
static void check_id(const char *id)
{
	size_t n = strlen(id);
	bool ok = n > 0 && n <= ID_MAX && strcmp(id, ".") && strcmp(id, "..");
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)id[i]) || strchr("_+-.", id[i]);
	if (!ok)
		die("invalid container ID \"%.*s\": must be 1 to %d of A-Z a-z 0-9 _ + - . (not . or ..)",
		    (int)(n > 64 ? 64 : n), id, ID_MAX);
}

/* The fields of /proc/PID/stat after the name (which may hold spaces and
 * parens), in buf: NULL when there is no such process. */
static const char *proc_stat_fields(pid_t pid, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

/* /proc/PID/stat: field 22 (start time), and whether it is a zombie. */
static int proc_stat(pid_t pid, unsigned long long *start, bool *zombie)
{
	char buf[1024];
	const char *p = proc_stat_fields(pid, buf, sizeof buf);
	if (!p)
		return -1;
	char state;
	unsigned long long st;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (sscanf(p, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &state, &st) != 2)
		return -1;
	*start = st;
	*zombie = state == 'Z' || state == 'X';
	return 0;
}

/* The process the state names, still the same one (not a reused pid). */
static bool alive(pid_t pid, unsigned long long start)
{
	unsigned long long st;
	bool zombie;
	return pid > 0 && proc_stat(pid, &st, &zombie) == 0 && !zombie && st == start;
}

struct container {
	char id[ID_MAX + 1];
	char dir[PATH_MAX];
	int dirfd;                   /* holds the flock */
	json_object *state;          /* state.json, NULL when missing or corrupt */
	char state_err[160];
	pid_t pid, gofer;
	unsigned long long pid_start, gofer_start;
};

static json_object *jfield(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v = jfield(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static long long jint(json_object *o, const char *k)
{
	json_object *v = jfield(o, k);
	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

/* Reads dirfd/state.json, bounded; NULL and a reason when it cannot. */
static json_object *read_state(int dirfd, char *err, size_t errlen)
{
	int fd = openat(dirfd, "state.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATE_MAX) {
		snprintf(err, errlen, "state.json: %s", fd < 0 ? strerror(errno) : "not a small regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	json_object *o = NULL;
	if (n >= 0) {
		json_tokener *tok = json_tokener_new_ex(16);
		if (tok)
			o = json_tokener_parse_ex(tok, buf, (int)n);
		if (tok && json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	free(buf);
	if (!o || !json_object_is_type(o, json_type_object) || jint(o, "pid") <= 0 ||
	    jint(o, "pid") > INT_MAX || jint(o, "pidStart") < 0) {
		json_object_put(o);
		snprintf(err, errlen, "state.json: corrupt");
		return NULL;
	}
	return o;
}

/* Opens and locks the container's directory; dies when it does not exist
 * (unless `missing_ok`: returns false). */
static bool open_container(const char *id, struct container *c, bool missing_ok)
{
	check_id(id);
	*c = (struct container){ .dirfd = -1 };
	snprintf(c->id, sizeof c->id, "%s", id);
	if ((size_t)snprintf(c->dir, sizeof c->dir, "%s/%s", root_dir, id) >= sizeof c->dir)
		die("--root: too long");
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dirfd < 0) {
		if (errno == ENOENT && missing_ok)
			return false;
		if (errno == ENOENT)
			die("container \"%s\" does not exist", id);
		die_errno(errno, "container \"%s\": %s", id, c->dir);
	}
	while (flock(c->dirfd, LOCK_EX) < 0)
		if (errno != EINTR)
			die_errno(errno, "container \"%s\": locking %s", id, c->dir);
	/* a delete that held the lock before us removed it meanwhile */
	struct stat st;
	if (fstat(c->dirfd, &st) == 0 && st.st_nlink == 0) {
		close(c->dirfd);
		if (missing_ok)
			return false;
		die("container \"%s\" does not exist", id);
	}
	c->state = read_state(c->dirfd, c->state_err, sizeof c->state_err);
	if (c->state) {
		c->pid = (pid_t)jint(c->state, "pid");
		c->pid_start = (unsigned long long)jint(c->state, "pidStart");
		long long gp = jint(c->state, "goferPid");
		c->gofer = gp > 0 && gp <= INT_MAX ? (pid_t)gp : 0;
		long long gs = jint(c->state, "goferStart");
		c->gofer_start = gs > 0 ? (unsigned long long)gs : 0;
	}
	return true;
}

static void need_state(const struct container *c)
{
	if (!c->state)
		die("container \"%s\": %s (a stale state directory: `delete --force %s` removes it)",
		    c->id, c->state_err, c->id);
}

static const char *status_of(const struct container *c)
{
	if (!c->state)
		return "creating";
	if (!alive(c->pid, c->pid_start))
		return "stopped";
	if (faccessat(c->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return "created";
	return faccessat(c->dirfd, "paused", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? "paused" : "running";
}

/* The container's cgroup as state.json records it (NULL: none, or a
 * record this runtime did not write: said once). */
static struct oci_cgroup *container_cgroup(const struct container *c)
{
	json_object *j = jfield(c->state, "cgroup");
	if (!j)
		return NULL;
	struct oci_cgroup *cg = oci_cgroup_from_json(j);
	if (!cg)
		warnx_rl("container \"%s\": state.json: its cgroup record is corrupt (ignored)", c->id);
	return cg;
}

/* Removes the container's cgroup (its tasks gone): a warning if it stays. */
static void remove_cgroup(const struct container *c)
{
	struct oci_cgroup *cg = container_cgroup(c);
	int rc = oci_cgroup_destroy(cg);
	if (rc < 0)
		warnx_rl("container \"%s\": removing its cgroup: %s", c->id, strerror(-rc));
}

static void close_container(struct container *c)
{
	json_object_put(c->state);
	c->state = NULL;
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
}

/* Writes text to dirfd/name through a temporary name and rename(2). */
static int write_atomic(int dirfd, const char *name, const char *text)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int err = n == (ssize_t)len ? 0 : n < 0 ? errno : EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = errno;
	if (err)
		unlinkat(dirfd, tmp, 0);
	return -err;
}

/* --pid-file: absolute or relative to the caller's cwd, written atomically. */
static void write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX], text[32];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.runsc-lite.tmp", path) >= sizeof tmp)
		die("--pid-file=%s: path too long", path);
	snprintf(text, sizeof text, "%d", (int)pid);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		die_errno(err, "--pid-file=%s", path);
	}
}

/* Empties the directory fd refers to, subdirectories too (depth-bounded:
 * we only ever make files there, but delete --force must clean whatever a
 * stale or tampered directory holds; nothing is followed, O_NOFOLLOW). */
static void empty_dir(int dirfd, int depth)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0 || errno != EISDIR || depth >= 8)
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			empty_dir(sub, depth + 1);
			close(sub);
		}
		unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* Removes the container's directory and what it holds. */
static int remove_container_dir(struct container *c)
{
	empty_dir(c->dirfd, 0);
	return rmdir(c->dir) < 0 ? -errno : 0;
}

/* Waits up to ms for process pid to end: a pidfd becomes readable when it
 * does (child or not), so the wait ends at once; polled every 10 ms where
 * pidfd_open is missing.  Pid reuse: the caller checks what it needs. */
static void wait_exit(pid_t pid, int ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = { pfd, POLLIN, 0 };
		while (poll(&p, 1, ms) < 0 && errno == EINTR)
			;
		close(pfd);
		return;
	}
	for (int i = 0; i < ms / 10 && kill(pid, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

/* Waits (bounded) until pid is gone or a zombie. */
static bool wait_gone(pid_t pid, unsigned long long start, int ms)
{
	if (alive(pid, start))
		wait_exit(pid, ms);   /* (a pid reused meanwhile: the check below) */
	return !alive(pid, start);
}

/* SIGKILL to the sandbox (the sentry: pid 1 of it, its death ends every
 * task) and to the gofer, each only if still the process the state names. */
static void kill_sandbox(const struct container *c)
{
	if (alive(c->pid, c->pid_start))
		kill(c->pid, SIGKILL);
	if (c->gofer && alive(c->gofer, c->gofer_start))
		kill(c->gofer, SIGKILL);
	if (!wait_gone(c->pid, c->pid_start, 5000))
		warnx_rl("container \"%s\": the sentry (pid %d) did not exit", c->id, (int)c->pid);
	if (c->gofer && !wait_gone(c->gofer, c->gofer_start, 5000))
		warnx_rl("container \"%s\": the gofer (pid %d) did not exit", c->id, (int)c->gofer);
}

static void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static const char *owner_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw ? pw->pw_name : "";
}

/* ---- hooks ------------------------------------------------------------------------ */

static json_object *state_json(const struct container *c);

/*
 * Runs the `kind` hooks the state recorded (checked by oci_config.c when
 * the container was created), each on the host as runc runs them: its own
 * args and env only, the container's state JSON on stdin, its output kept
 * for the message, killed after its timeout.  Returns 0, or -1 with `err`.
 */
static int run_hooks(const struct container *c, const char *kind, char *err, size_t errlen)
{
	json_object *all = jfield(c->state, "hooks"), *list = jfield(all, kind);
	if (!list || !json_object_is_type(list, json_type_array))
		return 0;
	json_object *st = state_json(c);
	const char *state = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(list); i++) {
		json_object *h = json_object_array_get_idx(list, i);
		const char *path = jstr(h, "path");
		json_object *a = jfield(h, "args"), *e = jfield(h, "env");
		long long timeout = jint(h, "timeout");
		size_t na = a ? json_object_array_length(a) : 0, ne = e ? json_object_array_length(e) : 0;
		char **argv = calloc(na + 2, sizeof *argv), **envp = calloc(ne + 1, sizeof *envp);
		int in[2] = { -1, -1 };
		int out = memfd_create("hook-output", MFD_CLOEXEC);
		if (!argv || !envp || out < 0 || pipe2(in, O_CLOEXEC) < 0) {
			snprintf(err, errlen, "hooks.%s[%zu]: %s", kind, i, strerror(errno ? errno : ENOMEM));
			rc = -1;
		}
		for (size_t k = 0; rc == 0 && k < na; k++)
			argv[k] = (char *)json_object_get_string(json_object_array_get_idx(a, k));
		if (na == 0 && argv)
			argv[0] = (char *)path;
		for (size_t k = 0; rc == 0 && k < ne; k++)
			envp[k] = (char *)json_object_get_string(json_object_array_get_idx(e, k));
		pid_t pid = rc == 0 ? fork() : -1;
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
				_exit(127);
			execve(path, argv, envp);
			dprintf(2, "%s: %s", path, strerror(errno));
			_exit(127);
		}
		if (rc == 0 && pid < 0) {
			snprintf(err, errlen, "hooks.%s[%zu]: fork: %s", kind, i, strerror(errno));
			rc = -1;
		}
		if (in[0] >= 0)
			close(in[0]);
		if (rc == 0) {
			/* a hook that does not read its stdin must not block us */
			signal(SIGPIPE, SIG_IGN);
			ssize_t unused = write(in[1], state, strlen(state));
			(void)unused;
			close(in[1]);
			in[1] = -1;
			int ws = 0;
			struct timespec t0, now;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			bool done = false, timed_out = false;
			while (!done) {
				done = waitpid(pid, &ws, WNOHANG) == pid;
				clock_gettime(CLOCK_MONOTONIC, &now);
				if (!done && timeout > 0 && now.tv_sec - t0.tv_sec >= timeout) {
					kill(pid, SIGKILL);
					waitpid(pid, &ws, 0);
					done = timed_out = true;
				} else if (!done) {
					struct timespec ts = { 0, 2 * 1000 * 1000 };
					nanosleep(&ts, NULL);
				}
			}
			if (timed_out || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
				char msg[256] = "";
				ssize_t n = pread(out, msg, sizeof msg - 1, 0);
				msg[n > 0 ? n : 0] = 0;
				for (char *p = msg; *p; p++)
					if (*p == '\n')
						*p = ' ';
				if (timed_out)
					snprintf(err, errlen, "hooks.%s[%zu] %s: timed out after %llds", kind, i, path, timeout);
				else if (WIFEXITED(ws))
					snprintf(err, errlen, "hooks.%s[%zu] %s: exit status %d%s%s", kind, i, path,
						 WEXITSTATUS(ws), msg[0] ? ": " : "", msg);
				else
					snprintf(err, errlen, "hooks.%s[%zu] %s: killed by signal %d", kind, i, path, WTERMSIG(ws));
				rc = -1;
			}
		}
		if (in[1] >= 0)
			close(in[1]);
		if (out >= 0)
			close(out);
		free(argv);
		free(envp);
	}
	json_object_put(st);
	return rc;
}

/* ---- create ------------------------------------------------------------------- */

/* Undone at exit unless create completes: die() may leave from anywhere. */
static struct {
	bool pending;
	char dir[PATH_MAX];
	pid_t sentry, gofer;
	struct oci_cgroup *cgroup;
} undo;

static void undo_create(void)
{
	if (!undo.pending)
		return;
	if (undo.sentry > 0) {
		kill(undo.sentry, SIGKILL);
		waitpid(undo.sentry, NULL, 0);
	}
	if (undo.gofer > 0) {
		kill(undo.gofer, SIGKILL);
		waitpid(undo.gofer, NULL, 0);
	}
	oci_cgroup_destroy(undo.cgroup);
	undo.cgroup = NULL;
	char path[PATH_MAX + 16];
	const char *names[] = { "exec.fifo", "state.json", ".state.json.tmp", "control.sock" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", undo.dir, names[i]);
		unlink(path);
	}
	rmdir(undo.dir);
}

/* The "L" message of the ready socket and its fd; -1 if it is not that
 * (an "E" report or EOF: the caller then reads why). */
static int recv_fd_byte(int sock)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t n;
	/* peeked without a control buffer: a peek would install the fd too */
	while ((n = recv(sock, &byte, 1, MSG_PEEK)) < 0 && errno == EINTR)
		;
	if (n != 1 || byte != 'L')
		return -1;   /* left in the socket for the caller */
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (n != 1 || !cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

/* --console-socket: the pty master, over SCM_RIGHTS, as runc sends it (the
 * payload names the pty). */
static int send_console(const char *path, int master)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;
		close(sock);
		return -err;
	}
	char name[] = "/dev/ptmx";
	struct iovec iov = { name, sizeof name - 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof master);
	int rc = sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
	close(sock);
	return rc;
}

struct create_flags {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool detach;                 /* run -d */
	bool keep;                   /* run --keep */
};

static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "preserve-fds", required_argument, NULL, 'P' },
	{ "no-pivot", no_argument, NULL, 'n' },
	{ "no-new-keyring", no_argument, NULL, 'k' },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, 'K' },
	{ "no-subreaper", no_argument, NULL, 's' },
	{ 0, 0, 0, 0 },
};

/* create and run share their flags (run adds -d and --keep); returns the ID. */
static const char *parse_create(int argc, char **argv, struct create_flags *f, bool run)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, run ? "+b:d" : "+b:", create_opts, NULL)) != -1) {
		switch (c) {
		case 'b': f->bundle = optarg; break;
		case 'p': f->pid_file = optarg; break;
		case 'c': f->console_socket = optarg; break;
		case 'P': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 1024)
				die("--preserve-fds=%s: must be a number from 0 to 1024", optarg);
			f->preserve_fds = (int)v;
			break;
		}
		case 'n': case 'k': case 's': break;   /* nothing to pivot, no keyring, not a subreaper */
		case 'd':
		case 'K':
			if (!run)
				die("%s: unknown or incomplete flag %s", argv[0], argv[optind - 1]);
			if (c == 'd')
				f->detach = true;
			else
				f->keep = true;
			break;
		default:
			die("%s: unknown or incomplete flag %s", argv[0], argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		die("%s: exactly one container ID expected (usage: runsc-lite %s [flags] ID)", argv[0], argv[0]);
	return argv[optind];
}

/* The control channel's socket, bound at DIR/control.sock (named through
 * the directory's fd: DIR may be longer than a sun_path), not listening:
 * the sentry listens, so that clients see it as the peer. */
static int control_socket(int dirfd, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/control.sock", dirfd);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    fchmodat(dirfd, "control.sock", 0600, 0) < 0)
		die_errno(errno, "creating %s/control.sock", dir);
	return fd;
}

/*
 * Sets up the sandbox of container `id` up to its first task waiting for
 * `start`; returns with the state written and the directory still locked.
 * `detached`: the sandbox outlives this process (create, run -d).
 */
static void do_create(const char *id, const struct create_flags *f, const struct oci_globals *g,
		      bool detached, struct container *ct, int *gofer_out)
{
	char bundle[PATH_MAX];
	if (!realpath(f->bundle ? f->bundle : ".", bundle))
		die_errno(errno, "--bundle=%s", f->bundle ? f->bundle : ".");
	check_id(id);
	static struct oci_config cfg;
	char err[OCI_ERR_MAX];
	if (oci_config_load(bundle, &cfg, err) < 0)
		die("%s", err);
	for (size_t i = 0; i < cfg.nnotes; i++)
		debugf("%s", cfg.notes[i]);
	if (cfg.terminal && !f->console_socket)
		die("process.terminal is true: --console-socket is required (where the pty master goes)");
	if (!cfg.terminal && f->console_socket)
		die("--console-socket=%s: given, but process.terminal is false", f->console_socket);

	char dir[PATH_MAX];
	if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root_dir, id) >= sizeof dir)
		die("--root: too long");
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			die("container \"%s\" already exists", id);
		die_errno(errno, "creating %s", dir);
	}
	snprintf(undo.dir, sizeof undo.dir, "%s", dir);
	undo.pending = true;
	atexit(undo_create);
	*ct = (struct container){ .dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) };
	snprintf(ct->id, sizeof ct->id, "%s", id);
	snprintf(ct->dir, sizeof ct->dir, "%s", dir);
	if (ct->dirfd < 0 || flock(ct->dirfd, LOCK_EX) < 0)
		die_errno(errno, "locking %s", dir);

	/* the start gate: the first task holds it open read-write, so that
	 * `start` can open it for writing without blocking, and only while
	 * the task waits (ENXIO afterwards) */
	if (mkfifoat(ct->dirfd, "exec.fifo", 0600) < 0)
		die_errno(errno, "creating %s/exec.fifo", dir);
	char fifo[PATH_MAX + 16];
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", dir);
	int start_fd = open(fifo, O_RDWR | O_CLOEXEC);
	/* a socket: the pty master comes this way too */
	int ready[2];
	if (start_fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ready) < 0)
		die_errno(errno, "creating the start gate in %s", dir);

	/* the container's cgroup, its resources written, before anything of
	 * the sandbox exists: the sentry and the gofer start in it */
	char cgerr[OCI_ERR_MAX], cgwhy[256];
	undo.cgroup = oci_cgroup_create(cfg.cgroups_path, id, g->systemd_cgroup, &cfg.resources, cgerr,
					sizeof cgerr, cgwhy, sizeof cgwhy);
	if (!undo.cgroup && cgerr[0])
		die("container \"%s\": %s", id, cgerr);
	if (!undo.cgroup && cfg.resources.any)
		warnx_rl("container \"%s\": linux.resources not applied: %s", id, cgwhy);
	else if (!undo.cgroup)
		debugf("%s", cgwhy);

	/* exec's control channel: bound here, listened on by the sentry */
	int control_fd = control_socket(ct->dirfd, dir);
	bool overlay = g->overlay >= 0 ? g->overlay : cfg.overlay >= 0 ? cfg.overlay : true;
	const char *cache = g->cache_policy ? g->cache_policy
			    : cfg.file_access && strcmp(cfg.file_access, "shared") == 0 ? "remote_revalidating"
											 : "fscache";
	struct sandbox_opts o = {
		.rootfs = cfg.rootfs,
		.readonly = cfg.root_readonly,
		.overlay = overlay && !cfg.root_readonly,
		.argv = (char **)cfg.args,
		.env = (char **)cfg.env,
		.cwd = cfg.cwd,
		.hostname = cfg.hostname ? cfg.hostname : "runsc-lite",
		.hide = cfg.hide,
		.nhide = cfg.nhide,
		.debug_fd = g->debug_fd,
		.cache_policy = cache,
		.platform = g->platform ? g->platform : cfg.platform ? cfg.platform : "seccomp",
		.no_sync_wakeup = g->no_sync_wakeup,
		.mounts = cfg.mounts,
		.nmounts = cfg.nmounts,
		.has_umask = cfg.has_umask,
		.umask = cfg.umask,
		.uid = cfg.uid,
		.gid = cfg.gid,
		.additional_gids = cfg.additional_gids,
		.nadditional_gids = cfg.nadditional_gids,
		.keep_caps = oci_keep_caps(&cfg),
		.set_home = true,
		.id_range = true,
		.rlimits = cfg.rlimits,
		.nrlimits = cfg.nrlimits,
		.gate = true,
		.start_fd = start_fd,
		.ready_fd = ready[1],
		.detached = detached,
		.make_mount_points = true,
		.terminal = cfg.terminal,
		.control_fd = control_fd,
		.netns_path = cfg.netns_path,
		.trace_fd = -1,       /* (no --trace for containers yet) */
		.strace_fd = -1,
		.file_copies = cfg.file_copies,
		.nfile_copies = cfg.nfile_copies,
		.seccomp = cfg.has_seccomp ? &cfg.seccomp : NULL,
		.cgroup = undo.cgroup,
		/* the caller's 3..3+N-1 become the first process's 3.. (runc's
		 * --preserve-fds; sandbox_spawn checks they are open) */
		.preserve_fds = (unsigned)f->preserve_fds,
	};
	o.error_log_fd = log_error_log(&o.error_log_json);
	int gofer, sentry;
	sandbox_spawn(&o, &gofer, &sentry);
	undo.sentry = sentry;
	undo.gofer = gofer;
	close(start_fd);
	close(ready[1]);
	close(control_fd);
	/* with a terminal, first "L" and the pty master, for the console socket */
	if (cfg.terminal) {
		int master = recv_fd_byte(ready[0]);
		if (master >= 0) {
			int rc = send_console(f->console_socket, master);
			close(master);
			if (rc < 0)
				die_errno(-rc, "--console-socket=%s", f->console_socket);
		}
	}
	/* "R": ready; "E" and a message: why not (the sentry's first error);
	 * EOF: the sentry died without a word */
	char r[1024];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(ready[0], r + got, sizeof r - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (r[0] == 'R' || got == sizeof r - 1)
			break;
	}
	close(ready[0]);
	if (got == 0 || r[0] != 'R') {
		int ws = 0;
		waitpid(sentry, &ws, 0);
		undo.sentry = 0;
		r[got] = 0;
		if (got > 1 && r[0] == 'E')
			die("container \"%s\": %s", id, r + 1);
		die("container \"%s\": the sandbox did not start (sentry exit status %d)", id,
		    WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}

	unsigned long long st;
	bool zombie;
	if (proc_stat(sentry, &st, &zombie) < 0)
		die("container \"%s\": the sentry is gone", id);
	ct->pid = sentry;
	ct->pid_start = st;
	ct->gofer = gofer;
	if (proc_stat(gofer, &ct->gofer_start, &zombie) < 0)
		ct->gofer_start = 0;

	char created[48];
	rfc3339_now(created, sizeof created);
	json_object *s = json_object_new_object();
	json_object_object_add(s, "ociVersion", json_object_new_string(OCI_VERSION));
	json_object_object_add(s, "id", json_object_new_string(id));
	json_object_object_add(s, "pid", json_object_new_int64(sentry));
	json_object_object_add(s, "pidStart", json_object_new_int64((int64_t)st));
	json_object_object_add(s, "goferPid", json_object_new_int64(gofer));
	json_object_object_add(s, "goferStart", json_object_new_int64((int64_t)ct->gofer_start));
	json_object_object_add(s, "bundle", json_object_new_string(bundle));
	json_object_object_add(s, "rootfs", json_object_new_string(cfg.rootfs));
	json_object_object_add(s, "created", json_object_new_string(created));
	json_object_object_add(s, "owner", json_object_new_string(owner_name()));
	json_object *ann = json_object_new_object();
	for (size_t i = 0; i < cfg.nannotations; i++)
		json_object_object_add(ann, cfg.ann_keys[i], json_object_new_string(cfg.ann_values[i]));
	json_object_object_add(s, "annotations", ann);
	if (cfg.hooks)
		json_object_object_add(s, "hooks", json_object_get((json_object *)cfg.hooks));
	/* what `exec ID ARGS` without --process inherits, as runc's does */
	json_object *xd = json_object_new_object(), *xenv = json_object_new_array();
	for (size_t i = 0; i < cfg.nenv; i++)
		json_object_array_add(xenv, json_object_new_string(cfg.env[i]));
	json_object_object_add(xd, "env", xenv);
	json_object_object_add(xd, "cwd", json_object_new_string(cfg.cwd));
	json_object *xuser = json_object_new_object(), *xgids = json_object_new_array();
	json_object_object_add(xuser, "uid", json_object_new_int64(cfg.uid));
	json_object_object_add(xuser, "gid", json_object_new_int64(cfg.gid));
	for (size_t i = 0; i < cfg.nadditional_gids; i++)
		json_object_array_add(xgids, json_object_new_int64(cfg.additional_gids[i]));
	json_object_object_add(xuser, "additionalGids", xgids);
	json_object_object_add(xd, "user", xuser);
	json_object_object_add(s, "execDefaults", xd);
	if (undo.cgroup)
		json_object_object_add(s, "cgroup", oci_cgroup_to_json(undo.cgroup));
	int rc = write_atomic(ct->dirfd, "state.json",
			      json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ct->state = s;
	if (rc < 0)
		die_errno(-rc, "writing %s/state.json", dir);
	if (f->pid_file)
		write_pid_file(f->pid_file, sentry);
	/* prestart (deprecated, the same moment) and createRuntime: the sandbox
	 * exists, the program has not started; a failure undoes the create */
	char herr[512];
	if (run_hooks(ct, "prestart", herr, sizeof herr) < 0 || run_hooks(ct, "createRuntime", herr, sizeof herr) < 0)
		die("container \"%s\": %s", id, herr);
	undo.pending = false;
	oci_cgroup_free(undo.cgroup);
	undo.cgroup = NULL;
	*gofer_out = gofer;
	oci_config_free(&cfg);
}

static int cmd_create(int argc, char **argv, const struct oci_globals *g)
{
	struct create_flags f = { 0 };
	const char *id = parse_create(argc, argv, &f, false);
	struct container c;
	int gofer;
	do_create(id, &f, g, true, &c, &gofer);
	close_container(&c);
	return 0;
}

/* Opens the gate: the first task execs its program. */
static void start_locked(struct container *c)
{
	need_state(c);
	const char *status = status_of(c);
	if (strcmp(status, "created") != 0)
		die("container \"%s\" cannot be started: it is %s, not created", c->id, status);
	int fd = openat(c->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		/* ENXIO: nobody holds it any more, the first task is gone */
		die_errno(errno == ENXIO ? 0 : errno, "container \"%s\": opening its start gate%s", c->id,
			  errno == ENXIO ? ": the container's process is gone" : "");
	}
	ssize_t n = write(fd, "0", 1);
	int err = errno;
	close(fd);
	if (n != 1)
		die_errno(err, "container \"%s\": starting", c->id);
	unlinkat(c->dirfd, "exec.fifo", 0);
	/* the spec: a failing poststart hook is a warning, the container runs on */
	char herr[512];
	if (run_hooks(c, "poststart", herr, sizeof herr) < 0)
		warnx_rl("container \"%s\": %s", c->id, herr);
}

static int cmd_start(int argc, char **argv, const struct oci_globals *g)
{
	if (argc != 2 || argv[1][0] == '-')
		die("start: exactly one container ID expected (usage: runsc-lite start ID)");
	struct container c;
	open_container(argv[1], &c, false);
	start_locked(&c);
	close_container(&c);
	return 0;
}

/* ---- run ---------------------------------------------------------------------- */

static volatile pid_t run_sentry;

static void run_forward(int sig)
{
	if (run_sentry > 0)
		kill(run_sentry, sig);
}

static int cmd_run(int argc, char **argv, const struct oci_globals *g)
{
	struct create_flags f = { 0 };
	const char *id = parse_create(argc, argv, &f, true);
	struct container c;
	int gofer;
	do_create(id, &f, g, f.detach, &c, &gofer);
	if (f.detach) {
		start_locked(&c);
		close_container(&c);
		return 0;
	}
	struct sigaction sa = { .sa_handler = run_forward, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	run_sentry = c.pid;
	for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigaction(fwd[i], &sa, NULL);
	start_locked(&c);
	/* others may look at it (state, kill) while it runs */
	flock(c.dirfd, LOCK_UN);
	int ws;
	while (waitpid(c.pid, &ws, 0) < 0 && errno == EINTR)
		;
	run_sentry = 0;
	/* the gofer ends on EOF of its socket; do not wait on it for long */
	int gs;
	bool gofer_done = waitpid(gofer, &gs, WNOHANG) == gofer;
	if (!gofer_done) {
		wait_exit(gofer, 1000);   /* (our child: a zombie until reaped) */
		gofer_done = waitpid(gofer, &gs, WNOHANG) == gofer;
	}
	if (!gofer_done) {
		kill(gofer, SIGKILL);
		waitpid(gofer, NULL, 0);
	}
	int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (!f.keep) {
		while (flock(c.dirfd, LOCK_EX) < 0 && errno == EINTR)
			;
		struct stat st;
		if (fstat(c.dirfd, &st) == 0 && st.st_nlink > 0) {   /* not deleted meanwhile */
			char herr[512];
			if (run_hooks(&c, "poststop", herr, sizeof herr) < 0)
				warnx_rl("container \"%s\": %s", c.id, herr);
			remove_cgroup(&c);
			remove_container_dir(&c);
		}
	}
	close_container(&c);
	return status;
}

/* ---- state, list -------------------------------------------------------------- */

static json_object *state_json(const struct container *c)
{
	const char *status = status_of(c);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "pid", json_object_new_int64(strcmp(status, "stopped") ? c->pid : 0));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "bundle", json_object_new_string(jstr(c->state, "bundle")));
	json_object_object_add(o, "rootfs", json_object_new_string(jstr(c->state, "rootfs")));
	json_object_object_add(o, "created", json_object_new_string(jstr(c->state, "created")));
	json_object_object_add(o, "owner", json_object_new_string(jstr(c->state, "owner")));
	json_object *ann = jfield(c->state, "annotations");
	json_object_object_add(o, "annotations",
			       ann && json_object_is_type(ann, json_type_object) ? json_object_get(ann)
									       : json_object_new_object());
	return o;
}

static int cmd_state(int argc, char **argv, const struct oci_globals *g)
{
	if (argc != 2 || argv[1][0] == '-')
		die("state: exactly one container ID expected (usage: runsc-lite state ID)");
	struct container c;
	open_container(argv[1], &c, false);
	need_state(&c);
	json_object *o = state_json(&c);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	close_container(&c);
	return 0;
}

static int cmd_list(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0, 0, 0, 0 },
	};
	bool json = false, quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = optarg[0] == 'j';
		else if (c == 'q')
			quiet = true;
		else if (c == 'f')
			die("list: --format=%s: must be table or json", optarg);
		else
			die("list: unknown or incomplete flag %s", argv[optind - 1]);
	}
	if (optind != argc)
		die("list: takes no arguments");
	DIR *d = opendir(root_dir);
	if (!d)
		die_errno(errno, "--root=%s", root_dir);
	json_object *all = json_object_new_array();
	struct dirent *e;
	/* no lock: list must not wait for a create in progress (it is "creating") */
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		struct container ct = { .dirfd = -1 };
		if (strlen(e->d_name) > ID_MAX)
			continue;
		snprintf(ct.id, sizeof ct.id, "%.200s", e->d_name);
		ct.dirfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ct.dirfd < 0)
			continue;
		ct.state = read_state(ct.dirfd, ct.state_err, sizeof ct.state_err);
		if (ct.state) {
			ct.pid = (pid_t)jint(ct.state, "pid");
			ct.pid_start = (unsigned long long)jint(ct.state, "pidStart");
		}
		json_object_array_add(all, state_json(&ct));
		close_container(&ct);
	}
	closedir(d);
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		if (!quiet)
			printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			json_object *o = json_object_array_get_idx(all, i);
			if (quiet)
				printf("%s\n", jstr(o, "id"));
			else
				printf("%-24s %-8lld %-10s %-40s %-32s %s\n", jstr(o, "id"), jint(o, "pid"),
				       jstr(o, "status"), jstr(o, "bundle"), jstr(o, "created"), jstr(o, "owner"));
		}
	}
	json_object_put(all);
	return 0;
}

/* ---- kill, delete ------------------------------------------------------------- */

static const struct { const char *name; int sig; } signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* "9", "KILL", "SIGKILL", "kill"; -1 when none of those. */
static int parse_signal(const char *s)
{
	if (isdigit((unsigned char)s[0])) {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		return errno || *end || v < 1 || v > SIGRTMAX ? -1 : (int)v;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

static size_t app_pids(const struct container *c, pid_t *out, size_t max);

/* The application's pid 1 (NSpid ends in 1) among its processes, or -1. */
static pid_t app_init_pid(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[64], buf[2048];
		snprintf(path, sizeof path, "/proc/%d/status", (int)pids[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		char *ns = strstr(buf, "\nNSpid:");
		if (!ns)
			continue;
		char *eol = strchr(ns + 1, '\n');
		if (eol)
			*eol = 0;
		char *last = strrchr(ns, '\t');
		if (last && strcmp(last + 1, "1") == 0)
			return pids[i];
	}
	return -1;
}

static int cmd_kill(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ 0, 0, 0, 0 },
	};
	int c;
	bool all = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			die("kill: unknown or incomplete flag %s", argv[optind - 1]);
		all = true;
	}
	/* KILL goes to the sentry: its death ends the sandbox, every task.
	 * Any other signal goes to the application's processes themselves, from
	 * here: to its pid 1 (which, as on Linux, ignores what it has no handler
	 * for), or with --all to every one of them (runc's --all). */
	if (optind != argc - 1 && optind != argc - 2)
		die("kill: usage: runsc-lite kill [--all] ID [SIGNAL]");
	const char *id = argv[optind];
	const char *signame = optind == argc - 2 ? argv[optind + 1] : "TERM";
	check_id(id);
	int sig = parse_signal(signame);
	if (sig < 0)
		die("kill: unknown signal \"%.32s\"", signame);
	struct container ct;
	open_container(id, &ct, false);
	need_state(&ct);
	const char *status = status_of(&ct);
	if (strcmp(status, "running") && strcmp(status, "created") && strcmp(status, "paused"))
		die("container \"%s\" is %s: nothing to signal", id, status);
	if (sig == SIGKILL) {
		if (kill(ct.pid, sig) < 0)
			die_errno(errno, "container \"%s\": kill", id);
		/* paused by the freezer: it dies once thawed (v1 holds even SIGKILL) */
		struct oci_cgroup *cg = container_cgroup(&ct);
		if (cg && oci_cgroup_frozen(cg))
			oci_cgroup_freeze(cg, false);
		oci_cgroup_free(cg);
		close_container(&ct);
		return 0;
	}
	static pid_t pids[65536];
	size_t n = app_pids(&ct, pids, sizeof pids / sizeof pids[0]);
	pid_t init = app_init_pid(pids, n);
	if (init < 0) {
		/* the first task is gone or not yet made: the sentry forwards
		 * (INT, TERM, HUP, QUIT, USR1, USR2) whatever comes */
		if (kill(ct.pid, sig) < 0)
			die_errno(errno, "container \"%s\": kill", id);
	} else if (!all) {
		if (kill(init, sig) < 0 && errno != ESRCH)
			die_errno(errno, "container \"%s\": kill", id);
	} else {
		for (size_t i = 0; i < n; i++)
			if (kill(pids[i], sig) < 0 && errno != ESRCH)
				die_errno(errno, "container \"%s\": kill of pid %d", id, (int)pids[i]);
	}
	close_container(&ct);
	return 0;
}

static int cmd_delete(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ 0, 0, 0, 0 },
	};
	bool force = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			die("delete: unknown or incomplete flag %s", argv[optind - 1]);
		force = true;
	}
	if (optind != argc - 1)
		die("delete: usage: runsc-lite delete [--force] ID");
	const char *id = argv[optind];
	struct container ct;
	if (!open_container(id, &ct, force))
		return 0;   /* --force: nothing there is not an error (engines rely on it) */
	if (!ct.state && !force)
		need_state(&ct);
	const char *status = status_of(&ct);
	if ((strcmp(status, "running") == 0 || strcmp(status, "paused") == 0) && !force)
		die("container \"%s\" is %s: stop it first, or delete --force", id, status);
	if (ct.state) {
		/* a frozen sandbox cannot die (v1): thawed first */
		struct oci_cgroup *cg = container_cgroup(&ct);
		if (cg && oci_cgroup_frozen(cg))
			oci_cgroup_freeze(cg, false);
		oci_cgroup_free(cg);
		kill_sandbox(&ct);
		char herr[512];
		if (run_hooks(&ct, "poststop", herr, sizeof herr) < 0)
			warnx_rl("container \"%s\": %s", id, herr);
		remove_cgroup(&ct);
	}
	int rc = remove_container_dir(&ct);
	if (rc < 0)
		die_errno(-rc, "container \"%s\": removing %s", id, ct.dir);
	close_container(&ct);
	return 0;
}

/* ---- ps --------------------------------------------------------------------------- */

static unsigned long long pid_ns_of(pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static pid_t ppid_of(pid_t pid)
{
	char buf[512];
	const char *p = proc_stat_fields(pid, buf, sizeof buf);
	int ppid;
	return p && sscanf(p, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

/*
 * The application's processes, as host pids: the descendants of the sentry
 * that live in another pid namespace than the sentry's own (which holds the
 * sentry and, on the ptrace platform, the first task's helper parent).
 * Orphans are reparented to the application's pid 1, so they stay
 * descendants.  Returns the count (at most max).
 */
static size_t app_pids(const struct container *c, pid_t *out, size_t max)
{
	unsigned long long sentry_ns = pid_ns_of(c->pid);
	DIR *d = opendir("/proc");
	size_t n = 0;
	if (!d || !sentry_ns)
		goto out;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (*end || v <= 0 || v == c->pid)
			continue;
		pid_t p = (pid_t)v, a = p;
		/* bounded walk up: a pid tree is shallow, and a loop impossible */
		for (int depth = 0; depth < 4096 && a > 1 && a != c->pid; depth++)
			a = ppid_of(a);
		unsigned long long ns = pid_ns_of(p);
		if (a == c->pid && ns && ns != sentry_ns)
			out[n++] = p;
	}
out:
	if (d)
		closedir(d);
	return n;
}

static int cmd_ps(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ 0, 0, 0, 0 },
	};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = optarg[0] == 'j';
		else if (c == 'f')
			die("ps: --format=%s: must be table or json", optarg);
		else
			die("ps: unknown or incomplete flag %s", argv[optind - 1]);
	}
	if (optind != argc - 1)
		die("ps: usage: runsc-lite ps [--format table|json] ID");
	struct container ct;
	open_container(argv[optind], &ct, false);
	need_state(&ct);
	static pid_t pids[65536];
	size_t n = strcmp(status_of(&ct), "stopped") ? app_pids(&ct, pids, sizeof pids / sizeof pids[0]) : 0;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			char path[64], cmd[256] = "";
			snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pids[i]);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t len = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : 0;
			if (fd >= 0)
				close(fd);
			for (ssize_t k = 0; k < len - 1; k++)
				if (cmd[k] == 0)
					cmd[k] = ' ';
			printf("%-8d %s\n", (int)pids[i], cmd);
		}
	}
	close_container(&ct);
	return 0;
}

/* ---- spec, features ------------------------------------------------------------ */

static const char default_spec[] =
	"{\n"
	"\t\"ociVersion\": \"" OCI_VERSION "\",\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": false,\n"
	"\t\t\"user\": { \"uid\": 0, \"gid\": 0 },\n"
	"\t\t\"args\": [ \"sh\" ],\n"
	"\t\t\"env\": [\n"
	"\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
	"\t\t\t\"TERM=xterm\"\n"
	"\t\t],\n"
	"\t\t\"cwd\": \"/\",\n"
	"\t\t\"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
	"\t\"hostname\": \"runsc-lite\",\n"
	"\t\"mounts\": [\n"
	"\t\t{ \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
	"\t\t{ \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"\t\t  \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
	"\t\t{ \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
	"\t\t  \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\" ] },\n"
	"\t\t{ \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
	"\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
	"\t\t{ \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
	"\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
	"\t\t{ \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
	"\t\t  \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }\n"
	"\t],\n"
	"\t\"linux\": {\n"
	"\t\t\"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" },\n"
	"\t\t\t{ \"type\": \"uts\" }, { \"type\": \"mount\" } ]\n"
	"\t}\n"
	"}\n";

static int cmd_spec(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ 0, 0, 0, 0 },
	};
	const char *bundle = ".";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c != 'b')
			die("spec: unknown or incomplete flag %s", argv[optind - 1]);
		bundle = optarg;
	}
	if (optind != argc)
		die("spec: takes no arguments");
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/config.json", bundle) >= sizeof path)
		die("--bundle=%s: too long", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die_errno(errno, "spec: %s", path);
	if (write(fd, default_spec, sizeof default_spec - 1) != (ssize_t)(sizeof default_spec - 1) ||
	    close(fd) < 0)
		die_errno(errno, "spec: writing %s", path);
	return 0;
}

static int cmd_features(int argc, char **argv, const struct oci_globals *g)
{
	if (argc != 1)
		die("features: takes no arguments");
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"" OCI_VERSION "\",\n"
	       "  \"hooks\": [],\n"
	       "  \"mountOptions\": [\"ro\", \"rw\", \"bind\", \"rbind\", \"nosuid\", \"nodev\", \"noexec\", "
	       "\"private\", \"rprivate\", \"size\", \"mode\", \"nr_inodes\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"pid\", \"network\", \"ipc\", \"uts\", \"mount\", \"user\"],\n"
	       "    \"capabilities\": [],\n"
	       "    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false, \"rdma\": false },\n"
	       "    \"seccomp\": { \"enabled\": false },\n"
	       "    \"apparmor\": { \"enabled\": false },\n"
	       "    \"selinux\": { \"enabled\": false }\n"
	       "  },\n"
	       "  \"annotations\": {\n"
	       "    \"dev.runsc-lite.overlay\": \"true|false: the rootfs beneath a memory layer (default true)\",\n"
	       "    \"dev.runsc-lite.platform\": \"seccomp|ptrace\",\n"
	       "    \"dev.runsc-lite.file-access\": \"exclusive|shared\"\n"
	       "  }\n"
	       "}\n");
	return 0;
}

/* ---- pause, resume --------------------------------------------------------------- */

/* 'T' (stopped) or 't' (stopped by the ptrace platform's tracer). */
static bool is_stopped(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return true;   /* gone: nothing to stop */
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && (p[2] == 'T' || p[2] == 't' || p[2] == 'Z');
}

/*
 * pause: with a freezer (the container's cgroup, v1 freezer or v2
 * cgroup.freeze) the whole sandbox is frozen, sentry and gofer with the
 * application, as runc freezes a container: nothing of it runs, nothing
 * can tell.  Without one, SIGSTOP to every process of the application,
 * repeated until none is left running (for a process forked meanwhile); the
 * sentry keeps serving; unlike a freezer the application can notice (a
 * SIGCONT handler runs on resume).  A "paused" file in the state directory
 * is the status; it holds "freezer" or "signals": how resume undoes it.
 */
static int cmd_pause(int argc, char **argv, const struct oci_globals *g)
{
	bool pause = strcmp(argv[0], "pause") == 0;
	if (argc != 2 || argv[1][0] == '-')
		die("%s: exactly one container ID expected (usage: runsc-lite %s ID)", argv[0], argv[0]);
	struct container ct;
	open_container(argv[1], &ct, false);
	need_state(&ct);
	const char *status = status_of(&ct);
	if (strcmp(status, pause ? "running" : "paused") != 0)
		die("container \"%s\" is %s, not %s", ct.id, status, pause ? "running" : "paused");
	static pid_t pids[65536];
	struct oci_cgroup *cg = container_cgroup(&ct);
	char how[16] = "";
	if (!pause) {
		int hfd = openat(ct.dirfd, "paused", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		ssize_t n = hfd >= 0 ? read(hfd, how, sizeof how - 1) : -1;
		how[n > 0 ? n : 0] = 0;
		if (hfd >= 0)
			close(hfd);
	}
	int frc = -ENOTSUP;
	if (pause && cg && (frc = oci_cgroup_freeze(cg, true)) == 0) {
		int fd = openat(ct.dirfd, "paused", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || write(fd, "freezer", 7) != 7) {
			int err = errno;
			oci_cgroup_freeze(cg, false);
			die_errno(err, "container \"%s\": pausing", ct.id);
		}
		close(fd);
	} else if (!pause && strcmp(how, "freezer") == 0) {
		int rc = cg ? oci_cgroup_freeze(cg, false) : -ENOTSUP;
		if (rc < 0)
			die_errno(-rc, "container \"%s\": thawing its cgroup", ct.id);
		unlinkat(ct.dirfd, "paused", 0);
	} else if (pause) {
		if (frc != -ENOTSUP)
			debugf("container %s: the freezer: %s; stopping its processes instead", ct.id, strerror(-frc));
		bool all_stopped = false;
		for (int round = 0; round < 200 && !all_stopped; round++) {
			size_t n = app_pids(&ct, pids, sizeof pids / sizeof pids[0]);
			all_stopped = true;
			for (size_t i = 0; i < n; i++) {
				if (is_stopped(pids[i]))
					continue;
				all_stopped = false;
				kill(pids[i], SIGSTOP);
			}
			if (!all_stopped) {
				struct timespec ts = { 0, 10 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
		int fd = openat(ct.dirfd, "paused", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 && write(fd, "signals", 7) != 7) {
			close(fd);
			fd = -1;
		}
		if (!all_stopped || fd < 0) {
			int err = fd < 0 ? errno : EAGAIN;
			size_t n = app_pids(&ct, pids, sizeof pids / sizeof pids[0]);
			for (size_t i = 0; i < n; i++)
				kill(pids[i], SIGCONT);
			die_errno(err, "container \"%s\": pausing", ct.id);
		}
		close(fd);
	} else {
		unlinkat(ct.dirfd, "paused", 0);
		size_t n = app_pids(&ct, pids, sizeof pids / sizeof pids[0]);
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGCONT);
	}
	oci_cgroup_free(cg);
	close_container(&ct);
	return 0;
}

static int cmd_unsupported(int argc, char **argv, const struct oci_globals *g)
{
	die("%s: not supported by runsc-lite yet", argv[0]);
}

/* ---- exec's side of the control channel (oci_exec.c) ------------------------------ */

int oci_control_connect(const char *cmd, const char *id, struct oci_exec_defaults *d)
{
	struct container ct;
	open_container(id, &ct, false);
	need_state(&ct);
	const char *status = status_of(&ct);
	if (strcmp(status, "running") != 0 && strcmp(status, "created") != 0)
		die("container \"%s\" is %s: %s needs a created or running container", id, status, cmd);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/control.sock", ct.dirfd);
	struct stat st;
	errno = 0;
	if (fstatat(ct.dirfd, "control.sock", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode))
		die("container \"%s\": %s/control.sock: %s (a corrupt state directory: `delete --force %s` removes it)",
		    id, ct.dir, errno ? strerror(errno) : "not a socket", id);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno(errno, "exec: a socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die_errno(errno, "container \"%s\": connecting to its sentry (%s/control.sock)", id, ct.dir);
	/* the peer is the container's sentry (it listens), nobody else's */
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != ct.pid ||
	    cred.uid != geteuid() || !alive(ct.pid, ct.pid_start))
		die("container \"%s\": %s/control.sock is not served by the container's sentry (pid %d)",
		    id, ct.dir, (int)ct.pid);
	json_object *xd = jfield(ct.state, "execDefaults"), *xenv = jfield(xd, "env");
	d->cwd = strdup(jstr(xd, "cwd")[0] ? jstr(xd, "cwd") : "/");
	size_t n = xenv && json_object_is_type(xenv, json_type_array) ? json_object_array_length(xenv) : 0;
	if (n > 1024)
		n = 1024;
	d->env = calloc(n + 1, sizeof *d->env);
	if (!d->cwd || !d->env)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(xenv, i);
		d->env[d->nenv] = json_object_is_type(e, json_type_string) ? strdup(json_object_get_string(e)) : NULL;
		if (d->env[d->nenv])
			d->nenv++;
	}
	/* process.user (a state.json without it: uid 0, as before) */
	json_object *xu = jfield(xd, "user"), *xg = jfield(xu, "additionalGids");
	long long xid;
	if ((xid = jint(xu, "uid")) >= 0 && xid < UINT32_MAX)
		d->uid = (uint32_t)xid;
	if ((xid = jint(xu, "gid")) >= 0 && xid < UINT32_MAX)
		d->gid = (uint32_t)xid;
	size_t ng = xg && json_object_is_type(xg, json_type_array) ? json_object_array_length(xg) : 0;
	d->gids = calloc(ng + 1, sizeof *d->gids);
	if (!d->gids)
		die("out of memory");
	for (size_t i = 0; i < ng && d->ngids < OCI_EXEC_GIDS_MAX; i++) {
		json_object *e = json_object_array_get_idx(xg, i);
		int64_t g = json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;
		if (g >= 0 && g < UINT32_MAX)
			d->gids[d->ngids++] = (uint32_t)g;
	}
	/* others (kill, delete) may act on it while exec waits */
	close_container(&ct);
	return fd;
}

struct oci_cgroup *oci_container_cgroup(const char *cmd, const char *id, pid_t *pid,
					unsigned long long *start)
{
	struct container ct;
	open_container(id, &ct, false);
	need_state(&ct);
	const char *status = status_of(&ct);
	if (strcmp(status, "running") && strcmp(status, "created") && strcmp(status, "paused"))
		die("container \"%s\" is %s: %s needs a created or running container", id, status, cmd);
	struct oci_cgroup *cg = container_cgroup(&ct);
	*pid = ct.pid;
	*start = ct.pid_start;
	close_container(&ct);
	return cg;
}

bool oci_sentry_alive(pid_t pid, unsigned long long start)
{
	return alive(pid, start);
}

void oci_write_pid_file(const char *path, pid_t pid)
{
	write_pid_file(path, pid);
}

int oci_send_console(const char *path, int master)
{
	return send_console(path, master);
}

/* ---- dispatch ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*run)(int, char **, const struct oci_globals *);
	bool needs_root;
} commands[] = {
	{ "create", cmd_create, true },
	{ "start", cmd_start, true },
	{ "state", cmd_state, true },
	{ "kill", cmd_kill, true },
	{ "delete", cmd_delete, true },
	{ "run", cmd_run, true },
	{ "list", cmd_list, true },
	{ "spec", cmd_spec, false },
	{ "features", cmd_features, false },
	{ "exec", oci_cmd_exec, true },
	{ "ps", cmd_ps, true },
	{ "events", oci_cmd_events, true },
	{ "pause", cmd_pause, true },
	{ "resume", cmd_pause, true },
	{ "update", oci_cmd_update, true },
	{ "checkpoint", cmd_unsupported, false },
	{ "restore", cmd_unsupported, false },
};

bool oci_is_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return true;
	return false;
}

int oci_command(int argc, char **argv, const struct oci_globals *g)
{
	log_set_exit_status(1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (commands[i].needs_root)
			init_root(g);
		return commands[i].run(argc, argv, g);
	}
	die("unknown command \"%s\"", argv[0]);
}
