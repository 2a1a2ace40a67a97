/*
 * The cgroup of an OCI container (see runsc-lite/oci_cgroup.h).
 *
 * A v1 host has one hierarchy per controller set (this project's machines:
 * cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids and
 * name=systemd, each mounted on its own); the container gets a directory in
 * every one of them, as runc makes it, so that an engine reading any
 * controller (podman stats: memory, cpuacct, pids, blkio) finds it.  A v2
 * host has one directory.  A hybrid host (v1 controllers plus an empty v2
 * hierarchy at /sys/fs/cgroup/unified) is a v1 host here.
 */
#include "runsc-lite/oci_cgroup.h"

#include "runsc-lite/cgfile.h"

#include "runsc-lite/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define HIER_MAX 16
#define CG_ROOT "/sys/fs/cgroup"

struct hier {
	char ctrls[128];             /* "cpu,cpuacct", "name=systemd"; "" on v2 */
	char dir[PATH_MAX];          /* the container's directory in it */
};

struct oci_cgroup {
	int version;
	size_t n;
	struct hier h[HIER_MAX];
};

/* ---- linux.resources ------------------------------------------------------- */

/* s, at most 128 bytes of it, fit for a one-line message. */
static const char *printable(const char *s)
{
	static char buf[132];
	size_t i = 0;
	for (; s[i] && i < 128; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = 0;
	return buf;
}

static json_object *jget(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) && v ? v : NULL;
}

/* An integer field in [lo, hi] (or -1, "no limit", when minus_one; or 0,
 * "not set", when lo > 0) into *out; *out untouched when the field is
 * absent. */
static int int_field(json_object *o, const char *k, const char *what, int64_t lo, int64_t hi,
		     bool minus_one, int64_t *out, char *err, size_t errlen)
{
	json_object *v = jget(o, k);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "config.json: linux.resources.%s: must be an integer", what);
		return -1;
	}
	/* json-c saturates what does not fit an int64: out of range too */
	int64_t x = json_object_get_int64(v);
	if (x == 0 && lo > 0) {   /* runc: 0 is "not set" */
		*out = 0;
		return 0;
	}
	if (minus_one && x == -1) {
		*out = -1;
		return 0;
	}
	if (x < lo || x > hi) {
		snprintf(err, errlen, "config.json: linux.resources.%s: %" PRId64 " is out of range (%" PRId64
			 " to %" PRId64 "%s)", what, x, lo, hi, minus_one ? ", or -1 for no limit" : "");
		return -1;
	}
	*out = x;
	return 0;
}

/* A cpuset list: "0-3,5,7-8", digits, '-' and ',' only, bounded. */
static bool cpuset_list_ok(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (const char *p = s; *p;) {
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == ',') {
			p++;
			if (!*p)
				return false;
		} else if (*p) {
			return false;
		}
	}
	return true;
}

/* A v2 interface file name as runc accepts it: "<controller>.<file>", no
 * '/', nothing hidden; cgroup.* files (procs, subtree_control, kill,
 * freeze...) are the runtime's own. */
static bool unified_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n < 3 || n > 63 || !islower((unsigned char)k[0]) || !strchr(k, '.') || k[n - 1] == '.')
		return false;
	if (strncmp(k, "cgroup.", 7) == 0)
		return false;
	for (const char *p = k; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' && *p != '.')
			return false;
	return strstr(k, "..") == NULL;
}

static void add_note(char *note, size_t len, const char *what)
{
	size_t used = strlen(note);
	if (used + 3 < len)
		snprintf(note + used, len - used, "%s%s", used ? ", " : "", what);
}

int oci_resources_parse(void *json, struct oci_resources *r, char *err, size_t errlen,
			char *note, size_t notelen)
{
	json_object *res = json;
	*r = (struct oci_resources){ 0 };
	note[0] = 0;
	err[0] = 0;
	if (!json_object_is_type(res, json_type_object)) {
		snprintf(err, errlen, "config.json: linux.resources: must be an object");
		return -1;
	}
	json_object *o;
	if ((o = jget(res, "pids"))) {
		int64_t v = 0;
		/* runc: 0 is "not set", less is "no limit" */
		if (int_field(o, "limit", "pids.limit", INT64_MIN + 1, 1LL << 32, false, &v, err, errlen) < 0)
			return -1;
		r->pids = v < 0 ? -1 : v;
	}
	if ((o = jget(res, "memory"))) {
		const int64_t big = INT64_MAX / 2;   /* far beyond any machine, and no overflow below */
		if (int_field(o, "limit", "memory.limit", 1, big, true, &r->memory, err, errlen) < 0 ||
		    int_field(o, "reservation", "memory.reservation", 1, big, true, &r->reservation, err, errlen) < 0 ||
		    int_field(o, "swap", "memory.swap", 1, big, true, &r->swap, err, errlen) < 0 ||
		    int_field(o, "swappiness", "memory.swappiness", 0, 100, true, &r->swappiness, err, errlen) < 0)
			return -1;
		r->has_swappiness = jget(o, "swappiness") && r->swappiness >= 0;   /* -1: the kernel's */
		/* runc's rules for memory+swap */
		if (r->swap > 0 && r->memory <= 0) {
			snprintf(err, errlen, "config.json: linux.resources.memory.swap: needs memory.limit too");
			return -1;
		}
		if (r->swap > 0 && r->swap < r->memory) {
			snprintf(err, errlen, "config.json: linux.resources.memory.swap (%" PRId64 ") must be at least "
				 "memory.limit (%" PRId64 "): it is memory+swap", r->swap, r->memory);
			return -1;
		}
		if (r->memory == -1 && r->swap == 0)
			r->swap = -1;
		json_object *d = jget(o, "disableOOMKiller");
		if (d && !json_object_is_type(d, json_type_boolean)) {
			snprintf(err, errlen, "config.json: linux.resources.memory.disableOOMKiller: must be true or false");
			return -1;
		}
		r->disable_oom_killer = d && json_object_get_boolean(d);
		if (jget(o, "kernel") || jget(o, "kernelTCP"))
			add_note(note, notelen, "memory.kernel/kernelTCP (deprecated)");
		if (jget(o, "checkBeforeUpdate") || jget(o, "useHierarchy"))
			add_note(note, notelen, "memory.checkBeforeUpdate/useHierarchy");
	}
	if ((o = jget(res, "cpu"))) {
		int64_t shares = 0, period = 0;
		if (int_field(o, "shares", "cpu.shares", 2, 262144, false, &shares, err, errlen) < 0 ||
		    int_field(o, "quota", "cpu.quota", 1000, 1LL << 40, true, &r->cpu_quota, err, errlen) < 0 ||
		    int_field(o, "period", "cpu.period", 1000, 1000000, false, &period, err, errlen) < 0)
			return -1;
		r->cpu_shares = (uint64_t)shares;
		r->cpu_period = (uint64_t)period;
		static const char *const lists[] = { "cpus", "mems" };
		for (int i = 0; i < 2; i++) {
			json_object *v = jget(o, lists[i]);
			if (!v)
				continue;
			const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
			if (!s || (*s && !cpuset_list_ok(s))) {
				snprintf(err, errlen, "config.json: linux.resources.cpu.%s: must be a list such as "
					 "\"0-3,5\" (digits, '-' and ',')", lists[i]);
				return -1;
			}
			snprintf(i ? r->mems : r->cpus, sizeof r->cpus, "%s", s);
		}
		if (jget(o, "realtimeRuntime") || jget(o, "realtimePeriod"))
			add_note(note, notelen, "cpu.realtimeRuntime/realtimePeriod");
		if (jget(o, "idle"))
			add_note(note, notelen, "cpu.idle");
	}
	if ((o = jget(res, "blockIO"))) {
		int64_t w = 0;
		if (int_field(o, "weight", "blockIO.weight", 10, 1000, false, &w, err, errlen) < 0)
			return -1;
		r->blkio_weight = (uint16_t)w;
		if (jget(o, "leafWeight") || jget(o, "weightDevice") || jget(o, "throttleReadBpsDevice") ||
		    jget(o, "throttleWriteBpsDevice") || jget(o, "throttleReadIOPSDevice") ||
		    jget(o, "throttleWriteIOPSDevice"))
			add_note(note, notelen, "blockIO per-device weights and throttles (the sandbox's files are "
				 "reached through its gofer)");
	}
	if ((o = jget(res, "unified"))) {
		if (!json_object_is_type(o, json_type_object)) {
			snprintf(err, errlen, "config.json: linux.resources.unified: must be an object of strings");
			return -1;
		}
		json_object_object_foreach(o, k, v) {
			if (r->nunified == OCI_UNIFIED_MAX) {
				snprintf(err, errlen, "config.json: linux.resources.unified: more than %d entries",
					 OCI_UNIFIED_MAX);
				return -1;
			}
			if (!unified_key_ok(k)) {
				snprintf(err, errlen, "config.json: linux.resources.unified: \"%s\" is not a cgroup v2 "
					 "file the container may set (controller.file, lower case; no cgroup.*)", printable(k));
				return -1;
			}
			const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
			bool ok = s && strlen(s) < sizeof r->unified_val[0] && *s;
			for (const char *p = s; ok && *p; p++)
				ok = *p >= 0x20 && *p < 0x7f;
			if (!ok) {
				snprintf(err, errlen, "config.json: linux.resources.unified.%s: must be a non-empty string "
					 "of printable characters, at most %zu bytes", k, sizeof r->unified_val[0] - 1);
				return -1;
			}
			snprintf(r->unified_key[r->nunified], sizeof r->unified_key[0], "%s", k);
			snprintf(r->unified_val[r->nunified], sizeof r->unified_val[0], "%s", s);
			r->nunified++;
		}
	}
	if (jget(res, "devices"))
		add_note(note, notelen, "devices (moot: the sandbox serves its own /dev)");
	if (jget(res, "hugepageLimits"))
		add_note(note, notelen, "hugepageLimits");
	if (jget(res, "network"))
		add_note(note, notelen, "network classID/priorities");
	if (jget(res, "rdma"))
		add_note(note, notelen, "rdma");
	r->any = r->pids || r->memory || r->reservation || r->swap || r->disable_oom_killer || r->has_swappiness ||
		 r->cpu_shares || r->cpu_quota || r->cpu_period || r->cpus[0] || r->mems[0] || r->blkio_weight ||
		 r->nunified;
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

/* A limit as the files take it: "max" for -1 (v2; v1 takes "-1" itself). */
static const char *limit_str(char buf[32], int64_t v)
{
	if (v < 0)
		return "max";
	snprintf(buf, 32, "%" PRId64, v);
	return buf;
}

static bool exists_at(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* A number file ("max" counts as 0: no limit); 0 when unreadable. */
static uint64_t num_at(const char *dir, const char *file)
{
	char buf[64];
	if (!dir || cgfile_read(dir, file, buf, sizeof buf) < 0)
		return 0;
	return strncmp(buf, "max", 3) == 0 ? 0 : strtoull(buf, NULL, 10);
}

static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ", \n");
		if (k == n && strncmp(p, name, n) == 0)
			return true;
		p += k;
		p += strspn(p, ", \n");
	}
	return false;
}

/* ---- hierarchies ------------------------------------------------------------- */

static const char *const v1_known[] = {
	"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb",
	"net_cls", "net_prio", "perf_event", "rdma", "misc",
};

/* The v1 hierarchies mounted (mount point and controller list), from
 * /proc/self/mountinfo: "... MOUNTPOINT ... - cgroup SRC rw,cpu,cpuacct". */
static size_t v1_hierarchies(char mnt[][PATH_MAX], char ctrls[][128], size_t max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	char line[4096];
	size_t n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - cgroup ");
		if (!sep)
			continue;
		char root[PATH_MAX], point[PATH_MAX], src[256], opts[512];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(sep + 10, "%255s %511s", src, opts) != 2 || strchr(point, '\\') || strcmp(root, "/"))
			continue;
		char list[128] = "";
		for (char *save, *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			bool known = strncmp(t, "name=", 5) == 0;
			for (size_t i = 0; !known && i < sizeof v1_known / sizeof v1_known[0]; i++)
				known = strcmp(t, v1_known[i]) == 0;
			if (known && strlen(list) + strlen(t) + 2 < sizeof list)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? "," : "", t);
		}
		bool dup = !list[0];
		for (size_t i = 0; i < n && !dup; i++)
			dup = strcmp(ctrls[i], list) == 0;
		if (dup)
			continue;
		snprintf(mnt[n], PATH_MAX, "%s", point);
		snprintf(ctrls[n], 128, "%s", list);
		n++;
	}
	fclose(f);
	return n;
}

/* ---- cgroupsPath ---------------------------------------------------------------- */

static bool path_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/_.:@+-=,", *s))
			return false;
	return true;
}

/* A cgroup path (absolute or relative): printable, no "." or ".."
 * components, at least one component. */
static bool cg_path_ok(const char *p)
{
	if (!*p || strlen(p) >= OCI_CGROUP_PATH_MAX || !path_chars_ok(p))
		return false;
	int comps = 0;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		comps += n > 0;
		s += n;
	}
	return comps > 0;
}

/* --systemd-cgroup "slice:prefix:name" -> "/a.slice/a-b.slice/prefix-name.scope",
 * the cgroup systemd would make for that unit. */
static int systemd_path(const char *spec, char *out, size_t size, char *err, size_t errlen)
{
	char copy[OCI_CGROUP_PATH_MAX];
	if (strlen(spec) >= sizeof copy)
		goto bad;
	snprintf(copy, sizeof copy, "%s", spec);
	char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		goto bad;
	*c1 = *c2 = 0;
	const char *slice = copy[0] ? copy : "system.slice", *prefix = c1 + 1, *name = c2 + 1;
	size_t sl = strlen(slice);
	if (!*name || strchr(slice, '/') || strchr(prefix, '/') || strchr(name, '/') || sl < 7 ||
	    strcmp(slice + sl - 6, ".slice") || !path_chars_ok(slice) || !path_chars_ok(prefix) || !path_chars_ok(name))
		goto bad;
	size_t used = 0;
	out[0] = 0;
	if (strcmp(slice, "-.slice") != 0) {
		/* "a-b-c.slice" lives in "a.slice/a-b.slice/a-b-c.slice" */
		if (slice[0] == '-' || strstr(slice, "--") || slice[sl - 7] == '-')
			goto bad;
		for (size_t i = 0; i < sl - 6; i++) {
			if (slice[i] != '-' && i != sl - 7)
				continue;
			size_t k = slice[i] == '-' ? i : i + 1;
			used += (size_t)snprintf(out + used, size - used, "/%.*s.slice", (int)k, slice);
			if (used >= size)
				goto bad;
		}
	}
	size_t nl = strlen(name);
	if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
		used += (size_t)snprintf(out + used, size - used, "/%s", name);
	else
		used += (size_t)snprintf(out + used, size - used, "/%s%s%s.scope", prefix, *prefix ? "-" : "", name);
	if (used >= size || !cg_path_ok(out))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "config.json: linux.cgroupsPath \"%s\": with --systemd-cgroup it must be "
		 "\"slice:prefix:name\" (a slice ending in .slice, no '/')", printable(spec));
	return -1;
}

int oci_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char *out, size_t size,
		    char *err, size_t errlen)
{
	if (!cgroups_path || !cgroups_path[0]) {
		snprintf(out, size, "%s", id);   /* runc: the ID, beneath the caller's cgroup */
	} else if (systemd && strchr(cgroups_path, ':')) {
		if (systemd_path(cgroups_path, out, size, err, errlen) < 0)
			return -1;
	} else if (strlen(cgroups_path) < size) {
		snprintf(out, size, "%s", cgroups_path);
	} else {
		out[0] = 0;
	}
	if (!cg_path_ok(out)) {
		snprintf(err, errlen, "config.json: linux.cgroupsPath \"%s\": must be a path of A-Z a-z 0-9 "
			 "_ . : @ + - = , components (not . or ..), at most %d bytes",
			 printable(cgroups_path && cgroups_path[0] ? cgroups_path : id), OCI_CGROUP_PATH_MAX - 1);
		return -1;
	}
	return 0;
}

/* ---- making it ---------------------------------------------------------------- */

/* mkdir -p of dir beneath mnt; on a v1 cpuset hierarchy each new level gets
 * its parent's cpus and mems (an empty cpuset admits no task). */
static int make_dirs(const char *mnt, const char *dir, bool cpuset)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + strlen(mnt) + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(path, 0755) == 0) {
			if (cpuset) {
				char parent[PATH_MAX], buf[512];
				snprintf(parent, sizeof parent, "%s", path);
				*strrchr(parent, '/') = 0;
				static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
				for (int i = 0; i < 2; i++) {
					if (cgfile_read(parent, files[i], buf, sizeof buf) < 0)
						continue;
					buf[strcspn(buf, "\n")] = 0;
					if (buf[0])
						cgfile_write(path, files[i], buf);
				}
			}
		} else if (errno != EEXIST) {
			return -errno;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* v2: the controllers the leaf needs, enabled in each ancestor's
 * subtree_control below the mount (failures leave the leaf without them:
 * apply() says which is missing). */
static void enable_v2_controllers(const char *leaf)
{
	static const char *const want[] = { "cpu", "cpuset", "io", "memory", "pids" };
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", leaf);
	char *slash = path + strlen(CG_ROOT);
	for (;;) {
		char *next = strchr(slash + 1, '/');
		char c = *slash;
		*slash = 0;
		char avail[512];
		if (cgfile_read(path, "cgroup.controllers", avail, sizeof avail) == 0)
			for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
				if (list_has(avail, want[i])) {
					char w[32];
					snprintf(w, sizeof w, "+%s", want[i]);
					cgfile_write(path, "cgroup.subtree_control", w);
				}
		*slash = c;
		if (!next)
			break;
		slash = next;
	}
}

struct oci_cgroup *oci_cgroup_create(const char *cgroups_path, const char *id, bool systemd,
				     const struct oci_resources *r, char *err, size_t errlen,
				     char *why, size_t whylen)
{
	err[0] = why[0] = 0;
	char rel[OCI_CGROUP_PATH_MAX + 8];
	if (oci_cgroup_path(cgroups_path, id, systemd, rel, sizeof rel, err, errlen) < 0)
		return NULL;
	bool absolute = rel[0] == '/';
	struct oci_cgroup *cg = calloc(1, sizeof *cg);
	if (!cg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	static char mnt[HIER_MAX][PATH_MAX], ctrls[HIER_MAX][128];
	size_t nh;
	if (cgfile_is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC)) {
		cg->version = 2;
		snprintf(mnt[0], PATH_MAX, "%s", CG_ROOT);
		ctrls[0][0] = 0;
		nh = 1;
	} else {
		cg->version = 1;
		nh = v1_hierarchies(mnt, ctrls, HIER_MAX);
	}
	int first_err = 0;
	for (size_t i = 0; i < nh; i++) {
		char own[PATH_MAX / 2] = "";
		if (!absolute && cgfile_own(ctrls[i], own, sizeof own) < 0)
			continue;
		struct hier *h = &cg->h[cg->n];
		int len = snprintf(h->dir, sizeof h->dir, "%s%s%s%s", mnt[i], own, absolute ? "" : "/", rel);
		if (len < 0 || (size_t)len >= sizeof h->dir) {
			snprintf(err, errlen, "linux.cgroupsPath: %s%s/%s is too long", mnt[i], own, rel);
			goto fail;
		}
		/* "a//b" and a trailing '/' name the same directory */
		for (char *p = h->dir; (p = strstr(p, "//"));)
			memmove(p, p + 1, strlen(p));
		if (h->dir[strlen(h->dir) - 1] == '/')
			h->dir[strlen(h->dir) - 1] = 0;
		int rc = make_dirs(mnt[i], h->dir, cg->version == 1 && list_has(ctrls[i], "cpuset"));
		if (rc < 0) {
			if (!first_err)
				first_err = rc;
			debugf("cgroup: mkdir %s: %s", h->dir, strerror(-rc));
			/* name=systemd and the like: the container works without them */
			if (strncmp(ctrls[i], "name=", 5) == 0)
				continue;
			/* not root, nothing delegated: without (said at the end) */
			if ((rc == -EACCES || rc == -EPERM || rc == -EROFS) && geteuid() != 0)
				continue;
			snprintf(err, errlen, "creating the container's cgroup %s: %s", h->dir, strerror(-rc));
			goto fail;
		}
		memcpy(h->ctrls, ctrls[i], sizeof h->ctrls);
		cg->n++;
	}
	if (cg->n == 0) {
		snprintf(why, whylen, "no cgroup for the container (%s)",
			 nh == 0 ? "no cgroup hierarchy is mounted"
				 : first_err ? strerror(-first_err) : "the caller's cgroup is unknown");
		free(cg);
		return NULL;
	}
	if (cg->version == 2)
		enable_v2_controllers(cg->h[0].dir);
	if (r && oci_cgroup_apply(cg, r, err, errlen) < 0)
		goto fail;
	debugf("cgroup v%d: %s (%zu hierarch%s)", cg->version, cg->h[0].dir, cg->n, cg->n == 1 ? "y" : "ies");
	return cg;
fail:
	for (size_t i = 0; i < cg->n; i++)
		rmdir(cg->h[i].dir);
	free(cg);
	return NULL;
}

const char *oci_cgroup_dir(const struct oci_cgroup *cg, const char *controller)
{
	if (!cg)
		return NULL;
	if (cg->version == 2) {
		char avail[512];
		if (strcmp(controller, "freezer") == 0 || strcmp(controller, "cpuacct") == 0)
			return cg->h[0].dir;
		return cgfile_read(cg->h[0].dir, "cgroup.controllers", avail, sizeof avail) == 0 &&
		       list_has(avail, strcmp(controller, "blkio") == 0 ? "io" : controller) ? cg->h[0].dir : NULL;
	}
	for (size_t i = 0; i < cg->n; i++)
		if (list_has(cg->h[i].ctrls, controller))
			return cg->h[i].dir;
	return NULL;
}

int oci_cgroup_version(const struct oci_cgroup *cg)
{
	return cg->version;
}

/* ---- resources ------------------------------------------------------------------ */

struct applier {
	struct oci_cgroup *cg;
	char *err;
	size_t errlen;
	int rc;
};

/* Writes one value; a controller the host lacks is a warning (the host
 * cannot do it: said, not hidden), a refused write an error. */
static void put(struct applier *a, const char *ctrl, const char *file, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void put(struct applier *a, const char *ctrl, const char *file, const char *what, const char *fmt, ...)
{
	if (a->rc < 0)
		return;
	const char *dir = oci_cgroup_dir(a->cg, ctrl);
	if (!dir) {
		warnx_rl("linux.resources.%s: not applied: this host has no %s cgroup controller for the "
			 "container (cgroup v%d)", what, ctrl, a->cg->version);
		return;
	}
	char val[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof val, fmt, ap);
	va_end(ap);
	int rc = cgfile_write(dir, file, val);
	if (rc < 0) {
		snprintf(a->err, a->errlen, "linux.resources.%s: writing \"%s\" to %s/%s: %s", what, val, dir, file,
			 strerror(-rc));
		a->rc = -1;
	}
}

int oci_cgroup_apply(struct oci_cgroup *cg, const struct oci_resources *r, char *err, size_t errlen)
{
	struct applier a = { cg, err, errlen, 0 };
	bool v2 = cg->version == 2;
	char b[32];
	if (r->pids)
		put(&a, "pids", "pids.max", "pids.limit", "%s", limit_str(b, r->pids));
	if (v2) {
		if (r->memory)
			put(&a, "memory", "memory.max", "memory.limit", "%s", limit_str(b, r->memory));
		if (r->reservation)
			put(&a, "memory", "memory.low", "memory.reservation", "%s", limit_str(b, r->reservation));
		/* runc: v2 swap is apart from memory, v1's memsw includes it */
		if (r->swap && exists_at(cg->h[0].dir, "memory.swap.max"))
			put(&a, "memory", "memory.swap.max", "memory.swap", "%s",
			    limit_str(b, r->swap < 0 ? -1 : r->swap - (r->memory > 0 ? r->memory : 0)));
		else if (r->swap)
			warnx_rl("linux.resources.memory.swap: not applied: no swap accounting on this host");
		if (r->disable_oom_killer)
			warnx_rl("linux.resources.memory.disableOOMKiller: not applied: cgroup v2 has no such switch");
		if (r->has_swappiness)
			warnx_rl("linux.resources.memory.swappiness: not applied: cgroup v2 has no such file");
		if (r->cpu_shares)   /* runc's conversion, [2, 262144] to [1, 10000] */
			put(&a, "cpu", "cpu.weight", "cpu.shares", "%" PRIu64,
			    1 + ((r->cpu_shares - 2) * 9999) / 262142);
		if (r->cpu_quota || r->cpu_period) {
			uint64_t period = r->cpu_period ? r->cpu_period : 100000;
			if (r->cpu_quota > 0)
				put(&a, "cpu", "cpu.max", "cpu.quota", "%" PRId64 " %" PRIu64, r->cpu_quota, period);
			else
				put(&a, "cpu", "cpu.max", "cpu.quota", "max %" PRIu64, period);
		}
		if (r->cpus[0])
			put(&a, "cpuset", "cpuset.cpus", "cpu.cpus", "%s", r->cpus);
		if (r->mems[0])
			put(&a, "cpuset", "cpuset.mems", "cpu.mems", "%s", r->mems);
		if (r->blkio_weight) {
			if (exists_at(cg->h[0].dir, "io.bfq.weight"))
				put(&a, "blkio", "io.bfq.weight", "blockIO.weight", "%u", r->blkio_weight);
			else   /* runc's conversion, [10, 1000] to [1, 10000] */
				put(&a, "blkio", "io.weight", "blockIO.weight", "default %u",
				    1 + ((unsigned)r->blkio_weight - 10) * 9999 / 990);
		}
		for (size_t i = 0; i < r->nunified && a.rc == 0; i++) {
			int rc = cgfile_write(cg->h[0].dir, r->unified_key[i], r->unified_val[i]);
			if (rc < 0) {
				snprintf(err, errlen, "linux.resources.unified.%s: writing \"%s\": %s%s", r->unified_key[i],
					 r->unified_val[i], strerror(-rc),
					 rc == -ENOENT ? " (no such file: its controller is not enabled here)" : "");
				a.rc = -1;
			}
		}
		return a.rc;
	}
	if (r->nunified) {
		snprintf(err, errlen, "linux.resources.unified: needs cgroup v2, and this host has cgroup v1");
		return -1;
	}
	const char *mdir = oci_cgroup_dir(cg, "memory");
	/* v1 wants memory <= memory+swap at every step: raising both, the
	 * second goes first (runc's order) */
	bool memsw = r->swap && mdir && exists_at(mdir, "memory.memsw.limit_in_bytes");
	bool raise = memsw && (r->swap < 0 || (uint64_t)r->swap > num_at(mdir, "memory.memsw.limit_in_bytes"));
	if (raise)
		put(&a, "memory", "memory.memsw.limit_in_bytes", "memory.swap", "%" PRId64, r->swap);
	if (r->memory)
		put(&a, "memory", "memory.limit_in_bytes", "memory.limit", "%" PRId64, r->memory);
	if (memsw && !raise)
		put(&a, "memory", "memory.memsw.limit_in_bytes", "memory.swap", "%" PRId64, r->swap);
	else if (r->swap > 0 && mdir && !memsw)
		warnx_rl("linux.resources.memory.swap: not applied: no swap accounting on this host");
	if (r->reservation)
		put(&a, "memory", "memory.soft_limit_in_bytes", "memory.reservation", "%" PRId64, r->reservation);
	if (r->disable_oom_killer)
		put(&a, "memory", "memory.oom_control", "memory.disableOOMKiller", "1");
	if (r->has_swappiness)
		put(&a, "memory", "memory.swappiness", "memory.swappiness", "%" PRId64, r->swappiness);
	if (r->cpu_shares)
		put(&a, "cpu", "cpu.shares", "cpu.shares", "%" PRIu64, r->cpu_shares);
	if (r->cpu_period)
		put(&a, "cpu", "cpu.cfs_period_us", "cpu.period", "%" PRIu64, r->cpu_period);
	if (r->cpu_quota)
		put(&a, "cpu", "cpu.cfs_quota_us", "cpu.quota", "%" PRId64, r->cpu_quota);
	if (r->cpus[0])
		put(&a, "cpuset", "cpuset.cpus", "cpu.cpus", "%s", r->cpus);
	if (r->mems[0])
		put(&a, "cpuset", "cpuset.mems", "cpu.mems", "%s", r->mems);
	if (r->blkio_weight) {
		const char *bdir = oci_cgroup_dir(cg, "blkio");
		if (bdir && exists_at(bdir, "blkio.weight"))
			put(&a, "blkio", "blkio.weight", "blockIO.weight", "%u", r->blkio_weight);
		else if (bdir && exists_at(bdir, "blkio.bfq.weight"))
			put(&a, "blkio", "blkio.bfq.weight", "blockIO.weight", "%u", r->blkio_weight);
		else
			warnx_rl("linux.resources.blockIO.weight: not applied: no I/O scheduler with weights here");
	}
	return a.rc;
}

int oci_cgroup_attach(const struct oci_cgroup *cg, pid_t pid)
{
	char num[32];
	snprintf(num, sizeof num, "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		int rc = cgfile_write(cg->h[i].dir, "cgroup.procs", num);
		if (rc < 0 && strncmp(cg->h[i].ctrls, "name=", 5) != 0)
			return rc;
	}
	return 0;
}

/* ---- state ---------------------------------------------------------------------- */

void *oci_cgroup_to_json(const struct oci_cgroup *cg)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "version", json_object_new_int(cg->version));
	for (size_t i = 0; i < cg->n; i++) {
		json_object *h = json_object_new_object();
		json_object_object_add(h, "controllers", json_object_new_string(cg->h[i].ctrls));
		json_object_object_add(h, "path", json_object_new_string(cg->h[i].dir));
		json_object_array_add(a, h);
	}
	json_object_object_add(o, "hierarchies", a);
	return o;
}

struct oci_cgroup *oci_cgroup_from_json(void *json)
{
	json_object *o = json, *v = jget(o, "version"), *a = jget(o, "hierarchies");
	if (!v || !json_object_is_type(v, json_type_int) || !a || !json_object_is_type(a, json_type_array))
		return NULL;
	int version = json_object_get_int(v);
	size_t n = json_object_array_length(a);
	if ((version != 1 && version != 2) || n == 0 || n > HIER_MAX || (version == 2 && n != 1))
		return NULL;
	struct oci_cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return NULL;
	cg->version = version;
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(a, i);
		json_object *c = jget(h, "controllers"), *p = jget(h, "path");
		const char *cs = c && json_object_is_type(c, json_type_string) ? json_object_get_string(c) : NULL;
		const char *ps = p && json_object_is_type(p, json_type_string) ? json_object_get_string(p) : NULL;
		/* only a directory beneath the cgroup mounts, no ".." in it */
		if (!cs || !ps || strlen(cs) >= sizeof cg->h[0].ctrls || strlen(ps) >= sizeof cg->h[0].dir ||
		    strncmp(ps, CG_ROOT "/", sizeof CG_ROOT) != 0 || !cg_path_ok(ps + sizeof CG_ROOT)) {
			free(cg);
			return NULL;
		}
		snprintf(cg->h[i].ctrls, sizeof cg->h[i].ctrls, "%s", cs);
		snprintf(cg->h[i].dir, sizeof cg->h[i].dir, "%s", ps);
	}
	cg->n = n;
	return cg;
}

void oci_cgroup_free(struct oci_cgroup *cg)
{
	free(cg);
}

int oci_cgroup_destroy(struct oci_cgroup *cg)
{
	if (!cg)
		return 0;
	int first = 0;
	/* a frozen cgroup's tasks cannot exit: thaw it first */
	oci_cgroup_freeze(cg, false);
	for (size_t i = 0; i < cg->n; i++) {
		if (!cgfile_is_fs(cg->h[i].dir, cg->version == 2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
			continue;   /* gone already (or never a cgroup: never rmdir'ed) */
		int rc = 0;
		/* the last tasks of a killed sandbox may take a moment to leave */
		for (int k = 0; k < 3000; k++) {
			rc = rmdir(cg->h[i].dir) == 0 || errno == ENOENT ? 0 : -errno;
			if (rc != -EBUSY)
				break;
			nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
		}
		if (rc < 0 && !first)
			first = rc;
		if (rc < 0)
			debugf("cgroup: rmdir %s: %s", cg->h[i].dir, strerror(-rc));
	}
	free(cg);
	return first;
}

/* ---- freezer -------------------------------------------------------------------- */

bool oci_cgroup_frozen(const struct oci_cgroup *cg)
{
	char buf[64];
	const char *dir = oci_cgroup_dir(cg, "freezer");
	if (!dir)
		return false;
	if (cg->version == 2)
		return cgfile_read(dir, "cgroup.freeze", buf, sizeof buf) == 0 && buf[0] == '1';
	return cgfile_read(dir, "freezer.state", buf, sizeof buf) == 0 && strncmp(buf, "THAWED", 6) != 0;
}

int oci_cgroup_freeze(const struct oci_cgroup *cg, bool freeze)
{
	const char *dir = oci_cgroup_dir(cg, "freezer");
	if (!dir || (cg->version == 2 && !exists_at(dir, "cgroup.freeze")))
		return -ENOTSUP;
	bool v2 = cg->version == 2;
	int rc = v2 ? cgfile_write(dir, "cgroup.freeze", freeze ? "1" : "0")
		    : cgfile_write(dir, "freezer.state", freeze ? "FROZEN" : "THAWED");
	if (rc < 0)
		return rc;
	/* the kernel freezes task by task: wait (bounded) until all are */
	for (int i = 0; i < 500; i++) {
		char buf[256];
		bool done;
		if (v2)
			done = (cgfile_keyed(dir, "cgroup.events", "frozen") == 1) == freeze;
		else
			done = cgfile_read(dir, "freezer.state", buf, sizeof buf) == 0 &&
			       strncmp(buf, freeze ? "FROZEN" : "THAWED", 6) == 0;
		if (done)
			return 0;
		if (!v2 && freeze && i % 10 == 9)   /* v1 may need asking again */
			cgfile_write(dir, "freezer.state", "FROZEN");
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
	if (freeze) {
		if (v2)
			cgfile_write(dir, "cgroup.freeze", "0");
		else
			cgfile_write(dir, "freezer.state", "THAWED");
	}
	return -EBUSY;
}

/* ---- oom, stats ------------------------------------------------------------------- */

uint64_t oci_cgroup_oom_kills(const struct oci_cgroup *cg)
{
	const char *dir = oci_cgroup_dir(cg, "memory");
	if (!dir)
		return 0;
	return cgfile_keyed(dir, cg->version == 2 ? "memory.events" : "memory.oom_control", "oom_kill");
}

bool oci_cgroup_under_oom(const struct oci_cgroup *cg)
{
	const char *dir = oci_cgroup_dir(cg, "memory");
	return dir && cg->version == 1 && cgfile_keyed(dir, "memory.oom_control", "under_oom") > 0;
}

int oci_cgroup_oom_fd(const struct oci_cgroup *cg)
{
	const char *dir = oci_cgroup_dir(cg, "memory");
	if (!dir)
		return -1;
	char path[PATH_MAX + 32];
	if (cg->version == 2) {
		int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		snprintf(path, sizeof path, "%s/memory.events", dir);
		if (fd >= 0 && inotify_add_watch(fd, path, IN_MODIFY) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	/* v1: an eventfd the memory controller signals on OOM
	 * (cgroup.event_control "<eventfd> <fd of memory.oom_control>") */
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(path, sizeof path, "%s/memory.oom_control", dir);
	int ofd = efd >= 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	char line[64];
	snprintf(line, sizeof line, "%d %d", efd, ofd);
	int rc = ofd >= 0 ? cgfile_write(dir, "cgroup.event_control", line) : -1;
	if (ofd >= 0)
		close(ofd);
	if (rc < 0) {
		if (efd >= 0)
			close(efd);
		return -1;
	}
	return efd;
}

void oci_cgroup_stats(const struct oci_cgroup *cg, struct oci_cgroup_stats *st)
{
	*st = (struct oci_cgroup_stats){ 0 };
	const char *mdir = oci_cgroup_dir(cg, "memory"), *pdir = oci_cgroup_dir(cg, "pids");
	const char *cdir = oci_cgroup_dir(cg, "cpuacct"), *qdir = oci_cgroup_dir(cg, "cpu");
	if (cg->version == 2) {
		if (mdir) {
			st->has_memory = true;
			st->mem_usage = num_at(mdir, "memory.current");
			st->mem_limit = num_at(mdir, "memory.max");
			st->mem_max = num_at(mdir, "memory.peak");
			st->mem_failcnt = cgfile_keyed(mdir, "memory.events", "max");
			st->swap_usage = num_at(mdir, "memory.swap.current");
			st->swap_limit = num_at(mdir, "memory.swap.max");
		}
		if (cdir) {   /* cpu.stat is there without the cpu controller too */
			st->has_cpu = true;
			st->cpu_total_ns = cgfile_keyed(cdir, "cpu.stat", "usage_usec") * 1000;
			st->cpu_user_ns = cgfile_keyed(cdir, "cpu.stat", "user_usec") * 1000;
			st->cpu_kernel_ns = cgfile_keyed(cdir, "cpu.stat", "system_usec") * 1000;
			st->cpu_periods = cgfile_keyed(cdir, "cpu.stat", "nr_periods");
			st->cpu_throttled_periods = cgfile_keyed(cdir, "cpu.stat", "nr_throttled");
			st->cpu_throttled_ns = cgfile_keyed(cdir, "cpu.stat", "throttled_usec") * 1000;
		}
	} else {
		if (mdir) {
			st->has_memory = true;
			st->mem_usage = num_at(mdir, "memory.usage_in_bytes");
			st->mem_limit = num_at(mdir, "memory.limit_in_bytes");
			st->mem_max = num_at(mdir, "memory.max_usage_in_bytes");
			st->mem_failcnt = num_at(mdir, "memory.failcnt");
			st->swap_usage = num_at(mdir, "memory.memsw.usage_in_bytes");
			st->swap_limit = num_at(mdir, "memory.memsw.limit_in_bytes");
		}
		if (cdir) {
			long tick = sysconf(_SC_CLK_TCK);
			uint64_t ns_per_tick = tick > 0 ? 1000000000ULL / (uint64_t)tick : 10000000ULL;
			st->has_cpu = true;
			st->cpu_total_ns = num_at(cdir, "cpuacct.usage");
			st->cpu_user_ns = cgfile_keyed(cdir, "cpuacct.stat", "user") * ns_per_tick;
			st->cpu_kernel_ns = cgfile_keyed(cdir, "cpuacct.stat", "system") * ns_per_tick;
		}
		if (qdir) {
			st->cpu_periods = cgfile_keyed(qdir, "cpu.stat", "nr_periods");
			st->cpu_throttled_periods = cgfile_keyed(qdir, "cpu.stat", "nr_throttled");
			st->cpu_throttled_ns = cgfile_keyed(qdir, "cpu.stat", "throttled_time");
		}
	}
	if (pdir) {
		st->has_pids = true;
		st->pids_current = num_at(pdir, "pids.current");
		st->pids_limit = num_at(pdir, "pids.max");
	}
}
