#include "runsc-lite/sandbox.h"

#include "audit/audit.h"
#include "runsc-lite/log.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t sentry_pid;

static void forward_signal(int sig)
{
	if (sentry_pid > 0)
		kill(sentry_pid, sig);
}

/* Puts fds at the role's fixed numbers, closes everything else, execs. */
static void exec_role(const char *role, int sock, int spec, int logfd, int tracefd, int stracefd)
{
	int fds[5] = { sock, spec, logfd, tracefd, stracefd };
	/* move out of the way first so the dup2s below cannot clobber */
	for (int i = 0; i < 5; i++)
		if (fds[i] >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
			_exit(125);
	for (int i = 0; i < 5; i++)
		if (fds[i] >= 0 ? dup2(fds[i], ROLE_SOCK_FD + i) < 0 : (close(ROLE_SOCK_FD + i), false))
			_exit(125);
	syscall(SYS_close_range, ROLE_STRACE_FD + 1, ~0U, 0);
	char *argv[] = { "runsc-lite", (char *)role, NULL };
	execv("/proc/self/exe", argv);
	_exit(125);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, text, strlen(text)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* The sentry: pid 1 of a new pid namespace (its death takes every sandboxed
 * task with it), in a new mount namespace, and in a new user namespace when
 * the caller is not root. */
static pid_t start_sentry(int sock, int spec_rd, int logfd, int tracefd, int stracefd)
{
	bool rootless = geteuid() != 0;
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	long flags = CLONE_NEWPID | CLONE_NEWNS | (rootless ? CLONE_NEWUSER : 0) | SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0) {
		int err = errno;
		close(sync[0]);
		close(sync[1]);
		return -err;
	}
	if (pid == 0) {
		char go;
		close(sync[1]);
		if (read(sync[0], &go, 1) != 1)
			_exit(125);
		/* a sentry whose CLI is gone has nobody to report to */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		exec_role("sentry", sock, spec_rd, logfd, tracefd, stracefd);
	}
	close(sync[0]);
	int rc = 0;
	if (rootless) {
		char path[64], map[64];
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		rc = write_file(path, "deny");
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		if (rc == 0)
			rc = write_file(path, map);
		snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		if (rc == 0)
			rc = write_file(path, map);
	}
	if (rc == 0 && write(sync[1], "g", 1) != 1)
		rc = -EIO;
	close(sync[1]);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	return pid;
}

static pid_t start_gofer(int sock, int spec_rd, int logfd)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		exec_role("gofer", sock, spec_rd, logfd, -1, -1);
	}
	return pid < 0 ? -errno : pid;
}

/* Packs a message into a pipe the child reads until EOF. */
static int spec_pipe(const ProtobufCMessage *msg, int *rd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(msg, buf);
	/* Specs are small; a pipe buffer (64 KiB) holds them without a reader. */
	if (len > 60 * 1024) {
		free(buf);
		return -E2BIG;
	}
	int rc = write_all(p[1], buf, len);
	free(buf);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		return -EIO;
	}
	*rd = p[0];
	return 0;
}

static size_t count(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int sandbox_run(const struct sandbox_opts *o)
{
	struct stat st;
	if (stat(o->rootfs, &st) < 0)
		die_errno(errno, "rootfs %s", o->rootfs);
	if (!S_ISDIR(st.st_mode))
		die("rootfs %s: not a directory", o->rootfs);

	RunscLite__GoferSpec gspec = RUNSC_LITE__GOFER_SPEC__INIT;
	gspec.root = (char *)o->rootfs;
	gspec.readonly = o->readonly || o->overlay;   /* the overlay never writes its lower layer */
	RunscLite__SandboxSpec sspec = RUNSC_LITE__SANDBOX_SPEC__INIT;
	sspec.argv = o->argv;
	sspec.n_argv = count(o->argv);
	sspec.env = o->env;
	sspec.n_env = count(o->env);
	sspec.cwd = (char *)o->cwd;
	sspec.hostname = (char *)o->hostname;
	sspec.hide_paths = (char **)o->hide;
	sspec.n_hide_paths = o->nhide;
	sspec.rootfs_readonly = o->readonly;
	sspec.overlay = o->overlay;
	sspec.cache_policy = (char *)o->cache_policy;
	sspec.platform = (char *)o->platform;
	sspec.no_sync_wakeup = o->no_sync_wakeup;
	RunscLite__TraceSpec tspec = RUNSC_LITE__TRACE_SPEC__INIT;
	if (o->trace_fd >= 0 || o->strace) {
		tspec.events = o->trace_fd >= 0 ? o->trace_events : 0;
		tspec.lossless = o->trace_lossless;
		tspec.sandbox_id = (char *)(o->sandbox_id ? o->sandbox_id : "");
		tspec.flags = o->cli_argv;
		tspec.n_flags = count(o->cli_argv);
		tspec.strace = o->strace;
		tspec.denied_traps = (tspec.events & AUDIT_KIND_BIT(AUDIT_DENIED)) != 0;
		sspec.trace = &tspec;
	}

	/* --tmpfs and --volume: the sentry mounts each in order; the gofer
	 * serves each volume under an attach name of its own */
	RunscLite__Mount mbuf[SANDBOX_MOUNTS_MAX], *mptr[SANDBOX_MOUNTS_MAX];
	RunscLite__Volume vbuf[SANDBOX_MOUNTS_MAX], *vptr[SANDBOX_MOUNTS_MAX];
	char anames[SANDBOX_MOUNTS_MAX][16];
	size_t nvol = 0;
	if (o->nmounts > SANDBOX_MOUNTS_MAX)
		die("at most %d --tmpfs and --volume flags", SANDBOX_MOUNTS_MAX);
	for (size_t i = 0; i < o->nmounts; i++) {
		const struct sandbox_mount *m = &o->mounts[i];
		runsc_lite__mount__init(&mbuf[i]);
		mptr[i] = &mbuf[i];
		mbuf[i].destination = (char *)m->destination;
		mbuf[i].type = m->tmpfs ? "tmpfs" : "volume";
		mbuf[i].size = m->size;
		mbuf[i].mode = m->mode;
		mbuf[i].nr_inodes = m->nr_inodes;
		if (m->tmpfs)
			continue;
		snprintf(anames[nvol], sizeof anames[nvol], "volume%zu", nvol);
		mbuf[i].aname = anames[nvol];
		mbuf[i].readonly = m->readonly;
		runsc_lite__volume__init(&vbuf[nvol]);
		vptr[nvol] = &vbuf[nvol];
		vbuf[nvol].source = (char *)m->source;
		vbuf[nvol].aname = anames[nvol];
		vbuf[nvol].readonly = m->readonly;
		nvol++;
	}
	sspec.mounts = mptr;
	sspec.n_mounts = o->nmounts;
	gspec.volumes = vptr;
	gspec.n_volumes = nvol;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_errno(errno, "socketpair");
	int gspec_rd, sspec_rd, rc;
	if ((rc = spec_pipe(&gspec.base, &gspec_rd)) < 0 || (rc = spec_pipe(&sspec.base, &sspec_rd)) < 0)
		die_errno(-rc, "passing the sandbox spec");

	pid_t gofer = start_gofer(sv[0], gspec_rd, o->debug_fd);
	if (gofer < 0)
		die_errno(-gofer, "starting the gofer");
	close(sv[0]);
	close(gspec_rd);

	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigaction(fwd[i], &sa, NULL);

	pid_t sentry = start_sentry(sv[1], sspec_rd, o->debug_fd, o->trace_fd, o->strace_fd);
	if (sentry < 0) {
		kill(gofer, SIGKILL);
		waitpid(gofer, NULL, 0);
		if (sentry == -EPERM || sentry == -ENOSPC)
			die_errno(-sentry, "creating the sandbox namespaces (are user namespaces enabled?)");
		die_errno(-sentry, "starting the sentry");
	}
	sentry_pid = sentry;
	close(sv[1]);
	close(sspec_rd);
	debugf("gofer pid %d, sentry pid %d", (int)gofer, (int)sentry);

	int ws;
	while (waitpid(sentry, &ws, 0) < 0 && errno == EINTR)
		;
	sentry_pid = 0;
	/* The gofer serves nothing once the sentry is gone; it holds no data
	 * (writes went to the host through donated FDs), so it may just go. */
	kill(gofer, SIGKILL);
	waitpid(gofer, NULL, 0);
	if (WIFSIGNALED(ws)) {
		warnx_rl("the sentry was killed by signal %d; the sandbox is gone", WTERMSIG(ws));
		return 128 + WTERMSIG(ws);
	}
	return WEXITSTATUS(ws);
}
