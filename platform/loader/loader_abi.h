/*
 * The contract between the sentry and the exec loader.
 *
 * Why a loader: under seccomp user notification the sentry cannot rewrite an
 * execve's arguments, and the application's kernel-level root is an empty
 * tmpfs, so the host kernel must never load a program (or its PT_INTERP)
 * from a host path.  Instead, the only binary the kernel ever executes is this
 * loader.  On execve the sentry resolves the program in its VFS, links the
 * loader at the path the kernel will look up, answers "continue", and the
 * freshly executed loader asks the sentry for the exec plan below, maps the
 * program and its interpreter from the FDs the sentry installed, builds the
 * initial stack and jumps.
 *
 * The request: the loader calls
 *     openat(RL_LOADER_DIRFD, (const char *)plan, RL_LOADER_REQUEST, sizeof *plan)
 * The sentry recognises it only while it holds a pending exec for the calling
 * task; otherwise the call fails with EBADF as Linux would for a bad dirfd.
 * On success it returns 0, the FDs named in the plan are installed in the
 * loader (close-on-exec) and the plan is filled in.
 */
#ifndef RUNSC_LITE_LOADER_ABI_H
#define RUNSC_LITE_LOADER_ABI_H

#include <stdint.h>

#define RL_LOADER_DIRFD   (-0x52534c)     /* never a valid fd */
#define RL_LOADER_REQUEST 0x4c4f4144      /* "LOAD", passed as the flags */
#define RL_PLAN_MAGIC     0x6e616c70u     /* "plan" */
#define RL_PLAN_VERSION   1u
#define RL_PLAN_STRINGS   4096            /* bytes for argv prefix strings */
#define RL_PLAN_MAX_PREFIX 16             /* argv words a #! chain may add */

struct rl_exec_plan {
	uint32_t magic;          /* RL_PLAN_MAGIC */
	uint32_t version;        /* RL_PLAN_VERSION */
	int32_t  prog_fd;        /* the ELF to run (main program), read-only */
	int32_t  interp_fd;      /* its PT_INTERP, already resolved, or -1 */
	/*
	 * argv rewriting for #! scripts: drop the first `argv_drop` words of
	 * the argv the kernel passed (0 or 1), then prepend `nprefix`
	 * NUL-terminated strings stored back to back in `strings`.
	 */
	uint32_t argv_drop;
	uint32_t nprefix;
	uint32_t strings_len;    /* bytes used in strings[] */
	uint32_t reserved;
	char     strings[RL_PLAN_STRINGS];
};

#endif
