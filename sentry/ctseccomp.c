/*
 * OCI linux.seccomp: the container's own profile (spec.container_seccomp),
 * loaded by each application task just before its program's execve — the
 * first task and exec's processes — on top of the sandbox's filter, as
 * runc loads it last.  Both filters run on every syscall and the kernel
 * takes the stricter verdict, so the profile can only take away: its ERRNO
 * beats the sentry's trap (the container's own refusal, as under runc),
 * its ALLOW never beats the sandbox's trap or refusal.  The values were
 * checked by the CLI; they are checked again here, where they are used.
 */
#include "sentry/internal.h"

#include "spec.pb-c.h"

#include <errno.h>
#include <seccomp.h>

static bool good_action(uint32_t a)
{
	return a == SCMP_ACT_KILL_PROCESS || a == SCMP_ACT_KILL_THREAD || a == SCMP_ACT_TRAP ||
	       a == SCMP_ACT_LOG || a == SCMP_ACT_ALLOW || (a & 0xffff0000u) == SCMP_ACT_ERRNO(0);
}

int container_seccomp_load(const RunscLite__ContainerSeccomp *cs)
{
	if (!cs)
		return 0;
	if (!good_action(cs->default_action) || cs->n_rules > 2048)
		return -EINVAL;
	scmp_filter_ctx ctx = seccomp_init(cs->default_action);
	if (!ctx)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < cs->n_rules; i++) {
		const RunscLite__SeccompRule *r = cs->rules[i];
		struct scmp_arg_cmp cmp[6];
		if (r->nr < 0 || r->nr > 1023 || !good_action(r->action) || r->action == cs->default_action ||
		    r->n_args > 6) {
			rc = -EINVAL;
			break;
		}
		for (size_t k = 0; k < r->n_args; k++) {
			const RunscLite__SeccompArg *a = r->args[k];
			if (a->index > 5 || a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ) {
				rc = -EINVAL;
				break;
			}
			cmp[k] = (struct scmp_arg_cmp){ a->index, (enum scmp_compare)a->op, a->value, a->value_two };
		}
		if (rc == 0)
			rc = seccomp_rule_add_exact_array(ctx, r->action, r->nr, (unsigned)r->n_args, cmp);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}
