/*
 * gofer Tbind (PROTOCOL.md 5h).  A REAL gofer process over a temporary
 * tree, this test as the 9P client (and as the sandbox whose socket is
 * bound):
 *   - the socket is bound to a host socket file of the directory the fid
 *     names, with the mode asked for, and a host client reaches it;
 *   - a name that exists is EADDRINUSE, a read-only mount EROFS, a bad
 *     name EINVAL, an FD that is no unix socket refused;
 *   - the gofer's cwd is back where it was, and no FD of the request stays;
 *   - without the extension: EOPNOTSUPP.
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

#include "tests/unit/gofer/ops_harness.h"

static void test_bind_makes_a_host_socket(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char cwd_before[256], cwd_after[256], link[64];
	struct p9_qid qid;
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)g.pid);
	n = readlink(link, cwd_before, sizeof(cwd_before) - 1);
	assert_true(n > 0);
	cwd_before[n] = 0;
	int before = count_fds(g.pid);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	uint32_t dfid = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_bind(c, dfid, "srv.sock", 0750, (uint32_t)-1, (uint32_t)-1, s, &qid), 0);
	assert_int_equal(host_lstat("subdir/srv.sock", &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(qid.path, st.st_ino);
	assert_int_equal(listen(s, 1), 0);

	/* a host process connects to the host path */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	path_in(sa.sun_path, sizeof(sa.sun_path), root, "subdir/srv.sock");
	int h = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(h, (struct sockaddr *)&sa, sizeof(sa)), 0);
	int a = accept(s, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(write(h, "hi", 2), 2);
	char buf[4] = { 0 };
	assert_int_equal(read(a, buf, 2), 2);
	assert_string_equal(buf, "hi");
	close(a);
	close(h);

	/* the name is taken now; a socket bound already */
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(p9_bind(c, dfid, "srv.sock", 0755, (uint32_t)-1, (uint32_t)-1, s2, &qid),
			 -EADDRINUSE);
	assert_int_equal(p9_bind(c, dfid, "other.sock", 0755, (uint32_t)-1, (uint32_t)-1, s, &qid),
			 -EINVAL);
	assert_int_equal(host_lstat("subdir/other.sock", &st), -ENOENT);
	/* names the gofer never makes */
	assert_int_equal(p9_bind(c, dfid, "..", 0755, (uint32_t)-1, (uint32_t)-1, s2, &qid), -EINVAL);
	assert_int_equal(p9_bind(c, dfid, "a/b", 0755, (uint32_t)-1, (uint32_t)-1, s2, &qid), -EINVAL);
	/* not a unix socket, not a socket */
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(p9_bind(c, dfid, "t.sock", 0755, (uint32_t)-1, (uint32_t)-1, tcp, &qid), -EINVAL);
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(p9_bind(c, dfid, "f.sock", 0755, (uint32_t)-1, (uint32_t)-1, fd, &qid), -ENOTSOCK);
	/* a file fid is no directory */
	uint32_t ffid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_bind(c, ffid, "x.sock", 0755, (uint32_t)-1, (uint32_t)-1, s2, &qid), -ENOTDIR);
	close(fd);
	close(tcp);
	close(s2);
	close(s);

	n = readlink(link, cwd_after, sizeof(cwd_after) - 1);
	assert_true(n > 0);
	cwd_after[n] = 0;
	assert_string_equal(cwd_before, cwd_after);
	p9_clunk(c, dfid);
	p9_clunk(c, ffid);
	assert_int_equal(count_fds(g.pid), before);
	stop(&g, c);
}

static void test_read_only_mount(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "ro", &rootfid);
	struct p9_qid qid;
	struct stat st;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_int_equal(p9_bind(c, rootfid, "ro.sock", 0755, (uint32_t)-1, (uint32_t)-1, s, &qid), -EROFS);
	assert_int_equal(host_lstat("ro.sock", &st), -ENOENT);
	close(s);
	stop(&g, c);
}

static void test_without_extension(void **state)
{
	struct gofer_proc g = start_gofer(OPT_PLAIN);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_qid qid;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_int_equal(p9_bind(c, rootfid, "p.sock", 0755, (uint32_t)-1, (uint32_t)-1, s, &qid), -EOPNOTSUPP);
	close(s);
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_makes_a_host_socket),
		cmocka_unit_test(test_read_only_mount),
		cmocka_unit_test(test_without_extension),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
