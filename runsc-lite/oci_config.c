/*
 * config.json -> struct oci_config (see runsc-lite/oci_config.h).
 * Every value is checked here, once; the CLI and the sandbox trust the
 * struct.  Error messages name the field as a JSON path ("mounts[3].type").
 */
#include "runsc-lite/oci_config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_DEPTH 32

struct ctx {
	struct oci_config *c;
	char *err;
	const char *bundle;
};

static int bad(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct ctx *x, const char *fmt, ...)
{
	int n = snprintf(x->err, OCI_ERR_MAX, "config.json: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err + n, OCI_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void note(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ctx *x, const char *fmt, ...)
{
	struct oci_config *c = x->c;
	if (c->nnotes == OCI_NOTES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&c->notes[c->nnotes], fmt, ap) >= 0)
		c->nnotes++;
	va_end(ap);
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && v ? v : NULL;
}

/* A JSON string without an embedded NUL, at most `max` bytes. */
static int get_string(struct ctx *x, json_object *v, const char *what, size_t max, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return bad(x, "%s: must be a string", what);
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len)
		return bad(x, "%s: contains a NUL character", what);
	if (len > max)
		return bad(x, "%s: longer than %zu bytes", what, max);
	*out = s;
	return 0;
}

static int get_bool(struct ctx *x, json_object *v, const char *what, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return bad(x, "%s: must be true or false", what);
	*out = json_object_get_boolean(v);
	return 0;
}

/* An integer in [lo, hi] (hi up to UINT64_MAX: rlimits use it for "unlimited"). */
static int get_uint(struct ctx *x, json_object *v, const char *what, uint64_t hi, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(x, "%s: must be an integer", what);
	if (json_object_get_int64(v) < 0)
		return bad(x, "%s: must not be negative", what);
	uint64_t u = json_object_get_uint64(v);
	if (u > hi)
		return bad(x, "%s: %llu is out of range (at most %llu)", what, (unsigned long long)u,
			   (unsigned long long)hi);
	*out = u;
	return 0;
}

/* An absolute path, no NUL, no "." or ".." component. */
static int check_abs_path(struct ctx *x, const char *what, const char *p)
{
	if (p[0] != '/')
		return bad(x, "%s: \"%s\" must be an absolute path", what, p);
	if (strlen(p) >= PATH_MAX)
		return bad(x, "%s: longer than %d bytes", what, PATH_MAX - 1);
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return bad(x, "%s: \"%s\" must not contain \".\" or \"..\" components", what, p);
		s += n;
	}
	return 0;
}

static int get_string_array(struct ctx *x, json_object *v, const char *what, size_t maxn,
			    size_t maxlen, const char ***out, size_t *n)
{
	if (!json_object_is_type(v, json_type_array))
		return bad(x, "%s: must be an array of strings", what);
	size_t len = json_object_array_length(v);
	if (len > maxn)
		return bad(x, "%s: more than %zu entries", what, maxn);
	const char **a = calloc(len + 1, sizeof *a);
	if (!a)
		return bad(x, "out of memory");
	for (size_t i = 0; i < len; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s[%zu]", what, i);
		if (get_string(x, json_object_array_get_idx(v, i), name, maxlen, &a[i]) < 0) {
			free(a);
			return -1;
		}
	}
	*out = a;
	*n = len;
	return 0;
}

/* A path the struct keeps a copy of (resolved on the host). */
static char *own(struct ctx *x, char *p)
{
	struct oci_config *c = x->c;
	if (!p || c->nowned == sizeof c->owned / sizeof c->owned[0]) {
		free(p);
		return NULL;
	}
	return c->owned[c->nowned++] = p;
}

/* bundle-relative or absolute host path, resolved; NULL with errno */
static char *host_path(struct ctx *x, const char *p)
{
	char joined[PATH_MAX];
	if (p[0] != '/') {
		if ((size_t)snprintf(joined, sizeof joined, "%s/%s", x->bundle, p) >= sizeof joined) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		p = joined;
	}
	return realpath(p, NULL);
}

/* ---- process ------------------------------------------------------------------ */

static const struct { const char *name; int resource; } rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int oci_rlimit_resource(const char *name)
{
	for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static int parse_rlimits(struct ctx *x, json_object *v)
{
	struct oci_config *c = x->c;
	if (!json_object_is_type(v, json_type_array))
		return bad(x, "process.rlimits: must be an array");
	size_t n = json_object_array_length(v);
	if (n > SANDBOX_RLIMITS_MAX)
		return bad(x, "process.rlimits: more than %d entries", SANDBOX_RLIMITS_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(v, i);
		char what[64];
		const char *type;
		uint64_t soft, hard;
		snprintf(what, sizeof what, "process.rlimits[%zu]", i);
		if (!json_object_is_type(r, json_type_object))
			return bad(x, "%s: must be an object", what);
		if (!field(r, "type") || !field(r, "soft") || !field(r, "hard"))
			return bad(x, "%s: type, soft and hard are required", what);
		if (get_string(x, field(r, "type"), what, 64, &type) < 0 ||
		    get_uint(x, field(r, "soft"), what, UINT64_MAX, &soft) < 0 ||
		    get_uint(x, field(r, "hard"), what, UINT64_MAX, &hard) < 0)
			return -1;
		int res = oci_rlimit_resource(type);
		if (res < 0)
			return bad(x, "%s: unknown type \"%s\"", what, type);
		if (soft > hard)
			return bad(x, "%s: soft limit %llu above the hard limit %llu", what,
				   (unsigned long long)soft, (unsigned long long)hard);
		for (size_t j = 0; j < c->nrlimits; j++)
			if (c->rlimits[j].resource == res)
				return bad(x, "%s: %s given twice", what, type);
		c->rlimits[c->nrlimits++] = (struct sandbox_rlimit){ res, soft, hard };
	}
	return 0;
}

static int parse_caps(struct ctx *x, json_object *v)
{
	static const char *const sets[OCI_CAP_SETS] = { "bounding", "effective", "inheritable",
							"permitted", "ambient" };
	if (!json_object_is_type(v, json_type_object))
		return bad(x, "process.capabilities: must be an object");
	bool any = false;
	for (int s = 0; s < OCI_CAP_SETS; s++) {
		json_object *a = field(v, sets[s]);
		if (!a)
			continue;
		char what[64];
		snprintf(what, sizeof what, "process.capabilities.%s", sets[s]);
		const char **names;
		size_t n;
		if (get_string_array(x, a, what, 128, 64, &names, &n) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			cap_value_t cv;
			/* libcap knows "cap_chown" in either case; OCI spells them CAP_CHOWN */
			if (strncmp(names[i], "CAP_", 4) != 0 || cap_from_name(names[i], &cv) < 0 ||
			    cv < 0 || cv > 63) {
				bad(x, "%s[%zu]: unknown capability \"%s\"", what, i, names[i]);
				free(names);
				return -1;
			}
			x->c->caps[s] |= 1ULL << cv;
			any = true;
		}
		free(names);
	}
	if (any)
		note(x, "process.capabilities: recorded; the application runs with no capabilities "
		     "but CAP_SETUID/CAP_SETGID for uid 0 (when kept in bounding, effective and permitted)");
	return 0;
}

static int parse_user(struct ctx *x, json_object *u)
{
	struct oci_config *c = x->c;
	if (!json_object_is_type(u, json_type_object))
		return bad(x, "process.user: must be an object");
	uint64_t v;
	if (field(u, "uid")) {
		if (get_uint(x, field(u, "uid"), "process.user.uid", UINT32_MAX - 1, &v) < 0)
			return -1;
		c->uid = (uint32_t)v;
	}
	if (field(u, "gid")) {
		if (get_uint(x, field(u, "gid"), "process.user.gid", UINT32_MAX - 1, &v) < 0)
			return -1;
		c->gid = (uint32_t)v;
	}
	/* Rootless, the application's user namespace maps exactly one id, 0,
	 * to the caller's own: there is no other id to switch to (as root the
	 * sentry maps the whole range: docs/ARCHITECTURE.md, "Users other
	 * than root"). */
	if ((c->uid != 0 || c->gid != 0) && geteuid() != 0)
		return bad(x, "process.user: uid %u gid %u: without root runsc-lite maps only the "
			   "caller's own id (as uid 0): run it as root for other users", c->uid, c->gid);
	if (field(u, "umask")) {
		if (get_uint(x, field(u, "umask"), "process.user.umask", 0777, &v) < 0)
			return -1;
		c->has_umask = true;
		c->umask = (uint32_t)v;
	}
	json_object *g = field(u, "additionalGids");
	if (g) {
		if (!json_object_is_type(g, json_type_array))
			return bad(x, "process.user.additionalGids: must be an array");
		size_t n = json_object_array_length(g);
		if (n > 65536)
			return bad(x, "process.user.additionalGids: more than 65536 entries");
		free(c->additional_gids);
		c->additional_gids = n ? calloc(n, sizeof *c->additional_gids) : NULL;
		if (n && !c->additional_gids)
			return bad(x, "out of memory");
		for (size_t i = 0; i < n; i++) {
			char what[64];
			snprintf(what, sizeof what, "process.user.additionalGids[%zu]", i);
			if (get_uint(x, json_object_array_get_idx(g, i), what, UINT32_MAX - 1, &v) < 0)
				return -1;
			c->additional_gids[i] = (uint32_t)v;
		}
		c->nadditional_gids = n;
		/* (rootless there is only gid 0: they would not exist) */
		if (n && geteuid() != 0) {
			note(x, "process.user.additionalGids: %zu groups not applied (without root the "
			     "sandbox maps gid 0 only)", n);
			c->nadditional_gids = 0;
		}
	}
	return 0;
}

static int parse_process(struct ctx *x, json_object *p)
{
	struct oci_config *c = x->c;
	if (!p)
		return bad(x, "process: required");
	if (!json_object_is_type(p, json_type_object))
		return bad(x, "process: must be an object");
	json_object *v;
	if (!(v = field(p, "args")))
		return bad(x, "process.args: required");
	if (get_string_array(x, v, "process.args", OCI_ARGS_MAX, OCI_STRING_MAX, &c->args, &c->nargs) < 0)
		return -1;
	if (c->nargs == 0 || c->args[0][0] == 0)
		return bad(x, "process.args: must name a program");
	if ((v = field(p, "env"))) {
		if (get_string_array(x, v, "process.env", OCI_ENV_MAX, OCI_STRING_MAX, &c->env, &c->nenv) < 0)
			return -1;
		for (size_t i = 0; i < c->nenv; i++)
			if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
				return bad(x, "process.env[%zu]: \"%s\" is not NAME=VALUE", i, c->env[i]);
	} else if (!(c->env = calloc(1, sizeof *c->env))) {
		return bad(x, "out of memory");
	}
	if (!(v = field(p, "cwd")))
		return bad(x, "process.cwd: required");
	if (get_string(x, v, "process.cwd", PATH_MAX, &c->cwd) < 0 ||
	    check_abs_path(x, "process.cwd", c->cwd) < 0)
		return -1;
	if ((v = field(p, "terminal")) && get_bool(x, v, "process.terminal", &c->terminal) < 0)
		return -1;
	if ((v = field(p, "user")) && parse_user(x, v) < 0)
		return -1;
	if ((v = field(p, "rlimits")) && parse_rlimits(x, v) < 0)
		return -1;
	if ((v = field(p, "noNewPrivileges")) &&
	    get_bool(x, v, "process.noNewPrivileges", &c->no_new_privileges) < 0)
		return -1;
	if ((v = field(p, "capabilities")) && parse_caps(x, v) < 0)
		return -1;
	if ((v = field(p, "oomScoreAdj"))) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -1000 ||
		    json_object_get_int64(v) > 1000)
			return bad(x, "process.oomScoreAdj: must be an integer from -1000 to 1000");
		c->has_oom_score_adj = true;
		c->oom_score_adj = (int)json_object_get_int64(v);
		note(x, "process.oomScoreAdj: not applied");
	}
	if ((v = field(p, "apparmorProfile")) || (v = field(p, "selinuxLabel")))
		note(x, "process: apparmorProfile/selinuxLabel not applied");
	return 0;
}

/* ---- mounts ------------------------------------------------------------------- */

/* Options that change nothing the sandbox does (propagation, atime, the
 * flags its own mounts have anyway). */
static bool harmless_option(const char *o)
{
	static const char *const ok[] = {
		"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
		"runbindable", "nosuid", "nodev", "noexec", "suid", "dev", "exec", "relatime",
		"norelatime", "strictatime", "nostrictatime", "noatime", "atime", "nodiratime",
		"diratime", "sync", "async", "dirsync", "rw", "bind", "rbind", "z", "Z",
		"newinstance", "ptmxmode=0666", "gid=5", "mode=620", "mode=0620", "nosymfollow",
		"idmap", "ridmap", "tmpcopyup", "notmpcopyup", "copy",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(o, ok[i]) == 0)
			return true;
	return false;
}

/* size=N[kmg] / size=N% is refused: tmpfs sizes are absolute here */
static int tmpfs_option(struct ctx *x, const char *what, const char *o, struct sandbox_mount *m)
{
	const char *why;
	int rc = sandbox_tmpfs_option(o, m, &why);
	if (rc < 0)
		return bad(x, "%s: \"%s\": %s", what, o, why);
	if (rc == 0)
		return 0;
	if (strcmp(o, "ro") == 0)
		return bad(x, "%s: a read-only tmpfs is not supported", what);
	if (!harmless_option(o))
		return bad(x, "%s: unknown tmpfs option \"%s\"", what, o);
	return 0;
}

enum mount_kind { M_PROC, M_SYSFS, M_TMPFS, M_DEVPTS, M_MQUEUE, M_CGROUP, M_BIND };

static int add_mount(struct ctx *x, struct sandbox_mount *m)
{
	struct oci_config *c = x->c;
	if (c->nmounts == SANDBOX_MOUNTS_MAX)
		return bad(x, "mounts: more than %d tmpfs and bind mounts", SANDBOX_MOUNTS_MAX);
	c->mounts[c->nmounts++] = *m;
	return 0;
}

static int parse_mount(struct ctx *x, json_object *mo, size_t i)
{
	struct oci_config *c = x->c;
	char what[48];
	snprintf(what, sizeof what, "mounts[%zu]", i);
	if (!json_object_is_type(mo, json_type_object))
		return bad(x, "%s: must be an object", what);
	const char *dest, *type = NULL, *source = NULL;
	json_object *v = field(mo, "destination");
	if (!v)
		return bad(x, "%s.destination: required", what);
	char fw[64];
	snprintf(fw, sizeof fw, "%s.destination", what);
	if (get_string(x, v, fw, PATH_MAX, &dest) < 0 || check_abs_path(x, fw, dest) < 0)
		return -1;
	if (strspn(dest, "/") == strlen(dest))
		return bad(x, "%s: \"%s\": nothing can be mounted over the root", fw, dest);
	snprintf(fw, sizeof fw, "%s.type", what);
	if ((v = field(mo, "type")) && get_string(x, v, fw, 64, &type) < 0)
		return -1;
	snprintf(fw, sizeof fw, "%s.source", what);
	if ((v = field(mo, "source")) && get_string(x, v, fw, PATH_MAX, &source) < 0)
		return -1;
	const char **opts = NULL;
	size_t nopts = 0;
	snprintf(fw, sizeof fw, "%s.options", what);
	if ((v = field(mo, "options")) && get_string_array(x, v, fw, 64, 256, &opts, &nopts) < 0)
		return -1;
	bool bind = false, ro = false;
	for (size_t k = 0; k < nopts; k++) {
		bind |= strcmp(opts[k], "bind") == 0 || strcmp(opts[k], "rbind") == 0;
		ro |= strcmp(opts[k], "ro") == 0;
	}

	static const struct { const char *type; enum mount_kind kind; } types[] = {
		{ "proc", M_PROC }, { "sysfs", M_SYSFS }, { "tmpfs", M_TMPFS },
		{ "devpts", M_DEVPTS }, { "mqueue", M_MQUEUE }, { "cgroup", M_CGROUP },
		{ "cgroup2", M_CGROUP }, { "bind", M_BIND }, { "none", M_BIND },
	};
	int kind = -1;
	if (!type || !type[0])
		kind = bind ? M_BIND : -1;
	else
		for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
			if (strcmp(type, types[k].type) == 0)
				kind = types[k].kind;
	if (kind == M_BIND && !bind && type && strcmp(type, "bind") != 0)
		kind = -1;   /* "none" without bind: nothing to mount */
	int rc = 0;
	struct sandbox_mount m = { .destination = dest };
	switch (kind) {
	case M_PROC:
		/* the sandbox's own procfs, always at /proc */
		if (strcmp(dest, "/proc") != 0)
			rc = bad(x, "%s: proc is mounted at /proc only, not %s", what, dest);
		break;
	case M_SYSFS:
		/* no sysfs in the sandbox: an empty read-only directory */
		if (strcmp(dest, "/sys") != 0)
			rc = bad(x, "%s: sysfs is mounted at /sys only, not %s", what, dest);
		else if (c->nhide < sizeof c->hide / sizeof c->hide[0])
			c->hide[c->nhide++] = dest;
		note(x, "%s: sysfs at /sys is an empty read-only directory", what);
		break;
	case M_DEVPTS:
	case M_MQUEUE:
	case M_CGROUP:
		note(x, "%s: %s on %s: ignored (%s)", what, type, dest,
		     kind == M_DEVPTS ? "the sandbox's /dev has its own pts"
		     : kind == M_MQUEUE ? "no mqueue filesystem in the sandbox"
					: "no cgroup filesystem in the sandbox");
		break;
	case M_TMPFS:
		if (strcmp(dest, "/dev") == 0 || strcmp(dest, "/dev/shm") == 0) {
			note(x, "%s: tmpfs on %s: the sandbox's own %s is used", what, dest,
			     dest[4] ? "/dev/shm" : "devfs");
			break;
		}
		m.tmpfs = true;
		for (size_t k = 0; rc == 0 && k < nopts; k++)
			rc = tmpfs_option(x, what, opts[k], &m);
		if (rc == 0)
			rc = add_mount(x, &m);
		break;
	case M_BIND: {
		for (size_t k = 0; rc == 0 && k < nopts; k++)
			if (strcmp(opts[k], "ro") != 0 && !harmless_option(opts[k]))
				rc = bad(x, "%s: unknown bind option \"%s\"", what, opts[k]);
		if (rc < 0)
			break;
		if (!source || !source[0]) {
			rc = bad(x, "%s.source: required for a bind mount", what);
			break;
		}
		if (strcmp(dest, "/dev/shm") == 0) {
			note(x, "%s: bind on /dev/shm: the sandbox's own /dev/shm is used", what);
			break;
		}
		char *src = own(x, host_path(x, source));
		struct stat st;
		if (!src || stat(src, &st) < 0) {
			rc = bad(x, "%s.source: %s: %s", what, source, strerror(errno ? errno : ENOMEM));
			break;
		}
		if (S_ISREG(st.st_mode) && c->nfile_copies < SANDBOX_FILE_COPIES_MAX) {
			/* podman's /etc/hosts, /etc/resolv.conf, /etc/hostname,
			 * /run/.containerenv: files, which the gofer cannot serve as a
			 * mount's root; their content is copied into the overlay */
			c->file_copies[c->nfile_copies++] = (struct sandbox_file_copy){ dest, src };
			note(x, "%s: the file %s is copied to %s at start (later changes on either side are not seen)",
			     what, src, dest);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			note(x, "%s: bind of %s on %s: ignored (a directory or, up to %d, regular files)",
			     what, src, dest, SANDBOX_FILE_COPIES_MAX);
			break;
		}
		m.source = src;
		m.readonly = ro;
		rc = add_mount(x, &m);
		break;
	}
	default:
		rc = bad(x, "%s: type \"%s\" is not supported (proc, sysfs, tmpfs, devpts, mqueue, cgroup, "
			 "cgroup2, bind)", what, type ? type : "");
	}
	free(opts);
	return rc;
}

/* ---- linux, hooks, annotations ---------------------------------------------- */

static int parse_linux(struct ctx *x, json_object *l)
{
	if (!json_object_is_type(l, json_type_object))
		return bad(x, "linux: must be an object");
	json_object *ns = field(l, "namespaces");
	if (ns) {
		static const char *const known[] = { "pid", "network", "mount", "ipc", "uts", "user",
						     "cgroup", "time" };
		if (!json_object_is_type(ns, json_type_array) || json_object_array_length(ns) > 16)
			return bad(x, "linux.namespaces: must be an array of at most 16 entries");
		for (size_t i = 0; i < json_object_array_length(ns); i++) {
			json_object *n = json_object_array_get_idx(ns, i);
			const char *type, *path = NULL;
			char what[48];
			snprintf(what, sizeof what, "linux.namespaces[%zu].type", i);
			if (!json_object_is_type(n, json_type_object) || !field(n, "type"))
				return bad(x, "%s: required", what);
			if (get_string(x, field(n, "type"), what, 16, &type) < 0)
				return -1;
			bool ok = false;
			for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
				ok |= strcmp(type, known[k]) == 0;
			if (!ok)
				return bad(x, "%s: unknown namespace \"%s\"", what, type);
			if (field(n, "path") && get_string(x, field(n, "path"), what, PATH_MAX, &path) < 0)
				return -1;
			/* the sandbox makes every namespace of its own but the
			 * network one, which engines give it (docs/ARCHITECTURE.md,
			 * "Networking") */
			if (path && path[0] && strcmp(type, "network") == 0) {
				if (path[0] != '/')
					return bad(x, "linux.namespaces[%zu].path: must be absolute", i);
				x->c->netns_path = path;
			} else if (path && path[0]) {
				return bad(x, "linux.namespaces[%zu]: joining the %s namespace %s is not supported",
					   i, type, path);
			}
		}
	}
	if (field(l, "uidMappings") || field(l, "gidMappings"))
		note(x, "linux.uidMappings/gidMappings: not applied (the sandbox maps its own user namespace)");
	/* the container's cgroup (runsc-lite/oci_cgroup.c applies both) */
	if (field(l, "cgroupsPath") &&
	    get_string(x, field(l, "cgroupsPath"), "linux.cgroupsPath", OCI_CGROUP_PATH_MAX - 1, &x->c->cgroups_path) < 0)
		return -1;
	if (field(l, "resources")) {
		char e[OCI_ERR_MAX], n[256];
		if (oci_resources_parse(field(l, "resources"), &x->c->resources, e, sizeof e, n, sizeof n) < 0)
			return bad(x, "%s", e + (strncmp(e, "config.json: ", 13) == 0 ? 13 : 0));
		if (n[0])
			note(x, "linux.resources: not applied: %s", n);
	}
	if (field(l, "seccomp")) {
		char e[OCI_ERR_MAX], n[160];
		if (oci_seccomp_parse(field(l, "seccomp"), &x->c->seccomp, e, sizeof e, n, sizeof n) < 0)
			return bad(x, "%s", e);
		x->c->has_seccomp = true;
		if (n[0])
			note(x, "%s", n);
	}
	if (field(l, "maskedPaths") || field(l, "readonlyPaths"))
		note(x, "linux.maskedPaths/readonlyPaths: not applied (the sandbox's /proc and /sys are its own)");
	if (field(l, "devices"))
		note(x, "linux.devices: not applied (the sandbox's /dev is its own)");
	return 0;
}

/* Hooks run on the host, by the runtime (runsc-lite/oci.c): prestart and
 * createRuntime at create, poststart after start, poststop at delete.
 * createContainer and startContainer would run inside the container's
 * namespaces, where nothing of the host runs: refused. */
static int parse_hooks(struct ctx *x, json_object *h)
{
	static const char *const ours[] = { "prestart", "createRuntime", "poststart", "poststop" };
	if (!json_object_is_type(h, json_type_object))
		return bad(x, "hooks: must be an object");
	json_object_object_foreach(h, key, val) {
		char what[96];
		snprintf(what, sizeof what, "hooks.%.40s", key);
		if (!json_object_is_type(val, json_type_array))
			return bad(x, "%s: must be an array", what);
		size_t n = json_object_array_length(val);
		if (n == 0)
			continue;
		bool known = false;
		for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
			known |= strcmp(key, ours[i]) == 0;
		if (!known)
			/* a hook that silently does not run is worse than an error */
			return bad(x, "%s: not supported (prestart, createRuntime, poststart, poststop run; "
				   "nothing runs inside the sandbox)", what);
		if (n > OCI_HOOKS_MAX)
			return bad(x, "%s: more than %d hooks", what, OCI_HOOKS_MAX);
		for (size_t i = 0; i < n; i++) {
			json_object *hk = json_object_array_get_idx(val, i), *v;
			const char *path, **a;
			size_t na;
			uint64_t t = 1;
			snprintf(what, sizeof what, "hooks.%.40s[%zu]", key, i);
			if (!json_object_is_type(hk, json_type_object) || !(v = field(hk, "path")))
				return bad(x, "%s.path: required", what);
			if (get_string(x, v, what, PATH_MAX, &path) < 0 || check_abs_path(x, what, path) < 0)
				return -1;
			if ((v = field(hk, "args"))) {
				if (get_string_array(x, v, what, OCI_ARGS_MAX, OCI_STRING_MAX, &a, &na) < 0)
					return -1;
				free(a);
			}
			if ((v = field(hk, "env"))) {
				if (get_string_array(x, v, what, OCI_ENV_MAX, OCI_STRING_MAX, &a, &na) < 0)
					return -1;
				free(a);
			}
			if ((v = field(hk, "timeout")) && get_uint(x, v, what, 3600, &t) < 0)
				return -1;
			if (t == 0)
				return bad(x, "%s.timeout: must be 1 to 3600 seconds", what);
		}
		x->c->hooks = h;
	}
	return 0;
}

static int parse_annotations(struct ctx *x, json_object *a)
{
	struct oci_config *c = x->c;
	if (!json_object_is_type(a, json_type_object))
		return bad(x, "annotations: must be an object");
	size_t n = (size_t)json_object_object_length(a);
	if (n > OCI_ANNOTATIONS_MAX)
		return bad(x, "annotations: more than %d entries", OCI_ANNOTATIONS_MAX);
	c->ann_keys = calloc(n + 1, sizeof *c->ann_keys);
	c->ann_values = calloc(n + 1, sizeof *c->ann_values);
	if (!c->ann_keys || !c->ann_values)
		return bad(x, "out of memory");
	json_object_object_foreach(a, key, val) {
		const char *value;
		char what[96];
		snprintf(what, sizeof what, "annotations[\"%.60s\"]", key);
		if (strlen(key) > 1024)
			return bad(x, "annotations: a key longer than 1024 bytes");
		if (get_string(x, val, what, 64 * 1024, &value) < 0)
			return -1;
		c->ann_keys[c->nannotations] = key;
		c->ann_values[c->nannotations++] = value;
		if (strncmp(key, "dev.runsc-lite.", 15) != 0)
			continue;
		const char *k = key + 15;
		if (strcmp(k, "overlay") == 0) {
			if (strcmp(value, "true") && strcmp(value, "false"))
				return bad(x, "%s: must be \"true\" or \"false\"", what);
			c->overlay = value[0] == 't';
		} else if (strcmp(k, "platform") == 0) {
			if (strcmp(value, "seccomp") && strcmp(value, "ptrace"))
				return bad(x, "%s: must be \"seccomp\" or \"ptrace\"", what);
			c->platform = value;
		} else if (strcmp(k, "file-access") == 0) {
			if (strcmp(value, "exclusive") && strcmp(value, "shared"))
				return bad(x, "%s: must be \"exclusive\" or \"shared\"", what);
			c->file_access = value;
		} else {
			/* ours: a typo must not be silently ignored */
			return bad(x, "%s: unknown runsc-lite annotation (overlay, platform, file-access)", what);
		}
	}
	return 0;
}

/* ---- the whole file ----------------------------------------------------------- */

static int parse_root(struct ctx *x, json_object *r)
{
	struct oci_config *c = x->c;
	const char *path;
	if (!r)
		return bad(x, "root: required");
	if (!json_object_is_type(r, json_type_object) || !field(r, "path"))
		return bad(x, "root.path: required");
	if (get_string(x, field(r, "path"), "root.path", PATH_MAX, &path) < 0)
		return -1;
	if (!path[0])
		return bad(x, "root.path: must not be empty");
	json_object *ro = field(r, "readonly");
	if (ro && get_bool(x, ro, "root.readonly", &c->root_readonly) < 0)
		return -1;
	c->rootfs = own(x, host_path(x, path));
	struct stat st;
	if (!c->rootfs || stat(c->rootfs, &st) < 0)
		return bad(x, "root.path: %s: %s", path, strerror(errno ? errno : ENOMEM));
	if (!S_ISDIR(st.st_mode))
		return bad(x, "root.path: %s: not a directory", path);
	return 0;
}

int oci_config_parse(const char *text, size_t len, const char *bundle, struct oci_config *c,
		     char err[OCI_ERR_MAX])
{
	*c = (struct oci_config){ .overlay = -1 };
	struct ctx x = { .c = c, .err = err, .bundle = bundle };
	err[0] = 0;
	if (len > OCI_CONFIG_MAX)
		return bad(&x, "larger than %d bytes", OCI_CONFIG_MAX);
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return bad(&x, "out of memory");
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		/* json_tokener_continue: the text ended inside a value */
		return bad(&x, "not valid JSON: %s (at byte %zu)",
			   jerr == json_tokener_continue ? "unexpected end of file"
							 : json_tokener_error_desc(jerr), end);
	}
	c->json = root;
	for (; end < len; end++)
		if (!strchr(" \t\r\n", text[end]))
			return bad(&x, "not valid JSON: text after the object (at byte %zu)", end);
	if (!json_object_is_type(root, json_type_object))
		return bad(&x, "must be a JSON object");
	json_object *v = field(root, "ociVersion");
	if (!v)
		return bad(&x, "ociVersion: required");
	if (get_string(&x, v, "ociVersion", 64, &c->oci_version) < 0)
		return -1;
	if (strncmp(c->oci_version, "1.", 2) != 0)
		return bad(&x, "ociVersion: \"%s\" is not supported (1.x)", c->oci_version);
	if (parse_root(&x, field(root, "root")) < 0 || parse_process(&x, field(root, "process")) < 0)
		return -1;
	if ((v = field(root, "hostname"))) {
		if (get_string(&x, v, "hostname", 64, &c->hostname) < 0)
			return -1;
		if (!c->hostname[0])
			c->hostname = NULL;
	}
	if ((v = field(root, "mounts"))) {
		if (!json_object_is_type(v, json_type_array))
			return bad(&x, "mounts: must be an array");
		if (json_object_array_length(v) > OCI_MOUNTS_MAX)
			return bad(&x, "mounts: more than %d entries", OCI_MOUNTS_MAX);
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (parse_mount(&x, json_object_array_get_idx(v, i), i) < 0)
				return -1;
	}
	if ((v = field(root, "linux")) && parse_linux(&x, v) < 0)
		return -1;
	if ((v = field(root, "hooks")) && parse_hooks(&x, v) < 0)
		return -1;
	if ((v = field(root, "annotations")) && parse_annotations(&x, v) < 0)
		return -1;
	if (!c->ann_keys && (!(c->ann_keys = calloc(1, sizeof *c->ann_keys)) ||
			     !(c->ann_values = calloc(1, sizeof *c->ann_values))))
		return bad(&x, "out of memory");
	return 0;
}

int oci_config_load(const char *bundle, struct oci_config *c, char err[OCI_ERR_MAX])
{
	*c = (struct oci_config){ .overlay = -1 };
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/config.json", bundle) >= sizeof path) {
		snprintf(err, OCI_ERR_MAX, "bundle %.400s: path too long", bundle);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, OCI_ERR_MAX, "%.400s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *buf = malloc(OCI_CONFIG_MAX + 1);
	size_t n = 0;
	while (buf && n <= OCI_CONFIG_MAX) {
		ssize_t r = read(fd, buf + n, OCI_CONFIG_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!buf) {
		snprintf(err, OCI_ERR_MAX, "%.400s: out of memory", path);
		return -1;
	}
	int rc = oci_config_parse(buf, n, bundle, c, err);
	free(buf);
	return rc;
}

void oci_config_free(struct oci_config *c)
{
	free(c->args);
	free(c->env);
	free(c->ann_keys);
	free(c->ann_values);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	if (c->json)
		json_object_put(c->json);
	free(c->seccomp.rules);
	free(c->additional_gids);
	*c = (struct oci_config){ .overlay = -1 };
}

uint64_t oci_keep_caps(const struct oci_config *c)
{
	/* held as a container's root holds it: in its bounding, effective
	 * and permitted sets */
	uint64_t keepable = (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);
	return c->caps[OCI_CAP_BOUNDING] & c->caps[OCI_CAP_EFFECTIVE] & c->caps[OCI_CAP_PERMITTED] & keepable;
}

int oci_process_parse(const char *text, size_t len, struct oci_config *c, char err[OCI_ERR_MAX])
{
	*c = (struct oci_config){ .overlay = -1 };
	struct ctx x = { .c = c, .err = err, .bundle = "/" };
	err[0] = 0;
	if (len > OCI_CONFIG_MAX)
		return bad(&x, "larger than %d bytes", OCI_CONFIG_MAX);
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return bad(&x, "out of memory");
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		return bad(&x, "not valid JSON: %s", jerr == json_tokener_continue ? "unexpected end of file"
									     : json_tokener_error_desc(jerr));
	}
	c->json = root;
	return parse_process(&x, root);
}
