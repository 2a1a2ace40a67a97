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
 * Implementations: seccomp user notification (this file's functions, the
 * default).  The ptrace implementation arrives with the platform issue behind
 * the same interface.
 */
#ifndef RUNSC_LITE_PLATFORM_H
#define RUNSC_LITE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct platform;

struct platform_syscall {
	uint64_t id;          /* opaque token of this trapped syscall */
	pid_t    tid;         /* task, in the sentry's pid namespace */
	int      nr;          /* syscall number (native ABI) */
	uint64_t args[6];
	uint64_t ip;
};

/* Wraps a seccomp user-notification listener (takes ownership). */
int  platform_seccomp_open(struct platform **out, int listener_fd);
void platform_close(struct platform *p);
/* The fd to poll for readability before platform_wait(). */
int  platform_poll_fd(const struct platform *p);
/* Whether the kernel accepted SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP. */
bool platform_sync_wakeup(const struct platform *p);

/* Receives the next trapped syscall: 0, -EAGAIN/-EINTR/-ENOENT (try again:
 * the task went away before we read it), or another negative errno (the
 * listener is gone: every application task has exited). */
int platform_wait(struct platform *p, struct platform_syscall *sc);

/* Still the same live trapped syscall?  0 or -ENOENT. */
int platform_check(struct platform *p, const struct platform_syscall *sc);

/* Copy `len` bytes of application memory at `addr`: 0, -EFAULT, -ENOENT. */
int platform_read(struct platform *p, const struct platform_syscall *sc,
		  void *dst, uint64_t addr, size_t len);
/* Copy a NUL-terminated string of at most `cap` bytes including the NUL:
 * length, -EFAULT, -ENAMETOOLONG, -ENOENT. */
int platform_read_string(struct platform *p, const struct platform_syscall *sc,
			 char *dst, size_t cap, uint64_t addr);
int platform_write(struct platform *p, const struct platform_syscall *sc,
		   uint64_t addr, const void *src, size_t len);

/* Answer with a value (>= 0) or a negative errno. */
int platform_reply(struct platform *p, const struct platform_syscall *sc, int64_t result);
/* Install `fd` (a sentry fd) in the task and answer with the new number,
 * atomically.  O_CLOEXEC in `flags` sets close-on-exec on the new fd. */
int platform_reply_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags);
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

#endif
