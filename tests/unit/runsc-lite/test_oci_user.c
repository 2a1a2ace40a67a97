/* process.user and exec's user flags (runsc-lite/oci_config.c,
 * runsc-lite/oci_user.c): what is accepted, what is refused and with which
 * words; as root an id range exists, rootless (a child that drops to
 * 65534) only id 0. */
#include "runsc-lite/oci_config.h"
#include "runsc-lite/oci_user.h"

#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static char bundle[64];

static int group_setup(void **state)
{
	snprintf(bundle, sizeof bundle, "/tmp/oci-user-unit.XXXXXX");
	assert_non_null(mkdtemp(bundle));
	assert_int_equal(chmod(bundle, 0755), 0);   /* reachable by 65534 too */
	char p[128];
	snprintf(p, sizeof p, "%s/rootfs", bundle);
	assert_int_equal(mkdir(p, 0755), 0);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", bundle);
	assert_int_equal(system(cmd), 0);
	return 0;
}

#define HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","

static int parse(const char *json, struct oci_config *c, char *err)
{
	return oci_config_parse(json, strlen(json), bundle, c, err);
}

static void test_user_flag(void **state)
{
	char err[OCI_USER_ERR_MAX];
	uint32_t u = 7, g = 7;
	assert_int_equal(oci_parse_user("1000", &u, &g, err), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 0);   /* runc: no gid is 0 */
	assert_int_equal(oci_parse_user("1000:50", &u, &g, err), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 50);
	assert_int_equal(oci_parse_user("4294967294:0", &u, &g, err), 0);
	assert_int_equal(u, 4294967294u);
	static const char *const bad[] = { "", ":", "1000:", ":5", "x", "1000:x", "-1", "+5", " 5", "5 ",
					   "0x10", "4294967295", "1:4294967295", "99999999999999999999",
					   "1:2:3", "bob" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		u = g = 7;
		assert_int_equal(oci_parse_user(bad[i], &u, &g, err), -1);
		assert_non_null(strstr(err, "must be UID or UID:GID"));
		assert_int_equal(u, 7);   /* untouched */
	}
}

static void test_gids_flag(void **state)
{
	char err[OCI_USER_ERR_MAX];
	uint32_t gids[4];
	size_t n = 0;
	assert_int_equal(oci_parse_gids("10", gids, &n, 4, err), 0);
	assert_int_equal(oci_parse_gids("20,30", gids, &n, 4, err), 0);   /* repeated: appended */
	assert_int_equal(n, 3);
	assert_int_equal(gids[0], 10);
	assert_int_equal(gids[2], 30);
	assert_int_equal(oci_parse_gids("40,50", gids, &n, 4, err), -1);
	assert_non_null(strstr(err, "more than 4 groups"));
	static const char *const bad[] = { "", ",", "1,", ",1", "1,,2", "a", "1 2", "-3", "4294967295" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = 0;
		assert_int_equal(oci_parse_gids(bad[i], gids, &n, 4, err), -1);
	}
}

/* As root: ids, groups and umask taken; the capabilities uid 0 keeps. */
static void test_config_user_as_root(void **state)
{
	if (geteuid() != 0)
		skip();
	struct oci_config c;
	char err[OCI_ERR_MAX];
	assert_int_equal(parse(HEAD "\"user\":{\"uid\":1000,\"gid\":100,\"additionalGids\":[10,4294967294],\"umask\":18},"
			       "\"capabilities\":{\"bounding\":[\"CAP_SETUID\",\"CAP_SETGID\",\"CAP_CHOWN\"],"
			       "\"effective\":[\"CAP_SETUID\",\"CAP_SETGID\",\"CAP_CHOWN\"],"
			       "\"permitted\":[\"CAP_SETUID\",\"CAP_CHOWN\"]}}}", &c, err), 0);
	assert_int_equal(c.uid, 1000);
	assert_int_equal(c.gid, 100);
	assert_int_equal(c.nadditional_gids, 2);
	assert_int_equal(c.additional_gids[0], 10);
	assert_int_equal(c.additional_gids[1], 4294967294u);
	assert_true(c.has_umask);
	assert_int_equal(c.umask, 18);
	/* in all three sets: SETUID only (SETGID is not permitted, CHOWN never kept) */
	assert_int_equal(oci_keep_caps(&c), 1ULL << CAP_SETUID);
	oci_config_free(&c);
	/* no process.capabilities: nothing */
	assert_int_equal(parse(HEAD "\"user\":{\"uid\":0,\"gid\":0}}}", &c, err), 0);
	assert_int_equal(oci_keep_caps(&c), 0);
	assert_int_equal(c.nadditional_gids, 0);
	oci_config_free(&c);
	static const struct { const char *json, *want; } bad[] = {
		{ HEAD "\"user\":{\"uid\":4294967295}}}", "process.user.uid" },
		{ HEAD "\"user\":{\"gid\":-1}}}", "process.user.gid: must not be negative" },
		{ HEAD "\"user\":{\"additionalGids\":[1,\"x\"]}}}", "process.user.additionalGids[1]" },
		{ HEAD "\"user\":{\"additionalGids\":{}}}}", "process.user.additionalGids: must be an array" },
		{ HEAD "\"user\":{\"umask\":512}}}", "process.user.umask" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i].json, &c, err), -1);
		if (!strstr(err, bad[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].json, err, bad[i].want);
		oci_config_free(&c);
	}
}

/* Rootless (a child as 65534): uid other than 0 refused with the reason;
 * additionalGids dropped with a note. */
static void test_config_user_rootless(void **state)
{
	if (geteuid() != 0)
		skip();   /* (rootless already: the case below is the only one) */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		struct oci_config c;
		char err[OCI_ERR_MAX];
		if (parse(HEAD "\"user\":{\"uid\":1000,\"gid\":0}}}", &c, err) != -1 ||
		    !strstr(err, "process.user: uid 1000 gid 0: without root runsc-lite maps only the caller's own id"))
			_exit(11);
		oci_config_free(&c);
		if (parse(HEAD "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[5]}}}", &c, err) != 0 ||
		    c.nadditional_gids != 0 || c.nnotes == 0)
			_exit(12);
		oci_config_free(&c);
		_exit(0);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_flag),
		cmocka_unit_test(test_gids_flag),
		cmocka_unit_test(test_config_user_as_root),
		cmocka_unit_test(test_config_user_rootless),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
