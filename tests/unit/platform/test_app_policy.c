/*
 * configs/app.policy is the single source of truth for what the sandboxed
 * program may call: every syscall number of x86-64 and of arm64 has exactly
 * one verdict there (checked for both architectures on any host) -- one unconditional rule, or a set of conditional alternatives
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

/* The architectures the table serves, with the numbers each allocates.
 * x86-64: 0..335 (rseq 334, uretprobe 335), then 424.. after the hole kept
 * for x32.  arm64 (the generic table): 0..243, 244..259 reserved for
 * per-architecture calls (arm64 has none), 260..294 (kexec_file_load),
 * then 424..: the numbers every architecture has shared since 5.1.  470
 * (listns) is the newest this table knows.  Both are checked on any host:
 * libseccomp resolves names for a foreign architecture. */
#define NR_LAST 470
static int x86_64_allocated(int nr)
{
	return nr <= 335 || (nr >= 424 && nr <= NR_LAST);
}

static int aarch64_allocated(int nr)
{
	return nr <= 243 || (nr >= 260 && nr <= 294) || (nr >= 424 && nr <= NR_LAST);
}

struct arch {
	const char *tag;        /* as in a rule's @tag */
	const char *other;      /* the other architecture's tag */
	uint32_t scmp;
	int (*allocated)(int nr);
};
static const struct arch x86_64 = { "x86_64", "aarch64", SCMP_ARCH_X86_64, x86_64_allocated };
static const struct arch aarch64 = { "aarch64", "x86_64", SCMP_ARCH_AARCH64, aarch64_allocated };

static int rule_nr(const struct arch *a, const struct policy_rule *r)
{
	char *end;
	long nr = strtol(r->syscall, &end, 10);
	if (*r->syscall && *end == 0)
		return (int)nr;
	return seccomp_syscall_resolve_name_arch(a->scmp, r->syscall);
}

static void every_rule_names_a_syscall(const struct arch *a)
{
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		if (strcmp(r->syscall, "default") == 0 || !policy_rule_for_arch(r, a->tag))
			continue;
		int nr = rule_nr(a, r);
		if (nr < 0 || !a->allocated(nr))
			fail_msg("app.policy names %s, not an %s syscall", r->syscall, a->tag);
	}
}

static void x86_64_rules_name_syscalls(void **state) { every_rule_names_a_syscall(&x86_64); }
static void aarch64_rules_name_syscalls(void **state) { every_rule_names_a_syscall(&aarch64); }

/* A rule is tagged for one architecture only because the other lacks the
 * syscall: a tag must never hide a call the other architecture has. */
static void tags_only_where_the_other_arch_lacks_it(void **state)
{
	int bad = 0;
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		if (!r->arch)
			continue;
		const struct arch *other = strcmp(r->arch, "x86_64") == 0 ? &aarch64 : &x86_64;
		assert_true(strcmp(r->arch, other->other) == 0);   /* a known tag */
		int nr = rule_nr(other, r);
		if (nr >= 0 && other->allocated(nr)) {
			print_message("%s is tagged @%s but %s has it too\n", r->syscall, r->arch, other->tag);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void default_refuses_with_enosys(void **state)
{
	int found = 0;
	for (size_t i = 0; i < policy_app.nrules; i++) {
		const struct policy_rule *r = &policy_app.rules[i];
		if (strcmp(r->syscall, "default") == 0) {
			found++;
			assert_null(r->arch);
			assert_int_equal(r->action, POLICY_ERRNO);
			assert_int_equal(r->errno_value, ENOSYS);
		}
	}
	assert_int_equal(found, 1);
}

static void every_number_has_one_verdict(const struct arch *a)
{
	int missing = 0, doubled = 0;
	for (int nr = 0; nr <= NR_LAST; nr++) {
		if (!a->allocated(nr))
			continue;
		int uncond = 0, cond = 0;
		for (size_t i = 0; i < policy_app.nrules; i++) {
			const struct policy_rule *r = &policy_app.rules[i];
			if (strcmp(r->syscall, "default") == 0 || !policy_rule_for_arch(r, a->tag) ||
			    rule_nr(a, r) != nr)
				continue;
			if (r->ncond == 0)
				uncond++;
			else
				cond++;
		}
		char *name = seccomp_syscall_resolve_num_arch(a->scmp, nr);
		if (uncond + cond == 0) {
			print_message("%s: no verdict for %d (%s)\n", a->tag, nr, name ? name : "?");
			missing++;
		} else if (uncond > 1 || (uncond && cond)) {
			print_message("%s: %d (%s): %d unconditional and %d conditional rules\n", a->tag,
				      nr, name ? name : "?", uncond, cond);
			doubled++;
		}
		free(name);
	}
	assert_int_equal(missing, 0);
	assert_int_equal(doubled, 0);
}

static void x86_64_every_number_has_one_verdict(void **state) { every_number_has_one_verdict(&x86_64); }
static void aarch64_every_number_has_one_verdict(void **state) { every_number_has_one_verdict(&aarch64); }

/* The helpers' tables too: on each architecture every untagged rule names
 * a syscall it has (else their installation would fail there). */
static void helper_rules_name_syscalls(void **state)
{
	const struct policy *ps[] = { &policy_sentry, &policy_gofer, &policy_appnet, &policy_apptrace };
	const struct arch *as[] = { &x86_64, &aarch64 };
	int bad = 0;
	for (size_t a = 0; a < 2; a++)
		for (size_t p = 0; p < sizeof ps / sizeof ps[0]; p++)
			for (size_t i = 0; i < ps[p]->nrules; i++) {
				const struct policy_rule *r = &ps[p]->rules[i];
				if (strcmp(r->syscall, "default") == 0 || !policy_rule_for_arch(r, as[a]->tag))
					continue;
				int nr = rule_nr(as[a], r);
				if (nr < 0 || !as[a]->allocated(nr)) {
					print_message("%s.policy names %s, not an %s syscall\n", ps[p]->name,
						      r->syscall, as[a]->tag);
					bad++;
				}
			}
	assert_int_equal(bad, 0);
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
		cmocka_unit_test(x86_64_rules_name_syscalls),
		cmocka_unit_test(aarch64_rules_name_syscalls),
		cmocka_unit_test(tags_only_where_the_other_arch_lacks_it),
		cmocka_unit_test(default_refuses_with_enosys),
		cmocka_unit_test(x86_64_every_number_has_one_verdict),
		cmocka_unit_test(aarch64_every_number_has_one_verdict),
		cmocka_unit_test(helper_rules_name_syscalls),
		cmocka_unit_test(loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
