/*
 * Seccomp policies as data.  Each configs/NAME.policy is compiled into the
 * table policy_NAME (build/gen/policies.c); policy_install() turns a table
 * into a libseccomp filter and loads it.  All BPF comes from libseccomp.
 *
 * Verdicts: POLICY_TRAP sends the syscall to the supervisor (seccomp user
 * notification, or SECCOMP_RET_TRACE with POLICY_TRAP_AS_TRACE); POLICY_ERRNO fails it with a fixed errno; POLICY_KILL kills
 * the process; POLICY_ALLOW runs it natively.  The `default` rule gives the
 * verdict for every syscall not named.  Calls of a foreign architecture
 * (i386, x32 on x86-64; AArch32 on arm64) are killed, never silently
 * allowed: the filter names the native architecture only.
 *
 * A rule may be tagged with one architecture (x86-64's legacy syscalls:
 * open, stat, fork, ...); it is skipped elsewhere.  An untagged rule must
 * name a syscall the native architecture has, or installation fails.
 */
#ifndef RUNSC_LITE_POLICY_H
#define RUNSC_LITE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_filter;

enum policy_action { POLICY_ALLOW, POLICY_TRAP, POLICY_ERRNO, POLICY_KILL };

struct policy_cond {
	int arg;                 /* argument index 0..5 */
	int not_equal;           /* 1: applies when the argument differs */
	const char *symbol;      /* bound to a value at install time, or NULL: */
	uint64_t value;          /* a literal */
	uint64_t mask;           /* nonzero: (arg & mask) == value */
	int order;               /* nonzero: arg <, <=, >, >= value (1..4) */
};

struct policy_rule {
	const char *syscall;     /* libseccomp name, or "default" */
	enum policy_action action;
	int errno_value;
	int ncond;
	struct policy_cond cond[3];
	const char *arch;        /* NULL: every architecture; else the only one
				  * the rule is for ("x86_64", "aarch64") */
};

struct policy {
	const char *name;
	const struct policy_rule *rules;
	size_t nrules;
};

struct policy_binding {
	const char *symbol;
	uint64_t value;
};

extern const struct policy policy_app;      /* the application */
extern const struct policy policy_sentry;   /* the sentry, after setup */
extern const struct policy policy_gofer;    /* the gofer, after setup */
extern const struct policy policy_appnet;   /* on top of policy_app: sentry/net.c */
extern const struct policy policy_apptrace; /* on top of it: listen/accept events (sentry/trace.c) */

/*
 * `over` on top of `base`: every rule of over, and the rules of base for
 * the syscalls over does not name (its default stays base's), in buf (cap
 * rules; no allocation: it runs in a freshly cloned task).  0 with *out,
 * or -E2BIG.
 */
int policy_merge(const struct policy *base, const struct policy *over, struct policy_rule *buf,
		 size_t cap, struct policy *out);

/*
 * Builds and loads the filter for the calling thread (the process must have
 * no_new_privs or CAP_SYS_ADMIN).  With a POLICY_TRAP rule present,
 * *listener receives the user-notification fd (else -1).  Returns 0 or a
 * negative errno; *bad_rule names the offending syscall on failure.
 */
int policy_install(const struct policy *p, const struct policy_binding *bind,
		   size_t nbind, int *listener, const char **bad_rule);

/* policy_install() flags */
#define POLICY_ALL_THREADS 1u   /* SECCOMP_FILTER_FLAG_TSYNC: every thread of the process */
/* POLICY_TRAP becomes SECCOMP_RET_TRACE instead of SECCOMP_RET_USER_NOTIF:
 * the same policy text for the ptrace platform (no listener is returned;
 * a trapped syscall without a tracer fails with ENOSYS, fail closed). */
#define POLICY_TRAP_AS_TRACE 2u
/* POLICY_ERRNO rules (the default's too) become POLICY_TRAP, so that the
 * supervisor sees, records and answers with the rule's errno what the
 * kernel would have refused by itself (--trace-events=denied).  A syscall
 * the policy also traps keeps its errno rule: the supervisor could not tell
 * which of the two rules matched. */
#define POLICY_ERRNO_AS_TRAP 4u

/* Whether POLICY_ERRNO_AS_TRAP turns rule r of p into a trap. */
int policy_errno_trapped(const struct policy *p, const struct policy_rule *r);
/* The syscall number rule r names (-1: "default" or unknown). */
int policy_rule_nr(const struct policy_rule *r);

/*
 * policy_install() with flags.  POLICY_ALL_THREADS loads the filter into
 * every thread of the process at once, for a process that must create its
 * threads before confining itself (the policy then forbids clone): it fails
 * rather than leave a thread unfiltered.  The threads should have finished
 * starting: a thread's C-library set-up then runs under the policy.
 */
int policy_install_flags(const struct policy *p, const struct policy_binding *bind,
			 size_t nbind, int *listener, const char **bad_rule, unsigned flags);

/*
 * The same in two steps, for a caller that builds the filter ahead of the
 * task that loads it (libseccomp takes milliseconds for the application's
 * policy): policy_compile() makes the BPF program (POLICY_ALL_THREADS is not
 * for it), policy_load() loads it into the calling thread, which must have
 * no_new_privs; with traps, *listener receives the notification fd,
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV set where the kernel has it.
 */
struct policy_prog {
	struct sock_filter *insns;
	unsigned short len;
	bool traps;                    /* it has user-notification traps */
};
int policy_compile(const struct policy *p, const struct policy_binding *bind, size_t nbind,
		   unsigned flags, struct policy_prog *prog, const char **bad_rule);
int policy_load(const struct policy_prog *prog, int *listener);
void policy_prog_free(struct policy_prog *prog);

/* The native architecture's name in rule tags: "x86_64" or "aarch64". */
const char *policy_native_arch(void);
/* Whether rule r applies on architecture `arch` (a tag name). */
int policy_rule_for_arch(const struct policy_rule *r, const char *arch);

/* For tests and tools: the verdict for syscall `name`, ignoring conditions. */
enum policy_action policy_lookup(const struct policy *p, const char *name);

#endif
