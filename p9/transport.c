/*
 * SOCK_SEQPACKET transport: one 9P message per packet, SCM_RIGHTS for FDs.
 */
#include "p9/transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int p9_send_packet(int sock, const void *buf, size_t len, int fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void p9_close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static int recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds,
		       int *flags, int msg_flags);

int p9_recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds, int *flags)
{
	return recv_packet(sock, buf, cap, fds, nfds, flags, 0);
}

int p9_try_recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds, int *flags)
{
	return recv_packet(sock, buf, cap, fds, nfds, flags, MSG_DONTWAIT);
}

static int recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds,
		       int *flags, int msg_flags)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * P9_RECV_MAXFDS)]; } ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n;

	*nfds = 0;
	*flags = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | msg_flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < P9_RECV_MAXFDS) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				*flags |= P9_RECV_CTRUNC;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		*flags |= P9_RECV_CTRUNC;
	if (*flags & P9_RECV_CTRUNC) {
		p9_close_fds(fds, *nfds);
		*nfds = 0;
	}
	if (mh.msg_flags & MSG_TRUNC)
		*flags |= P9_RECV_TRUNC;
	if (n == 0) {
		p9_close_fds(fds, *nfds);
		*nfds = 0;
	}
	return (int)n;
}
