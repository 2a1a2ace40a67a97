/*
 * p9 codec: table consistency, round trip of every message type, and total
 * decoding of hostile input (truncation, bad sizes, counts, garbage).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9/p9.h"

#define BUFSZ 8192

static const char *const strs[] = { "alpha", "", "a longer string with spaces", "x" };
static const uint8_t blob[] = { 0, 1, 2, 3, 0xff, 0xfe, 'h', 'i' };

/* Fills every field of the body of `type` with a value derived from its
 * position, through the table (so every message is covered generically). */
static void fill(struct p9_fcall *fc, uint8_t type, uint16_t tag)
{
	const struct p9_msgdesc *d = p9_msg_desc(type);
	char *base = (char *)fc;

	memset(fc, 0, sizeof(*fc));
	fc->type = type;
	fc->tag = tag;
	for (size_t i = 0; d->fmt[i]; i++) {
		void *m = base + d->field[i].off;
		uint64_t v = 0x0102030405060708ULL * (i + 1) + type;

		switch (d->fmt[i]) {
		case 'b': *(uint8_t *)m = (uint8_t)v; break;
		case 'w': *(uint16_t *)m = (uint16_t)v; break;
		case 'd': *(uint32_t *)m = (uint32_t)v; break;
		case 'q': *(uint64_t *)m = v; break;
		case 's': *(struct p9_str *)m = p9_str_make(strs[i % 4]); break;
		case 'Q': {
			struct p9_qid *q = m;
			q->type = (uint8_t)(0x80 + i); q->version = (uint32_t)v; q->path = ~v;
			break;
		}
		case 'W': {
			struct p9_wnames *w = m;
			w->n = 3;
			for (int k = 0; k < 3; k++)
				w->name[k] = p9_str_make(strs[k]);
			break;
		}
		case 'R': {
			struct p9_qids *q = m;
			q->n = 2;
			q->qid[0] = (struct p9_qid){ 1, 2, 3 };
			q->qid[1] = (struct p9_qid){ 0x80, 5, 0xffffffffffffffffULL };
			break;
		}
		case 'D': {
			struct p9_data *dt = m;
			dt->data = blob;
			dt->count = sizeof(blob);
			break;
		}
		default:
			fail_msg("unknown code %c", d->fmt[i]);
		}
	}
}

static void assert_str_equal(const struct p9_str *a, const struct p9_str *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len)
		assert_memory_equal(a->str, b->str, a->len);
}

static void assert_qid_equal(const struct p9_qid *a, const struct p9_qid *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->version, b->version);
	assert_true(a->path == b->path);
}

static void assert_fcall_equal(const struct p9_fcall *a, const struct p9_fcall *b)
{
	const struct p9_msgdesc *d = p9_msg_desc(a->type);
	const char *ba = (const char *)a, *bb = (const char *)b;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->tag, b->tag);
	for (size_t i = 0; d->fmt[i]; i++) {
		const void *ma = ba + d->field[i].off, *mb = bb + d->field[i].off;

		switch (d->fmt[i]) {
		case 'b': case 'w': case 'd': case 'q':
			assert_memory_equal(ma, mb, d->field[i].size);
			break;
		case 's':
			assert_str_equal(ma, mb);
			break;
		case 'Q':
			assert_qid_equal(ma, mb);
			break;
		case 'W': {
			const struct p9_wnames *x = ma, *y = mb;
			assert_int_equal(x->n, y->n);
			for (unsigned k = 0; k < x->n; k++)
				assert_str_equal(&x->name[k], &y->name[k]);
			break;
		}
		case 'R': {
			const struct p9_qids *x = ma, *y = mb;
			assert_int_equal(x->n, y->n);
			for (unsigned k = 0; k < x->n; k++)
				assert_qid_equal(&x->qid[k], &y->qid[k]);
			break;
		}
		case 'D': {
			const struct p9_data *x = ma, *y = mb;
			assert_int_equal(x->count, y->count);
			assert_memory_equal(x->data, y->data, x->count);
			break;
		}
		}
	}
}

/* Decodes from an exactly-sized heap copy, so that ASan flags any read
 * outside the packet. */
static int unpack_exact(const void *buf, size_t len, struct p9_fcall *fc)
{
	void *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	rc = p9_unpack(copy, len, fc);
	free(copy);
	return rc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int ntypes(void)
{
	int n = 0;

	for (int t = 0; t < P9_NTYPES; t++)
		n += p9_msg_desc((uint8_t)t) != NULL;
	return n;
}

/* ---- tests -------------------------------------------------------------- */

static void test_table(void **state)
{
	static const uint8_t all[] = {
		6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
		26, 27, 30, 31, 32, 33, 40, 41, 50, 51, 52, 53, 54, 55, 70, 71, 72,
		73, 74, 75, 76, 77, 100, 101, 102, 103, 104, 105, 108, 109, 110,
		111, 116, 117, 118, 119, 120, 121, 122, 123,
		128, 129, 130, 131, 132, 133, 134, 135, /* runsc-lite extensions */
		136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
		150, 151,
		152, 153,
		154, 155,
	};

	assert_int_equal(p9_msg_table_check(), 0);
	for (size_t i = 0; i < sizeof(all); i++)
		assert_non_null(p9_msg_desc(all[i]));
	assert_int_equal(ntypes(), (int)sizeof(all));
	assert_string_equal(p9_msg_desc(P9_TWALK)->fmt, "ddW");
	assert_string_equal(p9_msg_desc(P9_RGETATTR)->fmt, "qQdddqqqqqqqqqqqqqqq");
	assert_null(p9_msg_desc(0));
	assert_null(p9_msg_desc(107)); /* 9P2000 Rerror is not 9P2000.L */
}

static void test_roundtrip_all(void **state)
{
	uint8_t buf[BUFSZ], buf2[BUFSZ];
	int covered = 0;

	for (int t = 0; t < P9_NTYPES; t++) {
		struct p9_fcall in, out;
		int n, n2;

		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill(&in, (uint8_t)t, (uint16_t)(t * 7 + 1));
		n = p9_pack(buf, sizeof(buf), &in);
		assert_true(n >= (int)P9_HDRSZ);
		assert_int_equal(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, n);
		assert_int_equal(buf[4], t);
		assert_int_equal(unpack_exact(buf, (size_t)n, &out), 0);
		/* strings/data of out point into the freed copy: re-decode in
		 * place for the comparison */
		assert_int_equal(p9_unpack(buf, (size_t)n, &out), 0);
		assert_fcall_equal(&in, &out);
		/* and encoding the decoded message gives the same bytes */
		n2 = p9_pack(buf2, sizeof(buf2), &out);
		assert_int_equal(n, n2);
		assert_memory_equal(buf, buf2, (size_t)n);
		covered++;
	}
	assert_int_equal(covered, ntypes());
}

static void test_known_layouts(void **state)
{
	/* Byte-exact checks against the 9P2000.L spec for a few messages. */
	struct p9_fcall fc = { .type = P9_TWALK, .tag = 1 };
	uint8_t buf[256];
	static const uint8_t twalk[] = {
		24, 0, 0, 0, 110, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0,
		2, 0, 1, 0, 'a', 2, 0, 'b', 'c',
	};
	static const uint8_t rlerror[] = { 11, 0, 0, 0, 7, 9, 0, 2, 0, 0, 0 };

	fc.u.twalk.fid = 1;
	fc.u.twalk.newfid = 2;
	fc.u.twalk.wname.n = 2;
	fc.u.twalk.wname.name[0] = p9_str_make("a");
	fc.u.twalk.wname.name[1] = p9_str_make("bc");
	/* size[4] type[1] tag[2] fid[4] newfid[4] nwname[2] 2*(len[2] bytes) */
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), 7 + 4 + 4 + 2 + 3 + 4);
	assert_memory_equal(buf, twalk, sizeof(twalk));

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RLERROR;
	fc.tag = 9;
	fc.u.rlerror.ecode = ENOENT;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(rlerror));
	assert_memory_equal(buf, rlerror, sizeof(rlerror));

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RGETATTR;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), 7 + 8 + 13 + 3 * 4 + 15 * 8);
	fc.type = P9_RSTATFS;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), 7 + 4 * 2 + 6 * 8 + 4 + 8 - 8);
	fc.type = P9_TLOCK;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), 7 + 4 + 1 + 4 + 8 + 8 + 4 + 2);
	fc.type = P9_TSETATTR;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), 7 + 5 * 4 + 5 * 8);
}

/* Tinotify / Rinotify (PROTOCOL.md 5f): byte-exact, and a body one byte
 * short or long is refused. */
static void test_inotify_layout(void **state)
{
	struct p9_fcall fc = { .type = P9_TINOTIFY, .tag = 3 }, out;
	uint8_t buf[64];
	static const uint8_t tinotify[] = {
		15, 0, 0, 0, 150, 3, 0, 7, 0, 0, 0, 0x02, 0x01, 0x00, 0x82,
	};
	static const uint8_t rinotify[] = { 11, 0, 0, 0, 151, 3, 0, 5, 0, 0, 0 };

	fc.u.tinotify.fid = 7;
	fc.u.tinotify.mask = 0x82000102; /* IN_ONESHOT|IN_DONT_FOLLOW|IN_CREATE|IN_MODIFY */
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(tinotify));
	assert_memory_equal(buf, tinotify, sizeof(tinotify));
	assert_int_equal(unpack_exact(tinotify, sizeof(tinotify), &out), 0);
	assert_int_equal(out.type, P9_TINOTIFY);
	assert_int_equal(out.u.tinotify.fid, 7);
	assert_int_equal(out.u.tinotify.mask, 0x82000102u);

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RINOTIFY;
	fc.tag = 3;
	fc.u.rinotify.wd = 5;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(rinotify));
	assert_memory_equal(buf, rinotify, sizeof(rinotify));
	assert_int_equal(unpack_exact(rinotify, sizeof(rinotify), &out), 0);
	assert_int_equal(out.u.rinotify.wd, 5);

	/* a mask missing its last byte, or one byte too many */
	memcpy(buf, tinotify, sizeof(tinotify));
	buf[0] = sizeof(tinotify) - 1;
	assert_int_equal(unpack_exact(buf, sizeof(tinotify) - 1, &out), -EINVAL);
	buf[0] = sizeof(tinotify) + 1;
	buf[sizeof(tinotify)] = 0;
	assert_int_equal(unpack_exact(buf, sizeof(tinotify) + 1, &out), -EINVAL);
	assert_string_equal(p9_msg_desc(P9_TINOTIFY)->name, "Tinotify");
	assert_string_equal(p9_msg_desc(P9_RINOTIFY)->fmt, "d");
}

/* Ttmpfile/Rtmpfile (PROTOCOL.md 5g), byte-exact: dfid newfid flags mode
 * gid uid, each [4]; the reply is an Rlcreate body. */
static void test_tmpfile_layout(void **state)
{
	static const uint8_t ttmpfile[] = {
		31, 0, 0, 0, 152, 5, 0,
		1, 0, 0, 0,  2, 0, 0, 0,  0x82, 0, 0, 0,  0xa4, 1, 0, 0,
		0xff, 0xff, 0xff, 0xff,  7, 0, 0, 0,
	};
	static const uint8_t rtmpfile[] = {
		24, 0, 0, 0, 153, 5, 0,
		0, 0, 0, 0, 0, 0x2a, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0,
	};
	struct p9_fcall fc = { .type = P9_TTMPFILE, .tag = 5 }, out;
	uint8_t buf[64];

	/* O_RDWR|O_EXCL in dotl flags: 2 | 0x80 */
	fc.u.ttmpfile = (struct p9_ttmpfile){ 1, 2, p9_lopen_flags_to_p9(O_RDWR | O_EXCL), 0644,
					      (uint32_t)-1, 7 };
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(ttmpfile));
	assert_memory_equal(buf, ttmpfile, sizeof(ttmpfile));
	assert_int_equal(unpack_exact(ttmpfile, sizeof(ttmpfile), &out), 0);
	assert_int_equal(out.type, P9_TTMPFILE);
	assert_int_equal(out.u.ttmpfile.dfid, 1);
	assert_int_equal(out.u.ttmpfile.newfid, 2);
	assert_int_equal(p9_lopen_flags_to_linux(out.u.ttmpfile.flags), O_RDWR | O_EXCL);
	assert_int_equal(out.u.ttmpfile.mode, 0644);
	assert_int_equal(out.u.ttmpfile.gid, 0xffffffffu);
	assert_int_equal(out.u.ttmpfile.uid, 7);
	/* one byte short or one too many: refused */
	uint8_t bad[sizeof(ttmpfile) + 1];
	memcpy(bad, ttmpfile, sizeof(ttmpfile));
	put_le32(bad, sizeof(ttmpfile) - 1);
	assert_int_equal(unpack_exact(bad, sizeof(ttmpfile) - 1, &out), -EINVAL);
	bad[sizeof(ttmpfile)] = 0;
	put_le32(bad, sizeof(bad));
	assert_int_equal(unpack_exact(bad, sizeof(bad), &out), -EINVAL);

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RTMPFILE;
	fc.tag = 5;
	fc.u.rtmpfile.qid.path = 0x2a;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(rtmpfile));
	assert_memory_equal(buf, rtmpfile, sizeof(rtmpfile));
}

/* Tbind / Rbind (PROTOCOL.md 5h), byte-exact: dfid name mode gid uid;
 * the reply a qid. */
static void test_bind_layout(void **state)
{
	static const uint8_t tbind[] = {
		28, 0, 0, 0, 154, 6, 0,
		9, 0, 0, 0,  3, 0, 's', '.', 's',  0xe8, 1, 0, 0,
		0xff, 0xff, 0xff, 0xff,  0, 0, 0, 0,
	};
	static const uint8_t rbind[] = {
		20, 0, 0, 0, 155, 6, 0,  0x08, 0, 0, 0, 0,  0x2a, 0, 0, 0, 0, 0, 0, 0,
	};
	struct p9_fcall fc = { .type = P9_TBIND, .tag = 6 }, out;
	uint8_t buf[64];

	fc.u.tbind = (struct p9_tbind){ 9, p9_str_make("s.s"), 0750, 0xffffffffu, 0 };
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(tbind));
	assert_memory_equal(buf, tbind, sizeof(tbind));
	memcpy(buf, tbind, sizeof(tbind));   /* (strings point into the buffer) */
	assert_int_equal(p9_unpack(buf, sizeof(tbind), &out), 0);
	assert_int_equal(out.u.tbind.dfid, 9);
	assert_true(p9_str_eq(out.u.tbind.name, "s.s"));
	assert_int_equal(out.u.tbind.mode, 0750);
	assert_int_equal(out.u.tbind.gid, 0xffffffffu);
	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RBIND;
	fc.tag = 6;
	fc.u.rbind.qid = (struct p9_qid){ 0x08, 0, 0x2a };
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), sizeof(rbind));
	assert_memory_equal(buf, rbind, sizeof(rbind));
	/* one byte short */
	memcpy(buf, tbind, sizeof(tbind));
	buf[0] = sizeof(tbind) - 1;
	assert_int_equal(unpack_exact(buf, sizeof(tbind) - 1, &out), -EINVAL);
}

static void test_truncated_every_prefix(void **state)
{
	uint8_t buf[BUFSZ], cut[BUFSZ];

	for (int t = 0; t < P9_NTYPES; t++) {
		struct p9_fcall in, out;
		int n;

		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill(&in, (uint8_t)t, 3);
		n = p9_pack(buf, sizeof(buf), &in);
		assert_true(n > 0);
		for (int len = 0; len < n; len++) {
			memcpy(cut, buf, (size_t)len);
			/* size field still claims n: mismatch with the packet */
			assert_int_equal(unpack_exact(cut, (size_t)len, &out), -EPROTO);
			if (len < (int)P9_HDRSZ)
				continue;
			/* consistent size field, body cut short */
			put_le32(cut, (uint32_t)len);
			if (len == (int)P9_HDRSZ && p9_msg_desc((uint8_t)t)->fmt[0] == '\0')
				continue; /* an empty body is complete */
			assert_int_equal(unpack_exact(cut, (size_t)len, &out), -EINVAL);
			assert_int_equal(out.type, t); /* header is reported */
			assert_int_equal(out.tag, 3);
		}
	}
}

static void test_bad_size_field_and_trailing(void **state)
{
	uint8_t buf[BUFSZ];

	for (int t = 0; t < P9_NTYPES; t++) {
		struct p9_fcall in, out;
		int n;

		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill(&in, (uint8_t)t, 3);
		n = p9_pack(buf, sizeof(buf), &in);
		put_le32(buf, (uint32_t)n + 1);       /* oversized size field */
		assert_int_equal(unpack_exact(buf, (size_t)n, &out), -EPROTO);
		put_le32(buf, 0xffffffffu);
		assert_int_equal(unpack_exact(buf, (size_t)n, &out), -EPROTO);
		put_le32(buf, (uint32_t)n - 1);       /* undersized */
		assert_int_equal(unpack_exact(buf, (size_t)n, &out), -EPROTO);
		buf[n] = 0xaa;                        /* trailing garbage */
		put_le32(buf, (uint32_t)n + 1);
		assert_int_equal(unpack_exact(buf, (size_t)n + 1, &out), -EINVAL);
	}
}

static void test_unknown_types(void **state)
{
	uint8_t buf[16] = { 7, 0, 0, 0, 0, 0x34, 0x12 };
	struct p9_fcall out;

	for (int t = 0; t < P9_NTYPES; t++) {
		if (p9_msg_desc((uint8_t)t))
			continue;
		buf[4] = (uint8_t)t;
		assert_int_equal(unpack_exact(buf, 7, &out), -EOPNOTSUPP);
		assert_int_equal(out.type, t);
		assert_int_equal(out.tag, 0x1234);
	}
	/* packing an unknown type is refused too */
	memset(&out, 0, sizeof(out));
	out.type = 107;
	assert_int_equal(p9_pack(buf, sizeof(buf), &out), -EINVAL);
}

static void test_huge_lengths_and_counts(void **state)
{
	uint8_t b[64];
	struct p9_fcall out;

	/* Tversion msize[4] version[s] with a string length of 0xffff */
	memset(b, 'A', sizeof(b));
	put_le32(b, 20);
	b[4] = P9_TVERSION;
	put_le16(b + 5, P9_NOTAG);
	put_le32(b + 7, 8192);
	put_le16(b + 11, 0xffff);
	assert_int_equal(unpack_exact(b, 20, &out), -EINVAL);
	put_le16(b + 11, 8); /* one byte more than there is */
	assert_int_equal(unpack_exact(b, 20, &out), -EINVAL);
	put_le16(b + 11, 7); /* exact */
	assert_int_equal(unpack_exact(b, 20, &out), 0);
	assert_int_equal(out.u.tversion.version.len, 7);

	/* Twalk (nwname at offset 15) with nwname 17, and nwname 16 with
	 * only one (empty) name present */
	memset(b, 0, sizeof(b));
	put_le32(b, 19);
	b[4] = P9_TWALK;
	put_le16(b + 15, 17);
	assert_int_equal(unpack_exact(b, 19, &out), -EINVAL);
	put_le16(b + 15, 16);
	assert_int_equal(unpack_exact(b, 19, &out), -EINVAL);
	put_le32(b, 18); /* name length cut in half */
	put_le16(b + 15, 1);
	assert_int_equal(unpack_exact(b, 18, &out), -EINVAL);
	put_le32(b, 19);
	assert_int_equal(unpack_exact(b, 19, &out), 0); /* one empty name */
	assert_int_equal(out.u.twalk.wname.n, 1);
	assert_int_equal(out.u.twalk.wname.name[0].len, 0);

	/* Rwalk nwqid 0xffff */
	memset(b, 0, sizeof(b));
	put_le32(b, 9 + 13);
	b[4] = P9_RWALK;
	put_le16(b + 7, 0xffff);
	assert_int_equal(unpack_exact(b, 9 + 13, &out), -EINVAL);
	put_le16(b + 7, 2); /* 2 qids announced, 1 present */
	assert_int_equal(unpack_exact(b, 9 + 13, &out), -EINVAL);
	put_le16(b + 7, 1);
	assert_int_equal(unpack_exact(b, 9 + 13, &out), 0);

	/* Rreaddir / Rread count beyond the packet */
	for (int type = P9_RREADDIR; type <= P9_RREAD; type += P9_RREAD - P9_RREADDIR) {
		memset(b, 0, sizeof(b));
		put_le32(b, 15);
		b[4] = (uint8_t)type;
		put_le32(b + 7, 0xffffffffu);
		assert_int_equal(unpack_exact(b, 15, &out), -EINVAL);
		put_le32(b + 7, 5);
		assert_int_equal(unpack_exact(b, 15, &out), -EINVAL);
		put_le32(b + 7, 4);
		assert_int_equal(unpack_exact(b, 15, &out), 0);
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void test_garbage_fuzz(void **state)
{
	uint8_t buf[512], enc[BUFSZ];
	struct p9_fcall out, in;
	int ok = 0;

	/* random bytes with a consistent size field and a known type */
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = rnd() % sizeof(buf);
		uint8_t type;
		int rc;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		if (len >= P9_HDRSZ && (iter & 1)) {
			put_le32(buf, (uint32_t)len);
			do
				type = (uint8_t)rnd();
			while (!p9_msg_desc(type));
			buf[4] = type;
			if (iter & 2) /* small counts/lengths are more interesting */
				for (size_t i = P9_HDRSZ + 1; i < len; i += 3)
					buf[i] = 0;
		}
		rc = unpack_exact(buf, len, &out);
		assert_true(rc == 0 || rc == -EPROTO || rc == -EINVAL || rc == -EOPNOTSUPP);
		if (rc == 0) {
			/* whatever decodes re-encodes to the same bytes */
			assert_int_equal(p9_unpack(buf, len, &out), 0);
			assert_int_equal(p9_pack(enc, sizeof(enc), &out), (int)len);
			assert_memory_equal(enc, buf, len);
			ok++;
		}
	}
	assert_true(ok > 0);

	/* bit flips of valid messages */
	for (int t = 0; t < P9_NTYPES; t++) {
		int n;

		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill(&in, (uint8_t)t, 1);
		n = p9_pack(enc, sizeof(enc), &in);
		for (int iter = 0; iter < 2000; iter++) {
			memcpy(buf, enc, (size_t)n);
			for (int k = 0; k < 1 + iter % 4; k++)
				buf[P9_HDRSZ + rnd() % (unsigned)(n > (int)P9_HDRSZ ? n - (int)P9_HDRSZ : 1) %
				    (unsigned)n] ^= (uint8_t)(1u << (rnd() % 8));
			int rc = unpack_exact(buf, (size_t)n, &out);
			assert_true(rc == 0 || rc == -EPROTO || rc == -EINVAL || rc == -EOPNOTSUPP);
		}
	}
}

static void test_pack_errors(void **state)
{
	uint8_t buf[BUFSZ];
	struct p9_fcall fc;
	static char big[70000];
	int n;

	/* every too-small buffer */
	fill(&fc, P9_RGETATTR, 1);
	n = p9_pack(buf, sizeof(buf), &fc);
	for (int cap = 0; cap < n; cap++)
		assert_int_equal(p9_pack(buf, (size_t)cap, &fc), -EMSGSIZE);

	/* string longer than a u16 */
	memset(big, 'x', sizeof(big) - 1);
	memset(&fc, 0, sizeof(fc));
	fc.type = P9_TVERSION;
	fc.u.tversion.version = p9_str_make(big);
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EINVAL);
	fc.u.tversion.version.len = P9_MAX_STRLEN; /* ok but too big for buf */
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EMSGSIZE);
	fc.u.tversion.version = (struct p9_str){ NULL, 3 };
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EINVAL);

	/* walk arrays beyond P9_MAXWELEM */
	memset(&fc, 0, sizeof(fc));
	fc.type = P9_TWALK;
	fc.u.twalk.wname.n = P9_MAXWELEM + 1;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EINVAL);
	fc.type = P9_RWALK;
	fc.u.rwalk.wqid.n = P9_MAXWELEM + 1;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EINVAL);

	/* data with a NULL pointer */
	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RREAD;
	fc.u.rread.data.count = 5;
	assert_int_equal(p9_pack(buf, sizeof(buf), &fc), -EINVAL);
}

static void test_format(void **state)
{
	struct p9_fcall fc = { .type = P9_TWALK, .tag = 1 };
	char line[256];

	fc.u.twalk.fid = 1;
	fc.u.twalk.newfid = 2;
	fc.u.twalk.wname.n = 2;
	fc.u.twalk.wname.name[0] = p9_str_make("etc");
	fc.u.twalk.wname.name[1] = (struct p9_str){ "a\0b", 3 };
	p9_fcall_format(&fc, line, sizeof(line));
	assert_string_equal(line, "Twalk tag=1 fid=1 newfid=2 nwname=2 wname=[\"etc\" \"a\\x00b\"]");

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RWALK;
	fc.tag = 1;
	fc.u.rwalk.wqid.n = 1;
	fc.u.rwalk.wqid.qid[0] = (struct p9_qid){ 0x80, 0, 42 };
	p9_fcall_format(&fc, line, sizeof(line));
	assert_string_equal(line, "Rwalk tag=1 nwqid=1 wqid=[{0x80,0,42}]");

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RLERROR;
	fc.tag = 5;
	fc.u.rlerror.ecode = ENOENT;
	p9_fcall_format(&fc, line, sizeof(line));
	assert_string_equal(line, "Rlerror tag=5 ecode=2 (ENOENT)");

	/* truncation keeps the buffer a C string and reports the full length */
	assert_int_equal(p9_fcall_format(&fc, line, 8), (int)strlen("Rlerror tag=5 ecode=2 (ENOENT)"));
	assert_string_equal(line, "Rlerror");

	/* every type formats */
	for (int t = 0; t < P9_NTYPES; t++) {
		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill(&fc, (uint8_t)t, 1);
		assert_true(p9_fcall_format(&fc, line, sizeof(line)) > 0);
		assert_memory_equal(line, p9_msg_desc((uint8_t)t)->name,
				    strlen(p9_msg_desc((uint8_t)t)->name));
	}
}

static void test_lopen_flags(void **state)
{
	const uint32_t lf = O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_SYNC | O_DIRECT | O_NOATIME;

	assert_int_equal(p9_lopen_flags_to_p9(O_RDONLY), P9_DOTL_RDONLY);
	assert_int_equal(p9_lopen_flags_to_p9(O_WRONLY | O_TRUNC), P9_DOTL_WRONLY | P9_DOTL_TRUNC);
	assert_int_equal(p9_lopen_flags_to_p9(O_DSYNC), P9_DOTL_DSYNC);
	assert_int_equal(p9_lopen_flags_to_p9(O_SYNC), P9_DOTL_SYNC | P9_DOTL_DSYNC);
	assert_int_equal(p9_lopen_flags_to_p9(0100000), P9_DOTL_LARGEFILE);
	assert_int_equal(p9_lopen_flags_to_linux(p9_lopen_flags_to_p9(lf)), lf);
	assert_int_equal(p9_lopen_flags_to_p9(O_PATH), 0); /* no 9P equivalent */
}

static void put_dirent(uint8_t *p, size_t *pos, uint64_t ino, uint64_t off, uint8_t type, const char *name)
{
	size_t n = strlen(name);

	p[*pos] = type == 4 ? P9_QTDIR : 0;
	put_le32(p + *pos + 1, 0);
	for (int k = 0; k < 8; k++) p[*pos + 5 + k] = (uint8_t)(ino >> (8 * k));
	for (int k = 0; k < 8; k++) p[*pos + 13 + k] = (uint8_t)(off >> (8 * k));
	p[*pos + 21] = type;
	put_le16(p + *pos + 22, (uint16_t)n);
	memcpy(p + *pos + 24, name, n);
	*pos += 24 + n;
}

static void test_dirent_next(void **state)
{
	uint8_t buf[256];
	size_t len = 0, pos = 0;
	struct p9_dirent e;

	put_dirent(buf, &len, 11, 100, 4, ".");
	put_dirent(buf, &len, 12, 200, 8, "file");
	assert_int_equal(p9_dirent_next(buf, len, &pos, &e), 1);
	assert_int_equal(e.namelen, 1);
	assert_memory_equal(e.name, ".", 1);
	assert_int_equal(e.qid.type, P9_QTDIR);
	assert_int_equal(e.qid.path, 11);
	assert_int_equal(e.offset, 100);
	assert_int_equal(e.type, 4);
	assert_int_equal(p9_dirent_next(buf, len, &pos, &e), 1);
	assert_memory_equal(e.name, "file", 4);
	assert_int_equal(e.offset, 200);
	assert_int_equal(p9_dirent_next(buf, len, &pos, &e), 0);
	assert_int_equal(pos, len);

	/* every truncation of the second entry is malformed */
	for (size_t cut = 25 + 1; cut < len; cut++) {
		pos = 25;
		assert_int_equal(p9_dirent_next(buf, cut, &pos, &e), -EPROTO);
	}
	/* empty name */
	len = 0;
	put_dirent(buf, &len, 1, 1, 8, "");
	pos = 0;
	assert_int_equal(p9_dirent_next(buf, len, &pos, &e), -EPROTO);
	/* huge namelen */
	len = 0;
	put_dirent(buf, &len, 1, 1, 8, "abc");
	put_le16(buf + 22, 0xffff);
	pos = 0;
	assert_int_equal(p9_dirent_next(buf, len, &pos, &e), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_known_layouts),
		cmocka_unit_test(test_inotify_layout),
		cmocka_unit_test(test_tmpfile_layout),
		cmocka_unit_test(test_bind_layout),
		cmocka_unit_test(test_truncated_every_prefix),
		cmocka_unit_test(test_bad_size_field_and_trailing),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_huge_lengths_and_counts),
		cmocka_unit_test(test_garbage_fuzz),
		cmocka_unit_test(test_pack_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_lopen_flags),
		cmocka_unit_test(test_dirent_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
