/*
 * The per-architecture register layer of the ptrace platform: everything
 * ptrace.c needs to know about a stopped task's registers, for the one
 * architecture it is built for.  ptrace.c works only through these names.
 *
 *   struct arch_regs              a task's registers, as read at a stop
 *   arch_getregs / arch_setregs   read / write all of them (0 or -errno)
 *   arch_nr / arch_set_nr         the syscall number the kernel will run
 *                                 (-1: skip it; at an exit stop: whether a
 *                                 signal may restart it)
 *   arch_arg(r, i)                argument i (0..5) at the syscall's entry
 *   arch_set_call(r, nr, args)    the syscall to run instead: the number the
 *                                 kernel takes at this stop, the register the
 *                                 instruction takes it from (for a rewind),
 *                                 and the six arguments
 *   arch_ret / arch_set_ret       the result register
 *   arch_ip / arch_sp             instruction and stack pointer
 *   arch_rewind(r)                back over the syscall instruction, so that
 *                                 it runs again (the caller checked it with
 *                                 arch_is_syscall_insn on the
 *                                 ARCH_SYSCALL_INSN_LEN bytes before ip)
 *   ARCH_RED_ZONE                 bytes below sp the ABI lets the program
 *                                 use without moving sp (never scratch)
 *
 * The legacy syscall numbers (fork, vfork, open, ...) exist only where the
 * architecture has them: test __NR_<name>.
 */
#ifndef RUNSC_LITE_ARCH_H
#define RUNSC_LITE_ARCH_H

#if defined(__x86_64__)
#include "platform/arch_x86_64.h"
#elif defined(__aarch64__)
#include "platform/arch_aarch64.h"
#else
#error "runsc-lite supports x86-64 and arm64 only"
#endif

#endif
