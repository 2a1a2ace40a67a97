/*
 * p9 client internals shared by the files that implement message-specific
 * calls (p9/client.c, p9/client_ext.c).  Not public.
 */
#ifndef RUNSC_LITE_P9_CLIENT_INTERNAL_H
#define RUNSC_LITE_P9_CLIENT_INTERNAL_H

#include "p9/p9.h"

/*
 * One round trip of request tx (tx->tag is assigned).  On success (0) *rx
 * holds the reply (of type tx->type + 1); its strings and data point into
 * memory of this request alone, valid until p9_rpc_done(c, rx) — other
 * threads' round trips go on meanwhile.  An Rlerror is returned as -ecode
 * (and needs no p9_rpc_done); a transport failure kills the client: -EIO
 * now and for every later call; -EINTR when the request was abandoned
 * (p9_rpc_cancel, p9_client_interrupt) while waiting for its reply.  fd_out
 * (may be NULL) receives the FD donated with the reply (Rlopen, Rlcreate,
 * Rwalkopen, Rlconnect, Rucreate), or -1: it belongs to this request alone.
 * Several threads may call it at once; at most P9_CLIENT_MAX_REQUESTS are
 * in flight, the others wait for their turn.
 */
int  p9_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out);
void p9_rpc_done(struct p9_client *c, struct p9_fcall *rx);
/* p9_rpc whose request carries fd (SCM_RIGHTS; the caller keeps its own
 * copy) and whose reply carries none (Tinotify). */
int  p9_rpc_with_fd(struct p9_client *c, struct p9_fcall *tx, int fd, struct p9_fcall *rx);
/* p9_rpc for requests whose reply has no body worth reading. */
int  p9_rpc_noreply(struct p9_client *c, struct p9_fcall *tx);

/*
 * p9_rpc in two halves, for a caller that may abandon the request:
 * p9_rpc_send() sends tx (0, or p9_rpc's errors) and tx->tag then names the
 * request in flight; then exactly one of p9_rpc_wait(c, tx, ...), which
 * ends as p9_rpc does, or p9_rpc_cancel(c, tx).
 */
int  p9_rpc_send(struct p9_client *c, struct p9_fcall *tx);
int  p9_rpc_wait(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out);
/*
 * Abandons request tx (between p9_rpc_send and the end of its
 * p9_rpc_wait; any thread may call it, also while the owner waits, whose
 * p9_rpc_wait then returns -EINTR at once).  Sends Tflush(tx->tag) and
 * returns without waiting: the tag stays taken until the Rflush arrives, a
 * reply to tx that arrives before it is dropped and its FD closed (9P's
 * flush rules; the client core absorbs both packets).  Whether tx took
 * effect on the server is unknown: with the runsc-lite gofer it always
 * completes (PROTOCOL.md section 3), so a fid that tx creates may exist.
 * Returns 1 when tx was abandoned, 0 when its reply had arrived already
 * (p9_rpc_wait then returns it as usual) or tx is not in flight.
 */
int  p9_rpc_cancel(struct p9_client *c, const struct p9_fcall *tx);
/* A transport-level surprise in a reply: marks the client dead, -EIO. */
int  p9_client_fail(struct p9_client *c);
/* Whether the runsc-lite extensions were negotiated. */
bool p9_client_ext(const struct p9_client *c);

#endif
