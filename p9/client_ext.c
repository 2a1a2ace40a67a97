/*
 * p9 client: calls of the runsc-lite extensions that are not on the hot
 * path of every lookup and open (those live in client.c).
 */
#include "p9/client_internal.h"

#include <errno.h>
#include <sys/socket.h>

int p9_lconnect(struct p9_client *c, uint32_t fid, int type, int *sock_fd)
{
	struct p9_fcall tx = { .type = P9_TLCONNECT }, rx;
	int rc;

	*sock_fd = -1;
	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET && type != SOCK_DGRAM)
		return -EINVAL;
	tx.u.tlconnect.fid = fid;
	tx.u.tlconnect.type = (uint32_t)type;
	rc = p9_rpc(c, &tx, &rx, sock_fd);
	if (rc < 0)
		return rc;
	p9_rpc_done(c, &rx);
	if (*sock_fd < 0)
		return p9_client_fail(c);   /* an Rlconnect without its socket */
	return 0;
}

int p9_allocate(struct p9_client *c, uint32_t fid, int mode, uint64_t offset, uint64_t length)
{
	struct p9_fcall tx = { .type = P9_TALLOCATE };

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	tx.u.tallocate.fid = fid;
	tx.u.tallocate.mode = (uint32_t)mode;
	tx.u.tallocate.offset = offset;
	tx.u.tallocate.length = length;
	return p9_rpc_noreply(c, &tx);
}
