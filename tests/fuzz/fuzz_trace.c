/*
 * fuzz_trace: the trace stream reader (audit/stream.c) and everything that
 * consumes it — `trace decode` (JSON lines) and `report` in its three
 * formats — against arbitrary bytes: a trace file is hostile input.
 *
 * Besides "never crash, never read outside the input", it checks:
 *   - the decoder and the report agree on whether the stream is valid;
 *   - an error always names the byte offset of what is wrong;
 *   - decoding stops at that offset: the reader never moves backwards and
 *     never past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_trace: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	REQUIRE(sink);
	char err[256] = "", rerr[256] = "";
	int rc = audit_json_lines(data, size, sink, err, sizeof err);
	REQUIRE(rc == 0 || (rc == -1 && strstr(err, "offset ")));
	for (int fmt = AUDIT_REPORT_TEXT; fmt <= AUDIT_REPORT_MARKDOWN; fmt++) {
		int r2 = audit_report(data, size, (enum audit_report_format)fmt, sink, rerr, sizeof rerr);
		REQUIRE(r2 == rc);
		REQUIRE(rc == 0 || strcmp(err, rerr) == 0);
	}
	struct audit_reader r;
	if (audit_reader_open(&r, data, size) == 0) {
		AuditEvent *ev;
		size_t last = r.off;
		int n;
		while ((n = audit_reader_next(&r, &ev)) == 1) {
			REQUIRE(r.off > last && r.off <= size);
			last = r.off;
			audit_event_free(ev);
		}
		REQUIRE(n == 0 ? r.off == size : r.off == last);
	}
	return 0;
}
