/*
 * Users other than root: the id range of the application's user namespace
 * and the switch of each application task to its process.user
 * (docs/ARCHITECTURE.md, "Users other than root").
 *
 * Only a sentry that runs as real root (the identity map of the host's
 * user namespace: it holds every id) of an OCI container maps the whole
 * 32-bit range into the application's user namespace, as the identity, so that an id means what
 * it means on the host and in a container without a user namespace (crun):
 * a file uid 1000 creates is host uid 1000's.  Rootless, the sentry owns
 * one id and the map stays "0 0 1"; so it does for `do` and `run
 * --rootfs`, whose program is uid 0 with nothing to switch to.
 *
 * Capabilities, as Linux gives them to a container's process: a task of a
 * non-zero uid ends with none (setresuid's own fixup clears them); a task
 * of uid 0 keeps only what process.capabilities keeps of CAP_SETUID and
 * CAP_SETGID (so that `su`-like programs can drop to another user), as
 * ambient capabilities (the only way they survive an exec under
 * SECBIT_NOROOT).  Nothing else: the sandbox grants no capability that
 * reaches past its own user namespace's ids.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define APPUSER_KEEPABLE ((1ULL << CAP_SETUID) | (1ULL << CAP_SETGID))

static bool range_mapped;
static uint64_t kept_for_root;   /* the container's keep_caps, for exec's processes */

void appuser_set_keep_caps(uint64_t caps)
{
	kept_for_root = caps & APPUSER_KEEPABLE;
}

uint64_t appuser_keep_caps(void)
{
	return kept_for_root;
}

/* "0 0 4294967295": the identity of the host's user namespace. */
static bool identity_map(int procfd, const char *file)
{
	char buf[128];
	int fd = openat(procfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	unsigned long inside, outside, count;
	int used = 0;
	return sscanf(buf, " %lu %lu %lu %n", &inside, &outside, &count, &used) == 3 &&
	       buf[used] == 0 && inside == 0 && outside == 0 && count == 4294967295UL;
}

bool appuser_decide_range(int procfd, bool wanted)
{
	range_mapped = wanted && identity_map(procfd, "self/uid_map") && identity_map(procfd, "self/gid_map");
	return range_mapped;
}

bool appuser_range(void)
{
	return range_mapped;
}

const char *appuser_uid_map(void)
{
	return range_mapped ? "0 0 4294967295\n" : "0 0 1\n";
}

/*
 * The spawner's capabilities when a range is mapped: CAP_SETUID,
 * CAP_SETGID (each child switches to its user) and CAP_SETPCAP (each child
 * empties its bounding set first), permitted and effective; no
 * capability survives its children's exec but the ambient ones they
 * raise.  Securebits: no root privilege on exec (NOROOT, locked), but the
 * kernel's setuid fixup stays on, so that a task leaving uid 0 loses its
 * capabilities as on Linux.
 */
void appuser_spawner_caps(void)
{
	if (cap_set_secbits(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
			    SECBIT_KEEP_CAPS_LOCKED) < 0)
		die_errno(errno, "sandbox: securebits");
	cap_value_t keep[] = { CAP_SETUID, CAP_SETGID, CAP_SETPCAP };
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_SETUID && c != CAP_SETGID && c != CAP_SETPCAP && cap_drop_bound(c) < 0)
			die_errno(errno, "sandbox: dropping capability %d from the bounding set", (int)c);
	cap_reset_ambient();
	cap_t caps = cap_init();
	if (!caps || cap_set_flag(caps, CAP_PERMITTED, 3, keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 3, keep, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		die_errno(errno, "sandbox: the spawner's capabilities");
	cap_free(caps);
}

int appuser_check(uint32_t uid, uint32_t gid, size_t ngroups, char *why, size_t whylen)
{
	if (!range_mapped && (uid != 0 || gid != 0 || ngroups != 0)) {
		snprintf(why, whylen, "user %u:%u: this sandbox maps only id 0 (rootless: its user "
			 "namespace holds the caller's one id)", uid, gid);
		return -EINVAL;
	}
	if (uid == (uint32_t)-1 || gid == (uint32_t)-1 || ngroups > APPUSER_GROUPS_MAX) {
		snprintf(why, whylen, "user %u:%u with %zu groups: out of range", uid, gid, ngroups);
		return -EINVAL;
	}
	return 0;
}

int appuser_become(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups, uint64_t keep_caps)
{
	if (!range_mapped)
		return uid == 0 && gid == 0 && ngroups == 0 ? 0 : -EINVAL;   /* already so */
	keep_caps = uid == 0 ? keep_caps & APPUSER_KEEPABLE : 0;
	/* the bounding set first: emptying it needs CAP_SETPCAP, which the
	 * task loses below */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep_caps & (1ULL << c)) && cap_drop_bound(c) < 0)
			return -errno;
	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	if (ngroups > APPUSER_GROUPS_MAX)
		return -EINVAL;
	/* crun's (and runc's) order: groups, gid, uid.  These are trapped:
	 * the sentry re-reads this task's credentials at its next trap. */
	if (setgroups(ngroups, (const gid_t *)groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	/* a non-zero uid: the kernel's fixup cleared every capability */
	cap_t caps = cap_init();
	cap_value_t list[2];
	int n = 0;
	if (keep_caps & (1ULL << CAP_SETUID))
		list[n++] = CAP_SETUID;
	if (keep_caps & (1ULL << CAP_SETGID))
		list[n++] = CAP_SETGID;
	int rc = caps && (n == 0 || (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) == 0 &&
				     cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) == 0 &&
				     cap_set_flag(caps, CAP_INHERITABLE, n, list, CAP_SET) == 0)) &&
			 cap_set_proc(caps) == 0 ? 0 : -errno;
	cap_free(caps);
	for (int i = 0; rc == 0 && i < n; i++)
		if (cap_set_ambient(list[i], CAP_SET) < 0)
			rc = -errno;
	return rc;
}

/* /etc/passwd is the container's, hostile: read bounded, every field
 * checked; a line that does not parse is skipped, as getpwent skips it. */
#define PASSWD_MAX (256 * 1024)

void appuser_set_home(uint32_t uid)
{
	if (getenv("HOME"))
		return;
	static char buf[PASSWD_MAX + 1];
	const char *home = "/";
	size_t len = 0;
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		ssize_t n;
		while (len < PASSWD_MAX && (n = read(fd, buf + len, PASSWD_MAX - len)) > 0)
			len += (size_t)n;
		close(fd);
	}
	buf[len] = 0;
	for (char *line = buf, *next; line < buf + len; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		/* name:passwd:uid:gid:gecos:home:shell */
		char *f[7];
		int nf = 0;
		for (char *p = line; nf < 7; nf++) {
			f[nf] = p;
			p = strchr(p, ':');
			if (!p) {
				nf++;
				break;
			}
			*p++ = 0;
		}
		if (nf < 6 || f[2][0] < '0' || f[2][0] > '9')
			continue;
		char *end;
		unsigned long long u = strtoull(f[2], &end, 10);
		if (*end || u != uid || f[5][0] != '/')
			continue;
		home = f[5];
		break;
	}
	setenv("HOME", home, 1);
}
