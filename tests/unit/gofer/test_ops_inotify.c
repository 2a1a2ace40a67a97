/*
 * gofer Tinotify (PROTOCOL.md 5f).  A REAL gofer process (fork +
 * gofer_serve) over a temporary tree, this test as the 9P client:
 *   - a watch added through a fid is the one a native inotify_add_watch of
 *     the same object gives (same instance, same wd) and its events arrive;
 *   - a symlink's fid is watched as the link, never its target;
 *   - an FD that is no inotify instance is refused, and every FD a request
 *     brings is closed, whatever the request (a hostile sentry);
 *   - the gofer's cwd is back where it was afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

#include "tests/unit/gofer/ops_harness.h"

/* The next event queued on the non-blocking instance in (name: "" when
 * it has none); false when nothing is queued. */
static bool next_event(int in, int *wd, uint32_t *mask, char *name, size_t cap)
{
	char buf[sizeof(struct inotify_event) + 256]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(in, buf, sizeof(buf));

	if (n < (ssize_t)sizeof(struct inotify_event))
		return false;
	const struct inotify_event *e = (const void *)buf;
	*wd = e->wd;
	*mask = e->mask;
	snprintf(name, cap, "%s", e->len ? e->name : "");
	return true;
}

static void gofer_cwd(pid_t pid, char *out, size_t cap)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/cwd", (int)pid);
	n = readlink(p, out, cap - 1);
	assert_true(n > 0);
	out[n] = 0;
}

static void test_watch_is_the_native_one(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	char p[256], name[256], cwd_before[256], cwd_after[256];
	uint32_t mask;
	int wd, fd;

	assert_true(in >= 0);
	gofer_cwd(g.pid, cwd_before, sizeof(cwd_before));

	/* a directory: its events carry names */
	uint32_t dfid = walk1(c, rootfid, "subdir");
	int dwd = p9_inotify_add_watch(c, dfid, IN_CREATE | IN_DELETE, in);
	assert_true(dwd > 0);
	path_in(p, sizeof(p), root, "subdir");
	assert_int_equal(inotify_add_watch(in, p, IN_CREATE | IN_MASK_ADD), dwd);
	write_file("subdir/new", "x");
	assert_true(next_event(in, &wd, &mask, name, sizeof(name)));
	assert_int_equal(wd, dwd);
	assert_int_equal(mask, IN_CREATE);
	assert_string_equal(name, "new");

	/* a regular file, by its name in its parent */
	uint32_t ffid = walk1(c, rootfid, "file.txt");
	int fwd = p9_inotify_add_watch(c, ffid, IN_MODIFY, in);
	assert_true(fwd > 0 && fwd != dwd);
	path_in(p, sizeof(p), root, "file.txt");
	assert_int_equal(inotify_add_watch(in, p, IN_MODIFY | IN_MASK_ADD), fwd);
	fd = open(p, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "y", 1), 1);
	close(fd);
	assert_true(next_event(in, &wd, &mask, name, sizeof(name)));
	assert_int_equal(wd, fwd);
	assert_int_equal(mask, IN_MODIFY);
	assert_false(next_event(in, &wd, &mask, name, sizeof(name)));

	/* the host's own answers: IN_MASK_CREATE on a watched file */
	assert_int_equal(p9_inotify_add_watch(c, ffid, IN_MODIFY | IN_MASK_CREATE, in), -EEXIST);

	/* the mount root: "." of its own fd */
	int rwd = p9_inotify_add_watch(c, rootfid, IN_DELETE, in);
	assert_true(rwd > 0);
	assert_int_equal(inotify_add_watch(in, root, IN_DELETE | IN_MASK_ADD), rwd);

	gofer_cwd(g.pid, cwd_after, sizeof(cwd_after));
	assert_string_equal(cwd_before, cwd_after);
	close(in);
	stop(&g, c);
}

static void test_symlink_is_watched_as_the_link(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	char p[256], t[256];

	path_in(p, sizeof(p), root, "lnk");
	path_in(t, sizeof(t), root, "file.txt");
	unlink(p);
	assert_int_equal(symlink("file.txt", p), 0);
	uint32_t lfid = walk1(c, rootfid, "lnk");
	int lwd = p9_inotify_add_watch(c, lfid, IN_ATTRIB, in);
	assert_true(lwd > 0);
	assert_int_equal(inotify_add_watch(in, p, IN_ATTRIB | IN_DONT_FOLLOW | IN_MASK_ADD), lwd);
	int twd = inotify_add_watch(in, t, IN_ATTRIB);
	assert_true(twd > 0 && twd != lwd);
	close(in);
	unlink(p);
	stop(&g, c);
}

/* Anything but an inotify instance is refused, and the gofer keeps none of
 * the FDs it was sent. */
static void test_refuses_other_fds(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	uint32_t ffid = walk1(c, rootfid, "file.txt");
	int pp[2], ev = eventfd(0, EFD_CLOEXEC), dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char p[256];

	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	path_in(p, sizeof(p), root, "file.txt");
	int file = open(p, O_RDONLY | O_CLOEXEC);
	int before = count_fds(g.pid);
	assert_int_equal(p9_inotify_add_watch(c, ffid, IN_MODIFY, pp[0]), -EINVAL);
	assert_int_equal(p9_inotify_add_watch(c, ffid, IN_MODIFY, dir), -EINVAL);
	assert_int_equal(p9_inotify_add_watch(c, ffid, IN_MODIFY, file), -EINVAL);
	/* an anonymous inode the kernel itself refuses */
	assert_int_equal(p9_inotify_add_watch(c, ffid, IN_MODIFY, ev), -EINVAL);
	/* an instance, but an unknown fid or a bad mask */
	int in = inotify_init1(IN_CLOEXEC);
	assert_int_equal(p9_inotify_add_watch(c, 4242, IN_MODIFY, in), -EBADF);
	assert_int_equal(p9_inotify_add_watch(c, ffid, 0, in), -EINVAL);
	assert_int_equal(count_fds(g.pid), before);
	close(in);
	close(file);
	close(ev);
	close(dir);
	close(pp[0]);
	close(pp[1]);
	stop(&g, c);
}

/* Sends a Tinotify with nfds copies of fd; returns the reply's errno (0:
 * an Rinotify). */
static int raw_tinotify(int sock, uint32_t fid, int fd, int nfds)
{
	struct p9_fcall t = { .type = P9_TINOTIFY, .tag = 9 }, r;
	uint8_t buf[256];
	union { struct cmsghdr h; char b[CMSG_SPACE(3 * sizeof(int))]; } ctl;
	int fds[3] = { fd, fd, fd };

	t.u.tinotify.fid = fid;
	t.u.tinotify.mask = IN_MODIFY;
	int n = p9_pack(buf, sizeof(buf), &t);
	struct iovec iov = { buf, (size_t)n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), n);
	n = (int)recv(sock, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_int_equal(p9_unpack(buf, (size_t)n, &r), 0);
	if (r.type == P9_RLERROR)
		return (int)r.u.rlerror.ecode;
	assert_int_equal(r.type, P9_RINOTIFY);
	assert_true(r.u.rinotify.wd > 0);
	return 0;
}

static void test_raw_fd_rules(void **state)
{
	struct gofer_proc g = start_gofer(0);
	int in = inotify_init1(IN_CLOEXEC);

	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 1, "root"), 0);
	int before = count_fds(g.pid);
	assert_int_equal(raw_tinotify(g.sock, 1, -1, 0), EBADF);     /* no instance */
	assert_int_equal(raw_tinotify(g.sock, 1, in, 2), EBADF);     /* two: none kept */
	assert_int_equal(raw_tinotify(g.sock, 1, in, 3), EBADF);
	assert_int_equal(raw_tinotify(g.sock, 77, in, 1), EBADF);    /* unknown fid */
	assert_int_equal(raw_tinotify(g.sock, 1, in, 1), 0);
	assert_int_equal(count_fds(g.pid), before);
	close(in);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

/* FDs that come with any other request are closed too. */
static void test_fd_on_other_request_closed(void **state)
{
	struct gofer_proc g = start_gofer(0);
	int in = inotify_init1(IN_CLOEXEC);
	struct p9_fcall t = { .type = P9_TGETATTR, .tag = 4 }, r;
	uint8_t buf[512];

	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 1, "root"), 0);
	int before = count_fds(g.pid);
	t.u.tgetattr.fid = 1;
	t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	int n = p9_pack(buf, sizeof(buf), &t);
	struct iovec iov = { buf, (size_t)n };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			     .msg_controllen = sizeof(ctl.b) };
	memset(&ctl, 0, sizeof(ctl));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &in, sizeof(int));
	assert_int_equal(sendmsg(g.sock, &mh, MSG_NOSIGNAL), n);
	n = (int)recv(g.sock, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_int_equal(p9_unpack(buf, (size_t)n, &r), 0);
	assert_int_equal(r.type, P9_RGETATTR);
	assert_int_equal(count_fds(g.pid), before);
	close(in);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

static void test_without_extension(void **state)
{
	struct gofer_proc g = start_gofer(OPT_PLAIN);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int in = inotify_init1(IN_CLOEXEC);

	assert_int_equal(p9_inotify_add_watch(c, rootfid, IN_CREATE, in), -EOPNOTSUPP);
	close(in);
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_is_the_native_one),
		cmocka_unit_test(test_symlink_is_watched_as_the_link),
		cmocka_unit_test(test_refuses_other_fds),
		cmocka_unit_test(test_raw_fd_rules),
		cmocka_unit_test(test_fd_on_other_request_closed),
		cmocka_unit_test(test_without_extension),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
