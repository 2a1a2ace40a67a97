/*
 * OCI linux.seccomp -> struct sandbox_seccomp (see runsc-lite/oci_config.h).
 *
 * The profile is the container's own, stacked on the sandbox's policy:
 * the kernel runs both filters and the stricter verdict wins (KILL > TRAP
 * > ERRNO > the sandbox's trap > ALLOW), so the profile can refuse what
 * the sandbox would serve, never allow what the sandbox refuses.  Hostile
 * input: every action, operator, index and count is checked here (and
 * again where it is loaded).  As runc does, a syscall name libseccomp does
 * not know is skipped (noted); unlike runc, actions that would hand the
 * application's syscalls to someone else (SCMP_ACT_TRACE: the ptrace
 * platform's tracer; SCMP_ACT_NOTIFY: a listener) are refused.  Only the
 * x86-64 ABI gets rules: the sandbox kills every other ABI anyway.
 */
#include "runsc-lite/oci_config.h"

#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int err_out(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int err_out(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(err, len, "linux.seccomp.");
	vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static json_object *jf(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && v ? v : NULL;
}

/* An action name (and its errno) -> libseccomp's value; -1 and err. */
static int action_of(json_object *name, json_object *errno_ret, const char *what, uint32_t *out,
		     char *err, size_t len)
{
	if (!name || !json_object_is_type(name, json_type_string))
		return err_out(err, len, "%s: required, a string", what);
	const char *a = json_object_get_string(name);
	uint64_t e = EPERM;   /* runc's default errno */
	if (errno_ret) {
		if (!json_object_is_type(errno_ret, json_type_int) || json_object_get_int64(errno_ret) < 0 ||
		    json_object_get_int64(errno_ret) > 4095)
			return err_out(err, len, "%s: errnoRet must be an integer from 0 to 4095", what);
		e = (uint64_t)json_object_get_int64(errno_ret);
	}
	if (strcmp(a, "SCMP_ACT_KILL") == 0 || strcmp(a, "SCMP_ACT_KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL_THREAD;
	else if (strcmp(a, "SCMP_ACT_KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(a, "SCMP_ACT_TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO((uint16_t)e);
	else if (strcmp(a, "SCMP_ACT_LOG") == 0)
		*out = SCMP_ACT_LOG;
	else if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(a, "SCMP_ACT_TRACE") == 0 || strcmp(a, "SCMP_ACT_NOTIFY") == 0)
		return err_out(err, len, "%s: %s is not supported (the sandbox's sentry serves the "
			       "application's syscalls; nobody else may)", what, a);
	else
		return err_out(err, len, "%s: unknown action \"%.64s\"", what, a);
	return 0;
}

static int op_of(const char *s)
{
	static const char *const ops[] = { NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
					   "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
	for (int i = 1; i < 8; i++)
		if (strcmp(s, ops[i]) == 0)
			return i;
	return -1;
}

static int get_u64(json_object *v, uint64_t *out)
{
	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return -1;
	/* json-c keeps values above INT64_MAX as unsigned */
	*out = json_object_get_int64(v) < 0 ? (uint64_t)json_object_get_int64(v) : json_object_get_uint64(v);
	return 0;
}

int oci_seccomp_parse(void *json, struct sandbox_seccomp *out, char *err, size_t errlen,
		      char *note, size_t notelen)
{
	json_object *s = json;
	*out = (struct sandbox_seccomp){ 0 };
	note[0] = 0;
	if (!json_object_is_type(s, json_type_object))
		return snprintf(err, errlen, "linux.seccomp: must be an object"), -1;
	if (action_of(jf(s, "defaultAction"), jf(s, "defaultErrnoRet"), "defaultAction", &out->default_action,
		      err, errlen) < 0)
		return -1;
	json_object *arches = jf(s, "architectures");
	if (arches && (!json_object_is_type(arches, json_type_array) || json_object_array_length(arches) > 32))
		return err_out(err, errlen, "architectures: must be an array of at most 32 names");
	json_object *sys = jf(s, "syscalls");
	size_t nsys = sys ? json_object_array_length(sys) : 0;
	if (sys && (!json_object_is_type(sys, json_type_array) || nsys > SANDBOX_SECCOMP_RULES_MAX))
		return err_out(err, errlen, "syscalls: must be an array of at most %d entries", SANDBOX_SECCOMP_RULES_MAX);
	out->rules = calloc(SANDBOX_SECCOMP_RULES_MAX, sizeof *out->rules);
	if (!out->rules)
		return err_out(err, errlen, "out of memory");
	size_t unknown = 0;
	for (size_t i = 0; i < nsys; i++) {
		json_object *r = json_object_array_get_idx(sys, i);
		char what[48];
		snprintf(what, sizeof what, "syscalls[%zu]", i);
		if (!json_object_is_type(r, json_type_object))
			return err_out(err, errlen, "%s: must be an object", what);
		uint32_t action;
		if (action_of(jf(r, "action"), jf(r, "errnoRet"), what, &action, err, errlen) < 0)
			return -1;
		json_object *names = jf(r, "names"), *args = jf(r, "args");
		if (!names || !json_object_is_type(names, json_type_array) || json_object_array_length(names) > 1024)
			return err_out(err, errlen, "%s.names: required, an array of at most 1024 names", what);
		size_t nargs = args ? json_object_array_length(args) : 0;
		if (args && (!json_object_is_type(args, json_type_array) || nargs > 6))
			return err_out(err, errlen, "%s.args: must be an array of at most 6 conditions", what);
		struct sandbox_seccomp_rule base = { .action = action };
		bool repeated = false;
		for (size_t k = 0; k < nargs; k++) {
			json_object *a = json_object_array_get_idx(args, k);
			json_object *op = a ? jf(a, "op") : NULL, *ix = a ? jf(a, "index") : NULL;
			uint64_t index;
			if (!json_object_is_type(a, json_type_object) || !op || !json_object_is_type(op, json_type_string) ||
			    op_of(json_object_get_string(op)) < 0 || !ix || get_u64(ix, &index) < 0 || index > 5 ||
			    get_u64(jf(a, "value"), &base.args[k].value) < 0 ||
			    get_u64(jf(a, "valueTwo"), &base.args[k].value_two) < 0)
				return err_out(err, errlen, "%s.args[%zu]: needs index 0..5, op SCMP_CMP_*, "
					       "integer value and valueTwo", what, k);
			base.args[k].index = (uint32_t)index;
			base.args[k].op = (uint32_t)op_of(json_object_get_string(op));
			for (size_t m = 0; m < k; m++)
				repeated |= base.args[m].index == base.args[k].index;
		}
		base.nargs = (unsigned)nargs;
		if (action == out->default_action)
			continue;   /* says what the default says (libseccomp refuses it) */
		for (size_t n = 0; n < json_object_array_length(names); n++) {
			json_object *nm = json_object_array_get_idx(names, n);
			if (!json_object_is_type(nm, json_type_string) || json_object_get_string_len(nm) > 64)
				return err_out(err, errlen, "%s.names[%zu]: must be a syscall name", what, n);
			int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, json_object_get_string(nm));
			if (nr < 0) {
				unknown++;   /* runc skips them too */
				continue;
			}
			/* as runc: conditions on one argument twice are alternatives,
			 * one rule each; otherwise one rule where all hold */
			for (size_t k = 0; k < (repeated ? nargs : 1); k++) {
				if (out->nrules >= SANDBOX_SECCOMP_RULES_MAX)
					return err_out(err, errlen, "syscalls: more than %d rules", SANDBOX_SECCOMP_RULES_MAX);
				struct sandbox_seccomp_rule *rule = &out->rules[out->nrules++];
				*rule = base;
				rule->nr = nr;
				if (repeated) {
					rule->nargs = 1;
					rule->args[0] = base.args[k];
				}
			}
		}
	}
	if (unknown)
		snprintf(note, notelen, "linux.seccomp: %zu syscall names unknown to libseccomp on x86-64 skipped", unknown);
	return 0;
}
