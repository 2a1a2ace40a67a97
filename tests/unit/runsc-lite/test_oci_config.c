/* config.json parsing (runsc-lite/oci_config.c): what a podman-like config
 * becomes, and every kind of hostile or unsupported input refused with a
 * message naming the field.  A temporary bundle directory holds the rootfs,
 * a directory to bind and a file to bind. */
#include "runsc-lite/oci_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <seccomp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char bundle[64];

static int group_setup(void **state)
{
	snprintf(bundle, sizeof bundle, "/tmp/oci-unit.XXXXXX");
	assert_non_null(mkdtemp(bundle));
	char p[128];
	snprintf(p, sizeof p, "%s/rootfs", bundle);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/vol", bundle);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/file", bundle);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", bundle);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int parse(const char *json, struct oci_config *c, char *err)
{
	return oci_config_parse(json, strlen(json), bundle, c, err);
}

#define MIN_HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
#define MIN_PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

static void test_podman_like_config(void **state)
{
	char json[8192];
	snprintf(json, sizeof json,
		 "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"%s/rootfs\",\"readonly\":true},"
		 "\"hostname\":\"c1\",\"unknownField\":{\"x\":[1,2]},"
		 "\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0,\"umask\":18,"
		 "\"additionalGids\":[0,1,2]},\"args\":[\"sh\",\"-c\",\"exit 7\"],"
		 "\"env\":[\"PATH=/bin\",\"TERM=xterm\"],\"cwd\":\"/root\","
		 "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]},"
		 "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1048576,\"soft\":1024},"
		 "{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":0}],"
		 "\"noNewPrivileges\":true,\"oomScoreAdj\":0},"
		 "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		 "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		 "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
		 "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
		 "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
		 "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"rprivate\",\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
		 "{\"destination\":\"/dev/shm\",\"type\":\"bind\",\"source\":\"%s/vol\",\"options\":[\"bind\",\"private\"]},"
		 "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"%s/file\",\"options\":[\"bind\",\"rprivate\"]},"
		 "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol\",\"options\":[\"rbind\",\"ro\"]},"
		 "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"options\":[\"size=1m\",\"mode=1700\",\"nr_inodes=100\"]}],"
		 "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"mount\"}],"
		 "\"resources\":{\"pids\":{\"limit\":2048}},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"},"
		 "\"maskedPaths\":[\"/proc/kcore\"]},"
		 "\"hooks\":{\"prestart\":[],\"poststop\":[{\"path\":\"/bin/true\",\"args\":[\"true\",\"x\"],\"env\":[\"A=1\"],\"timeout\":5}]},"
		 "\"annotations\":{\"io.podman\":\"x\",\"dev.runsc-lite.overlay\":\"false\","
		 "\"dev.runsc-lite.platform\":\"ptrace\",\"dev.runsc-lite.file-access\":\"shared\"}}",
		 bundle, bundle, bundle);
	struct oci_config c;
	char err[OCI_ERR_MAX];
	int rc = parse(json, &c, err);
	if (rc < 0)
		fail_msg("%s", err);
	char want_root[128];
	snprintf(want_root, sizeof want_root, "%s/rootfs", bundle);
	assert_string_equal(c.rootfs, want_root);
	assert_true(c.root_readonly);
	assert_int_equal(c.nargs, 3);
	assert_string_equal(c.args[2], "exit 7");
	assert_null(c.args[3]);
	assert_int_equal(c.nenv, 2);
	assert_null(c.env[2]);
	assert_string_equal(c.cwd, "/root");
	assert_string_equal(c.hostname, "c1");
	assert_true(c.has_umask);
	assert_int_equal(c.umask, 022);
	assert_int_equal(c.nadditional_gids, 3);
	assert_int_equal(c.nrlimits, 2);
	assert_int_equal(c.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c.rlimits[0].soft, 1024);
	assert_int_equal(c.rlimits[0].hard, 1048576);
	assert_true(c.rlimits[1].hard == ~0ULL);
	assert_true(c.no_new_privileges);
	assert_int_equal(c.caps[OCI_CAP_BOUNDING], (1ULL << 0) | (1ULL << 5));
	assert_int_equal(c.caps[OCI_CAP_EFFECTIVE], 1ULL << 5);
	/* sysfs hidden; proc, /dev, devpts, mqueue, cgroup, /dev/shm and the
	 * file bind noted; the directory bind and the tmpfs applied */
	assert_int_equal(c.nhide, 1);
	assert_string_equal(c.hide[0], "/sys");
	assert_int_equal(c.nmounts, 2);
	assert_false(c.mounts[0].tmpfs);
	assert_string_equal(c.mounts[0].destination, "/data");
	char want_vol[128];
	snprintf(want_vol, sizeof want_vol, "%s/vol", bundle);
	assert_string_equal(c.mounts[0].source, want_vol);
	assert_true(c.mounts[0].readonly);
	assert_true(c.mounts[1].tmpfs);
	assert_int_equal(c.mounts[1].size, 1 << 20);
	assert_int_equal(c.mounts[1].mode, 0x80000000u | 01700);
	assert_int_equal(c.mounts[1].nr_inodes, 100);
	bool file_noted = false;
	for (size_t i = 0; i < c.nnotes; i++)
		file_noted |= strstr(c.notes[i], "/etc/hosts") != NULL;
	assert_true(file_noted);
	/* linux.seccomp is applied: the default action, errno EPERM as runc's */
	assert_true(c.has_seccomp);
	assert_int_equal(c.seccomp.default_action, SCMP_ACT_ERRNO(EPERM));
	assert_int_equal(c.seccomp.nrules, 0);
	assert_int_equal(c.nannotations, 4);
	assert_non_null(c.hooks);
	assert_int_equal(c.overlay, 0);
	assert_string_equal(c.platform, "ptrace");
	assert_string_equal(c.file_access, "shared");
	oci_config_free(&c);
}

/* linux.seccomp: names resolved, one rule per syscall, conditions on one
 * argument twice become alternatives, default-repeating rules and unknown
 * names dropped (noted), what the sandbox cannot apply refused. */
static void test_seccomp_profile(void **state)
{
	const char *json = MIN_HEAD MIN_PROC ",\"linux\":{\"seccomp\":{"
		"\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		"\"syscalls\":[{\"names\":[\"read\",\"write\",\"no_such_call\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
		"{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":97,\"args\":["
		"{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"},{\"index\":2,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}";
	struct oci_config c;
	char err[OCI_ERR_MAX];
	if (parse(json, &c, err) < 0)
		fail_msg("%s", err);
	assert_true(c.has_seccomp);
	assert_int_equal(c.seccomp.default_action, SCMP_ACT_ERRNO(38));
	/* read, write; personality twice (alternatives); socket once (both
	 * conditions); close repeats the default: dropped */
	assert_int_equal(c.seccomp.nrules, 5);
	assert_int_equal(c.seccomp.rules[0].nr, 0);
	assert_int_equal(c.seccomp.rules[1].nr, 1);
	assert_int_equal(c.seccomp.rules[2].nr, 135);
	assert_int_equal(c.seccomp.rules[2].nargs, 1);
	assert_int_equal(c.seccomp.rules[3].args[0].value, 8);
	assert_int_equal(c.seccomp.rules[4].nr, 41);
	assert_int_equal(c.seccomp.rules[4].action, SCMP_ACT_ERRNO(97));
	assert_int_equal(c.seccomp.rules[4].nargs, 2);
	assert_int_equal(c.seccomp.rules[4].args[1].index, 2);
	assert_int_equal(c.seccomp.rules[4].args[1].op, SCMP_CMP_EQ);
	bool noted = false;
	for (size_t i = 0; i < c.nnotes; i++)
		noted |= strstr(c.notes[i], "1 syscall names unknown") != NULL;
	assert_true(noted);
	oci_config_free(&c);
	static const char *const bad[] = {
		"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_TRACE\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":4096}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"read\",\"action\":\"SCMP_ACT_ERRNO\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		"\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		"\"args\":[{\"index\":0,\"value\":\"1\",\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char j[1024];
		snprintf(j, sizeof j, MIN_HEAD MIN_PROC ",\"linux\":{\"seccomp\":%s}}", bad[i]);
		if (parse(j, &c, err) == 0)
			fail_msg("accepted: %s", bad[i]);
		if (!strstr(err, "linux.seccomp"))
			fail_msg("%s: %s", bad[i], err);
		oci_config_free(&c);
	}
}

static void test_minimal_config(void **state)
{
	struct oci_config c;
	char err[OCI_ERR_MAX];
	assert_int_equal(parse(MIN_HEAD MIN_PROC "}", &c, err), 0);
	assert_int_equal(c.nargs, 1);
	assert_int_equal(c.nenv, 0);
	assert_non_null(c.env);
	assert_null(c.hostname);
	assert_null(c.hooks);
	assert_int_equal(c.overlay, -1);
	assert_null(c.platform);
	assert_false(c.has_umask);
	assert_int_equal(c.nannotations, 0);
	oci_config_free(&c);
}

/* Each hostile or unsupported input, and what its one-line error must say. */
static const struct { const char *json; const char *err; } rejects[] = {
	{ "", "unexpected end of file" },
	{ "{\"ociVersion\":", "unexpected end of file" },
	{ "[1,2]", "must be a JSON object" },
	{ MIN_HEAD MIN_PROC "} trailing", "text after the object" },
	{ "{\"root\":{\"path\":\"rootfs\"}," MIN_PROC "}", "ociVersion: required" },
	{ "{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"rootfs\"}," MIN_PROC "}", "ociVersion: \"2.0\" is not supported" },
	{ "{\"ociVersion\":\"1.0\"," MIN_PROC "}", "root: required" },
	{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"nope\"}," MIN_PROC "}", "root.path: nope: No such file" },
	{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"file\"}," MIN_PROC "}", "root.path: file: not a directory" },
	{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"roo\\u0000tfs\"}," MIN_PROC "}", "root.path: contains a NUL" },
	{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":\"yes\"}," MIN_PROC "}", "root.readonly: must be true or false" },
	{ MIN_HEAD "\"x\":1}", "process: required" },
	{ MIN_HEAD "\"process\":{\"cwd\":\"/\"}}", "process.args: required" },
	{ MIN_HEAD "\"process\":{\"args\":[],\"cwd\":\"/\"}}", "process.args: must name a program" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\",3],\"cwd\":\"/\"}}", "process.args[1]: must be a string" },
	{ MIN_HEAD "\"process\":{\"args\":[\"s\\u0000h\"],\"cwd\":\"/\"}}", "process.args[0]: contains a NUL" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"]}}", "process.cwd: required" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"root\"}}", "process.cwd: \"root\" must be an absolute path" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/a/../b\"}}", "must not contain \".\" or \"..\"" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]}}", "process.env[0]: \"NOEQUALS\" is not NAME=VALUE" },
	/* (uid 1000: accepted as root, refused rootless: test_oci_user.c) */
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}", "process.user.uid: must not be negative" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0.5}}}", "process.user.uid: must be an integer" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"umask\":512}}}", "process.user.umask: 512 is out of range" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}", "unknown type \"RLIMIT_BOGUS\"" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":1}]}}", "soft limit 2 above the hard limit 1" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}]}}", "RLIMIT_NOFILE given twice" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_FLY\"]}}}", "unknown capability \"CAP_FLY\"" },
	{ MIN_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":5000}}", "process.oomScoreAdj: must be an integer from -1000" },
	{ MIN_HEAD MIN_PROC ",\"hostname\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}", "hostname: longer than 64 bytes" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":{}}", "mounts: must be an array" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"type\":\"tmpfs\"}]}", "mounts[0].destination: required" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"tmp\",\"type\":\"tmpfs\"}]}", "mounts[0].destination: \"tmp\" must be an absolute path" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/tmp/../etc\",\"type\":\"tmpfs\"}]}", "mounts[0].destination: \"/tmp/../etc\" must not contain" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/t\\u0000mp\",\"type\":\"tmpfs\"}]}", "mounts[0].destination: contains a NUL" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/\",\"type\":\"tmpfs\"}]}", "nothing can be mounted over the root" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"ext4\",\"source\":\"/dev/sda\"}]}", "mounts[0]: type \"ext4\" is not supported" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"none\"}]}", "mounts[0]: type \"none\" is not supported" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"size=-1\"]}]}", "size must be a positive number" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"mode=99\"]}]}", "mode must be octal" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"uid=5\"]}]}", "unknown tmpfs option \"uid=5\"" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\",\"options\":[\"bind\"]}]}", "mounts[0].source: required" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/nonexistent-src\",\"options\":[\"bind\"]}]}", "mounts[0].source: /nonexistent-src: No such file" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"vol\",\"options\":[\"bind\",\"remount\"]}]}", "unknown bind option \"remount\"" },
	{ MIN_HEAD MIN_PROC ",\"mounts\":[{\"destination\":\"/p\",\"type\":\"proc\"}]}", "proc is mounted at /proc only" },
	{ MIN_HEAD MIN_PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}}", "joining the pid namespace /proc/1/ns/pid is not supported" },
	{ MIN_HEAD MIN_PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns/x\"}]}}", "linux.namespaces[0].path: must be absolute" },
	{ MIN_HEAD MIN_PROC ",\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", "unknown namespace \"bogus\"" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"createContainer\":[{\"path\":\"/bin/true\"}]}}", "hooks.createContainer: not supported" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}}", "hooks.prestart[0]: \"bin/true\" must be an absolute path" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"poststop\":[{\"args\":[\"x\"]}]}}", "hooks.poststop[0].path: required" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"poststart\":[{\"path\":\"/bin/true\",\"timeout\":0}]}}", "hooks.poststart[0].timeout: must be 1 to 3600" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"poststart\":[{\"path\":\"/bin/true\",\"env\":[1]}]}}", "must be a string" },
	{ MIN_HEAD MIN_PROC ",\"hooks\":{\"prestart\":{}}}", "hooks.prestart: must be an array" },
	{ MIN_HEAD MIN_PROC ",\"annotations\":{\"dev.runsc-lite.overlay\":\"maybe\"}}", "must be \"true\" or \"false\"" },
	{ MIN_HEAD MIN_PROC ",\"annotations\":{\"dev.runsc-lite.platform\":\"kvm\"}}", "must be \"seccomp\" or \"ptrace\"" },
	{ MIN_HEAD MIN_PROC ",\"annotations\":{\"dev.runsc-lite.overlya\":\"true\"}}", "unknown runsc-lite annotation" },
	{ MIN_HEAD MIN_PROC ",\"annotations\":{\"a\":1}}", "annotations[\"a\"]: must be a string" },
};

static void test_rejects(void **state)
{
	for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		struct oci_config c;
		char err[OCI_ERR_MAX];
		int rc = parse(rejects[i].json, &c, err);
		if (rc != -1 || !strstr(err, rejects[i].err) || strncmp(err, "config.json: ", 13) != 0 ||
		    strchr(err, '\n'))
			fail_msg("case %zu (%s): rc %d, error \"%s\", want \"%s\"", i, rejects[i].json, rc,
				 err, rejects[i].err);
		oci_config_free(&c);
	}
}

/* Nesting beyond the parser's depth bound is an error, not a deep recursion. */
static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *json = malloc(2 * depth + 1);
	assert_non_null(json);
	memset(json, '[', depth);
	memset(json + depth, ']', depth);
	json[2 * depth] = 0;
	struct oci_config c;
	char err[OCI_ERR_MAX];
	assert_int_equal(parse(json, &c, err), -1);
	assert_non_null(strstr(err, "not valid JSON"));
	oci_config_free(&c);
	free(json);
}

/* More arguments than the bound; a file above OCI_CONFIG_MAX. */
static void test_bounds(void **state)
{
	size_t cap = 16 * (OCI_ARGS_MAX + 10) + 256;
	char *json = malloc(cap);
	assert_non_null(json);
	size_t n = (size_t)snprintf(json, cap, MIN_HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"a\"");
	for (int i = 0; i < OCI_ARGS_MAX + 1; i++)
		n += (size_t)snprintf(json + n, cap - n, ",\"a\"");
	snprintf(json + n, cap - n, "]}}");
	struct oci_config c;
	char err[OCI_ERR_MAX];
	assert_int_equal(parse(json, &c, err), -1);
	assert_non_null(strstr(err, "process.args: more than 1024 entries"));
	oci_config_free(&c);
	free(json);
	assert_int_equal(oci_config_parse("{}", OCI_CONFIG_MAX + 1, bundle, &c, err), -1);
	assert_non_null(strstr(err, "larger than"));
	oci_config_free(&c);
}

static void test_load_missing_and_not_regular(void **state)
{
	struct oci_config c;
	char err[OCI_ERR_MAX];
	assert_int_equal(oci_config_load("/nonexistent-bundle", &c, err), -1);
	assert_non_null(strstr(err, "/nonexistent-bundle/config.json: No such file"));
	oci_config_free(&c);
	char p[128];
	snprintf(p, sizeof p, "%s/config.json", bundle);
	assert_int_equal(mkfifo(p, 0600), 0);   /* would block a naive open */
	assert_int_equal(oci_config_load(bundle, &c, err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	oci_config_free(&c);
	unlink(p);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(MIN_HEAD MIN_PROC "}\n", f);
	fclose(f);
	assert_int_equal(oci_config_load(bundle, &c, err), 0);
	assert_string_equal(c.args[0], "sh");
	oci_config_free(&c);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_like_config),
		cmocka_unit_test(test_minimal_config),
		cmocka_unit_test(test_seccomp_profile),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_load_missing_and_not_regular),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
