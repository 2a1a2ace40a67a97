/*
 * gofer fid table: fid number -> host handles, per connection.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct gofer_handle *gofer_handle_new(int fd, const struct stat *st)
{
	struct gofer_handle *h = malloc(sizeof(*h));

	if (!h) {
		close(fd);
		return NULL;
	}
	h->refs = 1;
	h->fd = fd;
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	return h;
}

struct gofer_handle *gofer_handle_get(struct gofer_handle *h)
{
	if (h)
		h->refs++;
	return h;
}

void gofer_handle_put(struct gofer_handle *h)
{
	if (h && --h->refs == 0) {
		close(h->fd);
		free(h);
	}
}

bool gofer_handle_is(const struct gofer_handle *h, const struct stat *st)
{
	return h && h->dev == st->st_dev && h->ino == st->st_ino;
}

static size_t bucket(uint32_t num)
{
	return (num * 2654435761u) % GOFER_FID_BUCKETS;
}

struct gofer_fid *gofer_fid_lookup(struct gofer_conn *c, uint32_t num)
{
	for (struct gofer_fid *f = c->fids[bucket(num)]; f; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

int gofer_fid_create(struct gofer_conn *c, uint32_t num, struct gofer_fid **out)
{
	struct gofer_fid *f;
	size_t b = bucket(num);

	if (num == P9_NOFID)
		return -EINVAL;
	if (gofer_fid_lookup(c, num))
		return -EEXIST;
	if (c->nfids >= GOFER_MAX_FIDS)
		return -ENFILE;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->num = num;
	f->open_fd = -1;
	f->lock_fd = -1;
	f->open_acc = O_RDONLY;
	f->next = c->fids[b];
	c->fids[b] = f;
	c->nfids++;
	*out = f;
	return 0;
}

void gofer_fid_release(struct gofer_conn *c, struct gofer_fid *f)
{
	if (f->open_fd >= 0)
		close(f->open_fd);
	if (f->lock_fd >= 0)
		close(f->lock_fd); /* also drops the fid's OFD locks */
	if (f->xattr) {
		gofer_xattr_free(f->xattr);
		c->nxattrs--;
	}
	f->xattr = NULL;
	f->open_fd = f->lock_fd = -1;
	f->open_acc = O_RDONLY;
	f->opened = false;
	gofer_handle_put(f->node);
	gofer_handle_put(f->parent);
	f->node = f->parent = NULL;
}

int gofer_fid_destroy(struct gofer_conn *c, uint32_t num)
{
	for (struct gofer_fid **pp = &c->fids[bucket(num)]; *pp; pp = &(*pp)->next) {
		struct gofer_fid *f = *pp;

		if (f->num == num) {
			*pp = f->next;
			gofer_fid_release(c, f);
			free(f);
			c->nfids--;
			return 0;
		}
	}
	return -EBADF;
}

void gofer_fids_clear(struct gofer_conn *c)
{
	for (size_t b = 0; b < GOFER_FID_BUCKETS; b++) {
		while (c->fids[b]) {
			struct gofer_fid *f = c->fids[b];

			c->fids[b] = f->next;
			gofer_fid_release(c, f);
			free(f);
		}
	}
	c->nfids = 0;
}

void gofer_fids_foreach(struct gofer_conn *c, void (*fn)(struct gofer_fid *f, void *arg), void *arg)
{
	for (size_t b = 0; b < GOFER_FID_BUCKETS; b++)
		for (struct gofer_fid *f = c->fids[b]; f; f = f->next)
			fn(f, arg);
}
