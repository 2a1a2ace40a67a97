/*
 * `runsc-lite report`: what a job did, from its trace.  Everything is
 * gathered first (a corrupt stream prints nothing but the error: a partial
 * summary would claim a job did less than it did), then printed as text,
 * JSON or Markdown (a CI job summary).
 */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A set of strings with counts, kept in insertion order. */
struct entry {
	char *key, *note;
	uint64_t count;
	struct entry *hnext;
};
struct set {
	struct entry **items;
	size_t n, cap;
	struct entry *buckets[1024];
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct entry *set_add(struct set *st, const char *key, const char *note)
{
	struct entry **b = &st->buckets[hash(key) % 1024];
	for (struct entry *e = *b; e; e = e->hnext)
		if (strcmp(e->key, key) == 0) {
			e->count++;
			return e;
		}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct entry **items = realloc(st->items, cap * sizeof *items);
		if (!items)
			return NULL;
		st->items = items;
		st->cap = cap;
	}
	struct entry *e = calloc(1, sizeof *e);
	if (!e || !(e->key = strdup(key)) || (note && !(e->note = strdup(note)))) {
		if (e)
			free(e->key);
		free(e);
		return NULL;
	}
	e->count = 1;
	e->hnext = *b;
	*b = e;
	st->items[st->n++] = e;
	return e;
}

static void set_free(struct set *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->items[i]->key);
		free(st->items[i]->note);
		free(st->items[i]);
	}
	free(st->items);
}

/* Paths by directory, then name: each directory's files stay together. */
static int by_key(const void *a, const void *b)
{
	const char *x = (*(struct entry *const *)a)->key, *y = (*(struct entry *const *)b)->key;
	const char *xs = strrchr(x, '/'), *ys = strrchr(y, '/');
	size_t xl = xs ? (size_t)(xs - x) : 0, yl = ys ? (size_t)(ys - y) : 0;
	int c = strncmp(x, y, xl < yl ? xl : yl);
	if (c == 0 && xl != yl)
		return xl < yl ? -1 : 1;
	return c ? c : strcmp(x + xl, y + yl);
}

static void set_sort(struct set *st)
{
	if (st->n)
		qsort(st->items, st->n, sizeof *st->items, by_key);
}

#define VFS_NOTE_MAX 4200

struct job {
	char *id;
	bool have_exit;
	int status, signal;
	uint64_t duration_ns, dropped;
	uint64_t first_ns, last_ns;
	struct set programs, exec_failed, read, written, created, deleted, renamed, net, denied,
		unimplemented, signals;
	bool nomem;
};

static const char *pick(const char *resolved, const char *path)
{
	return resolved && resolved[0] ? resolved : path ? path : "";
}

static void add(struct job *j, struct set *st, const char *key, const char *note)
{
	if (!set_add(st, key, note))
		j->nomem = true;
}

static void note_file(struct job *j, const RunscLite__Audit__FileOp *f)
{
	if (f->error != 0)
		return;   /* a failed change changed nothing */
	const char *p = pick(f->resolved, f->path);
	char buf[8192];
	switch (f->op) {
	case RUNSC_LITE__AUDIT__FILE_OP__OP__OPEN: {
		unsigned acc = f->flags & O_ACCMODE;
		if (f->flags & O_PATH)
			break;
		if (acc != O_RDONLY || (f->flags & (O_TRUNC | O_CREAT)))
			add(j, &j->written, p, NULL);
		else if (!(f->flags & O_DIRECTORY))
			add(j, &j->read, p, NULL);
		break;
	}
	case RUNSC_LITE__AUDIT__FILE_OP__OP__CREATE:
		/* an open that made its file wrote it too (as far as the
		 * sentry knows: the writes themselves are native) */
		if ((f->flags & O_ACCMODE) != O_RDONLY)
			add(j, &j->written, p, NULL);
		add(j, &j->created, p, NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__MKDIR:
		add(j, &j->created, p, NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__SYMLINK:
		add(j, &j->created, pick(f->resolved, f->path2), NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__LINK:
		add(j, &j->created, pick(f->resolved2, f->path2), NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__UNLINK:
	case RUNSC_LITE__AUDIT__FILE_OP__OP__RMDIR:
		add(j, &j->deleted, p, NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__RENAME:
		snprintf(buf, sizeof buf, "%s -> %s", p, pick(f->resolved2, f->path2));
		add(j, &j->renamed, buf, NULL);
		break;
	case RUNSC_LITE__AUDIT__FILE_OP__OP__CHMOD:
	case RUNSC_LITE__AUDIT__FILE_OP__OP__CHOWN:
	case RUNSC_LITE__AUDIT__FILE_OP__OP__TRUNCATE:
	case RUNSC_LITE__AUDIT__FILE_OP__OP__SETXATTR:
		add(j, &j->written, p, NULL);
		break;
	default:
		break;
	}
}

static const char *errname(int e, char *buf, size_t cap)
{
	if (e == 0)
		return "ok";
	const char *n = e > 0 ? strerrorname_np(e) : NULL;
	if (n)
		return n;
	snprintf(buf, cap, "errno %d", e);
	return buf;
}

static void note_net(struct job *j, const RunscLite__Audit__NetOp *n)
{
	char buf[512], eb[32];
	const char *op = n->op == RUNSC_LITE__AUDIT__NET_OP__OP__BIND     ? "bind"
			 : n->op == RUNSC_LITE__AUDIT__NET_OP__OP__LISTEN ? "listen"
			 : n->op == RUNSC_LITE__AUDIT__NET_OP__OP__ACCEPT ? "accept on"
			 : n->op == RUNSC_LITE__AUDIT__NET_OP__OP__SENDTO ? "sendto"
									  : "connect";
	const char *res = n->native ? "run by the kernel" : errname(n->error, eb, sizeof eb);
	if (n->family == 1)
		snprintf(buf, sizeof buf, "%s unix %s: %s", op, n->address, res);
	else if (n->family == 10)
		snprintf(buf, sizeof buf, "%s [%s]:%u: %s", op, n->address, n->port, res);
	else if (n->family == 2)
		snprintf(buf, sizeof buf, "%s %s:%u: %s", op, n->address, n->port, res);
	else
		snprintf(buf, sizeof buf, "%s family %u: %s", op, n->family, res);
	add(j, &j->net, buf, NULL);
}

static int gather(struct job *j, const uint8_t *buf, size_t len, char *err, size_t errcap)
{
	struct audit_reader r;
	if (audit_reader_open(&r, buf, len) < 0) {
		snprintf(err, errcap, "%s", r.err);
		return -1;
	}
	AuditEvent *ev;
	int rc;
	char tmp[64];
	while ((rc = audit_reader_next(&r, &ev)) == 1) {
		if (!j->id && ev->header->sandbox_id[0])
			j->id = strdup(ev->header->sandbox_id);
		if (!j->first_ns)
			j->first_ns = ev->header->mono_ns;
		j->last_ns = ev->header->mono_ns;
		switch (ev->kind_case) {
		case RUNSC_LITE__AUDIT__EVENT__KIND_EXIT:
			j->have_exit = true;
			j->status = ev->exit->status;
			j->signal = ev->exit->signal;
			j->duration_ns = ev->exit->duration_ns;
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_EXEC:
			if (ev->exec->error == 0) {
				/* as the job named it; the file that ran when that differs
				 * (a symlink, busybox's applets) */
				char note[VFS_NOTE_MAX];
				const char *res = ev->exec->resolved;
				snprintf(note, sizeof note, "-> %s", res);
				const char *key = ev->exec->path[0] ? ev->exec->path : res;
				char self[VFS_NOTE_MAX];
				/* busybox's applets re-exec /proc/self/exe: argv[0] says which */
				if (strncmp(key, "/proc/", 6) == 0 && ev->exec->n_argv) {
					snprintf(self, sizeof self, "%.200s (%.200s)", ev->exec->argv[0], key);
					key = self;
				}
				add(j, &j->programs, key, res[0] && strcmp(res, ev->exec->path) ? note : NULL);
			} else {
				add(j, &j->exec_failed, ev->exec->path,
				    errname(ev->exec->error, tmp, sizeof tmp));
			}
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_FILE:
			note_file(j, ev->file);
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_NET:
			note_net(j, ev->net);
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_DENIED: {
			char note[300];
			snprintf(note, sizeof note, "%s (%s)", ev->denied->rule,
				 errname(ev->denied->error, tmp, sizeof tmp));
			add(j, &j->denied, ev->denied->name, note);
			break;
		}
		case RUNSC_LITE__AUDIT__EVENT__KIND_UNIMPLEMENTED:
			add(j, &j->unimplemented, ev->unimplemented->name, NULL);
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_SIGNAL:
			snprintf(tmp, sizeof tmp, "%s", sigabbrev_np(ev->signal->signo) ?: "?");
			add(j, &j->signals, tmp, NULL);
			break;
		case RUNSC_LITE__AUDIT__EVENT__KIND_DROPPED:
			if (ev->dropped->total > j->dropped)
				j->dropped = ev->dropped->total;
			break;
		default:
			break;
		}
		audit_event_free(ev);
	}
	if (rc < 0) {
		snprintf(err, errcap, "%s", r.err);
		return -1;
	}
	if (j->nomem) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- output ------------------------------------------------------------------- */

/*
 * Names come from the job (any bytes a file name may hold): in text and
 * Markdown, control bytes are written as \xNN — a report shown in a
 * terminal or a CI log must not carry the job's escape sequences — and in
 * Markdown a backtick or a '|' cannot end the code span or the table cell.
 */
static void put_name(FILE *out, const char *s, size_t len, bool md)
{
	if (md)
		fputc('`', out);
	for (size_t i = 0; i < len && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (md && (c == '`' || c == '|')))
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	if (md)
		fputc('`', out);
}

static void text_paths(FILE *out, const char *title, struct set *st, bool md)
{
	set_sort(st);
	fprintf(out, md ? "\n### %s (%zu)\n\n" : "%s (%zu):\n", title, st->n);
	if (st->n == 0 && md)
		fputs("none\n", out);
	const char *cur = NULL;
	size_t curlen = 0;
	for (size_t i = 0; i < st->n; i++) {
		const char *p = st->items[i]->key;
		const char *slash = strrchr(p, '/');
		size_t dlen = slash ? (size_t)(slash - p) + 1 : 0;
		if (!cur || dlen != curlen || strncmp(cur, p, dlen) != 0) {
			cur = p;
			curlen = dlen;
			fputs(md ? "- " : "  ", out);
			if (dlen)
				put_name(out, p, dlen, md);
			else
				fputs("(relative)", out);
			fputc('\n', out);
		}
		fputs(md ? "  - " : "    ", out);
		put_name(out, p + dlen, strlen(p + dlen), md);
		fputc('\n', out);
	}
}

static void text_counts(FILE *out, const char *title, struct set *st, bool md)
{
	fprintf(out, md ? "\n### %s (%zu)\n\n" : "%s (%zu):\n", title, st->n);
	if (md && st->n == 0) {
		fputs("none\n", out);
		return;
	}
	if (md)
		fputs("| count | what | note |\n|---:|---|---|\n", out);
	for (size_t i = 0; i < st->n; i++) {
		struct entry *e = st->items[i];
		const char *note = e->note ? e->note : "";
		if (md) {
			fprintf(out, "| %" PRIu64 " | ", e->count);
			put_name(out, e->key, strlen(e->key), true);
			fputs(" | ", out);
			/* (plain text in its cell: '|' and control bytes escaped) */
			for (const char *c = note; *c; c++) {
				if (*c == '|' || (unsigned char)*c < 0x20)
					fprintf(out, "\\x%02x", (unsigned char)*c);
				else
					fputc(*c, out);
			}
			fputs(" |\n", out);
		} else {
			fprintf(out, "  %6" PRIu64 "  ", e->count);
			put_name(out, e->key, strlen(e->key), false);
			if (*note) {
				fputs("  ", out);
				put_name(out, note, strlen(note), false);
			}
			fputc('\n', out);
		}
	}
}

static void print_text(struct job *j, FILE *out, bool md)
{
	set_sort(&j->programs);
	set_sort(&j->denied);
	set_sort(&j->unimplemented);
	char eb[64];
	if (md)
		fprintf(out, "## runsc-lite report: sandbox `%s`\n\n", j->id ? j->id : "?");
	else
		fprintf(out, "runsc-lite report: sandbox %s\n", j->id ? j->id : "?");
	if (j->have_exit) {
		if (j->signal)
			snprintf(eb, sizeof eb, "killed by %s (status %d)", sigabbrev_np(j->signal) ?: "?", j->status);
		else
			snprintf(eb, sizeof eb, "exit status %d", j->status);
	} else {
		snprintf(eb, sizeof eb, "no exit recorded (the trace is incomplete)");
	}
	double secs = (double)(j->have_exit ? j->duration_ns : j->last_ns - j->first_ns) / 1e9;
	if (md)
		fprintf(out, "| result | duration | events dropped |\n|---|---|---|\n| %s | %.3f s | %" PRIu64 " |\n",
			eb, secs, j->dropped);
	else
		fprintf(out, "%s, duration %.3f s, %" PRIu64 " events dropped\n", eb, secs, j->dropped);
	text_counts(out, "Programs executed", &j->programs, md);
	if (j->exec_failed.n)
		text_counts(out, "Failed execs", &j->exec_failed, md);
	text_paths(out, "Files read", &j->read, md);
	text_paths(out, "Files written", &j->written, md);
	text_paths(out, "Files created", &j->created, md);
	text_paths(out, "Files deleted", &j->deleted, md);
	if (j->renamed.n)
		text_counts(out, "Renamed", &j->renamed, md);
	text_counts(out, "Network", &j->net, md);
	text_counts(out, "Denied syscalls", &j->denied, md);
	text_counts(out, "Unimplemented syscalls", &j->unimplemented, md);
	if (j->signals.n)
		text_counts(out, "Signals from outside", &j->signals, md);
}

static void json_list(FILE *out, const char *name, struct set *st, bool counts)
{
	set_sort(st);
	fprintf(out, ",\"%s\":[", name);
	for (size_t i = 0; i < st->n; i++) {
		struct entry *e = st->items[i];
		if (i)
			fputc(',', out);
		if (!counts) {
			audit_json_string(out, e->key, strlen(e->key));
			continue;
		}
		fputs("{\"name\":", out);
		audit_json_string(out, e->key, strlen(e->key));
		fprintf(out, ",\"count\":%" PRIu64, e->count);
		if (e->note) {
			fputs(",\"note\":", out);
			audit_json_string(out, e->note, strlen(e->note));
		}
		fputc('}', out);
	}
	fputc(']', out);
}

static void print_json(struct job *j, FILE *out)
{
	fputs("{\"sandbox_id\":", out);
	const char *id = j->id ? j->id : "";
	audit_json_string(out, id, strlen(id));
	if (j->have_exit)
		fprintf(out, ",\"exit\":{\"status\":%d,\"signal\":%d,\"duration_ns\":%" PRIu64 "}", j->status,
			j->signal, j->duration_ns);
	else
		fputs(",\"exit\":null", out);
	fprintf(out, ",\"dropped\":%" PRIu64, j->dropped);
	json_list(out, "programs", &j->programs, true);
	json_list(out, "exec_failed", &j->exec_failed, true);
	json_list(out, "files_read", &j->read, false);
	json_list(out, "files_written", &j->written, false);
	json_list(out, "files_created", &j->created, false);
	json_list(out, "files_deleted", &j->deleted, false);
	json_list(out, "renamed", &j->renamed, false);
	json_list(out, "network", &j->net, true);
	json_list(out, "denied", &j->denied, true);
	json_list(out, "unimplemented", &j->unimplemented, true);
	json_list(out, "signals", &j->signals, true);
	fputs("}\n", out);
}

int audit_report(const uint8_t *buf, size_t len, enum audit_report_format fmt, FILE *out,
		 char *err, size_t errcap)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	int rc = gather(j, buf, len, err, errcap);
	if (rc == 0) {
		if (fmt == AUDIT_REPORT_JSON)
			print_json(j, out);
		else
			print_text(j, out, fmt == AUDIT_REPORT_MARKDOWN);
	}
	struct set *sets[] = { &j->programs, &j->exec_failed, &j->read, &j->written, &j->created,
			       &j->deleted, &j->renamed, &j->net, &j->denied, &j->unimplemented,
			       &j->signals };
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		set_free(sets[i]);
	free(j->id);
	free(j);
	return rc;
}
