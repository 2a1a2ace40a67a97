#include "platform/policy.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *policy_native_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "aarch64";
#else
#error "runsc-lite supports x86-64 and arm64 only"
#endif
}

int policy_rule_for_arch(const struct policy_rule *r, const char *arch)
{
	return !r->arch || strcmp(r->arch, arch) == 0;
}

static int native_rule(const struct policy_rule *r)
{
	return policy_rule_for_arch(r, policy_native_arch());
}

/* A syscall number of the native architecture, or __NR_SCMP_ERROR: also
 * for a name libseccomp knows but this architecture lacks (a negative
 * pseudo-number, which libseccomp would accept and silently drop). */
static int resolve_syscall(const char *name)
{
	char *end;
	long nr = strtol(name, &end, 10);
	if (*name && *end == 0)
		return nr >= 0 && nr < 4096 ? (int)nr : __NR_SCMP_ERROR;
	int n = seccomp_syscall_resolve_name(name);
	return n < 0 ? __NR_SCMP_ERROR : n;
}

int policy_errno_trapped(const struct policy *p, const struct policy_rule *r)
{
	if (r->action != POLICY_ERRNO)
		return 0;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].action == POLICY_TRAP && native_rule(&p->rules[i]) &&
		    strcmp(p->rules[i].syscall, r->syscall) == 0)
			return 0;
	return 1;
}

int policy_rule_nr(const struct policy_rule *r)
{
	if (strcmp(r->syscall, "default") == 0 || !native_rule(r))
		return -1;
	int nr = resolve_syscall(r->syscall);
	return nr == __NR_SCMP_ERROR ? -1 : nr;
}

static uint32_t to_scmp(const struct policy *p, const struct policy_rule *r, unsigned flags)
{
	if ((flags & POLICY_ERRNO_AS_TRAP) && policy_errno_trapped(p, r))
		return (flags & POLICY_TRAP_AS_TRACE) ? SCMP_ACT_TRACE(0) : SCMP_ACT_NOTIFY;
	switch (r->action) {
	case POLICY_TRAP:
		return (flags & POLICY_TRAP_AS_TRACE) ? SCMP_ACT_TRACE(0) : SCMP_ACT_NOTIFY;
	case POLICY_ERRNO: return SCMP_ACT_ERRNO((uint32_t)r->errno_value);
	case POLICY_KILL:  return SCMP_ACT_KILL_PROCESS;
	case POLICY_ALLOW: break;
	}
	return SCMP_ACT_ALLOW;
}

static int bind_value(const struct policy_binding *bind, size_t nbind,
		      const char *symbol, uint64_t *value)
{
	for (size_t i = 0; i < nbind; i++)
		if (strcmp(bind[i].symbol, symbol) == 0) {
			*value = bind[i].value;
			return 0;
		}
	return -EINVAL;
}

enum policy_action policy_lookup(const struct policy *p, const char *name)
{
	enum policy_action dflt = POLICY_ALLOW;
	for (size_t i = 0; i < p->nrules; i++) {
		if (!native_rule(&p->rules[i]))
			continue;
		if (strcmp(p->rules[i].syscall, name) == 0)
			return p->rules[i].action;
		if (strcmp(p->rules[i].syscall, "default") == 0)
			dflt = p->rules[i].action;
	}
	return dflt;
}

static bool names(const struct policy *p, const char *syscall)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].syscall, syscall) == 0)
			return true;
	return false;
}

int policy_merge(const struct policy *base, const struct policy *over, struct policy_rule *buf,
		 size_t cap, struct policy *out)
{
	size_t n = 0;
	for (size_t i = 0; i < over->nrules; i++)
		if (strcmp(over->rules[i].syscall, "default") != 0) {
			if (n == cap)
				return -E2BIG;
			buf[n++] = over->rules[i];
		}
	for (size_t i = 0; i < base->nrules; i++)
		if (!names(over, base->rules[i].syscall)) {
			if (n == cap)
				return -E2BIG;
			buf[n++] = base->rules[i];
		}
	*out = (struct policy){ base->name, buf, n };
	return 0;
}

int policy_install(const struct policy *p, const struct policy_binding *bind,
		   size_t nbind, int *listener, const char **bad_rule)
{
	return policy_install_flags(p, bind, nbind, listener, bad_rule, 0);
}

/* The BPF program libseccomp makes of ctx, in *prog (heap). */
static int export_prog(scmp_filter_ctx ctx, struct policy_prog *prog)
{
	int mfd = memfd_create("rl-filter", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, mfd);
	off_t len = rc == 0 ? lseek(mfd, 0, SEEK_END) : -1;
	struct sock_filter *insns = NULL;
	if (rc == 0 && (len <= 0 || len % (off_t)sizeof *insns || len > 4096 * (off_t)sizeof *insns))
		rc = -EIO;
	if (rc == 0 && !(insns = malloc((size_t)len)))
		rc = -ENOMEM;
	if (rc == 0 && pread(mfd, insns, (size_t)len, 0) != len)
		rc = -EIO;
	close(mfd);
	if (rc < 0) {
		free(insns);
		return rc;
	}
	prog->insns = insns;
	prog->len = (unsigned short)(len / (off_t)sizeof *insns);
	return 0;
}

/*
 * A user-notification filter is loaded with
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19; libseccomp 2.5 cannot
 * set it, so the program is exported and loaded here): once the supervisor
 * has received a trapped syscall, only a fatal signal interrupts the task's
 * wait for the answer.  Without it a signal that arrives while the sentry
 * works cancels the notification, and with SA_RESTART the task runs the
 * syscall a second time after the sentry already did it (an O_EXCL create
 * then fails with EEXIST).  The sentry itself answers -ERESTARTSYS when it
 * waits long for something and a signal is pending, which is what Linux
 * does.  A kernel without the flag gets the plain interruptible wait.
 */
int policy_load(const struct policy_prog *prog, int *listener)
{
	struct sock_fprog fprog = { prog->len, prog->insns };
	*listener = -1;
	if (!prog->traps) {
		long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
		return rc < 0 ? -errno : 0;
	}
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	if (fd < 0)
		return -errno;
	*listener = (int)fd;
	return 0;
}

void policy_prog_free(struct policy_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

/* The libseccomp filter of p (*traps: whether it has user-notification
 * traps); NULL with *err and *bad_rule on failure. */
static scmp_filter_ctx build_ctx(const struct policy *p, const struct policy_binding *bind,
				 size_t nbind, unsigned flags, bool *traps_out, const char **bad_rule,
				 int *err)
{
	uint32_t dflt = SCMP_ACT_ALLOW;
	bool traps = false;
	*bad_rule = NULL;
	for (size_t i = 0; i < p->nrules; i++) {
		if (!native_rule(&p->rules[i]))
			continue;
		if (strcmp(p->rules[i].syscall, "default") == 0)
			dflt = to_scmp(p, &p->rules[i], flags);
		traps |= (p->rules[i].action == POLICY_TRAP ||
			  ((flags & POLICY_ERRNO_AS_TRAP) && policy_errno_trapped(p, &p->rules[i]))) &&
			 !(flags & POLICY_TRAP_AS_TRACE);
	}
	scmp_filter_ctx ctx = seccomp_init(dflt);
	if (!ctx) {
		*err = -ENOMEM;
		return NULL;
	}
	/* A foreign ABI (i386 via int 0x80, x32; AArch32 on arm64) gets no
	 * exemption: seccomp_init() names the native architecture only, and a
	 * call of any other is killed. */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0 && (flags & POLICY_ALL_THREADS))
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; rc == 0 && i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (strcmp(r->syscall, "default") == 0 || !native_rule(r))
			continue;   /* (a rule for another architecture: tagged, on purpose) */
		int nr = resolve_syscall(r->syscall);
		if (nr == __NR_SCMP_ERROR) {
			*bad_rule = r->syscall;
			rc = -ENOSYS;
			break;
		}
		struct scmp_arg_cmp cmp[3];
		static const enum scmp_compare ordered[] = { SCMP_CMP_EQ, SCMP_CMP_LT, SCMP_CMP_LE,
							     SCMP_CMP_GT, SCMP_CMP_GE };
		for (int c = 0; c < r->ncond; c++) {
			uint64_t v = r->cond[c].value;
			if (r->cond[c].symbol && bind_value(bind, nbind, r->cond[c].symbol, &v) < 0) {
				*bad_rule = r->syscall;
				rc = -EINVAL;
				break;
			}
			if (r->cond[c].order > 0 && r->cond[c].order <= 4)
				cmp[c] = (struct scmp_arg_cmp){ (unsigned)r->cond[c].arg,
								ordered[r->cond[c].order], v, 0 };
			else if (r->cond[c].mask)
				cmp[c] = (struct scmp_arg_cmp){ (unsigned)r->cond[c].arg, SCMP_CMP_MASKED_EQ,
								r->cond[c].mask, v };
			else
				cmp[c] = (struct scmp_arg_cmp){ (unsigned)r->cond[c].arg,
					r->cond[c].not_equal ? SCMP_CMP_NE : SCMP_CMP_EQ, v, 0 };
		}
		/* (an errno rule turned into a trap like an errno default: the
		 * default covers it, and libseccomp refuses a rule that repeats it) */
		if (rc == 0 && to_scmp(p, r, flags) != dflt)
			rc = seccomp_rule_add_array(ctx, to_scmp(p, r, flags), nr, (unsigned)r->ncond, cmp);
		if (rc < 0)
			*bad_rule = r->syscall;
	}
	if (rc < 0) {
		seccomp_release(ctx);
		*err = rc;
		return NULL;
	}
	*traps_out = traps;
	return ctx;
}

int policy_compile(const struct policy *p, const struct policy_binding *bind, size_t nbind,
		   unsigned flags, struct policy_prog *prog, const char **bad_rule)
{
	int rc;
	bool traps;
	scmp_filter_ctx ctx = build_ctx(p, bind, nbind, flags & ~POLICY_ALL_THREADS, &traps, bad_rule, &rc);
	if (!ctx)
		return rc;
	rc = export_prog(ctx, prog);
	seccomp_release(ctx);
	prog->traps = traps;
	return rc;
}

int policy_install_flags(const struct policy *p, const struct policy_binding *bind,
			 size_t nbind, int *listener, const char **bad_rule, unsigned flags)
{
	if (listener)
		*listener = -1;
	int rc;
	bool traps;
	scmp_filter_ctx ctx = build_ctx(p, bind, nbind, flags, &traps, bad_rule, &rc);
	if (!ctx)
		return rc;
	if (traps && listener && !(flags & POLICY_ALL_THREADS)) {
		/* killable once received (policy_load) */
		struct policy_prog prog = { .traps = true };
		rc = export_prog(ctx, &prog);
		seccomp_release(ctx);
		if (rc == 0)
			rc = policy_load(&prog, listener);
		policy_prog_free(&prog);
		return rc;
	}
	rc = seccomp_load(ctx);
	if (rc == 0 && traps && listener) {
		*listener = seccomp_notify_fd(ctx);
		if (*listener < 0)
			rc = *listener;
	}
	seccomp_release(ctx);
	return rc;
}
