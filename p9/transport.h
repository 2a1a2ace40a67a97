/*
 * p9 internal: the SOCK_SEQPACKET transport shared by client.c and server.c.
 * One 9P message per packet; FDs ride in SCM_RIGHTS on the same packet.
 * Not part of the public API (see p9/p9.h).
 */
#ifndef RUNSC_LITE_P9_TRANSPORT_H
#define RUNSC_LITE_P9_TRANSPORT_H

#include <stddef.h>

/* Most FDs accepted on one packet; more is reported as P9_RECV_CTRUNC. */
#define P9_RECV_MAXFDS 4

#define P9_RECV_TRUNC  1 /* the packet was larger than the buffer */
#define P9_RECV_CTRUNC 2 /* some FDs were lost (and the others are closed) */

/* Sends buf[0..len) as one packet, with fd in SCM_RIGHTS when fd >= 0.
 * Never raises SIGPIPE; retries EINTR. 0 or -errno. */
int p9_send_packet(int sock, const void *buf, size_t len, int fd);

/* Receives one packet into buf. Returns its length (> 0), 0 when the peer
 * closed the connection (or sent an empty packet), or -errno. Received FDs
 * (O_CLOEXEC) are stored in fds[0..*nfds); *flags gets P9_RECV_* bits. When
 * P9_RECV_CTRUNC is set, *nfds is 0 and every received FD is closed. */
int p9_recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds, int *flags);
/* p9_recv_packet without waiting: -EAGAIN when no packet is queued. */
int p9_try_recv_packet(int sock, void *buf, size_t cap, int fds[P9_RECV_MAXFDS], int *nfds, int *flags);

/* Closes fds[0..n). */
void p9_close_fds(const int *fds, int n);

#endif
