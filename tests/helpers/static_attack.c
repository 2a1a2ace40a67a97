/* Red-team program (tests/security/test_attacks.sh): one attack class of
 * docs/SECURITY.md per mode, run inside the sandbox against host canaries
 * the test set up outside it.  Every attempt prints
 *
 *     attack.CLASS/STEP -> RESULT
 *
 * (RESULT: "ok", a value, or the errno name), and each mode ends with
 * "attack.CLASS/escaped -> N": the number of attempts that reached a host
 * object.  What counts as reaching one is decided here only where the
 * sandbox alone can tell (a secret's content read, a host pid signalled);
 * the test checks the canaries from the host as well.
 *
 *   static_attack paths SECRET_PATH        open/modify a host file outside
 *   static_attack signals CANARY_PID       signal / trace / read a host process
 *   static_attack network PORT ABSTRACT    reach a host TCP and abstract listener
 *   static_attack kernel                   namespaces, mounts, modules, bpf ...
 *   static_attack devices                  host devices and kernel files
 *   static_attack terminal                 TIOCSTI on stdio, inherited fds
 *
 * Host side helpers:
 *   static_attack canary-proc FILE         records any signal it gets in FILE
 *   static_attack listen-tcp PORTFILE STOP counts connections to 127.0.0.1
 *   static_attack listen-abstract NAME STOP  the same on an abstract socket
 */
#include "conf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>

static long escaped;

static void E(const char *name, long rc, int escape_if_ok)
{
	R(name, rc);
	if (rc >= 0 && escape_if_ok)
		escaped++;
}

static void end(void)
{
	line("escaped", "%ld", escaped);
}

/* ---- paths ------------------------------------------------------------------- */

static int read_secret(const char *name, int fd)
{
	char b[64] = "";
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof b - 1, 0) : -1;
	if (fd >= 0)
		close(fd);
	int got = n > 0 && strstr(b, "CANARY") != NULL;
	line(name, "%s", fd < 0 ? ename(errno) : got ? "read-canary" : "opened-other");
	return got;
}

static void a_paths(const char *secret)
{
	group("attack.paths");
	char p[PATH_MAX * 2];
	long reads = 0;
	reads += read_secret("absolute", open(secret, O_RDONLY));
	snprintf(p, sizeof p, "/../../../..%s", secret);
	reads += read_secret("dotdot-absolute", open(p, O_RDONLY));
	snprintf(p, sizeof p, "../../../../../../../../..%s", secret);
	reads += read_secret("dotdot-relative", open(p, O_RDONLY));
	snprintf(p, sizeof p, "/proc/1/root%s", secret);
	reads += read_secret("proc-1-root", open(p, O_RDONLY));
	snprintf(p, sizeof p, "/proc/self/root%s", secret);
	reads += read_secret("proc-self-root", open(p, O_RDONLY));
	snprintf(p, sizeof p, "/proc/self/cwd/../../../../..%s", secret);
	reads += read_secret("proc-cwd-dotdot", open(p, O_RDONLY));
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0x10 /* RESOLVE_IN_ROOT */ };
	reads += read_secret("openat2-in-root", (int)syscall(SYS_openat2, AT_FDCWD, secret, &how, sizeof how));
	R("symlink-to-host", symlink(secret, "l"));
	reads += read_secret("via-symlink", open("l", O_RDONLY));
	R("hardlink-to-host", link(secret, "hl"));
	reads += read_secret("via-hardlink", open("hl", O_RDONLY));
	/* changes: they must never reach the host file (the test compares it) */
	R("open-write", open(secret, O_WRONLY | O_TRUNC));
	R("truncate", truncate(secret, 0));
	R("chmod", chmod(secret, 0777));
	R("rename-away", rename(secret, "moved"));
	R("unlink", unlink(secret));
	R("setxattr", syscall(SYS_setxattr, secret, "user.rl", "x", 1, 0));
	/* the kernel-level root the host kernel would resolve: empty */
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	R("fchdir-root", fchdir(fd));
	close(fd);
	line("read-canary", "%ld", reads);
	escaped = reads;
}

/* ---- signals ---------------------------------------------------------------- */

static void on_usr1(int sig) { (void)sig; }

static void a_signals(const char *canary)
{
	group("attack.signals");
	pid_t host = (pid_t)atol(canary);
	signal(SIGUSR1, on_usr1);
	E("kill-host-pid", kill(host, SIGUSR1), 0);
	E("kill-all", kill(-1, SIGUSR1), 0);
	E("pidfd-open-host-pid", syscall(SYS_pidfd_open, host, 0), 0);
	E("ptrace-attach-host-pid", ptrace(PTRACE_ATTACH, host, 0, 0), 0);
	char b[8];
	struct iovec l = { b, sizeof b }, r = { (void *)0x400000, sizeof b };
	E("process-vm-readv-host-pid", syscall(SYS_process_vm_readv, host, &l, 1, &r, 1, 0), 0);
	/* which pids exist at all: only the sandbox's own (this one) */
	long seen = 0;
	for (pid_t p = 1; p < 70000; p++)
		if (p != getpid() && (kill(p, 0) == 0 || errno == EPERM))
			seen++;
	line("other-pids-visible", "%ld", seen);
	escaped = seen;
}

/* ---- network ------------------------------------------------------------------ */

static void a_network(const char *port, const char *abstract)
{
	group("attack.network");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	E("tcp-host-loopback", connect(fd, (struct sockaddr *)&in, sizeof in), 1);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "%s", abstract);
	E("abstract-host", connect(fd, (struct sockaddr *)&un,
				   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract))), 1);
	close(fd);
	E("packet-socket", socket(AF_PACKET, SOCK_RAW, 0), 1);
	E("raw-socket", socket(AF_INET, SOCK_RAW, IPPROTO_RAW), 1);
	E("vsock", socket(40, SOCK_STREAM, 0), 1);
	end();
}

/* ---- kernel ------------------------------------------------------------------ */

static void a_kernel(void)
{
	group("attack.kernel");
	mkd("m", 0755);
	/* each in a child: a success would change this process */
	NOCAP("unshare-user", unshare(CLONE_NEWUSER));
	NOCAP("unshare-mount", unshare(CLONE_NEWNS));
	E("mount-tmpfs", mount("none", "m", "tmpfs", 0, NULL), 1);
	E("mount-proc", mount("proc", "m", "proc", 0, NULL), 1);
	E("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 1), 1);
	E("fsopen", syscall(SYS_fsopen, "tmpfs", 0), 1);
	E("bpf", syscall(SYS_bpf, 0, (char[128]){ 0 }, 72), 1);
	E("io_uring_setup", syscall(SYS_io_uring_setup, 1, (char[128]){ 0 }), 1);
	E("keyctl", syscall(SYS_keyctl, 0, -3, 0), 1);
	E("userfaultfd", syscall(SYS_userfaultfd, 0), 1);
	E("perf_event_open", syscall(SYS_perf_event_open, (char[128]){ 0 }, 0, -1, -1, 0), 1);
	E("init_module", syscall(SYS_init_module, NULL, 0, ""), 1);
	E("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0), 1);
	E("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0, NULL), 1);
	E("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, (char[64]){ 8 }, O_RDONLY), 1);
	E("setns", setns(0, 0), 1);
	E("clock_settime", clock_settime(CLOCK_REALTIME, &(struct timespec){ 1, 0 }), 1);
	E("sethostname", sethostname("pwned", 5), 1);
	end();
}

/* ---- devices ------------------------------------------------------------------ */

static void a_devices(void)
{
	group("attack.devices");
	const char *dev[] = { "/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda", "/dev/nvme0n1",
			      "/dev/kmsg", "/dev/kvm", "/dev/fuse", "/dev/net/tun", "/proc/kcore",
			      "/proc/sysrq-trigger", "/sys/kernel/notes", "/proc/1/mem", "/dev/loop0",
			      "/dev/tty0", "/dev/console" };
	for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++) {
		int fd = open(dev[i], O_RDWR | O_NOCTTY | O_NONBLOCK);
		/* /dev/console is the caller's terminal only when it has one */
		E(dev[i], fd, strcmp(dev[i], "/dev/console") != 0 && strcmp(dev[i], "/proc/1/mem") != 0);
		if (fd >= 0)
			close(fd);
	}
	E("mknod-block", mknod("blk", S_IFBLK | 0600, makedev(8, 0)), 1);
	E("mknod-char-mem", mknod("mem", S_IFCHR | 0600, makedev(1, 1)), 1);
	end();
}

/* ---- terminal and fds ------------------------------------------------------------ */

static void a_terminal(void)
{
	group("attack.terminal");
	long open_fds = 0;
	for (int fd = 3; fd < 4096; fd++)
		if (fd != conf_basefd && fcntl(fd, F_GETFD) >= 0)
			open_fds++;
	line("inherited-fds", "%ld", open_fds);
	escaped = open_fds;
	char c = '#';
	for (int fd = 0; fd < 3; fd++) {
		char name[32];
		snprintf(name, sizeof name, "tiocsti-fd%d", fd);
		E(name, ioctl(fd, TIOCSTI, &c), 1);
	}
	E("tiocsti-upper-bits", syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c), 1);
	E("tioclinux", ioctl(0, TIOCLINUX, &(char){ 6 }), 1);
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (tty >= 0) {
		E("tiocsti-dev-tty", ioctl(tty, TIOCSTI, &c), 1);
		close(tty);
	} else {
		line("dev-tty", "%s", ename(errno));
	}
	end();
}

/* ---- host side ----------------------------------------------------------------- */

static int out_fd = -1;
static void record(int sig)
{
	char b[16];
	int n = snprintf(b, sizeof b, "%d\n", sig);
	(void)!write(out_fd, b, (size_t)n);
}

static int canary_proc(const char *file)
{
	out_fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (out_fd < 0)
		return 2;
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			signal(s, record);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int listen_count(int fd, const char *stop)
{
	long accepted = 0;
	while (access(stop, F_OK) < 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) == 1) {
			int c = accept(fd, NULL, NULL);
			if (c >= 0) {
				accepted++;
				close(c);
			}
		}
	}
	printf("accepted %ld\n", accepted);
	return 0;
}

static int listen_tcp(const char *portfile, const char *stop)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = { .sin_family = AF_INET };
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof in;
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof in) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&in, &len) < 0)
		return 2;
	FILE *f = fopen(portfile, "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", ntohs(in.sin_port));
	fclose(f);
	return listen_count(fd, stop);
}

static int listen_abstract(const char *name, const char *stop)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "%s", name);
	if (fd < 0 || bind(fd, (struct sockaddr *)&un,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) < 0 ||
	    listen(fd, 16) < 0)
		return 2;
	printf("ready\n");
	fflush(stdout);
	return listen_count(fd, stop);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "canary-proc"))
		return canary_proc(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "listen-tcp"))
		return listen_tcp(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "listen-abstract"))
		return listen_abstract(argv[2], argv[3]);
	conf_basefd = open(".", O_RDONLY | O_DIRECTORY);
	if (conf_basefd < 0)
		return 2;
	if (argc == 3 && !strcmp(argv[1], "paths"))
		a_paths(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "signals"))
		a_signals(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "network"))
		a_network(argv[2], argv[3]);
	else if (argc == 2 && !strcmp(argv[1], "kernel"))
		a_kernel();
	else if (argc == 2 && !strcmp(argv[1], "devices"))
		a_devices();
	else if (argc == 2 && !strcmp(argv[1], "terminal"))
		a_terminal();
	else {
		fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
		return 2;
	}
	if (!strcmp(argv[1], "paths") || !strcmp(argv[1], "signals"))
		end();
	return 0;
}
