/*
 * The event sink of the sentry: a bounded queue of packed records and one
 * writer thread.  Why a thread and a queue: the sentry answers trapped
 * syscalls holding its lock; a write to a slow consumer there would stall
 * every task of the sandbox, which the default mode promises never to do.
 */
#include "audit/audit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

int audit_write_preamble(int fd)
{
	uint8_t pre[AUDIT_PREAMBLE_LEN];
	memcpy(pre, AUDIT_MAGIC, 7);
	pre[7] = AUDIT_VERSION;
	ssize_t n;
	do
		n = write(fd, pre, sizeof pre);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof pre ? 0 : n < 0 ? -errno : -EIO;
}

size_t audit_encode(const AuditEvent *ev, uint8_t **out)
{
	size_t len = protobuf_c_message_get_packed_size(&ev->base);
	if (len > AUDIT_EVENT_MAX)
		return 0;
	uint8_t *buf = malloc(len + 10);
	if (!buf)
		return 0;
	size_t n = 0;
	for (uint64_t v = len; ; v >>= 7) {
		buf[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		if (v < 0x80)
			break;
	}
	protobuf_c_message_pack(&ev->base, buf + n);
	*out = buf;
	return n + len;
}

struct record {
	uint8_t *data;
	size_t len;
	struct record *next;
};

static struct {
	bool active, stopping, writer_idle;
	bool unjoined;           /* a writer given up on, still in write() */
	int inflight;            /* records the writer is writing */
	int fd;
	bool lossless, broken;
	size_t max, queued;
	struct record *head, *tail;
	uint64_t dropped, dropped_reported;
	char *sandbox_id;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t more, room, idle;
} sink = { .lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER,
	   .room = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER, .fd = -1 };

static void fill_header(RunscLite__Audit__Header *h, int pid, int tid, const char *comm)
{
	struct timespec mono, wall;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	h->mono_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	h->wall_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
	h->sandbox_id = sink.sandbox_id;
	h->pid = pid;
	h->tid = tid;
	h->comm = (char *)(comm ? comm : "");
}

/* The Dropped event the writer puts before the next record.  Lock held. */
static struct record *dropped_record(void)
{
	RunscLite__Audit__Dropped d = RUNSC_LITE__AUDIT__DROPPED__INIT;
	d.count = sink.dropped - sink.dropped_reported;
	d.total = sink.dropped;
	RunscLite__Audit__Header h = RUNSC_LITE__AUDIT__HEADER__INIT;
	fill_header(&h, 0, 0, NULL);
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.header = &h;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_DROPPED;
	ev.dropped = &d;
	struct record *r = calloc(1, sizeof *r);
	if (r && !(r->len = audit_encode(&ev, &r->data))) {
		free(r);
		r = NULL;
	}
	if (r)
		sink.dropped_reported = sink.dropped;
	return r;
}

/* Writes everything or gives up (the consumer went away: the rest is
 * dropped, the application goes on). */
static int writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

#define BATCH 64
/* How long a record may wait in a queue that is not filling up: the
 * emitter wakes the writer only when the queue is a quarter full (a
 * wake-up per event would cost the trapped syscall a context switch). */
#define FLUSH_MS 10

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sink.lock);
	for (;;) {
		while (!sink.head && !sink.stopping) {
			sink.writer_idle = true;
			pthread_cond_broadcast(&sink.idle);
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += FLUSH_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&sink.more, &sink.lock, &until);
		}
		if (!sink.head) {
			sink.writer_idle = true;
			pthread_cond_broadcast(&sink.idle);
			break;
		}
		sink.writer_idle = false;
		struct record *batch[BATCH + 1];
		struct iovec iov[BATCH + 1];
		int n = 0;
		struct record *note = sink.dropped > sink.dropped_reported ? dropped_record() : NULL;
		if (note)
			batch[n++] = note;
		while (sink.head && n < BATCH + 1) {
			struct record *r = sink.head;
			sink.head = r->next;
			batch[n++] = r;
			sink.queued--;
		}
		if (!sink.head)
			sink.tail = NULL;
		sink.inflight = n;
		pthread_cond_broadcast(&sink.room);
		pthread_mutex_unlock(&sink.lock);
		for (int i = 0; i < n; i++)
			iov[i] = (struct iovec){ batch[i]->data, batch[i]->len };
		bool ok = !sink.broken && writev_all(sink.fd, iov, n) == 0;
		pthread_mutex_lock(&sink.lock);
		sink.inflight = 0;
		if (!ok && !sink.broken) {
			sink.broken = true;   /* the consumer is gone: count, never block */
			pthread_cond_broadcast(&sink.room);
		}
		for (int i = 0; i < n; i++) {
			if (!ok && batch[i] != note)
				sink.dropped++;
			free(batch[i]->data);
			free(batch[i]);
		}
	}
	pthread_mutex_unlock(&sink.lock);
	return NULL;
}

int audit_sink_start(const struct audit_sink_opts *o)
{
	if (sink.active || o->fd < 0)
		return -EINVAL;
	if (sink.unjoined)
		pthread_join(sink.writer, NULL);   /* its write has to fail or end first */
	free(sink.sandbox_id);
	sink.unjoined = sink.stopping = sink.broken = false;
	sink.queued = 0;
	sink.head = sink.tail = NULL;
	sink.dropped = sink.dropped_reported = 0;
	sink.fd = o->fd;
	sink.lossless = o->lossless;
	sink.max = o->queue_max ? o->queue_max : 4096;
	sink.sandbox_id = strdup(o->sandbox_id ? o->sandbox_id : "");
	if (!sink.sandbox_id)
		return -ENOMEM;
	sink.writer_idle = true;
	/* The writer takes no signal: the process's signals are for whoever
	 * waits for them (the sentry reads SIGCHLD from a signalfd, which a
	 * thread with the signal unblocked would take away from it). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&sink.writer, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	sink.active = true;
	return 0;
}

bool audit_sink_active(void)
{
	return sink.active;
}

void audit_emit(AuditEvent *ev, int pid, int tid, const char *comm)
{
	if (!sink.active)
		return;
	RunscLite__Audit__Header h = RUNSC_LITE__AUDIT__HEADER__INIT;
	fill_header(&h, pid, tid, comm);
	RunscLite__Audit__Header *saved = ev->header;
	ev->header = &h;
	struct record *r = malloc(sizeof *r);
	if (r) {
		r->next = NULL;
		r->len = audit_encode(ev, &r->data);
	}
	ev->header = saved;
	pthread_mutex_lock(&sink.lock);
	if (r && r->len && sink.lossless)
		while (sink.queued >= sink.max && !sink.broken && !sink.stopping)
			pthread_cond_wait(&sink.room, &sink.lock);
	if (!r || !r->len || sink.queued >= sink.max || sink.broken || sink.stopping) {
		sink.dropped++;
		pthread_mutex_unlock(&sink.lock);
		if (r && r->len)
			free(r->data);
		free(r);
		return;
	}
	if (sink.tail)
		sink.tail->next = r;
	else
		sink.head = r;
	sink.tail = r;
	sink.queued++;
	if (sink.queued >= (sink.max + 3) / 4 && sink.writer_idle)
		pthread_cond_signal(&sink.more);
	pthread_mutex_unlock(&sink.lock);
}

uint64_t audit_sink_dropped(void)
{
	pthread_mutex_lock(&sink.lock);
	uint64_t d = sink.dropped;
	pthread_mutex_unlock(&sink.lock);
	return d;
}

uint64_t audit_sink_finish(unsigned wait_ms)
{
	if (!sink.active)
		return 0;
	pthread_mutex_lock(&sink.lock);
	sink.stopping = true;
	pthread_cond_broadcast(&sink.more);
	pthread_cond_broadcast(&sink.room);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	bool done = true;
	while (sink.head || !sink.writer_idle) {
		if (sink.lossless) {
			pthread_cond_wait(&sink.idle, &sink.lock);
		} else if (pthread_cond_timedwait(&sink.idle, &sink.lock, &deadline) == ETIMEDOUT) {
			done = false;
			break;
		}
	}
	/* a writer still stuck in write(): what it holds and what is queued
	 * never reach the consumer */
	if (!done) {
		sink.dropped += sink.queued + (uint64_t)sink.inflight;
		sink.broken = true;   /* the writer touches the fd no more */
		sink.unjoined = true;
	}
	uint64_t dropped = sink.dropped;
	pthread_mutex_unlock(&sink.lock);
	if (done)
		pthread_join(sink.writer, NULL);
	sink.active = false;
	return dropped;
}
