/*
 * The sentry process: setup, the application's first task, the serve loop.
 * See sentry/sentry.h for the sequence and why it is in that order.
 */
#include "sentry/sentry.h"

#include "audit/audit.h"
#include "p9/p9.h"
#include "platform/policy.h"
#include "runsc-lite/log.h"
#include "sentry/internal.h"
#include "spec.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/securebits.h>
#include <unistd.h>

#define P9_MSIZE (256 * 1024)

extern char **environ;

static int fail(const char *what, int err)
{
	warnx_rl("sentry: %s: %s", what, strerror(err));
	return 125;
}

/* ---- the staging tmpfs and the sentry's own procfs --------------------------- */

static const char *mount_staging(void)
{
	/* Any existing directory of the host will do: the mount is private to
	 * the sentry's mount namespace and becomes its root. */
	static const char *const candidates[] = { "/tmp", "/mnt", "/run", "/var/tmp" };
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (mount("runsc-lite", candidates[i], "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=0755,size=64m") == 0)
			return candidates[i];
	return NULL;
}

/* A procfs of the sentry's pid namespace, as a detached mount: it shows only
 * the sandbox's tasks and is reachable through the fd alone. */
static int open_procfs(void)
{
	int fsfd = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return -errno;
	int rc = (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "hidepid", "0", 0);
	if (rc == 0)
		rc = (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	int mfd = rc == 0 ? (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC,
					  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
			  : -1;
	int err = errno;
	close(fsfd);
	return mfd < 0 ? -err : mfd;
}

static int pivot_into(const char *dir)
{
	if (chdir(dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -errno;
	return 0;
}

/* ---- the VFS ------------------------------------------------------------------ */

static int cache_policy(const char *name, enum vfs_cache_policy *out)
{
	static const struct { const char *name; enum vfs_cache_policy policy; } policies[] = {
		{ "", VFS_CACHE_FSCACHE },
		{ "fscache", VFS_CACHE_FSCACHE },
		{ "fscache_writethrough", VFS_CACHE_FSCACHE_WRITETHROUGH },
		{ "remote_revalidating", VFS_CACHE_REMOTE_REVALIDATING },
		{ "none", VFS_CACHE_NONE },
	};
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (strcmp(name, policies[i].name) == 0) {
			*out = policies[i].policy;
			return 0;
		}
	return -EINVAL;
}

/* ---- --tmpfs and --volume ---------------------------------------------------- */

/* The backing tmpfs of the i-th mount of the spec, beneath the staging
 * directory (sentry/tmpfs.c), and the overlay upper layer's. */
#define OVERLAY_BACKING ".rl/t/o"
#define SHM_BACKING ".rl/t/shm"
/* /dev: the size runc and crun give the tmpfs they mount there (65536k) */
#define DEV_BACKING ".rl/t/dev"
#define DEV_SIZE (64ull << 20)
static void tmpfs_backing(size_t i, char *buf, size_t cap)
{
	snprintf(buf, cap, ".rl/t/%zu", i);
}

/* The root is an overlay: asked for, or (OCI) a read-only root whose
 * missing mount points must still be made: they are made in the memory
 * layer, and the overlay is read-only once the mounts are in place. */
static bool root_overlay(const RunscLite__SandboxSpec *spec)
{
	return spec->overlay || (spec->rootfs_readonly && spec->make_mount_points);
}

/* mkdir -p of a mount point through the VFS (OCI: runc makes missing
 * mount destinations).  Each component is created by its filesystem's own
 * mkdir, so on the overlay root it lands in the memory layer; an existing
 * component, symlink or not, is walked as the mount itself will walk it. */
static int make_mount_point(const char *path)
{
	char prefix[VFS_PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof prefix)
		return -ENAMETOOLONG;
	for (size_t i = 1; i <= len; i++) {
		if ((i < len && path[i] != '/') || path[i - 1] == '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = 0;
		struct vfs_path r = vfs_root();
		struct vfs_walk w = { .root = r, .start = r, .flags = VFS_PARENT };
		int rc = vfs_walk(&w, prefix);
		if (rc < 0)
			return rc;
		struct vfs_dentry *d;
		rc = vfs_lookup_child(&w.result, w.last, &d);
		if (rc == -ENOENT) {
			struct vfs_inode *dir = w.result.dentry->inode, *ino = NULL;
			rc = dir->fs->readonly ? -EROFS : dir->fs->ops->mkdir
				? dir->fs->ops->mkdir(dir, w.last, S_IFDIR | 0755, &ino) : -EPERM;
			if (rc == 0) {
				vfs_dir_changed(dir);
				if (!vfs_add_child(w.result.dentry, w.last, ino))
					rc = -ENOMEM;
			}
		}
		vfs_path_put(w.result);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Mounts spec->mounts[i] over its destination, an existing directory. */
static int mount_one(struct p9_client *c, const RunscLite__SandboxSpec *spec, size_t i,
		     enum vfs_cache_policy policy, int procfd, int stagingfd)
{
	const RunscLite__Mount *m = spec->mounts[i];
	if (!m->destination || m->destination[0] != '/' || !m->type)
		return -EINVAL;
	struct vfs_path r = vfs_root();
	struct vfs_walk w = { .root = r, .start = r, .flags = VFS_FOLLOW | VFS_DIRECTORY };
	int rc = vfs_walk(&w, m->destination);
	if (rc == -ENOENT && spec->make_mount_points) {
		rc = make_mount_point(m->destination);
		if (rc == 0)
			rc = vfs_walk(&w, m->destination);
	}
	if (rc < 0) {
		warnx_rl("sentry: mount point %s: %s", m->destination, strerror(-rc));
		return rc;
	}
	struct vfs_fs *fs;
	struct vfs_inode *root;
	if (strcmp(m->type, "tmpfs") == 0) {
		char backing[32];
		tmpfs_backing(i, backing, sizeof backing);
		struct tmpfs_opts o = { .stagingfd = stagingfd, .backing = backing,
					.max_inodes = m->nr_inodes, .mode = (mode_t)m->mode };
		rc = tmpfs_new(&fs, &root, &o);
	} else if (strcmp(m->type, "volume") == 0 && m->aname) {
		uint32_t fid;
		struct p9_qid qid;
		rc = p9_client_attach(c, m->aname, &fid, &qid);
		if (rc == 0)
			rc = goferfs_new(&fs, c, fid, m->readonly, policy, procfd, &root);
	} else {
		rc = -EINVAL;
	}
	if (rc == 0 && !vfs_mount_new(fs, root, &w.result))
		rc = -ENOMEM;
	if (rc < 0)
		warnx_rl("sentry: mounting %s on %s: %s", m->type, m->destination, strerror(-rc));
	return rc;
}

/*
 * The backing tmpfs of each --tmpfs mount: a real tmpfs (its size= is the
 * kernel's to enforce on the application's native writes), mounted in the
 * sentry's mount namespace only.  Called after the application's mount
 * namespace was copied from the sentry's (and the sentry's mounts are
 * private), so the application never has it; it sees, at most, an empty
 * directory .rl/t/N of its read-only kernel-level root.
 */
static int mount_backing(int stagingfd, const char *rel, uint64_t size)
{
	char abs[40], opts[96];
	snprintf(abs, sizeof abs, "/%s", rel);   /* the sentry's root is the staging tmpfs */
	if (size)
		snprintf(opts, sizeof opts, "mode=0700,size=%llu", (unsigned long long)size);
	else
		snprintf(opts, sizeof opts, "mode=0700");
	if (mkdirat(stagingfd, rel, 0700) < 0 ||
	    mount("runsc-lite-tmpfs", abs, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return -errno;
	return 0;
}

static int mount_tmpfs_backing(const RunscLite__SandboxSpec *spec, int stagingfd)
{
	if (mkdirat(stagingfd, ".rl/t", 0700) < 0 && errno != EEXIST)
		return -errno;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < spec->n_mounts; i++) {
		const RunscLite__Mount *m = spec->mounts[i];
		if (strcmp(m->type, "tmpfs") != 0)
			continue;
		char rel[32];
		tmpfs_backing(i, rel, sizeof rel);
		rc = mount_backing(stagingfd, rel, m->size);
	}
	if (rc == 0 && root_overlay(spec))
		rc = mount_backing(stagingfd, OVERLAY_BACKING,
				   spec->limits ? spec->limits->overlay_size : 0);
	if (rc == 0)
		rc = mount_backing(stagingfd, SHM_BACKING, 0);
	if (rc == 0)
		rc = mount_backing(stagingfd, DEV_BACKING, DEV_SIZE);
	return rc;
}

/*
 * A file the sandbox starts with, written into the overlay's memory layer
 * (never into the rootfs): path's directory must exist; a file there is
 * overwritten, a symlink (to systemd-resolved's stub file, say) replaced.
 * 0, or a negative errno; -ENOENT when the directory is missing.
 */
static int write_start_file(const char *path, const void *text, size_t len, mode_t mode)
{
	const char *name = strrchr(path, '/');
	if (!name || !name[1] || strlen(name + 1) > VFS_NAME_MAX)
		return -EINVAL;
	name++;
	struct vfs_path r = vfs_root();
	struct vfs_walk w = { .root = r, .start = r, .flags = VFS_PARENT | VFS_FOLLOW };
	int rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	struct vfs_inode *dir = w.result.dentry->inode, *ino = NULL;
	struct vfs_dentry *d;
	struct vfs_open_result res = { .host_fd = -1 };
	rc = vfs_lookup_child(&w.result, name, &d);
	if (rc == 0 && S_ISREG(d->inode->attr.st_mode)) {
		rc = d->inode->fs->ops->open(d->inode, O_WRONLY | O_TRUNC, &res);
	} else if (rc == 0 && S_ISDIR(d->inode->attr.st_mode)) {
		rc = -EISDIR;
	} else if (rc == 0) {
		rc = dir->fs->ops->unlink(dir, name, false);
		if (rc == 0) {
			vfs_d_drop(d);
			rc = -ENOENT;
		}
	}
	if (rc == -ENOENT && (rc = dir->fs->ops->create(dir, name, O_WRONLY | O_CREAT, mode, &ino, &res)) == 0 &&
	    !vfs_add_child(w.result.dentry, name, ino))
		rc = -ENOMEM;
	if (rc == 0 && res.host_fd >= 0 && write(res.host_fd, text, len) != (ssize_t)len)
		rc = -EIO;
	if (res.host_fd >= 0)
		close(res.host_fd);
	vfs_path_put(w.result);
	return rc;
}

/*
 * Files the sandbox starts with, in the overlay's memory layer (without an
 * overlay, none: the rootfs is the user's):
 *  - --network=user: /etc/resolv.conf names slirp4netns's DNS forwarder,
 *    as podman does for its slirp4netns networks;
 *  - OCI binds of single files (the engine's /etc/hosts, /etc/resolv.conf,
 *    /etc/hostname): their content as the CLI read it at create.
 */
static int write_start_files(const RunscLite__SandboxSpec *spec)
{
	static const char resolv[] = "# written by runsc-lite for --network=user (slirp4netns)\n"
				     "nameserver 10.0.2.3\n";
	if (!spec->overlay)
		return 0;
	int rc = 0;
	if (spec->network && strcmp(spec->network, "user") == 0) {
		rc = write_start_file("/etc/resolv.conf", resolv, sizeof resolv - 1, 0644);
		if (rc == -ENOENT)
			rc = 0;   /* no /etc: nothing to configure */
	}
	for (size_t i = 0; rc == 0 && i < spec->n_file_copies; i++) {
		const RunscLite__FileCopy *f = spec->file_copies[i];
		if (!f->destination || f->destination[0] != '/' || f->content.len > 64 * 1024)
			return -EINVAL;
		rc = write_start_file(f->destination, f->content.data, f->content.len, f->mode & 0777);
		if (rc == -ENOENT) {
			/* its directory is missing (podman's /run/.containerenv in an
			 * image without /run): made, as runc makes it */
			char dir[VFS_PATH_MAX];
			snprintf(dir, sizeof dir, "%s", f->destination);
			*strrchr(dir, '/') = 0;
			rc = dir[0] ? make_mount_point(dir) : 0;
			if (rc == 0)
				rc = write_start_file(f->destination, f->content.data, f->content.len,
						      f->mode & 0777);
		}
		if (rc < 0)
			warnx_rl("sentry: the bound file %s: %s", f->destination, strerror(-rc));
	}
	return rc;
}

/* Mounts fs at `path` of the VFS if that directory exists: 1 if mounted. */
static int mount_at(const char *path, struct vfs_fs *fs, struct vfs_inode *root)
{
	struct vfs_path r = vfs_root();
	struct vfs_walk w = { .root = r, .start = r, .flags = VFS_FOLLOW | VFS_DIRECTORY };
	if (vfs_walk(&w, path) < 0)
		return 0;   /* no mount point: nothing to cover or serve there */
	return vfs_mount_new(fs, root, &w.result) ? 1 : -ENOMEM;
}

static int build_vfs(struct sentry *s, struct p9_client *c, uint32_t root_fid,
		     const RunscLite__SandboxSpec *spec, int procfd, int stagingfd, int devfd)
{
	vfs_init();
	struct vfs_fs *fs;
	struct vfs_inode *root;
	enum vfs_cache_policy policy;
	int rc = cache_policy(spec->cache_policy ? spec->cache_policy : "", &policy);
	if (rc < 0)
		return rc;
	rc = goferfs_new(&fs, c, root_fid, spec->rootfs_readonly || spec->overlay, policy, procfd, &root);
	if (rc == 0 && root_overlay(spec)) {
		/* the rootfs as the lower layer of a memory overlay */
		struct vfs_fs *ufs;
		struct vfs_inode *uroot;
		struct tmpfs_opts o = { .stagingfd = stagingfd, .backing = OVERLAY_BACKING };
		rc = tmpfs_new(&ufs, &uroot, &o);
		if (rc == 0)
			rc = overlay_new(&fs, root, uroot, &root);
	}
	if (rc < 0)
		return rc;
	if (!vfs_mount_new(fs, root, NULL))
		return -ENOMEM;
	for (size_t i = 0; i < spec->n_hide_paths; i++) {
		/* the host's /proc is covered by the sandbox's own, below */
		if (strcmp(spec->hide_paths[i], "/proc") == 0)
			continue;
		struct vfs_fs *efs;
		struct vfs_inode *eroot;
		rc = emptyfs_new(&efs, &eroot);
		if (rc < 0 || (rc = mount_at(spec->hide_paths[i], efs, eroot)) < 0)
			return rc;
	}
	/* /proc of the sandbox's pid namespace, in every mode (a rootfs
	 * without a /proc directory gets none, as Linux could not mount one) */
	struct vfs_fs *pfs;
	struct vfs_inode *proot;
	rc = procfs_new(s, spec->hostname, &pfs, &proot);
	if (rc < 0 || (rc = mount_at("/proc", pfs, proot)) < 0)
		return rc;
	/* /dev is always the sandbox's devfs, whatever the rootfs has there
	 * (a rootfs without /dev gets none: nothing can be created in it),
	 * with the sandbox's devpts at /dev/pts */
	struct vfs_fs *dfs, *ptsfs;
	struct vfs_inode *droot, *ptsroot;
	rc = devfs_new(&dfs, devfd, stagingfd, procfd, DEV_BACKING, &droot);
	if (rc < 0 || (rc = mount_at("/dev", dfs, droot)) < 0)
		return rc;
	rc = devpts_new(&ptsfs, devfd, stagingfd, &ptsroot);
	if (rc < 0 || (rc = mount_at("/dev/pts", ptsfs, ptsroot)) < 0)
		return rc;
	/* /dev/shm: a tmpfs of its own, as container runtimes give one
	 * (POSIX shared memory and semaphores: Python's multiprocessing) */
	struct vfs_fs *sfs;
	struct vfs_inode *sroot;
	struct tmpfs_opts so = { .stagingfd = stagingfd, .backing = SHM_BACKING, .mode = 01777 };
	rc = tmpfs_new(&sfs, &sroot, &so);
	if (rc == 0 && (rc = mount_at("/dev/shm", sfs, sroot)) == 0) {
		vfs_inode_put(sroot);   /* no /dev/shm to mount it on */
		tmpfs_free(sfs);
	}
	if (rc < 0)
		return rc;
	if (spec->n_mounts > 64)
		return -E2BIG;
	for (size_t i = 0; i < spec->n_mounts; i++)
		if ((rc = mount_one(c, spec, i, policy, procfd, stagingfd)) < 0)
			return rc;
	if (spec->rootfs_readonly)
		fs->readonly = true;   /* the mount points are made: EROFS from now on */
	return 0;
}

/* ---- OCI: the program must exist at create --------------------------------------- */

/* A regular file with an execute bit at `path` of the VFS (absolute). */
static int find_executable(const char *path)
{
	struct vfs_path r = vfs_root();
	struct vfs_walk w = { .root = r, .start = r, .flags = VFS_FOLLOW };
	int rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	mode_t mode = w.result.dentry->inode->attr.st_mode;
	vfs_path_put(w.result);
	if (S_ISDIR(mode) || !S_ISREG(mode))
		return -EACCES;
	return mode & 0111 ? 0 : -EACCES;
}

/*
 * As runc does, a program that is not there fails `create`, with runc's
 * words (engines turn "executable file not found" and "no such file or
 * directory" into 127, "permission denied" into 126).  The lookup is the
 * one the first task's exec makes: argv[0] as a path when it has a '/'
 * (relative to the cwd), else each directory of the spec's PATH.
 */
int sentry_find_program(const char *name, char *const *env, size_t nenv, const char *cwd,
			char *why, size_t whylen)
{
	char full[VFS_PATH_MAX];
	if (strchr(name, '/')) {
		int n = name[0] == '/' ? snprintf(full, sizeof full, "%s", name)
				       : snprintf(full, sizeof full, "%s/%s", cwd, name);
		int rc = n > 0 && (size_t)n < sizeof full ? find_executable(full) : -ENAMETOOLONG;
		if (rc < 0)
			snprintf(why, whylen, "exec: \"%s\": %s", name, rc == -EACCES ? "permission denied"
				 : rc == -ENOENT ? "no such file or directory" : strerror(-rc));
		return rc;
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	bool denied = false;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int len = (int)(end - p);
		int n = len == 0 ? snprintf(full, sizeof full, "%s/%s", cwd, name)
			: p[0] == '/' ? snprintf(full, sizeof full, "%.*s/%s", len, p, name)
				      : snprintf(full, sizeof full, "%s/%.*s/%s", cwd, len, p, name);
		if (n > 0 && (size_t)n < sizeof full) {
			int rc = find_executable(full);
			if (rc == 0)
				return 0;
			denied |= rc == -EACCES;
		}
		if (*end == 0)
			break;
		p = end;
	}
	if (denied)
		snprintf(why, whylen, "exec: \"%s\": permission denied", name);
	else
		snprintf(why, whylen, "exec: \"%s\": executable file not found in $PATH", name);
	return denied ? -EACCES : -ENOENT;
}

static int check_program(const RunscLite__SandboxSpec *spec)
{
	char why[512];
	int rc = sentry_find_program(spec->argv[0], spec->env, spec->n_env, spec->cwd, why, sizeof why);
	if (rc < 0)
		warnx_rl("%s", why);
	return rc;
}

/* ---- the application's first task ---------------------------------------------- */

static void drop_all_capabilities(void)
{
	/* Root inside the user namespace must not regain capabilities on exec. */
	cap_set_secbits(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		cap_drop_bound(c);
	cap_reset_ambient();
	cap_t none = cap_init();
	if (!none || cap_set_proc(none) < 0)
		die_errno(errno, "sentry: dropping the application's capabilities");
	cap_free(none);
}

static int send_fd(int sock, int fd)
{
	char dummy = 'L';
	struct iovec iov = { &dummy, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/*
 * The first task's seccomp listener reaches the sentry by pidfd_getfd: the
 * task says which fd it is and waits until the sentry has it.  (Not
 * SCM_RIGHTS: a mediated network traps sendmsg, and nobody would answer.)
 */
static int hand_over_listener(int sock, int listener)
{
	char ack;
	return write(sock, &listener, sizeof listener) == sizeof listener && read(sock, &ack, 1) == 1
		       ? 0 : -EIO;
}

static int take_listener(int sock, pid_t pid)
{
	int n, fd = -EIO;
	if (read(sock, &n, sizeof n) != sizeof n)
		return -EIO;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
		fd = fd < 0 ? -errno : fd;
		close(pidfd);
	}
	if (write(sock, "k", 1) != 1 && fd >= 0) {
		close(fd);
		fd = -EIO;
	}
	return fd;
}

/*
 * execve of the first program, with a PATH search for a bare name as runc
 * does it: no execvp-style retry through /bin/sh on ENOEXEC (a file that is
 * not a program is an error, not a shell script).  Returns the errno.
 */
int sentry_exec_program(char **argv)
{
	const char *name = argv[0];
	if (strchr(name, '/')) {
		execve(name, argv, environ);
		return errno;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int err = ENOENT;
	bool denied = false;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		char full[4096];
		int n = snprintf(full, sizeof full, "%.*s%s%s", (int)(end - p), p,
				 end == p ? "" : "/", name);
		if (n > 0 && (size_t)n < sizeof full) {
			execve(full, argv, environ);
			err = errno;
			if (err == EACCES)
				denied = true;
			else if (err != ENOENT && err != ENOTDIR)
				return err;   /* found, but it cannot run */
		}
		if (*end == 0)
			break;
		p = end;
	}
	return denied ? EACCES : ENOENT;
}

/*
 * The sandbox's rlimits, set in its first task and inherited by every task
 * after it (runsc-lite/limits.h).  RLIMIT_NPROC counts the tasks of one uid
 * in one user namespace (Linux 5.14+: ucounts), and the sandbox is the only
 * user of its namespace: the limit is the sandbox's task count.  Soft and
 * hard alike, so the program cannot raise them (it has no CAP_SYS_RESOURCE).
 */
static void set_limits(const RunscLite__Limits *l)
{
	if (!l)
		return;
	struct { int res; uint64_t v; const char *name; } set[] = {
		{ RLIMIT_NPROC, l->nproc, "tasks" },
		{ RLIMIT_NOFILE, l->nofile, "open files" },
		{ RLIMIT_CPU, l->cpu_seconds, "CPU time" },
		{ RLIMIT_AS, l->address_space, "memory (address space)" },
	};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
		if (!set[i].v)
			continue;
		struct rlimit rl = { (rlim_t)set[i].v, (rlim_t)set[i].v }, cur;
		/* never above what the sentry has: only lowering needs no privilege */
		if (getrlimit(set[i].res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
		    rl.rlim_max > cur.rlim_max)
			rl.rlim_cur = rl.rlim_max = cur.rlim_max;
		if (setrlimit(set[i].res, &rl) < 0)
			die_errno(errno, "sandbox: setting the limit on %s", set[i].name);
	}
}

/* where the sentry holds the --preserve-fds fds (sentry_args.preserved_fd) */
static int preserved_fd = -1;

/* OCI terminal: the slave the first task takes as its stdio and
 * controlling terminal (opened by the sentry, inherited by the clone). */
static int app_tty = -1;

/* A pty of the sandbox's own devpts (devfd: devfs_prepare_host()), so that
 * inside, /dev/pts/0 is the terminal and `tty` names it.  Returns the
 * master; *slave the peer, opened through the master (TIOCGPTPEER), never
 * by a path. */
static int open_pty(int devfd, int *slave)
{
	int master = openat(devfd, "pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	return master < 0 ? -errno : pty_pair(master, slave);
}

int pty_pair(int master, int *slave)
{
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int err = errno;
		close(master);
		return -err;
	}
	return master;
}

static void first_task(int start_fd, const RunscLite__SandboxSpec *spec);

/*
 * Runs in the spawner, the task the sentry clones into the application's
 * new user, mount, ipc, uts (and net) namespaces, outside its pid
 * namespace: it sets the namespaces up, makes the application's pid
 * namespace (unshare: its next child is pid 1 there), confines itself
 * exactly as an application task (no capabilities, no_new_privs, the
 * application filter, which every child inherits with the same listener)
 * and forks the first task, which gets the sentry (or the ptrace helper)
 * as its parent (CLONE_PARENT), as before.  Then it stays, for `exec`
 * (sentry/spawner.c).  Never returns.
 */

/*
 * The application's filter: its policy (with the mediated network's and the
 * trace's rules on top when they are asked for) compiled by a thread of the
 * sentry while the sentry sets itself up, and loaded by the application's
 * first task (app_init) -- libseccomp takes ~2 ms for it, which a
 * container's start would otherwise wait for.  Joined before the first
 * task is cloned, which gets a copy.
 */
static struct {
	const RunscLite__SandboxSpec *spec;
	pthread_t thread;
	bool threaded;
	struct policy_prog prog;
	int rc;
	const char *bad;
} app_filter;

static void *compile_app_filter(void *arg)
{
	const RunscLite__SandboxSpec *spec = app_filter.spec;
	/* ptrace: the same policy with SECCOMP_RET_TRACE */
	bool traced = spec->platform && strcmp(spec->platform, "ptrace") == 0;
	/* a mediated network traps the sends that name a destination too */
	static struct policy_rule merged[1024], merged2[1024];
	struct policy app = policy_app;
	app_filter.rc = -E2BIG;
	if (net_mediated() && policy_merge(&policy_app, &policy_appnet, merged, 1024, &app) < 0) {
		app_filter.bad = "the network policy does not fit";
		return arg;
	}
	/* and a trace that wants listen/accept/sendto events traps those */
	uint64_t listen_accept = AUDIT_KIND_BIT(AUDIT_LISTEN) | AUDIT_KIND_BIT(AUDIT_ACCEPT) |
				 AUDIT_KIND_BIT(AUDIT_SENDTO);
	if (spec->trace && (spec->trace->events & listen_accept)) {
		struct policy with_net = app;
		if (policy_merge(&with_net, &policy_apptrace, merged2, 1024, &app) < 0) {
			app_filter.bad = "the trace's policy does not fit";
			return arg;
		}
	}
	/* --trace-events=denied: the kernel's refusals become the sentry's */
	bool denied = spec->trace && spec->trace->denied_traps;
	app_filter.rc = policy_compile(&app, NULL, 0,
				       (traced ? POLICY_TRAP_AS_TRACE : 0) | (denied ? POLICY_ERRNO_AS_TRAP : 0),
				       &app_filter.prog, &app_filter.bad);
	return arg;
}

/* After net_init (the policy depends on the network's mode). */
static void app_filter_start(const RunscLite__SandboxSpec *spec)
{
	app_filter.spec = spec;
	app_filter.threaded = pthread_create(&app_filter.thread, NULL, compile_app_filter, NULL) == 0;
	if (!app_filter.threaded)
		compile_app_filter(NULL);
}

static void app_filter_wait(void)
{
	if (app_filter.threaded)
		pthread_join(app_filter.thread, NULL);
	app_filter.threaded = false;
}

static void app_init(int sync_fd, int sock, int start_fd, int pid_fd, const RunscLite__SandboxSpec *spec)
{
	char go;
	if (read(sync_fd, &go, 1) != 1)
		_exit(125);   /* the sentry is gone */
	close(sync_fd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		die_errno(errno, "sandbox: becoming uid 0 of the user namespace");
	/* The kernel-level root is the staging tmpfs; the application may not
	 * write it (it only ever sees it through a staged exec). */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		die_errno(errno, "sandbox: remounting the root read-only");
	if (sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		die_errno(errno, "sandbox: sethostname");
	int nrc = net_setup_app();
	if (nrc < 0)
		die_errno(-nrc, "sandbox: bringing lo up");
	set_limits(spec->limits);
	/* the application's pid namespace: this task stays outside it (the
	 * application can neither see nor signal the spawner) */
	if (unshare(CLONE_NEWPID) < 0)
		die_errno(errno, "sandbox: a pid namespace");
	/* (with an id range: what its children need to become their user) */
	if (appuser_range())
		appuser_spawner_caps();
	else
		drop_all_capabilities();
	appuser_set_keep_caps(spec->keep_caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno(errno, "sandbox: no_new_privs");
	if (spec->umask & 0x80000000u)
		umask((mode_t)spec->umask & 0777);
	int listener = -1;
	bool traced = spec->platform && strcmp(spec->platform, "ptrace") == 0;
	/* compiled by the sentry meanwhile (app_filter_start) */
	int rc = app_filter.rc;
	if (rc == 0)
		rc = policy_load(&app_filter.prog, &listener);
	if (rc < 0)
		die_errno(-rc, "sandbox: seccomp policy (%s)", app_filter.bad ? app_filter.bad : "load");
	if (traced ? write(sock, "T", 1) != 1 : hand_over_listener(sock, listener) < 0)
		_exit(125);
	if (listener >= 0)
		close(listener);
	/* the first task: pid 1 of the new pid namespace, the sentry's (or the
	 * ptrace helper's) child, as if cloned by it */
	pid_t first = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0);
	if (first == 0) {
		close(sock);
		if (pid_fd >= 0)
			close(pid_fd);
		first_task(start_fd, spec);
	}
	if (first < 0 || write(sock, &first, sizeof first) != sizeof first ||
	    (pid_fd >= 0 && write(pid_fd, &first, sizeof first) != sizeof first))
		_exit(125);
	/* nothing of the sentry's stays here but the socket (and stdio) */
	if (dup2(sock, 3) < 0)
		_exit(125);
	syscall(SYS_close_range, 4, ~0U, 0);
	spawner_run(3, spec->container_seccomp);
}

/* Runs in the first task, under the application filter; never returns. */
static void first_task(int start_fd, const RunscLite__SandboxSpec *spec)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (app_tty >= 0) {
		/* a session of its own whose controlling terminal is the pty */
		if (dup2(app_tty, 0) < 0 || dup2(app_tty, 1) < 0 || dup2(app_tty, 2) < 0 ||
		    setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)
			die_errno(errno, "sandbox: making the terminal the controlling one");
	}
	/* Nothing of the sentry's crosses into the application but stdio, the
	 * fds the user passed (--preserve-fds: at preserved_fd... here, 3...
	 * for the program) and, until the exec below, the start gate.
	 * Everything moves above the targets first. */
	int n = preserved_fd > 0 ? (int)spec->preserve_fds : 0, base = preserved_fd + n + 8;
	int moved[1024];
	if (n > 1024 || (start_fd >= 0 && (start_fd = fcntl(start_fd, F_DUPFD, base)) < 0))
		_exit(125);
	for (int i = 0; i < n; i++)
		if ((moved[i] = fcntl(preserved_fd + i, F_DUPFD, base)) < 0)
			_exit(125);
	for (int i = 0; i < n; i++)
		if (dup2(moved[i], 3 + i) < 0)
			_exit(125);
	if (start_fd >= 0 && dup2(start_fd, 3 + n) < 0)
		_exit(125);
	syscall(SYS_close_range, start_fd >= 0 ? 4 + n : 3 + n, ~0U, 0);
	if (start_fd >= 0)
		start_fd = 3 + n;
	log_init("app", -1);
	/* the sentry's OCI report and error log fds are closed here: the
	 * application's own messages ("cannot run") go to its stderr */
	log_set_report_fd(-1);
	log_set_error_log(-1, false);
	if (start_fd >= 0) {
		/* OCI: "created" until `runsc-lite start` writes the byte */
		char started;
		ssize_t got;
		while ((got = read(start_fd, &started, 1)) < 0 && errno == EINTR)
			;
		if (got != 1)
			_exit(125);
		close(start_fd);
	}

	/* From here every path syscall is served by the sentry. */
	clearenv();
	for (size_t i = 0; i < spec->n_env; i++)
		putenv(spec->env[i]);
	if (chdir(spec->cwd) < 0)
		die_errno(errno, "cannot enter %s", spec->cwd);
	/* process.user, after the chdir as runc does */
	int urc = appuser_become(spec->uid, spec->gid, spec->additional_gids, spec->n_additional_gids,
				 spec->keep_caps);
	if (urc < 0)
		die_errno(-urc, "sandbox: becoming user %u:%u", spec->uid, spec->gid);
	if (spec->set_home)
		appuser_set_home(spec->uid);
	/* protobuf-c arrays carry a count, not a NULL terminator */
	char **argv = calloc(spec->n_argv + 1, sizeof *argv);
	if (!argv)
		_exit(125);
	memcpy(argv, spec->argv, spec->n_argv * sizeof *argv);
	int rc = container_seccomp_load(spec->container_seccomp);
	if (rc < 0)
		die_errno(-rc, "sandbox: loading the container's seccomp profile (linux.seccomp)");
	int err = sentry_exec_program(argv);
	warnx_rl("cannot run %s: %s", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

static int write_map(int procfd, pid_t pid, const char *file, const char *map)
{
	char path[64];
	snprintf(path, sizeof path, "%d/%s", (int)pid, file);
	int fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, map, strlen(map));
	int err = errno;
	close(fd);
	return n == (ssize_t)strlen(map) ? 0 : -err;
}

/* --network=host, OCI's network namespace: shared (sentry/net.c) */
/* (the pid namespace: the spawner unshares it, so that it stays outside) */
#define APP_SPAWNER_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | \
				 CLONE_NEWUTS | (net_own_namespace() ? CLONE_NEWNET : 0) | SIGCHLD)

/*
 * ptrace platform: the application's first task is not the sentry's child
 * but this helper's.  Any wait by any sentry thread would otherwise also
 * collect the ptrace stops of a child that the sentry's tracer thread traces
 * (the kernel treats a tracee whose tracer is in its real parent's thread
 * group as the parent's to wait for), and the tracer's wait would reap the
 * first task's exit before the serve loop saw it.  The helper waits for the
 * first task, exits with its status (128+signal when killed, what the serve
 * loop reports anyway) and forwards the signals the serve loop sends it.
 * It dies with the sentry (pid namespace), and the first task with it
 * (PDEATHSIG).  Never returns.
 */
static void app_parent(int pid_fd, int sync0, int sock, int start_fd, const RunscLite__SandboxSpec *spec)
{
	sigset_t old, wait_for;
	sigemptyset(&wait_for);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&wait_for, forwarded[i]);
	sigprocmask(SIG_BLOCK, &wait_for, &old);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the sentry meets this helper as the first task's parent, and the
	 * task's fs context is a copy of the helper's: the same umask */
	if (spec->umask & 0x80000000u)
		umask((mode_t)spec->umask & 0777);
	/* the spawner is this helper's child, and so (CLONE_PARENT) is the
	 * first task, whose pid the spawner writes to `first` */
	int first[2];
	if (pipe2(first, O_CLOEXEC) < 0)
		_exit(125);
	pid_t spawner = (pid_t)syscall(SYS_clone, APP_SPAWNER_CLONE_FLAGS, NULL, NULL, NULL, 0);
	if (spawner == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(pid_fd);
		close(first[0]);
		app_init(sync0, sock, start_fd, first[1], spec);
	}
	if (spawner < 0 || write(pid_fd, &spawner, sizeof spawner) != sizeof spawner)
		_exit(125);
	close(first[1]);
	/* nothing of the sentry's stays open here, and no capability: waiting
	 * and signalling a task of its own uid needs none */
	pid_t pid;
	if (read(first[0], &pid, sizeof pid) != sizeof pid || pid <= 0)
		_exit(125);   /* the spawner failed: the sentry says why */
	syscall(SYS_close_range, 3, ~0U, 0);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		cap_drop_bound(c);
	cap_t none = cap_init();
	if (!none || cap_set_proc(none) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(125);
	cap_free(none);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&wait_for, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			kill(pid, si.si_signo);
			continue;
		}
		int ws;
		pid_t p;
		/* (the spawner too is reaped here, should it die) */
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
			if (p == pid)
				_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
}

/* Starts the application's first task.  Returns the pid the serve loop
 * waits for and signals (the task, or under ptrace its helper parent). */
/* --network=user: the application's network and user namespaces go to
 * the CLI, which starts slirp4netns on them and answers 'r' once it serves
 * them: the application starts with its network up. */
static int hand_over_network(int procfd, pid_t pid, int net_fd)
{
	char path[64];
	int ns[2];
	snprintf(path, sizeof path, "%d/ns/net", (int)pid);
	ns[0] = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "%d/ns/user", (int)pid);
	ns[1] = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	int rc = ns[0] < 0 || ns[1] < 0 ? -errno : 0;
	if (rc == 0) {
		char tag = 'n', ok = 0;
		struct iovec iov = { &tag, 1 };
		union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof ns)]; } u;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = u.buf, .msg_controllen = sizeof u.buf };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof ns);
		memcpy(CMSG_DATA(cm), ns, sizeof ns);
		if (sendmsg(net_fd, &msg, MSG_NOSIGNAL) != 1 || read(net_fd, &ok, 1) != 1 || ok != 'r')
			rc = -ENETDOWN;
	}
	if (ns[0] >= 0)
		close(ns[0]);
	if (ns[1] >= 0)
		close(ns[1]);
	return rc;
}


/* OCI process.rlimits, set on the new task from here: raising a hard
 * limit needs CAP_SYS_RESOURCE of the initial user namespace, which the
 * task (in a user namespace of its own) could never have. */
static int set_rlimits(pid_t pid, const RunscLite__SandboxSpec *spec)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const RunscLite__Rlimit *r = spec->rlimits[i];
		struct rlimit rl = { (rlim_t)r->soft, (rlim_t)r->hard };
		if (prlimit(pid, (__rlimit_resource_t)r->resource, &rl, NULL) < 0) {
			int err = errno;
			warnx_rl("sentry: setting rlimit %d to %llu:%llu: %s", r->resource,
				 (unsigned long long)r->soft, (unsigned long long)r->hard, strerror(err));
			return -err;
		}
	}
	return 0;
}

static pid_t spawn_app(int procfd, const RunscLite__SandboxSpec *spec, struct platform *tracer,
		       int start_fd, int *listener, int net_fd, int *spawner_sock, pid_t *spawner)
{
	char why[160];
	appuser_decide_range(procfd, spec->id_range);
	if (appuser_check(spec->uid, spec->gid, spec->n_additional_gids, why, sizeof why) < 0) {
		warnx_rl("sentry: process.user: %s", why);
		return -EINVAL;
	}
	int sv[2], sync[2], pp[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(sync, O_CLOEXEC) < 0 ||
	    (tracer && pipe2(pp, O_CLOEXEC) < 0))
		return -errno;
	pid_t waited = -1, pid;   /* pid: the spawner's */
	if (tracer) {
		waited = fork();
		if (waited == 0) {
			close(sv[0]);
			close(sync[1]);
			close(pp[0]);
			app_parent(pp[1], sync[0], sv[1], start_fd, spec);
		}
		close(pp[1]);
		if (waited < 0 || read(pp[0], &pid, sizeof pid) != sizeof pid)
			pid = -1;
		close(pp[0]);
	} else {
		pid = (pid_t)syscall(SYS_clone, APP_SPAWNER_CLONE_FLAGS, NULL, NULL, NULL, 0);
		if (pid == 0) {
			close(sv[0]);
			close(sync[1]);
			app_init(sync[0], sv[1], start_fd, -1, spec);
		}
	}
	if ((tracer && waited < 0) || pid < 0)
		return tracer && waited < 0 ? -errno : -ECHILD;
	close(sv[1]);
	close(sync[0]);
	/* The application's uid 0 is the sentry's own uid: it gains nothing.
	 * As real root, every other id too, as the identity (appuser.c). */
	int rc = write_map(procfd, pid, "uid_map", appuser_uid_map());
	if (rc == 0)
		rc = write_map(procfd, pid, "gid_map", appuser_uid_map());
	if (rc == 0 && net_fd >= 0 && (rc = hand_over_network(procfd, pid, net_fd)) < 0)
		warnx_rl("sentry: --network=user: the network did not come up");
	/* Under memory pressure the kernel kills the sandbox's tasks first, not
	 * the host's (inherited by every task; raising it needs no privilege). */
	if (rc == 0)
		rc = write_map(procfd, pid, "oom_score_adj", "1000");
	if (rc == 0)
		rc = set_rlimits(pid, spec);
	/* traced before its filter exists: RET_TRACE without a tracer is ENOSYS;
	 * its children (the first task, exec's processes) are traced from
	 * their fork on */
	if (rc == 0 && tracer)
		rc = platform_ptrace_attach(tracer, pid);
	if (rc == 0 && write(sync[1], "g", 1) != 1)
		rc = -EIO;
	close(sync[1]);
	if (rc == 0 && tracer) {
		char ok;
		rc = read(sv[0], &ok, 1) == 1 ? 0 : -EIO;   /* its filter is in place */
	} else if (rc == 0) {
		*listener = take_listener(sv[0], pid);
		if (*listener < 0)
			rc = *listener;
	}
	/* the first task, forked by the spawner */
	pid_t first = -1;
	if (rc == 0 && (read(sv[0], &first, sizeof first) != sizeof first || first <= 0))
		rc = -EIO;
	if (rc < 0) {
		close(sv[0]);
		kill(pid, SIGKILL);
		if (first > 0)
			kill(first, SIGKILL);
		if (tracer)
			kill(waited, SIGKILL);
		waitpid(tracer ? waited : pid, NULL, 0);
		return rc;
	}
	*spawner_sock = sv[0];
	*spawner = pid;
	return tracer ? waited : first;
}

/* ---- confinement ------------------------------------------------------------------ */

static int confine_sentry(struct sentry *s)
{
	/* Reading the application's memory and fds needs CAP_SYS_PTRACE over
	 * its user namespace; nothing else is kept.  With an id range
	 * (sentry/appuser.c) the application's tasks may be of other uids,
	 * whose procfs files (environ, fd/, maps: 0400/0500, theirs) the
	 * sentry reads for /proc and FD identity: CAP_DAC_READ_SEARCH too,
	 * which reaches nothing new, as its policy opens only beneath its
	 * procfs of the sandbox's pid namespace and the staging directory. */
	cap_t caps = cap_init();
	cap_value_t keep[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	int nkeep = appuser_range() ? 2 : 1;
	cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET);
	cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_SYS_PTRACE && (nkeep == 1 || c != CAP_DAC_READ_SEARCH))
			cap_drop_bound(c);
	int rc = cap_set_proc(caps);
	cap_free(caps);
	if (rc < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	struct policy_binding bind[] = {
		{ "procfd", (uint64_t)s->procfd },
		{ "stagingfd", (uint64_t)s->stagingfd },
	};
	const char *bad;
	/* every thread: the ptrace platform's tracer thread exists already */
	rc = policy_install_flags(&policy_sentry, bind, 2, NULL, &bad, POLICY_ALL_THREADS);
	if (rc < 0)
		warnx_rl("sentry: seccomp policy: %s", bad ? bad : "load");
	return rc;
}

static void trace_9p(void *arg, const char *line)
{
	debugf("9p %s", line);
}

int sentry_main(const struct sentry_args *a)
{
	RunscLite__SandboxSpec *spec =
		runsc_lite__sandbox_spec__unpack(NULL, a->spec_len, a->spec);
	if (!spec || spec->n_argv == 0 || !spec->cwd || spec->cwd[0] != '/')
		return fail("invalid sandbox spec", EINVAL);
	if (getpid() != 1)
		return fail("must run as pid 1 of its own pid namespace", EINVAL);
	int nrc = net_init(spec);
	if (nrc < 0)
		return fail("invalid network in the sandbox spec", -nrc);
	app_filter_start(spec);
	/* OCI: the engine's network namespace, entered now, while the sentry
	 * still may (the first task is made from this thread, and shares it) */
	int net_fd = a->net_fd;
	if (spec->network && strcmp(spec->network, "join") == 0) {
		if ((nrc = net_join_namespace(net_fd)) < 0)
			return fail("joining the container's network namespace", -nrc);
		close(net_fd);
		net_fd = -1;
	}
	if (a->error_log_fd >= 0)
		log_set_error_log(a->error_log_fd, spec->error_log_json);
	if (spec->gate && a->ready_fd >= 0)
		log_set_report_fd(a->ready_fd);   /* why create failed, if it does */

	/* static: the worker threads use it until the process exits, after
	 * this function has returned (sentry_serve leaves them where they are) */
	static struct sentry s = { .procfd = -1, .stagingfd = -1, .devfd = -1 };
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("making mounts private", errno);
	const char *staging = mount_staging();
	if (!staging)
		return fail("mounting the staging tmpfs", errno);
	s.procfd = open_procfs();
	if (s.procfd < 0)
		return fail("mounting procfs", -s.procfd);
	platform_set_procfs(s.procfd);   /* application memory through /proc/TID/mem */
	s.stagingfd = open(staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s.stagingfd < 0)
		return fail("opening the staging tmpfs", errno);
	int rc = exec_stage_init(&s, a->loader, a->loader_len);
	if (rc < 0)
		return fail("installing the exec loader", -rc);
	/* the host devices /dev may open, while the host's /dev is in view */
	s.devfd = devfs_prepare_host(staging);
	if (s.devfd < 0)
		return fail("preparing /dev", -s.devfd);
	if (spec->terminal) {
		if (!spec->gate || a->ready_fd < 0)
			return fail("a terminal without OCI create", EINVAL);
		int master = open_pty(s.devfd, &app_tty);
		if (master < 0)
			return fail("opening a pty of the sandbox's devpts", -master);
		rc = send_fd(a->ready_fd, master);   /* the caller's console socket gets it */
		close(master);
		if (rc < 0)
			return fail("passing the pty master", -rc);
	}

	struct p9_client *client;
	uint32_t root_fid;
	struct p9_qid root_qid;
	rc = p9_client_open(&client, a->gofer_sock, P9_MSIZE, "/", &root_fid, &root_qid);
	if (rc < 0)
		return fail("connecting to the gofer", -rc);
	if (log_enabled())
		p9_client_set_trace(client, trace_9p, NULL);
	if (!p9_client_has_fd_donation(client))
		return fail("the gofer does not donate host FDs", EPROTO);
	s.gofer = client;
	rc = build_vfs(&s, client, root_fid, spec, s.procfd, s.stagingfd, s.devfd);
	if (rc < 0)
		return fail("building the VFS", -rc);
	if (spec->gate && check_program(spec) < 0)
		return 125;   /* said why */
	struct vfs_path root = vfs_root();
	s.init_fs = fs_context_new(root, root,
				   spec->umask & 0x80000000u ? (mode_t)spec->umask & 0777 : 022);
	s.epfd = epoll_create1(EPOLL_CLOEXEC);

	/* From here the sentry sees no host file: its root is the staging tmpfs. */
	rc = pivot_into(staging);
	if (rc < 0)
		return fail("pivot_root into the staging tmpfs", -rc);
	int listener = -1;
	bool use_ptrace = spec->platform && strcmp(spec->platform, "ptrace") == 0;
	if (use_ptrace) {
		rc = platform_ptrace_open(&s.plat);
		if (rc < 0)
			return fail("ptrace platform", -rc);
	}
	preserved_fd = a->preserved_fd;
	int start_fd = spec->gate ? a->start_fd : -1;
	if (spec->gate && (a->start_fd < 0 || a->ready_fd < 0))
		return fail("OCI create without its start and ready fds", EBADF);
	int spawner_sock = -1;
	pid_t spawner = -1;
	app_filter_wait();
	pid_t init_pid = spawn_app(s.procfd, spec, use_ptrace ? s.plat : NULL, start_fd, &listener,
				   net_fd, &spawner_sock, &spawner);
	/* exact fork tracking from here (see PLATFORM_TASK_CREATED): not for
	 * the spawner's fork of the first task, which nobody serves yet (the
	 * first task makes no fork before its first trapped syscall) */
	if (use_ptrace)
		platform_set_task_events(s.plat, true);
	if (net_fd >= 0)
		close(net_fd);
	if (start_fd >= 0)
		close(start_fd);   /* the first task holds it until it is started */
	if (app_tty >= 0) {
		close(app_tty);    /* the first task's stdio now */
		app_tty = -1;
	}
	if (init_pid < 0)
		return fail("starting the application", -init_pid);
	/* the program has them now; the sentry keeps no host fd it does not use */
	for (uint32_t i = 0; preserved_fd > 0 && i < spec->preserve_fds && i < 1024; i++)
		close(preserved_fd + (int)i);
	if ((rc = mount_tmpfs_backing(spec, s.stagingfd)) < 0 ||
	    (rc = devfs_attach(s.devfd, s.stagingfd)) < 0) {
		kill(init_pid, SIGKILL);
		return fail("mounting the tmpfs backing store and the device tree", -rc);
	}
	tmpfs_mirror_all();   /* what directory watches watch (sentry/tmpfs.c) */
	/* (the memory layer exists from here; the first task's syscalls are
	 * not served yet, so it never sees the file missing) */
	if ((rc = write_start_files(spec)) < 0) {
		kill(init_pid, SIGKILL);
		return fail("writing the files the sandbox starts with", -rc);
	}
	if (!use_ptrace && (rc = platform_seccomp_open_sync(&s.plat, listener, !spec->no_sync_wakeup)) < 0)
		return fail("seccomp platform", -rc);
	debugf("application started: pid %d, platform %s, sync wake-up %s", (int)init_pid,
	       use_ptrace ? "ptrace" : "seccomp", platform_sync_wakeup(s.plat) ? "on" : "off");
	/* --trace/--strace: the writer thread starts after the application's
	 * first task was cloned (a clone while another thread may hold the
	 * allocator's lock would leave the child stuck on it) and before the
	 * sentry's policy (TSYNC covers it then) */
	if ((rc = trace_setup(&s, spec, a->trace_fd, a->strace_fd)) < 0) {
		kill(init_pid, SIGKILL);
		return fail("starting the trace writer", -rc);
	}
	rc = confine_sentry(&s);
	if (rc < 0) {
		kill(init_pid, SIGKILL);
		return fail("confining the sentry", -rc);
	}
	/* exec (OCI): the control socket the CLI bound at create, listening
	 * from here (before "created", so an exec right after create finds
	 * it); without one the spawner has nothing to do and ends */
	if (a->control_fd >= 0) {
		if ((rc = control_init(&s, a->control_fd, spawner_sock)) < 0) {
			kill(init_pid, SIGKILL);
			return fail("the control channel", -rc);
		}
	} else {
		/* it exits on EOF; reaped here (under seccomp it is our child),
		 * so that the sandbox's tree is exactly what it was without it */
		close(spawner_sock);
		if (!use_ptrace)
			waitpid(spawner, NULL, 0);
	}
	if (spec->gate) {
		/* "created": whoever runs `create` may return now, and `kill` may
		 * follow at once: the signals sentry_serve() forwards are blocked
		 * from here (pending ones reach its signalfd), else pid 1 would
		 * drop them */
		sigset_t fwd;
		sigemptyset(&fwd);
		int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			sigaddset(&fwd, sigs[i]);
		sigprocmask(SIG_BLOCK, &fwd, NULL);
		log_set_report_fd(-1);
		if (write(a->ready_fd, "R", 1) != 1) {
			kill(init_pid, SIGKILL);
			return fail("reporting the sandbox ready", errno);
		}
		close(a->ready_fd);
	}
	int status = sentry_serve(&s, init_pid);
	trace_finish(status);
	return status;
}
