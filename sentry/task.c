/*
 * Tasks and their fs contexts.
 *
 * Under seccomp user notification the sentry does not see fork/clone; a task
 * is met at its first trapped syscall.  Its thread group and parent come from
 * the sandbox's own procfs, and whether it shares its creator's context
 * (CLONE_FS) from the kernel (kcmp KCMP_FS): shared, or a copy.
 *
 * The copy must be the parent's context at fork time.  A child met later
 * than its parent's next chdir/fchdir/umask would copy the changed context,
 * so before serving one of those the sentry adopts the process's children
 * it has not met yet (its procfs lists them: /proc/PID/task/TID/children),
 * each with the context as it still is (shared or copied, as above).  Any fork the parent made
 * before that syscall is complete by then, so the copy is exact; trapping
 * clone, one more round trip per fork, is not needed.
 *
 * The ptrace platform reports each fork/vfork/clone (PLATFORM_TASK_CREATED)
 * while parent and child are both stopped: task_created() then records the
 * child exactly, sharing the parent's context with CLONE_FS and copying it
 * otherwise, before either can make another syscall.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct fs_context *fs_context_new(struct vfs_path root, struct vfs_path cwd, mode_t umask)
{
	struct fs_context *fs = calloc(1, sizeof *fs);
	if (!fs)
		return NULL;
	fs->root = vfs_path_get(root);
	fs->cwd = vfs_path_get(cwd);
	fs->umask = umask;
	fs->refs = 1;
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	vfs_path_put(fs->root);
	vfs_path_put(fs->cwd);
	free(fs);
}

void fs_set_cwd(struct fs_context *fs, struct vfs_path p)
{
	vfs_path_put(fs->cwd);
	fs->cwd = p;
}

struct task *task_find(struct sentry *s, pid_t tid)
{
	for (struct task *t = s->tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* Tgid, PPid and Umask of tid from the sandbox procfs. */
int task_read_proc(struct sentry *s, pid_t tid, const char *file, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "%d/%s", (int)tid, file);
	int fd = openat(s->procfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	if (n == 0)
		return -EIO;   /* a task that is exiting */
	buf[n] = 0;
	return (int)n;
}

/* "Uid:\tR\tE\tS\tFS" and "Gid:..." lines: the real and the fs id. */
static bool parse_ids(const char *buf, const char *key, unsigned *real, unsigned *fs)
{
	const char *p = strstr(buf, key);
	if (!p)
		return false;
	char *end;
	unsigned long v[4];
	p += strlen(key);
	for (int i = 0; i < 4; i++, p = end) {
		v[i] = strtoul(p, &end, 10);
		if (end == p)
			return false;
	}
	*real = (unsigned)v[0];
	*fs = (unsigned)v[3];
	return true;
}

/* The credentials file-system checks use: fs ids, groups, CapEff. */
static int parse_cred(const char *buf, struct vfs_cred *c)
{
	const char *groups = strstr(buf, "\nGroups:");
	const char *caps = strstr(buf, "\nCapEff:");
	if (!parse_ids(buf, "\nUid:", &c->uid, &c->fsuid) ||
	    !parse_ids(buf, "\nGid:", &c->gid, &c->fsgid) || !groups || !caps)
		return -EIO;
	c->ngroups = 0;
	char *end;
	for (const char *p = groups + 8; c->ngroups < VFS_NGROUPS_MAX; p = end) {
		unsigned long g = strtoul(p, &end, 10);
		if (end == p)
			break;
		c->groups[c->ngroups++] = (gid_t)g;
	}
	c->caps = strtoull(caps + 8, NULL, 16);
	return 0;
}

int task_read_cred(struct sentry *s, pid_t tid, struct vfs_cred *cred)
{
	char buf[4096];
	int n = task_read_proc(s, tid, "status", buf, sizeof buf);
	return n < 0 ? n : parse_cred(buf, cred);
}

static int read_ids(struct sentry *s, pid_t tid, pid_t *tgid, pid_t *ppid, mode_t *umask,
		    struct vfs_cred *cred)
{
	char buf[4096];
	int n = task_read_proc(s, tid, "status", buf, sizeof buf);
	if (n < 0)
		return n;
	const char *tg = strstr(buf, "\nTgid:");
	const char *pp = strstr(buf, "\nPPid:");
	const char *um = strstr(buf, "Umask:");
	if (!tg || !pp)
		return -EIO;
	if (um)
		*umask = (mode_t)strtol(um + 6, NULL, 8) & 0777;
	*tgid = (pid_t)strtol(tg + 6, NULL, 10);
	*ppid = (pid_t)strtol(pp + 6, NULL, 10);
	return parse_cred(buf, cred);
}

/* Takes over the reference to fs; the program (exe) is `from`'s: the
 * leader's for a thread, the parent's for a new process. */
static struct task *task_add(struct sentry *s, pid_t tid, pid_t tgid, pid_t ppid, struct fs_context *fs,
			     const struct vfs_cred *cred, const struct task *from)
{
	struct task *t = calloc(1, sizeof *t);
	if (!t) {
		fs_context_put(fs);
		return NULL;
	}
	t->tid = tid;
	t->tgid = tgid;
	t->fs = fs;
	t->cred = *cred;
	if (from && from->exe.dentry)
		t->exe = vfs_path_get(from->exe);
	if (from)
		memcpy(t->comm, from->comm, sizeof t->comm);
	t->pidfd = (int)syscall(SYS_pidfd_open, tid, tgid != tid ? PIDFD_THREAD : 0);
	if (t->pidfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tid };
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, t->pidfd, &ev);
	}
	t->next = s->tasks;
	s->tasks = t;
	debugf("task %d: new (tgid %d, parent %d)", (int)tid, (int)tgid, (int)ppid);
	/* (a creator that never ran a program of the sandbox: runsc-lite's own) */
	trace_task_new(s, t, ppid, from && from->comm[0]);
	return t;
}

void task_created(struct sentry *s, pid_t parent_tid, pid_t child, uint64_t clone_flags)
{
	struct task *parent = task_get(s, parent_tid);
	if (!parent || task_find(s, child))
		return;
	pid_t tgid = (clone_flags & CLONE_THREAD) ? parent->tgid : child;
	struct fs_context *fs;
	if (clone_flags & CLONE_FS) {
		fs = parent->fs;
		fs->refs++;
	} else {
		fs = fs_context_new(parent->fs->root, parent->fs->cwd, parent->fs->umask);
		if (!fs)
			return;   /* met at its first trap instead */
	}
	struct task *t = task_add(s, child, tgid, parent_tid, fs, &parent->cred, parent);
	if (t)
		t->cred_stale = parent->cred_stale;   /* a copy of a stale copy */
}

/* CLONE_FS, seen from outside: the kernel says whether two tasks share one
 * fs_struct (kcmp needs ptrace access, which the sentry has). */
static bool shares_fs(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_FS, 0, 0) == 0;
}

/* The context of a new task created by `from` (a thread of its process, or
 * its parent): shared if the kernel shares their fs_struct (CLONE_FS, as
 * threads and some clone() users do), else a copy as it is now. */
static struct fs_context *context_for_child(struct task *from, pid_t tid)
{
	if (shares_fs(from->tid, tid)) {
		from->fs->refs++;
		return from->fs;
	}
	return fs_context_new(from->fs->root, from->fs->cwd, from->fs->umask);
}

/* Ancestors met at once, at most (beyond: the first task's context). */
#define MEET_ANCESTORS_MAX 64

static struct task *task_meet(struct sentry *s, pid_t tid, int depth)
{
	struct task *t = task_find(s, tid);
	if (t)
		return t;
	pid_t tgid = tid, ppid = 0;
	mode_t umask = s->init_fs->umask;
	struct vfs_cred cred;
	if (read_ids(s, tid, &tgid, &ppid, &umask, &cred) < 0)
		return NULL;   /* gone already */
	struct task *leader = tgid != tid ? task_find(s, tgid) : NULL;
	struct task *parent = task_find(s, ppid);
	/* A parent that made no trapped syscall yet (a subshell forking its
	 * command at once) is met first: its context is its own parent's,
	 * and the child's a copy of that.  (pid 1 is the sentry: the first
	 * task's parent.) */
	if (!leader && !parent && ppid > 1 && ppid != tid && depth < MEET_ANCESTORS_MAX)
		parent = task_meet(s, ppid, depth + 1);
	struct task *from = leader ? leader : parent;
	struct fs_context *fs;
	if (from) {
		fs = context_for_child(from, tid);
	} else {
		/* the first task: its umask is the one runsc-lite was started with */
		fs = fs_context_new(s->init_fs->root, s->init_fs->cwd, umask);
	}
	return fs ? task_add(s, tid, tgid, ppid, fs, &cred, leader ? leader : parent) : NULL;
}

struct task *task_get(struct sentry *s, pid_t tid)
{
	return task_meet(s, tid, 0);
}

/* Meets, now, the children of thread `tid` of process t that the sentry has
 * not met yet: each gets a copy of t's context as it is before the change. */
static void adopt_children_of(struct sentry *s, struct task *t, const char *tid)
{
	char path[96], buf[4096];
	snprintf(path, sizeof path, "%d/task/%.16s/children", (int)t->tgid, tid);
	int fd = openat(s->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* (a list longer than the buffer: the rest are met at first sight) */
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && !task_find(s, (pid_t)pid)) {
			struct fs_context *fs = context_for_child(t, (pid_t)pid);
			struct task *c = fs ? task_add(s, (pid_t)pid, (pid_t)pid, t->tid, fs, &t->cred, t) : NULL;
			if (c)
				c->cred_stale = t->cred_stale;
		}
	}
}

void task_fs_will_change(struct sentry *s, struct task *t)
{
	char path[32];
	snprintf(path, sizeof path, "%d/task", (int)t->tgid);
	int fd = openat(s->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			adopt_children_of(s, t, de->d_name);
	closedir(d);
}

void task_note_syscall(struct sentry *s, const struct platform_syscall *sc, struct task *t)
{
	exec_note_syscall(s, sc, t);
	switch (sc->nr) {
	case SYS_chdir:
	case SYS_fchdir:
	case SYS_umask:
	case SYS_chroot:
	/* and before an exec: a child not met yet keeps the old program */
	case SYS_execve:
	case SYS_execveat:
		task_fs_will_change(s, t);
		/* (checked with the old credentials; the next trap reads the
		 * new ones) */
		t->cred_stale = true;
		break;
	}
}

void task_exited(struct sentry *s, struct task *t)
{
	for (struct task **pp = &s->tasks; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	trace_task_gone(s, t);
	platform_forget_memory(t->tid);   /* the tid may be another task's soon */
	if (t->pidfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, t->pidfd, NULL);
		close(t->pidfd);
	}
	if (t->tid == t->tgid)
		exec_task_gone(s, t->tgid);
	t->exited = true;
	if (t->busy == 0)
		task_free(t);
}

void task_free(struct task *t)
{
	fs_context_put(t->fs);
	if (t->exe.dentry)
		vfs_path_put(t->exe);
	free(t);
}

void task_set_exe(struct sentry *s, struct task *t, struct vfs_path p)
{
	/* every thread the sentry knows of the process (exec left only one) */
	for (struct task *o = s->tasks; o; o = o->next)
		if (o->tgid == t->tgid) {
			if (o->exe.dentry)
				vfs_path_put(o->exe);
			o->exe = vfs_path_get(p);
		}
	vfs_path_put(p);
}
