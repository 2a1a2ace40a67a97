/*
 * p9 — the 9P2000.L protocol library of runsc-lite.
 *
 * The sentry (no host file access) talks to the gofer (the only process that
 * touches host files) with 9P2000.L over a SOCK_SEQPACKET unix socket. This
 * library is the protocol only; it knows nothing about files. It has three
 * layers, each usable on its own:
 *
 *   1. Codec      struct p9_fcall <-> bytes. Driven by ONE table (codec.c)
 *                 mapping each message type to the format string of its body
 *                 and to the struct p9_fcall fields the format codes bind to.
 *                 p9_pack() / p9_unpack() are the only (de)serialisers.
 *   2. Client     p9_client_*: synchronous calls, used by the sentry. Several
 *                 threads may have requests in flight at once on one client
 *                 (tags multiplexed on the one socket).
 *   3. Server     p9_server_*: receive a packet, decode, hand the typed request
 *                 to a backend callback table (struct p9_server_ops, one
 *                 function per message type), encode the reply or Rlerror,
 *                 send it with an optional donated FD; optionally on a pool
 *                 of worker threads. Used by the gofer.
 *
 * Wire format, transport and the runsc-lite extensions: p9/PROTOCOL.md.
 *
 * Error conventions (all layers):
 *   - Every fallible function returns 0 (or a positive count) on success and
 *     a negative errno on failure.
 *   - Client: an Rlerror{ecode} from the server is returned as -ecode. A
 *     transport failure (peer closed, send/recv error, truncated packet,
 *     malformed reply, wrong tag, wrong reply type, unexpected FD) is returned
 *     as -EIO and marks the client dead: every later call fails with -EIO at
 *     once, without touching the socket. The sentry never hangs on a dead
 *     gofer.
 *   - Codec: see p9_unpack() for the exact codes of each kind of rejection.
 *
 * Strings: 9P strings are length-counted, not NUL-terminated. Decoded strings
 * (struct p9_str) point INTO the packet buffer they were decoded from and may
 * contain any byte, including NUL; consumers that need C strings must check
 * and copy them. The codec itself is byte-transparent.
 */
#ifndef RUNSC_LITE_P9_P9_H
#define RUNSC_LITE_P9_P9_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h> /* ssize_t */

/* ---- protocol constants ------------------------------------------------- */

#define P9_VERSION_L        "9P2000.L"
#define P9_VERSION_RUNSC    "9P2000.L.runsc-lite.1" /* 9P2000.L + extensions */
#define P9_VERSION_UNKNOWN  "unknown"

#define P9_HDRSZ      7u            /* size[4] type[1] tag[2] */
#define P9_IOHDRSZ    11u           /* header + count[4] of Rread/Rreaddir */
#define P9_MAXWELEM   16            /* max names in one Twalk / qids in Rwalk */
#define P9_NOTAG      0xffffu       /* tag of Tversion */
#define P9_NOFID      0xffffffffu   /* "no fid" (Tattach afid) */
#define P9_MIN_MSIZE  4096u
/* A SOCK_SEQPACKET packet must fit the sender's socket buffer (about 208 KiB
 * by default); msize is clamped to this. */
#define P9_MAX_MSIZE  (128u * 1024u)
#define P9_MAX_STRLEN 0xffffu       /* string length is a u16 on the wire */

/* Message types of 9P2000.L. Reply type = request type + 1. */
enum p9_msg_type {
	P9_TLERROR = 6,       P9_RLERROR,
	P9_TSTATFS = 8,       P9_RSTATFS,
	P9_TLOPEN = 12,       P9_RLOPEN,
	P9_TLCREATE = 14,     P9_RLCREATE,
	P9_TSYMLINK = 16,     P9_RSYMLINK,
	P9_TMKNOD = 18,       P9_RMKNOD,
	P9_TRENAME = 20,      P9_RRENAME,
	P9_TREADLINK = 22,    P9_RREADLINK,
	P9_TGETATTR = 24,     P9_RGETATTR,
	P9_TSETATTR = 26,     P9_RSETATTR,
	P9_TXATTRWALK = 30,   P9_RXATTRWALK,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40,     P9_RREADDIR,
	P9_TFSYNC = 50,       P9_RFSYNC,
	P9_TLOCK = 52,        P9_RLOCK,
	P9_TGETLOCK = 54,     P9_RGETLOCK,
	P9_TLINK = 70,        P9_RLINK,
	P9_TMKDIR = 72,       P9_RMKDIR,
	P9_TRENAMEAT = 74,    P9_RRENAMEAT,
	P9_TUNLINKAT = 76,    P9_RUNLINKAT,
	P9_TVERSION = 100,    P9_RVERSION,
	P9_TAUTH = 102,       P9_RAUTH,
	P9_TATTACH = 104,     P9_RATTACH,
	P9_TFLUSH = 108,      P9_RFLUSH,
	P9_TWALK = 110,       P9_RWALK,
	P9_TREAD = 116,       P9_RREAD,
	P9_TWRITE = 118,      P9_RWRITE,
	P9_TCLUNK = 120,      P9_RCLUNK,
	P9_TREMOVE = 122,     P9_RREMOVE,
	/* runsc-lite extensions (PROTOCOL.md section 5c), only with
	 * "9P2000.L.runsc-lite.1": one round trip instead of two or three */
	P9_TWALKGETATTR = 128, P9_RWALKGETATTR,
	P9_TWALKOPEN = 130,   P9_RWALKOPEN,
	P9_TLCONNECT = 132,   P9_RLCONNECT,
	P9_TALLOCATE = 134,   P9_RALLOCATE,
	P9_TUCREATE = 136,    P9_RUCREATE,
	P9_TUMKDIR = 138,     P9_RUMKDIR,
	P9_TUMKNOD = 140,     P9_RUMKNOD,
	P9_TUSYMLINK = 142,   P9_RUSYMLINK,
	P9_TSETATTRCLUNK = 144, P9_RSETATTRCLUNK,
	P9_TMULTIGETATTR = 146, P9_RMULTIGETATTR,
	P9_TRENAMEAT2 = 148,  P9_RRENAMEAT2,
	P9_TINOTIFY = 150,    P9_RINOTIFY,
	P9_TTMPFILE = 152,    P9_RTMPFILE,
	P9_TBIND = 154,       P9_RBIND,
};
#define P9_NTYPES 256 /* the type field is a u8 */

/* qid.type bits */
#define P9_QTDIR     0x80
#define P9_QTAPPEND  0x40
#define P9_QTEXCL    0x20
#define P9_QTMOUNT   0x10
#define P9_QTAUTH    0x08
#define P9_QTTMP     0x04
#define P9_QTSYMLINK 0x02
#define P9_QTLINK    0x01
#define P9_QTFILE    0x00

/* Tlopen / Tlcreate flags (9P2000.L "dotl" flags). Translate from/to Linux
 * open(2) flags with p9_lopen_flags_to_p9() / p9_lopen_flags_to_linux(). */
#define P9_DOTL_RDONLY    00000000
#define P9_DOTL_WRONLY    00000001
#define P9_DOTL_RDWR      00000002
#define P9_DOTL_NOACCESS  00000003
#define P9_DOTL_ACCMODE   00000003
#define P9_DOTL_CREATE    00000100
#define P9_DOTL_EXCL      00000200
#define P9_DOTL_NOCTTY    00000400
#define P9_DOTL_TRUNC     00001000
#define P9_DOTL_APPEND    00002000
#define P9_DOTL_NONBLOCK  00004000
#define P9_DOTL_DSYNC     00010000
#define P9_DOTL_FASYNC    00020000
#define P9_DOTL_DIRECT    00040000
#define P9_DOTL_LARGEFILE 00100000
#define P9_DOTL_DIRECTORY 00200000
#define P9_DOTL_NOFOLLOW  00400000
#define P9_DOTL_NOATIME   01000000
#define P9_DOTL_CLOEXEC   02000000
#define P9_DOTL_SYNC      04000000

/* Tgetattr request_mask / Rgetattr valid bits */
#define P9_GETATTR_MODE         0x00000001ULL
#define P9_GETATTR_NLINK        0x00000002ULL
#define P9_GETATTR_UID          0x00000004ULL
#define P9_GETATTR_GID          0x00000008ULL
#define P9_GETATTR_RDEV         0x00000010ULL
#define P9_GETATTR_ATIME        0x00000020ULL
#define P9_GETATTR_MTIME        0x00000040ULL
#define P9_GETATTR_CTIME        0x00000080ULL
#define P9_GETATTR_INO          0x00000100ULL
#define P9_GETATTR_SIZE         0x00000200ULL
#define P9_GETATTR_BLOCKS       0x00000400ULL
#define P9_GETATTR_BTIME        0x00000800ULL
#define P9_GETATTR_GEN          0x00001000ULL
#define P9_GETATTR_DATA_VERSION 0x00002000ULL
#define P9_GETATTR_BASIC 0x000007ffULL /* MODE..BLOCKS */
#define P9_GETATTR_ALL   0x00003fffULL

/* Tsetattr valid bits */
/* Txattrcreate flag (runsc-lite extension, see PROTOCOL.md): remove the
 * attribute.  Without the extension, size 0 means removal (v9fs). */
#define P9_XATTR_REMOVE      0x80000000u

#define P9_SETATTR_MODE      0x00000001u
#define P9_SETATTR_UID       0x00000002u
#define P9_SETATTR_GID       0x00000004u
#define P9_SETATTR_SIZE      0x00000008u
#define P9_SETATTR_ATIME     0x00000010u
#define P9_SETATTR_MTIME     0x00000020u
#define P9_SETATTR_CTIME     0x00000040u
#define P9_SETATTR_ATIME_SET 0x00000080u
#define P9_SETATTR_MTIME_SET 0x00000100u

/* Tlock / Tgetlock */
#define P9_LOCK_TYPE_RDLCK 0
#define P9_LOCK_TYPE_WRLCK 1
#define P9_LOCK_TYPE_UNLCK 2
#define P9_LOCK_FLAGS_BLOCK   1
#define P9_LOCK_FLAGS_RECLAIM 2
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_BLOCKED 1
#define P9_LOCK_ERROR   2
#define P9_LOCK_GRACE   3

/* ---- message bodies ----------------------------------------------------- */

struct p9_qid { uint8_t type; uint32_t version; uint64_t path; };

/* Counted string s[2+n]. Not NUL-terminated; when decoded, points into the
 * packet. When encoding, len must be <= P9_MAX_STRLEN. */
struct p9_str { const char *str; size_t len; };

/* Counted data count[4] data[count] (Rread, Twrite, Rreaddir). */
struct p9_data { const void *data; uint32_t count; };

/* Twalk name array nwname[2] nwname*(wname[s]), nwname <= P9_MAXWELEM. */
struct p9_wnames { uint16_t n; struct p9_str name[P9_MAXWELEM]; };
/* Rwalk qid array nwqid[2] nwqid*(qid[13]), nwqid <= P9_MAXWELEM. */
struct p9_qids { uint16_t n; struct p9_qid qid[P9_MAXWELEM]; };

struct p9_attr {                 /* Rgetattr body */
	uint64_t valid; struct p9_qid qid;
	uint32_t mode, uid, gid; uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	uint64_t btime_sec, btime_nsec, gen, data_version;
};
struct p9_statfs { uint32_t type, bsize; uint64_t blocks, bfree, bavail, files, ffree, fsid; uint32_t namelen; }; /* Rstatfs body */

/* One struct per message with a non-empty body; field names follow the
 * 9P2000.L spec. Messages with an empty body (Tlerror, Rrename, Rsetattr,
 * Rxattrcreate, Rfsync, Rlink, Rrenameat, Runlinkat, Rflush, Rclunk,
 * Rremove) have no struct. */
struct p9_rlerror     { uint32_t ecode; };
struct p9_tstatfs     { uint32_t fid; };
struct p9_tlopen      { uint32_t fid, flags; };                  /* P9_DOTL_* */
struct p9_rlopen      { struct p9_qid qid; uint32_t iounit; };
struct p9_tlcreate    { uint32_t fid; struct p9_str name; uint32_t flags, mode, gid; };
struct p9_rlcreate    { struct p9_qid qid; uint32_t iounit; };
struct p9_tsymlink    { uint32_t fid; struct p9_str name, symtgt; uint32_t gid; };
struct p9_rsymlink    { struct p9_qid qid; };
struct p9_tmknod      { uint32_t dfid; struct p9_str name; uint32_t mode, major, minor, gid; };
struct p9_rmknod      { struct p9_qid qid; };
struct p9_trename     { uint32_t fid, dfid; struct p9_str name; };
struct p9_treadlink   { uint32_t fid; };
struct p9_rreadlink   { struct p9_str target; };
struct p9_tgetattr    { uint32_t fid; uint64_t request_mask; };
struct p9_tsetattr    { uint32_t fid, valid, mode, uid, gid; uint64_t size,
			atime_sec, atime_nsec, mtime_sec, mtime_nsec; };
struct p9_txattrwalk  { uint32_t fid, newfid; struct p9_str name; };
struct p9_rxattrwalk  { uint64_t size; };
struct p9_txattrcreate { uint32_t fid; struct p9_str name; uint64_t attr_size; uint32_t flags; };
struct p9_treaddir    { uint32_t fid; uint64_t offset; uint32_t count; };
struct p9_rreaddir    { struct p9_data data; };  /* see p9_dirent_next() */
struct p9_tfsync      { uint32_t fid, datasync; };
struct p9_tlock       { uint32_t fid; uint8_t type; uint32_t flags; uint64_t start, length;
			uint32_t proc_id; struct p9_str client_id; };
struct p9_rlock       { uint8_t status; };
struct p9_tgetlock    { uint32_t fid; uint8_t type; uint64_t start, length;
			uint32_t proc_id; struct p9_str client_id; };
struct p9_rgetlock    { uint8_t type; uint64_t start, length; uint32_t proc_id;
			struct p9_str client_id; };
struct p9_tlink       { uint32_t dfid, fid; struct p9_str name; };
struct p9_tmkdir      { uint32_t dfid; struct p9_str name; uint32_t mode, gid; };
struct p9_rmkdir      { struct p9_qid qid; };
struct p9_trenameat   { uint32_t olddirfid; struct p9_str oldname;
			uint32_t newdirfid; struct p9_str newname; };
struct p9_tunlinkat   { uint32_t dirfid; struct p9_str name; uint32_t flags; };
struct p9_tversion    { uint32_t msize; struct p9_str version; };
struct p9_rversion    { uint32_t msize; struct p9_str version; };
struct p9_tauth       { uint32_t afid; struct p9_str uname, aname; uint32_t n_uname; };
struct p9_rauth       { struct p9_qid aqid; };
struct p9_tattach     { uint32_t fid, afid; struct p9_str uname, aname; uint32_t n_uname; };
struct p9_rattach     { struct p9_qid qid; };
struct p9_tflush      { uint16_t oldtag; };
struct p9_twalk       { uint32_t fid, newfid; struct p9_wnames wname; };
struct p9_rwalk       { struct p9_qids wqid; };
struct p9_tread       { uint32_t fid; uint64_t offset; uint32_t count; };
struct p9_rread       { struct p9_data data; };
struct p9_twrite      { uint32_t fid; uint64_t offset; struct p9_data data; };
struct p9_rwrite      { uint32_t count; };
struct p9_tclunk      { uint32_t fid; };
struct p9_tremove     { uint32_t fid; };
/* Twalkgetattr: a Twalk whose reply also carries the Rgetattr body of the
 * last element (valid 0 when the walk stopped early). */
struct p9_rwalkgetattr { struct p9_qids wqid; struct p9_attr attr; };
/* Twalkopen: walk names from fid (creating no fid) and open the regular
 * file reached; the reply is an Rlopen body with the donated FD. */
struct p9_twalkopen   { uint32_t fid; struct p9_wnames wname; uint32_t flags; };
/* Tlconnect: connect to the host unix socket the fid names (type:
 * SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM); Rlconnect carries the
 * connected socket as a donated FD. */
struct p9_tlconnect   { uint32_t fid, type; };
/* Tallocate: fallocate(2) on the regular file the fid names. */
struct p9_tallocate   { uint32_t fid, mode; uint64_t offset, length; };
/* Tucreate/Tumkdir/Tumknod/Tusymlink: the 9P2000.L request plus the owner
 * uid[4] of the new entry (replies: Rlcreate, Rmkdir, Rmknod, Rsymlink). */
struct p9_tucreate    { struct p9_tlcreate base; uint32_t uid; };
struct p9_tumkdir     { struct p9_tmkdir base; uint32_t uid; };
struct p9_tumknod     { struct p9_tmknod base; uint32_t uid; };
struct p9_tusymlink   { struct p9_tsymlink base; uint32_t uid; };
/* Tsetattrclunk: Tsetattr then Tclunk of the fid (gone even on error). */
/* Tmultigetattr: walks names from fid one by one (creating no fid) and
 * returns the Rgetattr body of each element reached, P9_ATTR_SIZE bytes
 * each, back to back in data; fewer than asked when the walk stopped. */
struct p9_tmultigetattr { uint32_t fid; struct p9_wnames wname; };
/* Trenameat2: Trenameat with renameat2(2)'s flags (RENAME_NOREPLACE,
 * RENAME_EXCHANGE, RENAME_WHITEOUT). */
struct p9_trenameat2 { struct p9_trenameat base; uint32_t flags; };
/* Ttmpfile: an unnamed regular file (open(2)'s O_TMPFILE) on the directory
 * dfid's filesystem, opened with flags (P9_DOTL_*: an access mode that
 * writes, P9_DOTL_EXCL: never linkable) and bound to newfid; uid and gid as
 * Tucreate's.  The reply is an Rlcreate body with the donated FD.  Tlink
 * with newfid as its fid gives the file a name (unless P9_DOTL_EXCL). */
struct p9_ttmpfile { uint32_t dfid, newfid, flags, mode, gid, uid; };
/* Tbind: the unix socket sent with the request bound to `name` in dfid
 * (PROTOCOL.md §5h); mode & 07777 of the socket file, owner as Tumknod. */
struct p9_tbind    { uint32_t dfid; struct p9_str name; uint32_t mode, gid, uid; };
struct p9_rbind    { struct p9_qid qid; };
struct p9_rmultigetattr { uint16_t count; struct p9_data data; };
/* Tinotify: inotify_add_watch(2) on the file the fid names, for the
 * inotify instance the client sends with the request (SCM_RIGHTS, the only
 * request that carries an FD); mask as inotify_add_watch's.  Rinotify: the
 * watch descriptor, 1..INT32_MAX. */
struct p9_tinotify { uint32_t fid, mask; };
struct p9_rinotify { uint32_t wd; };
#define P9_ATTR_SIZE 153   /* an Rgetattr body on the wire */

/* A decoded (or to-be-encoded) message: header + the body of `type`. Only the
 * union member named after `type` (lower case, e.g. u.twalk for P9_TWALK)
 * is meaningful. */
struct p9_fcall {
	uint8_t  type;
	uint16_t tag;
	union {
		struct p9_rlerror rlerror;
		struct p9_tstatfs tstatfs;       struct p9_statfs rstatfs;
		struct p9_tlopen tlopen;         struct p9_rlopen rlopen;
		struct p9_tlcreate tlcreate;     struct p9_rlcreate rlcreate;
		struct p9_tsymlink tsymlink;     struct p9_rsymlink rsymlink;
		struct p9_tmknod tmknod;         struct p9_rmknod rmknod;
		struct p9_trename trename;
		struct p9_treadlink treadlink;   struct p9_rreadlink rreadlink;
		struct p9_tgetattr tgetattr;     struct p9_attr rgetattr;
		struct p9_tsetattr tsetattr;
		struct p9_txattrwalk txattrwalk; struct p9_rxattrwalk rxattrwalk;
		struct p9_txattrcreate txattrcreate;
		struct p9_treaddir treaddir;     struct p9_rreaddir rreaddir;
		struct p9_tfsync tfsync;
		struct p9_tlock tlock;           struct p9_rlock rlock;
		struct p9_tgetlock tgetlock;     struct p9_rgetlock rgetlock;
		struct p9_tlink tlink;
		struct p9_tmkdir tmkdir;         struct p9_rmkdir rmkdir;
		struct p9_trenameat trenameat;
		struct p9_tunlinkat tunlinkat;
		struct p9_tversion tversion;     struct p9_rversion rversion;
		struct p9_tauth tauth;           struct p9_rauth rauth;
		struct p9_tattach tattach;       struct p9_rattach rattach;
		struct p9_tflush tflush;
		struct p9_twalk twalk;           struct p9_rwalk rwalk;
		struct p9_tread tread;           struct p9_rread rread;
		struct p9_twrite twrite;         struct p9_rwrite rwrite;
		struct p9_tclunk tclunk;
		struct p9_tremove tremove;
		struct p9_twalk twalkgetattr;    struct p9_rwalkgetattr rwalkgetattr;
		struct p9_twalkopen twalkopen;   struct p9_rlopen rwalkopen;
		struct p9_tlconnect tlconnect;
		struct p9_tallocate tallocate;
		struct p9_tucreate tucreate;     struct p9_rlcreate rucreate;
		struct p9_tumkdir tumkdir;       struct p9_rmkdir rumkdir;
		struct p9_tumknod tumknod;       struct p9_rmknod rumknod;
		struct p9_tusymlink tusymlink;   struct p9_rsymlink rusymlink;
		struct p9_tsetattr tsetattrclunk;
		struct p9_tmultigetattr tmultigetattr; struct p9_rmultigetattr rmultigetattr;
		struct p9_trenameat2 trenameat2;
		struct p9_tinotify tinotify;     struct p9_rinotify rinotify;
		struct p9_ttmpfile ttmpfile;     struct p9_rlcreate rtmpfile;
		struct p9_tbind tbind;           struct p9_rbind rbind;
	} u;
};

/* ---- codec -------------------------------------------------------------- */

/*
 * The message table. Format codes (one per wire field, in wire order):
 *   b u8   w u16   d u32   q u64      (little-endian)
 *   s string  len[2] bytes[len]                       -> struct p9_str
 *   Q qid     type[1] version[4] path[8]              -> struct p9_qid
 *   W names   n[2] n*(s), n <= P9_MAXWELEM            -> struct p9_wnames
 *   R qids    n[2] n*(Q), n <= P9_MAXWELEM            -> struct p9_qids
 *   D data    count[4] bytes[count]                   -> struct p9_data
 * field[i] binds format code i to a member of struct p9_fcall (offset, size,
 * name for tracing).
 */
#define P9_MAXFIELDS 21
struct p9_field { const char *name; uint16_t off, size; };
struct p9_msgdesc {
	const char *name;              /* "Twalk"; NULL: type not in 9P2000.L */
	const char *fmt;               /* "ddW" */
	struct p9_field field[P9_MAXFIELDS];
};
/* The table entry of `type`, or NULL if the type is not a 9P2000.L message. */
const struct p9_msgdesc *p9_msg_desc(uint8_t type);
/* Consistency check of the table (codes known, one field per code, field
 * sizes match codes). 0 or -EINVAL. Run by the unit tests. */
int p9_msg_table_check(void);

/*
 * Encode fc (type, tag and body per the table) into buf. Returns the message
 * length (== its size field), -EMSGSIZE if it does not fit in cap, -EINVAL
 * for an unknown type or an unencodable value (string longer than
 * P9_MAX_STRLEN, walk array longer than P9_MAXWELEM, NULL pointer with
 * non-zero length).
 */
int p9_pack(void *buf, size_t cap, const struct p9_fcall *fc);

/*
 * Decode exactly one message occupying buf[0..len). Total: never reads
 * outside buf, never trusts a length. Returns 0, or:
 *   -EPROTO      header unusable: len < P9_HDRSZ or size field != len.
 *                fc is zeroed; nothing is known about the message.
 *   -EOPNOTSUPP  header valid but the type is not a 9P2000.L message.
 *                fc->type and fc->tag are set (a server can reply).
 *   -EINVAL      header valid, body malformed: a field runs past the end,
 *                a string/data length or array count exceeds the packet or
 *                P9_MAXWELEM, or bytes remain after the last field.
 *                fc->type and fc->tag are set.
 * Strings and data in fc point into buf.
 */
int p9_unpack(const void *buf, size_t len, struct p9_fcall *fc);

/* Reads the header only (no size/length consistency check). 0 or -EPROTO. */
int p9_peek_header(const void *buf, size_t len, uint32_t *size, uint8_t *type, uint16_t *tag);

/* One human-readable line (no newline) describing fc, driven by the table:
 * "Twalk tag=1 fid=1 newfid=2 nwname=2 wname=[\"a\" \"b\"]". Returns what
 * snprintf would; buf is always NUL-terminated when cap > 0. */
int p9_fcall_format(const struct p9_fcall *fc, char *buf, size_t cap);

/* Helpers. p9_str_make() wraps a C string (NULL gives the empty string). */
static inline struct p9_str p9_str_make(const char *s)
{
	struct p9_str r = { s ? s : "", s ? strlen(s) : 0 };
	return r;
}
bool p9_str_eq(struct p9_str s, const char *cstr); /* exact bytes, no NUL inside */

/* Linux open(2) flags <-> P9_DOTL_* flags, both through ONE table (flags.c).
 * Flags without a 9P equivalent (O_PATH, O_TMPFILE's private bit) are
 * dropped. */
uint32_t p9_lopen_flags_to_p9(uint32_t linux_flags);
uint32_t p9_lopen_flags_to_linux(uint32_t p9_flags);

/* ---- client ------------------------------------------------------------- */

struct p9_client;

/* Requests one client keeps in flight at once (each with its own tag and
 * reply buffer); more callers wait.  Every call below may be made by
 * several threads at once. */
#define P9_CLIENT_MAX_REQUESTS 56

/* Tversion (msize, version "9P2000.L.runsc-lite.1"; accept a server reply of
 * plain "9P2000.L" with extensions off) + Tattach(fid, afid=P9_NOFID, uname
 * "", aname, n_uname 0). On success *root_fid is the attached fid. Takes
 * ownership of sock (closed on failure too). msize is clamped to
 * [P9_MIN_MSIZE, P9_MAX_MSIZE]; the server may lower it further.
 * Errors: -EPROTONOSUPPORT if the server answers "unknown" or another
 * version; -EIO on a transport failure; -ecode if Tattach is refused
 * (e.g. -ENOENT for an unknown aname). */
int  p9_client_open(struct p9_client **out, int sock, uint32_t msize, const char *aname, uint32_t *root_fid, struct p9_qid *root_qid);
/* A further Tattach on an open client: the root of another tree the server
 * serves under `aname` (a volume).  -ecode if the server refuses it. */
int  p9_client_attach(struct p9_client *c, const char *aname, uint32_t *root_fid, struct p9_qid *root_qid);
/* Closes the socket and frees c. No message is sent (fids die with the
 * connection). Must not race with calls on c. NULL is allowed. */
void p9_client_close(struct p9_client *c);
/* True when "9P2000.L.runsc-lite.1" was negotiated: Rlopen (and Rlcreate)
 * of a regular file donates the host FD (see PROTOCOL.md). */
bool p9_client_has_fd_donation(const struct p9_client *c);
/* The negotiated msize. */
uint32_t p9_client_msize(const struct p9_client *c);
/* True once a transport failure was seen (all calls now return -EIO). */
bool p9_client_is_dead(const struct p9_client *c);
/* One human-readable line per T and R message (p9_fcall_format), e.g.
 * "Twalk tag=1 fid=1 newfid=2 nwname=2 ..." / "Rwalk tag=1 nwqid=2 ...".
 * Called with the client's lock held (from whichever thread sends or
 * receives; never two at once); trace must not call into c. NULL disables. */
void p9_client_set_trace(struct p9_client *c, void (*trace)(void *arg, const char *line), void *arg);
/*
 * Abandons the call `thread` is making on c, if it is waiting for a reply
 * (the sentry, when the application task that thread serves is
 * interrupted): that call returns -EINTR at once, and a Tflush for its
 * request goes out (see p9_rpc_cancel in client_internal.h: whether the
 * request took effect on the server is unknown, and an FD it would have
 * donated is closed).  Returns 1 when a call was abandoned, 0 when thread
 * had none in flight or its reply had arrived already.
 */
int p9_client_interrupt(struct p9_client *c, pthread_t thread);

/* Unique fid number; never returns P9_NOFID. Numbers released by p9_clunk()
 * (or p9_fid_free()) are reused. */
uint32_t p9_fid_alloc(struct p9_client *c);
/* Give back a number from p9_fid_alloc() that is NOT live on the server
 * (e.g. the newfid of a walk that stopped early or failed). Do not call it
 * after p9_clunk(), which already releases the number. */
void p9_fid_free(struct p9_client *c, uint32_t fid);

/* Twalk with nwname <= 16 (P9_MAXWELEM); *nqid receives the number of qids
 * returned (Linux semantics: fewer than nwname means the walk stopped;
 * newfid is then NOT created; return 0 anyway and let the caller look at
 * nqid). nwname 0 clones the fid. qids may be NULL; otherwise it has room
 * for nwname entries. Names are sent as given; the server validates them. */
int  p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname, const char *const *names, struct p9_qid *qids, uint16_t *nqid);
int  p9_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_attr *out);
/* Twalk + Tgetattr of newfid in one round trip (Twalkgetattr extension; two
 * round trips without it).  attr->valid is 0 when the walk stopped early. */
int  p9_walk_getattr(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
		     const char *const *names, struct p9_qid *qids, uint16_t *nqid,
		     struct p9_attr *attr);
/* Walks names from fid and opens the regular file reached, creating no fid:
 * one round trip, FD donated (Twalkopen extension; -EOPNOTSUPP without it). */
int  p9_walk_open(struct p9_client *c, uint32_t fid, uint16_t nwname, const char *const *names,
		  uint32_t linux_flags, struct p9_qid *qid, int *host_fd);
/* A socket connected to the host unix socket fid names (Tlconnect
 * extension); type is SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM. */
int  p9_lconnect(struct p9_client *c, uint32_t fid, int type, int *sock_fd);
/* fallocate(2) of the file fid names (Tallocate extension). */
int  p9_allocate(struct p9_client *c, uint32_t fid, int mode, uint64_t offset, uint64_t length);
/* Tlopen with Linux open flags (translated to 9P lopen flags in ONE table);
 * *host_fd receives the donated FD (O_CLOEXEC in the receiver) or -1 when
 * the server donated none. The caller owns the FD. qid, iounit may be NULL. */
int  p9_lopen(struct p9_client *c, uint32_t fid, uint32_t linux_flags, struct p9_qid *qid, uint32_t *iounit, int *host_fd);
/* Tlcreate: creates `name` in directory fid with Linux open flags and mode;
 * on success fid is no longer the directory but the new file, opened (9P
 * semantics). *host_fd as for p9_lopen (the runsc-lite extension donates
 * the new regular file's FD). qid, iounit, host_fd may be NULL. */
int  p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t linux_flags, uint32_t mode, uint32_t gid, struct p9_qid *qid, uint32_t *iounit, int *host_fd);
/* Treaddir: fills buf with the raw Rreaddir data (qid[13] offset[8] type[1]
 * name[s] entries); returns bytes (0 at the end of the directory). count is
 * clamped to msize - P9_IOHDRSZ; buf must hold count bytes. */
int  p9_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf);
/* The same, and *at_end: with the runsc-lite extension, whether this reply
 * was the listing's last (it left room for an entry of the longest name:
 * PROTOCOL.md §5), so no Treaddir is needed to learn that nothing follows.
 * Always false without the extension. */
int  p9_readdir_end(struct p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf,
		    bool *at_end);
struct p9_dirent { struct p9_qid qid; uint64_t offset; uint8_t type; uint16_t namelen; const char *name; /* not NUL-terminated, points into buf */ };
/* iterate: returns 1 and fills *ent while entries remain at *pos, 0 at the
 * end, -EPROTO on malformed data (truncated entry, empty name). */
int  p9_dirent_next(const void *buf, size_t len, size_t *pos, struct p9_dirent *ent);
/* returns length, NUL-terminates, -ENAMETOOLONG if it does not fit;
 * a target containing NUL is a malformed reply (-EIO). */
int  p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t cap);
int  p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *out);
/* Releases fid on the server and returns the number to the allocator (9P:
 * the fid is gone even when Rlerror is returned). */
int  p9_clunk(struct p9_client *c, uint32_t fid);

/* Creating, linking, renaming, removing. Names are sent as given (the
 * server validates them); NULL is -EINVAL. qid may be NULL. Modes carry
 * the permission bits (& 07777) and, for p9_mknod, the file type. */
/* Tmkdir: directory `name` in dfid with mode (umask already applied) and gid. */
int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid, struct p9_qid *qid);
/* Tsymlink: symlink `name` in dfid whose body is target, stored as given. */
int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target, uint32_t gid, struct p9_qid *qid);
/* Tmknod: S_IFIFO, S_IFSOCK or S_IFREG node `name` in dfid (devices: -EPERM from the gofer). */
int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid, struct p9_qid *qid);
/* Tlink: dfid/name becomes a new name of fid's (non-directory) file. */
int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name);
/* Trenameat: olddirfid/oldname -> newdirfid/newname. */
int p9_renameat(struct p9_client *c, uint32_t olddirfid, const char *oldname, uint32_t newdirfid, const char *newname);
/* Trename: fid's file becomes dfid/name; fid keeps naming it. */
int p9_rename(struct p9_client *c, uint32_t fid, uint32_t dfid, const char *name);
/* Tunlinkat: flags 0 (unlink) or AT_REMOVEDIR 0x200 (rmdir). */
int p9_unlinkat(struct p9_client *c, uint32_t dirfid, const char *name, uint32_t flags);
/* Tremove: removes what fid names; the fid is gone afterwards, as with clunk. */
int p9_remove(struct p9_client *c, uint32_t fid);

/* Tsetattr body. valid: P9_SETATTR_* bits as in 9P2000.L (MODE 0x1 UID 0x2
 * GID 0x4 SIZE 0x8 ATIME 0x10 MTIME 0x20 CTIME 0x40 ATIME_SET 0x80 MTIME_SET
 * 0x100); ATIME/MTIME without their *_SET bit mean "now". */
struct p9_setattr { uint32_t valid; uint32_t mode, uid, gid; uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec; };
/* Tsetattr: changes the fields of attr->valid of fid's file (never a symlink's target). */
int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *attr);
/* Creation with an explicit owner (Tucreate/Tumkdir/Tumknod/Tusymlink):
 * uid (uint32_t)-1 leaves the gofer's own; -EOPNOTSUPP without the
 * extension.  p9_ucreate is p9_lcreate plus uid. */
int  p9_ucreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t linux_flags,
		uint32_t mode, uint32_t uid, uint32_t gid, struct p9_qid *qid, int *host_fd);
int  p9_umkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	       uint32_t uid, uint32_t gid, struct p9_qid *qid);
int  p9_umknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	       uint32_t uid, uint32_t gid, struct p9_qid *qid);
int  p9_usymlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
		 uint32_t uid, uint32_t gid, struct p9_qid *qid);
/* Tsetattrclunk: setattr, then the fid is gone (even on error). */
int  p9_setattr_clunk(struct p9_client *c, uint32_t fid, const struct p9_setattr *attr);
/* Tmultigetattr: the attributes of each of the nwname elements walked from
 * fid, in one round trip; returns how many were reached (< nwname: the
 * walk stopped there). */
int  p9_multigetattr(struct p9_client *c, uint32_t fid, uint16_t nwname, const char *const *names,
		     struct p9_attr *attrs);
/* Trenameat2: renameat2(2) of olddirfid/oldname to newdirfid/newname. */
int  p9_renameat2(struct p9_client *c, uint32_t olddirfid, const char *oldname,
		  uint32_t newdirfid, const char *newname, uint32_t flags);
/* Tinotify: inotify_add_watch(2) of the file fid names on the inotify
 * instance inotify_fd (sent along, never closed here): the watch
 * descriptor, or -ecode; -EOPNOTSUPP without the extension; a reply
 * outside 1..INT32_MAX is a protocol violation (-EIO). */
int  p9_inotify_add_watch(struct p9_client *c, uint32_t fid, uint32_t mask, int inotify_fd);
/* Tbind: bind(2) of the unix socket `sock` (sent along, never closed here)
 * to `name` in directory dfid, on the host; the socket file gets mode &
 * 07777 and the owner rule of Tumknod.  -EOPNOTSUPP without the extension. */
int  p9_bind(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t uid,
	     uint32_t gid, int sock, struct p9_qid *qid);
/* Ttmpfile: an unnamed file on dfid's filesystem (O_TMPFILE), bound to
 * newfid (from p9_fid_alloc; on failure not created: the caller gives the
 * number back with p9_fid_free) and opened with
 * linux_flags (access mode, O_EXCL: never linkable, status flags); *host_fd
 * is the donated FD.  -EOPNOTSUPP without the extension. */
int  p9_tmpfile(struct p9_client *c, uint32_t dfid, uint32_t newfid, uint32_t linux_flags,
		uint32_t mode, uint32_t uid, uint32_t gid, struct p9_qid *qid, int *host_fd);
/* Tfsync: fsync (datasync: fdatasync) of fid's file or directory. */
int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync);

/* Extended attributes, Linux semantics: cap 0 asks for the size; -ENODATA,
 * -ERANGE (buffer too small, name empty or too long), -E2BIG as Linux. Each
 * uses a private clone of fid internally. A size-0 p9_setxattr removes the
 * attribute (9P2000.L cannot carry an empty value). */
/* Txattrwalk + Tread: the value of name into buf; returns its size. */
ssize_t p9_getxattr(struct p9_client *c, uint32_t fid, const char *name, void *buf, size_t cap);
/* Txattrwalk "" + Tread: the NUL-separated name list into buf; returns its size. */
ssize_t p9_listxattr(struct p9_client *c, uint32_t fid, char *buf, size_t cap);
/* Txattrcreate + Twrite + Tclunk: flags XATTR_CREATE 1 / XATTR_REPLACE 2; the clunk's reply is the result. */
int p9_setxattr(struct p9_client *c, uint32_t fid, const char *name, const void *value, size_t size, int flags);
/* p9_setxattr of size 0: removes name (-ENODATA if absent). */
int p9_removexattr(struct p9_client *c, uint32_t fid, const char *name);

/* Tread on an opened fid (no FD donation) or an xattr fid; returns bytes
 * (0 at the end). count is clamped to msize - P9_IOHDRSZ. */
int p9_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t count);
/* Twrite on an opened fid; returns the bytes written. count is clamped to what fits in msize. */
int p9_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf, uint32_t count);
/* Tlock: P9_LOCK_TYPE_*, P9_LOCK_FLAGS_*; length 0 = to the end. *status: P9_LOCK_SUCCESS, or P9_LOCK_BLOCKED when it would have to wait (the gofer never waits). client_id may be NULL. */
int p9_lock(struct p9_client *c, uint32_t fid, uint8_t type, uint32_t flags, uint64_t start, uint64_t length, uint32_t proc_id, const char *client_id, uint8_t *status);
/* Tgetlock: in: the lock one would take; out: P9_LOCK_TYPE_UNLCK if it could be taken, else the conflicting lock (proc_id 0 when unknown). */
int p9_getlock(struct p9_client *c, uint32_t fid, uint8_t *type, uint64_t *start, uint64_t *length, uint32_t *proc_id);

/* ---- server ------------------------------------------------------------- */

/*
 * Backend callback table, one function per request type (diod style). Each
 * receives the backend's `arg`, the decoded request (strings point into the
 * receive buffer) and, when the reply has a body, the reply body to fill
 * (zeroed beforehand). Return 0 to send the reply, or a negative errno to
 * send Rlerror(-rc). A NULL entry answers Rlerror(EOPNOTSUPP).
 *
 * Pointers placed in a reply (strings, data) must stay valid until the
 * callback's caller has encoded the reply, i.e. until the next callback on
 * the same thread (per-thread storage is fine; per-connection storage is
 * not once several workers serve: see p9_server_start()).
 *
 * lopen/lcreate may set *fd (initially -1) to an FD to send with the reply
 * (SCM_RIGHTS). The library always closes it: after sending it, or without
 * sending it when the callback fails, the reply cannot be encoded, or the
 * session did not negotiate the extension (see reset()).
 *
 * read/readdir: buf has room for t->count bytes; t->count has already been
 * clamped so that the reply fits in msize. Point r->data.data into buf (or
 * any memory valid per the rule above).
 *
 * Tversion and Tflush are handled by the library: Tversion negotiates msize
 * and version then calls reset(), with no other request in progress;
 * Tflush is answered with Rflush once the flushed request has been answered
 * (at once when it has been already): the library never abandons a request
 * the backend is serving (PROTOCOL.md section 3).
 *
 * Threads: with p9_server_start() several requests are in callbacks at
 * once, on different threads; the backend serialises what must be (see
 * p9_server_set_hooks()).  reset() never runs concurrently with another
 * callback.
 */
struct p9_server_ops {
	/* A Tversion ended the previous session: drop every fid. msize and
	 * fd_donation (runsc-lite extension on) describe the new session;
	 * msize 0 means none was established (unknown version, msize too
	 * small) and every request but Tversion is refused. */
	void (*reset)(void *arg, uint32_t msize, bool fd_donation);

	int (*auth)(void *arg, const struct p9_tauth *t, struct p9_rauth *r);
	int (*attach)(void *arg, const struct p9_tattach *t, struct p9_rattach *r);
	int (*walk)(void *arg, const struct p9_twalk *t, struct p9_rwalk *r);
	int (*read)(void *arg, const struct p9_tread *t, struct p9_rread *r, void *buf);
	int (*write)(void *arg, const struct p9_twrite *t, struct p9_rwrite *r);
	int (*clunk)(void *arg, const struct p9_tclunk *t);
	int (*remove)(void *arg, const struct p9_tremove *t);
	int (*statfs)(void *arg, const struct p9_tstatfs *t, struct p9_statfs *r);
	int (*lopen)(void *arg, const struct p9_tlopen *t, struct p9_rlopen *r, int *fd);
	int (*lcreate)(void *arg, const struct p9_tlcreate *t, struct p9_rlcreate *r, int *fd);
	int (*symlink)(void *arg, const struct p9_tsymlink *t, struct p9_rsymlink *r);
	int (*mknod)(void *arg, const struct p9_tmknod *t, struct p9_rmknod *r);
	int (*rename)(void *arg, const struct p9_trename *t);
	int (*readlink)(void *arg, const struct p9_treadlink *t, struct p9_rreadlink *r);
	int (*getattr)(void *arg, const struct p9_tgetattr *t, struct p9_attr *r);
	int (*setattr)(void *arg, const struct p9_tsetattr *t);
	int (*xattrwalk)(void *arg, const struct p9_txattrwalk *t, struct p9_rxattrwalk *r);
	int (*xattrcreate)(void *arg, const struct p9_txattrcreate *t);
	int (*readdir)(void *arg, const struct p9_treaddir *t, struct p9_rreaddir *r, void *buf);
	int (*fsync)(void *arg, const struct p9_tfsync *t);
	int (*lock)(void *arg, const struct p9_tlock *t, struct p9_rlock *r);
	int (*getlock)(void *arg, const struct p9_tgetlock *t, struct p9_rgetlock *r);
	int (*link)(void *arg, const struct p9_tlink *t);
	int (*mkdir)(void *arg, const struct p9_tmkdir *t, struct p9_rmkdir *r);
	int (*renameat)(void *arg, const struct p9_trenameat *t);
	int (*unlinkat)(void *arg, const struct p9_tunlinkat *t);
	/* runsc-lite extensions: refused (EOPNOTSUPP) by the library unless
	 * the session negotiated them */
	int (*walkgetattr)(void *arg, const struct p9_twalk *t, struct p9_rwalkgetattr *r);
	int (*walkopen)(void *arg, const struct p9_twalkopen *t, struct p9_rlopen *r, int *fd);
	int (*lconnect)(void *arg, const struct p9_tlconnect *t, int *fd);
	int (*allocate)(void *arg, const struct p9_tallocate *t);
	int (*ucreate)(void *arg, const struct p9_tucreate *t, struct p9_rlcreate *r, int *fd);
	int (*umkdir)(void *arg, const struct p9_tumkdir *t, struct p9_rmkdir *r);
	int (*umknod)(void *arg, const struct p9_tumknod *t, struct p9_rmknod *r);
	int (*usymlink)(void *arg, const struct p9_tusymlink *t, struct p9_rsymlink *r);
	int (*setattrclunk)(void *arg, const struct p9_tsetattr *t);
	/* buf has room for t->wname.n attribute bodies */
	int (*multigetattr)(void *arg, const struct p9_tmultigetattr *t, struct p9_rmultigetattr *r,
			    void *buf);
	int (*renameat2)(void *arg, const struct p9_trenameat2 *t);
	/* fd: the FD that came with the request (-1: none); the library
	 * closes it once the callback returns, whatever it returned */
	int (*inotify)(void *arg, const struct p9_tinotify *t, struct p9_rinotify *r, int fd);
	int (*bind)(void *arg, const struct p9_tbind *t, struct p9_rbind *r, int fd);
	int (*tmpfile)(void *arg, const struct p9_ttmpfile *t, struct p9_rlcreate *r, int *fd);
};

struct p9_server;
/* Per connection: requests received and not answered yet (a waiting Tflush
 * counts).  At the limit the server stops reading the socket until one is
 * answered. */
#define P9_SERVER_MAX_INFLIGHT 64

/* Does NOT take ownership of sock. max_msize is clamped to
 * [P9_MIN_MSIZE, P9_MAX_MSIZE]. Stops the workers of p9_server_start() if
 * p9_server_run() never released them. */
int  p9_server_new(struct p9_server **out, int sock, uint32_t max_msize, const struct p9_server_ops *ops, void *arg);
void p9_server_free(struct p9_server *s);
/* One line per request: "<T line> -> <R line>" (see p9_fcall_format).
 * Called from the worker threads, concurrently. */
void p9_server_set_trace(struct p9_server *s, void (*trace)(void *arg, const char *line), void *arg);
/*
 * Creates nworkers threads that will serve the connection together, parked
 * until p9_server_run() (so a process can confine itself in between, e.g.
 * with a seccomp policy that forbids creating threads: when it returns,
 * every worker has finished starting and waits on a futex).  The workers take
 * turns receiving and each serves the request it received, so a request
 * that blocks in a callback holds up only its own worker.  0 or -errno.
 */
int  p9_server_start(struct p9_server *s, unsigned nworkers);
/*
 * Optional hooks around each request that reaches a callback (not Tversion,
 * Tflush, nor requests refused by the library), on the serving thread:
 * begin(arg, t) before the callback — it may wait, e.g. until the fids t
 * names are free — and a negative errno answers Rlerror instead, without
 * end(); end(arg, t) once the reply is encoded, before it is sent.  Set
 * before serving.
 */
void p9_server_set_hooks(struct p9_server *s, int (*begin)(void *arg, const struct p9_fcall *t),
			 void (*end)(void *arg, const struct p9_fcall *t));
/*
 * Receive one packet and answer it (on the calling thread; not together with
 * p9_server_start()). Returns 1 when a request was handled
 * (including ones answered with Rlerror), 0 when the peer closed the
 * connection, or a negative errno on a fatal error: -EPROTO when a packet's
 * header is unreadable (shorter than P9_HDRSZ, or size field != packet
 * length) — the connection must then be dropped — or a socket error.
 * Handling of bad requests:
 *   unknown type, R-message, or no callback      -> Rlerror(EOPNOTSUPP)
 *   malformed body (p9_unpack -EINVAL)           -> Rlerror(EINVAL)
 *   larger than the negotiated msize             -> Rlerror(EMSGSIZE)
 *   anything but Tversion before a session       -> Rlerror(EPROTO)
 * FDs sent by the client are closed and ignored, except the one FD of a
 * Tinotify, which its callback gets (and the library closes after it).
 */
int  p9_server_handle_one(struct p9_server *s);
/* Without p9_server_start(): p9_server_handle_one() until it returns <= 0;
 * returns that value.  After it: releases the workers and returns once they
 * have stopped, with 0 when the peer closed the connection or the first
 * fatal error (the connection is then shut down: a request whose tag is
 * already in flight is -EPROTO too); requests being served are answered
 * first. */
int  p9_server_run(struct p9_server *s);
/* Whether the current session negotiated the runsc-lite extension. */
bool p9_server_has_fd_donation(const struct p9_server *s);

#endif
