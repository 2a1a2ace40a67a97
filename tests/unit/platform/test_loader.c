/*
 * The exec loader, run for real.  The test plays a miniature sentry: the
 * child installs a seccomp filter that sends openat to us, then execs the
 * loader; we answer the loader's plan request by installing the program (and
 * its interpreter) FDs in the child and writing the plan into its memory,
 * and let every other openat (ld.so opening libc) continue natively.
 *
 * The loader binary comes from $RL_LOADER (the test runner points it at
 * build/rl-loader); without it every case is skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/loader/loader_abi.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define CASE_TIMEOUT_MS 10000
#define OUTPUT_MAX      8192

#define BUSYBOX "/bin/busybox"
#define ECHO    "/bin/echo"
#define ENV     "/usr/bin/env"

enum plan_mode {
	PLAN_NORMAL,
	PLAN_REFUSE,            /* answer the request with -EBADF */
	PLAN_BAD_MAGIC,
};

struct exec_case {
	const char *prog;               /* host path of the program, or NULL: prog_fd */
	int prog_fd;                    /* e.g. a memfd with garbage */
	int no_interp;                  /* do not pass the PT_INTERP even if present */
	char *const *argv;              /* what the application passed to execve */
	char *const *envp;              /* NULL: a small default environment */
	uint32_t argv_drop;
	const char *const *prefix;      /* NULL-terminated, may be NULL */
	uint32_t force_nprefix;         /* nonzero: lie about nprefix */
	enum plan_mode mode;
};

struct exec_result {
	int status;
	int timed_out;
	int plan_requests;
	char out[OUTPUT_MAX + 1];
	size_t out_len;
	char err[OUTPUT_MAX + 1];
	size_t err_len;
};

/* auxv_probe built from tests/helpers in four flavours */
enum probe_kind { PROBE_PIE, PROBE_NOPIE, PROBE_STATIC_PIE, PROBE_STATIC, NPROBES };

struct suite {
	const char *loader;
	char tmpdir[64];
	char probe[NPROBES][128];       /* empty when it could not be built */
};

static struct suite suite;

/* ---- small utilities -------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf,
	};
	memset(&ctl, 0, sizeof ctl);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Bounded wait: a child stuck before sending must not hang the test. */
static int recv_fd(int sock, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;

	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf,
	};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static int pread_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* The sentry resolves PT_INTERP itself; so does this miniature one. */
static int read_pt_interp(int fd, char *path, size_t size)
{
	Elf64_Ehdr eh;
	if (pread_exact(fd, &eh, sizeof eh, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread_exact(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)))
			return -ENOEXEC;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > size ||
		    pread_exact(fd, path, ph.p_filesz, (off_t)ph.p_offset) ||
		    path[ph.p_filesz - 1] != '\0')
			return -ENOEXEC;
		return 0;
	}
	return -ENOENT;
}

/* ---- the child: filter, hand over the listener, exec the loader -------- */

static __attribute__((noreturn)) void child_fail(const char *what)
{
	dprintf(2, "test child: %s: %s\n", what, strerror(errno));
	_exit(126);
}

static __attribute__((noreturn)) void child_exec(const struct exec_case *c, int sock,
						 int out, int err)
{
	static char *const default_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		child_fail("stdio");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		child_fail("PR_SET_NO_NEW_PRIVS");
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 0) ||
	    seccomp_load(ctx))
		child_fail("seccomp filter");
	/* from here on, any openat blocks until the parent has the listener */
	int listener = seccomp_notify_fd(ctx);
	if (listener < 0 || send_fd(sock, listener))
		child_fail("passing the listener");
	/* the program must see only stdio (the probe checks for leaked FDs) */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	execve(suite.loader, c->argv, c->envp ? c->envp : default_env);
	child_fail("execve of the loader");
}

/* ---- the parent: a miniature sentry ---------------------------------- */

static int install_fd(int listener, uint64_t id, int fd)
{
	struct seccomp_notif_addfd addfd = {
		.id = id, .flags = 0, .srcfd = (uint32_t)fd, .newfd = 0, .newfd_flags = O_CLOEXEC,
	};
	int ret = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	return ret < 0 ? -errno : ret;
}

static int fill_prefix(struct rl_exec_plan *plan, const struct exec_case *c)
{
	plan->argv_drop = c->argv_drop;
	for (size_t i = 0; c->prefix && c->prefix[i]; i++) {
		size_t len = strlen(c->prefix[i]) + 1;
		if (len > sizeof plan->strings - plan->strings_len)
			return -E2BIG;
		memcpy(plan->strings + plan->strings_len, c->prefix[i], len);
		plan->strings_len += (uint32_t)len;
		plan->nprefix++;
	}
	if (c->force_nprefix)
		plan->nprefix = c->force_nprefix;
	return 0;
}

/* Open the program (and interpreter) and install them; returns -errno. */
static int install_program(int listener, uint64_t id, const struct exec_case *c,
			   struct rl_exec_plan *plan)
{
	int fd = c->prog ? open(c->prog, O_RDONLY | O_CLOEXEC) : dup(c->prog_fd);
	if (fd < 0)
		return -errno;
	char interp[256];
	int interp_fd = -1;
	if (!c->no_interp && read_pt_interp(fd, interp, sizeof interp) == 0) {
		interp_fd = open(interp, O_RDONLY | O_CLOEXEC);
		if (interp_fd < 0) {
			close(fd);
			return -errno;
		}
	}
	plan->prog_fd = install_fd(listener, id, fd);
	plan->interp_fd = interp_fd >= 0 ? install_fd(listener, id, interp_fd) : -1;
	close(fd);
	if (interp_fd >= 0)
		close(interp_fd);
	if (plan->prog_fd < 0)
		return plan->prog_fd;
	return plan->interp_fd < -1 ? plan->interp_fd : 0;
}

static void answer_plan(int listener, const struct seccomp_notif *req,
			struct seccomp_notif_resp *resp, const struct exec_case *c)
{
	struct rl_exec_plan plan;

	if (c->mode == PLAN_REFUSE) {
		resp->error = -EBADF;
		return;
	}
	if (req->data.args[3] != sizeof plan) {
		resp->error = -EINVAL;
		return;
	}
	memset(&plan, 0, sizeof plan);
	plan.magic = c->mode == PLAN_BAD_MAGIC ? 0xdeadbeefu : RL_PLAN_MAGIC;
	plan.version = RL_PLAN_VERSION;
	int err = install_program(listener, req->id, c, &plan);
	if (!err)
		err = fill_prefix(&plan, c);
	if (err) {
		resp->error = err;
		return;
	}
	/* the pid must still be the one that asked before we write into it */
	if (seccomp_notify_id_valid(listener, req->id)) {
		resp->error = -ESRCH;
		return;
	}
	struct iovec local = { .iov_base = &plan, .iov_len = sizeof plan };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)req->data.args[1],
				.iov_len = sizeof plan };
	if (process_vm_writev((pid_t)req->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof plan)
		resp->error = -EFAULT;
}

static int is_plan_request(const struct seccomp_notif *req)
{
	return req->data.nr == __NR_openat && (int)req->data.args[0] == RL_LOADER_DIRFD &&
	       (int)req->data.args[2] == RL_LOADER_REQUEST;
}

static void handle_notification(int listener, const struct exec_case *c,
				struct exec_result *r)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	if (seccomp_notify_alloc(&req, &resp))
		return;
	/* fails when the task died meanwhile: nothing to answer */
	if (seccomp_notify_receive(listener, req) == 0) {
		resp->id = req->id;
		resp->val = 0;
		resp->error = 0;
		resp->flags = 0;
		if (is_plan_request(req)) {
			r->plan_requests++;
			answer_plan(listener, req, resp, c);
		} else {
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		seccomp_notify_respond(listener, resp);
	}
	seccomp_notify_free(req, resp);
}

/* Returns 0 at end of file (the fd is then closed and set to -1). */
static int drain(int *fd, char *buf, size_t *len)
{
	char chunk[1024];
	ssize_t n = read(*fd, chunk, sizeof chunk);

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	size_t room = OUTPUT_MAX - *len;
	size_t take = (size_t)n < room ? (size_t)n : room;
	memcpy(buf + *len, chunk, take);
	*len += take;
	buf[*len] = '\0';
	return 1;
}

/*
 * Serve notifications and collect output until the child is gone, all
 * within one deadline: a broken loader must fail the case, not hang it.
 */
static void supervise(pid_t pid, int listener, int out, int err,
		      const struct exec_case *c, struct exec_result *r)
{
	struct pollfd pfd[3] = {
		{ .fd = listener, .events = POLLIN },
		{ .fd = out, .events = POLLIN },
		{ .fd = err, .events = POLLIN },
	};
	long deadline = now_ms() + CASE_TIMEOUT_MS;

	for (;;) {
		if (pfd[1].fd < 0 && pfd[2].fd < 0 && waitpid(pid, &r->status, WNOHANG) == pid)
			break;
		long left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = 1;
			kill(pid, SIGKILL);
			waitpid(pid, &r->status, 0);
			break;
		}
		if (pfd[1].fd < 0 && pfd[2].fd < 0 && left > 20)
			left = 20;      /* only waiting for the exit status now */
		if (poll(pfd, 3, (int)left) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			handle_notification(listener, c, r);
		else if (pfd[0].revents)
			pfd[0].fd = -1;         /* no task uses the filter any more */
		if (pfd[1].revents)
			drain(&pfd[1].fd, r->out, &r->out_len);
		if (pfd[2].revents)
			drain(&pfd[2].fd, r->err, &r->err_len);
	}
	for (int i = 1; i < 3; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
}

static void run_case(const struct exec_case *c, struct exec_result *r)
{
	int sv[2], outp[2], errp[2];

	memset(r, 0, sizeof *r);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_exec(c, sv[1], outp[1], errp[1]);
	close(sv[1]);
	close(outp[1]);
	close(errp[1]);

	int listener = recv_fd(sv[0], CASE_TIMEOUT_MS);
	close(sv[0]);
	if (listener < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &r->status, 0);
		close(outp[0]);
		close(errp[0]);
		fail_msg("no seccomp listener from the child (%s)", strerror(-listener));
	}
	supervise(pid, listener, outp[0], errp[0], c, r);
	close(listener);
}

/* ---- checks ----------------------------------------------------------- */

static void show(const struct exec_result *r)
{
	print_message("  status 0x%x%s, plan requests %d\n  stdout: %s\n  stderr: %s\n",
		      r->status, r->timed_out ? " (timed out)" : "", r->plan_requests,
		      r->out, r->err);
}

static void expect_success(const struct exec_result *r, const char *expected_out)
{
	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0 ||
	    strcmp(r->out, expected_out) != 0 || r->plan_requests != 1) {
		print_message("  expected stdout: %s", expected_out);
		show(r);
		fail();
	}
}

/* The loader's contract for errors: exit 127, one line on stderr. */
static void expect_loader_error(const struct exec_result *r, const char *expected_err)
{
	const char *prefix = "runsc-lite loader: ";
	int one_line = r->err_len > 0 && r->err[r->err_len - 1] == '\n' &&
		       memchr(r->err, '\n', r->err_len) == r->err + r->err_len - 1;

	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 127 ||
	    r->out_len != 0 || !one_line || strncmp(r->err, prefix, strlen(prefix)) != 0 ||
	    (expected_err && !strstr(r->err, expected_err))) {
		print_message("  expected a loader error containing: %s\n",
			      expected_err ? expected_err : "(anything)");
		show(r);
		fail();
	}
}

static int need_loader(void)
{
	if (suite.loader)
		return 1;
	print_message("  RL_LOADER is not set: skipping (point it at build/rl-loader)\n");
	return 0;
}

static int need_file(const char *path)
{
	if (access(path, X_OK) == 0)
		return 1;
	print_message("  %s is not available: skipping\n", path);
	return 0;
}

#define REQUIRE(cond) do { if (!(cond)) { skip(); return; } } while (0)

static struct exec_result *new_result(void)
{
	struct exec_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	return r;
}

/* ---- cases: programs that must run ------------------------------------ */

static void test_static_exec(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "busybox", "echo", "hello", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "hello\n");
	free(r);
}

static void test_dynamic_pie(void **state)
{
	REQUIRE(need_loader() && need_file(ECHO));
	char *argv[] = { "echo", "one", "two  three", NULL };
	struct exec_case c = { .prog = ECHO, .argv = argv };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "one two  three\n");
	free(r);
}

/* #! handling: the script path is dropped, interpreter words prepended. */
static void test_shebang_prefix(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "/some/script", "X", "Y", NULL };
	const char *prefix[] = { "sh", "-c", "echo \"$0|$1|$2\"", "zero", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .argv_drop = 1, .prefix = prefix };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "zero|X|Y\n");
	free(r);
}

static void test_prefix_without_drop(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "echo", "kept", NULL };
	const char *prefix[] = { "busybox", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .prefix = prefix };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "kept\n");
	free(r);
}

/* The prefix strings live on the new stack, where ld.so and libc read them. */
static void test_dynamic_prefix(void **state)
{
	REQUIRE(need_loader() && need_file(ECHO));
	char *argv[] = { "/some/script", "tail", NULL };
	const char *prefix[] = { "echo", "from-prefix", NULL };
	struct exec_case c = { .prog = ECHO, .argv = argv, .argv_drop = 1, .prefix = prefix };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "from-prefix tail\n");
	free(r);
}

static void test_environment_static(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "sh", "-c", "echo \"$RL_VAR\"", NULL };
	char *envp[] = { "PATH=/bin", "RL_VAR=hello env", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .envp = envp };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "hello env\n");
	free(r);
}

static void test_environment_dynamic(void **state)
{
	REQUIRE(need_loader() && need_file(ENV));
	char *argv[] = { "env", NULL };
	char *envp[] = { "A=1", "B=two words", NULL };
	struct exec_case c = { .prog = ENV, .argv = argv, .envp = envp };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "A=1\nB=two words\n");
	free(r);
}

static void run_probe(enum probe_kind kind, const char *mode)
{
	REQUIRE(need_loader());
	if (!suite.probe[kind][0]) {
		print_message("  auxv_probe could not be built for this case: skipping\n");
		skip();
	}
	char *argv[] = { "auxv_probe", (char *)mode, NULL };
	struct exec_case c = { .prog = suite.probe[kind], .argv = argv };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_success(r, "auxv ok\n");
	free(r);
}

static void test_auxv_dynamic_pie(void **state) { run_probe(PROBE_PIE, "dynamic"); }
static void test_auxv_dynamic_nopie(void **state) { run_probe(PROBE_NOPIE, "dynamic"); }
static void test_auxv_static_pie(void **state) { run_probe(PROBE_STATIC_PIE, "static"); }
static void test_auxv_static(void **state) { run_probe(PROBE_STATIC, "static"); }

/* ---- cases: the loader must refuse, cleanly ---------------------------- */

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("loader-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void test_garbage_program(void **state)
{
	REQUIRE(need_loader());
	/* longer than an ELF header, so that the magic check is what refuses it */
	static const char garbage[] = "#!/not/an/elf\nthis is text, not a program; "
				      "the loader must refuse it before mapping anything\n";
	char *argv[] = { "garbage", NULL };
	struct exec_case c = { .prog_fd = memfd_with(garbage, sizeof garbage), .argv = argv };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "program: not an ELF file");
	close(c.prog_fd);
	free(r);
}

/* A valid ELF header whose program headers are cut off. */
static void test_truncated_program(void **state)
{
	REQUIRE(need_loader() && need_file(ECHO));
	char head[200];
	int src = open(ECHO, O_RDONLY | O_CLOEXEC);
	assert_true(src >= 0);
	assert_int_equal(pread(src, head, sizeof head, 0), (ssize_t)sizeof head);
	close(src);
	char *argv[] = { "echo", NULL };
	struct exec_case c = { .prog_fd = memfd_with(head, sizeof head), .no_interp = 1,
			       .argv = argv };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "program: program header table outside the file");
	close(c.prog_fd);
	free(r);
}

static void test_too_many_prefix_words(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "busybox", "true", NULL };
	const char *prefix[] = { "sh", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .prefix = prefix,
			       .force_nprefix = RL_PLAN_MAX_PREFIX + 1 };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "too many argv prefix strings");
	free(r);
}

/* nprefix within bounds but more strings claimed than strings_len holds */
static void test_prefix_overrun(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "busybox", "true", NULL };
	const char *prefix[] = { "sh", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .prefix = prefix,
			       .force_nprefix = 2 };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "argv prefix strings overrun");
	free(r);
}

static void test_no_plan(void **state)
{
	REQUIRE(need_loader());
	char *argv[] = { "anything", NULL };
	struct exec_case c = { .argv = argv, .mode = PLAN_REFUSE };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, NULL);
	assert_string_equal(r->err, "runsc-lite loader: no exec plan (errno 9)\n");
	free(r);
}

static void test_bad_plan_magic(void **state)
{
	REQUIRE(need_loader() && need_file(BUSYBOX));
	char *argv[] = { "busybox", "true", NULL };
	struct exec_case c = { .prog = BUSYBOX, .argv = argv, .mode = PLAN_BAD_MAGIC };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "no exec plan (errno 71)");
	free(r);
}

/* Jumping to a dynamic program's entry without ld.so would crash later. */
static void test_missing_interpreter(void **state)
{
	REQUIRE(need_loader() && need_file(ECHO));
	char *argv[] = { "echo", "x", NULL };
	struct exec_case c = { .prog = ECHO, .argv = argv, .no_interp = 1 };
	struct exec_result *r = new_result();

	run_case(&c, r);
	expect_loader_error(r, "program: has PT_INTERP but the plan names no interpreter");
	free(r);
}

/* ---- suite setup: locate the loader, build the probe ------------------- */

static const char *probe_source(void)
{
	static char derived[4096];
	const char *tail = "unit/platform/test_loader.c";
	size_t flen = strlen(__FILE__), tlen = strlen(tail);

	if (access("tests/helpers/auxv_probe.c", R_OK) == 0)
		return "tests/helpers/auxv_probe.c";
	if (flen >= tlen && flen - tlen < sizeof derived - 32 &&
	    strcmp(__FILE__ + flen - tlen, tail) == 0) {
		snprintf(derived, sizeof derived, "%.*shelpers/auxv_probe.c",
			 (int)(flen - tlen), __FILE__);
		if (access(derived, R_OK) == 0)
			return derived;
	}
	return NULL;
}

static int compile(const char *src, const char *out, const char *f1, const char *f2)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("gcc", "gcc", "-std=gnu11", "-O2", "-D_GNU_SOURCE", f1, f2, "-o", out, src,
		       (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void build_probes(void)
{
	static const struct {
		const char *name, *f1, *f2;
	} flavours[NPROBES] = {
		[PROBE_PIE] = { "probe-pie", "-fPIE", "-pie" },
		[PROBE_NOPIE] = { "probe-nopie", "-fno-pie", "-no-pie" },
		[PROBE_STATIC_PIE] = { "probe-static-pie", "-fPIE", "-static-pie" },
		[PROBE_STATIC] = { "probe-static", "-fno-pie", "-static" },
	};
	const char *src = probe_source();

	if (!src) {
		print_message("auxv_probe.c not found (run from the source tree)\n");
		return;
	}
	for (int i = 0; i < NPROBES; i++) {
		char *path = suite.probe[i];
		snprintf(path, sizeof suite.probe[i], "%s/%s", suite.tmpdir, flavours[i].name);
		if (compile(src, path, flavours[i].f1, flavours[i].f2)) {
			print_message("could not build %s with gcc\n", flavours[i].name);
			path[0] = '\0';
		}
	}
}

static int suite_setup(void **state)
{
	suite.loader = getenv("RL_LOADER");
	if (suite.loader && !*suite.loader)
		suite.loader = NULL;
	if (!suite.loader) {
		print_message("RL_LOADER is not set: the exec loader cases are skipped\n");
		return 0;
	}
	if (access(suite.loader, X_OK)) {
		print_message("RL_LOADER=%s: %s\n", suite.loader, strerror(errno));
		return -1;
	}
	snprintf(suite.tmpdir, sizeof suite.tmpdir, "/tmp/rl-loader-test.XXXXXX");
	if (!mkdtemp(suite.tmpdir)) {
		suite.tmpdir[0] = '\0';
		return 0;
	}
	build_probes();
	return 0;
}

static int suite_teardown(void **state)
{
	if (!suite.tmpdir[0])
		return 0;
	for (int i = 0; i < NPROBES; i++)
		if (suite.probe[i][0])
			unlink(suite.probe[i]);
	rmdir(suite.tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_exec),
		cmocka_unit_test(test_dynamic_pie),
		cmocka_unit_test(test_shebang_prefix),
		cmocka_unit_test(test_prefix_without_drop),
		cmocka_unit_test(test_dynamic_prefix),
		cmocka_unit_test(test_environment_static),
		cmocka_unit_test(test_environment_dynamic),
		cmocka_unit_test(test_auxv_dynamic_pie),
		cmocka_unit_test(test_auxv_dynamic_nopie),
		cmocka_unit_test(test_auxv_static_pie),
		cmocka_unit_test(test_auxv_static),
		cmocka_unit_test(test_garbage_program),
		cmocka_unit_test(test_truncated_program),
		cmocka_unit_test(test_too_many_prefix_words),
		cmocka_unit_test(test_prefix_overrun),
		cmocka_unit_test(test_no_plan),
		cmocka_unit_test(test_bad_plan_magic),
		cmocka_unit_test(test_missing_interpreter),
	};
	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
