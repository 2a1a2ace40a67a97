/*
 * Events as JSON lines.  The objects are produced from the protobuf
 * descriptors, so their field names are the .proto's (stable: field names
 * are never reused), every field of the event's kind is printed (defaults
 * too: a consumer never has to guess), enums by name.
 */
#include "audit/audit.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

static int utf8_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	int n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; c &= 0x1f; }
	else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; c &= 0x0f; }
	else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; c &= 0x07; }
	else return 0;
	if ((size_t)n > left)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

void audit_json_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else {
			int n = utf8_len(s + i, len - i);
			if (n == 0) {
				fprintf(out, "\\udc%02x", c);   /* surrogateescape */
				i++;
			} else {
				fwrite(s + i, 1, (size_t)n, out);
				i += (size_t)n;
			}
		}
	}
	fputc('"', out);
}

static void json_message(const ProtobufCMessage *m, FILE *out);

static void json_value(const ProtobufCFieldDescriptor *f, const void *p, FILE *out)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(out, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(out, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(out, "%" PRId64, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(out, "%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		if (ev)
			audit_json_string(out, ev->name, strlen(ev->name));
		else
			fprintf(out, "%d", v);   /* a value from a newer writer */
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		if (s)
			audit_json_string(out, s, strlen(s));
		else
			fputs("\"\"", out);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
		if (sub)
			json_message(sub, out);
		else
			fputs("null", out);
		break;
	}
	default:   /* float, double, bytes: not in the schema */
		fputs("null", out);
		break;
	}
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	default:
		return 4;
	}
}

static void json_fields(const ProtobufCMessage *m, FILE *out, bool *first)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		if (!*first)
			fputc(',', out);
		*first = false;
		audit_json_string(out, f->name, strlen(f->name));
		fputc(':', out);
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(const char *const *)(base + f->offset);
			fputc('[', out);
			for (size_t j = 0; j < n; j++) {
				if (j)
					fputc(',', out);
				json_value(f, arr + j * type_size(f->type), out);
			}
			fputc(']', out);
		} else {
			json_value(f, base + f->offset, out);
		}
	}
}

static void json_message(const ProtobufCMessage *m, FILE *out)
{
	bool first = true;
	fputc('{', out);
	json_fields(m, out, &first);
	fputc('}', out);
}

static const struct { unsigned bit; const char *name; } open_flag_names[] = {
	{ O_SYNC, "O_SYNC" }, /* before O_DSYNC, which it contains */
	{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, "O_TRUNC" }, { O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" },
	{ O_DSYNC, "O_DSYNC" }, { O_ASYNC, "O_ASYNC" }, { O_DIRECT, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },   /* the kernel's value: glibc's is 0 on 64-bit */ { O_NOFOLLOW, "O_NOFOLLOW" }, { O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
	{ O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE" }, { O_DIRECTORY, "O_DIRECTORY" },
};

const char *audit_open_flags(unsigned flags, char *buf, size_t cap)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	size_t n = (size_t)snprintf(buf, cap, "%s", acc[flags & O_ACCMODE]);
	unsigned rest = flags & ~(unsigned)O_ACCMODE;
	for (size_t i = 0; i < sizeof open_flag_names / sizeof open_flag_names[0]; i++)
		if (open_flag_names[i].bit && (rest & open_flag_names[i].bit) == open_flag_names[i].bit) {
			rest &= ~open_flag_names[i].bit;
			if (n < cap)
				n += (size_t)snprintf(buf + n, cap - n, "|%s", open_flag_names[i].name);
		}
	if (rest && n < cap)
		snprintf(buf + n, cap - n, "|%#x", rest);
	return buf;
}

void audit_event_json(const AuditEvent *ev, FILE *out)
{
	bool first = true;
	fputc('{', out);
	json_fields(&ev->header->base, out, &first);
	const ProtobufCFieldDescriptor *kf = NULL;
	for (unsigned i = 0; i < ev->base.descriptor->n_fields; i++)
		if (ev->base.descriptor->fields[i].id == (uint32_t)ev->kind_case)
			kf = &ev->base.descriptor->fields[i];
	fputs(",\"kind\":", out);
	if (!kf) {
		/* a kind this reader does not know (a newer writer) */
		fputs("\"unknown\"}", out);
		return;
	}
	audit_json_string(out, kf->name, strlen(kf->name));
	fputc(',', out);
	audit_json_string(out, kf->name, strlen(kf->name));
	fputc(':', out);
	json_value(kf, (const char *)ev + kf->offset, out);
	/* opens, and the opens that created their file */
	if (ev->kind_case == RUNSC_LITE__AUDIT__EVENT__KIND_FILE &&
	    (ev->file->op == RUNSC_LITE__AUDIT__FILE_OP__OP__OPEN ||
	     (ev->file->op == RUNSC_LITE__AUDIT__FILE_OP__OP__CREATE && ev->file->syscall &&
	      (strncmp(ev->file->syscall, "open", 4) == 0 || strcmp(ev->file->syscall, "creat") == 0)))) {
		char fl[256];
		fputs(",\"open_flags\":", out);
		audit_open_flags(ev->file->flags, fl, sizeof fl);
		audit_json_string(out, fl, strlen(fl));
	}
	fputc('}', out);
}

int audit_json_lines(const uint8_t *buf, size_t len, FILE *out, char *err, size_t errcap)
{
	struct audit_reader r;
	if (audit_reader_open(&r, buf, len) < 0) {
		snprintf(err, errcap, "%s", r.err);
		return -1;
	}
	AuditEvent *ev;
	int rc;
	while ((rc = audit_reader_next(&r, &ev)) == 1) {
		audit_event_json(ev, out);
		fputc('\n', out);
		audit_event_free(ev);
	}
	if (rc < 0) {
		snprintf(err, errcap, "%s", r.err);
		return -1;
	}
	return 0;
}
