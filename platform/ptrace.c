/*
 * The ptrace platform: SECCOMP_RET_TRACE + PTRACE_O_TRACESECCOMP.
 *
 * Only syscalls the application's filter traps stop the task (a seccomp
 * stop); everything else runs natively, as under user notification.
 *
 * One tracer thread.  ptrace(2) requests are only accepted from the thread
 * that attached, so this file owns one thread that does every waitpid and
 * every PTRACE_* call.  Other threads talk to it through two queues under
 * one mutex: trapped syscalls go out (platform_wait pops them; an eventfd
 * counts them for poll), requests (answer, continue, install an fd, attach)
 * come in and the caller sleeps until the tracer has done it.  The tracer
 * sleeps in waitid(WNOWAIT); a request wakes it with a thread-directed
 * signal whose handler siglongjmps out of the wait (a signal that arrives
 * just before the wait would otherwise be lost).  WNOWAIT only peeks, so a
 * wake-up can never lose a wait status: statuses are consumed afterwards
 * with waitpid(WNOHANG).  Every wait uses __WNOTHREAD: the process's other
 * threads may have children of their own (the sentry's), never ours.
 *
 * Registers are reached through platform/arch.h only (x86-64 and arm64);
 * the names below are x86-64's, arm64's are in platform/arch_aarch64.h.
 *
 * Answering.  At a seccomp stop the task is at syscall entry.  A reply sets
 * orig_rax = -1 (the kernel skips the syscall) and rax = the result, in one
 * PTRACE_SETREGS, then PTRACE_CONT: the kernel leaves rax alone for a
 * skipped syscall (seccomp(2), SECCOMP_RET_TRACE).  "Continue" is a plain
 * PTRACE_CONT: since Linux 4.8 the filter is re-run after a RET_TRACE stop,
 * and RET_TRACE on that re-check lets the syscall run (no second stop).
 *
 * Installing an fd (no SECCOMP_IOCTL_NOTIF_ADDFD here): syscall injection.
 * The trapped syscall is rewritten into socketpair(AF_UNIX, SOCK_DGRAM) on
 * scratch memory below the task's red zone (the ABI lets anything clobber
 * it, signal frames do); resumed with PTRACE_SYSCALL it stops at syscall
 * exit.  The tracer takes the second end with pidfd_getfd, sends the
 * sentry's fd over it, and has the task run recvmsg(), dup3() of the
 * received fd onto the wanted slot (the socket's own slot = the lowest free
 * one, as a native open would give), and close() of the rest, each by
 * rewinding rip over the `syscall` instruction (checked to be 0f 05) and
 * PTRACE_SYSCALL (entry stop, exit stop).  Only the task's end of a private
 * socketpair can receive, so no other task can slip in an fd.  The saved
 * registers are restored with the answer.  Why not a socket bound in the
 * staging tmpfs: the path would be visible to the application, the sentry
 * would need to create names, and it saves no injection.  Why not a socket
 * donated once per process: it would be an fd of the sentry in the
 * application (brief invariant 5) that it could close or dup over.
 *
 * Signals.  A signal-delivery-stop is answered by injecting the signal
 * (never swallowed).  Group-stops (PTRACE_EVENT_STOP with a stop signal) are
 * left in PTRACE_LISTEN so that the task stays stopped until SIGCONT, as
 * without a tracer.  During an injection a signal would run a handler on our
 * scratch memory with our registers, so it is held (its siginfo saved) and
 * re-sent when the registers are back, with PTRACE_SETSIGINFO restoring the
 * original siginfo at its delivery.  A synchronous fault during an injection
 * (the task unmapped its code or stack under us) kills the task.
 *
 * Pid reuse.  A tid names a task until the tracer has waited for its death
 * (a traced zombie is not released before), and platform_check() also asks
 * the task's pidfd (opened while it was stopped) whether it is still alive:
 * a read that raced with a death and a reuse fails the check.
 */
#include "platform/platform.h"
#include "platform/arch.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

/* The tracer thread's wake-up signal (thread-directed, handler installed
 * once per process). */
#define WAKE_SIG (SIGRTMAX - 1)
#define MAX_HELD 32      /* signals held during one injection */
#define NBUCKETS 256

enum tstate {
	TS_RUNNING,        /* resumed: nothing of ours pending */
	TS_TRAPPED,        /* at a seccomp stop, event handed out */
	TS_INJECTED,       /* at a syscall-exit stop of an injected syscall */
	TS_CREATED_EVENT,  /* at a fork/vfork/clone event stop, event handed out */
	TS_HELD,           /* new task at its first stop, held for its parent's event */
	TS_LISTENING,      /* group-stopped, PTRACE_LISTEN */
};

/* The kernel-internal "restart this syscall after the signal" errno. */
#define ERESTARTSYS_VALUE 512

struct ttask {
	pid_t tid;
	pid_t tgid;             /* 0 until known (attach, its creation event) */
	int pidfd;
	bool pidfd_thread;      /* pidfd names this thread (PIDFD_THREAD, Linux 6.9) */
	enum tstate state;
	bool first_stop_seen;   /* an auto-attached task starts with a stop */
	bool parent_known;      /* its parent's fork/clone event arrived */
	bool hold;              /* keep it stopped until the creation event is answered */
	bool dead;
	uint64_t id;            /* the current event */
	pid_t held_child;       /* TS_CREATED_EVENT: released with the answer */
	struct arch_regs regs;   /* at the seccomp stop */
	/* a continue after an injection re-issues the syscall: its seccomp
	 * stop is let through once (unless a signal came in between) */
	bool reissue;
	uint64_t reissue_nr, reissue_ip, reissue_args[6];
	siginfo_t held[MAX_HELD];       /* caught during an injection */
	int nheld;
	siginfo_t redeliver[MAX_HELD];  /* re-sent; siginfo restored on delivery */
	int nredeliver;
	int last_fault_sig;             /* the last fault delivered, and where */
	uint64_t last_fault_addr, last_fault_ip;
	int refs;
	struct ttask *next;
};

struct event_node {
	struct platform_syscall sc;
	struct event_node *next;
};

enum req_kind { R_ATTACH, R_REPLY, R_CONTINUE, R_INSTALL, R_STOP };

struct request {
	enum req_kind kind;
	pid_t tid;
	uint64_t id;
	int64_t value;
	int fd, flags, target;
	bool answer;
	int result;
	bool done;
	struct request *next;
};

struct ptrace_platform {
	struct platform base;
	pthread_mutex_t lock;
	pthread_cond_t ev_cond, done_cond;
	struct event_node *ev_head, *ev_tail;
	struct request *req_head, *req_tail;
	struct ttask *buckets[NBUCKETS];
	int ntasks;
	bool attached_ever, finished, task_events;
	uint64_t next_id;
	int efd;
	pthread_t thread;
	pid_t tracer_tid;
	atomic_int armed;       /* the tracer is (about to be) asleep: signal it */
};

#define PP(p) ((struct ptrace_platform *)(p))

static __thread sigjmp_buf wake_env;
static __thread volatile sig_atomic_t wake_jump_ok;

static void wake_handler(int sig)
{
	(void)sig;
	if (wake_jump_ok)
		siglongjmp(wake_env, 1);
}

/* ---- tasks (lock held) ------------------------------------------------------- */

static struct ttask *task_find(struct ptrace_platform *p, pid_t tid)
{
	for (struct ttask *t = p->buckets[(unsigned)tid % NBUCKETS]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct ttask *task_add(struct ptrace_platform *p, pid_t tid)
{
	struct ttask *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->tid = tid;
	t->refs = 1;
	/* Opened while the task is stopped or not yet running: the pid is
	 * certainly this task's.  Before Linux 6.9 (no PIDFD_THREAD) only a
	 * thread-group leader has one, naming its process; another thread
	 * gets none (-1), and each use below says what replaces it. */
	t->pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	t->pidfd_thread = t->pidfd >= 0;
	if (t->pidfd < 0)
		t->pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	t->next = p->buckets[(unsigned)tid % NBUCKETS];
	p->buckets[(unsigned)tid % NBUCKETS] = t;
	p->ntasks++;
	p->attached_ever = true;
	return t;
}

static void task_unref(struct ttask *t)
{
	if (--t->refs > 0)
		return;
	if (t->pidfd >= 0)
		close(t->pidfd);
	free(t);
}

static void task_remove(struct ptrace_platform *p, struct ttask *t)
{
	for (struct ttask **pp = &p->buckets[(unsigned)t->tid % NBUCKETS]; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->dead = true;
	p->ntasks--;
	if (p->ntasks == 0 && !p->finished) {
		/* every traced task is gone: platform_wait says so, and the
		 * poll fd stays readable for good */
		p->finished = true;
		uint64_t one = 1;
		if (write(p->efd, &one, sizeof one) < 0) { /* cannot fail: counter is small */ }
		pthread_cond_broadcast(&p->ev_cond);
	}
	task_unref(t);
}

static void push_event(struct ptrace_platform *p, const struct platform_syscall *sc)
{
	struct event_node *n = malloc(sizeof *n);
	if (!n)
		return;   /* the task stays stopped; EXITKILL cleans up */
	n->sc = *sc;
	n->next = NULL;
	if (p->ev_tail)
		p->ev_tail->next = n;
	else
		p->ev_head = n;
	p->ev_tail = n;
	uint64_t one = 1;
	if (write(p->efd, &one, sizeof one) < 0) { /* semaphore eventfd: cannot overflow here */ }
	pthread_cond_signal(&p->ev_cond);
}

/* ---- the tracer thread's ptrace helpers ---------------------------------------- */

static int resume(pid_t tid, int req, int sig)
{
	return ptrace(req, tid, 0, (void *)(uintptr_t)sig) < 0 ? -errno : 0;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Resumes a task held at its first stop or the parent of a held child. */
static void release_child(struct ptrace_platform *p, pid_t child)
{
	struct ttask *c = task_find(p, child);
	if (!c)
		return;
	c->hold = false;
	c->parent_known = true;
	if (c->state == TS_HELD) {
		c->state = TS_RUNNING;
		resume(c->tid, PTRACE_CONT, 0);
	}
}

/* A task whose parent died before its creation was reported would be held
 * for ever: let such tasks go (the sentry meets them at their first trap). */
static void release_orphans(struct ptrace_platform *p)
{
	for (int b = 0; b < NBUCKETS; b++)
		for (struct ttask *t = p->buckets[b]; t; t = t->next)
			if (t->state == TS_HELD && !t->parent_known) {
				t->state = TS_RUNNING;
				resume(t->tid, PTRACE_CONT, 0);
			}
}

static uint64_t clone_flags_of(pid_t tid, const struct arch_regs *r, int event)
{
	switch (arch_nr(r)) {
	case SYS_clone:
		return arch_arg(r, 0);
	case SYS_clone3: {
		uint64_t ca[5];
		struct iovec l = { ca, sizeof ca }, rm = { (void *)(uintptr_t)arch_arg(r, 0), sizeof ca };
		if (process_vm_readv(tid, &l, 1, &rm, 1, 0) == (ssize_t)sizeof ca)
			return ca[0] | (ca[4] & 0xff);   /* flags | exit_signal */
		break;
	}
#ifdef __NR_vfork
	case SYS_vfork:
		return CLONE_VM | CLONE_VFORK | SIGCHLD;
#endif
#ifdef __NR_fork
	case SYS_fork:
		return SIGCHLD;
#endif
	}
	return event == PTRACE_EVENT_VFORK ? (CLONE_VM | CLONE_VFORK | SIGCHLD)
	     : event == PTRACE_EVENT_FORK ? SIGCHLD : CLONE_VM;
}

static bool is_fault(const siginfo_t *si)
{
	return si->si_code > 0 && (si->si_signo == SIGSEGV || si->si_signo == SIGBUS ||
				   si->si_signo == SIGILL || si->si_signo == SIGFPE ||
				   si->si_signo == SIGTRAP || si->si_signo == SIGSYS);
}

static void handle_signal_stop(struct ptrace_platform *p, struct ttask *t, int sig)
{
	/* A signal we re-sent after an injection: give it back its siginfo. */
	for (int i = 0; i < t->nredeliver; i++)
		if (t->redeliver[i].si_signo == sig) {
			ptrace(PTRACE_SETSIGINFO, t->tid, 0, &t->redeliver[i]);
			memmove(&t->redeliver[i], &t->redeliver[i + 1],
				(size_t)(t->nredeliver - i - 1) * sizeof t->redeliver[0]);
			t->nredeliver--;
			break;
		}
	/* a handler may run before a re-issued syscall: it is new again */
	t->reissue = false;
	/* A fault that comes back at once at the same place was discarded:
	 * a pid namespace's init keeps ignoring a fatal fault with the default
	 * action while it is traced (the kernel lifts its protection only for
	 * an untraced task), and would fault forever.  Let it go: untraced,
	 * the next fault kills it with that signal — and it can make no
	 * syscall meanwhile that is not refused (RET_TRACE without a tracer). */
	siginfo_t si;
	struct arch_regs r;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) == 0 && is_fault(&si) &&
	    arch_getregs(t->tid, &r) == 0) {
		uint64_t addr = (uint64_t)(uintptr_t)si.si_addr;
		if (t->last_fault_sig == sig && t->last_fault_addr == addr && t->last_fault_ip == arch_ip(&r)) {
			ptrace(PTRACE_DETACH, t->tid, 0, sig);
			task_remove(p, t);
			return;
		}
		t->last_fault_sig = sig;
		t->last_fault_addr = addr;
		t->last_fault_ip = arch_ip(&r);
	} else {
		t->last_fault_sig = 0;
	}
	t->state = TS_RUNNING;
	resume(t->tid, PTRACE_CONT, sig);
}

/* One wait status of a task outside any injection.  Lock held. */
static void handle_status(struct ptrace_platform *p, pid_t tid, int st)
{
	struct ttask *t = task_find(p, tid);
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		if (t) {
			if (t->state == TS_CREATED_EVENT && t->held_child)
				release_child(p, t->held_child);
			task_remove(p, t);
		}
		release_orphans(p);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	if (!t) {
		/* an auto-attached child whose first stop came before its
		 * parent's fork event */
		t = task_add(p, tid);
		if (!t) {
			kill(tid, SIGKILL);
			return;
		}
	}
	int sig = WSTOPSIG(st), event = (st >> 16) & 0xff;
	switch (event) {
	case PTRACE_EVENT_SECCOMP: {
		struct arch_regs r;
		if (arch_getregs(tid, &r) < 0)
			return;   /* killed meanwhile: its exit comes next */
		if (t->reissue) {
			t->reissue = false;
			bool same = arch_nr(&r) == t->reissue_nr && arch_ip(&r) == t->reissue_ip;
			for (int i = 0; i < 6; i++)
				same = same && arch_arg(&r, i) == t->reissue_args[i];
			if (same) {
				t->state = TS_RUNNING;
				resume(tid, PTRACE_CONT, 0);
				return;
			}
		}
		t->regs = r;
		t->id = ++p->next_id;
		t->state = TS_TRAPPED;
		struct platform_syscall sc = {
			.id = t->id, .tid = tid, .nr = (int)arch_nr(&r),
			.args = { arch_arg(&r, 0), arch_arg(&r, 1), arch_arg(&r, 2),
				  arch_arg(&r, 3), arch_arg(&r, 4), arch_arg(&r, 5) },
			.ip = arch_ip(&r), .event = PLATFORM_SYSCALL,
		};
		push_event(p, &sc);
		return;
	}
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE: {
		unsigned long msg = 0;
		struct arch_regs r;
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) < 0 || arch_getregs(tid, &r) < 0)
			return;
		pid_t child = (pid_t)msg;
		struct ttask *c = task_find(p, child);
		if (!c)
			c = task_add(p, child);
		uint64_t cflags = clone_flags_of(tid, &r, event);
		if (c) {
			c->parent_known = true;
			c->tgid = (cflags & CLONE_THREAD) ? t->tgid : child;
		}
		if (p->task_events && c) {
			c->hold = true;
			t->held_child = child;
			t->id = ++p->next_id;
			t->state = TS_CREATED_EVENT;
			struct platform_syscall sc = {
				.id = t->id, .tid = tid, .nr = -1,
				.args = { (uint64_t)child, cflags },
				.ip = arch_ip(&r), .event = PLATFORM_TASK_CREATED,
			};
			push_event(p, &sc);
			return;
		}
		if (c)
			release_child(p, child);
		t->state = TS_RUNNING;
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	case PTRACE_EVENT_EXEC: {
		unsigned long former = 0;
		ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
		/* A thread other than the leader exec'd: it now has the leader's
		 * tid, and its own tid vanishes without an exit report. */
		struct ttask *old = (pid_t)former != tid ? task_find(p, (pid_t)former) : NULL;
		if (old)
			task_remove(p, old);
		t->reissue = false;
		t->state = TS_RUNNING;
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			/* group-stop: stay stopped until SIGCONT, as untraced */
			t->first_stop_seen = true;
			t->state = TS_LISTENING;
			resume(tid, PTRACE_LISTEN, 0);
			return;
		}
		if (!t->first_stop_seen) {
			t->first_stop_seen = true;
			if (!t->parent_known || t->hold) {
				t->state = TS_HELD;
				return;
			}
		}
		/* after SIGCONT ended a group-stop, or our first stop */
		t->state = TS_RUNNING;
		resume(tid, PTRACE_CONT, 0);
		return;
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			/* a syscall stop outside an injection: cannot happen */
			resume(tid, PTRACE_CONT, 0);
			return;
		}
		handle_signal_stop(p, t, sig);
		return;
	default:
		resume(tid, PTRACE_CONT, 0);
		return;
	}
}

/* ---- injection (tracer thread) ---------------------------------------------------- */

/* State changes outside handle_status() take the lock: platform_check()
 * reads the state from other threads.  A task leaves the checkable states
 * before it is resumed, so an access racing with the resume fails its check. */
static void set_state(struct ptrace_platform *p, struct ttask *t, enum tstate s)
{
	pthread_mutex_lock(&p->lock);
	t->state = s;
	pthread_mutex_unlock(&p->lock);
}

/* Signals held during an injection are sent again (thread-directed, to the
 * task); their original siginfo is put back at delivery. */
static void resend_held(struct ptrace_platform *p, struct ttask *t)
{
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < t->nheld; i++) {
		if (t->nredeliver < MAX_HELD)
			t->redeliver[t->nredeliver++] = t->held[i];
		/* thread-directed; without a thread pidfd by tid, which stays
		 * this task's while it is traced and stopped (not reaped) */
		if (t->pidfd_thread)
			syscall(SYS_pidfd_send_signal, t->pidfd, t->held[i].si_signo, NULL, 0);
		else
			syscall(SYS_tkill, t->tid, t->held[i].si_signo);
	}
	t->nheld = 0;
	pthread_mutex_unlock(&p->lock);
}


/* Kills a task that cannot be injected any more and waits for its end. */
static int kill_task(struct ptrace_platform *p, struct ttask *t)
{
	kill(t->tid, SIGKILL);
	int st;
	for (;;) {
		pid_t r = waitpid(t->tid, &st, __WALL | __WNOTHREAD);
		if (r < 0 && errno == EINTR)
			continue;
		pthread_mutex_lock(&p->lock);
		if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st)) {
			if (!t->dead)
				task_remove(p, t);
			release_orphans(p);
			pthread_mutex_unlock(&p->lock);
			return -ENOENT;
		}
		pthread_mutex_unlock(&p->lock);
		/* a stop on the way to death: let it go on dying */
		resume(t->tid, PTRACE_CONT, 0);
	}
}

/* Waits for the next syscall stop of t, holding signals that come first. */
static int wait_syscall_stop(struct ptrace_platform *p, struct ttask *t)
{
	for (;;) {
		int st;
		pid_t r = waitpid(t->tid, &st, __WALL | __WNOTHREAD);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -ENOENT;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			pthread_mutex_lock(&p->lock);
			handle_status(p, t->tid, st);
			pthread_mutex_unlock(&p->lock);
			return -ENOENT;
		}
		int sig = WSTOPSIG(st), event = (st >> 16) & 0xff;
		if (event == 0 && sig == (SIGTRAP | 0x80))
			return 0;
		if (event == PTRACE_EVENT_STOP) {
			/* a group-stop began meanwhile: finish the injection first
			 * (the task stops again at its next signal check) */
			if (resume(t->tid, PTRACE_SYSCALL, 0) < 0)
				return kill_task(p, t);
			continue;
		}
		if (event != 0)
			return kill_task(p, t);   /* nothing else can come from our syscalls */
		siginfo_t si;
		if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0 || is_fault(&si) ||
		    t->nheld == MAX_HELD)
			return kill_task(p, t);
		t->held[t->nheld++] = si;
		if (resume(t->tid, PTRACE_SYSCALL, 0) < 0)
			return kill_task(p, t);
	}
}

/* Is there a syscall instruction right before ip?  (A rewind re-executes it.) */
static bool syscall_insn_before(pid_t tid, uint64_t ip)
{
	enum { N = ARCH_SYSCALL_INSN_LEN };
	unsigned char insn[N];
	struct iovec l = { insn, N }, r = { (void *)(uintptr_t)(ip - N), N };
	if (process_vm_readv(tid, &l, 1, &r, 1, 0) != N) {
		errno = 0;
		long w = ptrace(PTRACE_PEEKTEXT, tid, (void *)(uintptr_t)(ip - N), 0);
		if (errno)
			return false;
		memcpy(insn, &w, N);
	}
	return arch_is_syscall_insn(insn);
}

/* Runs syscall nr(args) in the stopped task; *ret gets its raw result.
 * 0, or -ENOENT when the task died (or was killed for interfering). */
static int inject(struct ptrace_platform *p, struct ttask *t, long nr, const uint64_t a[6],
		  int64_t *ret)
{
	struct arch_regs r = t->regs;
	arch_set_call(&r, (uint64_t)nr, a);
	bool rewind = t->state == TS_INJECTED;
	if (rewind) {
		/* at a syscall exit: run the instruction again */
		if (!syscall_insn_before(t->tid, arch_ip(&t->regs)))
			return kill_task(p, t);
		arch_rewind(&r);
	}
	/* at a seccomp stop the rewritten syscall is re-checked by the filter
	 * (Linux 4.8+) and runs: only allowed syscalls are injected */
	if (arch_setregs(t->tid, &r) < 0 || resume(t->tid, PTRACE_SYSCALL, 0) < 0)
		return kill_task(p, t);
	int rc = wait_syscall_stop(p, t);   /* entry (rewind) or exit */
	if (rc == 0 && rewind) {
		if (resume(t->tid, PTRACE_SYSCALL, 0) < 0)
			return kill_task(p, t);
		rc = wait_syscall_stop(p, t);   /* exit */
	}
	if (rc < 0)
		return rc;
	struct arch_regs out;
	if (arch_getregs(t->tid, &out) < 0)
		return kill_task(p, t);
	set_state(p, t, TS_INJECTED);
	*ret = (int64_t)arch_ret(&out);
	return 0;
}

/* Scratch memory of an injection, in the task, below its red zone. */
struct scratch {
	struct msghdr mh;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	int sv[2];
	char byte;
};

static int send_fd_on(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int inject_close(struct ptrace_platform *p, struct ttask *t, int fd)
{
	uint64_t a[6] = { (uint64_t)fd };
	int64_t ret;
	return inject(p, t, SYS_close, a, &ret);
}

/* Closes the task's fds in `fds` (n of them, -1 = none), two adjacent ones
 * with a single close_range. */
static int inject_close_set(struct ptrace_platform *p, struct ttask *t, int *fds, int n)
{
	/* sort ascending */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int x = fds[i]; fds[i] = fds[j]; fds[j] = x;
			}
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		if (fds[i] < 0)
			continue;
		int last = i;
		while (last + 1 < n && fds[last + 1] == fds[last] + 1)
			last++;
		if (last > i) {
			uint64_t a[6] = { (uint64_t)fds[i], (uint64_t)fds[last], 0 };
			int64_t ret;
			rc = inject(p, t, SYS_close_range, a, &ret);
			i = last;
		} else {
			rc = inject_close(p, t, fds[i]);
		}
	}
	return rc;
}

static int install_fd(struct ptrace_platform *p, struct ttask *t, int fd, int flags, int target)
{
	struct scratch s;
	memset(&s, 0, sizeof s);
	uint64_t at = (arch_sp(&t->regs) - ARCH_RED_ZONE - sizeof s) & ~(uint64_t)63;
	struct iovec l = { &s, sizeof s }, rm = { (void *)(uintptr_t)at, sizeof s };
	/* writable by us is not yet writable by the task, but a stack that is
	 * not even mapped fails here, before anything changed */
	if (process_vm_writev(t->tid, &l, 1, &rm, 1, 0) != (ssize_t)sizeof s)
		return -EFAULT;

	uint64_t a[6] = { AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
			  at + offsetof(struct scratch, sv) };
	int64_t ret;
	int rc = inject(p, t, SYS_socketpair, a, &ret);
	if (rc < 0)
		return rc;
	if (ret < 0)
		return (int)ret;   /* EMFILE, ENFILE, EFAULT: the task's answer */
	struct iovec svl = { s.sv, sizeof s.sv },
		     svr = { (void *)(uintptr_t)(at + offsetof(struct scratch, sv)), sizeof s.sv };
	int mine = -1;
	if (process_vm_readv(t->tid, &svl, 1, &svr, 1, 0) != (ssize_t)sizeof s.sv ||
	    s.sv[0] < 0 || s.sv[1] < 0)
		return kill_task(p, t);   /* it rewrote its own stack under us */
	if (t->pidfd_thread || t->tid == t->tgid || t->tgid == 0) {
		mine = t->pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, t->pidfd, s.sv[1], 0) : -1;
	} else {
		/* Before Linux 6.9, a thread that is not the leader: the fd
		 * through its process's pidfd, i.e. the leader's fd table, which
		 * need not be the thread's (clone without CLONE_FILES): it must
		 * be the very file the task holds, else nothing is sent. */
		int pfd = (int)syscall(SYS_pidfd_open, t->tgid, 0);
		mine = pfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pfd, s.sv[1], 0) : -1;
		if (pfd >= 0)
			close(pfd);
		if (mine >= 0 && syscall(SYS_kcmp, getpid(), t->tid, KCMP_FILE, mine, s.sv[1]) != 0) {
			close(mine);
			mine = -1;
		}
	}
	rc = mine < 0 ? -EBADF : send_fd_on(mine, fd);
	if (mine >= 0)
		close(mine);
	int received = -1;
	if (rc == 0) {
		/* the msghdr, written now that the socketpair is known good */
		s.iov.iov_base = (void *)(uintptr_t)(at + offsetof(struct scratch, byte));
		s.iov.iov_len = 1;
		s.mh.msg_iov = (void *)(uintptr_t)(at + offsetof(struct scratch, iov));
		s.mh.msg_iovlen = 1;
		s.mh.msg_control = (void *)(uintptr_t)(at + offsetof(struct scratch, cm));
		s.mh.msg_controllen = sizeof s.cm;
		if (process_vm_writev(t->tid, &l, 1, &rm, 1, 0) != (ssize_t)sizeof s)
			return kill_task(p, t);
		uint64_t ra[6] = { (uint64_t)s.sv[0], at, MSG_DONTWAIT | MSG_CMSG_CLOEXEC };
		rc = inject(p, t, SYS_recvmsg, ra, &ret);
		if (rc < 0)
			return rc;
		struct scratch back;
		struct iovec bl = { &back, sizeof back };
		if (ret == 1 && process_vm_readv(t->tid, &bl, 1, &rm, 1, 0) == (ssize_t)sizeof back) {
			struct cmsghdr *cm = &back.cm.h;
			if (!(back.mh.msg_flags & MSG_CTRUNC) && cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&received, CMSG_DATA(cm), sizeof received);
		}
		rc = received < 0 ? -EMFILE : 0;   /* no slot left for it */
	}
	int result = rc;
	int to_close[3];
	int n = 0;
	if (rc == 0) {
		int slot = target >= 0 ? target : s.sv[0];
		if (received == slot) {
			/* replacing a slot that was free: it got the fd already */
			result = slot;
		} else {
			uint64_t da[6] = { (uint64_t)received, (uint64_t)slot,
					   (uint64_t)(flags & O_CLOEXEC) };
			rc = inject(p, t, SYS_dup3, da, &ret);
			if (rc < 0)
				return rc;
			result = ret < 0 ? (int)ret : slot;
			to_close[n++] = received;
		}
		if (result < 0 || s.sv[0] != slot)
			to_close[n++] = s.sv[0];
		if (result < 0 || s.sv[1] != slot)
			to_close[n++] = s.sv[1];
	} else {
		to_close[n++] = s.sv[0];
		to_close[n++] = s.sv[1];
	}
	rc = inject_close_set(p, t, to_close, n);
	return rc < 0 ? rc : result;
}

/* Puts the saved registers back with `value` as the syscall's result and
 * resumes; signals held meanwhile are sent again. */
static int finish(struct ptrace_platform *p, struct ttask *t, int64_t value)
{
	struct arch_regs r = t->regs;
	if (value == -ERESTARTSYS_VALUE) {
		/* The kernel's signal code restarts the syscall (SA_RESTART,
		 * stop signals) or makes it EINTR only when the syscall number
		 * register (orig_rax, arm64's NT_ARM_SYSTEM_CALL) names a
		 * syscall: skip it now, and put the number back at its exit stop. */
		arch_set_nr(&r, (uint64_t)-1);
		if (arch_setregs(t->tid, &r) < 0 || resume(t->tid, PTRACE_SYSCALL, 0) < 0)
			return -ENOENT;
		int rc = wait_syscall_stop(p, t);
		if (rc < 0)
			return rc;
		r = t->regs;
	}
	if (value != -ERESTARTSYS_VALUE)
		arch_set_nr(&r, (uint64_t)-1);   /* skipped: no syscall restart on our answer */
	arch_set_ret(&r, (uint64_t)value);
	set_state(p, t, TS_RUNNING);
	int rc = 0;
	/* held signals queued while it is still stopped: they are delivered
	 * (a signal-delivery stop) before it runs an instruction, as Linux
	 * delivers a signal that came during a syscall */
	if (arch_setregs(t->tid, &r) < 0)
		rc = -ENOENT;
	resend_held(p, t);
	if (rc == 0 && resume(t->tid, PTRACE_CONT, 0) < 0)
		rc = -ENOENT;
	return rc;
}

static int do_continue(struct ptrace_platform *p, struct ttask *t)
{
	if (t->state != TS_INJECTED) {
		set_state(p, t, TS_RUNNING);
		return resume(t->tid, PTRACE_CONT, 0) < 0 ? -ENOENT : 0;
	}
	/* Injections used up the syscall entry: issue the syscall again.  Its
	 * seccomp stop is let through once (handle_status) unless a signal is
	 * delivered first. */
	if (!syscall_insn_before(t->tid, arch_ip(&t->regs)))
		return kill_task(p, t);
	struct arch_regs r = t->regs;
	arch_rewind(&r);
	for (int i = 0; i < 6; i++)
		t->reissue_args[i] = arch_arg(&r, i);
	t->reissue_nr = arch_nr(&r);
	t->reissue_ip = arch_ip(&t->regs);
	t->reissue = true;
	set_state(p, t, TS_RUNNING);
	int rc = 0;
	if (arch_setregs(t->tid, &r) < 0)
		rc = -ENOENT;
	resend_held(p, t);   /* before it runs (above) */
	if (rc == 0 && resume(t->tid, PTRACE_CONT, 0) < 0)
		rc = -ENOENT;
	return rc;
}

static int attach(struct ptrace_platform *p, pid_t pid)
{
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
		    PTRACE_O_TRACESYSGOOD;
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)opts) < 0)
		return -errno;
	pthread_mutex_lock(&p->lock);
	if (p->finished) {
		/* a new task after all earlier ones ended: not finished any more */
		uint64_t v;
		if (read(p->efd, &v, sizeof v) < 0) { /* it was counted */ }
		p->finished = false;
	}
	struct ttask *t = task_add(p, pid);
	if (t) {
		t->first_stop_seen = true;   /* SEIZE does not stop it */
		t->parent_known = true;
		t->tgid = pid;
	}
	pthread_mutex_unlock(&p->lock);
	return t ? 0 : -ENOMEM;
}

/* Runs one request on the tracer thread. */
static int run_request(struct ptrace_platform *p, struct request *rq)
{
	if (rq->kind == R_ATTACH)
		return attach(p, rq->tid);
	pthread_mutex_lock(&p->lock);
	struct ttask *t = task_find(p, rq->tid);
	bool ok = t && !t->dead && t->id == rq->id &&
		  (t->state == TS_TRAPPED || t->state == TS_INJECTED || t->state == TS_CREATED_EVENT);
	if (ok)
		t->refs++;
	pthread_mutex_unlock(&p->lock);
	if (!ok)
		return -ENOENT;
	int rc;
	if (t->state == TS_CREATED_EVENT) {
		if (rq->kind == R_INSTALL) {
			rc = -EINVAL;
		} else {
			pthread_mutex_lock(&p->lock);
			t->state = TS_RUNNING;
			release_child(p, t->held_child);
			t->held_child = 0;
			pthread_mutex_unlock(&p->lock);
			rc = resume(t->tid, PTRACE_CONT, 0) < 0 ? -ENOENT : 0;
		}
	} else if (rq->kind == R_REPLY) {
		rc = finish(p, t, rq->value);
	} else if (rq->kind == R_CONTINUE) {
		rc = do_continue(p, t);
	} else {
		rc = install_fd(p, t, rq->fd, rq->flags, rq->target);
		if (rc >= 0 && rq->answer) {
			int frc = finish(p, t, rc);
			if (frc < 0)
				rc = frc;
		}
	}
	pthread_mutex_lock(&p->lock);
	task_unref(t);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void run_requests(struct ptrace_platform *p, bool *stop)
{
	for (;;) {
		pthread_mutex_lock(&p->lock);
		struct request *rq = p->req_head;
		if (rq) {
			p->req_head = rq->next;
			if (!p->req_head)
				p->req_tail = NULL;
		}
		pthread_mutex_unlock(&p->lock);
		if (!rq)
			return;
		int rc = rq->kind == R_STOP ? 0 : run_request(p, rq);
		if (rq->kind == R_STOP)
			*stop = true;
		pthread_mutex_lock(&p->lock);
		rq->result = rc;
		rq->done = true;
		pthread_cond_broadcast(&p->done_cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static void drain_statuses(struct ptrace_platform *p)
{
	int st;
	pid_t tid;
	while ((tid = waitpid(-1, &st, WNOHANG | __WALL | __WNOTHREAD)) > 0) {
		pthread_mutex_lock(&p->lock);
		handle_status(p, tid, st);
		pthread_mutex_unlock(&p->lock);
	}
}

static void keep_only_ptrace_capability(void)
{
	/* Capabilities are per thread: the tracer needs CAP_SYS_PTRACE (to
	 * trace tasks in the application's user namespace) and nothing else,
	 * whatever its creator still holds. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_SYS_PTRACE)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	cap_t cur = cap_get_proc();
	cap_flag_value_t has = CAP_CLEAR;
	if (cur)
		cap_get_flag(cur, CAP_SYS_PTRACE, CAP_PERMITTED, &has);
	cap_t keep = cap_init();
	if (keep) {
		cap_value_t v[] = { CAP_SYS_PTRACE };
		if (has == CAP_SET) {
			cap_set_flag(keep, CAP_PERMITTED, 1, v, CAP_SET);
			cap_set_flag(keep, CAP_EFFECTIVE, 1, v, CAP_SET);
		}
		cap_set_proc(keep);
		cap_free(keep);
	}
	if (cur)
		cap_free(cur);
}

static void *tracer_main(void *arg)
{
	struct ptrace_platform *p = arg;
	sigset_t all, wake;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIG);
	prctl(PR_SET_NAME, "rl-tracer", 0, 0, 0);
	keep_only_ptrace_capability();
	pthread_mutex_lock(&p->lock);
	p->tracer_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&p->done_cond);
	pthread_mutex_unlock(&p->lock);

	bool stop = false;
	for (;;) {
		run_requests(p, &stop);
		if (stop)
			break;
		drain_statuses(p);
		if (sigsetjmp(wake_env, 1) == 0) {
			atomic_store(&p->armed, 1);
			pthread_mutex_lock(&p->lock);
			bool pending = p->req_head != NULL;
			pthread_mutex_unlock(&p->lock);
			if (!pending) {
				wake_jump_ok = 1;
				pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
				siginfo_t si;
				memset(&si, 0, sizeof si);
				int rc = waitid(P_ALL, 0, &si,
						WEXITED | WSTOPPED | __WALL | __WNOTHREAD | WNOWAIT);
				if (rc < 0 && errno == ECHILD) {
					/* nothing traced (yet): sleep until a request */
					sigset_t only_wake;
					sigfillset(&only_wake);
					sigdelset(&only_wake, WAKE_SIG);
					sigsuspend(&only_wake);
				}
				wake_jump_ok = 0;
				pthread_sigmask(SIG_BLOCK, &wake, NULL);
			}
		}
		/* here after the wait or after a wake-up's siglongjmp (which
		 * restored the mask: WAKE_SIG blocked) */
		wake_jump_ok = 0;
		atomic_store(&p->armed, 0);
	}
	return NULL;
}

static int submit(struct ptrace_platform *p, struct request *rq)
{
	rq->done = false;
	rq->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->req_tail)
		p->req_tail->next = rq;
	else
		p->req_head = rq;
	p->req_tail = rq;
	pthread_mutex_unlock(&p->lock);
	/* seq_cst: either the tracer sees our request before it sleeps, or we
	 * see it armed and wake it */
	if (atomic_load(&p->armed))
		syscall(SYS_tgkill, getpid(), p->tracer_tid, WAKE_SIG);
	pthread_mutex_lock(&p->lock);
	while (!rq->done)
		pthread_cond_wait(&p->done_cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return rq->result;
}

/* ---- the interface ------------------------------------------------------------------- */

static void pt_close(struct platform *base)
{
	struct ptrace_platform *p = PP(base);
	struct request rq = { .kind = R_STOP };
	submit(p, &rq);
	/* The tracer thread's exit detaches every task; PTRACE_O_EXITKILL
	 * kills them: nothing runs on unsupervised. */
	pthread_join(p->thread, NULL);
	for (int b = 0; b < NBUCKETS; b++)
		while (p->buckets[b]) {
			struct ttask *t = p->buckets[b];
			p->buckets[b] = t->next;
			task_unref(t);
		}
	while (p->ev_head) {
		struct event_node *n = p->ev_head;
		p->ev_head = n->next;
		free(n);
	}
	close(p->efd);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->ev_cond);
	pthread_cond_destroy(&p->done_cond);
	free(p);
}

static int pt_poll_fd(const struct platform *p) { return PP(p)->efd; }
static bool pt_sync_wakeup(const struct platform *p) { (void)p; return false; }

static int pt_wait(struct platform *base, struct platform_syscall *sc)
{
	struct ptrace_platform *p = PP(base);
	pthread_mutex_lock(&p->lock);
	while (!p->ev_head) {
		if (p->finished) {
			pthread_mutex_unlock(&p->lock);
			return -ECHILD;
		}
		pthread_cond_wait(&p->ev_cond, &p->lock);
	}
	struct event_node *n = p->ev_head;
	p->ev_head = n->next;
	if (!p->ev_head)
		p->ev_tail = NULL;
	uint64_t v;
	if (read(p->efd, &v, sizeof v) < 0) { /* counted one per event: cannot be empty */ }
	pthread_mutex_unlock(&p->lock);
	*sc = n->sc;
	free(n);
	return 0;
}

static int pt_check(struct platform *base, const struct platform_syscall *sc)
{
	struct ptrace_platform *p = PP(base);
	pthread_mutex_lock(&p->lock);
	struct ttask *t = task_find(p, sc->tid);
	bool ok = t && !t->dead && t->id == sc->id &&
		  (t->state == TS_TRAPPED || t->state == TS_INJECTED || t->state == TS_CREATED_EVENT);
	int pidfd = ok ? t->pidfd : -1;
	if (ok)
		t->refs++;
	pthread_mutex_unlock(&p->lock);
	if (!ok)
		return -ENOENT;
	/* alive now means the tid was this task's during the caller's access.
	 * Without a pidfd (a thread before Linux 6.9) the state above is the
	 * answer: a traced task's tid is not free for reuse before this tracer
	 * has reaped it, and reaping marks it dead under the lock. */
	int rc = pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 ? 0 : -ENOENT;
	pthread_mutex_lock(&p->lock);
	task_unref(t);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static int pt_reply(struct platform *base, const struct platform_syscall *sc, int64_t result)
{
	struct request rq = { .kind = R_REPLY, .tid = sc->tid, .id = sc->id, .value = result };
	return submit(PP(base), &rq);
}

static int pt_continue(struct platform *base, const struct platform_syscall *sc)
{
	struct request rq = { .kind = R_CONTINUE, .tid = sc->tid, .id = sc->id };
	return submit(PP(base), &rq);
}

static int pt_install_fd(struct platform *base, const struct platform_syscall *sc, int fd,
			 int flags, int target, bool answer)
{
	if (sc->event != PLATFORM_SYSCALL)
		return -EINVAL;
	struct request rq = { .kind = R_INSTALL, .tid = sc->tid, .id = sc->id, .fd = fd,
			      .flags = flags, .target = target, .answer = answer };
	return submit(PP(base), &rq);
}

static const struct platform_ops ptrace_ops = {
	.close = pt_close,
	.poll_fd = pt_poll_fd,
	.sync_wakeup = pt_sync_wakeup,
	.wait = pt_wait,
	.check = pt_check,
	.reply = pt_reply,
	.continue_ = pt_continue,
	.install_fd = pt_install_fd,
};

static void install_wake_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wake_handler;   /* no SA_RESTART: interrupt the wait */
	sigfillset(&sa.sa_mask);
	sigaction(WAKE_SIG, &sa, NULL);
	/* Ptrace stops notify the tracer's process with SIGCHLD; no other
	 * thread of ours has a use for those. */
	struct sigaction chld;
	if (sigaction(SIGCHLD, NULL, &chld) == 0 && chld.sa_handler != SIG_IGN) {
		chld.sa_flags |= SA_NOCLDSTOP;
		sigaction(SIGCHLD, &chld, NULL);
	}
}

int platform_ptrace_open(struct platform **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install_wake_handler);
	struct ptrace_platform *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->base.ops = &ptrace_ops;
	p->base.is_ptrace = true;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->ev_cond, NULL);
	pthread_cond_init(&p->done_cond, NULL);
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	if (p->efd < 0) {
		int err = errno;
		free(p);
		return -err;
	}
	int rc = pthread_create(&p->thread, NULL, tracer_main, p);
	if (rc != 0) {
		close(p->efd);
		free(p);
		return -rc;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->tracer_tid)
		pthread_cond_wait(&p->done_cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	*out = &p->base;
	return 0;
}

int platform_ptrace_attach(struct platform *base, pid_t pid)
{
	if (!base->is_ptrace)
		return -EINVAL;
	struct request rq = { .kind = R_ATTACH, .tid = pid };
	return submit(PP(base), &rq);
}

void platform_set_task_events(struct platform *base, bool on)
{
	if (!base->is_ptrace)
		return;
	struct ptrace_platform *p = PP(base);
	pthread_mutex_lock(&p->lock);
	p->task_events = on;
	pthread_mutex_unlock(&p->lock);
}
