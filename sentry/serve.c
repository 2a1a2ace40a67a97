/*
 * The serve loop: worker threads answer trapped syscalls; the main thread
 * watches signals (forwarding them, reaping children) and task exits.
 *
 * Threading model: SENTRY_WORKERS threads, one of which (the leader) waits
 * in platform_wait() and handles the syscall it gets holding the sentry
 * lock, one big mutex over the VFS, the
 * caches, the task table and the FD identity table — data structures that
 * are single-threaded by design.  A handler that must wait for something the
 * sandbox does not control (a FIFO's peer) releases the lock around the wait
 * (sentry_wait_unlocked), so one task blocked there stalls no other task.
 * The lookups a path walk makes on the gofer, opens of regular files and
 * reads of directories release it around their 9P request too
 * (vfs_io_begin), as do the attribute refreshes of stat, the changes on
 * gofer mounts (their inodes held: vfs_inode_lock), xattrs, statfs, exec's
 * opens and connects to host sockets: a slow gofer stalls neither the
 * syscalls it is not needed for nor other lookups.  O_TMPFILE, bind and
 * inotify requests are made with the lock held.  Workers are added
 * when all are waiting without the lock (at most SENTRY_MAX_WORKERS).
 */
#include "sentry/internal.h"

#include "p9/p9.h"
#include "runsc-lite/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SENTRY_WORKERS 4
#define SENTRY_MAX_WORKERS 64

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static pthread_mutex_t sentry_mutex = PTHREAD_MUTEX_INITIALIZER;
static void give_up_leadership(void);

void sentry_lock(void) { pthread_mutex_lock(&sentry_mutex); }
void sentry_unlock(void) { pthread_mutex_unlock(&sentry_mutex); }

/* Interrupts a worker's blocking wait so it can look whether the trapped
 * syscall is still pending; the handler only has to exist. */
#define WAKE_SIGNAL SIGRTMIN

static void wake_handler(int sig) { (void)sig; }

/*
 * Handlers waiting without the lock, by task.  Before any syscall is
 * served, the waiters of tasks that are gone (killed meanwhile: their pidfd
 * says so) and of the syscall's own task (a task is in one syscall at a
 * time: its earlier one is over) are cancelled, and have cleaned up — a
 * FIFO reader whose open was killed must not still count as a reader for
 * the next open, whoever makes it.
 */
struct waiter {
	uint64_t id;          /* unique: the struct lives on the waiter's stack */
	pid_t tid;
	int pidfd;            /* readable once the task is gone (-1: unknown) */
	pthread_t thread;
	bool cancelled;
	/* waiting for a 9P reply on this client (a lookup without the lock):
	 * cancelled by abandoning the request, not by a signal */
	struct p9_client *rpc;
	struct waiter *next;
};
static struct waiter *waiters;
static pthread_cond_t waiter_gone = PTHREAD_COND_INITIALIZER;

static uint64_t next_waiter_id;

static bool waiter_registered(uint64_t id)
{
	for (struct waiter *i = waiters; i; i = i->next)
		if (i->id == id)
			return true;
	return false;
}

static bool task_gone(const struct waiter *w)
{
	struct pollfd pfd = { .fd = w->pidfd, .events = POLLIN };
	return w->pidfd >= 0 && poll(&pfd, 1, 0) == 1;
}

/* Cancels, and waits for, the waiters of task tid (0: of every task that
 * is gone: a killed task's FIFO reader must not outlive it until the next
 * timer tick, or the next open sees a reader that is no longer there).
 * A 9P request is abandoned instead (its lookup fails with EINTR, the
 * answer goes nowhere) and not waited for: if the request is not on its
 * way yet, the next call tries again. */
static void cancel_waiters(pid_t tid)
{
	for (bool again = true; again;) {
		again = false;
		for (struct waiter *w = waiters; w; w = w->next) {
			if ((w->rpc && w->cancelled) || (tid ? w->tid != tid : !task_gone(w)))
				continue;
			if (w->rpc) {
				if (p9_client_interrupt(w->rpc, w->thread) == 1)
					w->cancelled = true;
				continue;
			}
			/* (cancelled by another thread already: still waited for) */
			if (!w->cancelled)
				pthread_kill(w->thread, WAKE_SIGNAL);
			w->cancelled = true;
			uint64_t id = w->id;   /* w is gone once it is unregistered */
			while (waiter_registered(id))
				pthread_cond_wait(&waiter_gone, &sentry_mutex);
			again = true;   /* the list changed meanwhile */
			break;
		}
	}
}

/* A signal pending for tid that it does not block (its procfs status). */
static bool signal_pending(struct sentry *s, pid_t tid)
{
	char buf[4096];
	if (task_read_proc(s, tid, "status", buf, sizeof buf) < 0)
		return false;
	const char *thread = strstr(buf, "\nSigPnd:"), *shared = strstr(buf, "\nShdPnd:");
	const char *blocked = strstr(buf, "\nSigBlk:");
	if (!thread || !shared || !blocked)
		return false;
	unsigned long long pending = strtoull(thread + 8, NULL, 16) | strtoull(shared + 8, NULL, 16);
	return (pending & ~strtoull(blocked + 8, NULL, 16)) != 0;
}

/* A pidfd that becomes readable when task tid is gone.  Before Linux 6.9
 * (no PIDFD_THREAD) only a thread-group leader has one, its process's:
 * readable when the process is gone, which a leader's pending syscall
 * cannot outlive (it ends only by the group's death).  Another thread:
 * -1, unknown (its waiter is cancelled by its task's next syscall). */
static int waiter_pidfd(pid_t tid)
{
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	return fd >= 0 ? fd : (int)syscall(SYS_pidfd_open, tid, 0);
}

/* Registers the calling worker as waiting without the lock for task tid,
 * and hands the leadership over: another worker receives meanwhile. */
static void waiter_register(struct waiter *w, pid_t tid, struct p9_client *rpc)
{
	*w = (struct waiter){
		.id = ++next_waiter_id,
		.tid = tid,
		.pidfd = waiter_pidfd(tid),
		.thread = pthread_self(),
		.rpc = rpc,
		.next = waiters,
	};
	waiters = w;
	give_up_leadership();
}

static void waiter_unregister(struct waiter *w)
{
	for (struct waiter **pp = &waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	pthread_cond_broadcast(&waiter_gone);
	if (w->pidfd >= 0)
		close(w->pidfd);
}

int sentry_wait_unlocked(struct sentry *s, const struct platform_syscall *sc, unsigned ms,
			 int (*wait_fn)(void *arg), void *arg)
{
	timer_t timer;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = WAKE_SIGNAL };
	sev._sigev_un._tid = gettid();   /* sigev_notify_thread_id: glibc 2.36 lacks the name */
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)
		return -errno;
	struct itimerspec its = { .it_value = { ms / 1000, (long)(ms % 1000) * 1000000 } };
	int rc = timer_settime(timer, 0, &its, NULL) < 0 ? -errno : 0;
	if (rc < 0) {
		timer_delete(timer);
		return rc;
	}
	struct waiter self;
	waiter_register(&self, sc->tid, NULL);
	sentry_unlock();
	rc = wait_fn(arg);
	sentry_lock();
	timer_delete(timer);
	waiter_unregister(&self);
	/* The task may have been killed or have exited meanwhile. */
	if (self.cancelled || (rc == -EINTR && platform_check(s->plat, sc) < 0))
		return -ENOENT;
	/* A signal is waiting for the task: the wait is over, as in Linux; the
	 * kernel restarts the syscall (SA_RESTART, stop signals) or gives
	 * EINTR on the way back to the task. */
	if (rc == -EINTR && signal_pending(s, sc->tid))
		return -ERESTARTSYS;
	return rc;
}

/*
 * Leader/followers: one worker at a time (the leader) receives and serves;
 * the others sleep on a condition variable.  The same thread keeps serving
 * while nothing blocks, so it keeps running next to the trapped tasks: the
 * scheduler wakes a thread where it last ran, and with several threads
 * waiting in the receive call they take turns, each woken wherever it last
 * ran (~3-6 us more per syscall here, measured).  A
 * handler about to wait without the lock hands the leadership over first
 * (sentry_wait_unlocked), so the next syscall is received meanwhile.
 */
/* The leadership has a mutex of its own (lead_mutex, taken after the
 * sentry lock when both are held): a leader that receives a syscall while
 * another worker holds the sentry lock for long (a pinned exec, a copy-up,
 * a request the gofer is slow to answer) hands the leadership over before
 * it waits for the lock, and a follower can take it up without the sentry
 * lock.  So a trapped syscall is always received at once: until then its
 * task waits interruptibly, and a signal would end even a syscall Linux
 * never interrupts (an open of a tmpfs file) with EINTR; once received it
 * waits killably (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV). */
static pthread_mutex_t lead_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool leader_present;
static __thread bool is_leader;
static pthread_cond_t leadership = PTHREAD_COND_INITIALIZER;
static struct sentry *served;
static int nworkers, nidle;   /* idle: waiting to become the leader */

static void *worker(void *arg);

/* With no worker left to take over (all of them wait, for the lock or
 * without it), one more is started. */
static void give_up_leadership(void)
{
	if (!is_leader)
		return;
	pthread_mutex_lock(&lead_mutex);
	is_leader = false;
	leader_present = false;
	pthread_cond_signal(&leadership);
	if (nidle == 0 && nworkers < SENTRY_MAX_WORKERS) {
		pthread_t th;
		if (pthread_create(&th, NULL, worker, served) == 0) {
			pthread_detach(th);
			nworkers++;
		}
	}
	pthread_mutex_unlock(&lead_mutex);
}

/* Waits, holding no lock, until this worker is the leader. */
static void become_leader(void)
{
	pthread_mutex_lock(&lead_mutex);
	while (leader_present && !is_leader) {
		nidle++;
		pthread_cond_wait(&leadership, &lead_mutex);
		nidle--;
	}
	leader_present = is_leader = true;
	pthread_mutex_unlock(&lead_mutex);
}

/* The syscall this worker serves (NULL: none), and whether it holds
 * another lock across its walks (sentry_pin_lock). */
static __thread const struct platform_syscall *serving;
static __thread int pinned;
static __thread struct waiter io_waiter;

void sentry_pin_lock(bool pin) { pinned += pin ? 1 : -1; }

/* vfs_lock_ops: a lookup releases the lock for its 9P request only while
 * serving a syscall of the application, and never while pinned. */
static bool io_release(void)
{
	if (!serving || pinned || !served->gofer)
		return false;
	waiter_register(&io_waiter, serving->tid, served->gofer);
	sentry_unlock();
	return true;
}

static void io_reacquire(void)
{
	sentry_lock();
	waiter_unregister(&io_waiter);
}

static pthread_cond_t lookup_done = PTHREAD_COND_INITIALIZER;
/* A worker waiting for another's request (a lookup of the same name, a
 * change in the same directory) hands the leadership over first: that
 * request may wait for a slow gofer, and the sandbox's other syscalls
 * must still be received meanwhile. */
static void io_wait(void)
{
	give_up_leadership();
	pthread_cond_wait(&lookup_done, &sentry_mutex);
}
static void io_wake_all(void) { pthread_cond_broadcast(&lookup_done); }

/* A request made with the lock held may take long (a slow gofer): the next
 * syscalls are received meanwhile (they then wait for the lock killably,
 * where a signal cannot end them). */
static void io_held(void)
{
	if (serving)
		give_up_leadership();
}

static const struct vfs_lock_ops lock_ops = { io_release, io_reacquire, io_wait, io_wake_all,
					      io_held };

static void *worker(void *arg)
{
	struct sentry *s = arg;
	for (;;) {
		become_leader();
		struct platform_syscall sc;
		int rc = platform_wait(s->plat, &sc);
		if (pthread_mutex_trylock(&sentry_mutex) != 0) {
			give_up_leadership();   /* the lock is busy: someone else receives */
			sentry_lock();
		}
		if (rc == -EAGAIN || rc == -EINTR || rc == -ENOENT) {
			sentry_unlock();
			continue;
		}
		if (rc < 0) {
			sentry_unlock();
			break;   /* the listener is gone: no application task is left */
		}
		if (waiters && sc.event == PLATFORM_SYSCALL) {
			cancel_waiters(sc.tid);
			cancel_waiters(0);
		}
		serving = &sc;
		syscalls_dispatch(s, &sc);   /* still the leader unless it waited */
		serving = NULL;
		sentry_unlock();
	}
	give_up_leadership();
	return NULL;
}

static int start_workers(struct sentry *s)
{
	struct sigaction sa = { .sa_handler = wake_handler };   /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		return -errno;
	served = s;
	vfs_set_lock_ops(&lock_ops);
	sentry_lock();
	int rc = 0;
	for (int i = 0; i < SENTRY_WORKERS && rc == 0; i++) {
		pthread_t th;
		rc = pthread_create(&th, NULL, worker, s);
		if (rc == 0) {
			pthread_detach(th);
			pthread_mutex_lock(&lead_mutex);
			nworkers++;
			pthread_mutex_unlock(&lead_mutex);
		}
	}
	sentry_unlock();
	return -rc;
}

#define EV_SIGNAL UINT64_MAX

int sentry_serve(struct sentry *s, pid_t init_pid)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&sigs, forwarded[i]);
	sigaddset(&sigs, SIGCHLD);
	/* blocked before the workers exist, so that only the signalfd sees them */
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_SIGNAL };
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, sfd, &ev);
	int rc = start_workers(s);
	if (rc < 0) {
		warnx_rl("sentry: starting worker threads: %s", strerror(-rc));
		kill(init_pid, SIGKILL);
		return 125;
	}

	int status = -1;
	while (status < 0) {
		struct epoll_event evs[16];
		int n = epoll_wait(s->epfd, evs, 16, -1);
		if (n < 0 && errno != EINTR) {
			warnx_rl("sentry: epoll_wait: %s", strerror(errno));
			return 125;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof si) == sizeof si) {
					if (si.ssi_signo != SIGCHLD) {
						trace_signal((int)si.ssi_signo, (pid_t)si.ssi_pid);
						kill(init_pid, (int)si.ssi_signo);
						continue;
					}
					int ws;
					pid_t p;
					struct rusage ru;
					/* __WNOTHREAD: never the ptrace tracer thread's tracees */
					while ((p = wait4(-1, &ws, WNOHANG | __WNOTHREAD, &ru)) > 0)
						if (p == init_pid) {
							status = WIFEXITED(ws) ? WEXITSTATUS(ws)
									       : 128 + WTERMSIG(ws);
							trace_app_exit(ws, &ru);
						}
				}
			} else if (!control_event(s, tag)) {
				sentry_lock();
				struct task *t = task_find(s, (pid_t)tag);
				if (t)
					task_exited(s, t);
				if (waiters)
					cancel_waiters(0);   /* its lookups without the lock */
				sentry_unlock();
			}
		}
	}
	sentry_lock();   /* the workers stop where they are: no half-done reply */
	debugf("application exited: status %d; %llu syscalls trapped, %llu unimplemented",
	       status, (unsigned long long)s->nr_trapped, (unsigned long long)s->nr_unimplemented);
	return status;
}
