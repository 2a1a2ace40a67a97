/*
 * Linux open(2) flags <-> 9P2000.L Tlopen/Tlcreate flags: ONE table, used in
 * both directions (the client translates to 9P, the gofer back to Linux).
 */
#include "p9/p9.h"

#include <fcntl.h>

/* Kernel ABI value; glibc on x86-64 defines O_LARGEFILE as 0. */
#define LINUX_O_LARGEFILE 0100000u
/* O_SYNC is __O_SYNC | O_DSYNC; the bit of its own is __O_SYNC. */
#define LINUX_O_SYNC_BIT  ((uint32_t)O_SYNC & ~(uint32_t)O_DSYNC)

static const struct { uint32_t linux_flag, p9_flag; } lopen_flags[] = {
	{ O_CREAT,           P9_DOTL_CREATE },
	{ O_EXCL,            P9_DOTL_EXCL },
	{ O_NOCTTY,          P9_DOTL_NOCTTY },
	{ O_TRUNC,           P9_DOTL_TRUNC },
	{ O_APPEND,          P9_DOTL_APPEND },
	{ O_NONBLOCK,        P9_DOTL_NONBLOCK },
	{ O_DSYNC,           P9_DOTL_DSYNC },
	{ O_ASYNC,           P9_DOTL_FASYNC },
	{ O_DIRECT,          P9_DOTL_DIRECT },
	{ LINUX_O_LARGEFILE, P9_DOTL_LARGEFILE },
	{ O_DIRECTORY,       P9_DOTL_DIRECTORY },
	{ O_NOFOLLOW,        P9_DOTL_NOFOLLOW },
	{ O_NOATIME,         P9_DOTL_NOATIME },
	{ O_CLOEXEC,         P9_DOTL_CLOEXEC },
	{ LINUX_O_SYNC_BIT,  P9_DOTL_SYNC },
};

/* The access mode is a 2-bit value, not a set of flags; it maps 1:1
 * (O_RDONLY 0, O_WRONLY 1, O_RDWR 2, 3 = "no access" on both sides). */

uint32_t p9_lopen_flags_to_p9(uint32_t linux_flags)
{
	uint32_t r = linux_flags & (uint32_t)O_ACCMODE;

	for (size_t i = 0; i < sizeof(lopen_flags) / sizeof(lopen_flags[0]); i++)
		if (linux_flags & lopen_flags[i].linux_flag)
			r |= lopen_flags[i].p9_flag;
	return r;
}

uint32_t p9_lopen_flags_to_linux(uint32_t p9_flags)
{
	uint32_t r = p9_flags & P9_DOTL_ACCMODE;

	for (size_t i = 0; i < sizeof(lopen_flags) / sizeof(lopen_flags[0]); i++)
		if (p9_flags & lopen_flags[i].p9_flag)
			r |= lopen_flags[i].linux_flag;
	return r;
}
