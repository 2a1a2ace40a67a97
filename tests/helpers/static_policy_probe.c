/* Policy probe: the application seccomp policy (configs/app.policy) seen
 * from inside.  One line per case, "policy.GROUP/CASE -> RESULT", as the
 * conformance probes (conf.h).  tests/integration/test_policy.sh runs it
 * natively -- as uid 0 without capabilities in a user namespace of its own,
 * the sandboxed program's credentials -- and in the sandbox, and compares:
 * every case must give the native answer except the ones the test lists
 * with the answer the policy gives on purpose.
 *
 * Cases that could make the host kernel load a module (a socket family or
 * protocol not built in) print "-" natively: the reference run must not
 * change the host.  "probe tiocsti" alone tries TIOCSTI on fd 0, for the
 * terminal test. */
#include "conf.h"

#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static int native;   /* the reference run */

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
	native = 1;
	if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1") < 0 || write_file("/proc/self/gid_map", "0 0 1") < 0 ||
	    drop_caps() < 0) {
		perror("becoming uid 0 without capabilities in a user namespace");
		exit(2);
	}
}

/* Runs fn in a forked child; prints how the child ended: its first line of
 * output-free status, "exit N" or "killed:SIGNAME". */
static void in_child(const char *name, int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int rc = fn();
		_exit(rc < 0 ? 100 + (errno & 127) : 0);
	}
	int ws;
	if (pid < 0 || waitpid(pid, &ws, 0) != pid) {
		line(name, "fork %s", ename(errno));
		return;
	}
	if (WIFSIGNALED(ws))
		line(name, "killed:%s", sigabbrev_np(WTERMSIG(ws)) ? sigabbrev_np(WTERMSIG(ws)) : "?");
	else if (WEXITSTATUS(ws) >= 100)
		line(name, "%s", ename(WEXITSTATUS(ws) - 100));
	else
		line(name, "ok");
}

/* clone(2) with flags; the child exits at once.  Returns 0 or -1/errno. */
static long clone_flags(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		return 0;
	}
	return -1;
}

static int int80_getpid(void)
{
	long ret;
	/* i386 getpid (20) through the 32-bit entry */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret > 0 ? 0 : -1;
}

static int x32_getpid(void)
{
	long r = syscall(0x40000000L | 39);
	return r < 0 ? -1 : 0;
}

static int new_listener(void)
{
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, insn };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -1 : 0;
}

static int plain_filter(void)
{
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, insn };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void g_namespaces(void)
{
	group("policy.namespaces");
	/* in children: a new user namespace would give the rest capabilities */
	NOCAP("unshare-newuser", unshare(CLONE_NEWUSER));
	NOCAP("unshare-newns", unshare(CLONE_NEWNS));
	NOCAP("unshare-newnet", unshare(CLONE_NEWNET));
	NOCAP("unshare-fs", unshare(CLONE_FS));
	NOCAP("setns-bad-fd", setns(0, CLONE_NEWUTS));
	R("clone-plain", clone_flags(0));
	R("clone-vm-less-thread-flags", clone_flags(CLONE_FILES | CLONE_FS));
	R("clone-newuser", clone_flags(CLONE_NEWUSER));
	R("clone-newns", clone_flags(CLONE_NEWNS));
	R("clone-newpid", clone_flags(CLONE_NEWPID));
	R("clone-newnet", clone_flags(CLONE_NEWNET));
	R("clone-newipc", clone_flags(CLONE_NEWIPC));
	R("clone-newuts", clone_flags(CLONE_NEWUTS));
	R("clone-newcgroup", clone_flags(CLONE_NEWCGROUP));
	R("clone-untraced", clone_flags(CLONE_UNTRACED));
	/* clone3 with a valid, empty struct: fork */
	uint64_t args[11] = { 0 };
	args[4] = SIGCHLD;   /* exit_signal */
	long pid = syscall(SYS_clone3, args, sizeof args);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	R("clone3", pid);
}

static void g_machine(void)
{
	group("policy.machine");
	mkd("m", 0755);
	R("mount-tmpfs", mount("none", "m", "tmpfs", 0, NULL));
	R("umount2", umount2("m", 0));
	R("pivot_root", syscall(SYS_pivot_root, "m", "m"));
	R("swapon", swapon("m", 0));
	R("swapoff", swapoff("m"));
	R("reboot-cad-off", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
				    LINUX_REBOOT_CMD_CAD_OFF, NULL));
	R("init_module", syscall(SYS_init_module, NULL, 0, ""));
	R("finit_module", syscall(SYS_finit_module, -1, "", 0));
	R("delete_module", syscall(SYS_delete_module, "no_such_module", 0));
	R("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	R("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, "", 0));
	R("acct", acct(NULL));
	R("quotactl", syscall(SYS_quotactl, 0, "m", 0, NULL));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	R("clock_settime", clock_settime(CLOCK_REALTIME, &now));
	struct timeval tv = { now.tv_sec, 0 };
	R("settimeofday", settimeofday(&tv, NULL));
	R("iopl", syscall(SYS_iopl, 3));
	R("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
	R("sethostname", sethostname("x", 1));
	R("vhangup", syscall(SYS_vhangup));
	R("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, O_RDONLY));
	R("fanotify_init", fanotify_init(FAN_CLASS_NOTIF, O_RDONLY));
	/* reading the clock's tuning: fine natively, refused here (adjtimex
	 * can also set it, and the struct is out of the filter's sight) */
	struct timex tx = { 0 };
	R("adjtimex-read", adjtimex(&tx));
	char buf[64];
	R("syslog-read", syscall(SYS_syslog, 3, buf, sizeof buf));
}

static void g_subsystems(void)
{
	group("policy.subsystems");
	char attr[128] = { 0 };
	R("bpf-map-create", syscall(SYS_bpf, 0, attr, 72));
	R("perf_event_open", syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
	R("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	R("io_uring_setup", syscall(SYS_io_uring_setup, 1, attr));
	R("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	R("keyctl-get-keyring", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	R("add_key", syscall(SYS_add_key, "user", "x", "y", 1, -3));
	R("request_key", syscall(SYS_request_key, "user", "x", NULL, 0));
	R("modify_ldt-read", syscall(SYS_modify_ldt, 0, attr, sizeof attr));
	R("set_thread_area", syscall(SYS_set_thread_area, NULL));
	R("name_to_handle_at-null", syscall(SYS_name_to_handle_at, AT_FDCWD, ".", NULL, NULL, 0));
	R("nr-999", syscall(999));
	R("nr-1023", syscall(1023));
	R("nr-470-listns", syscall(470, NULL, NULL, 0, 0));
	R("nr-461-lsm_list_modules", syscall(461, NULL, NULL, 0));
	in_child("int80-getpid", int80_getpid);
	in_child("x32-getpid", x32_getpid);
	in_child("seccomp-new-listener", new_listener);
	in_child("seccomp-plain-filter", plain_filter);
}

static void g_ioctl(void)
{
	group("policy.ioctl");
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	int s = -1;
	if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
		char *name = ptsname(m);
		s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	}
	line("pty", "%s", s >= 0 ? "ok" : ename(errno));
	if (s >= 0) {
		struct termios t;
		R("tcgets", ioctl(s, TCGETS, &t));
		char c = 'x';
		R("tiocsti-pty-not-ctty", ioctl(s, TIOCSTI, &c));
		R("tiocsti-master", ioctl(m, TIOCSTI, &c));
		R("tiocsti-upper-bits", syscall(SYS_ioctl, s, 0x100000000UL | TIOCSTI, &c));
		char sub = 0;
		R("tioclinux", ioctl(s, TIOCLINUX, &sub));
		R("tioccons", ioctl(s, TIOCCONS));
		int ldisc = 0;
		R("tiocgetd", ioctl(s, TIOCGETD, &ldisc));
		R("tiocsetd", ioctl(s, TIOCSETD, &ldisc));
		struct winsize ws = { 24, 80, 0, 0 };
		R("tiocswinsz", ioctl(s, TIOCSWINSZ, &ws));
		close(s);
	}
	if (m >= 0)
		close(m);
	int p[2];
	if (pipe(p) == 0) {
		int n;
		R("fionread", ioctl(p[0], FIONREAD, &n));
		R("fionread-upper-bits", syscall(SYS_ioctl, p[0], 0x100000000UL | FIONREAD, &n));
		close(p[0]);
		close(p[1]);
	}
	int fd = memfd_create("probe", 0);
	long flags = 0;
	R("fs_ioc_getflags-memfd", ioctl(fd, FS_IOC_GETFLAGS, &flags));
	R("fs_ioc_setflags-memfd", ioctl(fd, FS_IOC_SETFLAGS, &flags));
	R("fcntl-getfl", fcntl(fd, F_GETFL));
	R("fcntl-setlease", fcntl(fd, F_SETLEASE, F_RDLCK));
	R("fcntl-upper-bits", syscall(SYS_fcntl, fd, 0x100000000UL | F_GETFL));
	close(fd);
}

static void g_process(void)
{
	group("policy.process");
	R("prctl-get-dumpable", prctl(PR_GET_DUMPABLE));
	R("prctl-set-name", prctl(PR_SET_NAME, "probe"));
	R("prctl-set-mm", prctl(PR_SET_MM, PR_SET_MM_START_BRK, 0, 0, 0));
	R("prctl-set-no-new-privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	RV("personality-query", personality(0xffffffff));
	R("personality-linux", personality(PER_LINUX));
	R("personality-addr-no-randomize", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	R("personality-read-implies-exec", personality(PER_LINUX | READ_IMPLIES_EXEC));
	personality(PER_LINUX);
	R("getrandom", syscall(SYS_getrandom, (char[8]){ 0 }, 8, 0));
	R("sysinfo", syscall(SYS_sysinfo, (char[128]){ 0 }));
	R("pidfd_open-self", syscall(SYS_pidfd_open, getpid(), 0));
	char src[8] = "abc", dst[8];
	struct iovec l = { dst, 3 }, r = { src, 3 };
	R("process_vm_readv-self", syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0));
	R("kcmp-self", syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0));
	R("mlock", mlock(src, 1));
	R("setuid-other", setuid(1000));
	R("capset-raise", syscall(SYS_capset, &(struct __user_cap_header_struct){ _LINUX_CAPABILITY_VERSION_3, 0 },
				  (struct __user_cap_data_struct[2]){ { ~0u, ~0u, ~0u }, { ~0u, ~0u, ~0u } }));
}

static void g_sockets(void)
{
	group("policy.sockets");
	R("unix-stream", socket(AF_UNIX, SOCK_STREAM, 0));
	R("unix-dgram-cloexec", socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	R("unix-upper-bits", syscall(SYS_socket, 0x100000000UL | AF_UNIX, SOCK_STREAM, 0));
	R("inet-stream", socket(AF_INET, SOCK_STREAM, 0));
	R("inet-stream-tcp", socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
	R("inet-dgram-udp", socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
	R("inet6-stream", socket(AF_INET6, SOCK_STREAM, 0));
	R("inet6-dgram", socket(AF_INET6, SOCK_DGRAM, 0));
	R("inet-raw-icmp", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	R("inet6-raw", socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
	R("packet", socket(AF_PACKET, SOCK_RAW, 0));
	R("netlink-route", socket(AF_NETLINK, SOCK_RAW, 0));
	R("socketpair-unix", socketpair(AF_UNIX, SOCK_STREAM, 0, (int[2]){ 0 }));
	R("socketpair-inet", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0 }));
	/* these may make a host kernel load a module: sandbox only */
	if (native) {
		const char *names[] = { "inet-sctp", "inet-dccp", "netlink-audit", "alg", "vsock",
					"key", "bluetooth", "family-unspec" };
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			line(names[i], "-");
		return;
	}
	R("inet-sctp", socket(AF_INET, SOCK_STREAM, 132));
	R("inet-dccp", socket(AF_INET, 6 /* SOCK_DCCP */, 0));
	R("netlink-audit", socket(AF_NETLINK, SOCK_RAW, 9));
	R("alg", socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0));
	R("vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	R("key", socket(15 /* AF_KEY */, SOCK_RAW, 2));
	R("bluetooth", socket(31, SOCK_STREAM, 0));
	R("family-unspec", socket(AF_UNSPEC, SOCK_STREAM, 0));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "tiocsti") == 0) {
		char c = '#';
		long rc = ioctl(0, TIOCSTI, &c);
		printf("tiocsti-stdin -> %s\n", rc < 0 ? ename(errno) : "ok");
		return 0;
	}
	unprivileged();
	static void (*const groups[])(void) = { g_namespaces, g_machine, g_subsystems, g_ioctl,
						g_process, g_sockets, NULL };
	return conf_main(groups);
}
