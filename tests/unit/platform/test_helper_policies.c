/*
 * The helpers' own confinement, loaded for real: configs/sentry.policy and
 * configs/gofer.policy in a forked child, then the calls a compromised
 * sentry or gofer would make to leave its box.  (What each helper's root
 * and capabilities are is checked on a running sandbox by
 * tests/integration/test_boundaries.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each check runs in its own child under the policy: "ok", an errno name,
 * or "killed". */
typedef long (*call_fn)(int procfd, int stagingfd);

static const char *run_confined(const struct policy *p, call_fn fn)
{
	static char result[64];
	int pfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int sfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int pipefd[2];
	assert_true(pfd >= 0 && sfd >= 0 && pipe(pipefd) == 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct policy_binding bind[] = { { "procfd", (uint64_t)pfd }, { "stagingfd", (uint64_t)sfd } };
		const char *bad = NULL;
		close(pipefd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    policy_install_flags(p, bind, 2, NULL, &bad, 0) < 0)
			_exit(99);
		long rc = fn(pfd, sfd);
		int e = rc < 0 ? errno : 0;
		if (write(pipefd[1], &e, sizeof e) != sizeof e)
			_exit(98);
		_exit(0);
	}
	close(pipefd[1]);
	int e = -1, ws;
	ssize_t n = read(pipefd[0], &e, sizeof e);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	close(pfd);
	close(sfd);
	if (WIFSIGNALED(ws))
		return "killed";
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
	assert_int_equal(n, (ssize_t)sizeof e);
	snprintf(result, sizeof result, "%s", e ? strerrorname_np(e) : "ok");
	return result;
}

static long open_host_file(int p, int s) { return open("/etc/passwd", O_RDONLY); }
static long openat_host_file(int p, int s) { return openat(AT_FDCWD, "/etc/passwd", O_RDONLY); }
static long openat2_host_file(int p, int s)
{
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0 };
	return syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how);
}
static long openat_proc_write(int p, int s) { return openat(p, "self/status", O_WRONLY); }
static long openat_proc_read(int p, int s) { return openat(p, "self/status", O_RDONLY); }
static long socket_inet(int p, int s) { return socket(AF_INET, SOCK_STREAM, 0); }
static long socket_unix(int p, int s) { return socket(AF_UNIX, SOCK_STREAM, 0); }
static long socketpair_inet(int p, int s) { int v[2]; return socketpair(AF_INET, SOCK_STREAM, 0, v); }
static long socketpair_unix(int p, int s) { int v[2]; return socketpair(AF_UNIX, SOCK_STREAM, 0, v); }
static long unshare_user(int p, int s) { return unshare(CLONE_NEWUSER); }
static long clone_newuser(int p, int s)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid;
}
static long mkdir_host(int p, int s) { return mkdirat(AT_FDCWD, "/tmp/rl-policy-test", 0755); }
static long execve_sh(int p, int s)
{
	char *argv[] = { "/bin/true", NULL };
	return execve("/bin/true", argv, NULL);
}
static long bpf_call(int p, int s) { return syscall(SYS_bpf, 0, NULL, 0); }
static long io_uring(int p, int s) { return syscall(SYS_io_uring_setup, 1, NULL); }
static long fork_call(int p, int s) { return syscall(SYS_fork); }
static long ptrace_call(int p, int s) { return syscall(SYS_ptrace, 0 /* TRACEME */, 0, 0, 0); }

static long uname_call(int p, int s) { struct utsname u; return uname(&u); }
static long setuid_call(int p, int s) { return syscall(SYS_setuid, 0); }
static long personality_call(int p, int s) { return syscall(SYS_personality, 0xffffffff); }
static long utimensat_host(int p, int s) { return utimensat(AT_FDCWD, "/tmp", NULL, 0); }
static long futimens_own_fd(int p, int s)
{
	int fd = openat(p, "self/status", O_RDONLY);
	/* (procfs refuses times, but the call reaches the kernel) */
	return fd < 0 ? -1 : (futimens(fd, NULL) < 0 && errno == ENOSYS) ? -1 : 0;
}
static long readlinkat_host(int p, int s) { char b[64]; return readlinkat(AT_FDCWD, "/proc/self/exe", b, sizeof b); }
static long readlinkat_proc(int p, int s) { char b[64]; return readlinkat(p, "self/exe", b, sizeof b); }
static long mknodat_host(int p, int s) { return mknodat(AT_FDCWD, "/tmp/rl-policy-fifo", S_IFIFO | 0600, 0); }
static long clone_plain(int p, int s)
{
	long pid = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid < 0 ? pid : waitpid((pid_t)pid, NULL, 0);
}
static long clone_newnet(int p, int s)
{
	long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid;
}

/* The sentry's policy is an allowlist: a call it never makes is ENOSYS;
 * the calls it makes are allowed only in the form it makes them. */
static void sentry_policy_is_an_allowlist(void **state)
{
	assert_string_equal(run_confined(&policy_sentry, uname_call), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, setuid_call), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, personality_call), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, utimensat_host), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, readlinkat_host), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, mknodat_host), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, clone_newnet), "EPERM");
	assert_string_equal(run_confined(&policy_sentry, futimens_own_fd), "ok");
	assert_string_equal(run_confined(&policy_sentry, readlinkat_proc), "ok");
	assert_string_equal(run_confined(&policy_sentry, clone_plain), "ok");
}

static void sentry_cannot_open_host_files(void **state)
{
	assert_string_equal(run_confined(&policy_sentry, open_host_file), "EACCES");
	assert_string_equal(run_confined(&policy_sentry, openat_host_file), "EACCES");
	assert_string_equal(run_confined(&policy_sentry, openat2_host_file), "EACCES");
	assert_string_equal(run_confined(&policy_sentry, openat_proc_write), "EACCES");
	assert_string_equal(run_confined(&policy_sentry, mkdir_host), "EACCES");
	/* what it does need still works: reading beneath its procfs */
	assert_string_equal(run_confined(&policy_sentry, openat_proc_read), "ok");
}

static void sentry_has_no_network_nor_namespaces(void **state)
{
	assert_string_equal(run_confined(&policy_sentry, socket_inet), "EAFNOSUPPORT");
	assert_string_equal(run_confined(&policy_sentry, socket_unix), "EAFNOSUPPORT");
	assert_string_equal(run_confined(&policy_sentry, socketpair_inet), "EAFNOSUPPORT");
	assert_string_equal(run_confined(&policy_sentry, socketpair_unix), "ok");
	assert_string_equal(run_confined(&policy_sentry, unshare_user), "EPERM");
	assert_string_equal(run_confined(&policy_sentry, clone_newuser), "EPERM");
	assert_string_equal(run_confined(&policy_sentry, bpf_call), "EPERM");
	assert_string_equal(run_confined(&policy_sentry, io_uring), "ENOSYS");
	assert_string_equal(run_confined(&policy_sentry, execve_sh), "killed");
}

static void gofer_cannot_leave_its_box(void **state)
{
	assert_string_equal(run_confined(&policy_gofer, socket_inet), "ENOSYS");
	assert_string_equal(run_confined(&policy_gofer, unshare_user), "killed");
	assert_string_equal(run_confined(&policy_gofer, execve_sh), "killed");
	assert_string_equal(run_confined(&policy_gofer, fork_call), "killed");
	assert_string_equal(run_confined(&policy_gofer, ptrace_call), "killed");
	assert_string_equal(run_confined(&policy_gofer, bpf_call), "killed");
	assert_string_equal(run_confined(&policy_gofer, io_uring), "ENOSYS");
	assert_string_equal(run_confined(&policy_gofer, open_host_file), "ENOSYS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sentry_cannot_open_host_files),
		cmocka_unit_test(sentry_has_no_network_nor_namespaces),
		cmocka_unit_test(sentry_policy_is_an_allowlist),
		cmocka_unit_test(gofer_cannot_leave_its_box),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
