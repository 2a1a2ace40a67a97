/*
 * What both platforms share: dispatch through the ops table, and memory
 * access.  process_vm_readv/writev work for seccomp supervisors and ptrace
 * tracers alike (both hold CAP_SYS_PTRACE over the application), from any
 * thread; each read is followed by the platform's check, which is what
 * makes the copy trustworthy (the task is still the one that trapped) —
 * or made through a /proc/TID/mem descriptor checked when it was opened.
 */
#include "platform/platform.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

void platform_close(struct platform *p)
{
	if (p)
		p->ops->close(p);
}

int platform_poll_fd(const struct platform *p) { return p->ops->poll_fd(p); }
bool platform_sync_wakeup(const struct platform *p) { return p->ops->sync_wakeup(p); }
bool platform_is_ptrace(const struct platform *p) { return p->is_ptrace; }

int platform_wait(struct platform *p, struct platform_syscall *sc)
{
	memset(sc, 0, sizeof *sc);
	return p->ops->wait(p, sc);
}

int platform_check(struct platform *p, const struct platform_syscall *sc)
{
	return p->ops->check(p, sc);
}

int platform_reply(struct platform *p, const struct platform_syscall *sc, int64_t result)
{
	return p->ops->reply(p, sc, result);
}

int platform_continue(struct platform *p, const struct platform_syscall *sc)
{
	return p->ops->continue_(p, sc);
}

static __thread int last_reply_fd = -1;

int platform_reply_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags)
{
	int n = p->ops->install_fd(p, sc, fd, flags, -1, true);
	last_reply_fd = n;
	return n < 0 ? n : 0;
}

int platform_last_reply_fd(void)
{
	return last_reply_fd;
}

int platform_add_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags)
{
	return p->ops->install_fd(p, sc, fd, flags, -1, false);
}

int platform_replace_fd(struct platform *p, const struct platform_syscall *sc, int fd,
			int app_fd, int flags)
{
	if (app_fd < 0)
		return -EBADF;
	int n = p->ops->install_fd(p, sc, fd, flags, app_fd, false);
	return n < 0 ? n : 0;
}

/*
 * Reads go through a kept /proc/TID/mem descriptor when the caller gave us
 * the procfs of the application's pid namespace (platform_set_procfs): an
 * open descriptor names the address space the task had when it was opened,
 * so once that open was checked (the trapped syscall still pending, so the
 * pid was the task's) no later read can reach another process's memory.
 * The address space can stop being the task's: at an exec, and when the
 * task dies (its tid may be reused).  The sentry says so
 * (platform_forget_memory) before it lets an exec go on and when it
 * buries a task; a descriptor that reads nothing (its address space is
 * gone) or fails with EIO is opened again once, as a second guard.  That saves the check after every read and the access
 * check process_vm_readv makes each time (~0.6 us of a cached stat here).
 * Without procfs: process_vm_readv, then the check.
 */
#define MEM_FDS 32
static struct {
	pthread_mutex_t lock;
	int procfd;
	struct { pid_t tid; int fd; uint64_t used; } e[MEM_FDS];
	uint64_t clock;
} mem = { PTHREAD_MUTEX_INITIALIZER, -1, { { 0, -1, 0 } }, 0 };

void platform_set_procfs(int procfd)
{
	pthread_mutex_lock(&mem.lock);
	mem.procfd = procfd;
	for (int i = 0; i < MEM_FDS; i++)
		mem.e[i].fd = -1;
	pthread_mutex_unlock(&mem.lock);
}

void platform_forget_memory(pid_t tid)
{
	pthread_mutex_lock(&mem.lock);
	for (int i = 0; i < MEM_FDS; i++)
		if (mem.e[i].fd >= 0 && mem.e[i].tid == tid) {
			close(mem.e[i].fd);
			mem.e[i].fd = -1;
		}
	pthread_mutex_unlock(&mem.lock);
}

/* mem.lock held: the slot of tid's descriptor, opened (and checked) now if
 * there is none; -1 with *err. */
static int mem_slot(struct platform *p, const struct platform_syscall *sc, bool fresh, int *err)
{
	int victim = 0;
	for (int i = 0; i < MEM_FDS; i++) {
		if (mem.e[i].fd >= 0 && mem.e[i].tid == sc->tid) {
			if (!fresh) {
				mem.e[i].used = ++mem.clock;
				return i;
			}
			close(mem.e[i].fd);
			mem.e[i].fd = -1;
		}
		if (mem.e[i].fd < 0 || (mem.e[victim].fd >= 0 && mem.e[i].used < mem.e[victim].used))
			victim = i;
	}
	char path[32];
	snprintf(path, sizeof path, "%d/mem", (int)sc->tid);
	int fd = openat(mem.procfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		/* EACCES: the file is the task's, 0600, and its uid not ours
		 * (an application task of another uid, whose process is
		 * dumpable): only the mode bits refuse, not ptrace access */
		*err = errno == EACCES ? -EACCES : -ENOENT;
		return -1;
	}
	if ((*err = platform_check(p, sc)) < 0) {   /* the pid was still the task's */
		close(fd);
		return -1;
	}
	if (mem.e[victim].fd >= 0)
		close(mem.e[victim].fd);
	mem.e[victim].tid = sc->tid;
	mem.e[victim].fd = fd;
	mem.e[victim].used = ++mem.clock;
	return victim;
}

/* Up to len bytes at addr: the count (short at an unmapped page), -EFAULT
 * when nothing is readable there, -ENOENT when the task is gone.  *checked:
 * whether the result needs no platform_check any more. */
static ssize_t read_mem(struct platform *p, const struct platform_syscall *sc, void *dst,
			uint64_t addr, size_t len, bool *checked)
{
	*checked = false;
	pthread_mutex_lock(&mem.lock);
	if (mem.procfd >= 0) {
		ssize_t n = 0;
		int err = 0;
		for (int attempt = 0; attempt < 2; attempt++) {
			int i = mem_slot(p, sc, attempt > 0, &err);
			if (i < 0)
				break;
			n = pread(mem.e[i].fd, dst, len, (off_t)addr);
			if ((n != 0 && !(n < 0 && errno == EIO)) || len == 0 || attempt > 0)
				break;   /* 0, EIO: maybe another address space: open again */
		}
		pthread_mutex_unlock(&mem.lock);
		*checked = err != -EACCES;
		if (err < 0 && err != -EACCES)
			return err;
		if (err == 0)
			return n > 0 ? n : n == 0 ? -ENOENT : -EFAULT;
		/* (-EACCES: process_vm_readv, which only needs ptrace access) */
	} else {
		pthread_mutex_unlock(&mem.lock);
	}
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(sc->tid, &local, 1, &remote, 1, 0);
	return n > 0 ? n : -EFAULT;
}

int platform_read(struct platform *p, const struct platform_syscall *sc,
		  void *dst, uint64_t addr, size_t len)
{
	if (len == 0)
		return 0;
	bool checked;
	ssize_t n = read_mem(p, sc, dst, addr, len, &checked);
	int rc = checked ? 0 : platform_check(p, sc);
	if (rc < 0)
		return rc;
	if (n == -ENOENT)
		return -ENOENT;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int platform_read_string(struct platform *p, const struct platform_syscall *sc,
			 char *dst, size_t cap, uint64_t addr)
{
	size_t got = 0;
	bool checked = true;
	/* Read page by page: a string may end right before an unmapped page. */
	while (got < cap) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (at & 4095);
		if (chunk > cap - got)
			chunk = cap - got;
		bool c;
		ssize_t n = read_mem(p, sc, dst + got, at, chunk, &c);
		checked = checked && c;
		if (n == -ENOENT)
			return -ENOENT;
		if (n <= 0)
			break;
		char *nul = memchr(dst + got, 0, (size_t)n);
		if (nul) {
			int rc = checked ? 0 : platform_check(p, sc);
			return rc < 0 ? rc : (int)(nul - dst);
		}
		got += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	int rc = checked ? 0 : platform_check(p, sc);
	if (rc < 0)
		return rc;
	return got >= cap ? -ENAMETOOLONG : -EFAULT;
}

int platform_write(struct platform *p, const struct platform_syscall *sc,
		   uint64_t addr, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	struct iovec local = { (void *)src, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_writev(sc->tid, &local, 1, &remote, 1, 0);
	/* No check afterwards: it could not undo the write, and the answer
	 * that follows fails anyway if the task is gone.  (The pid cannot
	 * have been reused since the last check: the task cannot leave the
	 * syscall but by dying, and a pid comes round again only after the
	 * whole pid space.) */
	if (n < 0 && errno == ESRCH)
		return -ENOENT;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int platform_get_fd(struct platform *p, const struct platform_syscall *sc, int app_fd)
{
	if (app_fd < 0)
		return -EBADF;
	int pidfd = (int)syscall(SYS_pidfd_open, sc->tid, PIDFD_THREAD);
	if (pidfd < 0)
		pidfd = (int)syscall(SYS_pidfd_open, sc->tid, 0);
	if (pidfd < 0)
		return -ENOENT;
	/* The pid may have been reused before pidfd_open: check it still
	 * names the trapped task before trusting what the pidfd reaches. */
	int rc = platform_check(p, sc);
	if (rc == 0) {
		rc = (int)syscall(SYS_pidfd_getfd, pidfd, app_fd, 0);
		if (rc < 0)
			rc = -errno;
	}
	close(pidfd);
	return rc;
}

const char *platform_syscall_name(int nr)
{
	static __thread char buf[32];
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (!name) {
		snprintf(buf, sizeof buf, "syscall_%d", nr);
		return buf;
	}
	snprintf(buf, sizeof buf, "%s", name);
	free(name);
	return buf;
}
