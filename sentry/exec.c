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
 *
 * fexecve (execveat(fd, "", AT_EMPTY_PATH)) and execveat(dirfd, "relative")
 * make the kernel look at the application's fd, not at a path: the sentry
 * puts the loader (or a staging directory holding the staged path) in that
 * fd slot for the duration of the exec, keeps the original description, and
 * puts it back in the new image (or, when the kernel's exec failed after
 * all, at the task's next trapped syscall).
 */
#include "sentry/internal.h"

#include "platform/loader/loader_abi.h"
#include "runsc-lite/log.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOADER_DIR  ".rl"
#define LOADER_NAME ".rl/loader"
/* exec_binprm() allows 5 binfmt rewrites (depth 0..5): a chain of five
 * #! scripts runs, the sixth script is ELOOP. */
#define SCRIPT_MAX_DEPTH 5
#define BINPRM_BUF 256

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* A name created in the staging tmpfs, shared by concurrent execs. */
struct staged {
	char *rel;
	bool dir;
	int refs;
	struct staged *next;
};

struct pending_exec {
	pid_t tgid;
	pid_t tid;               /* the thread that called execve */
	int prog_fd, interp_fd;
	/* where they are in the VFS: /proc/PID/exe, and names in maps */
	struct vfs_path prog_path, interp_path;
	/* fexecve / execveat with a dirfd: the application fd the kernel execs
	 * through, swapped for the loader or a staging directory, and the
	 * sentry's reference to the description it held (-1: no swap) */
	int swap_num, swap_orig;
	bool swap_cloexec;
	struct rl_exec_plan plan;
	struct staged *names[VFS_PATH_MAX / 2];
	size_t nnames;
	struct pending_exec *next;
};

/* Guards staged_names and pending: execs of different tasks may be served
 * concurrently. */
static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct staged *staged_names;
static struct pending_exec *pending;
static int nswapped;        /* pending execs with a swapped fd */
static int loader_fd = -1;  /* the loader, read-only: what fexecve execs */

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
	/* opened now: once confined, the sentry opens nothing beneath the
	 * staging fd directly */
	loader_fd = openat(s->stagingfd, LOADER_NAME, O_RDONLY | O_CLOEXEC);
	return loader_fd < 0 ? -errno : 0;
}

void exec_loader_identity(dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (loader_fd >= 0 && fstat(loader_fd, &st) == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	} else {
		*dev = 0;
		*ino = 0;
	}
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
 * from the staging directory `base` ("" for the root: relative paths start
 * at the kernel cwd, which is always the root, as chdir is served by the
 * VFS).  Every directory the kernel walks through is created; the last name
 * is the loader. */
static int stage_path(struct sentry *s, struct pending_exec *pe, const char *base, const char *path)
{
	char rel[VFS_PATH_MAX];
	size_t rlen = strlen(base);
	const char *p = path;
	if (path[0] == '/')
		rlen = 0;
	if (rlen >= sizeof rel)
		return -ENAMETOOLONG;
	memcpy(rel, base, rlen);
	rel[rlen] = 0;
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
	if (pe->prog_path.dentry)
		vfs_path_put(pe->prog_path);
	if (pe->interp_path.dentry)
		vfs_path_put(pe->interp_path);
	if (pe->swap_orig >= 0) {
		close(pe->swap_orig);
		__atomic_sub_fetch(&nswapped, 1, __ATOMIC_RELAXED);
	}
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
	pthread_mutex_lock(&exec_lock);
	struct pending_exec *pe;
	while ((pe = pending_take(tgid)))
		pending_free(s, pe);
	pthread_mutex_unlock(&exec_lock);
}

/* Puts the application's own description back in the fd slot a failed
 * fexecve/execveat borrowed; sc is a trapped syscall of that process. */
static void swap_back(struct sentry *s, const struct platform_syscall *sc, struct pending_exec *pe)
{
	if (pe->swap_orig >= 0)
		platform_replace_fd(s->plat, sc, pe->swap_orig, pe->swap_num,
				    pe->swap_cloexec ? O_CLOEXEC : 0);
}

/*
 * Called for every trapped syscall.  The exec'ing thread traps again only
 * if its exec failed in the kernel after the sentry let it continue (E2BIG,
 * EFAULT on argv, ENOMEM): a success replaces it with the loader, whose
 * first trapped syscall is the plan request.  Undo a borrowed fd slot then.
 */
void exec_note_syscall(struct sentry *s, const struct platform_syscall *sc, struct task *t)
{
	if (__atomic_load_n(&nswapped, __ATOMIC_RELAXED) == 0)
		return;
	if (sc->nr == SYS_openat && (int)sc->args[0] == RL_LOADER_DIRFD)
		return;
	pthread_mutex_lock(&exec_lock);
	for (struct pending_exec **pp = &pending; *pp; pp = &(*pp)->next) {
		struct pending_exec *pe = *pp;
		if (pe->tid == sc->tid && pe->swap_orig >= 0) {
			*pp = pe->next;
			swap_back(s, sc, pe);
			debugf("[%d] exec failed in the kernel: fd %d given back", (int)sc->tid, pe->swap_num);
			pending_free(s, pe);
			break;
		}
	}
	pthread_mutex_unlock(&exec_lock);
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

/*
 * Linux refuses to execute a file that is open for writing anywhere
 * (deny_write_access: ETXTBSY).  The host kernel only ever executes the
 * loader, so the sentry checks: a writable fd of any sandbox task on the
 * same host file.  Each fd of the sentry's procfs is a magic link whose
 * mode says how it was opened (S_IWUSR: for writing); only those are
 * followed.  The sentry itself (pid 1 here) holds no application fd.
 */
static bool open_for_writing(struct sentry *s, int host_fd)
{
	struct stat want;
	if (fstat(host_fd, &want) < 0)
		return false;
	int pfd = openat(s->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *procs = pfd >= 0 ? fdopendir(pfd) : NULL;
	if (!procs) {
		if (pfd >= 0)
			close(pfd);
		return false;
	}
	bool busy = false;
	struct dirent *de;
	while (!busy && (de = readdir(procs))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || strcmp(de->d_name, "1") == 0)
			continue;
		char path[64];
		snprintf(path, sizeof path, "%.16s/fd", de->d_name);
		int dfd = openat(s->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *fds = dfd >= 0 ? fdopendir(dfd) : NULL;
		if (!fds) {
			if (dfd >= 0)
				close(dfd);
			continue;   /* exited meanwhile */
		}
		struct dirent *fe;
		while (!busy && (fe = readdir(fds))) {
			struct stat lst, st;
			if (fe->d_name[0] == '.' ||
			    fstatat(dirfd(fds), fe->d_name, &lst, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !(lst.st_mode & S_IWUSR))
				continue;
			busy = fstatat(dirfd(fds), fe->d_name, &st, 0) == 0 &&
			       st.st_dev == want.st_dev && st.st_ino == want.st_ino;
		}
		closedir(fds);
	}
	closedir(procs);
	return busy;
}

/* Opens the file at p as the kernel's open_exec() would: a regular file
 * (EACCES otherwise), with an x bit when need_x, not open for writing. */
static int open_path_for_exec(struct sentry *s, struct vfs_path p, const struct vfs_cred *cred,
			      bool need_x, int *fd)
{
	struct vfs_inode *ino = p.dentry->inode;
	if (vfs_is_link(ino))
		return -ELOOP;   /* AT_SYMLINK_NOFOLLOW met a symlink */
	/* the cached mode is stale after a chmod, or a write through an fd */
	struct stat st;
	bool prev = vfs_io_allow(true);   /* (p is referenced) */
	int rc = get_attr(ino, &st);
	vfs_io_allow(prev);
	if (rc < 0)
		return rc;
	if (!S_ISREG(st.st_mode) || !ino->fs->ops->open)
		return -EACCES;
	if (need_x && (rc = vfs_permission(ino, cred, VFS_MAY_EXEC)) < 0)
		return rc;   /* with DAC override still some x bit (vfs_permission) */
	struct vfs_open_result res = { .host_fd = -1 };
	prev = vfs_io_allow(true);
	rc = ino->fs->ops->open(ino, O_RDONLY, &res);
	vfs_io_allow(prev);
	if (rc < 0)
		return rc;
	/* only a file the sandbox ever opened for writing can be busy */
	if (ino->host_writable && open_for_writing(s, res.host_fd)) {
		close(res.host_fd);
		return -ETXTBSY;
	}
	*fd = res.host_fd;
	return 0;
}

/* As open_path_for_exec for a path; *at (when not NULL) receives where the
 * file is (a reference, replacing what *at held). */
static int open_for_exec(struct sentry *s, struct vfs_walk *w, const char *path, bool need_x, int *fd,
			 struct vfs_path *at)
{
	int rc = vfs_walk(w, path);
	if (rc < 0)
		return rc;
	rc = open_path_for_exec(s, w->result, w->cred, need_x, fd);
	if (rc == 0 && at) {
		if (at->dentry)
			vfs_path_put(*at);
		*at = w->result;
	} else {
		vfs_path_put(w->result);
	}
	return rc;
}

/* Only the sandbox's own architecture runs (a foreign ELF: ENOEXEC, as
 * Linux without binfmt_misc). */
#if defined(__x86_64__)
#define NATIVE_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_ELF_MACHINE EM_AARCH64
#else
#error "runsc-lite supports x86-64 and arm64 only"
#endif

static int read_elf(int fd, Elf64_Ehdr *eh, Elf64_Phdr *ph, size_t maxph)
{
	if (pread(fd, eh, sizeof *eh, 0) != (ssize_t)sizeof *eh)
		return -ENOEXEC;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != NATIVE_ELF_MACHINE ||
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

/* What execve names: a path walked from a base, or (fexecve) a file. */
struct exec_target {
	struct vfs_walk base;
	const char *path;
	int walk_flags;
	struct vfs_path file;       /* fexecve: the file behind the fd */
	bool by_file;
	/* Linux's bprm->filename: what a #! interpreter gets as the script's
	 * name ("/dev/fd/N[/path]" for an fd-relative exec) */
	char name[VFS_PATH_MAX];
	bool name_inaccessible;     /* /dev/fd/N of a close-on-exec fd */
};

static int resolve_program(struct sentry *s, struct task *t, struct exec_target *tg,
			   struct pending_exec *pe)
{
	char cur[VFS_PATH_MAX];
	snprintf(cur, sizeof cur, "%s", tg->path);
	struct rl_exec_plan *plan = &pe->plan;
	struct vfs_walk base = tg->base;
	const char *name = tg->name;
	for (int depth = 0;; depth++) {
		int fd = -1, rc;
		if (depth == 0 && tg->by_file) {
			rc = open_path_for_exec(s, tg->file, &t->cred, true, &fd);
			if (rc == 0)
				pe->prog_path = vfs_path_get(tg->file);
		} else {
			struct vfs_walk w = base;
			w.flags = depth == 0 ? tg->walk_flags : VFS_FOLLOW;
			rc = open_for_exec(s, &w, cur, true, &fd, &pe->prog_path);
		}
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
		/* the interpreter would open the script by its name, and a
		 * close-on-exec /dev/fd/N is gone by then (binfmt_script) */
		if (depth == 0 && tg->name_inaccessible)
			return -ENOENT;
		if (depth >= SCRIPT_MAX_DEPTH)
			return -ELOOP;
		/* argv becomes: interp [arg] script-name original-argv[1..] */
		if (plan->nprefix > 0)
			plan_drop_first(plan);
		else
			plan->argv_drop = 1;
		if ((rc = plan_push(plan, name, strlen(name))) < 0 ||
		    (arg[0] && (rc = plan_push(plan, arg, strlen(arg))) < 0) ||
		    (rc = plan_push(plan, interp, strlen(interp))) < 0)
			return rc;
		snprintf(cur, sizeof cur, "%s", interp);
		name = cur;   /* binfmt_script passes on the interpreter's name */
		base = (struct vfs_walk){ .root = t->fs->root, .start = t->fs->cwd, .cred = &t->cred };
	}
	char interp[VFS_PATH_MAX];
	int rc = elf_interp(pe->prog_fd, interp, sizeof interp);
	if (rc <= 0)
		return rc;
	struct vfs_walk w = { .root = t->fs->root, .start = t->fs->cwd, .flags = VFS_FOLLOW,
			      .cred = &t->cred };
	/* the kernel needs only read access to an interpreter */
	rc = open_for_exec(s, &w, interp, false, &pe->interp_fd, &pe->interp_path);
	if (rc < 0)
		return rc;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	rc = read_elf(pe->interp_fd, &eh, ph, 64);
	if (rc == 0 && eh.e_type != ET_DYN)
		rc = -ELIBBAD;
	return rc < 0 ? -ELIBBAD : 0;
}

/* Whether the application's fd is close-on-exec (its fdinfo flags). */
static int fd_cloexec(struct sentry *s, pid_t tid, int fd, bool *cloexec)
{
	char file[32], buf[512];
	snprintf(file, sizeof file, "fdinfo/%d", fd);
	if (task_read_proc(s, tid, file, buf, sizeof buf) < 0)
		return -EBADF;
	const char *fl = strstr(buf, "flags:");
	if (!fl)
		return -EBADF;
	*cloexec = (strtoul(fl + 6, NULL, 8) & O_CLOEXEC) != 0;
	return 0;
}

/* A fresh directory of the staging tmpfs, opened read-only, for an
 * execveat relative to a dirfd: the staged path goes beneath it. */
static int staging_dir(struct sentry *s, struct pending_exec *pe, char *rel, size_t cap, int *fd)
{
	static uint64_t serial;
	snprintf(rel, cap, ".rl/at-%llu", (unsigned long long)++serial);
	int err = 0;
	struct staged *st = stage_name(s, rel, true, &err);
	if (!st)
		return err;
	pe->names[pe->nnames++] = st;
	char via[96];
	snprintf(via, sizeof via, "self/fd/%d/%s", s->stagingfd, rel);
	*fd = openat(s->procfd, via, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

/* The program (and its interpreter) looked up and opened into pe.  Called
 * without exec_lock: its lookups and opens may release the sentry lock for
 * their 9P requests, so a slow gofer stalls this exec only. */
static int exec_resolve(struct sentry *s, struct platform_syscall *sc, struct task *t,
			int dirfd, const char *path, int at_flags, struct pending_exec *pe,
			struct exec_target *tg)
{
	bool by_fd = path[0] != '/' && dirfd != AT_FDCWD;
	int rc;
	if (path[0] == 0 && !(at_flags & AT_EMPTY_PATH))
		return -ENOENT;
	if (path[0] == 0 && dirfd == AT_FDCWD) {
		/* execveat(AT_FDCWD, "", AT_EMPTY_PATH): the cwd, a directory */
		return -EACCES;
	}
	if (by_fd) {
		/* the kernel resolves through the application's fd: it must hold
		 * the loader, or a staging directory with the staged path */
		int orig = -1;
		struct vfs_file *f = files_lookup(s, sc, dirfd, &rc, &orig);
		if (!f) {
			if (orig >= 0)
				close(orig);
			/* a pipe, socket or stdio: not a directory, not executable */
			return rc < 0 ? rc : path[0] ? -ENOTDIR : -EACCES;
		}
		pe->swap_orig = orig;
		pe->swap_num = dirfd;
		__atomic_add_fetch(&nswapped, 1, __ATOMIC_RELAXED);
		rc = fd_cloexec(s, sc->tid, dirfd, &pe->swap_cloexec);
		if (rc < 0)
			return rc;
		snprintf(tg->name, sizeof tg->name, path[0] ? "/dev/fd/%d/%s" : "/dev/fd/%d", dirfd, path);
		tg->name_inaccessible = pe->swap_cloexec;
		if (path[0] == 0) {
			tg->by_file = true;
			tg->file = vfs_path_get(f->path);   /* (the fd may be closed meanwhile) */
		} else {
			if (!vfs_is_dir(f->path.dentry->inode))
				return -ENOTDIR;
			tg->base = (struct vfs_walk){ .root = t->fs->root, .start = f->path };
		}
	} else {
		snprintf(tg->name, sizeof tg->name, "%s", path);
		rc = walk_start(s, sc, t, dirfd, path, &tg->base);
		if (rc < 0)
			return rc;
	}
	return resolve_program(s, t, tg, pe);
}

/* The staged path the kernel will walk to the loader, and pe pending: under
 * exec_lock, never releasing the sentry lock. */
static int64_t exec_commit(struct sentry *s, struct platform_syscall *sc, struct task *t,
			   int dirfd, const char *path, struct pending_exec *pe)
{
	bool by_fd = path[0] != '/' && dirfd != AT_FDCWD;
	int rc, swap_with = -1;
	if (!by_fd) {
		rc = stage_path(s, pe, "", path);
	} else if (path[0] == 0) {
		swap_with = dup(loader_fd);
		rc = swap_with < 0 ? -errno : 0;
	} else {
		char rel[64];
		rc = staging_dir(s, pe, rel, sizeof rel, &swap_with);
		if (rc == 0)
			rc = stage_path(s, pe, rel, path);
	}
	if (rc == 0)
		rc = platform_check(s->plat, sc);
	if (rc == 0 && swap_with >= 0)
		rc = platform_replace_fd(s->plat, sc, swap_with, dirfd, pe->swap_cloexec ? O_CLOEXEC : 0);
	if (swap_with >= 0)
		close(swap_with);
	if (rc < 0)
		return rc;
	/* a newer exec of the same process replaces an older, failed one */
	struct pending_exec *old;
	while ((old = pending_take(t->tgid))) {
		swap_back(s, sc, old);
		pending_free(s, old);
	}
	pe->next = pending;
	pending = pe;
	/* the task's next address space is not the one its kept memory
	 * descriptor names (after a vfork, that one is its parent's) */
	platform_forget_memory(sc->tid);
	platform_forget_memory(t->tgid);
	rc = platform_continue(s->plat, sc);
	if (rc < 0) {
		pending_take(t->tgid);   /* the caller frees it */
		return rc;
	}
	return SYSCALL_ANSWERED;
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
	struct pending_exec *pe = calloc(1, sizeof *pe);
	if (!pe)
		return -ENOMEM;
	pe->tgid = t->tgid;
	pe->tid = sc->tid;
	pe->prog_fd = pe->interp_fd = pe->swap_orig = pe->swap_num = -1;
	pe->plan.magic = RL_PLAN_MAGIC;
	pe->plan.version = RL_PLAN_VERSION;
	struct exec_target tg = { .path = path,
		.walk_flags = (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW };
	int64_t ret = exec_resolve(s, sc, t, dirfd, path, at_flags, pe, &tg);
	pthread_mutex_lock(&exec_lock);
	sentry_pin_lock(true);   /* exec_lock is held: nothing may wait for the sentry lock */
	if (ret == 0)
		ret = exec_commit(s, sc, t, dirfd, path, pe);
	sentry_pin_lock(false);
	trace_exec_target(pe->prog_path, pe->interp_path);
	if (ret != SYSCALL_ANSWERED)
		pending_free(s, pe);   /* (its staged names: exec_lock) */
	pthread_mutex_unlock(&exec_lock);
	if (tg.by_file)
		vfs_path_put(tg.file);
	return ret;
}

int64_t exec_loader_request(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	if (sc->args[3] != sizeof(struct rl_exec_plan))
		return -EBADF;
	pthread_mutex_lock(&exec_lock);
	struct pending_exec *pe = pending_take(t->tgid);
	pthread_mutex_unlock(&exec_lock);
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
	/* the fd fexecve went through is the application's again (a
	 * close-on-exec one is gone, as on Linux) */
	if (rc >= 0 && pe->swap_orig >= 0 && !pe->swap_cloexec)
		rc = platform_replace_fd(s->plat, sc, pe->swap_orig, pe->swap_num, 0);
	if (rc >= 0)
		rc = platform_write(s->plat, sc, sc->args[1], &pe->plan, sizeof pe->plan);
	if (rc >= 0) {
		/* the exec is done: /proc/PID/exe is the program (for a script,
		 * its interpreter, as on Linux), and maps can name what the
		 * loader mapped by its identity */
		files_note_host_fd(pe->prog_fd, pe->prog_path);
		if (pe->interp_fd >= 0)
			files_note_host_fd(pe->interp_fd, pe->interp_path);
		task_set_exe(s, t, vfs_path_get(pe->prog_path));
	}
	debugf("[%d] exec plan: prog fd %d interp fd %d prefix %u -> %d", (int)sc->tid,
	       pe->plan.prog_fd, pe->plan.interp_fd, pe->plan.nprefix, rc);
	pthread_mutex_lock(&exec_lock);
	pending_free(s, pe);
	pthread_mutex_unlock(&exec_lock);
	return rc < 0 ? rc : 0;
}
