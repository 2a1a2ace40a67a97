/*
 * The seccomp user-notification platform.
 *
 * Memory of the application is read with process_vm_readv (one copy,
 * platform/platform.c) and every read is followed by
 * SECCOMP_IOCTL_NOTIF_ID_VALID: if the task died and its pid was reused
 * between the notification and the read, the bytes we got belong to someone
 * else, and the check tells us so.
 *
 * Thread safety: there is no state beyond the listener fd.  The kernel hands
 * each notification to exactly one NOTIF_RECV caller, so any number of
 * threads may block in platform_wait(); SEND, ADDFD and ID_VALID name the
 * notification by its id and may come from any thread.
 */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

struct seccomp_platform {
	struct platform base;
	int listener;
	bool sync_wakeup;
};

#define SP(p) ((struct seccomp_platform *)(p))

static void sp_close(struct platform *p)
{
	close(SP(p)->listener);
	free(p);
}

static int sp_poll_fd(const struct platform *p) { return SP(p)->listener; }
static bool sp_sync_wakeup(const struct platform *p) { return SP(p)->sync_wakeup; }

static int sp_wait(struct platform *p, struct platform_syscall *sc)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof req);
	if (ioctl(SP(p)->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return -errno;
	sc->id = req.id;
	sc->tid = (pid_t)req.pid;
	sc->nr = req.data.nr;
	memcpy(sc->args, req.data.args, sizeof sc->args);
	sc->ip = req.data.instruction_pointer;
	sc->event = PLATFORM_SYSCALL;
	return 0;
}

static int sp_check(struct platform *p, const struct platform_syscall *sc)
{
	uint64_t id = sc->id;
	return ioctl(SP(p)->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? 0 : -ENOENT;
}

static int send_resp(struct platform *p, struct seccomp_notif_resp *resp)
{
	if (ioctl(SP(p)->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
		return -errno;   /* ENOENT: the task was killed meanwhile */
	return 0;
}

static int sp_reply(struct platform *p, const struct platform_syscall *sc, int64_t result)
{
	struct seccomp_notif_resp resp = { .id = sc->id };
	if (result < 0)
		resp.error = (int32_t)result;
	else
		resp.val = result;
	return send_resp(p, &resp);
}

static int sp_continue(struct platform *p, const struct platform_syscall *sc)
{
	struct seccomp_notif_resp resp = { .id = sc->id,
		.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	return send_resp(p, &resp);
}

static int sp_install_fd(struct platform *p, const struct platform_syscall *sc, int fd,
			 int flags, int target, bool answer)
{
	struct seccomp_notif_addfd add = {
		.id = sc->id,
		.flags = (answer ? SECCOMP_ADDFD_FLAG_SEND : 0) |
			 (target >= 0 ? SECCOMP_ADDFD_FLAG_SETFD : 0),
		.srcfd = (uint32_t)fd,
		.newfd = target < 0 ? 0 : (uint32_t)target,
		.newfd_flags = (uint32_t)(flags & O_CLOEXEC),
	};
	int n = ioctl(SP(p)->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	return n < 0 ? -errno : n;
}

static const struct platform_ops seccomp_ops = {
	.close = sp_close,
	.poll_fd = sp_poll_fd,
	.sync_wakeup = sp_sync_wakeup,
	.wait = sp_wait,
	.check = sp_check,
	.reply = sp_reply,
	.continue_ = sp_continue,
	.install_fd = sp_install_fd,
};

int platform_seccomp_open(struct platform **out, int listener_fd)
{
	return platform_seccomp_open_sync(out, listener_fd, true);
}

int platform_seccomp_open_sync(struct platform **out, int listener_fd, bool sync_wakeup)
{
	struct seccomp_platform *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->base.ops = &seccomp_ops;
	p->listener = listener_fd;
	/* Wake the handling thread on the same CPU as the trapped task: turns a
	 * ~30 us round trip into ~5 us (Linux 6.6+; older kernels say EINVAL). */
	p->sync_wakeup = sync_wakeup && ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
					      SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) == 0;
	*out = &p->base;
	return 0;
}
