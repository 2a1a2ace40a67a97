/*
 * gofer fid table: fid number -> host handles, per connection.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct gofer_handle *gofer_handle_new(int fd)
{
	struct gofer_handle *h = malloc(sizeof(*h));

	if (!h) {
		close(fd);
		return NULL;
	}
	h->refs = 1;
	h->fd = fd;
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
	f->next = c->fids[b];
	c->fids[b] = f;
	c->nfids++;
	*out = f;
	return 0;
}

void gofer_fid_release(struct gofer_fid *f)
{
	if (f->open_fd >= 0)
		close(f->open_fd);
	f->open_fd = -1;
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
			gofer_fid_release(f);
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
			gofer_fid_release(f);
			free(f);
		}
	}
	c->nfids = 0;
}
