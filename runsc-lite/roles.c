/*
 * The gofer and sentry roles of the runsc-lite binary: read the spec from
 * ROLE_SPEC_FD, confine the process, and hand over to the component.
 */
#include "runsc-lite/sandbox.h"

#include "gofer/gofer.h"
#include "platform/policy.h"
#include "runsc-lite/log.h"
#include "sentry/sentry.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern const char rl_loader_image[], rl_loader_image_end[];

#define SPEC_MAX (1 << 20)

static int role_log_fd(void)
{
	return fcntl(ROLE_LOG_FD, F_GETFD) == 0 ? ROLE_LOG_FD : -1;
}

/* Reads the whole spec (bounded: the writer is trusted, but not that much). */
static uint8_t *read_spec(size_t *len)
{
	uint8_t *buf = malloc(SPEC_MAX);
	size_t n = 0;
	while (buf && n < SPEC_MAX) {
		ssize_t r = read(ROLE_SPEC_FD, buf + n, SPEC_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(ROLE_SPEC_FD);
	if (!buf || n == SPEC_MAX)
		die("%s: no valid spec on fd %d", "role", ROLE_SPEC_FD);
	*len = n;
	return buf;
}

/* ---- gofer ----------------------------------------------------------------- */

/* Unprivileged confinement beneath the root with Landlock: the gofer can
 * neither read nor write anything outside the tree it serves. */
static int landlock_beneath(const int *fds, size_t nfds)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -EOPNOTSUPP;
	uint64_t all = (1ULL << 13) - 1;           /* ABI 1: execute .. make_sym */
	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= (1ULL << 14) /* LANDLOCK_ACCESS_FS_TRUNCATE */;
	struct landlock_ruleset_attr attr = { .handled_access_fs = all };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0)
		return -errno;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nfds; i++) {
		struct landlock_path_beneath_attr pb = {
			.allowed_access = all & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE, .parent_fd = fds[i] };
		rc = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	}
	if (rc == 0)
		rc = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	int err = errno;
	close(rs);
	return rc < 0 ? -err : 0;
}

/* As root: a private mount namespace holding only the served tree (and, for
 * the host root, without the host's /proc, /sys and /dev). */
static int mount_confine(const char *root)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (strcmp(root, "/") == 0) {
		static const char *const hidden[] = { "/proc", "/sys", "/dev" };
		for (size_t i = 0; i < 3; i++)
			umount2(hidden[i], MNT_DETACH);
		return 0;
	}
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(root) < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -errno;
	return 0;
}

static void gofer_drop_caps(void)
{
	/* What serving files as root needs; nothing to mount, trace or signal. */
	cap_value_t keep[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
			       CAP_FSETID };
	cap_t caps = cap_init();
	cap_set_flag(caps, CAP_PERMITTED, 5, keep, CAP_SET);
	cap_set_flag(caps, CAP_EFFECTIVE, 5, keep, CAP_SET);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool kept = false;
		for (int i = 0; i < 5; i++)
			kept |= keep[i] == c;
		if (!kept)
			cap_drop_bound(c);
	}
	if (cap_set_proc(caps) < 0)
		die_errno(errno, "gofer: dropping capabilities");
	cap_free(caps);
}

/*
 * Every dentry the sentry caches is a walked fid, and every fid an O_PATH fd
 * of the gofer (the sentry's dentry cache is not evicted yet): raise the
 * open-files limit as far as the kernel allows (as root beyond the hard
 * limit, up to fs.nr_open), else to the hard limit.
 */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	for (rlim_t want = 1 << 20; want > rl.rlim_max; want /= 2) {
		struct rlimit big = { want, want };
		if (setrlimit(RLIMIT_NOFILE, &big) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int role_gofer(int argc, char **argv)
{
	log_init("gofer", role_log_fd());
	size_t len;
	uint8_t *raw = read_spec(&len);
	RunscLite__GoferSpec *spec = runsc_lite__gofer_spec__unpack(NULL, len, raw);
	free(raw);
	if (!spec || !spec->root || spec->root[0] != '/')
		die("gofer: invalid spec");
	int rc;
	raise_nofile();
	/* --volume trees: opened before the gofer confines itself to the root
	 * tree; it keeps reaching each through its fd alone */
	if (spec->n_volumes > 64)
		die("gofer: too many volumes");
	struct gofer_mount mounts[65];
	int fds[65];
	for (size_t i = 0; i < spec->n_volumes; i++) {
		const RunscLite__Volume *v = spec->volumes[i];
		if (!v->source || v->source[0] != '/' || !v->aname || !v->aname[0] || strcmp(v->aname, "/") == 0)
			die("gofer: invalid volume in spec");
		int fd = open(v->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			die_errno(errno, "gofer: volume %s", v->source);
		mounts[i + 1] = (struct gofer_mount){ .aname = v->aname, .root_fd = fd, .readonly = v->readonly };
		fds[i + 1] = fd;
	}
	if (geteuid() == 0) {
		if ((rc = mount_confine(spec->root)) < 0)
			die_errno(-rc, "gofer: confining to %s", spec->root);
		gofer_drop_caps();
	}
	const char *served = geteuid() == 0 && strcmp(spec->root, "/") != 0 ? "/" : spec->root;
	int root_fd = open(served, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die_errno(errno, "gofer: %s", spec->root);
	fds[0] = root_fd;
	if (geteuid() != 0 && (strcmp(spec->root, "/") != 0 || spec->n_volumes) &&
	    (rc = landlock_beneath(fds, spec->n_volumes + 1)) < 0)
		debugf("landlock unavailable (%s): confined by walk rules only", strerror(-rc));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno(errno, "gofer: no_new_privs");
	mounts[0] = (struct gofer_mount){ .aname = "/", .root_fd = root_fd, .readonly = spec->readonly };
	struct gofer_config cfg = { .mounts = mounts, .nmounts = spec->n_volumes + 1,
				    .debug_fd = role_log_fd() };
	/* The workers exist before the policy (which kills clone), parked until
	 * gofer_run(); the policy covers every thread at once (TSYNC). */
	struct gofer *g;
	if ((rc = gofer_start(&g, ROLE_SOCK_FD, &cfg)) < 0)
		die_errno(-rc, "gofer: starting the workers");
	const char *bad;
	if ((rc = policy_install_flags(&policy_gofer, NULL, 0, NULL, &bad, POLICY_ALL_THREADS)) < 0)
		die_errno(-rc, "gofer: seccomp policy (%s)", bad ? bad : "load");
	debugf("serving %s%s", spec->root, spec->readonly ? " read-only" : "");
	rc = gofer_run(g);
	debugf("connection closed (%d)", rc);
	return rc < 0 ? 1 : 0;
}

/* ---- sentry ------------------------------------------------------------------ */

int role_sentry(int argc, char **argv)
{
	log_init("sentry", role_log_fd());
	raise_nofile();   /* placeholders and read handles are sentry fds */
	size_t len;
	uint8_t *spec = read_spec(&len);
	struct sentry_args a = {
		.gofer_sock = ROLE_SOCK_FD,
		.spec = spec,
		.spec_len = len,
		.loader = rl_loader_image,
		.loader_len = (size_t)(rl_loader_image_end - rl_loader_image),
		.net_fd = fcntl(ROLE_NET_FD, F_GETFD) >= 0 ? ROLE_NET_FD : -1,
		.preserved_fd = ROLE_PRESERVED_FD,
		/* OCI create only (sandbox.c passes them then, else closes them) */
		.start_fd = fcntl(ROLE_START_FD, F_GETFD) >= 0 ? ROLE_START_FD : -1,
		.ready_fd = fcntl(ROLE_READY_FD, F_GETFD) >= 0 ? ROLE_READY_FD : -1,
		.error_log_fd = fcntl(ROLE_ERRLOG_FD, F_GETFD) >= 0 ? ROLE_ERRLOG_FD : -1,
		.trace_fd = fcntl(ROLE_TRACE_FD, F_GETFD) >= 0 ? ROLE_TRACE_FD : -1,
		.strace_fd = fcntl(ROLE_STRACE_FD, F_GETFD) >= 0 ? ROLE_STRACE_FD : -1,
		.control_fd = fcntl(ROLE_CONTROL_FD, F_GETFD) >= 0 ? ROLE_CONTROL_FD : -1,
	};
	return sentry_main(&a);
}
