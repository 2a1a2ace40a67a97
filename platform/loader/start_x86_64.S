/*
 * Entry and exit of the exec loader.
 *
 * The kernel starts us on the stack it built for the program (argc, argv,
 * envp, auxv, strings).  We must not use that stack ourselves: the new
 * initial stack for the program is built just below the kernel's, so the
 * loader runs on a private stack in .bss and only reads the original one.
 */

	.text

/* _start: the kernel enters here with rsp at argc.  (x86-64; arm64: start_aarch64.S) */
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	%rsp, %rdi		/* rl_main(original_sp) */
	leaq	rl_stack_top(%rip), %rsp
	call	rl_main
	ud2				/* rl_main never returns */
	.size	_start, . - _start

/*
 * rl_enter(entry, sp): start the program exactly as the kernel would have:
 * rsp at argc, every general register zero (rdx is the ABI's atexit
 * function, which must be NULL), SSE registers clean, direction flag clear.
 * The entry address travels on the new stack (below argc, in space nobody
 * owns yet) so that no register has to keep it.
 */
	.globl	rl_enter
	.type	rl_enter, @function
rl_enter:
	movq	%rsi, %rsp
	pushq	%rdi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
	pxor	%xmm13, %xmm13
	pxor	%xmm14, %xmm14
	pxor	%xmm15, %xmm15
	cld
	ret				/* pops the entry, leaving rsp at argc */
	.size	rl_enter, . - rl_enter

	.bss
	.balign	16
rl_stack:
	.skip	65536
rl_stack_top:

	.section .note.GNU-stack, "", @progbits
