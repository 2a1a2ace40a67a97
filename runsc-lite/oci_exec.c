/*
 * `runsc-lite exec`: a new process in a created or running container, as
 * runc's exec makes one (docs/ARCHITECTURE.md, "exec").
 *
 * The process is the sandbox's (the sentry's spawner forks it into the
 * application's namespaces, under its filter); what runs on the host is a
 * *waiter*: this process (or with -d, a child it leaves behind) stays
 * connected to the container's control socket, forwards the signals it
 * receives to the process and exits with the status the sentry reports
 * (128+N when the process was killed by N).  The --pid-file names the
 * waiter, so an engine that waits for that pid (conmon, the containerd
 * shim: subreapers, whose descendant the waiter is) gets the process's
 * status.  If the sandbox ends first, the process died with it (SIGKILL):
 * the waiter exits 137.
 */
#include "runsc-lite/oci.h"
#include "runsc-lite/oci_user.h"

#include "control.pb-c.h"
#include "runsc-lite/log.h"
#include "runsc-lite/oci_config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX 8192
/* --preserve-fds: they travel with stdio in one SCM_RIGHTS message, which
 * holds at most 253 fds (SCM_MAX_FD) */
#define EXEC_PRESERVE_MAX 250

struct exec_flags {
	const char *process;         /* --process FILE */
	const char *console_socket;
	const char *pid_file;
	const char *cwd;
	const char *user;
	uint32_t gids[OCI_EXEC_GIDS_MAX];   /* -g, in order */
	size_t ngids;
	bool has_gids;
	bool detach, tty;
	unsigned preserve_fds;       /* --preserve-fds: the caller's 3..3+N-1 become the process's */
	char *env[1024];             /* -e, in order */
	size_t nenv;
};

static const struct option exec_opts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "detach", no_argument, NULL, 'd' },
	{ "tty", no_argument, NULL, 't' },
	{ "console-socket", required_argument, NULL, 'C' },
	{ "pid-file", required_argument, NULL, 'P' },
	{ "cwd", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "additional-gids", required_argument, NULL, 'g' },
	{ "preserve-fds", required_argument, NULL, 'F' },
	{ "cap", required_argument, NULL, 'c' },
	{ "no-new-privs", no_argument, NULL, 'n' },
	{ "process-label", required_argument, NULL, 'L' },
	{ "apparmor", required_argument, NULL, 'A' },
	{ "ignore-paused", no_argument, NULL, 'I' },
	{ "cgroup", required_argument, NULL, 'G' },
	{ 0, 0, 0, 0 },
};

/* "UID[:GID]", both decimal (runsc-lite/oci_user.c). */
static void parse_user(const char *s, uint32_t *uid, uint32_t *gid)
{
	char err[OCI_USER_ERR_MAX];
	if (oci_parse_user(s, uid, gid, err) < 0)
		die("exec: %s", err);
}

/* Sets NAME=VALUE in env (replacing an entry of that name: the last wins). */
static void env_set(char **env, size_t *n, size_t cap, char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		die("exec: --env=%s: must be NAME=VALUE", kv);
	size_t klen = (size_t)(eq - kv) + 1;
	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], kv, klen) == 0) {
			env[i] = kv;
			return;
		}
	if (*n >= cap)
		die("exec: more than %zu environment entries", cap);
	env[(*n)++] = kv;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno(errno, "exec: --process=%s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > OCI_CONFIG_MAX)
		die("exec: --process=%s: not a regular file of at most %d bytes", path, OCI_CONFIG_MAX);
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	if (n < 0)
		die_errno(errno, "exec: reading --process=%s", path);
	close(fd);
	*len = (size_t)n;
	return buf;
}

static int send_request(int sock, const RunscLite__ControlRequest *rq, const int *fds, int nfds)
{
	size_t len = runsc_lite__control_request__get_packed_size(rq);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	runsc_lite__control_request__pack(rq, buf);
	struct iovec iov = { buf, len };
	union { struct cmsghdr h; char b[CMSG_SPACE((3 + EXEC_PRESERVE_MAX) * sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		msg.msg_control = u.b;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ssize_t n;
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	int err = errno;
	free(buf);
	return n == (ssize_t)len ? 0 : n < 0 ? -err : -EIO;
}

/* The next reply (and its fd, if any, in *fd); NULL on EOF. */
static RunscLite__ControlReply *recv_reply(int sock, int *fd)
{
	uint8_t buf[REPLY_MAX];
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	*fd = -1;
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(cm), sizeof *fd);
	if (n <= 0)
		return NULL;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		die("exec: a malformed reply from the sentry (too large)");
	RunscLite__ControlReply *r = runsc_lite__control_reply__unpack(NULL, (size_t)n, buf);
	if (!r)
		die("exec: a malformed reply from the sentry");
	return r;
}

/* ---- the waiter --------------------------------------------------------------- */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* a full pipe: that many signals are pending anyway */
	}
	errno = saved;
}

/* Forwards signals until the sentry reports the exit; returns the status. */
static int wait_exit(int sock)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die_errno(errno, "exec: a pipe");
	/* runc forwards every signal but SIGCHLD, SIGURG and SIGWINCH (the
	 * engine resizes the pty itself); the synchronous faults are ours */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
		    sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
		    sig == SIGPIPE || (sig >= 32 && sig < SIGRTMIN))
			continue;
		sigaction(sig, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = sig_pipe[0], .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0)
			continue;
		unsigned char b;
		while (pfd[1].revents && read(sig_pipe[0], &b, 1) == 1) {
			RunscLite__ControlRequest rq = RUNSC_LITE__CONTROL_REQUEST__INIT;
			rq.request_case = RUNSC_LITE__CONTROL_REQUEST__REQUEST_SIGNAL;
			rq.signal = b;
			send_request(sock, &rq, NULL, 0);   /* a sentry that is gone: EOF next */
		}
		if (!pfd[0].revents)
			continue;
		int fd;
		RunscLite__ControlReply *r = recv_reply(sock, &fd);
		if (fd >= 0)
			close(fd);
		if (!r)
			return 128 + SIGKILL;   /* the sandbox ended, and the process with it */
		if (r->reply_case == RUNSC_LITE__CONTROL_REPLY__REPLY_EXITED) {
			int status = r->exited >= 0 && r->exited <= 255 ? r->exited : 255;
			runsc_lite__control_reply__free_unpacked(r, NULL);
			return status;
		}
		runsc_lite__control_reply__free_unpacked(r, NULL);
	}
}

/* ---- the command -------------------------------------------------------------- */

int oci_cmd_exec(int argc, char **argv, const struct oci_globals *g)
{
	struct exec_flags f = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:", exec_opts, NULL)) != -1) {
		switch (c) {
		case 'p': f.process = optarg; break;
		case 'd': f.detach = true; break;
		case 't': f.tty = true; break;
		case 'C': f.console_socket = optarg; break;
		case 'P': f.pid_file = optarg; break;
		case 'w': f.cwd = optarg; break;
		case 'u': f.user = optarg; break;
		case 'e':
			if (f.nenv >= sizeof f.env / sizeof f.env[0])
				die("exec: too many --env");
			f.env[f.nenv++] = optarg;
			break;
		case 'F': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > EXEC_PRESERVE_MAX)
				die("exec: --preserve-fds=%s: must be a number from 0 to %d", optarg, EXEC_PRESERVE_MAX);
			f.preserve_fds = (unsigned)v;
			break;
		}
		case 'g': {
			char err[OCI_USER_ERR_MAX];
			if (oci_parse_gids(optarg, f.gids, &f.ngids, OCI_EXEC_GIDS_MAX, err) < 0)
				die("exec: %s", err);
			f.has_gids = true;
			break;
		}
		case 'c':
			/* the sandbox gives its processes no capability */
			debugf("exec: --cap=%s not applied", optarg);
			break;
		case 'n': case 'L': case 'A': case 'I': case 'G':
			break;   /* no_new_privs always; no LSM; not paused-aware; no sub-cgroups */
		default:
			die("exec: unknown or incomplete flag %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die("exec: usage: runsc-lite exec [flags] ID [COMMAND [ARG...]] (or --process FILE)");
	const char *id = argv[optind++];
	if (!f.process && optind >= argc)
		die("exec: a command to run is needed (ARGS after the ID, or --process FILE)");
	if (f.process && optind < argc)
		die("exec: --process=%s and a command line are exclusive", f.process);

	RunscLite__ExecProcess p = RUNSC_LITE__EXEC_PROCESS__INIT;
	static struct oci_config cfg;
	struct oci_exec_defaults d = { 0 };
	int sock;
	if (f.process) {
		size_t len;
		char *text = read_file(f.process, &len);
		char err[OCI_ERR_MAX];
		if (oci_process_parse(text, len, &cfg, err) < 0)
			die("exec: --process=%s: %s", f.process, err);
		free(text);
		for (size_t i = 0; i < cfg.nnotes; i++)
			debugf("exec: %s", cfg.notes[i]);
		p.argv = (char **)cfg.args;
		p.n_argv = cfg.nargs;
		p.env = (char **)cfg.env;
		p.n_env = cfg.nenv;
		p.cwd = (char *)cfg.cwd;
		p.terminal = cfg.terminal;
		p.uid = cfg.uid;
		p.gid = cfg.gid;
		p.additional_gids = cfg.additional_gids;
		p.n_additional_gids = cfg.nadditional_gids;
		p.umask = cfg.has_umask ? 0x80000000u | cfg.umask : 0;
		sock = oci_control_connect("exec", id, &d);
	} else {
		sock = oci_control_connect("exec", id, &d);
		p.argv = argv + optind;
		p.n_argv = (size_t)(argc - optind);
		size_t cap = d.nenv + f.nenv;
		char **env = calloc(cap + 1, sizeof *env);
		if (!env)
			die("out of memory");
		size_t n = 0;
		for (size_t i = 0; i < d.nenv; i++)
			env_set(env, &n, cap, d.env[i]);
		for (size_t i = 0; i < f.nenv; i++)
			env_set(env, &n, cap, f.env[i]);
		p.env = env;
		p.n_env = n;
		p.cwd = f.cwd ? (char *)f.cwd : d.cwd;
		p.terminal = f.tty;
		/* the container's user unless -u/-g say otherwise, as runc */
		p.uid = d.uid;
		p.gid = d.gid;
		p.additional_gids = d.gids;
		p.n_additional_gids = d.ngids;
		if (f.user)
			parse_user(f.user, &p.uid, &p.gid);
		if (f.has_gids) {
			p.additional_gids = f.gids;
			p.n_additional_gids = f.ngids;
		}
	}
	if (p.cwd[0] != '/')
		die("exec: --cwd=%s: must be an absolute path", p.cwd);
	if ((p.uid != 0 || p.gid != 0) && geteuid() != 0)
		die("exec: user %u:%u: without root runsc-lite maps only the caller's own id (as uid 0): "
		    "run it as root for other users", p.uid, p.gid);
	if (p.terminal && !f.console_socket)
		die("exec: a terminal (-t, process.terminal) needs --console-socket (where the pty master goes)");
	if (!p.terminal && f.console_socket)
		die("exec: --console-socket=%s: given, but no terminal was asked for", f.console_socket);

	RunscLite__ControlRequest rq = RUNSC_LITE__CONTROL_REQUEST__INIT;
	rq.request_case = RUNSC_LITE__CONTROL_REQUEST__REQUEST_EXEC;
	rq.exec = &p;
	/* stdio (none with a terminal), then fds 3..3+N-1 of --preserve-fds */
	int sendfds[3 + EXEC_PRESERVE_MAX], nsend = 0;
	for (int i = 0; i < 3 && !p.terminal; i++) {
		if (fcntl(i, F_GETFD) < 0)
			die("exec: fd %d (stdio) is not open", i);
		sendfds[nsend++] = i;
	}
	for (unsigned i = 0; i < f.preserve_fds; i++) {
		if (fcntl(3 + (int)i, F_GETFD) < 0 || 3 + (int)i == sock)
			die("exec: --preserve-fds=%u: fd %u is not open", f.preserve_fds, 3 + i);
		sendfds[nsend++] = 3 + (int)i;
	}
	p.preserve_fds = f.preserve_fds;
	int rc = send_request(sock, &rq, sendfds, nsend);
	if (rc < 0)
		die_errno(-rc, "container \"%s\": sending the exec to its sentry", id);
	int master;
	RunscLite__ControlReply *r = recv_reply(sock, &master);
	if (!r)
		die("container \"%s\": the sentry closed the control channel (the container stopped?)", id);
	if (r->reply_case == RUNSC_LITE__CONTROL_REPLY__REPLY_ERROR)
		die("container \"%s\": %s", id, r->error ? r->error : "exec failed");
	if (r->reply_case != RUNSC_LITE__CONTROL_REPLY__REPLY_STARTED || !r->started)
		die("container \"%s\": an unexpected reply from the sentry", id);
	debugf("exec: container %s: pid %d in the sandbox", id, r->started->pid);
	runsc_lite__control_reply__free_unpacked(r, NULL);
	if (p.terminal) {
		if (master < 0)
			die("container \"%s\": the sentry sent no pty", id);
		rc = oci_send_console(f.console_socket, master);
		close(master);
		if (rc < 0) {
			/* nobody can talk to it: it goes */
			RunscLite__ControlRequest k = RUNSC_LITE__CONTROL_REQUEST__INIT;
			k.request_case = RUNSC_LITE__CONTROL_REQUEST__REQUEST_SIGNAL;
			k.signal = SIGKILL;
			send_request(sock, &k, NULL, 0);
			die_errno(-rc, "exec: --console-socket=%s", f.console_socket);
		}
	} else if (master >= 0) {
		close(master);
	}
	if (!f.detach) {
		if (f.pid_file)
			oci_write_pid_file(f.pid_file, getpid());
		return wait_exit(sock);
	}
	pid_t waiter = fork();
	if (waiter < 0)
		die_errno(errno, "exec: forking the waiter");
	if (waiter == 0) {
		/* the engine's stdio pipes are the process's, not the waiter's:
		 * an engine waiting for their EOF must not wait for us too */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 3 && null >= 0; i++)
			dup2(null, i);
		if (null > 2)
			close(null);
		/* nothing else of the caller's either (an engine's other pipes) */
		log_set_error_log(-1, false);
		log_init("exec", -1);   /* its fd is closed below */
		if (sock != 3 && dup2(sock, 3) < 0)
			_exit(125);
		syscall(SYS_close_range, 4, ~0U, 0);
		_exit(wait_exit(3));
	}
	close(sock);
	if (f.pid_file)
		oci_write_pid_file(f.pid_file, waiter);
	return 0;
}

/* ---- for events (runsc-lite/oci_events.c), over the same channel -------------- */

int oci_control_send(int sock, const RunscLite__ControlRequest *rq)
{
	return send_request(sock, rq, NULL, 0);
}

RunscLite__ControlReply *oci_control_recv(int sock, int *fd)
{
	return recv_reply(sock, fd);
}
