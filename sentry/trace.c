/*
 * The sentry's side of --trace and --strace: what the syscall handlers
 * know, turned into audit events (audit/) and strace lines.
 *
 * The handlers carry a few one-line hooks (sentry/internal.h: trace_*),
 * each an inline test of trace_enabled when tracing is off.  Per trapped
 * syscall the dispatcher opens a record (trace_begin), the handlers add
 * what only they know — the paths as they copied them (read_path), the file
 * an open installed and where it is in the VFS (files_install), the program
 * an exec resolved (exec.c) — and the dispatcher closes it with the result
 * (trace_done), still before the task is answered, so that anything read
 * from the task's memory here is what the handler saw.  Exec's argv and a
 * socket address are copied at trace_begin: an exec or a connect that the
 * kernel runs itself (continue) no longer has them afterwards.
 */
#include "sentry/internal.h"

#include "audit/audit.h"
#include "platform/loader/loader_abi.h"
#include "platform/policy.h"
#include "runsc-lite/log.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool trace_enabled;
static uint64_t kinds;            /* audit_kind bits with an active sink */
static int strace_out = -1;
static uint64_t started_ns;
static struct {
	bool have;
	int status, signal;
	struct rusage ru;
} app_exit;

#define MAX_NR 1024
/* --trace-events=denied: the policy's errno rule for each syscall (index + 1) */
static uint16_t denied_rule[MAX_NR];
static uint16_t denied_default;
static bool policy_traps[MAX_NR];

#define ARGV_MAX 64

/* What one worker thread learnt about the syscall it serves. */
static __thread struct {
	struct { uint64_t addr; char *str; } paths[4];
	int npaths;
	char resolved[VFS_PATH_MAX];
	char mount[VFS_PATH_MAX + 32];
	int64_t installed;                  /* the fd files_install answered with */
	char exec_prog[VFS_PATH_MAX], exec_interp[VFS_PATH_MAX];
	char *argv[ARGV_MAX];
	size_t argc;
	bool argv_truncated;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct open_how how;
	bool have_how;
	bool created;                       /* an open with O_CREAT made the file */
	uint64_t t0;
} call;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool want(enum audit_kind k)
{
	return (kinds & AUDIT_KIND_BIT(k)) != 0;
}

static const char *comm_of(const struct task *t)
{
	return t ? t->comm : "";
}

/* ---- setup -------------------------------------------------------------------- */

static void build_denied_table(void)
{
	for (size_t i = 0; i < policy_app.nrules && i < UINT16_MAX - 1; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		int nr = policy_rule_nr(r);
		if (r->action == POLICY_TRAP && nr >= 0 && nr < MAX_NR)
			policy_traps[nr] = true;
		if (!policy_errno_trapped(&policy_app, r))
			continue;
		if (strcmp(r->syscall, "default") == 0)
			denied_default = (uint16_t)(i + 1);
		else if (nr >= 0 && nr < MAX_NR && !denied_rule[nr])
			denied_rule[nr] = (uint16_t)(i + 1);
	}
}

/* FNV-1a 64 over the rules: which policy the application ran under. */
static void policy_digest(char *out, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;
	char line[256];
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		int n = snprintf(line, sizeof line, "%s %d %d %d;", r->syscall, (int)r->action,
				 r->errno_value, r->ncond);
		for (int c = 0; c < r->ncond; c++)
			n += snprintf(line + n, sizeof line - (size_t)n, "%d %d %s %" PRIu64 " %" PRIu64 ";",
				      r->cond[c].arg, r->cond[c].not_equal,
				      r->cond[c].symbol ? r->cond[c].symbol : "", r->cond[c].value,
				      r->cond[c].mask);
		for (const char *p = line; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	}
	snprintf(out, cap, "fnv1a64:%016" PRIx64, h);
}

int trace_setup(struct sentry *s, const void *specp, int trace_fd, int strace_fd)
{
	const RunscLite__SandboxSpec *spec = specp;
	const RunscLite__TraceSpec *ts = spec->trace;
	if (!ts) {
		if (trace_fd >= 0)
			close(trace_fd);
		if (strace_fd >= 0)
			close(strace_fd);
		return 0;
	}
	started_ns = now_ns();
	if (ts->strace && strace_fd >= 0)
		strace_out = strace_fd;
	if (ts->events && trace_fd >= 0) {
		struct audit_sink_opts o = { .fd = trace_fd, .lossless = ts->lossless,
					     .sandbox_id = ts->sandbox_id };
		int rc = audit_sink_start(&o);
		if (rc < 0)
			return rc;
		kinds = ts->events & AUDIT_ALL_KINDS;
	}
	if (ts->denied_traps)
		build_denied_table();
	trace_enabled = kinds || strace_out >= 0;
	if (!kinds)
		return 0;

	/* SandboxStart: what ran, with which flags, on which mounts */
	RunscLite__Audit__SandboxStart st = RUNSC_LITE__AUDIT__SANDBOX_START__INIT;
	st.argv = spec->argv;
	st.n_argv = spec->n_argv;
	st.flags = ts->flags;
	st.n_flags = ts->n_flags;
	char *mounts[66];
	size_t nm = 0;
	if (asprintf(&mounts[nm], "/ %s%s", spec->overlay ? "overlay" : "9p",
		     spec->rootfs_readonly ? " ro" : "") >= 0)
		nm++;
	for (size_t i = 0; i < spec->n_mounts && nm < 66; i++) {
		const RunscLite__Mount *m = spec->mounts[i];
		if (asprintf(&mounts[nm], "%s %s%s", m->destination ? m->destination : "?",
			     m->type ? m->type : "?", m->readonly ? " ro" : "") >= 0)
			nm++;
	}
	st.mounts = mounts;
	st.n_mounts = nm;
	char digest[64];
	policy_digest(digest, sizeof digest);
	st.policy_digest = digest;
	st.platform = (char *)(spec->platform && spec->platform[0] ? spec->platform : "seccomp");
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_START;
	ev.start = &st;
	audit_emit(&ev, 0, 0, NULL);
	for (size_t i = 0; i < nm; i++)
		free(mounts[i]);
	(void)s;
	return 0;
}

/* ---- per syscall ---------------------------------------------------------------- */

static void forget_call(void)
{
	for (int i = 0; i < call.npaths; i++)
		free(call.paths[i].str);
	for (size_t i = 0; i < call.argc; i++)
		free(call.argv[i]);
	call.npaths = 0;
	call.argc = 0;
	call.argv_truncated = false;
	call.resolved[0] = call.mount[0] = 0;
	call.exec_prog[0] = call.exec_interp[0] = 0;
	call.installed = -1;
	call.addrlen = 0;
	call.have_how = false;
	call.created = false;
}

void trace_created_(void) { call.created = true; }

void trace_path_(uint64_t addr, const char *path)
{
	if (call.npaths < 4 && (call.paths[call.npaths].str = strdup(path)))
		call.paths[call.npaths++].addr = addr;
}

static void copy_string(struct sentry *s, const struct platform_syscall *sc, uint64_t addr)
{
	char buf[VFS_PATH_MAX];
	if (platform_read_string(s->plat, sc, buf, sizeof buf, addr) >= 0)
		trace_path_(addr, buf);
}

static void copy_argv(struct sentry *s, const struct platform_syscall *sc, uint64_t addr)
{
	for (size_t i = 0; addr && i < ARGV_MAX + 1; i++) {
		uint64_t p;
		if (platform_read(s->plat, sc, &p, addr + i * 8, 8) < 0 || !p)
			return;
		if (i == ARGV_MAX) {
			call.argv_truncated = true;
			return;
		}
		char buf[4096];
		int n = platform_read_string(s->plat, sc, buf, sizeof buf, p);
		if (n == -ENAMETOOLONG) {
			platform_read(s->plat, sc, buf, p, sizeof buf - 1);
			buf[sizeof buf - 1] = 0;
		} else if (n < 0) {
			return;
		}
		if (!(call.argv[call.argc] = strdup(buf)))
			return;
		call.argc++;
	}
}

void trace_begin_(struct sentry *s, const struct platform_syscall *sc)
{
	forget_call();
	call.t0 = strace_out >= 0 ? now_ns() : 0;
	switch (sc->nr) {
	case SYS_execve:
		copy_argv(s, sc, sc->args[1]);
		break;
	case SYS_execveat:
		copy_argv(s, sc, sc->args[2]);
		break;
	case SYS_sendto:
	case SYS_connect:
	case SYS_bind: {
		uint64_t at = sc->nr == SYS_sendto ? sc->args[4] : sc->args[1];
		socklen_t len = (socklen_t)(sc->nr == SYS_sendto ? sc->args[5] : sc->args[2]);
		if (len > sizeof call.addr)
			len = sizeof call.addr;
		memset(&call.addr, 0, sizeof call.addr);
		if (len >= sizeof(sa_family_t) && platform_read(s->plat, sc, &call.addr, at, len) == 0)
			call.addrlen = len;
		break;
	}
	case SYS_listen:
	case SYS_accept:
	case SYS_accept4: {
		/* the socket's own address (a listener's: what it serves) */
		int d = platform_get_fd(s->plat, sc, (int)sc->args[0]);
		socklen_t len = sizeof call.addr;
		memset(&call.addr, 0, sizeof call.addr);
		if (d >= 0 && getsockname(d, (struct sockaddr *)&call.addr, &len) == 0) {
			uint32_t l = len;
			net_unprefix(&call.addr, &l);   /* an abstract name of the sandbox's */
			call.addrlen = (socklen_t)l;
		}
		if (d >= 0)
			close(d);
		break;
	}
	case SYS_openat2:
		call.have_how = sc->args[3] >= sizeof call.how &&
				platform_read(s->plat, sc, &call.how, sc->args[2], sizeof call.how) == 0;
		break;
	/* strings the handlers copy without read_path */
#ifdef __NR_symlink
	case SYS_symlink:
#endif
	case SYS_symlinkat:
		copy_string(s, sc, sc->args[0]);
		break;
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_fsetxattr:
		copy_string(s, sc, sc->args[1]);
		break;
	}
}

void trace_file_(struct vfs_path p, int64_t installed)
{
	call.installed = installed;
	struct vfs_path root = vfs_root();
	if (vfs_path_string(&root, &p, call.resolved, sizeof call.resolved) < 0)
		call.resolved[0] = 0;
	char mp[VFS_PATH_MAX];
	struct vfs_path at = { p.mnt, p.mnt->root };
	if (vfs_path_string(&root, &at, mp, sizeof mp) < 0)
		snprintf(mp, sizeof mp, "?");
	const char *type = p.mnt->fs && p.mnt->fs->ops->name ? p.mnt->fs->ops->name : "none";
	snprintf(call.mount, sizeof call.mount, "%s (%s)", mp, type);
}

void trace_exec_target_(struct vfs_path prog, struct vfs_path interp)
{
	struct vfs_path root = vfs_root();
	if (!prog.dentry || vfs_path_string(&root, &prog, call.exec_prog, sizeof call.exec_prog) < 0)
		call.exec_prog[0] = 0;
	if (!interp.dentry || vfs_path_string(&root, &interp, call.exec_interp, sizeof call.exec_interp) < 0)
		call.exec_interp[0] = 0;
}

static const char *captured(uint64_t addr)
{
	for (int i = 0; i < call.npaths; i++)
		if (call.paths[i].addr == addr)
			return call.paths[i].str;
	return NULL;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- events ----------------------------------------------------------------------- */

static int64_t result_of(int64_t rc)
{
	if (rc == SYSCALL_ANSWERED)
		return call.installed >= 0 ? call.installed : 0;
	return rc;
}

/* The path a relative name meant, when the handler did not say (its
 * directory's path in the VFS and the name). */
static void lexical_resolve(struct sentry *s, const struct platform_syscall *sc, struct task *t,
			    int dirfd, const char *name, char *out, size_t cap)
{
	out[0] = 0;
	if (!name || !name[0])
		return;
	if (name[0] == '/') {
		snprintf(out, cap, "%s", name);
		return;
	}
	char dir[VFS_PATH_MAX];
	struct vfs_path root = vfs_root();
	if (dirfd == AT_FDCWD) {
		if (!t || vfs_path_string(&root, &t->fs->cwd, dir, sizeof dir) < 0)
			return;
	} else {
		int err;
		struct vfs_file *f = files_lookup(s, sc, dirfd, &err, NULL);
		if (!f || vfs_path_string(&root, &f->path, dir, sizeof dir) < 0)
			return;
	}
	int n = snprintf(out, cap, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
	if (n < 0 || (size_t)n >= cap)
		out[0] = 0;   /* longer than a path can be */
}

#define OP(x) RUNSC_LITE__AUDIT__FILE_OP__OP__##x

static void emit_file(struct sentry *s, const struct platform_syscall *sc, struct task *t, int64_t rc)
{
	const uint64_t *a = sc->args;
	RunscLite__Audit__FileOp f = RUNSC_LITE__AUDIT__FILE_OP__INIT;
	int dirfd = AT_FDCWD, dirfd2 = AT_FDCWD;
	uint64_t path = 0, path2 = 0;
	bool fdop = false;
	f.fd = AT_FDCWD;
	switch (sc->nr) {
#ifdef __NR_open
	case SYS_open: f.op = OP(OPEN); path = a[0]; f.flags = (uint32_t)a[1]; f.mode = (uint32_t)a[2]; break;
#endif
	case SYS_openat: f.op = OP(OPEN); dirfd = (int)a[0]; path = a[1]; f.flags = (uint32_t)a[2]; f.mode = (uint32_t)a[3]; break;
	case SYS_openat2:
		f.op = OP(OPEN); dirfd = (int)a[0]; path = a[1];
		if (call.have_how) {
			f.flags = (uint32_t)call.how.flags;
			f.mode = (uint32_t)call.how.mode;
		}
		break;
#ifdef __NR_creat
	case SYS_creat: f.op = OP(OPEN); path = a[0]; f.flags = O_CREAT | O_WRONLY | O_TRUNC; f.mode = (uint32_t)a[1]; break;
#endif
#ifdef __NR_mknod
	case SYS_mknod: f.op = OP(CREATE); path = a[0]; f.mode = (uint32_t)a[1]; break;
#endif
	case SYS_mknodat: f.op = OP(CREATE); dirfd = (int)a[0]; path = a[1]; f.mode = (uint32_t)a[2]; break;
#ifdef __NR_mkdir
	case SYS_mkdir: f.op = OP(MKDIR); path = a[0]; f.mode = (uint32_t)a[1]; break;
#endif
	case SYS_mkdirat: f.op = OP(MKDIR); dirfd = (int)a[0]; path = a[1]; f.mode = (uint32_t)a[2]; break;
#ifdef __NR_rmdir
	case SYS_rmdir: f.op = OP(RMDIR); path = a[0]; break;
#endif
#ifdef __NR_unlink
	case SYS_unlink: f.op = OP(UNLINK); path = a[0]; break;
#endif
	case SYS_unlinkat:
		f.op = (a[2] & AT_REMOVEDIR) ? OP(RMDIR) : OP(UNLINK);
		dirfd = (int)a[0]; path = a[1]; f.flags = (uint32_t)a[2];
		break;
#ifdef __NR_rename
	case SYS_rename: f.op = OP(RENAME); path = a[0]; path2 = a[1]; break;
#endif
	case SYS_renameat: f.op = OP(RENAME); dirfd = (int)a[0]; path = a[1]; dirfd2 = (int)a[2]; path2 = a[3]; break;
	case SYS_renameat2: f.op = OP(RENAME); dirfd = (int)a[0]; path = a[1]; dirfd2 = (int)a[2]; path2 = a[3]; f.flags = (uint32_t)a[4]; break;
#ifdef __NR_link
	case SYS_link: f.op = OP(LINK); path = a[0]; path2 = a[1]; break;
#endif
	case SYS_linkat: f.op = OP(LINK); dirfd = (int)a[0]; path = a[1]; dirfd2 = (int)a[2]; path2 = a[3]; f.flags = (uint32_t)a[4]; break;
#ifdef __NR_symlink
	case SYS_symlink: f.op = OP(SYMLINK); f.target = (char *)str_or_empty(captured(a[0])); path2 = a[1]; break;
#endif
	case SYS_symlinkat: f.op = OP(SYMLINK); f.target = (char *)str_or_empty(captured(a[0])); dirfd = (int)a[1]; path2 = a[2]; break;
#ifdef __NR_chmod
	case SYS_chmod: f.op = OP(CHMOD); path = a[0]; f.mode = (uint32_t)a[1]; break;
#endif
	case SYS_fchmod: f.op = OP(CHMOD); fdop = true; dirfd = (int)a[0]; f.mode = (uint32_t)a[1]; break;
	case SYS_fchmodat: f.op = OP(CHMOD); dirfd = (int)a[0]; path = a[1]; f.mode = (uint32_t)a[2]; break;
	case SYS_fchmodat2: f.op = OP(CHMOD); dirfd = (int)a[0]; path = a[1]; f.mode = (uint32_t)a[2]; f.flags = (uint32_t)a[3]; break;
#ifdef __NR_chown
	case SYS_chown: case SYS_lchown: f.op = OP(CHOWN); path = a[0]; f.uid = (int32_t)a[1]; f.gid = (int32_t)a[2]; break;
#endif
	case SYS_fchown: f.op = OP(CHOWN); fdop = true; dirfd = (int)a[0]; f.uid = (int32_t)a[1]; f.gid = (int32_t)a[2]; break;
	case SYS_fchownat: f.op = OP(CHOWN); dirfd = (int)a[0]; path = a[1]; f.uid = (int32_t)a[2]; f.gid = (int32_t)a[3]; f.flags = (uint32_t)a[4]; break;
	case SYS_truncate: f.op = OP(TRUNCATE); path = a[0]; f.length = (int64_t)a[1]; break;
	case SYS_setxattr: case SYS_lsetxattr: f.op = OP(SETXATTR); path = a[0]; f.target = (char *)str_or_empty(captured(a[1])); break;
	case SYS_fsetxattr: f.op = OP(SETXATTR); fdop = true; dirfd = (int)a[0]; f.target = (char *)str_or_empty(captured(a[1])); break;
	default:
		return;
	}
	/* an open that made its file is a creation (flags and mode kept) */
	if (f.op == OP(OPEN) && call.created)
		f.op = OP(CREATE);
	if (!want(audit_file_kind(f.op)))
		return;
	int64_t res = result_of(rc);
	f.syscall = (char *)platform_syscall_name(sc->nr);
	f.error = res < 0 ? (int32_t)-res : 0;
	f.result = res;
	f.fd = dirfd;
	f.path = (char *)str_or_empty(path ? captured(path) : NULL);
	f.path2 = (char *)str_or_empty(path2 ? captured(path2) : NULL);
	char lexical[VFS_PATH_MAX];
	if (call.resolved[0]) {
		f.resolved = call.resolved;
		f.mount = call.mount;
	} else if (fdop) {
		int err;
		struct vfs_file *file = files_lookup(s, sc, dirfd, &err, NULL);
		struct vfs_path root = vfs_root();
		if (file && vfs_path_string(&root, &file->path, lexical, sizeof lexical) >= 0)
			f.resolved = lexical;
	} else {
		lexical_resolve(s, sc, t, dirfd, f.op == OP(SYMLINK) ? f.path2 : f.path, lexical, sizeof lexical);
		f.resolved = lexical;
	}
	char lexical2[VFS_PATH_MAX];
	if (f.op == OP(RENAME) || f.op == OP(LINK)) {
		lexical_resolve(s, sc, t, dirfd2, f.path2, lexical2, sizeof lexical2);
		f.resolved2 = lexical2;
	}
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_FILE;
	ev.file = &f;
	audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
}

static void format_addr(char *out, size_t cap, uint32_t *family, uint32_t *port)
{
	*family = call.addrlen ? call.addr.ss_family : 0;
	*port = 0;
	out[0] = 0;
	if (*family == AF_UNIX) {
		const struct sockaddr_un *u = (const void *)&call.addr;
		size_t n = call.addrlen > offsetof(struct sockaddr_un, sun_path)
			? call.addrlen - offsetof(struct sockaddr_un, sun_path) : 0;
		if (n > sizeof u->sun_path)
			n = sizeof u->sun_path;
		if (n && u->sun_path[0] == 0)   /* abstract: "@name" as ss shows it */
			snprintf(out, cap, "@%.*s", (int)(n - 1), u->sun_path + 1);
		else
			snprintf(out, cap, "%.*s", (int)strnlen(u->sun_path, n), u->sun_path);
	} else if (*family == AF_INET && call.addrlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)&call.addr;
		inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)cap);
		*port = ntohs(in->sin_port);
	} else if (*family == AF_INET6 && call.addrlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)&call.addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)cap);
		*port = ntohs(in6->sin6_port);
	}
}

static void emit_net(const struct platform_syscall *sc, struct task *t, int64_t rc)
{
	enum audit_kind kind = sc->nr == SYS_connect ? AUDIT_CONNECT
			       : sc->nr == SYS_bind  ? AUDIT_BIND
			       : sc->nr == SYS_listen ? AUDIT_LISTEN
			       : sc->nr == SYS_sendto ? AUDIT_SENDTO
						      : AUDIT_ACCEPT;
	if (!want(kind))
		return;
	RunscLite__Audit__NetOp n = RUNSC_LITE__AUDIT__NET_OP__INIT;
	n.op = kind == AUDIT_CONNECT  ? RUNSC_LITE__AUDIT__NET_OP__OP__CONNECT
	       : kind == AUDIT_BIND   ? RUNSC_LITE__AUDIT__NET_OP__OP__BIND
	       : kind == AUDIT_LISTEN ? RUNSC_LITE__AUDIT__NET_OP__OP__LISTEN
	       : kind == AUDIT_SENDTO ? RUNSC_LITE__AUDIT__NET_OP__OP__SENDTO
				      : RUNSC_LITE__AUDIT__NET_OP__OP__ACCEPT;
	n.fd = (int32_t)sc->args[0];
	char addr[128];
	format_addr(addr, sizeof addr, &n.family, &n.port);
	n.address = addr;
	n.native = rc == SYSCALL_ANSWERED;
	n.error = rc < 0 && rc != SYSCALL_ANSWERED ? (int32_t)-rc : 0;
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_NET;
	ev.net = &n;
	audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
}

static void emit_exec(const struct platform_syscall *sc, struct task *t, int64_t rc)
{
	uint64_t path = sc->nr == SYS_execve ? sc->args[0] : sc->args[1];
	const char *named = str_or_empty(captured(path));
	if (rc == SYSCALL_ANSWERED && t) {
		/* the kernel names the process after the file it was asked to run */
		const char *base = strrchr(named, '/');
		snprintf(t->comm, sizeof t->comm, "%.15s", base ? base + 1 : named);
	}
	if (!want(AUDIT_EXEC))
		return;
	RunscLite__Audit__ProcessExec x = RUNSC_LITE__AUDIT__PROCESS_EXEC__INIT;
	x.path = (char *)named;
	x.resolved = call.exec_prog;
	x.interpreter = call.exec_interp;
	x.argv = call.argv;
	x.n_argv = call.argc;
	x.error = rc < 0 && rc != SYSCALL_ANSWERED ? (int32_t)-rc : 0;
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_EXEC;
	ev.exec = &x;
	audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
}

/* ---- strace lines ------------------------------------------------------------------ */

/* Argument formats by syscall: d dirfd, f fd, p path, o open flags, m mode,
 * a AT_ flags, k access mode, i int, x hex, s socket address, v argv,
 * h struct open_how, S a struct stat the call filled. */
static const char *const arg_formats[MAX_NR] = {
	[SYS_openat] = "dpom", [SYS_openat2] = "dphi", [SYS_fstat] = "fS", [SYS_newfstatat] = "dpSa",
	[SYS_statx] = "dpaxx", [SYS_faccessat] = "dpk", [SYS_faccessat2] = "dpka",
	[SYS_readlinkat] = "dpxi", [SYS_getdents64] = "fxi", [SYS_mkdirat] = "dpm",
	[SYS_unlinkat] = "dpa", [SYS_renameat] = "dpdp", [SYS_renameat2] = "dpdpx",
	[SYS_linkat] = "dpdpa", [SYS_symlinkat] = "pdp", [SYS_fchmod] = "fm", [SYS_fchmodat] = "dpm",
	[SYS_fchmodat2] = "dpma", [SYS_fchown] = "fii", [SYS_fchownat] = "dpiia",
	[SYS_truncate] = "pi", [SYS_utimensat] = "dpxa", [SYS_umask] = "m", [SYS_mknodat] = "dpmx",
	[SYS_statfs] = "px", [SYS_fstatfs] = "fx", [SYS_chdir] = "p", [SYS_fchdir] = "f",
	[SYS_getcwd] = "xi", [SYS_chroot] = "p", [SYS_execve] = "pvx", [SYS_execveat] = "dpvxa",
	[SYS_connect] = "fsi", [SYS_bind] = "fsi", [SYS_getsockname] = "fxx",
	[SYS_getpeername] = "fxx", [SYS_getxattr] = "ppxi", [SYS_lgetxattr] = "ppxi",
	[SYS_fgetxattr] = "fpxi", [SYS_listxattr] = "pxi", [SYS_llistxattr] = "pxi",
	[SYS_flistxattr] = "fxi", [SYS_setxattr] = "ppxii", [SYS_lsetxattr] = "ppxii",
	[SYS_fsetxattr] = "fpxii", [SYS_removexattr] = "pp", [SYS_lremovexattr] = "pp",
	[SYS_fremovexattr] = "fp", [SYS_inotify_add_watch] = "fpx",
#ifdef __NR_open   /* the legacy path calls: x86-64 only */
	[SYS_open] = "pom", [SYS_creat] = "pm", [SYS_stat] = "pS", [SYS_lstat] = "pS",
	[SYS_access] = "pk", [SYS_readlink] = "pxi", [SYS_getdents] = "fxi", [SYS_mkdir] = "pm",
	[SYS_rmdir] = "p", [SYS_unlink] = "p", [SYS_rename] = "pp", [SYS_link] = "pp",
	[SYS_symlink] = "pp", [SYS_chmod] = "pm", [SYS_chown] = "pii", [SYS_lchown] = "pii",
	[SYS_utime] = "px", [SYS_utimes] = "px", [SYS_futimesat] = "dpx", [SYS_mknod] = "pmx",
#endif
};

struct line {
	char buf[16384];
	size_t n;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	if (l->n >= sizeof l->buf)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(l->buf + l->n, sizeof l->buf - l->n, fmt, ap);
	va_end(ap);
	if (m > 0)
		l->n += (size_t)m < sizeof l->buf - l->n ? (size_t)m : sizeof l->buf - l->n - 1;
}

/* A C string literal, as strace prints one. */
static void put_quoted(struct line *l, const char *s)
{
	put(l, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p && l->n < sizeof l->buf - 8; p++) {
		if (*p == '"' || *p == '\\')
			put(l, "\\%c", *p);
		else if (*p == '\n')
			put(l, "\\n");
		else if (*p < 0x20 || *p >= 0x7f)
			put(l, "\\x%02x", *p);
		else
			put(l, "%c", *p);
	}
	put(l, "\"");
}

static void put_at_flags(struct line *l, uint64_t v)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x200, "AT_REMOVEDIR" }, { 0x400, "AT_SYMLINK_FOLLOW" },
		{ 0x800, "AT_NO_AUTOMOUNT" }, { 0x1000, "AT_EMPTY_PATH" },
	};
	if (v == 0) {
		put(l, "0");
		return;
	}
	bool first = true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (v & names[i].bit) {
			put(l, "%s%s", first ? "" : "|", names[i].name);
			v &= ~(uint64_t)names[i].bit;
			first = false;
		}
	if (v)
		put(l, "%s%#" PRIx64, first ? "" : "|", v);
}

/* The struct stat a successful stat wrote into the task's memory (read
 * before the task is answered: it cannot have changed it yet). */
static void put_stat(struct line *l, struct sentry *s, const struct platform_syscall *sc, uint64_t v)
{
	struct stat st;
	if (platform_read(s->plat, sc, &st, v, sizeof st) < 0) {
		put(l, "%#" PRIx64, v);
		return;
	}
	static const struct { unsigned type; const char *name; } types[] = {
		{ S_IFREG, "S_IFREG" }, { S_IFDIR, "S_IFDIR" }, { S_IFLNK, "S_IFLNK" },
		{ S_IFCHR, "S_IFCHR" }, { S_IFBLK, "S_IFBLK" }, { S_IFIFO, "S_IFIFO" },
		{ S_IFSOCK, "S_IFSOCK" },
	};
	const char *type = "?";
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if ((st.st_mode & S_IFMT) == types[i].type)
			type = types[i].name;
	put(l, "{st_mode=%s|0%o, st_size=%lld, st_ino=%llu}", type, (unsigned)st.st_mode & 07777,
	    (long long)st.st_size, (unsigned long long)st.st_ino);
}

static void put_arg(struct line *l, char kind, uint64_t v)
{
	char buf[256];
	const char *str;
	switch (kind) {
	case 'd':
		if ((int)v == AT_FDCWD)
			put(l, "AT_FDCWD");
		else
			put(l, "%d", (int)v);
		break;
	case 'f': case 'i':
		put(l, "%d", (int)v);
		break;
	case 'p':
		if ((str = captured(v)))
			put_quoted(l, str);
		else
			put(l, "%#" PRIx64, v);
		break;
	case 'o':
		put(l, "%s", audit_open_flags((unsigned)v, buf, sizeof buf));
		break;
	case 'm':
		put(l, "0%03o", (unsigned)v & 07777);
		break;
	case 'a':
		put_at_flags(l, v);
		break;
	case 'k':
		if ((v & 7) == 0)
			put(l, "F_OK");
		else
			put(l, "%s%s%s%s%s", (v & 4) ? "R_OK" : "", (v & 4) && (v & 3) ? "|" : "",
			    (v & 2) ? "W_OK" : "", (v & 2) && (v & 1) ? "|" : "", (v & 1) ? "X_OK" : "");
		break;
	case 's': {
		uint32_t family, port;
		format_addr(buf, sizeof buf, &family, &port);
		if (family == AF_UNIX) {
			put(l, "{sa_family=AF_UNIX, sun_path=");
			put_quoted(l, buf);
			put(l, "}");
		} else if (family == AF_INET || family == AF_INET6) {
			put(l, "{sa_family=%s, addr=%s, port=%u}", family == AF_INET ? "AF_INET" : "AF_INET6",
			    buf, port);
		} else {
			put(l, "%#" PRIx64, v);
		}
		break;
	}
	case 'v':
		put(l, "[");
		for (size_t i = 0; i < call.argc; i++) {
			if (i)
				put(l, ", ");
			put_quoted(l, call.argv[i]);
		}
		put(l, "%s]", call.argv_truncated ? ", ..." : "");
		break;
	case 'h':
		if (call.have_how) {
			put(l, "{flags=%s, mode=0%03o, resolve=%#llx}",
			    audit_open_flags((unsigned)call.how.flags, buf, sizeof buf),
			    (unsigned)call.how.mode & 07777, (unsigned long long)call.how.resolve);
		} else {
			put(l, "%#" PRIx64, v);
		}
		break;
	default:
		put(l, "%#" PRIx64, v);
	}
}

static void strace_line(struct sentry *s, const struct platform_syscall *sc, struct task *t, int64_t rc,
			uint64_t t1)
{
	struct line *l = malloc(sizeof *l);
	if (!l)
		return;
	l->n = 0;
	put(l, "[%d:%d] %s(", t ? (int)t->tgid : 0, (int)sc->tid, platform_syscall_name(sc->nr));
	const char *fmt = sc->nr >= 0 && sc->nr < MAX_NR ? arg_formats[sc->nr] : NULL;
	if (!fmt)
		fmt = "xxxxxx";
	int nargs = (int)strlen(fmt);
	/* as strace: an open's mode only when it can create */
#ifdef __NR_open
	if (sc->nr == SYS_open && !(sc->args[1] & (O_CREAT | O_TMPFILE)))
		nargs--;
#endif
	if (sc->nr == SYS_openat && !(sc->args[2] & (O_CREAT | O_TMPFILE)))
		nargs--;
	for (int i = 0; i < nargs && i < 6; i++) {
		if (i)
			put(l, ", ");
		if (fmt[i] == 'S' && rc == 0)
			put_stat(l, s, sc, sc->args[i]);
		else
			put_arg(l, fmt[i] == 'S' ? 'x' : fmt[i], sc->args[i]);
	}
	put(l, ") = ");
	if (rc == SYSCALL_ANSWERED && (sc->nr == SYS_execve || sc->nr == SYS_execveat))
		put(l, "0 (the kernel runs the exec)");
	else if (rc == SYSCALL_ANSWERED && call.installed >= 0)
		put(l, "%" PRId64, call.installed);
	else if (rc == SYSCALL_ANSWERED)
		put(l, "? (run by the kernel)");
	else if (rc < 0 && rc >= -4095)
		put(l, "-1 %s (%s)", strerrorname_np((int)-rc) ?: "E?", strerror((int)-rc));
	else
		put(l, "%" PRId64, rc);
	put(l, " <%.6f>\n", (double)(t1 - call.t0) / 1e9);
	if (l->n >= sizeof l->buf)
		l->n = sizeof l->buf - 1;
	l->buf[l->n - 1] = '\n';
	/* one write per line: lines of concurrent workers never interleave */
	ssize_t unused = write(strace_out, l->buf, l->n);
	(void)unused;
	free(l);
}

void trace_done_(struct sentry *s, const struct platform_syscall *sc, struct task *t, int64_t rc)
{
	uint64_t t1 = strace_out >= 0 ? now_ns() : 0;
	if (sc->nr == SYS_openat && (int)sc->args[0] == RL_LOADER_DIRFD) {
		forget_call();   /* the exec loader asking for its plan: runsc-lite's own */
		return;
	}
	if (kinds) {
		switch (sc->nr) {
		case SYS_execve:
		case SYS_execveat:
			emit_exec(sc, t, rc);
			break;
		case SYS_connect:
		case SYS_bind:
		case SYS_listen:
		case SYS_accept:
		case SYS_accept4:
		case SYS_sendto:
			emit_net(sc, t, rc);
			break;
		default:
			emit_file(s, sc, t, rc);
		}
	} else if (rc == SYSCALL_ANSWERED && t && (sc->nr == SYS_execve || sc->nr == SYS_execveat)) {
		emit_exec(sc, t, rc);   /* the process name, for strace lines */
	}
	if (strace_out >= 0)
		strace_line(s, sc, t, rc, t1);
	forget_call();
}

int64_t trace_refused_(struct sentry *s, const struct platform_syscall *sc, struct task *t)
{
	int nr = sc->nr;
	unsigned idx = nr >= 0 && nr < MAX_NR ? denied_rule[nr] : 0;
	if (!idx && denied_default && !(nr >= 0 && nr < MAX_NR && policy_traps[nr]))
		idx = denied_default;
	const char *name = platform_syscall_name(nr);
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	if (idx) {
		const struct policy_rule *r = &policy_app.rules[idx - 1];
		if (want(AUDIT_DENIED)) {
			RunscLite__Audit__Denied d = RUNSC_LITE__AUDIT__DENIED__INIT;
			char rule[128];
			snprintf(rule, sizeof rule, "errno:%s %s%s", strerrorname_np(r->errno_value) ?: "?",
				 r->syscall, r->ncond ? " (with conditions)" : "");
			d.nr = nr;
			d.name = (char *)name;
			d.rule = rule;
			d.error = r->errno_value;
			ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_DENIED;
			ev.denied = &d;
			audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
		}
		return -r->errno_value;
	}
	if (want(AUDIT_UNIMPLEMENTED)) {
		RunscLite__Audit__Unimplemented u = RUNSC_LITE__AUDIT__UNIMPLEMENTED__INIT;
		u.nr = nr;
		u.name = (char *)name;
		ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_UNIMPLEMENTED;
		ev.unimplemented = &u;
		audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
	}
	(void)s;
	return -ENOSYS;
}

void trace_net_denied_(struct sentry *s, const struct platform_syscall *sc, const char *rule)
{
	if (!want(AUDIT_DENIED))
		return;
	struct task *t = task_find(s, sc->tid);
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	RunscLite__Audit__Denied d = RUNSC_LITE__AUDIT__DENIED__INIT;
	d.nr = sc->nr;
	d.name = (char *)platform_syscall_name(sc->nr);
	d.rule = (char *)rule;
	d.error = ECONNREFUSED;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_DENIED;
	ev.denied = &d;
	audit_emit(&ev, t ? t->tgid : 0, sc->tid, comm_of(t));
}

/* ---- processes, signals, the end ------------------------------------------------------ */

void trace_task_new_(struct sentry *s, const struct task *t, pid_t ppid, bool from_known)
{
	if (!want(AUDIT_CLONE) || !from_known)
		return;
	RunscLite__Audit__ProcessClone c = RUNSC_LITE__AUDIT__PROCESS_CLONE__INIT;
	c.child_pid = t->tgid;
	c.child_tid = t->tid;
	c.thread = t->tgid != t->tid;
	c.parent_pid = c.thread ? t->tgid : ppid;
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_CLONE;
	ev.clone = &c;
	audit_emit(&ev, t->tgid, t->tid, t->comm);
	(void)s;
}

void trace_task_gone_(struct sentry *s, const struct task *t)
{
	if (!want(AUDIT_PROCESS_EXIT) || t->tid != t->tgid)
		return;
	RunscLite__Audit__ProcessExit x = RUNSC_LITE__AUDIT__PROCESS_EXIT__INIT;
	/* a zombie's exit code is in its stat (field 52) until it is reaped */
	char buf[1024];
	if (task_read_proc(s, t->tid, "stat", buf, sizeof buf) > 0) {
		char *p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X')) {
			char *f = p + 2;
			for (int field = 3; field < 52 && f; field++) {
				f = strchr(f, ' ');
				if (f)
					f++;
			}
			if (f) {
				int code = atoi(f);
				x.known = true;
				x.status = WIFEXITED(code) ? WEXITSTATUS(code) : 0;
				x.signal = WIFSIGNALED(code) ? WTERMSIG(code) : 0;
			}
		}
	}
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_PROCESS_EXIT;
	ev.process_exit = &x;
	audit_emit(&ev, t->tgid, t->tid, t->comm);
}

void trace_signal_(int signo, pid_t sender)
{
	if (!want(AUDIT_SIGNAL))
		return;
	RunscLite__Audit__Signal sg = RUNSC_LITE__AUDIT__SIGNAL__INIT;
	sg.signo = signo;
	sg.sender_pid = sender;
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_SIGNAL;
	ev.signal = &sg;
	audit_emit(&ev, 0, 0, NULL);
}

void trace_app_exit_(int wstatus, const struct rusage *ru)
{
	app_exit.have = true;
	app_exit.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	app_exit.ru = *ru;
}

/* How long the end waits for a slow consumer in the default mode. */
#define FINISH_WAIT_MS 1000

void trace_finish(int status)
{
	if (!audit_sink_active())
		return;
	RunscLite__Audit__SandboxExit x = RUNSC_LITE__AUDIT__SANDBOX_EXIT__INIT;
	x.status = status;
	x.signal = app_exit.signal;
	x.duration_ns = now_ns() - started_ns;
	x.dropped = audit_sink_dropped();
	if (app_exit.have) {
		const struct rusage *ru = &app_exit.ru;
		x.user_us = (uint64_t)ru->ru_utime.tv_sec * 1000000u + (uint64_t)ru->ru_utime.tv_usec;
		x.system_us = (uint64_t)ru->ru_stime.tv_sec * 1000000u + (uint64_t)ru->ru_stime.tv_usec;
		x.maxrss_kb = (uint64_t)ru->ru_maxrss;
	}
	AuditEvent ev = RUNSC_LITE__AUDIT__EVENT__INIT;
	ev.kind_case = RUNSC_LITE__AUDIT__EVENT__KIND_EXIT;
	ev.exit = &x;
	audit_emit(&ev, 0, 0, NULL);
	uint64_t dropped = audit_sink_finish(FINISH_WAIT_MS);
	if (dropped)
		warnx_rl("trace: %" PRIu64 " events dropped (the consumer was too slow; "
			 "--trace-mode=lossless waits instead)", dropped);
}
