/*
 * platform/ — how the sentry sees and answers the application's trapped
 * syscalls.
 *
 * Contract: the application is hostile.  Every read of its memory is a copy
 * (the caller validates the copy, never the original) and is followed by a
 * check that the trapped syscall is still the same one (the task may have
 * died, been killed, or its pid reused); a failed check is -ENOENT and the
 * caller must drop the syscall without acting on it.  Each trapped syscall is
 * answered exactly once: platform_reply(), platform_reply_fd() or
 * platform_continue().
 *
 * Two implementations behind this one interface:
 *  - seccomp (platform_seccomp_open, the default): SECCOMP_RET_USER_NOTIF;
 *    fds installed with SECCOMP_IOCTL_NOTIF_ADDFD.
 *  - ptrace (platform_ptrace_open): SECCOMP_RET_TRACE + PTRACE_O_TRACESECCOMP,
 *    so only trapped syscalls stop the task.  An answer rewrites registers at
 *    the seccomp stop (orig_rax = -1 skips the syscall, rax is its result).
 *    There is no ADDFD: an fd is installed by *syscall injection* (see
 *    platform/ptrace.c): the stopped task is made to run, one syscall at a
 *    time, socketpair(AF_UNIX, SOCK_DGRAM) -> (the sentry sends its fd into
 *    the pair) recvmsg() -> dup3() onto the wanted slot -> close() of the
 *    rest, with its registers restored afterwards.  Costs: ~7 extra ptrace
 *    stops per fd.  The fd lands in the lowest free slot, as natively.
 *    Limits: the task needs three free fd slots (else EMFILE), a writable
 *    stack below its red zone (scratch memory for the msghdr) and the
 *    `syscall` instruction it trapped on still mapped; a task that breaks
 *    these while being injected is killed.  Signals that arrive during an
 *    injection are held and re-delivered (with their siginfo) afterwards.
 *
 * THREADING.  Every function may be called from any thread, concurrently:
 *  - platform_wait() may block in several threads at once; each trapped
 *    syscall is handed to exactly one caller (seccomp: the kernel does it,
 *    one notification per NOTIF_RECV; ptrace: an internal queue).
 *  - the functions that take a `sc` may be called by the thread that
 *    received it while other threads work on other syscalls.
 *  - ptrace: ptrace(2) requests must come from the tracing thread, so the
 *    platform owns one internal tracer thread (the waitpid loop and every
 *    PTRACE_* call); other threads' requests are marshalled to it and the
 *    caller blocks until done.  Memory access (process_vm_readv/writev) and
 *    pidfd_getfd run directly on the caller's thread.
 */
#ifndef RUNSC_LITE_PLATFORM_H
#define RUNSC_LITE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct platform;

enum platform_event {
	PLATFORM_SYSCALL = 0,   /* a trapped syscall: nr, args, ip */
	/* ptrace only, when asked for with platform_set_task_events(): a task
	 * created a new one (fork, vfork, clone).  tid = the parent, args[0] =
	 * the child (sentry pid namespace), args[1] = clone flags (CLONE_* |
	 * exit signal), nr = -1.  Both tasks are held stopped until the event
	 * is answered (platform_reply/platform_continue, any value): the sentry
	 * records the child (and its fs context, copied or shared by
	 * CLONE_FS) before either can make another syscall. */
	PLATFORM_TASK_CREATED = 1,
};

struct platform_syscall {
	uint64_t id;          /* opaque token of this trapped syscall */
	pid_t    tid;         /* task, in the sentry's pid namespace */
	int      nr;          /* syscall number (native ABI) */
	uint64_t args[6];
	uint64_t ip;
	enum platform_event event;
};

/* Wraps a seccomp user-notification listener (takes ownership). */
int  platform_seccomp_open(struct platform **out, int listener_fd);
/* The same, choosing whether to ask for SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
 * (on by default; off only to measure what it is worth). */
int  platform_seccomp_open_sync(struct platform **out, int listener_fd, bool sync_wakeup);

/*
 * The ptrace platform.  Starts the tracer thread (it blocks every signal,
 * keeps only CAP_SYS_PTRACE, and uses a real-time signal of its own,
 * PLATFORM_PTRACE_WAKE_SIG, to be woken).  Sets SA_NOCLDSTOP on SIGCHLD so
 * that ptrace stops do not wake the process's other threads.  No task is
 * traced until platform_ptrace_attach().
 */
int  platform_ptrace_open(struct platform **out);
/* PTRACE_SEIZE `pid` (a task that has not installed its filter yet) with
 * TRACESECCOMP, TRACEFORK/VFORK/CLONE/EXEC and EXITKILL: its future
 * children are traced too.  0 or a negative errno. */
int  platform_ptrace_attach(struct platform *p, pid_t pid);
/* ptrace: deliver PLATFORM_TASK_CREATED events (off by default). */
void platform_set_task_events(struct platform *p, bool on);
/* Whether this is the ptrace platform (the application's filter must then
 * use SECCOMP_RET_TRACE: policy_install_flags(..., POLICY_TRAP_AS_TRACE)). */
bool platform_is_ptrace(const struct platform *p);

void platform_close(struct platform *p);
/* The fd to poll for readability before platform_wait().  seccomp: the
 * listener; ptrace: an eventfd readable while events are queued (and for
 * good once every traced task is gone). */
int  platform_poll_fd(const struct platform *p);
/* Whether the kernel accepted SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP. */
bool platform_sync_wakeup(const struct platform *p);

/* Receives the next trapped syscall (blocking): 0, -EAGAIN/-EINTR/-ENOENT
 * (try again: the task went away before we read it), or another negative
 * errno (the listener is gone: every application task has exited). */
int platform_wait(struct platform *p, struct platform_syscall *sc);

/* Still the same live trapped syscall?  0 or -ENOENT. */
int platform_check(struct platform *p, const struct platform_syscall *sc);

/* The procfs of the application's pid namespace, for reading its memory
 * through kept /proc/TID/mem descriptors (faster; optional). */
void platform_set_procfs(int procfd);
/* Task tid is about to exec or is gone: a kept descriptor of its memory
 * names an address space it will not have (after a vfork, one that lives
 * on as its parent's), so it must not be read again. */
void platform_forget_memory(pid_t tid);
/* Copy `len` bytes of application memory at `addr`: 0, -EFAULT, -ENOENT. */
int platform_read(struct platform *p, const struct platform_syscall *sc,
		  void *dst, uint64_t addr, size_t len);
/* Copy a NUL-terminated string of at most `cap` bytes including the NUL:
 * length, -EFAULT, -ENAMETOOLONG, -ENOENT. */
int platform_read_string(struct platform *p, const struct platform_syscall *sc,
			 char *dst, size_t cap, uint64_t addr);
int platform_write(struct platform *p, const struct platform_syscall *sc,
		   uint64_t addr, const void *src, size_t len);

/* Answer with a value (>= 0) or a negative errno.  -512 (the kernel's
 * ERESTARTSYS), answered while a signal is pending for the task, makes the
 * kernel restart the syscall after the signal (SA_RESTART, stop signals) or
 * fail it with EINTR, as for a Linux syscall that was waiting. */
int platform_reply(struct platform *p, const struct platform_syscall *sc, int64_t result);
/* Install `fd` (a sentry fd) in the task and answer with the new number,
 * atomically.  O_CLOEXEC in `flags` sets close-on-exec on the new fd. */
int platform_reply_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags);
/* The task's fd number the calling thread's last platform_reply_fd()
 * installed, or its negative errno (for the trace and --strace). */
int platform_last_reply_fd(void);
/* Install `fd` without answering; returns the task's new fd number. */
int platform_add_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags);
/* Put `fd` in the task's slot `app_fd`, replacing what is there, atomically
 * (dup2-like; does not answer). */
int platform_replace_fd(struct platform *p, const struct platform_syscall *sc, int fd,
			int app_fd, int flags);
/* Let the kernel run the syscall as the task issued it. */
int platform_continue(struct platform *p, const struct platform_syscall *sc);

/* A duplicate, in the sentry, of the task's fd `app_fd` (pidfd_getfd): the
 * same open file description.  Returns the fd or a negative errno (-EBADF
 * when the task has no such fd). */
int platform_get_fd(struct platform *p, const struct platform_syscall *sc, int app_fd);

/* Human-readable syscall name for logs ("openat", or "syscall_N"). */
const char *platform_syscall_name(int nr);

/* ---- for the implementations (seccomp.c, ptrace.c) only -------------------------- */
struct platform_ops {
	void (*close)(struct platform *p);
	int  (*poll_fd)(const struct platform *p);
	bool (*sync_wakeup)(const struct platform *p);
	int  (*wait)(struct platform *p, struct platform_syscall *sc);
	int  (*check)(struct platform *p, const struct platform_syscall *sc);
	int  (*reply)(struct platform *p, const struct platform_syscall *sc, int64_t result);
	int  (*continue_)(struct platform *p, const struct platform_syscall *sc);
	/* target < 0: lowest free slot; answer: also answer with the number */
	int  (*install_fd)(struct platform *p, const struct platform_syscall *sc, int fd,
			   int flags, int target, bool answer);
};
struct platform {
	const struct platform_ops *ops;
	bool is_ptrace;
};

#endif
