/*
 * procfs: the sandbox's /proc, as the application's pid namespace sees it.
 *
 * Where the facts come from.  The sentry is pid 1 of a pid namespace and
 * holds a procfs of it (s->procfd); the application runs in a pid namespace
 * nested in that one, so every sandbox task appears there under its
 * sentry-namespace pid, and the NSpid line of its status gives its pid in
 * the application's namespace (the second field).  A task with a single
 * NSpid field (the sentry, the ptrace platform's helper) is not the
 * application's: it does not exist here.  Pids inside files (PPid, pgrp,
 * session, TracerPid...) are translated the same way, and one the
 * application cannot see becomes 0, as Linux shows it.
 *
 * What is synthesized rather than passed through: everything that names a
 * path or a pid.  fd/N, exe, cwd and root come from the sentry's own
 * records (FD identity, exec records, the task's fs context) and are paths
 * of the VFS relative to the reader's root; maps names the files the
 * sentry knows by their host identity and hides the exec loader; mounts
 * and mountinfo list the VFS's mount table; sys/kernel/hostname is the
 * sandbox's.  No host path is ever copied out: a host object the VFS does
 * not know is shown as "host:[ino]" (as gVisor shows host fds).  Harmless
 * global files (cpuinfo, meminfo, stat, uptime, version, ...) are the
 * host's, read through the sentry's procfs: an explicit list, never a
 * path the application chose.
 *
 * How the application reads a file: at open the content is generated into
 * a memfd, which is re-opened read-only through the sentry's procfs and
 * donated, so read/lseek/mmap run natively.  Each open is a snapshot of
 * that moment (Linux's seq files generate at the first read, and again at
 * each read of a large file: close enough for every reader we know).
 * Writes are refused (EACCES), even to the files Linux lets an owner write
 * (comm, oom_score_adj...).
 *
 * Magic links (get_link): opening /proc/PID/{exe,cwd,root} or fd/N goes to
 * the object itself through the VFS, not to a re-walk of the link's text.
 * An fd link to an object outside the VFS ends the walk at the link
 * (VFS_OUTSIDE) and is opened here: a pipe or FIFO as Linux opens one
 * again (open_outside: bash's <(...) and >(...) hand out /dev/fd/63);
 * anything else — a socket, an inherited host file — is ENXIO.
 *
 * Permissions are Linux's modes (environ 0400, fd/ 0500...): the owner of
 * a process's files is its effective uid, and the application's uid 0
 * without capabilities is an ordinary owner.
 *
 * The dentry cache: the filesystem uses the revalidating cache policy, so
 * every cached name is checked again (revalidate) — a pid that exited, an
 * fd that was closed, a pid that appeared are seen at once.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define GEN_MAX (16u << 20)     /* the largest file generated (maps, environ...) */

enum pkind {
	K_ROOT,          /* /proc */
	K_DIR,           /* a fixed directory (sys, sys/kernel...) */
	K_FILE,          /* a fixed file */
	K_SYMLINK,       /* a fixed link (mounts -> self/mounts) */
	K_SELF,          /* self */
	K_THREAD_SELF,   /* thread-self */
	K_PID,           /* /proc/PID, or /proc/PID/task/TID (thread) */
	K_PIDFILE,       /* a file of one of those */
	K_PIDLINK,       /* exe, cwd, root */
	K_TASKS,         /* /proc/PID/task */
	K_FDS,           /* /proc/PID/fd */
	K_FDINFOS,       /* /proc/PID/fdinfo */
	K_FD,            /* fd/N */
	K_FDINFO,        /* fdinfo/N */
};

struct pnode;
struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};
/* Generates a file; spath: the process's (or thread's) directory in the
 * sentry's procfs ("5", "5/task/7"), empty for global files. */
typedef int (*gen_fn)(struct buf *b, const struct pnode *n, const char *spath);

struct pent {
	const char *name;
	mode_t mode;
	enum pkind kind;
	gen_fn gen;
	const char *arg;           /* host file, link target, or which link */
	const struct pent *sub;    /* K_DIR: its entries (NULL-terminated) */
};

struct pnode {
	enum pkind kind;
	const struct pent *ent;    /* fixed entries */
	pid_t apid;                /* the process, as the application numbers it */
	pid_t atid;                /* the thread (= apid for a process directory) */
	bool thread;               /* beneath task/ */
	int fd;                    /* K_FD, K_FDINFO */
};

static struct sentry *S;
static struct vfs_fs *PFS;
static char hostname[65];
static __thread struct task *caller;

void procfs_set_caller(struct task *t)
{
	caller = t;
}

/* ---- output buffers ------------------------------------------------------- */

static void bput(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > GEN_MAX) {
		b->failed = true;
		return;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void bprintf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		b->failed = true;
	else
		bput(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A file of the sentry's procfs, whole.  rel never comes from the
 * application as such: it is a number we formatted plus a fixed name. */
static int read_host(const char *rel, struct buf *b)
{
	int fd = openat(S->procfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ESRCH ? -ENOENT : -errno;
	char tmp[8192];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		bput(b, tmp, (size_t)n);
	int err = errno;
	close(fd);
	if (n < 0)
		return err == ESRCH ? -ENOENT : -err;
	return b->failed ? -ENOMEM : 0;
}

/* The host procfs file SPATH/NAME as a NUL-terminated string in *in (the
 * caller frees in->p): 0, -ENOENT when empty or gone, or another errno. */
static int read_task_text(const char *spath, const char *name, struct buf *in)
{
	char rel[96];
	snprintf(rel, sizeof rel, "%s/%s", spath, name);
	int rc = read_host(rel, in);
	if (rc == 0 && !in->p)
		rc = -ENOENT;
	if (rc == 0) {
		bput(in, "", 1);
		rc = in->failed ? -ENOMEM : 0;
	}
	if (rc < 0) {
		free(in->p);
		in->p = NULL;
	}
	return rc;
}

/* ---- pids: the sentry's namespace and the application's ------------------- */

struct pinfo {
	pid_t apid;     /* the task's pid (tid) in the application's namespace */
	pid_t atgid;    /* its process */
	uid_t uid;      /* effective ids: the owner of its /proc files */
	gid_t gid;
};

/* The second field of a "Key:\tA\tB..." line, or 0 when there is none. */
static long second_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	if (!p)
		return -1;
	char *end;
	p += strlen(key);
	strtol(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	long v = strtol(p, &end, 10);
	return end == p || *p == '\n' ? 0 : v;
}

/* What the status of the sentry-namespace task spid says; -ENOENT if it
 * is gone or is not the application's. */
static int sentry_status(pid_t spid, struct pinfo *pi)
{
	char rel[32], buf[4096];
	snprintf(rel, sizeof rel, "%d/status", (int)spid);
	int fd = openat(S->procfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ENOENT;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = 0;
	long apid = second_field(buf, "\nNSpid:");
	long atgid = second_field(buf, "\nNStgid:");
	if (apid <= 0 || atgid <= 0)
		return -ENOENT;   /* one field: a task of the sentry's, not the application's */
	pi->apid = (pid_t)apid;
	pi->atgid = (pid_t)atgid;
	pi->uid = (uid_t)second_field(buf, "\nUid:");
	pi->gid = (gid_t)second_field(buf, "\nGid:");
	return 0;
}

/* The application's pid of sentry-namespace pid spid; 0 if it has none
 * (the sentry itself, a process outside the sandbox's namespace). */
static pid_t s2a(long spid)
{
	struct pinfo pi;
	if (spid <= 0 || spid > INT_MAX)
		return 0;
	return sentry_status((pid_t)spid, &pi) == 0 ? pi.apid : 0;
}

/* apid -> spid, a cache checked on every use (pids are reused). */
#define PIDCACHE 1024
static struct { pid_t apid, spid; } pidcache[PIDCACHE];

static void cache_put(pid_t apid, pid_t spid)
{
	pidcache[(unsigned)apid % PIDCACHE].apid = apid;
	pidcache[(unsigned)apid % PIDCACHE].spid = spid;
}

/* Calls fn for every numeric entry of the sentry's procfs directory rel. */
static void for_each_number(const char *rel, void (*fn)(void *arg, long n), void *arg)
{
	int dfd = openat(S->procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && *end == 0 && v >= 0 && v <= INT_MAX)
			fn(arg, v);
	}
	closedir(d);
}

static void rescan_thread(void *arg, long stid)
{
	struct pinfo pi;
	if (sentry_status((pid_t)stid, &pi) == 0)
		cache_put(pi.apid, (pid_t)stid);
}

static void rescan_process(void *arg, long spid)
{
	char rel[32];
	snprintf(rel, sizeof rel, "%ld/task", spid);
	for_each_number(rel, rescan_thread, NULL);
}

/* The sentry-namespace tid of the application's pid (or tid) apid, with
 * what its status says; -ENOENT if there is no such task. */
static int a2s(pid_t apid, pid_t *spid, struct pinfo *pi)
{
	if (apid <= 0)
		return -ENOENT;
	for (int pass = 0; pass < 2; pass++) {
		unsigned slot = (unsigned)apid % PIDCACHE;
		if (pidcache[slot].apid == apid && sentry_status(pidcache[slot].spid, pi) == 0 &&
		    pi->apid == apid) {
			*spid = pidcache[slot].spid;
			return 0;
		}
		if (pass == 0)
			for_each_number(".", rescan_process, NULL);
	}
	return -ENOENT;
}

/* The node's directory in the sentry's procfs, checked to be still the
 * process (thread) the node names. */
static int node_spath(const struct pnode *n, char *out, size_t cap, struct pinfo *pi)
{
	pid_t sp, st;
	struct pinfo tmp;
	if (!pi)
		pi = &tmp;
	if (!n->thread) {
		if (a2s(n->atid, &sp, pi) < 0)
			return -ENOENT;
		snprintf(out, cap, "%d", (int)sp);
		return 0;
	}
	if (a2s(n->apid, &sp, pi) < 0 || a2s(n->atid, &st, pi) < 0 || pi->atgid != n->apid)
		return -ENOENT;
	snprintf(out, cap, "%d/task/%d", (int)sp, (int)st);
	return 0;
}

/* The sentry's task record of the node's thread (met now if need be). */
static struct task *node_task(const struct pnode *n)
{
	pid_t st;
	struct pinfo pi;
	if (a2s(n->atid, &st, &pi) < 0 || (n->thread && pi.atgid != n->apid))
		return NULL;
	return task_get(S, st);
}

/* A name made of digits only, without a leading zero (as Linux's). */
static long parse_number(const char *name)
{
	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1]))
		return -1;
	char *end;
	errno = 0;
	long v = strtol(name, &end, 10);
	return *end || errno || v > INT_MAX ? -1 : v;
}

/* ---- sandbox paths ------------------------------------------------------- */

/* p as the caller sees it, with " (deleted)" for an object whose name is
 * gone, as Linux's d_path. */
static int path_text(struct vfs_path p, char *buf, size_t cap)
{
	if (!caller)
		return -ENOENT;
	int n = vfs_path_string(&caller->fs->root, &p, buf, cap);
	if (n < 0)
		return -ENAMETOOLONG;
	bool deleted = false;
	for (struct vfs_dentry *d = p.dentry; d && !deleted; d = d->parent)
		deleted = d->deleted;
	if (deleted) {
		if ((size_t)n + 11 > cap)
			return -ENAMETOOLONG;
		memcpy(buf + n, " (deleted)", 11);
		n += 10;
	}
	return n;
}

/* The object exe/cwd/root of node n refers to (borrowed). */
static int pidlink_target(const struct pnode *n, struct vfs_path *out)
{
	struct task *t = node_task(n);
	if (!t)
		return -ENOENT;
	const char *which = n->ent->arg;
	if (strcmp(which, "exe") == 0) {
		struct task *leader = task_find(S, t->tgid);
		struct vfs_path exe = leader && leader->exe.dentry ? leader->exe : t->exe;
		if (!exe.dentry)
			return -ENOENT;   /* no exec the sentry saw (cannot happen after the first) */
		*out = exe;
	} else if (strcmp(which, "cwd") == 0) {
		*out = t->fs->cwd;
	} else {
		*out = t->fs->root;
	}
	return 0;
}

/* The VFS file behind fd `fd` of the node's process, or NULL (*st: what
 * the host says the object is). */
static struct vfs_file *fd_file(const char *spath, int fd, struct stat *st)
{
	char rel[96];
	snprintf(rel, sizeof rel, "%s/fd/%d", spath, fd);
	if (fstatat(S->procfd, rel, st, 0) < 0)
		return NULL;
	return files_find(st->st_dev, st->st_ino);
}

/* Names of the host's memory devices: what an inherited /dev/null is. */
static const char *const mem_devices[] = {
	[1] = "mem", [3] = "null", [5] = "zero", [7] = "full", [8] = "random", [9] = "urandom",
};

/* The text of fd link N: the sandbox path of a VFS file, the kernel's
 * "pipe:[ino]"-style name of an anonymous object, never a host path. */
static int fd_link_text(const char *spath, int fd, char *buf, size_t cap)
{
	struct stat st;
	struct vfs_file *f = fd_file(spath, fd, &st);
	if (f)
		return path_text(f->path, buf, cap);
	char rel[96], host[256];
	snprintf(rel, sizeof rel, "%s/fd/%d", spath, fd);
	ssize_t n = readlinkat(S->procfd, rel, host, sizeof host - 1);
	if (n < 0)
		return -ENOENT;
	host[n] = 0;
	int len;
	if (host[0] != '/' || strncmp(host, "/memfd:", 7) == 0)
		len = snprintf(buf, cap, "%s", host);   /* pipe:[..], socket:[..], anon_inode:.. */
	else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) < 10 &&
		 mem_devices[minor(st.st_rdev)])
		len = snprintf(buf, cap, "/dev/%s", mem_devices[minor(st.st_rdev)]);
	else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 136)
		len = snprintf(buf, cap, "/dev/pts/%u", minor(st.st_rdev));
	else
		len = snprintf(buf, cap, "host:[%llu]", (unsigned long long)st.st_ino);
	return len < 0 || (size_t)len >= cap ? -ENAMETOOLONG : len;
}

/* ---- generators: per process ----------------------------------------------- */

static int gen_pass(struct buf *b, const struct pnode *n, const char *spath)
{
	char rel[96];
	snprintf(rel, sizeof rel, "%s/%s", spath, n->ent->arg);
	return read_host(rel, b);
}

/* stat: "pid (comm) state ppid pgrp session tty tpgid ...": the pids
 * translated.  comm may hold anything, ')' too: the last ')' ends it. */
static int gen_stat(struct buf *b, const struct pnode *n, const char *spath)
{
	struct buf in = { 0 };
	int rc = read_task_text(spath, "stat", &in);
	if (rc < 0)
		return rc;
	char *open = strchr(in.p, '('), *close = strrchr(in.p, ')');
	if (!open || !close || close < open) {
		free(in.p);
		return -EIO;
	}
	bprintf(b, "%d ", (int)s2a(strtol(in.p, NULL, 10)));
	bput(b, open, (size_t)(close - open + 1));
	/* fields 3.. after the comm */
	char *p = close + 1, *save;
	int field = 3;
	for (char *tok = strtok_r(p, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++) {
		long v = strtol(tok, NULL, 10);
		if ((field == 4 || field == 5 || field == 6 || field == 8) && v > 0)
			bprintf(b, " %d", (int)s2a(v));
		else
			bprintf(b, " %s", tok);
	}
	bputs(b, "\n");
	free(in.p);
	return b->failed ? -ENOMEM : 0;
}

/* A line of pids in the sentry's namespace, as the application's sees
 * them: "Pid:"-like lines translated (-1, a pidfd's exited process, kept;
 * a pid the application cannot see: 0), "NSpid:"-like lines without their
 * first field (the sentry's namespace; none left: "0").  False: no such
 * line. */
static bool put_pid_line(struct buf *b, const char *line)
{
	static const char *const single[] = { "Tgid:", "Ngid:", "Pid:", "PPid:", "TracerPid:" };
	static const char *const nested[] = { "NStgid:", "NSpid:", "NSpgid:", "NSsid:" };
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
		if (strncmp(line, single[i], strlen(single[i])) == 0) {
			long v = strtol(line + strlen(single[i]), NULL, 10);
			bprintf(b, "%s\t%d\n", single[i], v > 0 ? (int)s2a(v) : v == -1 ? -1 : 0);
			return true;
		}
	for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
		if (strncmp(line, nested[i], strlen(nested[i])) == 0) {
			char *end;
			strtol(line + strlen(nested[i]), &end, 10);   /* the sentry's namespace */
			while (*end == '\t' || *end == ' ')
				end++;
			bprintf(b, "%s\t%s\n", nested[i], *end ? end : "0");
			return true;
		}
	return false;
}

/* status: the pid lines translated (put_pid_line). */
static int gen_status(struct buf *b, const struct pnode *n, const char *spath)
{
	struct buf in = { 0 };
	int rc = read_task_text(spath, "status", &in);
	if (rc < 0)
		return rc;
	char *save;
	for (char *line = strtok_r(in.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!put_pid_line(b, line)) {
			bputs(b, line);
			bputs(b, "\n");
		}
	free(in.p);
	return b->failed ? -ENOMEM : 0;
}

/* maps: the application's mappings; a file the sentry knows (by its host
 * identity) is named by its sandbox path and numbered as stat shows it,
 * the exec loader is hidden, any other file loses its host name. */
static int gen_maps(struct buf *b, const struct pnode *n, const char *spath)
{
	struct buf in = { 0 };
	int rc = read_task_text(spath, "maps", &in);
	if (rc == -ENOENT)
		return 0;   /* no mappings (a kernel thread, an exiting task): empty */
	if (rc < 0)
		return rc;
	dev_t ldev;
	ino_t lino;
	exec_loader_identity(&ldev, &lino);
	char *save;
	for (char *line = strtok_r(in.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char range[64], perms[8], offset[32];
		unsigned maj, min;
		unsigned long long ino;
		int pathpos = 0;
		if (sscanf(line, "%63s %7s %31s %x:%x %llu %n", range, perms, offset, &maj, &min, &ino,
			   &pathpos) < 6)
			continue;
		const char *name = pathpos ? line + pathpos : "";
		if (ino == 0) {   /* anonymous, [heap], [stack], [vdso]... */
			bputs(b, line);
			bputs(b, "\n");
			continue;
		}
		dev_t dev = makedev(maj, min);
		if (dev == ldev && ino == lino)
			continue;   /* the loader: not part of the program */
		char path[VFS_PATH_MAX] = "";
		struct vfs_file *f = files_find(dev, (ino_t)ino);
		if (f) {
			struct vfs_inode *vi = f->path.dentry->inode;
			dev = vi->fs->dev;
			ino = vi->attr.st_ino;
			if (path_text(f->path, path, sizeof path) < 0)
				path[0] = 0;
		} else if (strncmp(name, "/memfd:", 7) == 0) {
			snprintf(path, sizeof path, "%s", name);
		} else {
			dev = 0;
			ino = 0;
		}
		int len = 0;
		bprintf(b, "%s %s %s %02x:%02x %llu %n", range, perms, offset, major(dev), minor(dev),
			ino, &len);
		if (path[0]) {
			for (; len < 73; len++)
				bputs(b, " ");
			bputs(b, path);
		}
		bputs(b, "\n");
	}
	free(in.p);
	return b->failed ? -ENOMEM : 0;
}

/* A mount point as the caller sees it, escaped as Linux escapes it. */
static void put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			bprintf(b, "\\%03o", (unsigned char)*s);
		else
			bput(b, s, 1);
}

static const char *fs_type(const struct vfs_fs *fs)
{
	return fs->ops->name ? fs->ops->name : "none";
}

/* The mount's source: what a filesystem without a device shows. */
static const char *fs_source(const struct vfs_fs *fs)
{
	const char *t = fs_type(fs);
	return strcmp(t, "9p") == 0 ? "none" : t;
}

static int mount_point(const struct vfs_mount *m, char *buf, size_t cap)
{
	if (!m->parent) {
		snprintf(buf, cap, "/");
		return 0;
	}
	struct vfs_path at = { m->parent, m->mountpoint };
	return vfs_path_string(&caller->fs->root, &at, buf, cap) < 0 ? -ENAMETOOLONG : 0;
}

static int mount_id(const struct vfs_mount *m)
{
	int id = 1;
	for (struct vfs_mount *o = vfs_mounts(); o && o != m; o = o->next)
		id++;
	return id;
}

static int gen_mounts(struct buf *b, const struct pnode *n, const char *spath)
{
	if (!caller)
		return -ENOENT;
	for (struct vfs_mount *m = vfs_mounts(); m; m = m->next) {
		char at[VFS_PATH_MAX];
		if (mount_point(m, at, sizeof at) < 0)
			continue;
		bprintf(b, "%s ", fs_source(m->fs));
		put_escaped(b, at);
		bprintf(b, " %s %s,relatime 0 0\n", fs_type(m->fs), m->fs->readonly ? "ro" : "rw");
	}
	return b->failed ? -ENOMEM : 0;
}

static int gen_mountinfo(struct buf *b, const struct pnode *n, const char *spath)
{
	if (!caller)
		return -ENOENT;
	for (struct vfs_mount *m = vfs_mounts(); m; m = m->next) {
		char at[VFS_PATH_MAX];
		if (mount_point(m, at, sizeof at) < 0)
			continue;
		int id = mount_id(m);
		bprintf(b, "%d %d %u:%u / ", id, m->parent ? mount_id(m->parent) : id,
			major(m->fs->dev), minor(m->fs->dev));
		put_escaped(b, at);
		const char *ro = m->fs->readonly ? "ro" : "rw";
		bprintf(b, " %s,relatime - %s %s %s\n", ro, fs_type(m->fs), fs_source(m->fs), ro);
	}
	return b->failed ? -ENOMEM : 0;
}

/* fdinfo/N: pos and flags are the kernel's; mnt_id and ino are the
 * sandbox's (statx's mount id, stat's inode), a pidfd's Pid and NSpid the
 * application's namespace's; host-only lines (inotify marks name host
 * devices) are left out. */
static int gen_fdinfo(struct buf *b, const struct pnode *n, const char *spath)
{
	struct buf in = { 0 };
	char name[32];
	snprintf(name, sizeof name, "fdinfo/%d", n->fd);
	int rc = read_task_text(spath, name, &in);
	if (rc < 0)
		return rc;
	struct stat st;
	struct vfs_file *f = fd_file(spath, n->fd, &st);
	char *save;
	for (char *line = strtok_r(in.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "mnt_id:", 7) == 0)
			bprintf(b, "mnt_id:\t%u\n", f ? minor(f->path.dentry->inode->fs->dev) : 0);
		else if (strncmp(line, "ino:", 4) == 0)
			bprintf(b, "ino:\t%llu\n", f ? (unsigned long long)f->path.dentry->inode->attr.st_ino
						     : (unsigned long long)st.st_ino);
		else if (strncmp(line, "inotify", 7) == 0 || strncmp(line, "fanotify", 8) == 0)
			continue;
		else if (!put_pid_line(b, line))   /* (a pidfd's process) */
			bprintf(b, "%.400s\n", line);
	}
	free(in.p);
	return b->failed ? -ENOMEM : 0;
}

/* ---- generators: global ---------------------------------------------------- */

static int gen_host(struct buf *b, const struct pnode *n, const char *spath)
{
	return read_host(n->ent->arg, b);
}

static int gen_hostname(struct buf *b, const struct pnode *n, const char *spath)
{
	bprintf(b, "%s\n", hostname);
	return 0;
}

static int gen_text(struct buf *b, const struct pnode *n, const char *spath)
{
	bputs(b, n->ent->arg);
	return 0;
}

/* loadavg: "1m 5m 15m running/threads last-pid"; the last pid is the
 * sentry namespace's: translated (0 when not the application's). */
static int gen_loadavg(struct buf *b, const struct pnode *n, const char *spath)
{
	struct buf in = { 0 };
	int rc = read_host("loadavg", &in);
	if (rc < 0 || !in.p) {
		free(in.p);
		return rc < 0 ? rc : -EIO;
	}
	bput(&in, "", 1);
	char a[16], c[16], d[16], e[32];
	long last;
	if (sscanf(in.p, "%15s %15s %15s %31s %ld", a, c, d, e, &last) == 5)
		bprintf(b, "%s %s %s %s %d\n", a, c, d, e, (int)s2a(last));
	free(in.p);
	return 0;
}

/* ---- the tree -------------------------------------------------------------- */

#define REG(name, mode, gen, arg) { name, S_IFREG | (mode), K_FILE, gen, arg, NULL }
#define DIRENT(name, sub) { name, S_IFDIR | 0555, K_DIR, NULL, NULL, sub }

static const struct pent kernel_random_ents[] = {
	REG("uuid", 0444, gen_host, "sys/kernel/random/uuid"),
	REG("poolsize", 0444, gen_host, "sys/kernel/random/poolsize"),
	{ NULL },
};

static const struct pent kernel_ents[] = {
	REG("cap_last_cap", 0444, gen_host, "sys/kernel/cap_last_cap"),
	REG("domainname", 0644, gen_text, "(none)\n"),
	REG("hostname", 0644, gen_hostname, NULL),
	REG("ngroups_max", 0444, gen_host, "sys/kernel/ngroups_max"),
	REG("osrelease", 0444, gen_host, "sys/kernel/osrelease"),
	REG("ostype", 0444, gen_host, "sys/kernel/ostype"),
	REG("overflowgid", 0644, gen_host, "sys/kernel/overflowgid"),
	REG("overflowuid", 0644, gen_host, "sys/kernel/overflowuid"),
	REG("pid_max", 0644, gen_host, "sys/kernel/pid_max"),
	DIRENT("random", kernel_random_ents),
	REG("threads-max", 0644, gen_host, "sys/kernel/threads-max"),
	REG("version", 0444, gen_host, "sys/kernel/version"),
	{ NULL },
};

static const struct pent fs_ents[] = {
	REG("file-max", 0644, gen_host, "sys/fs/file-max"),
	REG("file-nr", 0444, gen_host, "sys/fs/file-nr"),
	REG("nr_open", 0644, gen_host, "sys/fs/nr_open"),
	REG("pipe-max-size", 0644, gen_host, "sys/fs/pipe-max-size"),
	{ NULL },
};

static const struct pent vm_ents[] = {
	REG("max_map_count", 0644, gen_host, "sys/vm/max_map_count"),
	REG("mmap_min_addr", 0644, gen_host, "sys/vm/mmap_min_addr"),
	REG("overcommit_memory", 0644, gen_host, "sys/vm/overcommit_memory"),
	{ NULL },
};

static const struct pent sys_ents[] = {
	DIRENT("fs", fs_ents),
	DIRENT("kernel", kernel_ents),
	DIRENT("vm", vm_ents),
	{ NULL },
};

static const struct pent root_ents[] = {
	REG("cpuinfo", 0444, gen_host, "cpuinfo"),
	REG("filesystems", 0444, gen_text, "nodev\tproc\nnodev\ttmpfs\nnodev\t9p\n"),
	REG("loadavg", 0444, gen_loadavg, NULL),
	REG("meminfo", 0444, gen_host, "meminfo"),
	{ "mounts", S_IFLNK | 0777, K_SYMLINK, NULL, "self/mounts", NULL },
	{ "self", S_IFLNK | 0777, K_SELF, NULL, NULL, NULL },
	REG("stat", 0444, gen_host, "stat"),
	DIRENT("sys", sys_ents),
	{ "thread-self", S_IFLNK | 0777, K_THREAD_SELF, NULL, NULL, NULL },
	REG("uptime", 0444, gen_host, "uptime"),
	REG("version", 0444, gen_host, "version"),
	{ NULL },
};

#define PFILE(name, mode, gen, arg) { name, S_IFREG | (mode), K_PIDFILE, gen, arg, NULL }
#define PLINK(name) { name, S_IFLNK | 0777, K_PIDLINK, NULL, name, NULL }
/* The entries of /proc/PID (and of /proc/PID/task/TID but "task").  Left
 * out on purpose: cgroup, mountstats, mem, and anything else naming host
 * paths or giving access beyond reading. */
static const struct pent pid_ents[] = {
	PFILE("cmdline", 0444, gen_pass, "cmdline"),
	PFILE("comm", 0644, gen_pass, "comm"),
	PLINK("cwd"),
	PFILE("environ", 0400, gen_pass, "environ"),
	PLINK("exe"),
	{ "fd", S_IFDIR | 0500, K_FDS, NULL, NULL, NULL },
	{ "fdinfo", S_IFDIR | 0500, K_FDINFOS, NULL, NULL, NULL },
	PFILE("io", 0400, gen_pass, "io"),
	PFILE("limits", 0444, gen_pass, "limits"),
	PFILE("maps", 0444, gen_maps, NULL),
	PFILE("mountinfo", 0444, gen_mountinfo, NULL),
	PFILE("mounts", 0444, gen_mounts, NULL),
	PFILE("oom_score_adj", 0644, gen_pass, "oom_score_adj"),
	PLINK("root"),
	PFILE("stat", 0444, gen_stat, NULL),
	PFILE("statm", 0444, gen_pass, "statm"),
	PFILE("status", 0444, gen_status, NULL),
	{ "task", S_IFDIR | 0555, K_TASKS, NULL, NULL, NULL },
	{ NULL },
};

static const struct pent fdinfo_ent = { "", S_IFREG | 0444, K_FDINFO, gen_fdinfo, NULL, NULL };

/* Inode numbers: fixed entries by their place in the tables, per-process
 * ones from the tid, the entry and the fd. */
static uint64_t node_ino(const struct pnode *n)
{
	uint64_t t = (uint64_t)(uint32_t)n->atid << 32 | (n->thread ? 1ULL << 31 : 0);
	switch (n->kind) {
	case K_ROOT:
		return 1;
	case K_PID:
		return t | 1;
	case K_FD:
		return t | 1ULL << 30 | (uint32_t)n->fd;
	case K_FDINFO:
		return t | 1ULL << 29 | (uint32_t)n->fd;
	case K_PIDFILE:
	case K_PIDLINK:
	case K_TASKS:
	case K_FDS:
	case K_FDINFOS:
		return t | (uint64_t)(n->ent - pid_ents + 2);
	default:
		return 0x1000 + ((uintptr_t)n->ent >> 4 & 0xfffff);
	}
}

static int node_new(const struct pnode *tmpl, const struct pinfo *owner, struct vfs_inode **out)
{
	struct pnode *n = malloc(sizeof *n);
	if (!n)
		return -ENOMEM;
	*n = *tmpl;
	struct vfs_inode *ino = vfs_inode_new(PFS, n);
	if (!ino) {
		free(n);
		return -ENOMEM;
	}
	struct stat *st = &ino->attr;
	st->st_dev = PFS->dev;
	st->st_ino = node_ino(n);
	switch (n->kind) {
	case K_ROOT:
		st->st_mode = S_IFDIR | 0555;
		break;
	case K_PID:
		st->st_mode = S_IFDIR | 0555;
		break;
	case K_FD:
		st->st_mode = S_IFLNK | 0700;
		st->st_size = 64;
		break;
	case K_SELF:
	case K_THREAD_SELF:
		st->st_mode = S_IFLNK | 0777;
		break;
	default:
		st->st_mode = n->ent->mode;
		break;
	}
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	if (owner) {
		st->st_uid = owner->uid;
		st->st_gid = owner->gid;
	}
	st->st_blksize = 1024;
	clock_gettime(CLOCK_REALTIME, &st->st_mtim);
	st->st_atim = st->st_ctim = st->st_mtim;
	*out = ino;
	return 0;
}

static const struct pent *find_ent(const struct pent *table, const char *name)
{
	for (const struct pent *e = table; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* The entry `name` of a fixed table, as a node of the process pn (NULL for
 * the global tree). */
static int lookup_ent(const struct pent *table, const char *name, const struct pnode *pn,
		      const struct pinfo *owner, struct vfs_inode **out)
{
	const struct pent *e = find_ent(table, name);
	if (!e || (pn && pn->thread && e->kind == K_TASKS))
		return -ENOENT;
	struct pnode n = { .kind = e->kind, .ent = e };
	if (pn) {
		n.apid = pn->apid;
		n.atid = pn->atid;
		n.thread = pn->thread;
	}
	return node_new(&n, owner, out);
}

/* Whether the process has fd `fd`; *mode: its link's mode, which says how
 * it was opened (r-x read, -wx write), as Linux shows it. */
static bool fd_exists_mode(const char *spath, long fd, mode_t *mode)
{
	char rel[96];
	struct stat st;
	snprintf(rel, sizeof rel, "%s/fd/%ld", spath, fd);
	if (fstatat(S->procfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	*mode = st.st_mode;
	return true;
}

static bool fd_exists(const char *spath, long fd)
{
	mode_t mode;
	return fd_exists_mode(spath, fd, &mode);
}

static int proc_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	const struct pnode *d = dir->priv;
	struct pinfo pi;
	char spath[64];
	long num = parse_number(name);
	pid_t sp;
	switch (d->kind) {
	case K_ROOT:
		if (num < 0)
			return lookup_ent(root_ents, name, NULL, NULL, out);
		/* a process, or any thread by its tid (not listed, as Linux) */
		if (a2s((pid_t)num, &sp, &pi) < 0)
			return -ENOENT;
		return node_new(&(struct pnode){ .kind = K_PID, .apid = (pid_t)num, .atid = (pid_t)num },
				&pi, out);
	case K_DIR:
		return lookup_ent(d->ent->sub, name, NULL, NULL, out);
	case K_PID:
		if (node_spath(d, spath, sizeof spath, &pi) < 0)
			return -ENOENT;
		return lookup_ent(pid_ents, name, d, &pi, out);
	case K_TASKS:
		if (num <= 0 || a2s((pid_t)num, &sp, &pi) < 0 || pi.atgid != d->apid)
			return -ENOENT;
		return node_new(&(struct pnode){ .kind = K_PID, .apid = d->apid, .atid = (pid_t)num,
						 .thread = true }, &pi, out);
	case K_FDS:
	case K_FDINFOS: {
		mode_t mode;
		if (num < 0 || node_spath(d, spath, sizeof spath, &pi) < 0 ||
		    !fd_exists_mode(spath, num, &mode))
			return -ENOENT;
		int rc = node_new(&(struct pnode){ .kind = d->kind == K_FDS ? K_FD : K_FDINFO,
						   .ent = d->kind == K_FDS ? NULL : &fdinfo_ent,
						   .apid = d->apid, .atid = d->atid, .thread = d->thread,
						   .fd = (int)num }, &pi, out);
		if (rc == 0 && d->kind == K_FDS)
			(*out)->attr.st_mode = S_IFLNK | (mode & 0777);
		return rc;
	}
	default:
		return -ENOTDIR;
	}
}

/* Is the cached name d of dir still what a lookup would find?  Only names
 * of processes, threads and fds come and go. */
static int proc_revalidate(struct vfs_inode *dir, struct vfs_dentry *d)
{
	const struct pnode *dn = dir->priv;
	long num = parse_number(d->name);
	struct pinfo pi;
	char spath[64];
	pid_t sp;
	bool exists;
	switch (dn->kind) {
	case K_ROOT:
		if (num < 0)
			return 0;
		exists = a2s((pid_t)num, &sp, &pi) == 0;
		break;
	case K_TASKS:
		exists = num > 0 && a2s((pid_t)num, &sp, &pi) == 0 && pi.atgid == dn->apid;
		break;
	case K_FDS:
	case K_FDINFOS:
		exists = num >= 0 && node_spath(dn, spath, sizeof spath, &pi) == 0 && fd_exists(spath, num);
		break;
	default:
		return 0;
	}
	return exists == (d->inode != NULL) ? 0 : 1;
}

/* ---- readdir ---------------------------------------------------------------- */

typedef bool (*emit_fn)(void *arg, uint64_t ino, uint64_t next, uint8_t type, const char *name,
			size_t namelen);

static uint8_t dtype(mode_t m)
{
	return S_ISDIR(m) ? 4 : S_ISLNK(m) ? 10 : 8;
}

struct numbers {
	long *v;
	size_t n, cap;
	pid_t tgid;        /* threads: only those of this process */
	bool processes;    /* the root: processes only */
	bool translate;    /* sentry pids -> the application's */
};

static void collect_number(void *arg, long num)
{
	struct numbers *ns = arg;
	if (ns->translate) {
		struct pinfo pi;
		if (sentry_status((pid_t)num, &pi) < 0)
			return;
		if (ns->processes && pi.apid != pi.atgid)
			return;
		if (ns->tgid && pi.atgid != ns->tgid)
			return;
		cache_put(pi.apid, (pid_t)num);
		num = pi.apid;
	}
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		long *v = realloc(ns->v, cap * sizeof *v);
		if (!v)
			return;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = num;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int proc_readdir(struct vfs_file *f, uint64_t *pos, emit_fn emit, void *arg)
{
	struct vfs_inode *ino = f->path.dentry->inode;
	const struct pnode *d = ino->priv;
	static const char *const dots[] = { ".", ".." };
	for (; *pos < 2; (*pos)++)
		if (!emit(arg, *pos == 0 ? ino->attr.st_ino : 1, *pos + 1, 4, dots[*pos], *pos + 1))
			return 0;
	const struct pent *table = d->kind == K_ROOT ? root_ents : d->kind == K_DIR ? d->ent->sub
				 : d->kind == K_PID ? pid_ents : NULL;
	uint64_t base = 2;
	if (table) {
		for (const struct pent *e = table; e->name; e++, base++) {
			if (d->kind == K_PID && d->thread && e->kind == K_TASKS)
				continue;
			if (base < *pos)
				continue;
			struct pnode n = { .kind = e->kind, .ent = e, .apid = d->apid, .atid = d->atid,
					   .thread = d->thread };
			if (!emit(arg, node_ino(&n), base + 1, dtype(e->mode), e->name, strlen(e->name)))
				return 0;
			*pos = base + 1;
		}
		if (d->kind != K_ROOT)
			return 0;
	}
	/* numbered entries: pos = base + number, so a listing resumes after
	 * the last one given even when some came or went meanwhile */
	struct numbers ns = { .translate = true };
	char spath[64], rel[80];
	pid_t sp;
	struct pinfo pi;
	switch (d->kind) {
	case K_ROOT:
		ns.processes = true;
		for_each_number(".", collect_number, &ns);
		break;
	case K_TASKS:
		if (a2s(d->apid, &sp, &pi) < 0)
			return 0;
		ns.tgid = d->apid;
		snprintf(rel, sizeof rel, "%d/task", (int)sp);
		for_each_number(rel, collect_number, &ns);
		break;
	case K_FDS:
	case K_FDINFOS:
		if (node_spath(d, spath, sizeof spath, &pi) < 0)
			return 0;
		ns.translate = false;
		snprintf(rel, sizeof rel, "%s/fd", spath);
		for_each_number(rel, collect_number, &ns);
		break;
	default:
		return -ENOTDIR;
	}
	qsort(ns.v, ns.n, sizeof *ns.v, cmp_long);
	for (size_t i = 0; i < ns.n; i++) {
		uint64_t p = base + (uint64_t)ns.v[i];
		if (p < *pos)
			continue;
		char name[24];
		int len = snprintf(name, sizeof name, "%ld", ns.v[i]);
		struct pnode n = { .apid = d->apid, .atid = (pid_t)ns.v[i], .fd = (int)ns.v[i],
				   .thread = d->kind == K_TASKS };
		uint8_t type = 4;
		if (d->kind == K_FDS || d->kind == K_FDINFOS) {
			n.kind = d->kind == K_FDS ? K_FD : K_FDINFO;
			n.atid = d->atid;
			n.thread = d->thread;
			type = d->kind == K_FDS ? 10 : 8;
		} else {
			n.kind = K_PID;
			if (d->kind == K_ROOT)
				n.apid = n.atid;
		}
		if (!emit(arg, node_ino(&n), p + 1, type, name, (size_t)len))
			break;
		*pos = p + 1;
	}
	free(ns.v);
	return 0;
}

/* ---- links -------------------------------------------------------------------- */

static int proc_readlink(struct vfs_inode *ino, char *buf, size_t cap)
{
	const struct pnode *n = ino->priv;
	char spath[64];
	struct vfs_path p;
	struct pinfo pi;
	int len, rc;
	switch (n->kind) {
	case K_SYMLINK:
		len = snprintf(buf, cap, "%s", n->ent->arg);
		break;
	case K_SELF:
	case K_THREAD_SELF:
		/* the caller, in its own namespace's numbers */
		if (!caller || sentry_status(caller->tid, &pi) < 0)
			return -ENOENT;
		/* what the walk looks up next: known now, no rescan of every
		 * task (busybox reads /proc/self/exe at every start) */
		cache_put(pi.apid, caller->tid);
		if (pi.atgid != pi.apid)
			cache_put(pi.atgid, caller->tgid);
		len = n->kind == K_SELF ? snprintf(buf, cap, "%d", (int)pi.atgid)
					: snprintf(buf, cap, "%d/task/%d", (int)pi.atgid, (int)pi.apid);
		break;
	case K_PIDLINK:
		rc = pidlink_target(n, &p);
		return rc < 0 ? rc : path_text(p, buf, cap);
	case K_FD:
		if (node_spath(n, spath, sizeof spath, NULL) < 0)
			return -ENOENT;
		return fd_link_text(spath, n->fd, buf, cap);
	default:
		return -EINVAL;
	}
	return len < 0 || (size_t)len >= cap ? -ENAMETOOLONG : len;
}

static int proc_get_link(struct vfs_inode *ino, struct vfs_path *out)
{
	const struct pnode *n = ino->priv;
	char spath[64];
	struct stat st;
	switch (n->kind) {
	case K_PIDLINK:
		return pidlink_target(n, out);
	case K_FD: {
		if (node_spath(n, spath, sizeof spath, NULL) < 0)
			return -ENOENT;
		struct vfs_file *f = fd_file(spath, n->fd, &st);
		if (!f)
			return fd_exists(spath, n->fd) ? -ENXIO : -ENOENT;   /* not in the VFS */
		*out = f->path;
		return 0;
	}
	default:
		return 1;
	}
}

/* ---- open ------------------------------------------------------------------------ */

/* The generated text as a read-only description of a memfd of its own. */
static int donate(const struct buf *b, int *host_fd)
{
	int mfd = memfd_create("proc", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	for (size_t off = 0; off < b->len;) {
		ssize_t w = write(mfd, b->p + off, b->len - off);
		if (w <= 0) {
			close(mfd);
			return -EIO;
		}
		off += (size_t)w;
	}
	/* read-only: the application's description cannot write the
	 * snapshot (a write fails as on a /proc file) */
	char via[32];
	snprintf(via, sizeof via, "self/fd/%d", mfd);
	int fd = openat(S->procfd, via, O_RDONLY | O_CLOEXEC);
	int err = errno;
	close(mfd);
	if (fd < 0)
		return -err;
	*host_fd = fd;
	return 0;
}

/* A duplicate of the task's descriptor behind fd link n (the same open
 * file description). */
static int task_fd_dup(const struct pnode *n)
{
	struct task *t = node_task(n);
	if (!t || t->pidfd < 0)
		return -ENOENT;
	int fd = (int)syscall(SYS_pidfd_getfd, t->pidfd, n->fd, 0);
	return fd >= 0 ? fd : errno == EBADF ? -ENOENT : -errno;
}

int procfs_fd_object(struct vfs_inode *link)
{
	const struct pnode *n = link->priv;
	if (link->fs->ops->get_link != proc_get_link || n->kind != K_FD)
		return -ENXIO;
	return task_fd_dup(n);
}

/*
 * fd/N of a pipe the task holds.  Linux opens the pipe again: a new
 * description of it.  For reading, the sentry does exactly that through
 * its own procfs (read-only re-opens are all its policy allows there; and
 * without waiting: a pipe with no writer left gives a reader at once,
 * where Linux would wait for one).  For writing, the policy forbids the
 * re-open, so the task's own description is duplicated (pidfd_getfd) when
 * it writes: the same pipe end, sharing only its status flags with the
 * original.  A write open of a read end, and every other kind of object
 * (Linux: ENXIO for a socket), is ENXIO.
 */
static int open_outside(const struct pnode *n, int flags, int *host_fd)
{
	char spath[64], rel[96];
	struct stat st;
	if (node_spath(n, spath, sizeof spath, NULL) < 0)
		return -ENOENT;
	snprintf(rel, sizeof rel, "%s/fd/%d", spath, n->fd);
	if (fstatat(S->procfd, rel, &st, 0) < 0)
		return -ENOENT;
	if (!S_ISFIFO(st.st_mode))
		return -ENXIO;
	int acc = flags & O_ACCMODE, fd;
	if (acc == O_RDONLY) {
		fd = openat(S->procfd, rel, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (!(flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	} else {
		fd = task_fd_dup(n);
		if (fd < 0)
			return fd;
		int have = fcntl(fd, F_GETFL) & O_ACCMODE;
		struct stat again;
		/* the same pipe still, and an end that writes as asked */
		if (fstat(fd, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino ||
		    have == O_RDONLY || (acc == O_RDWR && have != O_RDWR)) {
			close(fd);
			return -ENXIO;
		}
	}
	*host_fd = fd;
	return 0;
}

static int proc_open(struct vfs_inode *ino, int flags, struct vfs_open_result *res)
{
	const struct pnode *n = ino->priv;
	if (n->kind == K_FD)
		return open_outside(n, flags, &res->host_fd);
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EACCES;   /* nothing here is written through the sandbox */
	if (!n->ent || !n->ent->gen)
		return -ENXIO;
	char spath[64] = "";
	if ((n->kind == K_PIDFILE || n->kind == K_FDINFO) && node_spath(n, spath, sizeof spath, NULL) < 0)
		return -ESRCH;   /* the process is gone: Linux says ESRCH too */
	struct buf b = { 0 };
	int rc = n->ent->gen(&b, n, spath);
	if (rc == 0 && b.failed)
		rc = -ENOMEM;
	if (rc == 0)
		rc = donate(&b, &res->host_fd);
	free(b.p);
	return rc == -ENOENT ? -ESRCH : rc;
}

static int proc_statfs(struct vfs_inode *ino, struct statfs *out)
{
	memset(out, 0, sizeof *out);
	out->f_type = PROC_SUPER_MAGIC;
	out->f_bsize = 4096;
	out->f_namelen = 255;
	return 0;
}

static void proc_release(struct vfs_inode *ino)
{
	free(ino->priv);
}

static const struct vfs_fs_ops procfs_ops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.open = proc_open,
	.readdir = proc_readdir,
	.statfs = proc_statfs,
	.revalidate = proc_revalidate,
	.release = proc_release,
	.get_link = proc_get_link,
	.name = "proc",
};

int procfs_new(struct sentry *s, const char *host_name, struct vfs_fs **out, struct vfs_inode **root)
{
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	if (!fs)
		return -ENOMEM;
	S = s;
	PFS = fs;
	snprintf(hostname, sizeof hostname, "%s", host_name ? host_name : "");
	fs->ops = &procfs_ops;
	fs->dev = makedev(0, 0x70);
	fs->synthetic = true;
	/* names come and go with processes and fds: every cached one is
	 * checked again (proc_revalidate) */
	fs->policy = VFS_CACHE_REMOTE_REVALIDATING;
	int rc = node_new(&(struct pnode){ .kind = K_ROOT }, NULL, root);
	if (rc < 0) {
		free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}
