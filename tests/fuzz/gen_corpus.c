/*
 * Writes the seed corpus of the fuzz targets (`make fuzz-corpus`):
 *
 *   CORPUS/decode/msg-<Name>     one valid message of every type of the codec
 *                                table, every field filled (p9_pack)
 *   CORPUS/decode/bad-*          messages broken the ways a decoder
 *                                must survive: cut short, trailing byte,
 *                                wrong size field, 17 walk names, a string
 *                                or data length past the end, unknown type
 *   CORPUS/gofer/<scenario>      request sequences for fuzz_gofer in its
 *                                chunk format (see fuzz_gofer.c), each a
 *                                small story against its tree: walks,
 *                                opens, readdir, symlinks, bad names,
 *                                read-only mount, sessions, raw packets,
 *                                one request of every type
 *   REPRO/gofer/<bug>            inputs reproducing open bugs of the gofer
 *                                (they fail today; each moves to the
 *                                corpus once fixed)
 *
 * Usage: gen_corpus CORPUS_DIR REPRO_DIR.  Deterministic: rerunning it
 * rewrites the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9/p9.h"

#define CHUNK_RAW 0x8000u
#define ROOT_FID  0 /* fuzz_gofer attaches fid 0 to the "rw" mount */

static const char *corpus, *repro;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *dir, const char *target, const char *name,
		       const void *buf, size_t len)
{
	char path[512];
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		die(path);
	close(fd);
}

static void write_seed(const char *target, const char *name, const void *buf, size_t len)
{
	write_file(corpus, target, name, buf, len);
}

/* ---- decode: one message of every type ---------------------------------- */

static uint8_t dirents[64];
static size_t dirents_len;

/* Two Rreaddir entries, so that data fields also seed p9_dirent_next. */
static void make_dirents(void)
{
	static const char *const names[] = { "a", "file" };
	uint8_t *p = dirents;

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(names[i]);

		memset(p, 0, 24);
		p[0] = i ? P9_QTFILE : P9_QTDIR;
		p[5] = (uint8_t)(10 + i);    /* qid.path */
		p[13] = (uint8_t)(1 + i);    /* offset */
		p[21] = i ? 8 : 4;           /* DT_REG, DT_DIR */
		p[22] = (uint8_t)n;
		memcpy(p + 24, names[i], n);
		p += 24 + n;
	}
	dirents_len = (size_t)(p - dirents);
}

/* Fills every field of fc from the table, whatever the type. */
static void fill_fields(struct p9_fcall *fc)
{
	static const char *const names[] = { "dir", "file" };
	const struct p9_msgdesc *d = p9_msg_desc(fc->type);
	char *base = (char *)fc;

	for (size_t i = 0; d->fmt[i]; i++) {
		void *m = base + d->field[i].off;

		switch (d->fmt[i]) {
		case 'b': *(uint8_t *)m = 1; break;
		case 'w': *(uint16_t *)m = (uint16_t)(2 + i); break;
		case 'd': *(uint32_t *)m = (uint32_t)(1 + i); break;
		case 'q': *(uint64_t *)m = 0x100 + i; break;
		case 's': *(struct p9_str *)m = p9_str_make(names[i % 2]); break;
		case 'Q': *(struct p9_qid *)m = (struct p9_qid){ P9_QTDIR, 0, 42 }; break;
		case 'W': {
			struct p9_wnames *wn = m;

			wn->n = 2;
			wn->name[0] = p9_str_make(names[0]);
			wn->name[1] = p9_str_make(names[1]);
			break;
		}
		case 'R': {
			struct p9_qids *qs = m;

			qs->n = 2;
			qs->qid[0] = (struct p9_qid){ P9_QTDIR, 0, 7 };
			qs->qid[1] = (struct p9_qid){ P9_QTFILE, 0, 8 };
			break;
		}
		case 'D':
			*(struct p9_data *)m = (struct p9_data){ dirents, (uint32_t)dirents_len };
			break;
		}
	}
	if (fc->type == P9_TVERSION || fc->type == P9_RVERSION) {
		fc->u.tversion.msize = 8192;
		fc->u.tversion.version = p9_str_make(P9_VERSION_RUNSC);
	}
}

static void set_size(uint8_t *buf, size_t len)
{
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)(len >> (8 * i));
}

static void seed_broken(const char *name, const uint8_t *msg, size_t len)
{
	uint8_t b[512];
	char nm[96];

	memcpy(b, msg, len);
	if (len > P9_HDRSZ) {
		set_size(b, len - 1);           /* the last field cut short */
		snprintf(nm, sizeof(nm), "bad-short-%s", name);
		write_seed("decode", nm, b, len - 1);
	}
	set_size(b, len + 1);                   /* one byte of trailing garbage */
	b[len] = 0xa5;
	snprintf(nm, sizeof(nm), "bad-trailing-%s", name);
	write_seed("decode", nm, b, len + 1);
}

static void seed_messages(void)
{
	uint8_t buf[512];

	make_dirents();
	for (unsigned t = 0; t < P9_NTYPES; t++) {
		struct p9_fcall fc = { .type = (uint8_t)t, .tag = 1 };
		char nm[96];
		int n;

		if (!p9_msg_desc((uint8_t)t))
			continue;
		fill_fields(&fc);
		n = p9_pack(buf, sizeof(buf), &fc);
		if (n < 0) {
			errno = -n;
			die(p9_msg_desc((uint8_t)t)->name);
		}
		snprintf(nm, sizeof(nm), "msg-%s", p9_msg_desc((uint8_t)t)->name);
		write_seed("decode", nm, buf, (size_t)n);
		/* messages with arrays or data also get broken copies (the
		 * corpus stays small; strings are broken by the bad-* seeds) */
		if (strpbrk(p9_msg_desc((uint8_t)t)->fmt, "WRD"))
			seed_broken(p9_msg_desc((uint8_t)t)->name, buf, (size_t)n);
	}
}

/* Hand-broken headers and counts. */
static void seed_bad_headers(void)
{
	struct p9_fcall fc = { .type = P9_TWALK, .tag = 3 };
	uint8_t b[512];
	int n;

	write_seed("decode", "bad-empty", "", 0);
	write_seed("decode", "bad-6-bytes", "\x06\x00\x00\x00\x6e\x01", 6);
	write_seed("decode", "bad-unknown-type", "\x07\x00\x00\x00\x63\x05\x00", 7);
	write_seed("decode", "bad-size-too-big", "\xff\xff\x00\x00\x78\x01\x00\x00\x00\x00\x00", 11);

	fill_fields(&fc);
	n = p9_pack(b, sizeof(b), &fc);
	b[15] = 17;                             /* nwname 17 > P9_MAXWELEM */
	write_seed("decode", "bad-nwname-17", b, (size_t)n);
	b[15] = 2;
	b[17] = 0xff;                           /* first name: 255 bytes, past the end */
	write_seed("decode", "bad-string-past-end", b, (size_t)n);

	memset(&fc, 0, sizeof(fc));
	fc.type = P9_RREAD;
	fc.u.rread.data = (struct p9_data){ "abcd", 4 };
	n = p9_pack(b, sizeof(b), &fc);
	b[10] = 0x7f;                           /* count[4] high byte */
	write_seed("decode", "bad-data-past-end", b, (size_t)n);
}

/* ---- gofer: request sequences ------------------------------------------- */

struct seq { uint8_t buf[16384]; size_t len; uint16_t tag; };

static void put_chunk(struct seq *s, const void *p, size_t n, uint16_t flags)
{
	uint16_t hdr = (uint16_t)(n | flags);

	if (s->len + 2 + n > sizeof(s->buf)) {
		errno = E2BIG;
		die("sequence");
	}
	s->buf[s->len++] = (uint8_t)hdr;
	s->buf[s->len++] = (uint8_t)(hdr >> 8);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* A request as a chunk without its size field (the harness adds it). */
static void put(struct seq *s, struct p9_fcall *fc)
{
	uint8_t b[8192];
	int n;

	fc->tag = fc->type == P9_TVERSION ? P9_NOTAG : ++s->tag;
	n = p9_pack(b, sizeof(b), fc);
	if (n < 0) {
		errno = -n;
		die("p9_pack");
	}
	put_chunk(s, b + 4, (size_t)n - 4, 0);
}

static void raw(struct seq *s, const void *p, size_t n)
{
	put_chunk(s, p, n, CHUNK_RAW);
}

static void walk(struct seq *s, uint32_t fid, uint32_t newfid, int n, ...)
{
	struct p9_fcall fc = { .type = P9_TWALK };
	va_list ap;

	fc.u.twalk.fid = fid;
	fc.u.twalk.newfid = newfid;
	fc.u.twalk.wname.n = (uint16_t)n;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		fc.u.twalk.wname.name[i] = p9_str_make(va_arg(ap, const char *));
	va_end(ap);
	put(s, &fc);
}

static void walk_str(struct seq *s, uint32_t fid, uint32_t newfid, struct p9_str name)
{
	struct p9_fcall fc = { .type = P9_TWALK };

	fc.u.twalk.fid = fid;
	fc.u.twalk.newfid = newfid;
	fc.u.twalk.wname.n = 1;
	fc.u.twalk.wname.name[0] = name;
	put(s, &fc);
}

static void lopen(struct seq *s, uint32_t fid, uint32_t p9flags)
{
	struct p9_fcall fc = { .type = P9_TLOPEN };

	fc.u.tlopen.fid = fid;
	fc.u.tlopen.flags = p9flags;
	put(s, &fc);
}

static void fid_op(struct seq *s, uint8_t type, uint32_t fid)
{
	struct p9_fcall fc = { .type = type };

	/* Tgetattr, Treadlink, Tstatfs, Tclunk, Tremove: fid is the first field */
	fc.u.tclunk.fid = fid;
	if (type == P9_TGETATTR)
		fc.u.tgetattr.request_mask = P9_GETATTR_ALL;
	put(s, &fc);
}

static void readdir(struct seq *s, uint32_t fid, uint64_t offset, uint32_t count)
{
	struct p9_fcall fc = { .type = P9_TREADDIR };

	fc.u.treaddir.fid = fid;
	fc.u.treaddir.offset = offset;
	fc.u.treaddir.count = count;
	put(s, &fc);
}

static void attach(struct seq *s, uint32_t fid, uint32_t afid, const char *aname)
{
	struct p9_fcall fc = { .type = P9_TATTACH };

	fc.u.tattach.fid = fid;
	fc.u.tattach.afid = afid;
	fc.u.tattach.aname = p9_str_make(aname);
	put(s, &fc);
}

static void version(struct seq *s, uint32_t msize, const char *v)
{
	struct p9_fcall fc = { .type = P9_TVERSION };

	fc.u.tversion.msize = msize;
	fc.u.tversion.version = p9_str_make(v);
	put(s, &fc);
}

static void lcreate(struct seq *s, uint32_t fid, const char *name, uint32_t p9flags)
{
	struct p9_fcall fc = { .type = P9_TLCREATE };

	fc.u.tlcreate.fid = fid;
	fc.u.tlcreate.name = p9_str_make(name);
	fc.u.tlcreate.flags = p9flags;
	fc.u.tlcreate.mode = 0644;
	put(s, &fc);
}

static void save(struct seq *s, const char *name)
{
	write_seed("gofer", name, s->buf, s->len);
	memset(s, 0, sizeof(*s));
}

static void seed_gofer_files(struct seq *s)
{
	walk(s, ROOT_FID, 1, 1, "file");
	fid_op(s, P9_TGETATTR, 1);
	lopen(s, 1, P9_DOTL_RDONLY);
	fid_op(s, P9_TCLUNK, 1);
	save(s, "walk-getattr-lopen-file");

	walk(s, ROOT_FID, 1, 3, "dir", "sub", "deep");
	lopen(s, 1, P9_DOTL_RDWR);
	fid_op(s, P9_TGETATTR, 1);
	save(s, "walk-3-lopen-rdwr");

	walk(s, ROOT_FID, 1, 1, "file");
	lopen(s, 1, P9_DOTL_RDWR | P9_DOTL_TRUNC);
	save(s, "lopen-trunc");

	walk(s, ROOT_FID, 1, 1, "fifo");
	fid_op(s, P9_TGETATTR, 1);
	lopen(s, 1, P9_DOTL_RDONLY);
	save(s, "lopen-fifo");

	walk(s, ROOT_FID, 1, 1, "dir");
	lopen(s, 1, P9_DOTL_RDWR);
	lopen(s, 1, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY);
	walk(s, 1, 2, 0);
	lopen(s, 1, P9_DOTL_RDONLY);
	walk(s, ROOT_FID, 3, 1, "file");
	lopen(s, 3, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY);
	lopen(s, 3, P9_DOTL_NOACCESS);
	save(s, "lopen-errors");

	walk(s, ROOT_FID, 1, 0);
	lcreate(s, 1, "created", P9_DOTL_RDWR | P9_DOTL_CREATE);
	walk(s, ROOT_FID, 2, 1, "dir");
	lcreate(s, 2, "../escape", P9_DOTL_RDWR | P9_DOTL_CREATE);
	lcreate(s, 2, "inner", P9_DOTL_RDWR | P9_DOTL_CREATE);
	save(s, "lcreate");
}

static void seed_gofer_dirs(struct seq *s)
{
	walk(s, ROOT_FID, 1, 0);
	lopen(s, 1, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY);
	readdir(s, 1, 0, 8192);
	save(s, "readdir-root");

	walk(s, ROOT_FID, 1, 1, "many");
	lopen(s, 1, P9_DOTL_RDONLY);
	readdir(s, 1, 0, 80);
	readdir(s, 1, 1, 80);
	readdir(s, 1, 2, 200);
	readdir(s, 1, 0, 10);
	save(s, "readdir-paged");

	walk(s, ROOT_FID, 1, 1, "file");
	readdir(s, 1, 0, 4096);
	lopen(s, 1, P9_DOTL_RDONLY);
	readdir(s, 1, 0, 4096);
	save(s, "readdir-file");

	walk(s, ROOT_FID, ROOT_FID, 1, "dir");
	walk(s, ROOT_FID, ROOT_FID, 1, "sub");
	fid_op(s, P9_TGETATTR, ROOT_FID);
	walk(s, ROOT_FID, ROOT_FID, 0);
	save(s, "walk-onto-itself");

	walk(s, ROOT_FID, 1, 16, "dir", "sub", "a", "b", "c", "d", "e", "f",
	     "g", "h", "i", "j", "k", "l", "m", "n");
	walk(s, ROOT_FID, 1, 3, "dir", "inner", "x");
	walk(s, ROOT_FID, 1, 1, "missing");
	save(s, "walk-partial");

	for (uint32_t f = 1; f <= 24; f++)
		walk(s, ROOT_FID, f, 0);
	walk(s, ROOT_FID, 1, 0);
	fid_op(s, P9_TCLUNK, 7);
	fid_op(s, P9_TGETATTR, 7);
	fid_op(s, P9_TCLUNK, ROOT_FID);
	walk(s, ROOT_FID, 30, 0);
	save(s, "fids");

	fid_op(s, P9_TSTATFS, ROOT_FID);
	walk(s, ROOT_FID, 1, 1, "empty");
	fid_op(s, P9_TSTATFS, 1);
	save(s, "statfs");
}

static void seed_gofer_links(struct seq *s)
{
	static const char nul_name[] = "file\0/../../etc";
	char longname[300];

	walk(s, ROOT_FID, 1, 1, "link_passwd");
	fid_op(s, P9_TREADLINK, 1);
	fid_op(s, P9_TGETATTR, 1);
	lopen(s, 1, P9_DOTL_RDONLY);
	walk(s, ROOT_FID, 2, 2, "link_etc", "passwd");
	walk(s, ROOT_FID, 3, 1, "link_up");
	fid_op(s, P9_TREADLINK, 3);
	lopen(s, 3, P9_DOTL_RDONLY);
	walk(s, ROOT_FID, 4, 3, "dir", "up", "file");
	walk(s, ROOT_FID, 5, 2, "link_root", "etc");
	fid_op(s, P9_TREADLINK, ROOT_FID);
	save(s, "symlinks");

	walk(s, ROOT_FID, 1, 1, "..");
	walk(s, ROOT_FID, 1, 2, "..", "canary");
	lopen(s, 1, P9_DOTL_RDONLY);
	walk(s, ROOT_FID, 1, 1, ".");
	walk(s, ROOT_FID, 1, 1, "");
	walk(s, ROOT_FID, 1, 1, "dir/inner");
	walk(s, ROOT_FID, 1, 1, "/etc");
	walk(s, ROOT_FID, 1, 2, "dir", "..");
	walk(s, ROOT_FID, 1, 3, "dir", "sub", "../..");
	walk_str(s, ROOT_FID, 1, (struct p9_str){ nul_name, sizeof(nul_name) - 1 });
	memset(longname, 'n', sizeof(longname));
	walk_str(s, ROOT_FID, 1, (struct p9_str){ longname, 256 });
	walk_str(s, ROOT_FID, 1, (struct p9_str){ longname, 255 });
	save(s, "bad-names");
}

static void seed_gofer_sessions(struct seq *s)
{
	attach(s, 5, P9_NOFID, "ro");
	walk(s, 5, 6, 1, "file");
	lopen(s, 6, P9_DOTL_WRONLY);
	lopen(s, 6, P9_DOTL_RDONLY | P9_DOTL_TRUNC);
	lopen(s, 6, P9_DOTL_RDONLY);
	walk(s, 5, 7, 0);
	lcreate(s, 7, "new", P9_DOTL_RDWR | P9_DOTL_CREATE);
	save(s, "readonly-mount");

	attach(s, 1, P9_NOFID, "nope");
	attach(s, 1, 9, "rw");
	attach(s, ROOT_FID, P9_NOFID, "rw");
	attach(s, 2, P9_NOFID, "");
	save(s, "attach-errors");

	version(s, 8192, P9_VERSION_L);
	attach(s, ROOT_FID, P9_NOFID, "rw");
	walk(s, ROOT_FID, 1, 1, "file");
	lopen(s, 1, P9_DOTL_RDONLY);
	save(s, "plain-9p2000L");

	version(s, 8192, "9P2000");
	walk(s, ROOT_FID, 1, 0);
	version(s, 100, P9_VERSION_RUNSC);
	walk(s, ROOT_FID, 1, 0);
	version(s, 1u << 20, P9_VERSION_RUNSC);
	attach(s, ROOT_FID, P9_NOFID, "rw");
	fid_op(s, P9_TGETATTR, ROOT_FID);
	save(s, "versions");

	{
		struct p9_fcall fc = { .type = P9_TFLUSH };

		fc.u.tflush.oldtag = 3;
		put(s, &fc);
		save(s, "flush");
	}

	{
		/* msize 4096, then a request larger than that */
		static char big[4200];
		struct p9_fcall fc = { .type = P9_TWALK };

		version(s, 4096, P9_VERSION_RUNSC);
		attach(s, ROOT_FID, P9_NOFID, "rw");
		memset(big, 'b', sizeof(big));
		fc.u.twalk.newfid = 1;
		fc.u.twalk.wname.n = 1;
		fc.u.twalk.wname.name[0] = (struct p9_str){ big, sizeof(big) };
		put(s, &fc);
		fid_op(s, P9_TGETATTR, ROOT_FID);
		save(s, "msize-exceeded");
	}
}

/* Raw packets: the header checks that end the connection. */
static void seed_gofer_raw(struct seq *s)
{
	static const uint8_t rgetattr[] = { 7, 0, 0, 0, P9_RGETATTR, 5, 0 };
	static const uint8_t rclunk[] = { 7, 0, 0, 0, P9_RCLUNK, 5, 0 };
	static const uint8_t unknown[] = { 7, 0, 0, 0, 99, 5, 0 };
	static const uint8_t mismatch[] = { 12, 0, 0, 0, P9_TCLUNK, 5, 0, 0, 0, 0, 0 };

	raw(s, rgetattr, sizeof(rgetattr));
	raw(s, rclunk, sizeof(rclunk));
	raw(s, unknown, sizeof(unknown));
	fid_op(s, P9_TGETATTR, ROOT_FID);
	save(s, "raw-odd-types");

	walk(s, ROOT_FID, 1, 0);
	raw(s, "\x03\x00\x00", 3);
	walk(s, ROOT_FID, 2, 0);
	save(s, "raw-short-header");

	raw(s, mismatch, sizeof(mismatch));
	save(s, "raw-size-mismatch");

	fid_op(s, P9_TGETATTR, ROOT_FID);
	raw(s, "", 0);
	save(s, "raw-empty-packet");
}

/* One seed per request type of the codec table, fields filled from the
 * table, so that every operation (including ones added later) is reached. */
static void seed_gofer_every_op(struct seq *s)
{
	for (unsigned type = 0; type < P9_NTYPES; type += 2) {
		const struct p9_msgdesc *d = p9_msg_desc((uint8_t)type);
		struct p9_fcall fc = { .type = (uint8_t)type };
		char name[64];

		if (!d || type == P9_TVERSION || type == P9_TFLUSH || type == P9_TLERROR)
			continue;
		walk(s, ROOT_FID, 1, 1, "dir");
		fill_fields(&fc);
		/* A body starting with a u32 is a fid (afid for Tauth): the root,
		 * or fid 1 ("dir") for Tremove, which removes the fid's file. */
		if (d->fmt[0] == 'd')
			fc.u.tclunk.fid = type == P9_TAUTH ? P9_NOFID :
					  type == P9_TREMOVE ? 1 : ROOT_FID;
		put(s, &fc);
		snprintf(name, sizeof(name), "op-%s", d->name);
		save(s, name);
	}
}

/* The tree's listening socket, connected to through the gofer. */
static void seed_gofer_socket(struct seq *s)
{
	struct p9_fcall fc = { .type = P9_TLCONNECT };

	walk(s, ROOT_FID, 1, 1, "sock");
	fid_op(s, P9_TGETATTR, 1);
	fc.u.tlconnect.fid = 1;
	fc.u.tlconnect.type = 1; /* SOCK_STREAM */
	put(s, &fc);
	fc.u.tlconnect.type = 7;
	put(s, &fc);
	save(s, "lconnect");
}

/* The first bug the gofer target found, fixed (now in the corpus):
 * Tlconnect to a listener whose queue is full held a gofer worker in
 * connect(2) (fuzz_gofer's listener has a backlog of 16 and never accepts
 * during an input). */
static void seed_repro(struct seq *s)
{
	struct p9_fcall fc = { .type = P9_TLCONNECT };

	walk(s, ROOT_FID, 1, 1, "sock");
	fc.u.tlconnect.fid = 1;
	fc.u.tlconnect.type = 1; /* SOCK_STREAM */
	for (int i = 0; i < 24; i++)
		put(s, &fc);
	write_file(corpus, "gofer", "lconnect-backlog-full", s->buf, s->len);
	memset(s, 0, sizeof(*s));
}

int main(int argc, char **argv)
{
	static struct seq s;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_corpus CORPUS_DIR REPRO_DIR\n");
		return 2;
	}
	corpus = argv[1];
	repro = argv[2];
	seed_messages();
	seed_bad_headers();
	seed_gofer_files(&s);
	seed_gofer_dirs(&s);
	seed_gofer_links(&s);
	seed_gofer_sessions(&s);
	seed_gofer_raw(&s);
	seed_gofer_every_op(&s);
	seed_gofer_socket(&s);
	seed_repro(&s);
	return 0;
}
