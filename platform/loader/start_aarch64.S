/*
 * Entry and exit of the exec loader, arm64 (start_x86_64.S explains the
 * private stack), and the two functions gcc may call for struct copies:
 * plain byte loops in assembly, so that no compiler turns them back into
 * calls to themselves.
 */

	.text

/* _start: the kernel enters here with sp at argc. */
	.globl	_start
	.type	_start, %function
_start:
	mov	x29, #0
	mov	x30, #0
	mov	x0, sp			/* rl_main(original_sp) */
	adrp	x1, rl_stack_top
	add	x1, x1, :lo12:rl_stack_top
	mov	sp, x1
	bl	rl_main
	udf	#0			/* rl_main never returns */
	.size	_start, . - _start

/*
 * rl_enter(entry, sp): start the program as the kernel would have: sp at
 * argc, the general registers zero (x0 is the ABI's atexit function, which
 * must be NULL), the SIMD registers clean.  The entry address travels in
 * the link register, the one register a program's entry never reads.
 */
	.globl	rl_enter
	.type	rl_enter, %function
rl_enter:
	mov	sp, x1
	mov	x30, x0
	mov	x0, #0
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	mov	x5, #0
	mov	x6, #0
	mov	x7, #0
	mov	x8, #0
	mov	x9, #0
	mov	x10, #0
	mov	x11, #0
	mov	x12, #0
	mov	x13, #0
	mov	x14, #0
	mov	x15, #0
	mov	x16, #0
	mov	x17, #0
	mov	x18, #0
	mov	x19, #0
	mov	x20, #0
	mov	x21, #0
	mov	x22, #0
	mov	x23, #0
	mov	x24, #0
	mov	x25, #0
	mov	x26, #0
	mov	x27, #0
	mov	x28, #0
	mov	x29, #0
	movi	v0.2d, #0
	movi	v1.2d, #0
	movi	v2.2d, #0
	movi	v3.2d, #0
	movi	v4.2d, #0
	movi	v5.2d, #0
	movi	v6.2d, #0
	movi	v7.2d, #0
	movi	v8.2d, #0
	movi	v9.2d, #0
	movi	v10.2d, #0
	movi	v11.2d, #0
	movi	v12.2d, #0
	movi	v13.2d, #0
	movi	v14.2d, #0
	movi	v15.2d, #0
	movi	v16.2d, #0
	movi	v17.2d, #0
	movi	v18.2d, #0
	movi	v19.2d, #0
	movi	v20.2d, #0
	movi	v21.2d, #0
	movi	v22.2d, #0
	movi	v23.2d, #0
	movi	v24.2d, #0
	movi	v25.2d, #0
	movi	v26.2d, #0
	movi	v27.2d, #0
	movi	v28.2d, #0
	movi	v29.2d, #0
	movi	v30.2d, #0
	movi	v31.2d, #0
	ret				/* to x30: the entry */
	.size	rl_enter, . - rl_enter

/* void *memcpy(void *dst, const void *src, size_t n) */
	.globl	memcpy
	.type	memcpy, %function
memcpy:
	mov	x3, x0
1:	cbz	x2, 2f
	ldrb	w4, [x1], #1
	strb	w4, [x3], #1
	sub	x2, x2, #1
	b	1b
2:	ret
	.size	memcpy, . - memcpy

/* void *memset(void *dst, int c, size_t n) */
	.globl	memset
	.type	memset, %function
memset:
	mov	x3, x0
1:	cbz	x2, 2f
	strb	w1, [x3], #1
	sub	x2, x2, #1
	b	1b
2:	ret
	.size	memset, . - memset

	.bss
	.balign	16
rl_stack:
	.skip	65536
rl_stack_top:

	.section .note.GNU-stack, "", %progbits
