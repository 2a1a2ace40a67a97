/*
 * The sandbox's network (docs/ARCHITECTURE.md, "Networking").
 *
 *  - none: the application has a network namespace of its own with only
 *    lo, up (net_setup_app, in the first task before it drops its
 *    capabilities): the host's listeners and abstract unix sockets are in
 *    another namespace;
 *  - user: the same, and the CLI connects a slirp4netns to it;
 *  - join (OCI linux.namespaces network path): the namespace the engine
 *    made, which the sentry enters before it makes the first task
 *    (net_join_namespace), so the application shares it;
 *  - host: the host's namespace; sockets are native, except abstract unix
 *    addresses, which belong to the network namespace and would reach the
 *    host's session buses and X servers: bind and connect of a unix socket
 *    to one are made by the sentry, under a prefix of this sandbox's own
 *    ("\0rl-ID/NAME"), so the sandbox reaches only the abstract sockets it
 *    bound itself, and getsockname/getpeername take the prefix off again;
 *  - --allow-net: connect to an internet address outside the rules fails
 *    with ECONNREFUSED.
 * In host mode and with --allow-net, the sentry makes every bind/connect
 * that names no path itself, on its duplicate of the application's socket
 * (one open file description), with the address it copied once and
 * checked: letting the kernel run it instead would read the address again,
 * after another thread of the application may have rewritten it.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"
#include "spec.pb-c.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NET_RULES_MAX 256

static struct rule {
	int family;
	uint8_t addr[16];
	unsigned prefix, port_lo, port_hi;
} rules[NET_RULES_MAX];
static size_t nrules;
static bool host_mode, filtering, joining;
/* "rl-" and 8 hex digits and "/": this sandbox's part of the host's
 * abstract namespace */
#define PREFIX_LEN 12
static char prefix[PREFIX_LEN + 1];

int net_init(const RunscLite__SandboxSpec *spec)
{
	const char *mode = spec->network && spec->network[0] ? spec->network : "none";
	if (strcmp(mode, "none") && strcmp(mode, "host") && strcmp(mode, "user") && strcmp(mode, "join"))
		return -EINVAL;
	host_mode = strcmp(mode, "host") == 0;
	joining = strcmp(mode, "join") == 0;
	filtering = spec->net_filter;
	if (spec->n_allow_net > NET_RULES_MAX)
		return -E2BIG;
	for (size_t i = 0; i < spec->n_allow_net; i++) {
		const RunscLite__NetRule *r = spec->allow_net[i];
		struct rule *o = &rules[i];
		if (r->addr.len != 4 && r->addr.len != 16)
			return -EINVAL;
		o->family = r->addr.len == 4 ? AF_INET : AF_INET6;
		memcpy(o->addr, r->addr.data, r->addr.len);
		if (r->prefix > r->addr.len * 8 || r->port_lo > r->port_hi || r->port_hi > 65535)
			return -EINVAL;
		o->prefix = r->prefix;
		o->port_lo = r->port_lo;
		o->port_hi = r->port_hi;
	}
	nrules = spec->n_allow_net;
	uint32_t id;
	if (getrandom(&id, sizeof id, 0) != sizeof id)
		return -EIO;
	snprintf(prefix, sizeof prefix, "rl-%08x/", id);
	return 0;
}

bool net_own_namespace(void) { return !host_mode && !joining; }

int net_join_namespace(int fd)
{
	if (!joining)
		return 0;
	if (fd < 0)
		return -EBADF;
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int net_setup_app(void)
{
	if (!net_own_namespace())
		return 0;   /* the host's or the engine's: configured already */
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
	}
	rc = rc < 0 ? -errno : 0;
	close(sock);
	return rc;
}

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff00 >> rest) & 0xff) == 0;
}

/* May the sandbox reach this internet address?  An IPv4-mapped IPv6
 * address counts as the IPv4 address it is. */
bool net_allows(const struct sockaddr_storage *sa)
{
	const uint8_t *addr;
	int family = sa->ss_family;
	unsigned port;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		addr = (const uint8_t *)&in->sin_addr;
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		addr = in6->sin6_addr.s6_addr;
		port = ntohs(in6->sin6_port);
		if (memcmp(addr, mapped, sizeof mapped) == 0) {
			addr += 12;
			family = AF_INET;
		}
	}
	for (size_t i = 0; i < nrules; i++)
		if (rules[i].family == family && port >= rules[i].port_lo && port <= rules[i].port_hi &&
		    prefix_matches(rules[i].addr, addr, rules[i].prefix))
			return true;
	return false;
}

/* --allow-net refused sa: logged, and a denied event for the trace. */
static void refused(struct sentry *s, struct platform_syscall *sc, const struct sockaddr_storage *sa)
{
	char addr[INET6_ADDRSTRLEN] = "?", rule[96];
	unsigned port;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof addr);
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof addr);
		port = ntohs(in6->sin6_port);
	}
	snprintf(rule, sizeof rule, "--allow-net: %s%s%s:%u is not allowed", sa->ss_family == AF_INET6 ? "[" : "",
		 addr, sa->ss_family == AF_INET6 ? "]" : "", port);
	debugf("[%d] %s", (int)sc->tid, rule);
	trace_net_denied(s, sc, rule);
}

/* The task's address (sc->args[1], length args[2]), copied once: its
 * length, 0 when it is not one the sentry must look at, or -errno. */
static int read_address(struct sentry *s, struct platform_syscall *sc, struct sockaddr_storage *sa)
{
	uint64_t len = sc->args[2];
	memset(sa, 0, sizeof *sa);
	if (len < sizeof(sa_family_t) || len > sizeof *sa)
		return 0;   /* the kernel's EINVAL, or nothing to read */
	int rc = platform_read(s->plat, sc, sa, sc->args[1], len);
	return rc < 0 ? rc : (int)len;
}

/* An abstract unix address made this sandbox's: "\0NAME" -> "\0rl-ID/NAME". */
static int prefixed(struct sockaddr_un *sun, socklen_t *len)
{
	size_t name_len = *len - offsetof(struct sockaddr_un, sun_path) - 1;
	if (1 + PREFIX_LEN + name_len > sizeof sun->sun_path)
		return -EINVAL;   /* no room left for the name beside the prefix */
	memmove(sun->sun_path + 1 + PREFIX_LEN, sun->sun_path + 1, name_len);
	memcpy(sun->sun_path + 1, prefix, PREFIX_LEN);
	*len += PREFIX_LEN;
	return 0;
}

bool net_unprefix(void *addr, uint32_t *len)
{
	struct sockaddr_un *sun = addr;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (!host_mode || sun->sun_family != AF_UNIX || *len < off + 1 + PREFIX_LEN ||
	    sun->sun_path[0] != 0 || memcmp(sun->sun_path + 1, prefix, PREFIX_LEN) != 0)
		return false;
	size_t rest = *len - off - 1 - PREFIX_LEN;
	memmove(sun->sun_path + 1, sun->sun_path + 1 + PREFIX_LEN, rest);
	memset(sun->sun_path + 1 + rest, 0, PREFIX_LEN);
	*len -= PREFIX_LEN;
	return true;
}

/* Must the sentry make binds and connects itself, and see the sends? */
bool net_mediated(void) { return host_mode || filtering; }
static bool mediated(void) { return net_mediated(); }

struct connecting {
	int sock;
	const struct sockaddr *sa;
	socklen_t len;
	bool unix_family;
	bool started;
};

/*
 * A blocking connect, made without the sentry lock (sentry_wait_unlocked
 * interrupts it every 50 ms).  An interrupted internet connect goes on in
 * the kernel: wait for it to finish, then its result; an interrupted unix
 * connect leaves the socket unconnected: make it again.
 */
static int connect_step(void *arg)
{
	struct connecting *c = arg;
	if (!c->started || c->unix_family) {
		c->started = true;
		if (connect(c->sock, c->sa, c->len) == 0)
			return 0;
		if (errno != EALREADY && errno != EINPROGRESS)
			return -errno;   /* EINTR: the timer, or a signal */
	}
	struct pollfd p = { .fd = c->sock, .events = POLLOUT };
	if (poll(&p, 1, -1) < 0)
		return -errno;
	int err = 0;
	socklen_t l = sizeof err;
	if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return -errno;
	return -err;
}

static int64_t connect_for_app(struct sentry *s, struct platform_syscall *sc, int dup,
			       const struct sockaddr_storage *sa, socklen_t len)
{
	struct connecting c = { dup, (const struct sockaddr *)sa, len, sa->ss_family == AF_UNIX, false };
	int fl = fcntl(dup, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		return connect(dup, c.sa, len) < 0 ? -errno : 0;   /* EINPROGRESS as the kernel says */
	int rc;
	do
		rc = sentry_wait_unlocked(s, sc, 50, connect_step, &c);
	while (rc == -EINTR);
	return rc;
}

/* What a mediated bind/connect starts with: the address, copied once
 * (*len 0: a length the kernel refuses), the sentry's duplicate of the
 * socket and its domain.  0, or the answer to give (*dup closed). */
static int64_t take_call(struct sentry *s, struct platform_syscall *sc, struct sockaddr_storage *sa,
			 int *len, int *dup, int *domain)
{
	*len = read_address(s, sc, sa);
	if (*len < 0)
		return *len;
	*dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (*dup < 0)
		return *dup == -ENOENT ? *dup : -EBADF;
	socklen_t dl = sizeof *domain;
	int64_t rc = 0;
	if (getsockopt(*dup, SOL_SOCKET, SO_DOMAIN, domain, &dl) < 0)
		rc = -ENOTSOCK;
	else if (*len == 0)
		rc = -EINVAL;   /* what the kernel says for such a length */
	if (rc < 0)
		close(*dup);
	return rc;
}

/* A unix socket's abstract address, on the host's network: the sandbox's own. */
static bool host_abstract(int domain, const struct sockaddr_storage *sa, int len)
{
	return host_mode && domain == AF_UNIX && sa->ss_family == AF_UNIX &&
	       len > (int)offsetof(struct sockaddr_un, sun_path) &&
	       ((const struct sockaddr_un *)sa)->sun_path[0] == 0;
}

int64_t net_connect(struct sentry *s, struct platform_syscall *sc)
{
	if (!mediated())
		return NET_NATIVE;
	struct sockaddr_storage sa;
	int len, dup, domain = 0;
	int64_t rc = take_call(s, sc, &sa, &len, &dup, &domain);
	if (rc < 0)
		return rc;
	socklen_t l = (socklen_t)len;
	if (filtering && (domain == AF_INET || domain == AF_INET6) &&
	    (sa.ss_family == AF_INET || sa.ss_family == AF_INET6) &&
	    len >= (int)(sa.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
	    !net_allows(&sa)) {
		refused(s, sc, &sa);
		rc = -ECONNREFUSED;
	} else if (host_abstract(domain, &sa, len)) {
		rc = prefixed((struct sockaddr_un *)&sa, &l);
	}
	if (rc == 0 && domain == AF_UNIX && sa.ss_family == AF_UNIX)   /* the server's SO_PEERCRED (peercred.c) */
		rc = peer_before_connect(s, sc, task_find(s, sc->tid), dup);
	if (rc == 0)
		rc = connect_for_app(s, sc, dup, &sa, l);
	close(dup);
	return rc;
}

int64_t net_bind(struct sentry *s, struct platform_syscall *sc)
{
	if (!mediated())
		return NET_NATIVE;
	struct sockaddr_storage sa;
	int len, dup, domain = 0;
	int64_t rc = take_call(s, sc, &sa, &len, &dup, &domain);
	if (rc < 0)
		return rc;
	socklen_t l = (socklen_t)len;
	if (host_abstract(domain, &sa, len))
		rc = prefixed((struct sockaddr_un *)&sa, &l);
	if (rc == 0)
		rc = bind(dup, (struct sockaddr *)&sa, l) < 0 ? -errno : 0;
	close(dup);
	return rc;
}

/* ---- sends that name a destination ------------------------------------------ */

/*
 * Trapped only when mediated (configs/appnet.policy).  The sentry makes
 * the send itself — with the data, destination and control data it copied
 * once, on its duplicate of the socket — when the destination decides
 * anything: a datagram socket (internet, under --allow-net; unix, on the
 * host network: abstract names) and TCP Fast Open.  A stream socket's
 * send goes to its peer whatever address it names: the kernel runs it.
 */
#define SEND_MAX (256 * 1024)        /* a datagram larger: EMSGSIZE */
#define CONTROL_MAX (64 * 1024)
#define IOV_MAX_APP 1024

static bool made_by_sentry(int dup, int flags)
{
	int domain = 0, type = 0;
	socklen_t l = sizeof domain;
	if (getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0)
		return false;   /* not a socket: the kernel says ENOTSOCK */
	l = sizeof type;
	getsockopt(dup, SOL_SOCKET, SO_TYPE, &type, &l);
	if (domain == AF_UNIX)
		return host_mode && type == SOCK_DGRAM;
	if (domain == AF_INET || domain == AF_INET6)
		return filtering && (type != SOCK_STREAM || (flags & MSG_FASTOPEN));
	return false;
}

/* The destination as the sentry will use it: checked, and made the
 * sandbox's own when it is an abstract unix name.  0 or -errno. */
static int check_destination(struct sentry *s, struct platform_syscall *sc, struct sockaddr_storage *sa,
			     socklen_t *len)
{
	if (*len == 0)
		return 0;   /* the connected peer, checked when connected */
	if ((sa->ss_family == AF_INET && *len >= sizeof(struct sockaddr_in)) ||
	    (sa->ss_family == AF_INET6 && *len >= sizeof(struct sockaddr_in6))) {
		if (filtering && !net_allows(sa)) {
			refused(s, sc, sa);
			return -ECONNREFUSED;
		}
		return 0;
	}
	struct sockaddr_un *sun = (struct sockaddr_un *)sa;
	if (host_mode && sa->ss_family == AF_UNIX && *len > offsetof(struct sockaddr_un, sun_path) &&
	    sun->sun_path[0] == 0)
		return prefixed(sun, len);
	return 0;
}

struct sending {
	int sock;
	struct msghdr *msg;
	int flags;
	ssize_t sent;
};

/* A blocking send without the lock: the socket's description is the
 * application's (blocking), so the sentry never lets the kernel wait in
 * it, but waits for room itself. */
static int send_step(void *arg)
{
	struct sending *w = arg;
	for (;;) {
		ssize_t n = sendmsg(w->sock, w->msg, w->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			w->sent = n;
			return 0;
		}
		if (errno != EAGAIN)
			return -errno;
		struct pollfd p = { .fd = w->sock, .events = POLLOUT };
		if (poll(&p, 1, -1) < 0)
			return -errno;
	}
}

static int64_t send_for_app(struct sentry *s, struct platform_syscall *sc, int dup,
			    struct msghdr *msg, int flags)
{
	struct sending w = { dup, msg, flags, 0 };
	int fl = fcntl(dup, F_GETFL);
	if ((fl >= 0 && (fl & O_NONBLOCK)) || (flags & MSG_DONTWAIT)) {
		ssize_t n = sendmsg(dup, msg, flags | MSG_NOSIGNAL);
		return n < 0 ? -errno : n;
	}
	int rc;
	do
		rc = sentry_wait_unlocked(s, sc, 50, send_step, &w);
	while (rc == -EINTR);
	return rc < 0 ? rc : w.sent;
}

/* The application's fds in SCM_RIGHTS replaced by the sentry's duplicates
 * (closed by the caller: dups[0..*ndups)). */
static int translate_rights(struct sentry *s, struct platform_syscall *sc, struct msghdr *m,
			    int *dups, size_t max, size_t *ndups)
{
	*ndups = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			if (*ndups == max)
				return -ETOOMANYREFS;
			int d = platform_get_fd(s->plat, sc, fds[i]);
			if (d < 0)
				return d == -ENOENT ? d : -EBADF;
			fds[i] = dups[(*ndups)++] = d;
		}
	}
	return 0;
}

/* One message of the application's (its msghdr at addr), sent by the
 * sentry. */
static int64_t send_one(struct sentry *s, struct platform_syscall *sc, int dup, uint64_t addr,
			int flags)
{
	struct msghdr am;
	int rc = platform_read(s->plat, sc, &am, addr, sizeof am);
	if (rc < 0)
		return rc;
	if (am.msg_iovlen > IOV_MAX_APP)
		return -EMSGSIZE;
	if (am.msg_namelen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (am.msg_controllen > CONTROL_MAX)
		return -ENOBUFS;
	struct sockaddr_storage sa = { 0 };
	socklen_t len = am.msg_name ? am.msg_namelen : 0;
	if (len && (rc = platform_read(s->plat, sc, &sa, (uint64_t)am.msg_name, len)) < 0)
		return rc;
	if ((rc = check_destination(s, sc, &sa, &len)) < 0)
		return rc;
	static __thread struct iovec iov[IOV_MAX_APP];
	size_t total = 0;
	if (am.msg_iovlen &&
	    (rc = platform_read(s->plat, sc, iov, (uint64_t)am.msg_iov, am.msg_iovlen * sizeof *iov)) < 0)
		return rc;
	for (size_t i = 0; i < am.msg_iovlen; i++) {
		if (iov[i].iov_len > SEND_MAX - total)
			return -EMSGSIZE;
		total += iov[i].iov_len;
	}
	char *data = malloc(total + 1), *control = am.msg_controllen ? malloc(am.msg_controllen) : NULL;
	int dups[256];
	size_t ndups = 0;
	int64_t r = !data || (am.msg_controllen && !control) ? -ENOMEM : 0;
	for (size_t i = 0, at = 0; r == 0 && i < am.msg_iovlen; at += iov[i].iov_len, i++)
		if (iov[i].iov_len)
			r = platform_read(s->plat, sc, data + at, (uint64_t)iov[i].iov_base, iov[i].iov_len);
	if (r == 0 && control)
		r = platform_read(s->plat, sc, control, (uint64_t)am.msg_control, am.msg_controllen);
	struct iovec one = { data, total };
	struct msghdr m = { len ? &sa : NULL, len, &one, 1, control, am.msg_controllen, 0 };
	if (r == 0 && control)
		r = translate_rights(s, sc, &m, dups, sizeof dups / sizeof dups[0], &ndups);
	if (r == 0)
		r = send_for_app(s, sc, dup, &m, flags);
	for (size_t i = 0; i < ndups; i++)
		close(dups[i]);
	free(data);
	free(control);
	return r;
}

int64_t net_sendto(struct sentry *s, struct platform_syscall *sc)
{
	int flags = (int)sc->args[3];
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : NET_NATIVE;   /* EBADF, ENOTSOCK: the kernel's */
	int64_t rc = NET_NATIVE;
	if (made_by_sentry(dup, flags)) {
		struct sockaddr_storage sa = { 0 };
		socklen_t len = (socklen_t)sc->args[5];
		uint64_t n = sc->args[2];
		char *data = NULL;
		if (sc->args[5] > sizeof sa)
			rc = -EINVAL;
		else if (n > SEND_MAX)
			rc = -EMSGSIZE;
		else if ((rc = platform_read(s->plat, sc, &sa, sc->args[4], len)) == 0 &&
			 (rc = check_destination(s, sc, &sa, &len)) == 0) {
			data = malloc(n + 1);
			rc = !data ? -ENOMEM : n ? platform_read(s->plat, sc, data, sc->args[1], n) : 0;
		}
		if (rc == 0) {
			struct iovec one = { data, n };
			struct msghdr m = { len ? &sa : NULL, len, &one, 1, NULL, 0, 0 };
			rc = send_for_app(s, sc, dup, &m, flags);
		}
		free(data);
	}
	close(dup);
	return rc;
}

int64_t net_sendmsg(struct sentry *s, struct platform_syscall *sc)
{
	int flags = (int)sc->args[2];
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : NET_NATIVE;
	int64_t rc = NET_NATIVE;
	if (made_by_sentry(dup, flags))
		rc = send_one(s, sc, dup, sc->args[1], flags);
	close(dup);
	return rc;
}

/* sendmmsg: each message as sendmsg, msg_len written back; the count sent,
 * or the first error when none was. */
int64_t net_sendmmsg(struct sentry *s, struct platform_syscall *sc)
{
	int flags = (int)sc->args[3];
	unsigned vlen = (unsigned)sc->args[2];
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : NET_NATIVE;
	if (!made_by_sentry(dup, flags)) {
		close(dup);
		return NET_NATIVE;
	}
	if (vlen > IOV_MAX_APP)
		vlen = IOV_MAX_APP;   /* as Linux (UIO_MAXIOV) */
	int64_t rc = 0;
	unsigned done = 0;
	for (; done < vlen; done++) {
		uint64_t at = sc->args[1] + (uint64_t)done * sizeof(struct mmsghdr);
		rc = send_one(s, sc, dup, at, flags);
		if (rc < 0)
			break;
		unsigned sent = (unsigned)rc;
		if ((rc = platform_write(s->plat, sc, at + offsetof(struct mmsghdr, msg_len), &sent, sizeof sent)) < 0)
			break;
	}
	close(dup);
	return done ? done : rc;
}
