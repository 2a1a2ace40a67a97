/*
 * x86-64 registers for the ptrace platform (see platform/arch.h).
 *
 * At a syscall stop orig_rax is the syscall number the kernel runs (-1:
 * skipped; the kernel leaves rax, the result, alone then) and rax the
 * result; the `syscall` instruction (0f 05) takes the number from rax, so a
 * rewind needs rax = nr.  Arguments: rdi rsi rdx r10 r8 r9.  The ABI gives
 * leaf functions a 128-byte red zone below rsp.
 */
#ifndef RUNSC_LITE_ARCH_X86_64_H
#define RUNSC_LITE_ARCH_X86_64_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>

#define ARCH_NAME "x86_64"
#define ARCH_SYSCALL_INSN_LEN 2
#define ARCH_RED_ZONE 128

struct arch_regs {
	struct user_regs_struct r;
};

static inline int arch_getregs(pid_t tid, struct arch_regs *a)
{
	return ptrace(PTRACE_GETREGS, tid, 0, &a->r) < 0 ? -errno : 0;
}

static inline int arch_setregs(pid_t tid, const struct arch_regs *a)
{
	return ptrace(PTRACE_SETREGS, tid, 0, &a->r) < 0 ? -errno : 0;
}

static inline uint64_t arch_nr(const struct arch_regs *a) { return a->r.orig_rax; }
static inline void arch_set_nr(struct arch_regs *a, uint64_t nr) { a->r.orig_rax = nr; }
static inline uint64_t arch_ret(const struct arch_regs *a) { return a->r.rax; }
static inline void arch_set_ret(struct arch_regs *a, uint64_t v) { a->r.rax = v; }
static inline uint64_t arch_ip(const struct arch_regs *a) { return a->r.rip; }
static inline uint64_t arch_sp(const struct arch_regs *a) { return a->r.rsp; }

static inline uint64_t arch_arg(const struct arch_regs *a, int i)
{
	switch (i) {
	case 0: return a->r.rdi;
	case 1: return a->r.rsi;
	case 2: return a->r.rdx;
	case 3: return a->r.r10;
	case 4: return a->r.r8;
	default: return a->r.r9;
	}
}

static inline void arch_set_call(struct arch_regs *a, uint64_t nr, const uint64_t args[6])
{
	a->r.orig_rax = nr;
	a->r.rax = nr;
	a->r.rdi = args[0];
	a->r.rsi = args[1];
	a->r.rdx = args[2];
	a->r.r10 = args[3];
	a->r.r8 = args[4];
	a->r.r9 = args[5];
}

/* Back over `syscall`, to run the call orig_rax names again. */
static inline void arch_rewind(struct arch_regs *a)
{
	a->r.rip -= ARCH_SYSCALL_INSN_LEN;
	a->r.rax = a->r.orig_rax;
}

static inline bool arch_is_syscall_insn(const unsigned char *b)
{
	return b[0] == 0x0f && b[1] == 0x05;
}

#endif
