/*
 * `runsc-lite update [--resources FILE|-] [flags] ID`: runc's update, new
 * limits written into a created, running or paused container's cgroup.
 *
 * --resources is a linux.resources object (JSON, at most 64 KiB, from a
 * file or stdin); the flags (runc's names) override its fields.  Both go
 * through oci_resources_parse(), the checks config.json gets, before
 * anything is written.  A container without a cgroup cannot be updated:
 * a clear error, as runc's.
 */
#include "runsc-lite/oci.h"

#include "runsc-lite/log.h"
#include "runsc-lite/oci_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESOURCES_MAX (64 * 1024)

static json_object *read_resources(const char *path)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno(errno, "update: --resources=%s", path);
	char *buf = malloc(RESOURCES_MAX + 1);
	size_t len = 0;
	ssize_t n;
	while (buf && len <= RESOURCES_MAX && (n = read(fd, buf + len, RESOURCES_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno(errno, "update: reading --resources=%s", path);
		len += (size_t)n;
	}
	if (!buf || len > RESOURCES_MAX)
		die("update: --resources=%s: more than %d bytes", path, RESOURCES_MAX);
	if (fd > 0)
		close(fd);
	json_tokener *tok = json_tokener_new_ex(16);
	json_object *o = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	if (!tok || json_tokener_get_error(tok) != json_tokener_success || !o ||
	    !json_object_is_type(o, json_type_object))
		die("update: --resources=%s: not a JSON object", path);
	json_tokener_free(tok);
	free(buf);
	return o;
}

/* A number flag, checked as JSON is (the resource parser bounds it). */
static json_object *num(const char *flag, const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		die("update: --%s=%s: must be an integer", flag, s);
	return json_object_new_int64(v);
}

/* o[section][key] = v */
static void set(json_object *o, const char *section, const char *key, json_object *v)
{
	json_object *sec;
	if (!json_object_object_get_ex(o, section, &sec) || !json_object_is_type(sec, json_type_object)) {
		sec = json_object_new_object();
		json_object_object_add(o, section, sec);
	}
	json_object_object_add(sec, key, v);
}

int oci_cmd_update(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "pids-limit", required_argument, NULL, 'p' },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, 's' },
		{ "memory-reservation", required_argument, NULL, 'R' },
		{ "cpu-shares", required_argument, NULL, 'c' },
		{ "cpu-quota", required_argument, NULL, 'q' },
		{ "cpu-period", required_argument, NULL, 'P' },
		{ "cpuset-cpus", required_argument, NULL, 'C' },
		{ "cpuset-mems", required_argument, NULL, 'M' },
		{ "blkio-weight", required_argument, NULL, 'b' },
		{ 0, 0, 0, 0 },
	};
	json_object *res = NULL;
	struct { int flag; const char *arg; } flags[32];
	size_t nflags = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			die("update: unknown or incomplete flag %s", argv[optind - 1]);
		if (c == 'r') {
			if (res)
				die("update: --resources given twice");
			res = read_resources(optarg);
		} else if (nflags < sizeof flags / sizeof flags[0]) {
			flags[nflags].flag = c;
			flags[nflags++].arg = optarg;
		}
	}
	if (optind != argc - 1)
		die("update: usage: runsc-lite update [--resources FILE|-] [--memory N] [--pids-limit N] ... ID");
	if (!res)
		res = json_object_new_object();
	for (size_t i = 0; i < nflags; i++) {
		const char *a = flags[i].arg;
		switch (flags[i].flag) {
		case 'p': set(res, "pids", "limit", num("pids-limit", a)); break;
		case 'm': set(res, "memory", "limit", num("memory", a)); break;
		case 's': set(res, "memory", "swap", num("memory-swap", a)); break;
		case 'R': set(res, "memory", "reservation", num("memory-reservation", a)); break;
		case 'c': set(res, "cpu", "shares", num("cpu-shares", a)); break;
		case 'q': set(res, "cpu", "quota", num("cpu-quota", a)); break;
		case 'P': set(res, "cpu", "period", num("cpu-period", a)); break;
		case 'C': set(res, "cpu", "cpus", json_object_new_string(a)); break;
		case 'M': set(res, "cpu", "mems", json_object_new_string(a)); break;
		case 'b': set(res, "blockIO", "weight", num("blkio-weight", a)); break;
		}
	}
	static struct oci_resources r;
	char err[512], note[256];
	if (oci_resources_parse(res, &r, err, sizeof err, note, sizeof note) < 0)
		die("update: %s", strncmp(err, "config.json: ", 13) == 0 ? err + 13 : err);
	if (note[0])
		debugf("update: not applied: %s", note);
	const char *id = argv[optind];
	pid_t pid;
	unsigned long long start;
	struct oci_cgroup *cg = oci_container_cgroup("update", id, &pid, &start);
	if (!cg)
		die("container \"%s\" has no cgroup: its resources cannot be updated", id);
	if (oci_cgroup_apply(cg, &r, err, sizeof err) < 0)
		die("container \"%s\": %s", id, err);
	oci_cgroup_free(cg);
	json_object_put(res);
	return 0;
}
