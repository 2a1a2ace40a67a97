/*
 * arm64 registers for the ptrace platform (see platform/arch.h).
 *
 * There is no PTRACE_GETREGS: the general registers are the NT_PRSTATUS
 * register set (struct user_pt_regs: x0..x30, sp, pc, pstate), and the
 * syscall number the kernel will run is a register set of its own,
 * NT_ARM_SYSTEM_CALL (setting it to -1 skips the call; x0 then stays what
 * the tracer wrote, the result).  `svc #0` (d4000001) takes the number from
 * x8 and the arguments from x0..x5; the result comes back in x0.  So x0 is
 * both the first argument and the result: the argument is the value read at
 * the entry stop (kept in the saved registers, which is what a re-issued
 * call and a restart use -- the kernel restarts a call from its own copy,
 * orig_x0).  No red zone in the AAPCS64.
 */
#ifndef RUNSC_LITE_ARCH_AARCH64_H
#define RUNSC_LITE_ARCH_AARCH64_H

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <asm/ptrace.h>

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif

#define ARCH_NAME "aarch64"
#define ARCH_SYSCALL_INSN_LEN 4
#define ARCH_RED_ZONE 0

struct arch_regs {
	struct user_pt_regs r;
	int nr;   /* NT_ARM_SYSTEM_CALL */
};

static inline int arch_getregs(pid_t tid, struct arch_regs *a)
{
	struct iovec g = { &a->r, sizeof a->r }, n = { &a->nr, sizeof a->nr };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &g) < 0 ||
	    ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &n) < 0)
		return -errno;
	return g.iov_len == sizeof a->r && n.iov_len == sizeof a->nr ? 0 : -EIO;
}

static inline int arch_setregs(pid_t tid, const struct arch_regs *a)
{
	struct iovec g = { (void *)&a->r, sizeof a->r }, n = { (void *)&a->nr, sizeof a->nr };
	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &g) < 0 ||
	    ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &n) < 0)
		return -errno;
	return 0;
}

/* (sign-extended like orig_rax: -1 reads as ~0) */
static inline uint64_t arch_nr(const struct arch_regs *a) { return (uint64_t)(int64_t)a->nr; }
static inline void arch_set_nr(struct arch_regs *a, uint64_t nr) { a->nr = (int)nr; }
static inline uint64_t arch_ret(const struct arch_regs *a) { return a->r.regs[0]; }
static inline void arch_set_ret(struct arch_regs *a, uint64_t v) { a->r.regs[0] = v; }
static inline uint64_t arch_ip(const struct arch_regs *a) { return a->r.pc; }
static inline uint64_t arch_sp(const struct arch_regs *a) { return a->r.sp; }

static inline uint64_t arch_arg(const struct arch_regs *a, int i)
{
	return a->r.regs[i >= 0 && i < 6 ? i : 5];
}

static inline void arch_set_call(struct arch_regs *a, uint64_t nr, const uint64_t args[6])
{
	a->nr = (int)nr;
	a->r.regs[8] = nr;
	for (int i = 0; i < 6; i++)
		a->r.regs[i] = args[i];
}

/* Back over `svc #0`, to run the call x8 names again (the saved registers
 * hold the entry's x0 and x8). */
static inline void arch_rewind(struct arch_regs *a)
{
	a->r.pc -= ARCH_SYSCALL_INSN_LEN;
}

static inline bool arch_is_syscall_insn(const unsigned char *b)
{
	return b[0] == 0x01 && b[1] == 0x00 && b[2] == 0x00 && b[3] == 0xd4;
}

#endif
