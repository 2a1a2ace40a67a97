/*
 * configs/app.policy is the single source of truth for what the sandboxed
 * program may call: every x86-64 syscall number has exactly one verdict
 * there -- one unconditional rule, or a set of conditional alternatives
 * (never both: libseccomp lets an unconditional rule override conditional
 * ones silently) -- and anything else, a number the table does not know,
 * falls to a default that refuses it.  The table is also loaded for real
 * (in a child) so a rule libseccomp rejects fails here, not at sandbox
 * start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/policy.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The x86-64 table: 0..335 (rseq 334, uretprobe 335), then 424.. after the
 * hole kept for x32; 470 (listns) is the newest this table knows. */
#define NR_LAST 470
static int allocated(int nr)
{
	return nr <= 335 || (nr >= 424 && nr <= NR_LAST);
}

static int rule_nr(const struct policy_rule *r)
{
	char *end;
	long nr = strtol(r->syscall, &end, 10);
	if (*r->syscall && *end == 0)
		return (int)nr;
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, r->syscall);
}

static void every_rule_names_a_syscall(void **state)
{
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		if (strcmp(r->syscall, "default") == 0)
			continue;
		int nr = rule_nr(r);
		if (nr < 0 || !allocated(nr))
			fail_msg("app.policy names %s, not an x86-64 syscall", r->syscall);
	}
}

static void default_refuses_with_enosys(void **state)
{
	int found = 0;
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		if (strcmp(r->syscall, "default") == 0) {
			found++;
			assert_int_equal(r->action, POLICY_ERRNO);
			assert_int_equal(r->errno_value, ENOSYS);
		}
	}
	assert_int_equal(found, 1);
}

static void every_number_has_one_verdict(void **state)
{
	int missing = 0, doubled = 0;
	for (int nr = 0; nr <= NR_LAST; nr++) {
		if (!allocated(nr))
			continue;
		int uncond = 0, cond = 0;
		for (size_t i = 0; i < policy_app.nrules; i++) {
			const struct policy_rule *r = &policy_app.rules[i];
			if (strcmp(r->syscall, "default") == 0 || rule_nr(r) != nr)
				continue;
			if (r->ncond == 0)
				uncond++;
			else
				cond++;
		}
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (uncond + cond == 0) {
			print_message("no verdict for %d (%s)\n", nr, name ? name : "?");
			missing++;
		} else if (uncond > 1 || (uncond && cond)) {
			print_message("%d (%s): %d unconditional and %d conditional rules\n", nr,
				      name ? name : "?", uncond, cond);
			doubled++;
		}
		free(name);
	}
	assert_int_equal(missing, 0);
	assert_int_equal(doubled, 0);
}

/* The table compiles and loads, as the application would load it (traps as
 * SECCOMP_RET_TRACE: no listener to look after; a trapped call without a
 * tracer fails with ENOSYS). */
static void loads(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *bad = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(2);
		int rc = policy_install_flags(&policy_app, NULL, 0, NULL, &bad, POLICY_TRAP_AS_TRACE);
		if (rc < 0) {
			fprintf(stderr, "app.policy: %s: %s\n", bad ? bad : "load", strerror(-rc));
			_exit(1);
		}
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
		cmocka_unit_test(every_rule_names_a_syscall),
		cmocka_unit_test(default_refuses_with_enosys),
		cmocka_unit_test(every_number_has_one_verdict),
		cmocka_unit_test(loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
