/*
 * What both platforms share: dispatch through the ops table, and memory
 * access.  process_vm_readv/writev work for seccomp supervisors and ptrace
 * tracers alike (both hold CAP_SYS_PTRACE over the application), from any
 * thread; each access is followed by the platform's check, which is what
 * makes the copy trustworthy (the task is still the one that trapped).
 */
#include "platform/platform.h"

#include <errno.h>
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

int platform_reply_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags)
{
	int n = p->ops->install_fd(p, sc, fd, flags, -1, true);
	return n < 0 ? n : 0;
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

static ssize_t read_mem(pid_t tid, void *dst, uint64_t addr, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	return process_vm_readv(tid, &local, 1, &remote, 1, 0);
}

int platform_read(struct platform *p, const struct platform_syscall *sc,
		  void *dst, uint64_t addr, size_t len)
{
	if (len == 0)
		return 0;
	ssize_t n = read_mem(sc->tid, dst, addr, len);
	int rc = platform_check(p, sc);
	if (rc < 0)
		return rc;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int platform_read_string(struct platform *p, const struct platform_syscall *sc,
			 char *dst, size_t cap, uint64_t addr)
{
	size_t got = 0;
	/* Read page by page: a string may end right before an unmapped page. */
	while (got < cap) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (at & 4095);
		if (chunk > cap - got)
			chunk = cap - got;
		ssize_t n = read_mem(sc->tid, dst + got, at, chunk);
		if (n <= 0)
			break;
		char *nul = memchr(dst + got, 0, (size_t)n);
		if (nul) {
			int rc = platform_check(p, sc);
			return rc < 0 ? rc : (int)(nul - dst);
		}
		got += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	int rc = platform_check(p, sc);
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
