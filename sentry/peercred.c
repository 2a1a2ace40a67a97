/*
 * SO_PEERCRED and SO_PEERPIDFD of the unix connections the sentry makes for
 * the application (docs/ARCHITECTURE.md, "Unix sockets bound in the
 * sandbox").
 *
 * The kernel records a stream connection's credentials from the task that
 * calls connect(2) (and a listener's from the one that calls listen(2)):
 * for a socket bound in the sandbox that is the sentry, which connects its
 * duplicate of the application's socket, so the server would see the
 * sentry (pid 0 in the sandbox's pid namespace, the sentry's ids) instead
 * of its client.  So the sentry keeps, for each connection it makes, the
 * credentials of the task it made it for, and getsockopt(SOL_SOCKET,
 * SO_PEERCRED / SO_PEERPIDFD) is trapped (configs/app.policy: only those
 * two options) and answered from that record whenever the kernel's answer
 * names the sentry.  Every other getsockopt runs natively.
 *
 * Which record.  The accepted socket only knows its peer, the client
 * socket, and the one thing of the client it can tell, even after the
 * client is closed, is the client's address (getpeername).  So the record
 * is keyed by the address the kernel knows the connecting socket by: a
 * backing name or an abstract name it was bound to, or -- for the usual
 * unbound client -- a name the sentry gives it just before the connect
 * (autobind, as Linux itself does for a socket with SO_PASSCRED).  That
 * name is the sentry's, never the program's: getsockname, getpeername,
 * accept and recvfrom show such a socket unnamed, as it is on Linux
 * (peer_hidden).  Records are written before the connect, so a server
 * that asks at once finds them; the socket may be dup'ed or passed to
 * another process and the answer stays the connector's, as on Linux.
 * Known limits: a record outlives its socket (the PEER_RECORDS latest are
 * kept), so if a name the sentry autobound is freed and autobound again
 * (one in 2^20 abstract names, picked by the kernel) while a server still
 * holds the old connection, that server sees the newer connector; a
 * client that was autobound by the sentry cannot bind(2) afterwards
 * (EINVAL: it has an address); SO_PEERPIDFD of a connector that has exited
 * is ESRCH.
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define PEER_RECORDS 4096
#define KEY_MAX sizeof ((struct sockaddr_un *)0)->sun_path

struct peer_record {
	char key[KEY_MAX];            /* the kernel's sun_path bytes (abstract: leading NUL) */
	size_t keylen;
	bool hidden;                  /* a name the sentry autobound: the program's socket is unnamed */
	bool has_cred;
	pid_t apid;                   /* the connector's process, in the sandbox's pid namespace */
	pid_t spid;                   /* the same, in the sentry's */
	unsigned long long start;     /* its start time (/proc stat), against pid reuse */
	uid_t uid;
	gid_t gid;
};
static struct peer_record *records;
static size_t rec_next, rec_count;

/* The sun_path bytes of a unix address of the kernel's, or 0 (unnamed,
 * not AF_UNIX).  Linux's lengths: a path counts its NUL, or not. */
static size_t key_of(const struct sockaddr_un *sa, socklen_t len, const char **key)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (sa->sun_family != AF_UNIX || len <= off || len > sizeof *sa)
		return 0;
	size_t n = len - off;
	if (sa->sun_path[0] != 0)
		n = strnlen(sa->sun_path, n);   /* a path: up to its NUL */
	*key = sa->sun_path;
	return n;
}

static struct peer_record *find(const char *key, size_t n)
{
	if (!records || n == 0)
		return NULL;
	/* newest first: a name used again is the later socket's */
	for (size_t i = 0; i < rec_count; i++) {
		struct peer_record *r = &records[(rec_next + PEER_RECORDS - 1 - i) % PEER_RECORDS];
		if (r->keylen == n && memcmp(r->key, key, n) == 0)
			return r;
	}
	return NULL;
}

static struct peer_record *find_addr(const struct sockaddr_storage *ss, socklen_t len)
{
	const char *key;
	size_t n = key_of((const struct sockaddr_un *)ss, len, &key);
	return n ? find(key, n) : NULL;
}

/* The record of key, a new one (the oldest forgotten) if there is none. */
static struct peer_record *record(const char *key, size_t n)
{
	struct peer_record *r = find(key, n);
	if (r)
		return r;
	if (!records && !(records = calloc(PEER_RECORDS, sizeof *records)))
		return NULL;
	r = &records[rec_next];
	rec_next = (rec_next + 1) % PEER_RECORDS;
	if (rec_count < PEER_RECORDS)
		rec_count++;
	memset(r, 0, sizeof *r);
	memcpy(r->key, key, n);
	r->keylen = n;
	return r;
}

/* Field 22 of /proc/TID/stat, the start time: 0 when unknown. */
static unsigned long long start_time(struct sentry *s, pid_t tid)
{
	char buf[1024];
	if (task_read_proc(s, tid, "stat", buf, sizeof buf) < 0)
		return 0;
	const char *p = strrchr(buf, ')');   /* comm may hold anything but ends there */
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Fills r with the credentials of task t, as a connect by t would have
 * recorded them: its process (by the sandbox's pid namespace) and its
 * effective (here: file-system) ids -- the application cannot change its
 * ids (no CAP_SETUID), so they are one. */
static int fill_cred(struct sentry *s, struct task *t, struct peer_record *r)
{
	char buf[4096];
	if (!t || task_read_proc(s, t->tgid, "status", buf, sizeof buf) < 0)
		return -ESRCH;
	const char *p = strstr(buf, "\nNStgid:");
	long apid = 0;
	if (p) {
		char *end;
		strtol(p + 8, &end, 10);   /* the sentry's namespace first */
		apid = strtol(end, NULL, 10);
	}
	if (apid <= 0)
		return -ESRCH;
	r->apid = (pid_t)apid;
	r->spid = t->tgid;
	r->start = start_time(s, t->tgid);
	r->uid = t->cred.fsuid;
	r->gid = t->cred.fsgid;
	r->has_cred = true;
	return 0;
}

int peer_before_connect(struct sentry *s, struct platform_syscall *sc, struct task *t, int sock)
{
	int type = 0;
	socklen_t tl = sizeof type;
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return -errno;
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return 0;   /* a datagram connection has no peer credentials */
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(sock, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	const char *key;
	size_t n = key_of((struct sockaddr_un *)&ss, len, &key);
	bool autobound = false;
	if (n == 0) {
		/* unnamed: a name of the kernel's choosing (autobind), which
		 * the program never sees */
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		if (bind(sock, (struct sockaddr *)&un, sizeof(sa_family_t)) < 0 && errno != EINVAL)
			return -errno;
		len = sizeof ss;
		if (getsockname(sock, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
		n = key_of((struct sockaddr_un *)&ss, len, &key);
		if (n == 0)
			return 0;   /* (EINVAL above: bound meanwhile by another thread) */
		autobound = true;
	}
	struct peer_record *r = record(key, n);
	if (!r)
		return -ENOMEM;
	if (autobound)
		r->hidden = true;
	(void)sc;
	return fill_cred(s, t, r);
}

void peer_note_listen(struct sentry *s, struct task *t, int sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const char *key;
	size_t n = getsockname(sock, (struct sockaddr *)&ss, &len) == 0
			   ? key_of((struct sockaddr_un *)&ss, len, &key) : 0;
	struct peer_record *r = n ? record(key, n) : NULL;
	if (r)
		fill_cred(s, t, r);
}

bool peer_hidden(const void *addr, socklen_t len)
{
	const struct peer_record *r = find_addr(addr, len);
	return r && r->hidden;
}

/*
 * getsockopt(fd, SOL_SOCKET, SO_PEERCRED or SO_PEERPIDFD): the kernel's
 * answer, unless it names the sentry (a connection or listener the sentry
 * made) and the sentry has the record of whom for.  Linux's order and
 * lengths: optlen read first (EFAULT, EINVAL when negative), the value
 * truncated to it, the length written back.
 */
int64_t sys_getsockopt(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int optname = (int)sc->args[2];
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : socket_native(s, sc);   /* EBADF: the kernel's */
	struct ucred kc;
	socklen_t kl = sizeof kc;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const struct peer_record *r = NULL;
	if (getsockopt(dup, SOL_SOCKET, SO_PEERCRED, &kc, &kl) == 0 && kc.pid == getpid() &&
	    getpeername(dup, (struct sockaddr *)&ss, &len) == 0)
		r = find_addr(&ss, len);
	close(dup);
	if (!r || !r->has_cred)
		return socket_native(s, sc);
	struct peer_record rec = *r;   /* (the lock may go while the fd is installed) */
	int32_t ulen;
	int rc = platform_read(s->plat, sc, &ulen, sc->args[4], sizeof ulen);
	if (rc < 0)
		return rc;
	if (ulen < 0)
		return -EINVAL;
	if (optname == SO_PEERCRED) {
		struct ucred u = { .pid = rec.apid, .uid = rec.uid, .gid = rec.gid };
		int32_t n = ulen < (int32_t)sizeof u ? ulen : (int32_t)sizeof u;
		if (n && (rc = platform_write(s->plat, sc, sc->args[3], &u, (size_t)n)) < 0)
			return rc;
		rc = platform_write(s->plat, sc, sc->args[4], &n, sizeof n);
		return rc < 0 ? rc : 0;
	}
	/* SO_PEERPIDFD: a pidfd of the connector, if it is still the process
	 * the record names (its pid may have been reused since) */
	int32_t n = ulen < (int32_t)sizeof(int) ? ulen : (int32_t)sizeof(int);
	int probe = -1;
	if ((n && (rc = platform_write(s->plat, sc, sc->args[3], &probe, (size_t)n)) < 0) ||
	    (rc = platform_write(s->plat, sc, sc->args[4], &n, sizeof n)) < 0)
		return rc;
	int pidfd = (int)syscall(SYS_pidfd_open, rec.spid, 0);
	if (pidfd < 0)
		return -ESRCH;
	if (rec.start == 0 || start_time(s, rec.spid) != rec.start) {
		close(pidfd);
		return -ESRCH;   /* the connector is gone: its number is another's */
	}
	int appfd = platform_add_fd(s->plat, sc, pidfd, O_CLOEXEC);
	close(pidfd);
	if (appfd < 0)
		return appfd;
	if (n && (rc = platform_write(s->plat, sc, sc->args[3], &appfd, (size_t)n)) < 0)
		return rc;
	return 0;
}
