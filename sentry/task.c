/*
 * Tasks and their fs contexts.
 *
 * Under seccomp user notification the sentry does not see fork/clone; a task
 * is met at its first trapped syscall.  Its thread group and parent come from
 * the sandbox's own procfs: a thread shares its leader's context (CLONE_FS,
 * as pthreads do), a new process starts with a copy of its parent's.  The
 * copy is taken when first seen, not at fork time: a parent that changes
 * directory between fork and the child's first trapped syscall leaks that
 * change to the child.
 *
 * The ptrace platform reports each fork/vfork/clone (PLATFORM_TASK_CREATED)
 * while parent and child are both stopped: task_created() then records the
 * child exactly, sharing the parent's context with CLONE_FS and copying it
 * otherwise, before either can make another syscall.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
static int read_ids(struct sentry *s, pid_t tid, pid_t *tgid, pid_t *ppid, mode_t *umask)
{
	char path[32], buf[2048];
	snprintf(path, sizeof path, "%d/status", (int)tid);
	int fd = openat(s->procfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	const char *tg = strstr(buf, "\nTgid:");
	const char *pp = strstr(buf, "\nPPid:");
	const char *um = strstr(buf, "Umask:");
	if (!tg || !pp)
		return -EIO;
	if (um)
		*umask = (mode_t)strtol(um + 6, NULL, 8) & 0777;
	*tgid = (pid_t)strtol(tg + 6, NULL, 10);
	*ppid = (pid_t)strtol(pp + 6, NULL, 10);
	return 0;
}

/* Links a new task in; its exit is watched through a pidfd. */
static struct task *task_new(struct sentry *s, pid_t tid, pid_t tgid)
{
	struct task *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->tid = tid;
	t->tgid = tgid;
	t->pidfd = (int)syscall(SYS_pidfd_open, tid, tgid != tid ? PIDFD_THREAD : 0);
	if (t->pidfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tid };
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, t->pidfd, &ev);
	}
	t->next = s->tasks;
	s->tasks = t;
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
	struct task *t = task_new(s, child, tgid);
	if (!t) {
		fs_context_put(fs);
		return;
	}
	t->fs = fs;
	debugf("task %d: created by %d (flags %#llx)", (int)child, (int)parent_tid,
	       (unsigned long long)clone_flags);
}

struct task *task_get(struct sentry *s, pid_t tid)
{
	struct task *t = task_find(s, tid);
	if (t)
		return t;
	pid_t tgid = tid, ppid = 0;
	mode_t umask = s->init_fs->umask;
	if (read_ids(s, tid, &tgid, &ppid, &umask) < 0)
		return NULL;   /* gone already */
	struct task *leader = tgid != tid ? task_find(s, tgid) : NULL;
	struct task *parent = task_find(s, ppid);
	struct fs_context *fs;
	if (leader) {
		fs = leader->fs;
		fs->refs++;
	} else if (parent) {
		fs = fs_context_new(parent->fs->root, parent->fs->cwd, parent->fs->umask);
	} else {
		/* the first task: its umask is the one runsc-lite was started with */
		fs = fs_context_new(s->init_fs->root, s->init_fs->cwd, umask);
	}
	if (!fs)
		return NULL;
	t = task_new(s, tid, tgid);
	if (!t) {
		fs_context_put(fs);
		return NULL;
	}
	t->fs = fs;
	debugf("task %d: new (tgid %d, parent %d)", (int)tid, (int)tgid, (int)ppid);
	return t;
}

void task_exited(struct sentry *s, struct task *t)
{
	for (struct task **pp = &s->tasks; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->pidfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, t->pidfd, NULL);
		close(t->pidfd);
	}
	if (t->tid == t->tgid)
		exec_task_gone(s, t->tgid);
	fs_context_put(t->fs);
	free(t);
}
