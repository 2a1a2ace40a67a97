#include "gofer/gofer.h"

#include <errno.h>
#include <string.h>

/*
 * THE check applied to every name the gofer receives from the sentry (walk
 * components today; create/rename/unlink names later). Nothing else may
 * hand a received name to a host syscall.
 *
 * It defends the host tree by guaranteeing that a name denotes exactly one
 * entry of the directory it is used with, so openat(dirfd, name, ...) can
 * only reach a child of dirfd:
 *   - ".." would climb out of the directory (and out of the mount root);
 *   - "." and "" would re-open the directory itself (an alias that breaks
 *     the "one component = one step down" invariant);
 *   - any '/' would make openat() resolve several components, or an
 *     absolute path ignoring dirfd entirely ("/etc/passwd"), bypassing the
 *     per-component O_NOFOLLOW walk;
 *   - a NUL byte would make the C library see a different (shorter) name
 *     than the one on the wire ("a\0/../../x" is checked as "a" otherwise);
 *   - more than GOFER_NAME_MAX bytes is no valid Linux name anyway.
 */
int gofer_name_check(struct p9_str name, char out[GOFER_NAME_MAX + 1])
{
	if (name.len == 0)
		return -EINVAL;
	if (name.len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name.str, '/', name.len) || memchr(name.str, '\0', name.len))
		return -EINVAL;
	if ((name.len == 1 && name.str[0] == '.') ||
	    (name.len == 2 && name.str[0] == '.' && name.str[1] == '.'))
		return -EINVAL;
	memcpy(out, name.str, name.len);
	out[name.len] = '\0';
	return 0;
}
