#include "runsc-lite/limits.h"

#include "runsc-lite/cgfile.h"
#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

int limits_parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (errno || end == s || *end || v == 0 || v > (~0ULL >> 20 >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int limits_parse_count(const char *s, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > (1ULL << 40))
		return -1;
	*out = v;
	return 0;
}

/* ---- the sandbox's cgroup --------------------------------------------------- */

enum { CG_PIDS, CG_MEMORY, CG_N };
static const char *const cg_names[CG_N] = { "pids", "memory" };

struct sandbox_cgroup {
	int version;               /* 1 or 2 */
	char dir[CG_N][PATH_MAX];  /* v2: dir[0] only, shared by both */
	bool has[CG_N];
	struct sandbox_limits lim;
};

static bool controller_listed(const char *dir, const char *name)
{
	char buf[1024];
	if (cgfile_read(dir, "cgroup.controllers", buf, sizeof buf) < 0)
		return false;
	for (char *save, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, name) == 0)
			return true;
	return false;
}

/* The cgroups of earlier sandboxes whose runsc-lite was killed (and so
 * could not remove them) go when the next one starts beside them: each
 * runsc-lite-PID whose PID is gone, if empty (rmdir refuses a cgroup with
 * tasks: a sandbox still running keeps its own). */
static void sweep_stale(const char *parent)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "runsc-lite-", 11) != 0)
			continue;
		long pid = strtol(e->d_name + 11, &end, 10);
		if (*end || end == e->d_name + 11 || pid <= 0 || pid > INT_MAX ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
			debugf("cgroup: removed %s/%s, left by a runsc-lite that is gone", parent, e->d_name);
	}
	closedir(d);
}

static bool make_v2(struct sandbox_cgroup *cg)
{
	char own[PATH_MAX / 2];
	if (!cgfile_is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) || cgfile_own(NULL, own, sizeof own) < 0)
		return false;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "/sys/fs/cgroup%s", strcmp(own, "/") ? own : "");
	/* may fail (a non-root cgroup with processes of its own): then the
	 * child simply lacks the controller and we fall back */
	cgfile_write(parent, "cgroup.subtree_control", "+pids");
	cgfile_write(parent, "cgroup.subtree_control", "+memory");
	sweep_stale(parent);
	int n = snprintf(cg->dir[0], sizeof cg->dir[0], "%s/runsc-lite-%d", parent, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof cg->dir[0])
		return false;
	if (mkdir(cg->dir[0], 0755) < 0) {
		debugf("cgroup v2: mkdir %s: %s", cg->dir[0], strerror(errno));
		return false;
	}
	cg->version = 2;
	cg->has[CG_PIDS] = controller_listed(cg->dir[0], "pids");
	cg->has[CG_MEMORY] = controller_listed(cg->dir[0], "memory");
	if (!cg->has[CG_PIDS] && !cg->has[CG_MEMORY]) {
		rmdir(cg->dir[0]);   /* no controller delegated to us */
		cg->dir[0][0] = 0;
		return false;
	}
	return true;
}

static bool make_v1(struct sandbox_cgroup *cg)
{
	bool any = false;
	for (int c = 0; c < CG_N; c++) {
		char mnt[64], own[PATH_MAX / 2];
		snprintf(mnt, sizeof mnt, "/sys/fs/cgroup/%s", cg_names[c]);
		if (!cgfile_is_fs(mnt, CGROUP_SUPER_MAGIC) || cgfile_own(cg_names[c], own, sizeof own) < 0)
			continue;
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") ? own : "");
		sweep_stale(parent);
		int n = snprintf(cg->dir[c], sizeof cg->dir[c], "%s/runsc-lite-%d", parent, (int)getpid());
		if (n < 0 || (size_t)n >= sizeof cg->dir[c]) {
			cg->dir[c][0] = 0;
			continue;
		}
		if (mkdir(cg->dir[c], 0755) < 0) {
			debugf("cgroup v1: mkdir %s: %s", cg->dir[c], strerror(errno));
			continue;
		}
		cg->has[c] = any = true;
	}
	cg->version = 1;
	return any;
}

static void remove_dirs(struct sandbox_cgroup *cg)
{
	for (int c = 0; c < CG_N; c++) {
		if (!cg->dir[c][0] || (cg->version == 2 && c > 0))
			continue;
		/* the last tasks of a killed sandbox may take a moment to leave */
		for (int i = 0; i < 200 && rmdir(cg->dir[c]) < 0 && errno == EBUSY; i++)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
}

struct sandbox_cgroup *limits_cgroup_create(const struct sandbox_limits *l)
{
	if (!l->pids && !l->memory)
		return NULL;
	struct sandbox_cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return NULL;
	cg->lim = *l;
	if (!make_v2(cg) && !make_v1(cg)) {
		debugf("no cgroup for the sandbox: limits are rlimits only");
		free(cg);
		return NULL;
	}
	char num[32];
	int rc = 0;
	const char *pdir = cg->dir[cg->version == 2 ? 0 : CG_PIDS];
	const char *mdir = cg->dir[cg->version == 2 ? 0 : CG_MEMORY];
	if (l->pids && cg->has[CG_PIDS]) {
		snprintf(num, sizeof num, "%" PRIu64, l->pids);
		rc = cgfile_write(pdir, "pids.max", num);
	}
	if (rc == 0 && l->memory && cg->has[CG_MEMORY]) {
		snprintf(num, sizeof num, "%" PRIu64, l->memory);
		if (cg->version == 2) {
			rc = cgfile_write(mdir, "memory.max", num);
			cgfile_write(mdir, "memory.swap.max", "0");   /* absent without swap accounting */
		} else {
			rc = cgfile_write(mdir, "memory.limit_in_bytes", num);
			cgfile_write(mdir, "memory.memsw.limit_in_bytes", num);
		}
	}
	if (rc < 0) {
		debugf("cgroup: setting the limits: %s", strerror(-rc));
		remove_dirs(cg);
		free(cg);
		return NULL;
	}
	debugf("sandbox cgroup v%d: pids %s, memory %s", cg->version, cg->has[CG_PIDS] ? "yes" : "no",
	       cg->has[CG_MEMORY] ? "yes" : "no");
	return cg;
}

bool limits_cgroup_has_memory(const struct sandbox_cgroup *cg)
{
	return cg && cg->has[CG_MEMORY];
}

int limits_cgroup_attach(struct sandbox_cgroup *cg, pid_t pid)
{
	char num[32];
	snprintf(num, sizeof num, "%d", (int)pid);
	for (int c = 0; c < CG_N; c++) {
		if (!cg->has[c] || (cg->version == 2 && c > 0 && cg->has[0]))
			continue;
		int rc = cgfile_write(cg->dir[cg->version == 2 ? 0 : c], "cgroup.procs", num);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void limits_cgroup_finish(struct sandbox_cgroup *cg)
{
	if (!cg)
		return;
	const char *pdir = cg->dir[cg->version == 2 ? 0 : CG_PIDS];
	const char *mdir = cg->dir[cg->version == 2 ? 0 : CG_MEMORY];
	uint64_t n;
	if (cg->lim.pids && cg->has[CG_PIDS] && (n = cgfile_keyed(pdir, "pids.events", "max")) > 0)
		warnx_rl("the sandbox reached its task limit (--pids-limit=%" PRIu64 "): "
			 "%" PRIu64 " fork/clone calls were refused", cg->lim.pids, n);
	if (cg->lim.memory && cg->has[CG_MEMORY]) {
		n = cgfile_keyed(mdir, cg->version == 2 ? "memory.events" : "memory.oom_control", "oom_kill");
		if (n > 0)
			warnx_rl("the sandbox reached its memory limit (--memory=%" PRIu64 " bytes): "
				 "%" PRIu64 " process(es) killed", cg->lim.memory, n);
	}
	remove_dirs(cg);
	free(cg);
}

const char *limits_cgroup_kind(const struct sandbox_cgroup *cg)
{
	return !cg ? "rlimits only" : cg->version == 2 ? "cgroup v2" : "cgroup v1";
}
