/*
 * The seccomp user-notification platform.
 *
 * Memory of the application is read with process_vm_readv (one copy) and
 * every read is followed by SECCOMP_IOCTL_NOTIF_ID_VALID: if the task died
 * and its pid was reused between the notification and the read, the bytes we
 * got belong to someone else, and the check tells us so.
 */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct platform {
	int listener;
	bool sync_wakeup;
};

int platform_seccomp_open(struct platform **out, int listener_fd)
{
	struct platform *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->listener = listener_fd;
	/* Wake the handling thread on the same CPU as the trapped task: turns a
	 * ~30 us round trip into ~5 us (Linux 6.6+; older kernels say EINVAL). */
	p->sync_wakeup = ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			       SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) == 0;
	*out = p;
	return 0;
}

void platform_close(struct platform *p)
{
	if (!p)
		return;
	close(p->listener);
	free(p);
}

int platform_poll_fd(const struct platform *p) { return p->listener; }
bool platform_sync_wakeup(const struct platform *p) { return p->sync_wakeup; }

int platform_wait(struct platform *p, struct platform_syscall *sc)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof req);
	if (ioctl(p->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return -errno;
	sc->id = req.id;
	sc->tid = (pid_t)req.pid;
	sc->nr = req.data.nr;
	memcpy(sc->args, req.data.args, sizeof sc->args);
	sc->ip = req.data.instruction_pointer;
	return 0;
}

int platform_check(struct platform *p, const struct platform_syscall *sc)
{
	uint64_t id = sc->id;
	return ioctl(p->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? 0 : -ENOENT;
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
	int rc = platform_check(p, sc);
	if (rc < 0)
		return rc;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

static int send_resp(struct platform *p, struct seccomp_notif_resp *resp)
{
	if (ioctl(p->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
		return -errno;   /* ENOENT: the task was killed meanwhile */
	return 0;
}

int platform_reply(struct platform *p, const struct platform_syscall *sc, int64_t result)
{
	struct seccomp_notif_resp resp = { .id = sc->id };
	if (result < 0)
		resp.error = (int32_t)result;
	else
		resp.val = result;
	return send_resp(p, &resp);
}

int platform_continue(struct platform *p, const struct platform_syscall *sc)
{
	struct seccomp_notif_resp resp = { .id = sc->id,
		.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	return send_resp(p, &resp);
}

static int add_fd_at(struct platform *p, const struct platform_syscall *sc, int fd,
		     int flags, uint32_t addfd_flags, int target)
{
	struct seccomp_notif_addfd add = {
		.id = sc->id,
		.flags = addfd_flags,
		.srcfd = (uint32_t)fd,
		.newfd = target < 0 ? 0 : (uint32_t)target,
		.newfd_flags = (uint32_t)(flags & O_CLOEXEC),
	};
	int n = ioctl(p->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	return n < 0 ? -errno : n;
}

static int add_fd(struct platform *p, const struct platform_syscall *sc, int fd,
		  int flags, uint32_t addfd_flags)
{
	return add_fd_at(p, sc, fd, flags, addfd_flags, -1);
}

int platform_replace_fd(struct platform *p, const struct platform_syscall *sc, int fd,
			int app_fd, int flags)
{
	int n = add_fd_at(p, sc, fd, flags, SECCOMP_ADDFD_FLAG_SETFD, app_fd);
	return n < 0 ? n : 0;
}

int platform_reply_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags)
{
	int n = add_fd(p, sc, fd, flags, SECCOMP_ADDFD_FLAG_SEND);
	return n < 0 ? n : 0;
}

int platform_add_fd(struct platform *p, const struct platform_syscall *sc, int fd, int flags)
{
	return add_fd(p, sc, fd, flags, 0);
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
