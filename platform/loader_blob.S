/* The exec loader (platform/loader/), embedded so that runsc-lite is one
 * installed binary.  LOADER_PATH comes from the Makefile. */
	.section .rodata
	.balign 64
	.globl rl_loader_image
rl_loader_image:
	.incbin LOADER_PATH
	.globl rl_loader_image_end
rl_loader_image_end:
	.section .note.GNU-stack,"",@progbits
