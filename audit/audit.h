/*
 * audit/ — the audit/trace event stream of a sandbox.
 *
 * The stream (audit/FORMAT.md) is an 8-byte preamble ("RLTRACE" and a
 * version byte) followed by records, each a protobuf varint length and one
 * packed runsc_lite.audit.Event (audit/trace.proto).
 *
 * Writing (the sentry): audit_sink_start() takes an fd opened by the CLI
 * (a file or a connected unix stream socket, the preamble already written)
 * and starts one writer thread.  audit_emit() fills the event's header,
 * packs it and queues it; it never blocks in the default (lossy) mode: when
 * the bounded queue is full the event is counted as dropped, and the writer
 * puts a Dropped event with the count into the stream before the next event
 * it writes.  In lossless mode audit_emit() waits for room instead.  The
 * emitter may be called from any thread; events keep the order of the
 * audit_emit() calls.  audit_sink_finish() drains the queue (lossy: waiting
 * at most wait_ms for a slow sink, then counting what is left as dropped)
 * and returns the total drop count.
 *
 * Reading (`runsc-lite trace decode`, `runsc-lite report`): the stream is
 * hostile input.  audit_reader_next() bounds every length, refuses a record
 * longer than AUDIT_EVENT_MAX or running past the end, and names the byte
 * offset of whatever is wrong; the events before it are still delivered.
 */
#ifndef RUNSC_LITE_AUDIT_H
#define RUNSC_LITE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.pb-c.h"

typedef RunscLite__Audit__Event AuditEvent;

/* ---- event kinds, as --trace-events names them ------------------------------ */

enum audit_kind {
	AUDIT_CLONE, AUDIT_EXEC, AUDIT_PROCESS_EXIT,
	AUDIT_OPEN, AUDIT_CREATE, AUDIT_UNLINK, AUDIT_RENAME, AUDIT_LINK, AUDIT_SYMLINK,
	AUDIT_MKDIR, AUDIT_RMDIR, AUDIT_CHMOD, AUDIT_CHOWN, AUDIT_TRUNCATE, AUDIT_SETXATTR,
	AUDIT_CONNECT, AUDIT_BIND,
	AUDIT_DENIED, AUDIT_UNIMPLEMENTED, AUDIT_SIGNAL,
	AUDIT_LISTEN, AUDIT_ACCEPT, AUDIT_SENDTO,   /* (added later: older bits keep their values) */
	AUDIT_NKINDS
};
#define AUDIT_KIND_BIT(k) (1ULL << (k))
#define AUDIT_ALL_KINDS (AUDIT_KIND_BIT(AUDIT_NKINDS) - 1)

/* "open,exec,connect,denied": names of kinds, or the groups "process"
 * (clone, exec, process_exit), "file" (every file operation), "net"
 * (connect, bind, listen, accept, sendto) and "all".  Returns 0 with *mask, or -1 with *bad the
 * first unknown name (in a static buffer). */
int audit_parse_kinds(const char *list, uint64_t *mask, const char **bad);
const char *audit_kind_name(enum audit_kind k);
/* The kind FileOp.op names (AUDIT_OPEN..AUDIT_SETXATTR). */
enum audit_kind audit_file_kind(RunscLite__Audit__FileOp__Op op);

/* ---- the wire format ----------------------------------------------------------- */

#define AUDIT_MAGIC "RLTRACE"          /* 7 bytes, then the version byte */
#define AUDIT_VERSION 1
#define AUDIT_PREAMBLE_LEN 8
#define AUDIT_EVENT_MAX (1u << 20)     /* a longer record is corrupt */

/* Writes the preamble (before the fd is handed to the sentry): 0 or -errno. */
int audit_write_preamble(int fd);
/* One record: varint length + packed event, in a malloc'd buffer; its
 * length, or 0 (out of memory, or larger than AUDIT_EVENT_MAX). */
size_t audit_encode(const AuditEvent *ev, uint8_t **out);

/* ---- the sink (the sentry) ------------------------------------------------------ */

struct audit_sink_opts {
	int fd;                  /* taken over */
	bool lossless;           /* block the emitter instead of dropping */
	size_t queue_max;        /* queued events at most (0: 4096) */
	const char *sandbox_id;  /* copied into every header */
};

int audit_sink_start(const struct audit_sink_opts *o);
bool audit_sink_active(void);
/* Fills ev->header (times, sandbox id, pid, tid, comm: NULL for none)
 * and queues the event; the caller keeps ownership of ev and what it points
 * to.  Does nothing without an active sink. */
void audit_emit(AuditEvent *ev, int pid, int tid, const char *comm);
/* Events dropped so far. */
uint64_t audit_sink_dropped(void);
/* Drains and stops the writer; returns the events dropped in total. */
uint64_t audit_sink_finish(unsigned wait_ms);

/* ---- reading --------------------------------------------------------------------- */

struct audit_reader {
	const uint8_t *buf;
	size_t len, off;
	char err[256];           /* set when a call returns -1 */
};

/* Checks the preamble: 0, or -1 with r->err. */
int audit_reader_open(struct audit_reader *r, const uint8_t *buf, size_t len);
/* The next event (free with audit_event_free): 1; 0 at a clean end; -1
 * with r->err naming the offset of the bad record. */
int audit_reader_next(struct audit_reader *r, AuditEvent **ev);
void audit_event_free(AuditEvent *ev);

/* Reads a whole trace file into memory (bounded): 0 or -errno. */
int audit_read_file(const char *path, uint8_t **buf, size_t *len);

/* JSON lines, one object per event (stable field names: FORMAT.md).
 * Returns 0, or -1 with err (the events before the error are printed). */
int audit_json_lines(const uint8_t *buf, size_t len, FILE *out, char *err, size_t errcap);
/* One event as a JSON object (no newline). */
void audit_event_json(const AuditEvent *ev, FILE *out);
/* A JSON string literal of the bytes s[0..len) (invalid UTF-8 bytes as
 * \udcXX, as Python's surrogateescape). */
void audit_json_string(FILE *out, const char *s, size_t len);

/* open(2) flags by name, "O_RDONLY|O_CLOEXEC", into buf. */
const char *audit_open_flags(unsigned flags, char *buf, size_t cap);

enum audit_report_format { AUDIT_REPORT_TEXT, AUDIT_REPORT_JSON, AUDIT_REPORT_MARKDOWN };
/* The summary of one job.  Returns 0, or -1 with err (a corrupt stream:
 * nothing is printed). */
int audit_report(const uint8_t *buf, size_t len, enum audit_report_format fmt, FILE *out,
		 char *err, size_t errcap);

#endif
