/*
 * exec through the VFS (brief invariant 3), on the seccomp platform.
 *
 * A user notification cannot rewrite execve's arguments, and the host kernel
 * must never load a program (or its PT_INTERP) from a host path.  So:
 *  1. On execve the sentry resolves the program in the VFS with the task's
 *     root and cwd, checks it (x bit, #! chain up to Linux's depth, ELF header,
 *     PT_INTERP resolved in the VFS too), and opens the files it will need
 *     through the gofer.  Every error is returned to the execve caller here,
 *     before anything happens, as Linux returns it.
 *  2. It "stages" the exec: in the staging tmpfs (the application's
 *     kernel-level root, read-only for the application) it hard-links the
 *     loader at exactly the path the kernel will look up, and answers
 *     CONTINUE.  The kernel therefore only ever executes the loader.  A thread
 *     that rewrites the path buffer meanwhile makes the kernel find nothing (or
 *     another staged loader): it fails closed.
 *  3. The loader, now the task's image, asks for the exec plan
 *     (platform/loader/loader_abi.h); the sentry installs the program and
 *     interpreter fds, writes the plan, and removes the staged names.
 */
#include "sentry/internal.h"

#include "platform/loader/loader_abi.h"
#include "runsc-lite/log.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOADER_DIR  ".rl"
#define LOADER_NAME ".rl/loader"
#define SCRIPT_MAX_DEPTH 4       /* Linux's BINPRM_MAX_RECURSION */
#define BINPRM_BUF 256

/* A name created in the staging tmpfs, shared by concurrent execs. */
struct staged {
	char *rel;
	bool dir;
	int refs;
	struct staged *next;
};

struct pending_exec {
	pid_t tgid;
	int prog_fd, interp_fd;
	struct rl_exec_plan plan;
	struct staged *names[VFS_PATH_MAX / 2];
	size_t nnames;
	struct pending_exec *next;
};

static struct staged *staged_names;
static struct pending_exec *pending;

int exec_stage_init(struct sentry *s, const void *loader, size_t len)
{
	if (mkdirat(s->stagingfd, LOADER_DIR, 0711) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(s->stagingfd, LOADER_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);
	if (fd < 0)
		return -errno;
	const char *p = loader;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

/* ---- staging ---------------------------------------------------------------- */

static struct staged *stage_name(struct sentry *s, const char *rel, bool dir, int *err)
{
	for (struct staged *st = staged_names; st; st = st->next)
		if (strcmp(st->rel, rel) == 0) {
			if (st->dir != dir) {
				*err = -EBUSY;   /* another exec in flight uses the name as a directory */
				return NULL;
			}
			st->refs++;
			return st;
		}
	int rc = dir ? mkdirat(s->stagingfd, rel, 0755)
		     : linkat(s->stagingfd, LOADER_NAME, s->stagingfd, rel, 0);
	if (rc < 0 && !(dir && errno == EEXIST)) {
		*err = -errno;
		return NULL;
	}
	struct staged *st = calloc(1, sizeof *st);
	if (!st || !(st->rel = strdup(rel))) {
		free(st);
		*err = -ENOMEM;
		return NULL;
	}
	st->dir = dir;
	st->refs = 1;
	st->next = staged_names;
	staged_names = st;
	return st;
}

static void unstage(struct sentry *s, struct staged *st)
{
	if (--st->refs > 0)
		return;
	unlinkat(s->stagingfd, st->rel, st->dir ? AT_REMOVEDIR : 0);
	for (struct staged **pp = &staged_names; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	free(st->rel);
	free(st);
}

/* Mirrors, in the staging tmpfs, the lookup the kernel will do for `path`
 * (relative paths start at the kernel cwd, which is always the root: chdir
 * is served by the VFS).  Every directory the kernel walks through is
 * created; the last name is the loader. */
static int stage_path(struct sentry *s, struct pending_exec *pe, const char *path)
{
	char rel[VFS_PATH_MAX];
	size_t rlen = 0;
	const char *p = path;
	rel[0] = 0;
	for (;;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			return -EISDIR;
		const char *next = p + n;
		while (*next == '/')
			next++;
		bool last = *next == 0;
		if (n == 1 && p[0] == '.') {
			if (last)
				return -EISDIR;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (last)
				return -EISDIR;
			char *slash = strrchr(rel, '/');
			rlen = slash ? (size_t)(slash - rel) : 0;
			rel[rlen] = 0;
		} else {
			if (rlen + 1 + n + 1 > sizeof rel)
				return -ENAMETOOLONG;
			if (rlen)
				rel[rlen++] = '/';
			memcpy(rel + rlen, p, n);
			rlen += n;
			rel[rlen] = 0;
			if (pe->nnames >= sizeof pe->names / sizeof pe->names[0])
				return -ENAMETOOLONG;
			int err = 0;
			struct staged *st = stage_name(s, rel, !last, &err);
			if (!st)
				return err;
			pe->names[pe->nnames++] = st;
		}
		if (last)
			return 0;
		p = next;
	}
}

static void pending_free(struct sentry *s, struct pending_exec *pe)
{
	while (pe->nnames > 0)
		unstage(s, pe->names[--pe->nnames]);
	if (pe->prog_fd >= 0)
		close(pe->prog_fd);
	if (pe->interp_fd >= 0)
		close(pe->interp_fd);
	free(pe);
}

static struct pending_exec *pending_take(pid_t tgid)
{
	for (struct pending_exec **pp = &pending; *pp; pp = &(*pp)->next)
		if ((*pp)->tgid == tgid) {
			struct pending_exec *pe = *pp;
			*pp = pe->next;
			return pe;
		}
	return NULL;
}

void exec_task_gone(struct sentry *s, pid_t tgid)
{
	struct pending_exec *pe;
	while ((pe = pending_take(tgid)))
		pending_free(s, pe);
}

/* ---- resolution ------------------------------------------------------------- */

static int plan_push(struct rl_exec_plan *plan, const char *str, size_t len)
{
	if (plan->nprefix >= RL_PLAN_MAX_PREFIX || plan->strings_len + len + 1 > RL_PLAN_STRINGS)
		return -E2BIG;
	/* prefix words are prepended: shift what is there */
	memmove(plan->strings + len + 1, plan->strings, plan->strings_len);
	memcpy(plan->strings, str, len);
	plan->strings[len] = 0;
	plan->strings_len += (uint32_t)len + 1;
	plan->nprefix++;
	return 0;
}

/* Drops the first word of the prefix (a #! level replaces its argv[0]). */
static void plan_drop_first(struct rl_exec_plan *plan)
{
	size_t l = strlen(plan->strings) + 1;
	memmove(plan->strings, plan->strings + l, plan->strings_len - l);
	plan->strings_len -= (uint32_t)l;
	plan->nprefix--;
}

static int open_for_exec(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 struct vfs_walk *w, const char *path, int *fd)
{
	int rc = vfs_walk(w, path);
	if (rc < 0)
		return rc;
	struct vfs_inode *ino = w->result.dentry->inode;
	if (!S_ISREG(ino->attr.st_mode) || !(ino->attr.st_mode & 0111))
		rc = -EACCES;
	else if (!ino->fs->ops->open)
		rc = -EACCES;
	else {
		struct vfs_open_result res = { -1 };
		rc = ino->fs->ops->open(ino, O_RDONLY, &res);
		*fd = res.host_fd;
	}
	vfs_path_put(w->result);
	return rc;
}

static int read_elf(int fd, Elf64_Ehdr *eh, Elf64_Phdr *ph, size_t maxph)
{
	if (pread(fd, eh, sizeof *eh, 0) != (ssize_t)sizeof *eh)
		return -ENOEXEC;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > maxph)
		return -ENOEXEC;
	size_t len = (size_t)eh->e_phnum * sizeof *ph;
	if (pread(fd, ph, len, (off_t)eh->e_phoff) != (ssize_t)len)
		return -ENOEXEC;
	return 0;
}

/* PT_INTERP of the ELF behind fd: 1 with the path, 0 without one. */
static int elf_interp(int fd, char *interp, size_t cap)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	int rc = read_elf(fd, &eh, ph, 64);
	if (rc < 0)
		return rc;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_INTERP)
			continue;
		if (ph[i].p_filesz < 2 || ph[i].p_filesz > cap)
			return -ENOEXEC;
		if (pread(fd, interp, ph[i].p_filesz, (off_t)ph[i].p_offset) != (ssize_t)ph[i].p_filesz)
			return -EIO;
		if (interp[ph[i].p_filesz - 1] != 0 || strlen(interp) != ph[i].p_filesz - 1)
			return -ENOEXEC;
		return 1;
	}
	return 0;
}

/* Parses a "#!" line as Linux does: interpreter up to the first blank, one
 * optional argument (the rest, trimmed).  Returns 1 if it is a script. */
static int parse_shebang(const char *buf, size_t n, char *interp, char *arg)
{
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	char line[BINPRM_BUF + 1];
	size_t l = 2;
	while (l < n && buf[l] != '\n')
		l++;
	memcpy(line, buf + 2, l - 2);
	line[l - 2] = 0;
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t ilen = strcspn(p, " \t");
	if (ilen == 0)
		return -ENOEXEC;
	memcpy(interp, p, ilen);
	interp[ilen] = 0;
	p += ilen;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t alen = strlen(p);
	while (alen && (p[alen - 1] == ' ' || p[alen - 1] == '\t'))
		alen--;
	memcpy(arg, p, alen);
	arg[alen] = 0;
	return 1;
}

static int resolve_program(struct sentry *s, struct platform_syscall *sc, struct task *t,
			   struct vfs_walk base, const char *path, struct pending_exec *pe)
{
	char cur[VFS_PATH_MAX];
	snprintf(cur, sizeof cur, "%s", path);
	struct rl_exec_plan *plan = &pe->plan;
	for (int depth = 0;; depth++) {
		struct vfs_walk w = base;
		w.flags = VFS_FOLLOW;
		int fd = -1;
		int rc = open_for_exec(s, sc, t, &w, cur, &fd);
		if (rc < 0)
			return rc;
		char head[BINPRM_BUF];
		ssize_t n = pread(fd, head, sizeof head, 0);
		if (n < 0) {
			close(fd);
			return -EIO;
		}
		char interp[BINPRM_BUF + 1], arg[BINPRM_BUF + 1];
		rc = parse_shebang(head, (size_t)n, interp, arg);
		if (rc < 0 || (rc == 0 && (n < 4 || memcmp(head, ELFMAG, SELFMAG) != 0))) {
			close(fd);
			return -ENOEXEC;
		}
		if (rc == 0) {          /* an ELF: this is the program */
			pe->prog_fd = fd;
			break;
		}
		close(fd);
		if (depth >= SCRIPT_MAX_DEPTH)
			return -ELOOP;
		/* argv becomes: interp [arg] script-path original-argv[1..] */
		if (plan->nprefix > 0)
			plan_drop_first(plan);
		else
			plan->argv_drop = 1;
		if ((rc = plan_push(plan, cur, strlen(cur))) < 0 ||
		    (arg[0] && (rc = plan_push(plan, arg, strlen(arg))) < 0) ||
		    (rc = plan_push(plan, interp, strlen(interp))) < 0)
			return rc;
		snprintf(cur, sizeof cur, "%s", interp);
		base = (struct vfs_walk){ .root = t->fs->root, .start = t->fs->cwd };
	}
	char interp[VFS_PATH_MAX];
	int rc = elf_interp(pe->prog_fd, interp, sizeof interp);
	if (rc <= 0)
		return rc;
	struct vfs_walk w = { .root = t->fs->root, .start = t->fs->cwd, .flags = VFS_FOLLOW };
	rc = open_for_exec(s, sc, t, &w, interp, &pe->interp_fd);
	if (rc == -EACCES) {
		/* the kernel needs only read access to an interpreter */
		struct vfs_walk w2 = { .root = t->fs->root, .start = t->fs->cwd, .flags = VFS_FOLLOW };
		rc = vfs_walk(&w2, interp);
		if (rc == 0) {
			struct vfs_inode *ino = w2.result.dentry->inode;
			struct vfs_open_result res = { -1 };
			rc = S_ISREG(ino->attr.st_mode) ? ino->fs->ops->open(ino, O_RDONLY, &res) : -EACCES;
			pe->interp_fd = res.host_fd;
			vfs_path_put(w2.result);
		}
	}
	if (rc < 0)
		return rc == -ENOENT ? -ENOENT : rc;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	rc = read_elf(pe->interp_fd, &eh, ph, 64);
	if (rc == 0 && eh.e_type != ET_DYN)
		rc = -ELIBBAD;
	return rc < 0 ? -ELIBBAD : 0;
}

int64_t exec_syscall(struct sentry *s, struct platform_syscall *sc, struct task *t,
		     int dirfd, uint64_t path_addr, int at_flags)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, path_addr, path);
	if (rc < 0)
		return rc;
	if (at_flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if (path[0] == 0)
		return -ENOENT;   /* fexecve (AT_EMPTY_PATH) arrives with the process-model issue */
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return -ENOSYS;   /* likewise execveat relative to a dirfd */
	struct pending_exec *pe = calloc(1, sizeof *pe);
	if (!pe)
		return -ENOMEM;
	pe->tgid = t->tgid;
	pe->prog_fd = pe->interp_fd = -1;
	pe->plan.magic = RL_PLAN_MAGIC;
	pe->plan.version = RL_PLAN_VERSION;
	struct vfs_walk base = { 0 };
	rc = walk_start(s, sc, t, dirfd, path, &base);
	if (rc == 0)
		rc = resolve_program(s, sc, t, base, path, pe);
	if (rc == 0)
		rc = stage_path(s, pe, path);
	if (rc == 0)
		rc = platform_check(s->plat, sc);
	if (rc < 0) {
		pending_free(s, pe);
		return rc;
	}
	/* a newer exec of the same process replaces an older, failed one */
	exec_task_gone(s, t->tgid);
	pe->next = pending;
	pending = pe;
	rc = platform_continue(s->plat, sc);
	if (rc < 0) {
		exec_task_gone(s, t->tgid);
		return rc;
	}
	return SYSCALL_ANSWERED;
}

int64_t exec_loader_request(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	if (sc->args[3] != sizeof(struct rl_exec_plan))
		return -EBADF;
	struct pending_exec *pe = pending_take(t->tgid);
	if (!pe)
		return -EBADF;   /* what Linux says for this dirfd: nothing to reveal */
	int rc = platform_add_fd(s->plat, sc, pe->prog_fd, O_CLOEXEC);
	if (rc >= 0) {
		pe->plan.prog_fd = rc;
		pe->plan.interp_fd = -1;
		if (pe->interp_fd >= 0) {
			rc = platform_add_fd(s->plat, sc, pe->interp_fd, O_CLOEXEC);
			pe->plan.interp_fd = rc;
		}
	}
	if (rc >= 0)
		rc = platform_write(s->plat, sc, sc->args[1], &pe->plan, sizeof pe->plan);
	debugf("[%d] exec plan: prog fd %d interp fd %d prefix %u -> %d", (int)sc->tid,
	       pe->plan.prog_fd, pe->plan.interp_fd, pe->plan.nprefix, rc);
	pending_free(s, pe);
	return rc < 0 ? rc : 0;
}
