/*
 * arm64 guest check: an AArch32 (compat) syscall under the application's
 * policy is killed, never run.  The filter names the native architecture
 * only (platform/policy.c), so a call whose seccomp_data.arch is
 * AUDIT_ARCH_ARM takes the bad-architecture action, SECCOMP_RET_KILL_PROCESS.
 *
 * A 64-bit arm64 process cannot issue AArch32 calls (the execution state is
 * fixed at exec), so this writes a minimal 32-bit ARM ELF -- getpid, then
 * exit(42) -- and runs it twice: natively (it must exit 42: the CPU and
 * kernel run AArch32 at EL0; if exec fails with ENOEXEC they do not, and the
 * check is skipped), and after installing configs/app.policy with only
 * execve allowed on top (so that the exec itself gets through; every other
 * rule as the sandbox loads it) -- it must die of SIGSYS at its first call.
 * In the sandbox proper a 32-bit program never even starts: the sentry's
 * exec refuses a foreign ELF (ENOEXEC), which guest.sh checks.
 *
 * Usage: aarch32_killed DIR   (a writable, exec-able directory)
 * Prints TAP lines.
 */
#include "platform/policy.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE 0x10000u

static const uint32_t code[] = {
	0xe3a07014,   /* mov r7, #20   (getpid) */
	0xef000000,   /* svc #0 */
	0xe3a0002a,   /* mov r0, #42 */
	0xe3a07001,   /* mov r7, #1    (exit) */
	0xef000000,   /* svc #0 */
};

struct image {
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	uint32_t code[sizeof code / sizeof code[0]];
} __attribute__((packed));

static int write_image(const char *path)
{
	struct image im;
	memset(&im, 0, sizeof im);
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_ARM;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_entry = BASE + offsetof(struct image, code);
	im.eh.e_phoff = offsetof(struct image, ph);
	im.eh.e_flags = 0x05000400;   /* EABI version 5, hard float */
	im.eh.e_ehsize = sizeof im.eh;
	im.eh.e_phentsize = sizeof im.ph;
	im.eh.e_phnum = 1;
	im.ph.p_type = PT_LOAD;
	im.ph.p_vaddr = im.ph.p_paddr = BASE;
	im.ph.p_filesz = im.ph.p_memsz = sizeof im;
	im.ph.p_flags = PF_R | PF_X;
	im.ph.p_align = 0x1000;
	memcpy(im.code, code, sizeof code);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	int ok = write(fd, &im, sizeof im) == (ssize_t)sizeof im;
	return close(fd) == 0 && ok ? 0 : -1;
}

/* Runs the image in a child, filtered or not: its wait status, or -errno of
 * the exec (reported through a pipe). */
static int run(const char *path, int filtered)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(p[0]);
		if (filtered) {
			static const struct policy_rule exec_only[] = {
				{ "execve", POLICY_ALLOW, 0, 0, { { 0 } }, NULL },
			};
			static const struct policy over = { "exec", exec_only, 1 };
			static struct policy_rule buf[1024];
			struct policy merged;
			const char *bad = NULL;
			int rc = policy_merge(&policy_app, &over, buf, sizeof buf / sizeof buf[0], &merged);
			if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				rc = -errno;
			if (rc == 0)
				rc = policy_install_flags(&merged, NULL, 0, NULL, &bad, POLICY_TRAP_AS_TRACE);
			if (rc < 0) {
				int e = 1000 - rc;   /* set-up failed, not the exec */
				(void)!write(p[1], &e, sizeof e);
				_exit(127);
			}
		}
		char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
		execve(path, argv, envp);
		int e = errno;
		(void)!write(p[1], &e, sizeof e);
		_exit(127);
	}
	close(p[1]);
	int e = 0, ws = 0;
	ssize_t n = read(p[0], &e, sizeof e);
	close(p[0]);
	if (waitpid(pid, &ws, 0) != pid)
		return -ECHILD;
	if (n == (ssize_t)sizeof e)
		return e >= 1000 ? -EPROTO : -e;
	return ws;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: aarch32_killed DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/aarch32-getpid", argv[1]);
	if (write_image(path) < 0) {
		printf("not ok - aarch32: writing %s: %s\n", path, strerror(errno));
		return 1;
	}
	int native = run(path, 0);
	if (native == -ENOEXEC) {
		printf("ok - aarch32: a compat call is killed # SKIP the CPU or kernel runs no AArch32 at EL0\n");
		return 0;
	}
	if (native < 0 || !WIFEXITED(native) || WEXITSTATUS(native) != 42) {
		printf("not ok - aarch32: the native run of the 32-bit program\n#  status %#x (%s)\n",
		       native, native < 0 ? strerror(-native) : "");
		return 1;
	}
	printf("ok - aarch32: the 32-bit program runs natively (exit 42)\n");
	int filtered = run(path, 1);
	if (filtered >= 0 && WIFSIGNALED(filtered) && WTERMSIG(filtered) == SIGSYS) {
		printf("ok - aarch32: under app.policy its first call is killed (SIGSYS)\n");
		return 0;
	}
	printf("not ok - aarch32: under app.policy its first call is killed (SIGSYS)\n#  status %#x (%s)\n",
	       filtered, filtered < 0 ? strerror(-filtered) : "");
	return 1;
}
