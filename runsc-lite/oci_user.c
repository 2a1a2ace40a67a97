/* exec's --user and --additional-gids (runsc-lite/oci_user.h). */
#include "runsc-lite/oci_user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* One decimal id at *p, advanced past it; strtoul alone would take a
 * sign, blanks and "0x". */
static int parse_id(const char **p, uint32_t *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || v >= UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	*p = end;
	return 0;
}

int oci_parse_user(const char *s, uint32_t *uid, uint32_t *gid, char err[OCI_USER_ERR_MAX])
{
	const char *p = s;
	uint32_t u, g = 0;
	if (parse_id(&p, &u) < 0 || (*p == ':' && (++p, parse_id(&p, &g) < 0)) || *p) {
		snprintf(err, OCI_USER_ERR_MAX, "--user=%.64s: must be UID or UID:GID (numbers below 4294967295)", s);
		return -1;
	}
	*uid = u;
	*gid = g;
	return 0;
}

int oci_parse_gids(const char *s, uint32_t *gids, size_t *n, size_t cap, char err[OCI_USER_ERR_MAX])
{
	const char *p = s;
	for (;;) {
		uint32_t g;
		if (parse_id(&p, &g) < 0 || (*p && *p != ',')) {
			snprintf(err, OCI_USER_ERR_MAX, "--additional-gids=%.64s: must be GID[,GID...] "
				 "(numbers below 4294967295)", s);
			return -1;
		}
		if (*n >= cap) {
			snprintf(err, OCI_USER_ERR_MAX, "--additional-gids: more than %zu groups", cap);
			return -1;
		}
		gids[(*n)++] = g;
		if (!*p++)
			return 0;
	}
}
