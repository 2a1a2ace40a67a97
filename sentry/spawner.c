/*
 * The spawner: makes `exec`'s processes (docs/ARCHITECTURE.md, "exec").
 *
 * It runs as a sandbox task in every respect that matters — the
 * application's user, mount, ipc, uts and net namespaces, no capabilities,
 * no_new_privs, the application's seccomp filter (so its children report
 * to the same listener, or are traced by the same tracer) — but outside the
 * application's pid namespace, which it made (boot.c): the application can
 * neither see it (procfs shows no task without a pid in its namespace) nor
 * name it in kill, ptrace or pidfd_open.  It holds nothing but its socket
 * to the sentry and stdio.
 *
 * Its children are forked into the application's pid namespace (PPid 0
 * inside, as runc's exec'd processes are), each blocked on a pipe until the
 * sentry has its pidfd (SPAWN_GO): the sentry then signals exactly that
 * process, never a reused pid.  The spawner reaps them and reports each
 * exit status.  What a child does before its execve is what the first task
 * does: set stdio (a pty as controlling terminal with `-t`), umask, chdir
 * and the environment; chdir, umask and execve are trapped and served by
 * the sentry like any task's.
 */
#include "sentry/internal.h"

#include "control.pb-c.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PENDING_MAX 64

struct pending {
	uint64_t id;
	pid_t pid;
	int go;               /* write end of the child's gate; -1: free slot */
};

static void report(int sock, uint32_t op, uint64_t id, pid_t pid, int32_t value)
{
	struct spawn_msg m = { .op = op, .pid = pid, .id = id, .value = value };
	/* write, not sendmsg: a mediated network traps sendmsg */
	if (write(sock, &m, sizeof m) != sizeof m)
		_exit(0);   /* the sentry is gone: so is the sandbox */
}

/* The child: waits for the sentry's go, becomes the process asked for. */
static void __attribute__((noreturn))
child(const RunscLite__ExecProcess *p, const int *fds, int nfds, int gate, const RunscLite__ContainerSeccomp *cs)
{
	char go;
	ssize_t n;
	while ((n = read(gate, &go, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(125);   /* aborted: the client went away */
	close(gate);
	/* stdio (and --preserve-fds) above where they go first, so that moving
	 * one never closes another */
	int moved[EXEC_FDS_MAX];
	int nstdio = p->terminal ? 1 : 3, npres = nfds - nstdio;
	for (int i = 0; i < nfds; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD, EXEC_FDS_MAX + 10)) < 0)
			_exit(125);
	for (int i = 0; i < 3; i++)
		if (dup2(moved[p->terminal ? 0 : i], i) < 0)
			_exit(125);
	for (int i = 0; i < npres; i++)   /* as runc: the caller's 3.. are 3.. */
		if (dup2(moved[nstdio + i], 3 + i) < 0)
			_exit(125);
	syscall(SYS_close_range, 3 + npres, ~0U, 0);
	if (p->terminal && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) {
		dprintf(2, "runsc-lite exec: making the terminal the controlling one: %s\n", strerror(errno));
		_exit(125);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* From here every path syscall is served by the sentry. */
	if (p->umask & 0x80000000u)
		umask((mode_t)p->umask & 0777);
	if (chdir(p->cwd) < 0) {
		dprintf(2, "runsc-lite exec: cannot enter %s: %s\n", p->cwd, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* process.user, after the chdir as runc does (the sentry checked it) */
	int urc = appuser_become(p->uid, p->gid, p->additional_gids, p->n_additional_gids,
				 appuser_keep_caps());
	if (urc < 0) {
		dprintf(2, "runsc-lite exec: becoming user %u:%u: %s\n", p->uid, p->gid, strerror(-urc));
		_exit(125);
	}
	clearenv();
	for (size_t i = 0; i < p->n_env; i++)
		putenv(p->env[i]);
	appuser_set_home(p->uid);   /* (exec is OCI's only) */
	char **argv = calloc(p->n_argv + 1, sizeof *argv);
	if (!argv)
		_exit(125);
	memcpy(argv, p->argv, p->n_argv * sizeof *argv);
	int rc = container_seccomp_load(cs);
	if (rc < 0) {
		dprintf(2, "runsc-lite exec: loading the container's seccomp profile: %s\n", strerror(-rc));
		_exit(125);
	}
	int err = sentry_exec_program(argv);
	dprintf(2, "runsc-lite exec: cannot run %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* One SPAWN_EXEC: fork the child, report it (it waits for SPAWN_GO). */
static void spawn(int sock, int sfd, const struct spawn_msg *m, const uint8_t *body,
		  const int *fds, int nfds, struct pending *pend, const RunscLite__ContainerSeccomp *cs)
{
	RunscLite__ExecProcess *p = runsc_lite__exec_process__unpack(NULL, m->len, body);
	struct pending *slot = NULL;
	for (int i = 0; i < PENDING_MAX && !slot; i++)
		if (pend[i].go < 0)
			slot = &pend[i];
	int gate[2];
	/* (the sentry validated it; an unusable one is refused, not guessed at) */
	if (!p || p->n_argv == 0 || !p->cwd || p->preserve_fds > EXEC_PRESERVE_FDS_MAX ||
	    nfds != (p->terminal ? 1 : 3) + (int)p->preserve_fds || !slot ||
	    pipe2(gate, O_CLOEXEC) < 0) {
		report(sock, SPAWN_FAILED, m->id, 0, !p ? EPROTO : !slot ? EAGAIN : EINVAL);
		if (p)
			runsc_lite__exec_process__free_unpacked(p, NULL);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sock);
		close(sfd);
		close(gate[1]);
		child(p, fds, nfds, gate[0], cs);
	}
	int err = errno;
	close(gate[0]);
	runsc_lite__exec_process__free_unpacked(p, NULL);
	if (pid < 0) {
		close(gate[1]);
		report(sock, SPAWN_FAILED, m->id, 0, err);
		return;
	}
	*slot = (struct pending){ .id = m->id, .pid = pid, .go = gate[1] };
	report(sock, SPAWN_STARTED, m->id, pid, 0);
}

void spawner_run(int sock, const RunscLite__ContainerSeccomp *cs)
{
	static uint8_t buf[sizeof(struct spawn_msg) + SPAWN_REQUEST_MAX];
	struct pending pend[PENDING_MAX];
	for (int i = 0; i < PENDING_MAX; i++)
		pend[i].go = -1;
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		_exit(125);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si)
				;
			int ws;
			pid_t pid;
			while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
				for (int i = 0; i < PENDING_MAX; i++)
					if (pend[i].go >= 0 && pend[i].pid == pid) {
						close(pend[i].go);
						pend[i].go = -1;
					}
				report(sock, SPAWN_EXITED, 0, pid,
				       WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
			}
		}
		if (!pfd[0].revents)
			continue;
		int fds[EXEC_FDS_MAX];
		union { struct cmsghdr h; char b[CMSG_SPACE(EXEC_FDS_MAX * sizeof(int))]; } u;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = u.b, .msg_controllen = sizeof u.b };
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);   /* the sentry is gone, or has no use for us */
		int nfds = take_fds(&msg, fds, EXEC_FDS_MAX);
		struct spawn_msg m;
		if ((size_t)n < sizeof m || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			continue;
		}
		memcpy(&m, buf, sizeof m);
		if (m.op == SPAWN_EXEC && m.len == (size_t)n - sizeof m)
			spawn(sock, sfd, &m, buf + sizeof m, fds, nfds, pend, cs);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (m.op != SPAWN_GO && m.op != SPAWN_ABORT)
			continue;
		for (int i = 0; i < PENDING_MAX; i++)
			if (pend[i].go >= 0 && pend[i].id == m.id) {
				if (m.op == SPAWN_GO && write(pend[i].go, "g", 1) != 1)
					kill(pend[i].pid, SIGKILL);
				close(pend[i].go);
				pend[i].go = -1;
			}
	}
}
