/*
 * p9 client internals shared by the files that implement message-specific
 * calls (p9/client.c, p9/client_ext.c).  Not public.
 */
#ifndef RUNSC_LITE_P9_CLIENT_INTERNAL_H
#define RUNSC_LITE_P9_CLIENT_INTERNAL_H

#include "p9/p9.h"

/*
 * One round trip of request tx.  On success (0) *rx holds the reply (of
 * type tx->type + 1); its strings and data point into client memory that
 * stays valid until p9_rpc_done(c, rx).  An Rlerror is returned as -ecode
 * (and needs no p9_rpc_done); a transport failure kills the client: -EIO
 * now and for every later call.  fd_out (may be NULL) receives the FD
 * donated with an Rlopen/Rlcreate/Rwalkopen, or -1.
 */
int  p9_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out);
void p9_rpc_done(struct p9_client *c, struct p9_fcall *rx);
/* p9_rpc for requests whose reply has no body worth reading. */
int  p9_rpc_noreply(struct p9_client *c, struct p9_fcall *tx);
/* A transport-level surprise in a reply: marks the client dead, -EIO. */
int  p9_client_fail(struct p9_client *c);
/* Whether the runsc-lite extensions were negotiated. */
bool p9_client_ext(const struct p9_client *c);

#endif
