/*
 * accept(2), accept4(2) and recvfrom(2) that ask for the peer's address.
 *
 * The kernel knows a socket the sandbox bound by its backing name
 * (/.rl/t/N/INO), an abstract name of the sandbox's on the host network by
 * its prefixed form, and a client the sentry connected by the hidden name
 * it autobound (sentry/peercred.c); Linux would show the name the peer
 * bound, or an unnamed address.  So these calls are trapped when they pass
 * an address buffer (configs/app.policy: arg1 / arg4 not NULL; without one
 * they run natively) and the sentry makes them itself, on its duplicate of
 * the application's socket (the same open file description: its
 * O_NONBLOCK, its timeouts, its queue), then gives the application the
 * result and the address as socket_app_address() makes it.
 *
 * Waiting.  A blocking call waits without the sentry lock
 * (sentry_wait_unlocked), interrupted every 50 ms to look for the task's
 * signals: an interrupted accept or recv has taken nothing and is made
 * again; SO_RCVTIMEO is kept as a deadline across those restarts (each
 * attempt polls for at most what is left); MSG_WAITALL on a stream keeps
 * reading until the buffer is full, as Linux does, so the restarts do not
 * show as short reads.  Linux's order of errors: accept4's flags (EINVAL)
 * before the fd; the address length is read after the connection or
 * message was taken (a bad one loses it, EFAULT or EINVAL, as on Linux).
 * Known limit: recvmsg(2) is not trapped (its msghdr is out of the
 * filter's sight, and every program's receives would pay a round trip):
 * its msg_name still shows the kernel's names.
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The most a trapped recvfrom reads at once: more than any datagram the
 * sandbox can send (wmem_max), so a datagram is never cut short here. */
#define RECV_MAX (4u << 20)

struct receiving {
	int sock;
	int flags;                     /* accept4's, or recv's MSG_* */
	bool accept;
	struct timespec deadline;      /* SO_RCVTIMEO's, if deadline.tv_sec */
	/* results */
	int fd;                        /* accept: the new socket */
	char *buf;
	size_t cap, got;
	struct sockaddr_storage ss;
	socklen_t len;
	bool have_addr;
};

static struct timespec mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* The socket's SO_RCVTIMEO as a deadline from now (none: tv_sec 0). */
static void set_deadline(struct receiving *r)
{
	struct timeval tv = { 0 };
	socklen_t l = sizeof tv;
	memset(&r->deadline, 0, sizeof r->deadline);
	if (getsockopt(r->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &l) < 0 || (!tv.tv_sec && !tv.tv_usec))
		return;
	r->deadline = mono_now();
	r->deadline.tv_sec += tv.tv_sec;
	r->deadline.tv_nsec += tv.tv_usec * 1000L;
	if (r->deadline.tv_nsec >= 1000000000L) {
		r->deadline.tv_sec++;
		r->deadline.tv_nsec -= 1000000000L;
	}
}

/* With a deadline: waits until the socket is readable, EAGAIN when it
 * passes (what the kernel's SO_RCVTIMEO gives), EINTR from the timer. */
static int wait_readable(struct receiving *r)
{
	if (!r->deadline.tv_sec)
		return 0;
	struct timespec now = mono_now();
	long long ms = (long long)(r->deadline.tv_sec - now.tv_sec) * 1000 +
		       (r->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return -EAGAIN;
	struct pollfd p = { .fd = r->sock, .events = POLLIN };
	int n = poll(&p, 1, (int)(ms > 60000 ? 60000 : ms));
	if (n < 0)
		return -errno;
	return n == 0 ? (ms > 60000 ? -EINTR : -EAGAIN) : 0;
}

/* One attempt; -EINTR makes sentry_wait_unlocked's caller try again. */
static int receive_step(void *arg)
{
	struct receiving *r = arg;
	int rc = wait_readable(r);
	if (rc < 0)
		return rc;
	if (r->accept) {
		r->len = sizeof r->ss;
		int fd = accept4(r->sock, (struct sockaddr *)&r->ss, &r->len, r->flags | SOCK_CLOEXEC);
		if (fd < 0)
			return -errno;
		r->fd = fd;
		return 0;
	}
	for (;;) {
		socklen_t len = sizeof r->ss;
		ssize_t n = recvfrom(r->sock, r->buf + r->got, r->cap - r->got, r->flags,
				     r->have_addr ? NULL : (struct sockaddr *)&r->ss, r->have_addr ? NULL : &len);
		if (n < 0)
			return -errno;   /* EINTR: made again, what it has kept (MSG_WAITALL) */
		if (!r->have_addr) {
			r->len = len;
			r->have_addr = true;
		}
		/* MSG_TRUNC: a datagram's whole length, more than was read */
		r->got += (size_t)n;
		/* (MSG_PEEK|MSG_WAITALL: one call, which the kernel makes wait
		 * for it all; reading on would peek the same bytes again) */
		if (!(r->flags & MSG_WAITALL) || (r->flags & MSG_PEEK) || n == 0 || r->got >= r->cap)
			return 0;
		int type = 0;
		socklen_t tl = sizeof type;
		if (getsockopt(r->sock, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM)
			return 0;
	}
}

/* Makes the call, waiting without the lock unless it may not block. */
static int receive(struct sentry *s, struct platform_syscall *sc, struct receiving *r, bool nonblock)
{
	int fl = fcntl(r->sock, F_GETFL);
	if (nonblock || (fl >= 0 && (fl & O_NONBLOCK))) {
		memset(&r->deadline, 0, sizeof r->deadline);
		return receive_step(r);
	}
	set_deadline(r);
	int rc;
	do
		rc = sentry_wait_unlocked(s, sc, 50, receive_step, r);
	while (rc == -EINTR);
	/* a signal (or an error) after part of a MSG_WAITALL read: Linux
	 * returns what was read */
	if (rc < 0 && rc != -ENOENT && !r->accept && r->got)
		rc = 0;
	return rc;
}

/* move_addr_to_user(): the length the task gave (EFAULT, EINVAL when
 * negative), the address cut to it, the whole length written back. */
static int give_address(struct sentry *s, struct platform_syscall *sc, uint64_t addr, uint64_t lenp,
			struct sockaddr_storage *ss, socklen_t len)
{
	int32_t cap;
	int rc = platform_read(s->plat, sc, &cap, lenp, sizeof cap);
	if (rc < 0)
		return rc;
	if (cap < 0)
		return -EINVAL;
	if (len > sizeof *ss)
		len = sizeof *ss;
	size_t n = len < (socklen_t)cap ? len : (size_t)cap;
	if (n && (rc = platform_write(s->plat, sc, addr, ss, n)) < 0)
		return rc;
	int32_t full = (int32_t)len;
	return platform_write(s->plat, sc, lenp, &full, sizeof full);
}

static int64_t do_accept(struct sentry *s, struct platform_syscall *sc, int flags)
{
	if (sc->args[1] == 0)
		return socket_native(s, sc);   /* no address asked for (the trace's trap) */
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : socket_native(s, sc);   /* EBADF: the kernel's */
	struct receiving r = { .sock = dup, .flags = flags & SOCK_NONBLOCK, .accept = true, .fd = -1 };
	int rc = receive(s, sc, &r, false);
	close(dup);
	if (rc < 0)
		return rc;
	socket_app_address(&r.ss, &r.len);
	rc = give_address(s, sc, sc->args[1], sc->args[2], &r.ss, r.len);
	if (rc == 0)
		rc = platform_reply_fd(s->plat, sc, r.fd, (flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
	close(r.fd);   /* (on an error the connection is lost, as on Linux) */
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

int64_t sys_accept(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_accept(s, sc, 0);
}

int64_t sys_accept4(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_accept(s, sc, (int)sc->args[3]);
}

int64_t sys_recvfrom(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	if (sc->args[4] == 0)
		return socket_native(s, sc);
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : socket_native(s, sc);   /* EBADF: the kernel's */
	int flags = (int)sc->args[3];
	size_t cap = sc->args[2] < RECV_MAX ? (size_t)sc->args[2] : RECV_MAX;
	struct receiving r = { .sock = dup, .flags = flags, .cap = cap };
	r.buf = malloc(cap ? cap : 1);
	if (!r.buf) {
		close(dup);
		return -ENOMEM;
	}
	int rc = receive(s, sc, &r, flags & MSG_DONTWAIT);
	close(dup);
	if (rc == 0) {
		size_t n = r.got < cap ? r.got : cap;
		if (n && (rc = platform_write(s->plat, sc, sc->args[1], r.buf, n)) < 0)
			goto out;
		if (r.have_addr) {
			/* a stream's sender the sentry autobound: unnamed, which a
			 * receive shows as no address at all */
			if (peer_hidden(&r.ss, r.len))
				r.len = 0;
			socket_app_address(&r.ss, &r.len);
			rc = give_address(s, sc, sc->args[4], sc->args[5], &r.ss, r.len);
		}
	}
out:
	free(r.buf);
	return rc < 0 ? rc : (int64_t)r.got;
}
