/*
 * audit: the stream encoder and reader (round trip, every way a stream can
 * be cut or corrupted), JSON escaping, the kind names, and the sink (a
 * consumer that never reads loses events but never blocks the emitter in
 * lossy mode; lossless mode delivers every event in order).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"

/* A stream in memory: preamble + records. */
struct buf {
	uint8_t *data;
	size_t len;
};

static void append(struct buf *b, const void *p, size_t n)
{
	b->data = realloc(b->data, b->len + n);
	assert_non_null(b->data);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void append_open(struct buf *b, const char *path, int error)
{
	RunscLite__Audit__Header h = RUNSC_LITE__AUDIT__HEADER__INIT;
	h.sandbox_id = "sb";
	h.pid = 7;
	h.tid = 8;
	h.comm = "cat";
	RunscLite__Audit__FileOp f = RUNSC_LITE__AUDIT__FILE_OP__INIT;
	f.op = RUNSC_LITE__AUDIT__FILE_OP__OP__OPEN;
	f.path = (char *)path;
	f.flags = O_WRONLY | O_CREAT;
	f.error = error;
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.header = &h;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_FILE;
	ev.file = &f;
	uint8_t *rec;
	size_t n = audit_encode(&ev, &rec);
	assert_true(n > 0);
	append(b, rec, n);
	free(rec);
}

static struct buf stream_of(int nevents)
{
	struct buf b = { 0 };
	append(&b, AUDIT_MAGIC, 7);
	uint8_t v = AUDIT_VERSION;
	append(&b, &v, 1);
	for (int i = 0; i < nevents; i++) {
		char path[32];
		snprintf(path, sizeof path, "/f%d", i);
		append_open(&b, path, i);
	}
	return b;
}

static int count_events(const uint8_t *data, size_t len, struct audit_reader *r)
{
	if (audit_reader_open(r, data, len) < 0)
		return -1;
	AuditEvent *ev;
	int n = 0, rc;
	while ((rc = audit_reader_next(r, &ev)) == 1) {
		char want[32];
		snprintf(want, sizeof want, "/f%d", n);
		assert_int_equal(ev->kind_case, RUNSC_LITE__AUDIT__EVENT__KIND_FILE);
		assert_string_equal(ev->file->path, want);
		assert_int_equal(ev->file->error, n);
		assert_string_equal(ev->header->comm, "cat");
		audit_event_free(ev);
		n++;
	}
	return rc < 0 ? -(n + 100) : n;
}

static void test_round_trip(void **state)
{
	struct buf b = stream_of(5);
	struct audit_reader r;
	assert_int_equal(count_events(b.data, b.len, &r), 5);
	free(b.data);
}

/* Every cut of a stream: either a clean end at a record boundary (the
 * events before it), or an error naming the offset of the cut record. */
static void test_every_truncation(void **state)
{
	struct buf b = stream_of(3);
	size_t bounds[4] = { AUDIT_PREAMBLE_LEN };
	struct audit_reader r;
	audit_reader_open(&r, b.data, b.len);
	for (int i = 1; i <= 3; i++) {
		AuditEvent *ev;
		assert_int_equal(audit_reader_next(&r, &ev), 1);
		audit_event_free(ev);
		bounds[i] = r.off;
	}
	for (size_t cut = 0; cut < b.len; cut++) {
		int n = count_events(b.data, cut, &r);
		if (cut < AUDIT_PREAMBLE_LEN) {
			assert_int_equal(n, -1);
			assert_non_null(strstr(r.err, "offset 0:"));
			continue;
		}
		int whole = 0;
		while (whole < 3 && bounds[whole + 1] <= cut)
			whole++;
		if (cut == bounds[whole]) {
			assert_int_equal(n, whole);
		} else {
			char want[64];
			assert_int_equal(n, -(whole + 100));
			snprintf(want, sizeof want, "offset %zu: truncated", bounds[whole]);
			assert_non_null(strstr(r.err, want));
		}
	}
	free(b.data);
}

static void test_hostile_lengths(void **state)
{
	struct audit_reader r;
	/* 2^28: beyond AUDIT_EVENT_MAX */
	uint8_t big[] = { 'R', 'L', 'T', 'R', 'A', 'C', 'E', AUDIT_VERSION, 0x80, 0x80, 0x80, 0x80, 0x01 };
	assert_int_equal(count_events(big, sizeof big, &r), -100);
	assert_non_null(strstr(r.err, "offset 8: record length 268435456 exceeds"));
	/* a varint that never ends */
	uint8_t endless[] = { 'R', 'L', 'T', 'R', 'A', 'C', 'E', AUDIT_VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	assert_int_equal(count_events(endless, sizeof endless, &r), -100);
	assert_non_null(strstr(r.err, "offset 8: corrupt record length"));
	/* a body that is no Event (field 1 as a varint: wrong wire type) */
	uint8_t junk[] = { 'R', 'L', 'T', 'R', 'A', 'C', 'E', AUDIT_VERSION, 0x02, 0x08, 0x01 };
	assert_int_equal(count_events(junk, sizeof junk, &r), -100);
	assert_non_null(strstr(r.err, "offset 8: corrupt record"));
	/* an Event without a header */
	uint8_t headless[] = { 'R', 'L', 'T', 'R', 'A', 'C', 'E', AUDIT_VERSION, 0x00 };
	assert_int_equal(count_events(headless, sizeof headless, &r), -100);
	assert_non_null(strstr(r.err, "no header"));
	/* another format version, another file */
	uint8_t v2[] = { 'R', 'L', 'T', 'R', 'A', 'C', 'E', 2 };
	assert_int_equal(count_events(v2, sizeof v2, &r), -1);
	assert_non_null(strstr(r.err, "version 2"));
	assert_int_equal(count_events((const uint8_t *)"GIF89a..", 8, &r), -1);
	assert_non_null(strstr(r.err, "not a runsc-lite trace"));
	assert_int_equal(count_events(NULL, 0, &r), -1);
	assert_non_null(strstr(r.err, "empty"));
}

static char *json_of(const char *s, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	audit_json_string(f, s, len);
	fclose(f);
	return out;
}

static void test_json_strings(void **state)
{
	char *j = json_of("a\"b\\c\n\t\x01\x7f", 9);
	assert_string_equal(j, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
	free(j);
	/* valid UTF-8 passes, invalid bytes become lone surrogates (reversible) */
	j = json_of("\xc3\xa9-\xff-\xc3", 6);
	assert_string_equal(j, "\"\xc3\xa9-\\udcff-\\udcc3\"");
	free(j);
	/* overlong and surrogate encodings are not UTF-8 */
	j = json_of("\xc0\xaf\xed\xa0\x80", 5);
	assert_string_equal(j, "\"\\udcc0\\udcaf\\udced\\udca0\\udc80\"");
	free(j);
}

static void test_json_event(void **state)
{
	struct buf b = stream_of(1);
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	char err[256];
	assert_int_equal(audit_json_lines(b.data, b.len, f, err, sizeof err), 0);
	fclose(f);
	assert_non_null(strstr(out, "\"sandbox_id\":\"sb\",\"pid\":7,\"tid\":8,\"comm\":\"cat\",\"kind\":\"file\","
				    "\"file\":{\"op\":\"OPEN\",\"syscall\":\"\",\"path\":\"/f0\""));
	assert_non_null(strstr(out, "\"open_flags\":\"O_WRONLY|O_CREAT\"}\n"));
	free(out);
	free(b.data);
}

static void test_kinds(void **state)
{
	uint64_t m;
	const char *bad = NULL;
	assert_int_equal(audit_parse_kinds("open,exec,connect,denied", &m, &bad), 0);
	assert_int_equal(m, AUDIT_KIND_BIT(AUDIT_OPEN) | AUDIT_KIND_BIT(AUDIT_EXEC) |
			    AUDIT_KIND_BIT(AUDIT_CONNECT) | AUDIT_KIND_BIT(AUDIT_DENIED));
	assert_int_equal(audit_parse_kinds("all", &m, &bad), 0);
	assert_int_equal(m, AUDIT_ALL_KINDS);
	assert_int_equal(audit_parse_kinds("file", &m, &bad), 0);
	for (int k = 0; k < AUDIT_NKINDS; k++)
		assert_int_equal(!!(m & AUDIT_KIND_BIT(k)), k >= AUDIT_OPEN && k <= AUDIT_SETXATTR);
	assert_int_equal(audit_parse_kinds("open,opening", &m, &bad), -1);
	assert_string_equal(bad, "opening");
	static const char *const ops[] = { "open", "create", "unlink", "rename", "link", "symlink",
					   "mkdir", "rmdir", "chmod", "chown", "truncate", "setxattr" };
	for (int op = 0; op <= 11; op++)
		assert_string_equal(audit_kind_name(audit_file_kind((RunscLite__Audit__FileOp__Op)op)), ops[op]);
	assert_int_equal(audit_file_kind((RunscLite__Audit__FileOp__Op)12), AUDIT_NKINDS);
}

static void emit_opens(int n)
{
	for (int i = 0; i < n; i++) {
		RunscLite__Audit__FileOp f = RUNSC_LITE__AUDIT__FILE_OP__INIT;
		char path[32];
		snprintf(path, sizeof path, "/f%d", i);
		f.path = path;
		f.error = i;
		AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
		ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_FILE;
		ev.file = &f;
		audit_emit(&ev, 7, 8, "cat");
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A pipe nobody reads: the emitter never blocks, the drops are counted. */
static void test_sink_lossy_never_blocks(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct audit_sink_opts o = { .fd = p[1], .queue_max = 16, .sandbox_id = "sb" };
	assert_int_equal(audit_sink_start(&o), 0);
	uint64_t t0 = now_ms();
	emit_opens(20000);   /* far more than the pipe (64 KiB) and the queue hold */
	uint64_t dropped = audit_sink_finish(100);
	assert_true(now_ms() - t0 < 5000);
	assert_true(dropped > 10000);
	assert_true(dropped < 20000);   /* what the pipe took was not dropped */
	/* the pipe holds a valid stream prefix: a preamble, then whole records
	 * (and a Dropped event once the writer got going again) */
	close(p[1]);
	close(p[0]);
}

struct reader_arg {
	int fd;
	struct buf got;
};

static void *slow_reader(void *a)
{
	struct reader_arg *ra = a;
	usleep(200000);   /* the emitter must wait meanwhile */
	uint8_t chunk[4096];
	ssize_t n;
	while ((n = read(ra->fd, chunk, sizeof chunk)) > 0)
		append(&ra->got, chunk, (size_t)n);
	return NULL;
}

static void test_sink_lossless_delivers_all(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(audit_write_preamble(p[1]), 0);
	struct reader_arg ra = { .fd = p[0] };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, slow_reader, &ra), 0);
	struct audit_sink_opts o = { .fd = p[1], .lossless = true, .queue_max = 8, .sandbox_id = "sb" };
	assert_int_equal(audit_sink_start(&o), 0);
	emit_opens(5000);
	assert_int_equal(audit_sink_finish(0), 0);
	close(p[1]);
	pthread_join(th, NULL);
	close(p[0]);
	struct audit_reader r;
	assert_int_equal(count_events(ra.got.data, ra.got.len, &r), 5000);
	free(ra.got.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_event),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_sink_lossy_never_blocks),
		cmocka_unit_test(test_sink_lossless_delivers_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
