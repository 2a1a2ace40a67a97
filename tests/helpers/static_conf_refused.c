/* Conformance probe: calls the sandbox refuses (file handles, fanotify,
 * the mount table).  The sandboxed program is uid 0 without capabilities
 * in user namespaces of its own, so the native reference is the same: when
 * started with capabilities, the probe moves itself into a new user
 * namespace (uid 0 mapped to 0) and drops every capability first.
 * (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it.) */
#include "conf.h"

#include <sched.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/swap.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void unprivileged(void)
{
	if (!have_caps())
		return;   /* in the sandbox: already */
	if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1") < 0 || write_file("/proc/self/gid_map", "0 0 1") < 0 ||
	    drop_caps() < 0) {
		perror("becoming uid 0 without capabilities in a user namespace");
		exit(2);
	}
}

static void g_refused(void)
{
	group("refused.calls");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	struct {
		struct file_handle h;
		unsigned char bytes[128];
	} fh;
	int mount_id;
	fh.h.handle_bytes = sizeof fh.bytes;
	R("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "f", &fh.h, &mount_id, 0));
	fh.h.handle_bytes = 0;
	R("name_to_handle_at-size-query", syscall(SYS_name_to_handle_at, AT_FDCWD, "f", &fh.h, &mount_id, 0));
	memset(&fh, 0, sizeof fh);
	fh.h.handle_bytes = 8;
	R("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh.h, O_RDONLY));
	R("fanotify_init-notif", fanotify_init(FAN_CLASS_NOTIF, O_RDONLY));
	R("fanotify_init-content", fanotify_init(FAN_CLASS_CONTENT, O_RDONLY));
	R("fanotify_init-report-fid", fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY));
	R("mount-tmpfs", mount("none", "d", "tmpfs", 0, NULL));
	R("mount-bind", mount("f", "d", NULL, MS_BIND, NULL));
	R("mount-remount-root", mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL));
	R("umount2", umount2("d", 0));
	R("umount2-detach-root", umount2("/", MNT_DETACH));
	R("umount2-bad-flag", umount2("d", 0x80000000));
	R("pivot_root", syscall(SYS_pivot_root, ".", "d"));
	R("pivot_root-same", syscall(SYS_pivot_root, ".", "."));
	R("chroot", chroot("d"));
	R("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
	R("open_tree-clone", syscall(SYS_open_tree, AT_FDCWD, "d", OPEN_TREE_CLONE));
	R("swapon", swapon("f", 0));
	R("acct", acct("f"));
}

int main(void)
{
	unprivileged();
	static void (*const groups[])(void) = { g_refused, NULL };
	return conf_main(groups);
}
