/*
 * Reading a trace stream, and the names of event kinds.  The stream is a
 * file anyone may have written: every length is checked against what is
 * left before anything is read, and every error names its byte offset.
 */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_names[AUDIT_NKINDS] = {
	[AUDIT_CLONE] = "clone", [AUDIT_EXEC] = "exec", [AUDIT_PROCESS_EXIT] = "process_exit",
	[AUDIT_OPEN] = "open", [AUDIT_CREATE] = "create", [AUDIT_UNLINK] = "unlink",
	[AUDIT_RENAME] = "rename", [AUDIT_LINK] = "link", [AUDIT_SYMLINK] = "symlink",
	[AUDIT_MKDIR] = "mkdir", [AUDIT_RMDIR] = "rmdir", [AUDIT_CHMOD] = "chmod",
	[AUDIT_CHOWN] = "chown", [AUDIT_TRUNCATE] = "truncate", [AUDIT_SETXATTR] = "setxattr",
	[AUDIT_CONNECT] = "connect", [AUDIT_BIND] = "bind", [AUDIT_DENIED] = "denied",
	[AUDIT_UNIMPLEMENTED] = "unimplemented", [AUDIT_SIGNAL] = "signal",
	[AUDIT_LISTEN] = "listen", [AUDIT_ACCEPT] = "accept", [AUDIT_SENDTO] = "sendto",
};

const char *audit_kind_name(enum audit_kind k)
{
	return k < AUDIT_NKINDS ? kind_names[k] : "?";
}

enum audit_kind audit_file_kind(RunscLite__Audit__FileOp__Op op)
{
	unsigned o = (unsigned)op;
	return o <= AUDIT_SETXATTR - AUDIT_OPEN ? (enum audit_kind)(AUDIT_OPEN + o) : AUDIT_NKINDS;
}

int audit_parse_kinds(const char *list, uint64_t *mask, const char **bad)
{
	static char badname[64];
	uint64_t m = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		uint64_t bit = 0;
		if (n == 3 && strncmp(p, "all", 3) == 0)
			bit = AUDIT_ALL_KINDS;
		else if (n == 7 && strncmp(p, "process", 7) == 0)
			bit = AUDIT_KIND_BIT(AUDIT_CLONE) | AUDIT_KIND_BIT(AUDIT_EXEC) |
			      AUDIT_KIND_BIT(AUDIT_PROCESS_EXIT);
		else if (n == 4 && strncmp(p, "file", 4) == 0)
			bit = AUDIT_KIND_BIT(AUDIT_SETXATTR + 1) - AUDIT_KIND_BIT(AUDIT_OPEN);
		else if (n == 3 && strncmp(p, "net", 3) == 0)
			bit = AUDIT_KIND_BIT(AUDIT_CONNECT) | AUDIT_KIND_BIT(AUDIT_BIND) |
			      AUDIT_KIND_BIT(AUDIT_LISTEN) | AUDIT_KIND_BIT(AUDIT_ACCEPT) |
			      AUDIT_KIND_BIT(AUDIT_SENDTO);
		else
			for (int k = 0; k < AUDIT_NKINDS; k++)
				if (strlen(kind_names[k]) == n && strncmp(p, kind_names[k], n) == 0)
					bit = AUDIT_KIND_BIT(k);
		if (!bit) {
			snprintf(badname, sizeof badname, "%.*s", (int)(n < 60 ? n : 60), p);
			*bad = badname;
			return -1;
		}
		m |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	*mask = m;
	return 0;
}

int audit_reader_open(struct audit_reader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->err[0] = 0;
	if (len == 0) {
		snprintf(r->err, sizeof r->err, "offset 0: empty trace (no \"%s\" preamble)", AUDIT_MAGIC);
		return -1;
	}
	if (len < AUDIT_PREAMBLE_LEN || memcmp(buf, AUDIT_MAGIC, 7) != 0) {
		snprintf(r->err, sizeof r->err, "offset 0: not a runsc-lite trace (no \"%s\" preamble)",
			 AUDIT_MAGIC);
		return -1;
	}
	if (buf[7] != AUDIT_VERSION) {
		snprintf(r->err, sizeof r->err, "offset 7: trace format version %u, this runsc-lite reads %u",
			 buf[7], AUDIT_VERSION);
		return -1;
	}
	r->off = AUDIT_PREAMBLE_LEN;
	return 0;
}

int audit_reader_next(struct audit_reader *r, AuditEvent **ev)
{
	*ev = NULL;
	if (r->off >= r->len)
		return 0;
	size_t at = r->off;
	uint64_t len = 0;
	size_t i = 0;
	for (;; i++) {
		if (at + i >= r->len) {
			snprintf(r->err, sizeof r->err, "offset %zu: truncated record length", at);
			return -1;
		}
		if (i == 5) {   /* 5 varint bytes hold 2^35 > AUDIT_EVENT_MAX */
			snprintf(r->err, sizeof r->err, "offset %zu: corrupt record length", at);
			return -1;
		}
		uint8_t b = r->buf[at + i];
		len |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	size_t body = at + i + 1;
	if (len > AUDIT_EVENT_MAX) {
		snprintf(r->err, sizeof r->err, "offset %zu: record length %llu exceeds %u", at,
			 (unsigned long long)len, AUDIT_EVENT_MAX);
		return -1;
	}
	if (len > r->len - body) {
		snprintf(r->err, sizeof r->err, "offset %zu: truncated record (length %llu, %zu bytes left)",
			 at, (unsigned long long)len, r->len - body);
		return -1;
	}
	AuditEvent *e = runsc_lite__audit__event__unpack(NULL, (size_t)len, r->buf + body);
	if (!e) {
		snprintf(r->err, sizeof r->err, "offset %zu: corrupt record (%llu bytes do not decode)", at,
			 (unsigned long long)len);
		return -1;
	}
	if (!e->header) {
		runsc_lite__audit__event__free_unpacked(e, NULL);
		snprintf(r->err, sizeof r->err, "offset %zu: corrupt record (no header)", at);
		return -1;
	}
	r->off = body + (size_t)len;
	*ev = e;
	return 1;
}

void audit_event_free(AuditEvent *ev)
{
	if (ev)
		runsc_lite__audit__event__free_unpacked(ev, NULL);
}

#define TRACE_FILE_MAX (1ULL << 32)

int audit_read_file(const char *path, uint8_t **out, size_t *outlen)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	int rc = buf ? 0 : -ENOMEM;
	while (rc == 0) {
		if (len == cap) {
			if (cap >= TRACE_FILE_MAX) {
				rc = -EFBIG;
				break;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		else if (n == 0)
			break;
		else
			len += (size_t)n;
	}
	close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return 0;
}
