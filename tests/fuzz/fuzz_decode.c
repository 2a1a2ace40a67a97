/*
 * fuzz_decode: the 9P codec (p9/codec.c) and the client's Rreaddir parser
 * against arbitrary bytes.
 *
 * Besides "never crash, never read outside the input", it checks the
 * decoding contract of p9/p9.h exactly:
 *   - p9_peek_header() succeeds iff there are 7 bytes;
 *   - p9_unpack() gives -EPROTO iff the header is unusable (fc zeroed),
 *     -EOPNOTSUPP iff the type has no table entry, else 0 or -EINVAL, with
 *     type and tag set in both cases;
 *   - a decoded message re-encodes to exactly the input bytes (the wire
 *     format has one encoding per message), every decoded string and data
 *     field points inside the input, and p9_fcall_format() of it is a
 *     NUL-terminated prefix of the same line whatever the buffer size.
 * A violation aborts, which libFuzzer (and the replay runner) report as a
 * crash with the input saved.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9/p9.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_decode: %s:%d: contract violated: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static const uint8_t *in_lo, *in_hi; /* the input: [in_lo, in_hi) */

static void require_inside(const void *p, size_t len)
{
	const uint8_t *b = p;

	if (len == 0)
		return;
	REQUIRE(b && b >= in_lo && b <= in_hi && len <= (size_t)(in_hi - b));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Every string and data field of a decoded message points into the input. */
static void check_pointers(const struct p9_fcall *fc)
{
	const struct p9_msgdesc *d = p9_msg_desc(fc->type);
	const char *base = (const char *)fc;

	for (size_t i = 0; d->fmt[i]; i++) {
		const void *m = base + d->field[i].off;

		switch (d->fmt[i]) {
		case 's': {
			const struct p9_str *s = m;

			require_inside(s->str, s->len);
			break;
		}
		case 'W': {
			const struct p9_wnames *wn = m;

			REQUIRE(wn->n <= P9_MAXWELEM);
			for (unsigned k = 0; k < wn->n; k++)
				require_inside(wn->name[k].str, wn->name[k].len);
			break;
		}
		case 'R':
			REQUIRE(((const struct p9_qids *)m)->n <= P9_MAXWELEM);
			break;
		case 'D': {
			const struct p9_data *dt = m;

			require_inside(dt->data, dt->count);
			break;
		}
		}
	}
}

/* The same line, cut to fit, whatever the capacity. */
static void check_format(const struct p9_fcall *fc)
{
	static char full[1 << 16], small[64];
	static const size_t caps[] = { 1, 2, 17, sizeof(small) };
	int n = p9_fcall_format(fc, full, sizeof(full));

	REQUIRE(n > 0 && (size_t)n < sizeof(full));
	REQUIRE(strlen(full) == (size_t)n);
	REQUIRE(p9_fcall_format(fc, NULL, 0) == n);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t want = (size_t)n < caps[i] - 1 ? (size_t)n : caps[i] - 1;

		memset(small, 'X', sizeof(small));
		REQUIRE(p9_fcall_format(fc, small, caps[i]) == n);
		REQUIRE(strlen(small) == want);
		REQUIRE(memcmp(small, full, want) == 0);
	}
}

/* Re-encoding gives back the input, and only fits in a buffer that large. */
static void check_repack(const struct p9_fcall *fc, const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(size + 16);

	REQUIRE(out);
	REQUIRE(p9_pack(out, size + 16, fc) == (int)size);
	REQUIRE(memcmp(out, data, size) == 0);
	REQUIRE(p9_pack(out, size - 1, fc) == -EMSGSIZE);
	free(out);
}

static void check_unpack(const uint8_t *data, size_t size)
{
	struct p9_fcall fc;
	uint32_t hsize = 0;
	uint8_t type = 0;
	uint16_t tag = 0;
	int hrc = p9_peek_header(data, size, &hsize, &type, &tag);
	int rc = p9_unpack(data, size, &fc);

	REQUIRE((hrc == 0) == (size >= P9_HDRSZ));
	if (hrc == 0)
		REQUIRE(hsize == le32(data) && type == data[4] && tag == (data[5] | data[6] << 8));
	if (hrc < 0 || hsize != size) {
		REQUIRE(rc == -EPROTO);
		REQUIRE(all_zero(&fc, sizeof(fc)));
		return;
	}
	REQUIRE(fc.type == type && fc.tag == tag);
	if (!p9_msg_desc(type)) {
		REQUIRE(rc == -EOPNOTSUPP);
		return;
	}
	REQUIRE(rc == 0 || rc == -EINVAL);
	if (rc < 0)
		return;
	check_pointers(&fc);
	check_format(&fc);
	check_repack(&fc, data, size);
}

/* The client's Rreaddir entry iterator over the same bytes: it advances
 * strictly, stays inside the buffer and stops cleanly. */
static void check_dirents(const uint8_t *data, size_t size)
{
	struct p9_dirent e;
	size_t pos = 0, prev;
	int r;

	for (;;) {
		prev = pos;
		r = p9_dirent_next(data, size, &pos, &e);
		if (r != 1)
			break;
		REQUIRE(pos > prev && pos <= size);
		REQUIRE(e.namelen > 0);
		require_inside(e.name, e.namelen);
	}
	REQUIRE(r == 0 || r == -EPROTO);
	REQUIRE(r != 0 || prev >= size);
}

/* The open-flag tables are one mapping used both ways: translating twice
 * changes nothing more than translating once. */
static void check_flags(const uint8_t *data, size_t size)
{
	uint32_t x, l, p;

	if (size < 4)
		return;
	x = le32(data + size - 4);
	l = p9_lopen_flags_to_linux(x);
	p = p9_lopen_flags_to_p9(l);
	REQUIRE(p9_lopen_flags_to_linux(p) == l);
	REQUIRE(p9_lopen_flags_to_p9(p9_lopen_flags_to_linux(p)) == p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so that ASan sees any byte read past the
	 * end (the replay runner may hand us a larger buffer). */
	uint8_t *buf = malloc(size ? size : 1);

	REQUIRE(buf);
	if (size)
		memcpy(buf, data, size);
	in_lo = buf;
	in_hi = buf + size;
	check_unpack(buf, size);
	check_dirents(buf, size);
	check_flags(buf, size);
	free(buf);
	return 0;
}
