#include "runsc-lite/sandbox.h"

#include "runsc-lite/oci_cgroup.h"
#include "runsc-lite/netflags.h"
#include "runsc-lite/netuser.h"

#include "audit/audit.h"
#include "runsc-lite/log.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t sentry_pid;
static volatile sig_atomic_t stop_requests, killed_on_request;

/* The first SIGINT/SIGTERM goes to the program, as every signal; a second
 * one means the program did not listen (a fork bomb, a pid 1 without a
 * handler): the sentry is killed, and with it, by its pid namespace, every
 * task of the sandbox. */
static void forward_signal(int sig)
{
	if (sentry_pid <= 0)
		return;
	if ((sig == SIGINT || sig == SIGTERM) && ++stop_requests >= 2) {
		killed_on_request = sig;
		kill(sentry_pid, SIGKILL);
		return;
	}
	kill(sentry_pid, sig);
}

/* Puts fds at the role's fixed numbers (ROLE_SOCK_FD...ROLE_STRACE_FD, -1:
 * that number stays closed) and the caller's fds 3..3+npreserve-1 at
 * ROLE_PRESERVED_FD..., closes everything else, execs. */
static void exec_role(const char *role, const int *role_fds, unsigned npreserve)
{
	enum { NFDS = ROLE_CONTROL_FD - ROLE_SOCK_FD + 1 };
	int fds[NFDS];
	/* move out of the way first so the dup2s below cannot clobber: above
	 * every target number */
	int base = ROLE_PRESERVED_FD + (int)npreserve + 8;
	for (int i = 0; i < NFDS; i++)
		if ((fds[i] = role_fds[i]) >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD, base)) < 0)
			_exit(125);
	int pres[PRESERVE_FDS_MAX];
	for (unsigned i = 0; i < npreserve; i++)
		if ((pres[i] = fcntl(3 + (int)i, F_DUPFD, base)) < 0)
			_exit(125);
	/* an absent one's number is closed: it may be a caller's fd */
	for (int i = 0; i < NFDS; i++)
		if (fds[i] >= 0 ? dup2(fds[i], ROLE_SOCK_FD + i) < 0 : (close(ROLE_SOCK_FD + i), false))
			_exit(125);
	for (unsigned i = 0; i < npreserve; i++)
		if (dup2(pres[i], ROLE_PRESERVED_FD + (int)i) < 0)
			_exit(125);
	syscall(SYS_close_range, ROLE_PRESERVED_FD + npreserve, ~0U, 0);
	char *argv[] = { "runsc-lite", (char *)role, NULL };
	execv("/proc/self/exe", argv);
	_exit(125);
}

int sandbox_tmpfs_option(const char *o, struct sandbox_mount *m, const char **why)
{
	char *end;
	errno = 0;
	if (strncmp(o, "size=", 5) == 0) {
		unsigned long long v = strtoull(o + 5, &end, 10);
		unsigned shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		}
		if (errno || end == o + 5 || *end || o[5] == '-' || v == 0 || v > (~0ULL >> 20 >> shift)) {
			*why = "size must be a positive number of bytes, k, m or g";
			return -1;
		}
		m->size = v << shift;
	} else if (strncmp(o, "mode=", 5) == 0) {
		unsigned long v = strtoul(o + 5, &end, 8);
		if (errno || end == o + 5 || *end || o[5] == '-' || v > 07777) {
			*why = "mode must be octal, at most 7777";
			return -1;
		}
		m->mode = (unsigned)v | 0x80000000u;   /* "given", even 0 */
	} else if (strncmp(o, "nr_inodes=", 10) == 0) {
		unsigned long long v = strtoull(o + 10, &end, 10);
		if (errno || end == o + 10 || *end || o[10] == '-' || v == 0 || v > (1ULL << 32)) {
			*why = "nr_inodes must be a positive number";
			return -1;
		}
		m->nr_inodes = v;
	} else {
		return 1;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, text, strlen(text)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* The sentry: pid 1 of a new pid namespace (its death takes every sandboxed
 * task with it), in a new mount namespace, and in a new user namespace when
 * the caller is not root. */
static pid_t start_sentry(int sock, int spec_rd, int netfd, struct sandbox_cgroup *cg,
			  const struct sandbox_opts *o)
{
	bool rootless = geteuid() != 0;
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	long flags = CLONE_NEWPID | CLONE_NEWNS | (rootless ? CLONE_NEWUSER : 0) | SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0) {
		int err = errno;
		close(sync[0]);
		close(sync[1]);
		return -err;
	}
	if (pid == 0) {
		char go;
		close(sync[1]);
		if (read(sync[0], &go, 1) != 1)
			_exit(125);
		/* a sentry whose CLI is gone has nobody to report to; after OCI
		 * create, the caller (a subreaper: conmon, the containerd shim)
		 * waits for it instead */
		if (!o->detached)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Not interactive (stdin is no terminal): the sandbox gets a session
		 * of its own, so it has no controlling terminal at all -- /dev/tty
		 * is ENXIO even when stdout is the caller's terminal.  Interactive,
		 * it stays in the caller's session for job control; TIOCSTI and its
		 * kin are refused by the application's policy either way. */
		if (!isatty(STDIN_FILENO))
			setsid();
		int fds[] = { sock, spec_rd, o->debug_fd, o->gate ? o->start_fd : -1,
			      o->gate ? o->ready_fd : -1, o->gate ? o->error_log_fd : -1, netfd, o->trace_fd, o->strace_fd,
			      o->gate && o->control_fd > 2 ? o->control_fd : -1 };
		exec_role("sentry", fds, o->preserve_fds);
	}
	close(sync[0]);
	int rc = 0;
	if (rootless) {
		char path[64], map[64];
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		rc = write_file(path, "deny");
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		if (rc == 0)
			rc = write_file(path, map);
		snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		if (rc == 0)
			rc = write_file(path, map);
	}
	/* into the sandbox's cgroup before it starts anything */
	if (rc == 0 && cg)
		rc = limits_cgroup_attach(cg, pid);
	if (rc == 0 && o->cgroup)
		rc = oci_cgroup_attach(o->cgroup, pid);
	if (rc == 0 && write(sync[1], "g", 1) != 1)
		rc = -EIO;
	close(sync[1]);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	return pid;
}

static pid_t start_gofer(int sock, int spec_rd, int logfd, bool detached, const struct oci_cgroup *cgroup)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* the container's cgroup holds the whole sandbox (the gofer's
		 * memory and tasks are the container's cost too) */
		if (cgroup && oci_cgroup_attach(cgroup, 0) < 0)
			_exit(125);
		if (!detached) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		} else {
			/* It ends by itself when the sentry does (EOF on its socket);
			 * meanwhile it must not hold the container's stdin/stdout,
			 * whose EOF the engine may wait for. */
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
				_exit(125);
		}
		int fds[] = { sock, spec_rd, logfd, -1, -1, -1, -1, -1, -1, -1 };
		exec_role("gofer", fds, 0);
	}
	return pid < 0 ? -errno : pid;
}

/* Packs a message into a pipe the child reads until EOF. */
static int spec_pipe(const ProtobufCMessage *msg, int *rd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(msg, buf);
	/* Specs are small; a pipe buffer (64 KiB) holds them without a reader. */
	if (len > 60 * 1024) {
		free(buf);
		return -E2BIG;
	}
	int rc = write_all(p[1], buf, len);
	free(buf);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		return -EIO;
	}
	*rd = p[0];
	return 0;
}

static size_t count(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* The network namespace at path, checked to be one; dies otherwise. */
static int open_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno(errno, "linux.namespaces: network namespace %s", path);
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
		die("linux.namespaces: %s is not a network namespace", path);
	return fd;
}

/* What sandbox_run ends after the sentry: the --network=user helper and
 * the limits' cgroup (one sandbox per CLI process). */
static struct {
	pid_t helper;
	struct sandbox_cgroup *cg;
} spawned = { -1, NULL };

void sandbox_spawn(const struct sandbox_opts *o, int *gofer_pid, int *sentry_pid_out)
{
	if (o->detached && o->net && o->net->mode && strcmp(o->net->mode, "user") == 0)
		die("--network=user: not for a detached container (the engine gives its network namespace)");
	struct stat st;
	if (stat(o->rootfs, &st) < 0)
		die_errno(errno, "rootfs %s", o->rootfs);
	if (!S_ISDIR(st.st_mode))
		die("rootfs %s: not a directory", o->rootfs);

	RunscLite__GoferSpec gspec = RUNSC_LITE__GOFER_SPEC__INIT;
	gspec.root = (char *)o->rootfs;
	gspec.readonly = o->readonly || o->overlay;   /* the overlay never writes its lower layer */
	RunscLite__SandboxSpec sspec = RUNSC_LITE__SANDBOX_SPEC__INIT;
	sspec.argv = o->argv;
	sspec.n_argv = count(o->argv);
	sspec.env = o->env;
	sspec.n_env = count(o->env);
	sspec.cwd = (char *)o->cwd;
	sspec.hostname = (char *)o->hostname;
	sspec.hide_paths = (char **)o->hide;
	sspec.n_hide_paths = o->nhide;
	sspec.rootfs_readonly = o->readonly;
	sspec.overlay = o->overlay;
	sspec.cache_policy = (char *)o->cache_policy;
	sspec.platform = (char *)o->platform;
	sspec.no_sync_wakeup = o->no_sync_wakeup;
	/* --network, --allow-net */
	static RunscLite__NetRule rbuf[NET_RULES_MAX], *rptr[NET_RULES_MAX];
	sspec.network = (char *)(o->netns_path ? "join" : o->net && o->net->mode ? o->net->mode : "none");
	sspec.net_filter = o->net && o->net->filter;
	for (size_t i = 0; o->net && i < o->net->nrules; i++) {
		const struct net_rule *r = &o->net->rules[i];
		runsc_lite__net_rule__init(&rbuf[i]);
		rbuf[i].addr.data = (uint8_t *)r->addr;
		rbuf[i].addr.len = r->family == AF_INET ? 4 : 16;
		rbuf[i].prefix = r->prefix;
		rbuf[i].port_lo = r->port_lo;
		rbuf[i].port_hi = r->port_hi;
		rptr[i] = &rbuf[i];
	}
	sspec.allow_net = rptr;
	sspec.n_allow_net = o->net ? o->net->nrules : 0;

	/* limits: a cgroup where the caller may, rlimits always */
	struct sandbox_cgroup *cg = limits_cgroup_create(&o->limits);
	RunscLite__Limits lspec = RUNSC_LITE__LIMITS__INIT;
	lspec.nproc = o->limits.pids;
	lspec.nofile = o->limits.nofile;
	lspec.cpu_seconds = o->limits.cpu_seconds;
	lspec.address_space = limits_cgroup_has_memory(cg) ? 0 : o->limits.memory;
	lspec.overlay_size = o->limits.overlay_size;
	sspec.limits = &lspec;
	if (o->preserve_fds > PRESERVE_FDS_MAX)
		die("--preserve-fds=%u: at most %d", o->preserve_fds, PRESERVE_FDS_MAX);
	for (unsigned i = 0; i < o->preserve_fds; i++)
		if (fcntl(3 + (int)i, F_GETFD) < 0 || 3 + (int)i == o->debug_fd)
			die("--preserve-fds=%u: fd %u is not open", o->preserve_fds, 3 + i);
	sspec.preserve_fds = o->preserve_fds;
	debugf("limits: %s", limits_cgroup_kind(cg));
	sspec.umask = o->has_umask ? 0x80000000u | (o->umask & 0777) : 0;
	sspec.uid = o->uid;
	sspec.gid = o->gid;
	sspec.additional_gids = (uint32_t *)o->additional_gids;
	sspec.n_additional_gids = o->nadditional_gids;
	sspec.keep_caps = o->keep_caps;
	sspec.set_home = o->set_home;
	sspec.id_range = o->id_range;
	sspec.gate = o->gate;
	sspec.make_mount_points = o->make_mount_points;
	sspec.error_log_json = o->error_log_json;
	sspec.terminal = o->terminal;
	/* single files bound (OCI): their content now, for the overlay */
	static RunscLite__FileCopy fbuf[SANDBOX_FILE_COPIES_MAX], *fptr[SANDBOX_FILE_COPIES_MAX];
	static uint8_t fdata[SANDBOX_FILE_COPIES_MAX][SANDBOX_FILE_COPY_MAX];
	if (o->nfile_copies > SANDBOX_FILE_COPIES_MAX)
		die("at most %d single-file bind mounts", SANDBOX_FILE_COPIES_MAX);
	for (size_t i = 0; i < o->nfile_copies; i++) {
		const struct sandbox_file_copy *f = &o->file_copies[i];
		int fd = open(f->source, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat fs;
		if (fd < 0 || fstat(fd, &fs) < 0 || !S_ISREG(fs.st_mode))
			die("bind mount of %s on %s: not a readable regular file", f->source, f->destination);
		ssize_t n = read(fd, fdata[i], SANDBOX_FILE_COPY_MAX);
		char extra;
		if (n < 0 || read(fd, &extra, 1) != 0)
			die("bind mount of %s on %s: unreadable, or larger than %d bytes", f->source,
			    f->destination, SANDBOX_FILE_COPY_MAX);
		close(fd);
		runsc_lite__file_copy__init(&fbuf[i]);
		fbuf[i].destination = (char *)f->destination;
		fbuf[i].content.data = fdata[i];
		fbuf[i].content.len = (size_t)n;
		fbuf[i].mode = fs.st_mode & 0777;
		fptr[i] = &fbuf[i];
	}
	sspec.file_copies = fptr;
	sspec.n_file_copies = o->nfile_copies;
	/* OCI linux.seccomp (a bounded number of rules: checked by its parser) */
	RunscLite__ContainerSeccomp cseccomp = RUNSC_LITE__CONTAINER_SECCOMP__INIT;
	RunscLite__SeccompRule *scrbuf = NULL, **scrptr = NULL;
	RunscLite__SeccompArg *scabuf = NULL, **scaptr = NULL;
	if (o->seccomp) {
		size_t n = o->seccomp->nrules;
		scrbuf = calloc(n + 1, sizeof *scrbuf);
		scrptr = calloc(n + 1, sizeof *scrptr);
		scabuf = calloc(6 * n + 1, sizeof *scabuf);
		scaptr = calloc(6 * n + 1, sizeof *scaptr);
		if (!scrbuf || !scrptr || !scabuf || !scaptr)
			die("out of memory");
		for (size_t i = 0; i < n; i++) {
			const struct sandbox_seccomp_rule *r = &o->seccomp->rules[i];
			runsc_lite__seccomp_rule__init(&scrbuf[i]);
			scrbuf[i].nr = r->nr;
			scrbuf[i].action = r->action;
			scrbuf[i].args = &scaptr[6 * i];
			scrbuf[i].n_args = r->nargs;
			for (unsigned k = 0; k < r->nargs && k < 6; k++) {
				RunscLite__SeccompArg *a = &scabuf[6 * i + k];
				runsc_lite__seccomp_arg__init(a);
				a->index = r->args[k].index;
				a->op = r->args[k].op;
				a->value = r->args[k].value;
				a->value_two = r->args[k].value_two;
				scaptr[6 * i + k] = a;
			}
			scrptr[i] = &scrbuf[i];
		}
		cseccomp.default_action = o->seccomp->default_action;
		cseccomp.rules = scrptr;
		cseccomp.n_rules = n;
		sspec.container_seccomp = &cseccomp;
	}
	RunscLite__Rlimit lbuf[SANDBOX_RLIMITS_MAX], *lptr[SANDBOX_RLIMITS_MAX];
	if (o->nrlimits > SANDBOX_RLIMITS_MAX)
		die("at most %d rlimits", SANDBOX_RLIMITS_MAX);
	for (size_t i = 0; i < o->nrlimits; i++) {
		runsc_lite__rlimit__init(&lbuf[i]);
		lptr[i] = &lbuf[i];
		lbuf[i].resource = o->rlimits[i].resource;
		lbuf[i].soft = o->rlimits[i].soft;
		lbuf[i].hard = o->rlimits[i].hard;
	}
	sspec.rlimits = lptr;
	sspec.n_rlimits = o->nrlimits;
	RunscLite__TraceSpec tspec = RUNSC_LITE__TRACE_SPEC__INIT;
	if (o->trace_fd >= 0 || o->strace) {
		tspec.events = o->trace_fd >= 0 ? o->trace_events : 0;
		tspec.lossless = o->trace_lossless;
		tspec.sandbox_id = (char *)(o->sandbox_id ? o->sandbox_id : "");
		tspec.flags = o->cli_argv;
		tspec.n_flags = count(o->cli_argv);
		tspec.strace = o->strace;
		tspec.denied_traps = (tspec.events & AUDIT_KIND_BIT(AUDIT_DENIED)) != 0;
		sspec.trace = &tspec;
	}

	/* --tmpfs and --volume: the sentry mounts each in order; the gofer
	 * serves each volume under an attach name of its own */
	RunscLite__Mount mbuf[SANDBOX_MOUNTS_MAX], *mptr[SANDBOX_MOUNTS_MAX];
	RunscLite__Volume vbuf[SANDBOX_MOUNTS_MAX], *vptr[SANDBOX_MOUNTS_MAX];
	char anames[SANDBOX_MOUNTS_MAX][16];
	size_t nvol = 0;
	if (o->nmounts > SANDBOX_MOUNTS_MAX)
		die("at most %d --tmpfs and --volume flags", SANDBOX_MOUNTS_MAX);
	for (size_t i = 0; i < o->nmounts; i++) {
		const struct sandbox_mount *m = &o->mounts[i];
		runsc_lite__mount__init(&mbuf[i]);
		mptr[i] = &mbuf[i];
		mbuf[i].destination = (char *)m->destination;
		mbuf[i].type = m->tmpfs ? "tmpfs" : "volume";
		mbuf[i].size = m->size;
		mbuf[i].mode = m->mode;
		mbuf[i].nr_inodes = m->nr_inodes;
		if (m->tmpfs)
			continue;
		snprintf(anames[nvol], sizeof anames[nvol], "volume%zu", nvol);
		mbuf[i].aname = anames[nvol];
		mbuf[i].readonly = m->readonly;
		runsc_lite__volume__init(&vbuf[nvol]);
		vptr[nvol] = &vbuf[nvol];
		vbuf[nvol].source = (char *)m->source;
		vbuf[nvol].aname = anames[nvol];
		vbuf[nvol].readonly = m->readonly;
		nvol++;
	}
	sspec.mounts = mptr;
	sspec.n_mounts = o->nmounts;
	gspec.volumes = vptr;
	gspec.n_volumes = nvol;

	int sv[2];
	int gspec_rd, sspec_rd, rc = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		rc = -errno;
	if (rc < 0) {
		limits_cgroup_finish(cg);
		die_errno(-rc, "socketpair");
	}
	if ((rc = spec_pipe(&gspec.base, &gspec_rd)) < 0 || (rc = spec_pipe(&sspec.base, &sspec_rd)) < 0) {
		limits_cgroup_finish(cg);
		die_errno(-rc, "passing the sandbox spec");
	}

	/* a network namespace to join (OCI): its fd takes the same number as
	 * --network=user's; opened (and checked: this may die) before the
	 * gofer exists, so that no failure leaves a gofer behind (in the
	 * container's cgroup, which could then not be removed) */
	int joinfd = o->netns_path ? open_netns(o->netns_path) : -1;
	pid_t gofer = start_gofer(sv[0], gspec_rd, o->debug_fd, o->detached, o->cgroup);
	if (gofer < 0) {
		limits_cgroup_finish(cg);
		die_errno(-gofer, "starting the gofer");
	}
	close(sv[0]);
	close(gspec_rd);

	/* --network=user: the sentry hands the application's namespaces over
	 * on nv, and the application starts once slirp4netns serves them */
	int nv[2] = { -1, -1 };
	bool user_net = o->net && o->net->mode && strcmp(o->net->mode, "user") == 0;
	if (user_net && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, nv) < 0)
		die_errno(errno, "socketpair");
	int netfd = o->netns_path ? joinfd : nv[1];
	pid_t sentry = start_sentry(sv[1], sspec_rd, netfd, cg, o);
	if (o->netns_path)
		close(netfd);
	if (sentry < 0) {
		kill(gofer, SIGKILL);
		waitpid(gofer, NULL, 0);
		limits_cgroup_finish(cg);
		if (sentry == -EPERM || sentry == -ENOSPC)
			die_errno(-sentry, "creating the sandbox namespaces (are user namespaces enabled?)");
		die_errno(-sentry, "starting the sentry");
	}
	close(sv[1]);
	close(sspec_rd);
	debugf("gofer pid %d, sentry pid %d", (int)gofer, (int)sentry);
	spawned.helper = -1;
	if (user_net) {
		close(nv[1]);
		spawned.helper = netuser_start(nv[0]);   /* (-1: the sentry ends with the reason) */
		close(nv[0]);
	}
	spawned.cg = cg;
	*gofer_pid = gofer;
	*sentry_pid_out = sentry;
}

int sandbox_run(const struct sandbox_opts *o)
{
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigaction(fwd[i], &sa, NULL);
	int gofer, sentry;
	sandbox_spawn(o, &gofer, &sentry);
	sentry_pid = sentry;

	int ws;
	while (waitpid(sentry, &ws, 0) < 0 && errno == EINTR)
		;
	sentry_pid = 0;
	/* The gofer serves nothing once the sentry is gone; it holds no data
	 * (writes went to the host through donated FDs), so it may just go. */
	kill(gofer, SIGKILL);
	waitpid(gofer, NULL, 0);
	netuser_stop(spawned.helper);
	limits_cgroup_finish(spawned.cg);
	if (killed_on_request) {
		warnx_rl("the sandbox was killed: a second %s while it was running",
			 killed_on_request == SIGINT ? "SIGINT" : "SIGTERM");
		return 128 + SIGKILL;
	}
	if (WIFSIGNALED(ws)) {
		warnx_rl("the sentry was killed by signal %d; the sandbox is gone", WTERMSIG(ws));
		return 128 + WTERMSIG(ws);
	}
	return WEXITSTATUS(ws);
}
