/*
 * Credentials that change: the set*id, setgroups and capset family.
 *
 * The VFS checks each trapped syscall against the task's own credentials
 * (struct task: cred), read from its procfs status when the sentry meets
 * it.  A task may change them afterwards: uid 0 keeping CAP_SETUID and
 * CAP_SETGID (process.capabilities) can become any user of the sandbox's
 * id range, and exec's processes switch user after their fork (under
 * ptrace the sentry knew them from the fork on, with the spawner's
 * credentials).  A copy that stayed root after the task dropped to uid
 * 1000 would keep root's file access in the sentry: a hole.
 *
 * So the family is trapped (configs/app.policy), each call marks that
 * thread's copy stale and is let run by the kernel (seccomp: CONTINUE;
 * ptrace: resumed), which decides it as it always does; the copy is read
 * again at the start of that thread's next trapped syscall, before any
 * permission check.  The call is the thread's own (Linux's credentials are
 * per thread; glibc makes every thread of the process repeat it, and each
 * traps).  CONTINUE is safe here: the sentry reads none of the call's
 * arguments, so no argument can change under it.  execve marks the copy
 * stale too (an exec recomputes capabilities; set-id programs gain nothing
 * under no_new_privs).
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <stdio.h>
#include <string.h>

static int64_t cred_change(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	t->cred_stale = true;
	int rc = platform_continue(s->plat, sc);
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

#define CRED_HANDLER(name) \
	int64_t sys_##name(struct sentry *s, struct platform_syscall *sc, struct task *t) \
	{ return cred_change(s, sc, t); }
CRED_HANDLERS(CRED_HANDLER)

void task_refresh_cred(struct sentry *s, struct task *t)
{
	t->cred_stale = false;
	if (task_read_cred(s, t->tid, &t->cred) == 0)
		return;
	/* unreadable (the task is exiting): nobody, with nothing, fails closed */
	t->cred = (struct vfs_cred){ .uid = 65534, .gid = 65534, .fsuid = 65534, .fsgid = 65534 };
	debugf("task %d: credentials unreadable, nobody's from now", (int)t->tid);
}
