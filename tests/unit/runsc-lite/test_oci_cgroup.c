/* linux.resources and linux.cgroupsPath (runsc-lite/oci_cgroup.c): what a
 * podman-like resources object becomes, runc's rules for memory+swap, the
 * --systemd-cgroup mapping, and hostile values refused with a message
 * naming the field; the state record checked before anything is rmdir'ed. */
#include "runsc-lite/oci_cgroup.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct oci_resources r;
static char err[512], note[256];

static int parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	assert_non_null(o);
	int rc = oci_resources_parse(o, &r, err, sizeof err, note, sizeof note);
	json_object_put(o);
	return rc;
}

static void test_podman_like(void **state)
{
	assert_int_equal(parse("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
			       "\"memory\":{\"limit\":67108864,\"swap\":134217728,\"reservation\":1048576,"
			       "\"swappiness\":10,\"disableOOMKiller\":true},"
			       "\"pids\":{\"limit\":20},"
			       "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1,3\",\"mems\":\"0\"},"
			       "\"blockIO\":{\"weight\":500},\"unified\":{\"memory.high\":\"max\",\"cpu.max.burst\":\"1000\"}}"), 0);
	assert_true(r.any);
	assert_int_equal(r.memory, 67108864);
	assert_int_equal(r.swap, 134217728);
	assert_int_equal(r.reservation, 1048576);
	assert_true(r.has_swappiness);
	assert_int_equal(r.swappiness, 10);
	assert_true(r.disable_oom_killer);
	assert_int_equal(r.pids, 20);
	assert_int_equal(r.cpu_shares, 512);
	assert_int_equal(r.cpu_quota, 50000);
	assert_int_equal(r.cpu_period, 100000);
	assert_string_equal(r.cpus, "0-1,3");
	assert_string_equal(r.mems, "0");
	assert_int_equal(r.blkio_weight, 500);
	assert_int_equal(r.nunified, 2);
	assert_non_null(strstr(note, "devices"));
}

static void test_unlimited_and_absent(void **state)
{
	assert_int_equal(parse("{}"), 0);
	assert_false(r.any);
	assert_false(r.has_swappiness);
	/* runc: 0 is "not set" */
	assert_int_equal(parse("{\"pids\":{\"limit\":0},\"memory\":{\"limit\":0,\"swap\":0},"
			       "\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0},\"blockIO\":{\"weight\":0}}"), 0);
	assert_false(r.any);
	/* runc: pids.limit below 0 is no limit; memory -1 takes swap with it */
	assert_int_equal(parse("{\"pids\":{\"limit\":-5},\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1}}"), 0);
	assert_int_equal(r.pids, -1);
	assert_int_equal(r.memory, -1);
	assert_int_equal(r.swap, -1);
	assert_int_equal(r.cpu_quota, -1);
	/* swappiness -1: the kernel's own */
	assert_int_equal(parse("{\"memory\":{\"swappiness\":-1}}"), 0);
	assert_false(r.has_swappiness);
}

static void test_hostile(void **state)
{
	static const struct { const char *json, *field; } cases[] = {
		{ "[]", "linux.resources" },
		{ "{\"pids\":{\"limit\":\"5\"}}", "pids.limit" },
		{ "{\"pids\":{\"limit\":99999999999999}}", "pids.limit" },
		{ "{\"memory\":{\"limit\":-2}}", "memory.limit" },
		{ "{\"memory\":{\"limit\":0.5}}", "memory.limit" },
		{ "{\"memory\":{\"limit\":99999999999999999999999}}", "memory.limit" },
		{ "{\"memory\":{\"swap\":1048576}}", "memory.swap" },
		{ "{\"memory\":{\"limit\":67108864,\"swap\":1048576}}", "memory.swap" },
		{ "{\"memory\":{\"swappiness\":101}}", "memory.swappiness" },
		{ "{\"memory\":{\"disableOOMKiller\":1}}", "disableOOMKiller" },
		{ "{\"cpu\":{\"shares\":1}}", "cpu.shares" },
		{ "{\"cpu\":{\"shares\":262145}}", "cpu.shares" },
		{ "{\"cpu\":{\"quota\":999}}", "cpu.quota" },
		{ "{\"cpu\":{\"period\":2000000}}", "cpu.period" },
		{ "{\"cpu\":{\"cpus\":\"0;rm\"}}", "cpu.cpus" },
		{ "{\"cpu\":{\"cpus\":\"0-\"}}", "cpu.cpus" },
		{ "{\"cpu\":{\"mems\":\"0,\"}}", "cpu.mems" },
		{ "{\"cpu\":{\"mems\":7}}", "cpu.mems" },
		{ "{\"blockIO\":{\"weight\":5}}", "blockIO.weight" },
		{ "{\"unified\":{\"../cgroup.procs\":\"1\"}}", "unified" },
		{ "{\"unified\":{\"cgroup.procs\":\"1\"}}", "unified" },
		{ "{\"unified\":{\"cgroup.subtree_control\":\"+memory\"}}", "unified" },
		{ "{\"unified\":{\"memory/max\":\"1\"}}", "unified" },
		{ "{\"unified\":{\"Memory.max\":\"1\"}}", "unified" },
		{ "{\"unified\":{\"memory.max\":\"1\\n2\"}}", "unified.memory.max" },
		{ "{\"unified\":{\"memory.max\":\"\"}}", "unified.memory.max" },
		{ "{\"unified\":{\"memory.max\":5}}", "unified.memory.max" },
		{ "{\"unified\":[]}", "unified" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = 0;
		if (parse(cases[i].json) != -1 || !strstr(err, cases[i].field) || strchr(err, '\n'))
			fail_msg("%s: accepted, or the message does not name %s: %s", cases[i].json, cases[i].field, err);
	}
}

static void test_paths(void **state)
{
	char out[1100];
	static const struct { const char *in; bool systemd; const char *want; } ok[] = {
		{ NULL, false, "ctr1" },                    /* none: the ID, relative */
		{ "", false, "ctr1" },
		{ "/libpod_parent/libpod-abc", false, "/libpod_parent/libpod-abc" },
		{ "k8s/pod1/ctr", false, "k8s/pod1/ctr" },
		{ "machine.slice:libpod:abc", true, "/machine.slice/libpod-abc.scope" },
		{ "user-1000.slice:crio:x", true, "/user.slice/user-1000.slice/crio-x.scope" },
		{ "-.slice:p:x", true, "/p-x.scope" },
		{ ":p:x", true, "/system.slice/p-x.scope" },
		{ "a.slice::x", true, "/a.slice/x.scope" },
		{ "a.slice:p:b.slice", true, "/a.slice/b.slice" },
		/* without --systemd-cgroup, a colon is part of a name */
		{ "machine.slice:libpod:abc", false, "machine.slice:libpod:abc" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		err[0] = 0;
		if (oci_cgroup_path(ok[i].in, "ctr1", ok[i].systemd, out, sizeof out, err, sizeof err) < 0 ||
		    strcmp(out, ok[i].want))
			fail_msg("%s: got \"%s\" (%s), want %s", ok[i].in ? ok[i].in : "(none)", out, err, ok[i].want);
	}
	static const struct { const char *in; bool systemd; } bad[] = {
		{ "/", false }, { "/a/../b", false }, { "..", false }, { "/a/./b", false }, { "/a b", false },
		{ "/a\nb", false }, { "/a\\b", false }, { "a.slice:p", true }, { "a.slice:p:x:y", true },
		{ "a:p:x", true }, { "a--b.slice:p:x", true }, { "-a.slice:p:x", true }, { "a.slice:p/q:x", true },
		{ "a.slice:p:", true }, { "a.slice:p:x/../../y", true },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		if (oci_cgroup_path(bad[i].in, "ctr1", bad[i].systemd, out, sizeof out, err, sizeof err) != -1 ||
		    !strstr(err, "linux.cgroupsPath") || strchr(err, '\n'))
			fail_msg("%s: accepted as \"%s\", or a bad message: %s", bad[i].in, out, err);
	}
	char longp[1200];
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = 0;
	assert_int_equal(oci_cgroup_path(longp, "ctr1", false, out, sizeof out, err, sizeof err), -1);
}

/* state.json's record: only directories beneath /sys/fs/cgroup, no "..". */
static void test_state_record(void **state)
{
	static const char *const bad[] = {
		"{\"version\":1,\"hierarchies\":[{\"controllers\":\"memory\",\"path\":\"/etc\"}]}",
		"{\"version\":1,\"hierarchies\":[{\"controllers\":\"memory\",\"path\":\"/sys/fs/cgroup/memory/../../../etc\"}]}",
		"{\"version\":1,\"hierarchies\":[{\"controllers\":\"memory\",\"path\":\"/sys/fs/cgroupx/a\"}]}",
		"{\"version\":3,\"hierarchies\":[{\"controllers\":\"\",\"path\":\"/sys/fs/cgroup/a\"}]}",
		"{\"version\":2,\"hierarchies\":[]}",
		"{\"version\":1}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *o = json_tokener_parse(bad[i]);
		assert_non_null(o);
		struct oci_cgroup *cg = oci_cgroup_from_json(o);
		if (cg)
			fail_msg("accepted: %s", bad[i]);
		json_object_put(o);
	}
	json_object *o = json_tokener_parse("{\"version\":1,\"hierarchies\":[{\"controllers\":\"cpu,cpuacct\","
					    "\"path\":\"/sys/fs/cgroup/cpu,cpuacct/libpod_parent/x\"}]}");
	struct oci_cgroup *cg = oci_cgroup_from_json(o);
	assert_non_null(cg);
	assert_string_equal(oci_cgroup_dir(cg, "cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/libpod_parent/x");
	assert_null(oci_cgroup_dir(cg, "memory"));
	json_object *back = oci_cgroup_to_json(cg);
	assert_string_equal(json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    "{\"version\":1,\"hierarchies\":[{\"controllers\":\"cpu,cpuacct\","
			    "\"path\":\"/sys/fs/cgroup/cpu,cpuacct/libpod_parent/x\"}]}");
	json_object_put(back);
	json_object_put(o);
	oci_cgroup_free(cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_like),
		cmocka_unit_test(test_unlimited_and_absent),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_state_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
