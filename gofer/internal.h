/*
 * gofer internal: per-connection state and the fid table. Not public.
 */
#ifndef RUNSC_LITE_GOFER_INTERNAL_H
#define RUNSC_LITE_GOFER_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "gofer/gofer.h"

/* A host O_PATH FD shared by several fids (a clone, or a parent directory
 * referenced by its children). Closed when the last reference goes. */
struct gofer_handle {
	int refs;
	int fd;
};

struct gofer_fid {
	uint32_t num;
	struct gofer_fid *next;            /* hash chain */
	const struct gofer_mount *mount;
	struct gofer_handle *node;         /* O_PATH|O_NOFOLLOW FD of the file */
	struct gofer_handle *parent;       /* O_PATH FD of its directory; NULL at a mount root */
	char name[GOFER_NAME_MAX + 1];     /* entry in parent; "" at a mount root */
	mode_t type;                       /* S_IFMT when walked */
	bool opened;                       /* Tlopen done */
	int open_fd;                       /* kept open FD (directory, or file not donated); -1 */
};

#define GOFER_FID_BUCKETS 4096

struct gofer_conn {
	const struct gofer_config *cfg;
	struct gofer_fid *fids[GOFER_FID_BUCKETS];
	size_t nfids;
	bool fd_donation;                  /* of the current session */
	char linkbuf[PATH_MAX];            /* Rreadlink target until it is sent */
};

struct gofer_handle *gofer_handle_new(int fd);       /* takes fd; NULL (fd closed) on ENOMEM */
struct gofer_handle *gofer_handle_get(struct gofer_handle *h);
void gofer_handle_put(struct gofer_handle *h);

struct gofer_fid *gofer_fid_lookup(struct gofer_conn *c, uint32_t num);
/* A new, empty fid (open_fd -1). -EEXIST if num is in use, -ENFILE past
 * GOFER_MAX_FIDS, -ENOMEM. */
int gofer_fid_create(struct gofer_conn *c, uint32_t num, struct gofer_fid **out);
/* Drops the fid's handles and open FD; keeps it in the table. */
void gofer_fid_release(struct gofer_fid *f);
/* Removes num from the table and releases it; -EBADF if unknown. */
int gofer_fid_destroy(struct gofer_conn *c, uint32_t num);
void gofer_fids_clear(struct gofer_conn *c);

extern const struct p9_server_ops gofer_ops;

#endif
