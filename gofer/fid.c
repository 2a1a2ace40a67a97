/*
 * gofer fid table: fid number -> host handles, per connection, and the
 * holds that keep concurrent requests apart (ownership rules: internal.h).
 */
#include "gofer/internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gofer_move {
	struct gofer_handle *parent;
	char name[GOFER_NAME_MAX + 1];
};

struct gofer_handle *gofer_handle_new(int fd, const struct stat *st)
{
	struct gofer_handle *h = malloc(sizeof(*h));

	if (!h) {
		close(fd);
		return NULL;
	}
	atomic_init(&h->refs, 1);
	h->fd = fd;
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	return h;
}

struct gofer_handle *gofer_handle_get(struct gofer_handle *h)
{
	if (h)
		atomic_fetch_add(&h->refs, 1);
	return h;
}

void gofer_handle_put(struct gofer_handle *h)
{
	if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
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

/* conn->lock held */
static struct gofer_fid *lookup_locked(struct gofer_conn *c, uint32_t num)
{
	for (struct gofer_fid *f = c->fids[bucket(num)]; f; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

struct gofer_fid *gofer_fid_lookup(struct gofer_conn *c, uint32_t num)
{
	struct gofer_fid *f;

	pthread_mutex_lock(&c->lock);
	f = lookup_locked(c, num);
	pthread_mutex_unlock(&c->lock);
	return f;
}

int gofer_fid_create(struct gofer_conn *c, uint32_t num, struct gofer_fid **out)
{
	struct gofer_fid *f;
	size_t b = bucket(num);
	int rc = 0;

	if (num == P9_NOFID)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->num = num;
	f->open_fd = -1;
	f->dir_fd = -1;
	f->lock_fd = -1;
	f->open_acc = O_RDONLY;
	pthread_mutex_lock(&c->lock);
	if (lookup_locked(c, num))
		rc = -EEXIST;
	else if (atomic_load(&c->nfids) >= GOFER_MAX_FIDS)
		rc = -ENFILE;
	if (rc == 0) {
		f->next = c->fids[b];
		c->fids[b] = f;
		atomic_fetch_add(&c->nfids, 1);
	}
	pthread_mutex_unlock(&c->lock);
	if (rc < 0) {
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

static void move_free(struct gofer_move *m)
{
	if (m) {
		gofer_handle_put(m->parent);
		free(m);
	}
}

void gofer_fid_set_node(struct gofer_conn *c, struct gofer_fid *f, const struct gofer_mount *m,
			struct gofer_handle *node, struct gofer_handle *parent, const char *name,
			mode_t type)
{
	struct gofer_handle *old_node, *old_parent;
	struct gofer_move *old_move;

	pthread_mutex_lock(&c->lock);
	old_node = f->node;
	old_parent = f->parent;
	old_move = f->move;
	f->mount = m;
	f->node = node;
	f->parent = parent;
	memmove(f->name, name, strlen(name) + 1); /* name may be f->name */
	f->type = type;
	f->move = NULL;
	pthread_mutex_unlock(&c->lock);
	if (old_node != node && f->dir_fd >= 0) {
		close(f->dir_fd);   /* it lists the node the fid named before */
		f->dir_fd = -1;
	}
	gofer_handle_put(old_node);
	gofer_handle_put(old_parent);
	move_free(old_move);
}

void gofer_fid_release(struct gofer_conn *c, struct gofer_fid *f)
{
	if (f->open_fd >= 0)
		close(f->open_fd);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	f->dir_fd = -1;
	if (f->lock_fd >= 0)
		close(f->lock_fd); /* also drops the fid's OFD locks */
	if (f->xattr) {
		gofer_xattr_free(f->xattr);
		atomic_fetch_sub(&c->nxattrs, 1);
	}
	f->xattr = NULL;
	f->open_fd = f->lock_fd = -1;
	f->open_acc = O_RDONLY;
	f->opened = false;
	f->unnamed = f->linkable = false;
	gofer_fid_set_node(c, f, f->mount, NULL, NULL, "", 0);
}

/* conn->lock held: takes num out of the table; NULL if unknown. */
static struct gofer_fid *unlink_locked(struct gofer_conn *c, uint32_t num)
{
	for (struct gofer_fid **pp = &c->fids[bucket(num)]; *pp; pp = &(*pp)->next) {
		struct gofer_fid *f = *pp;

		if (f->num == num) {
			*pp = f->next;
			atomic_fetch_sub(&c->nfids, 1);
			return f;
		}
	}
	return NULL;
}

int gofer_fid_destroy(struct gofer_conn *c, uint32_t num)
{
	struct gofer_fid *f;

	pthread_mutex_lock(&c->lock);
	f = unlink_locked(c, num);
	pthread_mutex_unlock(&c->lock);
	if (!f)
		return -EBADF;
	gofer_fid_release(c, f); /* out of the table: no rename reaches it */
	free(f);
	return 0;
}

void gofer_fids_clear(struct gofer_conn *c)
{
	struct gofer_fid *gone = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t b = 0; b < GOFER_FID_BUCKETS; b++) {
		while (c->fids[b]) {
			struct gofer_fid *f = c->fids[b];

			c->fids[b] = f->next;
			f->next = gone;
			gone = f;
		}
	}
	atomic_store(&c->nfids, 0);
	pthread_mutex_unlock(&c->lock);
	while (gone) {
		struct gofer_fid *f = gone;

		gone = f->next;
		gofer_fid_release(c, f);
		free(f);
	}
}

void gofer_fids_foreach(struct gofer_conn *c, void (*fn)(struct gofer_fid *f, void *arg), void *arg)
{
	pthread_mutex_lock(&c->lock);
	for (size_t b = 0; b < GOFER_FID_BUCKETS; b++)
		for (struct gofer_fid *f = c->fids[b]; f; f = f->next)
			fn(f, arg);
	pthread_mutex_unlock(&c->lock);
}

/* ---- names (rule 6) -------------------------------------------------------------- */

/* One for the process: a rename is rare, a call by name frequent.  Writers
 * first, so that a stream of opens cannot hold a rename back for ever. */
static pthread_rwlock_t names_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

static __thread unsigned names_depth;   /* this thread's holds of it */

void gofer_names_hold(void)
{
	if (names_depth++ == 0)
		pthread_rwlock_rdlock(&names_lock);
}

void gofer_names_release(void)
{
	if (--names_depth == 0)
		pthread_rwlock_unlock(&names_lock);
}

void gofer_name_now(const struct gofer_fid *f, struct gofer_name *n)
{
	gofer_fid_where(f, &n->dir, &n->name);
	n->dfd = n->dir ? n->dir->fd : -1;
}

void gofer_name_begin(const struct gofer_fid *f, struct gofer_name *n)
{
	gofer_names_hold();
	/* (f is held, so no pending move of it is applied meanwhile, and
	 * renames, the only writers of a move, wait) */
	gofer_name_now(f, n);
}

void gofer_name_end(void)
{
	gofer_names_release();
}

void gofer_rename_begin(void)
{
	assert(names_depth == 0);   /* (it would wait for itself) */
	pthread_rwlock_wrlock(&names_lock);
}

void gofer_rename_end(void)
{
	pthread_rwlock_unlock(&names_lock);
}

/* ---- renames of fids in use (rule 3) ----------------------------------------- */

void gofer_fid_where(const struct gofer_fid *f, struct gofer_handle **parent, const char **name)
{
	*parent = f->move ? f->move->parent : f->parent;
	*name = f->move ? f->move->name : f->name;
}

/* conn->lock held */
static struct gofer_hold *hold_find(struct gofer_conn *c, uint32_t num)
{
	for (size_t i = 0; i < GOFER_MAX_HOLDS; i++) {
		struct gofer_hold *h = &c->holds[i];

		if ((h->shared || h->excl) && h->num == num)
			return h;
	}
	return NULL;
}

/* conn->lock held: f is named `name` in newdir from now on. */
static void rename_now(struct gofer_fid *f, struct gofer_handle *newdir, const char *name)
{
	struct gofer_handle *old = f->parent;

	f->parent = gofer_handle_get(newdir);
	memmove(f->name, name, strlen(name) + 1);
	gofer_handle_put(old); /* f's parent: never its last reference while f is in use */
}

void gofer_fid_move(struct gofer_conn *c, struct gofer_fid *f, struct gofer_handle *newdir,
		    const char *name)
{
	struct gofer_move *m;

	if (!hold_find(c, f->num)) {
		rename_now(f, newdir, name);
		return;
	}
	m = f->move ? f->move : calloc(1, sizeof(*m));
	if (!m)
		return; /* f keeps its old name: its next request gets ESTALE */
	gofer_handle_put(m->parent);
	m->parent = gofer_handle_get(newdir);
	memmove(m->name, name, strlen(name) + 1);
	f->move = m;
}

/* conn->lock held: nobody holds num any more: a pending move takes effect. */
static void apply_move(struct gofer_conn *c, uint32_t num)
{
	struct gofer_fid *f = lookup_locked(c, num);

	if (!f || !f->move)
		return;
	rename_now(f, f->move->parent, f->move->name);
	move_free(f->move);
	f->move = NULL;
}

/* ---- holds (rule 1) ------------------------------------------------------------ */

/* The fields of requests that only READ the fid they name; every other fid
 * a request names is held exclusively.  A new message is thus safe by
 * default, merely served alone on its fids until listed here.  (Tlink's
 * fid is not: linking an unnamed file gives that fid its name.) */
static const struct { uint8_t type; const char *field; } shared_fids[] = {
	{ P9_TWALK, "fid" },            { P9_TWALKGETATTR, "fid" },
	{ P9_TWALKOPEN, "fid" },        { P9_TMULTIGETATTR, "fid" },
	{ P9_TXATTRWALK, "fid" },       { P9_TGETATTR, "fid" },
	{ P9_TSTATFS, "fid" },          { P9_TREADLINK, "fid" },
	{ P9_TREAD, "fid" },            { P9_TFSYNC, "fid" },
	{ P9_TSETATTR, "fid" },         { P9_TALLOCATE, "fid" },
	{ P9_TLCONNECT, "fid" },        { P9_TMKDIR, "dfid" },
	{ P9_TSYMLINK, "fid" },         { P9_TMKNOD, "dfid" },
	{ P9_TUMKDIR, "base.dfid" },    { P9_TUMKNOD, "base.dfid" },
	{ P9_TUSYMLINK, "base.fid" },   { P9_TUNLINKAT, "dirfid" },
	{ P9_TLINK, "dfid" },           { P9_TTMPFILE, "dfid" },
	{ P9_TRENAME, "fid" },          { P9_TRENAME, "dfid" },
	{ P9_TRENAMEAT, "olddirfid" },  { P9_TRENAMEAT, "newdirfid" },
	{ P9_TINOTIFY, "fid" },          { P9_TBIND, "dfid" },
};

#define MAX_USES 8

struct fid_use {
	uint32_t num;
	bool excl;
};

static bool reads_only(uint8_t type, const char *field)
{
	for (size_t i = 0; i < sizeof(shared_fids) / sizeof(shared_fids[0]); i++)
		if (shared_fids[i].type == type && strcmp(shared_fids[i].field, field) == 0)
			return true;
	return false;
}

static bool is_fid_field(char code, const char *name)
{
	size_t len = strlen(name);

	return code == 'd' && len >= 3 && strcmp(name + len - 3, "fid") == 0;
}

/* The fid numbers t names, from the message table, each once (exclusive if
 * any field naming it is); P9_NOFID is no fid.  Count, or -EINVAL. */
static int request_uses(const struct p9_fcall *t, struct fid_use use[MAX_USES])
{
	const struct p9_msgdesc *d = p9_msg_desc(t->type);
	int n = 0;

	for (size_t i = 0; d && d->fmt[i]; i++) {
		const struct p9_field *fl = &d->field[i];
		bool excl = !reads_only(t->type, fl->name);
		uint32_t num;
		int k;

		if (!is_fid_field(d->fmt[i], fl->name))
			continue;
		memcpy(&num, (const char *)t + fl->off, sizeof(num));
		if (num == P9_NOFID)
			continue;
		for (k = 0; k < n && use[k].num != num; k++)
			;
		if (k == n) {
			if (n == MAX_USES)
				return -EINVAL; /* no such message: the table grew */
			use[n++] = (struct fid_use){ num, excl };
		}
		use[k].excl |= excl;
	}
	return n;
}

/* conn->lock held: whether every use can be taken now. */
static bool uses_free(struct gofer_conn *c, const struct fid_use *use, int n)
{
	size_t free_holds = 0;
	int needed = 0;

	for (size_t i = 0; i < GOFER_MAX_HOLDS; i++)
		free_holds += !c->holds[i].shared && !c->holds[i].excl;
	for (int k = 0; k < n; k++) {
		const struct gofer_hold *h = hold_find(c, use[k].num);
		const struct gofer_fid *f = lookup_locked(c, use[k].num);

		if (h && (use[k].excl || h->excl))
			return false;
		if (f && f->move)
			return false; /* a rename waits for the holders to leave */
		needed += !h;
	}
	return (size_t)needed <= free_holds;
}

static void hold_take(struct gofer_conn *c, const struct fid_use *u)
{
	struct gofer_hold *h = hold_find(c, u->num);

	for (size_t i = 0; !h && i < GOFER_MAX_HOLDS; i++)
		if (!c->holds[i].shared && !c->holds[i].excl)
			h = &c->holds[i];
	h->num = u->num;
	if (u->excl)
		h->excl = true;
	else
		h->shared++;
}

int gofer_request_begin(void *arg, const struct p9_fcall *t)
{
	struct gofer_conn *c = arg;
	struct fid_use use[MAX_USES];
	int n = request_uses(t, use);

	if (n <= 0)
		return n;
	pthread_mutex_lock(&c->lock);
	while (!uses_free(c, use, n))
		pthread_cond_wait(&c->released, &c->lock);
	for (int k = 0; k < n; k++)
		hold_take(c, &use[k]);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void gofer_request_end(void *arg, const struct p9_fcall *t)
{
	struct gofer_conn *c = arg;
	struct fid_use use[MAX_USES];
	int n = request_uses(t, use);

	if (n <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	for (int k = 0; k < n; k++) {
		struct gofer_hold *h = hold_find(c, use[k].num);

		if (use[k].excl)
			h->excl = false;
		else
			h->shared--;
		if (!h->shared && !h->excl)
			apply_move(c, use[k].num);
	}
	pthread_cond_broadcast(&c->released);
	pthread_mutex_unlock(&c->lock);
}
