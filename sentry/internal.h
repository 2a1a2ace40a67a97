/* Shared by the sentry's own files; not part of its public contract. */
#ifndef RUNSC_LITE_SENTRY_INTERNAL_H
#define RUNSC_LITE_SENTRY_INTERNAL_H

#include "platform/platform.h"
#include "sentry/vfs.h"

struct p9_client;

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Per-process file-system context: root, cwd and umask (CLONE_FS shares it). */
struct fs_context {
	struct vfs_path root, cwd;
	mode_t umask;
	int refs;
};

struct task {
	pid_t tid, tgid;
	struct fs_context *fs;
	/* Read when the sentry meets the task (a child's are its parent's),
	 * and again at its first trap after it called a set*id, setgroups or
	 * capset or execve (cred_stale: sentry/creds.c). */
	struct vfs_cred cred;
	bool cred_stale;
	int pidfd;            /* readable when the task exits */
	/* The program of its last exec (the ELF the loader mapped), for
	 * /proc/PID/exe; a child's is its parent's.  dentry NULL: unknown. */
	struct vfs_path exe;
	char comm[16];        /* the process name (kept while tracing: trace.c) */
	/* Syscalls of it being served: while one is, the task outlives its
	 * exit (a lookup may have released the sentry lock meanwhile). */
	int busy;
	bool exited;
	struct task *next;
};

struct sentry {
	struct platform *plat;
	int procfd;           /* the sandbox pid namespace's procfs (detached mount) */
	int stagingfd;        /* the staging tmpfs: the application's kernel-level root */
	int devfd;            /* the devices /dev opens (sentry/devfs.c), a detached tree */
	int epfd;
	struct task *tasks;
	struct p9_client *gofer;   /* the 9P client of every gofer mount */
	struct fs_context *init_fs;
	uint64_t nr_trapped, nr_unimplemented;
};

/* Before the pivot: a detached mount tree holding the host devices the
 * sandbox's /dev may open and a new devpts instance; its fd, or -errno
 * (sentry/devfs.c). */
int devfs_prepare_host(const char *staging);
/* Attaches the device tree at .rl/d beneath the staging directory, once
 * the application's mount namespace was copied (it never has it): then the
 * sentry's one openat2 rule, beneath stagingfd, covers devices and tmpfs
 * files alike. */
int devfs_attach(int devfd, int stagingfd);

/* Tasks (sentry/task.c). */
/* Reads the sandbox procfs file "TID/FILE" into buf (NUL-terminated):
 * its length, or a negative errno (the task is gone, ...). */
int task_read_proc(struct sentry *s, pid_t tid, const char *file, char *buf, size_t cap);
struct task *task_find(struct sentry *s, pid_t tid);
struct task *task_get(struct sentry *s, pid_t tid);   /* creates on first sight */
/* Frees an exited task once no syscall of it is served any more (busy 0). */
void task_free(struct task *t);
/* PLATFORM_TASK_CREATED (ptrace): records the child at its creation. */
void task_created(struct sentry *s, pid_t parent, pid_t child, uint64_t clone_flags);
void task_exited(struct sentry *s, struct task *t);
/* A successful exec of t's process: exe is now p (a reference taken over). */
void task_set_exe(struct sentry *s, struct task *t, struct vfs_path p);
/* Sees every trapped syscall before its handler: a change of the fs context
 * (chdir, fchdir, umask, chroot) first gives the children forked before it
 * a copy of the context as it was (see task.c). */
void task_note_syscall(struct sentry *s, const struct platform_syscall *sc, struct task *t);
struct fs_context *fs_context_new(struct vfs_path root, struct vfs_path cwd, mode_t umask);
void fs_context_put(struct fs_context *fs);
void fs_set_cwd(struct fs_context *fs, struct vfs_path p);

/* FD identity (sentry/files.c): which sentry file is behind an application
 * fd.  files_install() answers the trapped syscall with the new fd. */
int files_install(struct sentry *s, const struct platform_syscall *sc,
		  struct vfs_path path, int flags, int host_fd);
/* The file behind the task's fd, or NULL with *err: -EBADF (no such fd) or 0
 * (an fd the VFS does not know: pipe, socket, stdio).  *dup receives a
 * sentry duplicate of the fd (caller closes) when dup is not NULL. */
struct vfs_file *files_lookup(struct sentry *s, const struct platform_syscall *sc,
			      int app_fd, int *err, int *dup);
void files_note_host_fd(int host_fd, struct vfs_path path);
/* The file whose host identity is (dev, ino), or NULL (procfs: fd links). */
struct vfs_file *files_find(dev_t dev, ino_t ino);

/* The serve loop and its threads (sentry/serve.c).  Handlers run holding
 * the sentry lock. */
int sentry_serve(struct sentry *s, pid_t init_pid);

/* ---- exec: the control channel (control.c) and the spawner (spawner.c) ----
 *
 * The spawner is a task of the sandbox outside the application's pid
 * namespace (sentry/boot.c makes it), under the application's filter; it
 * forks exec's processes into that namespace on the sentry's request.
 * Its socket (SOCK_SEQPACKET) carries fixed headers: */
enum spawn_op {
	SPAWN_EXEC = 1,      /* sentry -> spawner: id, packed ExecProcess; SCM_RIGHTS stdio (3) or the pty slave (1) */
	SPAWN_GO = 2,        /* sentry -> spawner: the process `id` may exec (the sentry holds its pidfd) */
	SPAWN_ABORT = 3,     /* sentry -> spawner: the process `id` exits at once (125) */
	SPAWN_STARTED = 4,   /* spawner -> sentry: id, pid (sentry namespace), waiting for GO */
	SPAWN_FAILED = 5,    /* spawner -> sentry: id, value = errno (fork failed) */
	SPAWN_EXITED = 6,    /* spawner -> sentry: pid, value = exit code or 128+signal */
};
struct spawn_msg {
	uint32_t op;
	int32_t pid;
	uint64_t id;
	int32_t value;
	uint32_t len;        /* bytes of the packed ExecProcess that follow (SPAWN_EXEC) */
};
#define SPAWN_REQUEST_MAX (256 * 1024)
/* exec --preserve-fds N: the caller's fds 3..3+N-1 travel after stdio (or
 * the pty slave) in the same SCM_RIGHTS message; one message holds at most
 * SCM_MAX_FD (253) fds */
#define EXEC_PRESERVE_FDS_MAX 250
#define EXEC_FDS_MAX (3 + EXEC_PRESERVE_FDS_MAX)

struct RunscLite__ContainerSeccomp;
/* OCI linux.seccomp stacked on the application filter (NULL: nothing);
 * 0 or a negative errno.  Called just before the program's execve. */
int container_seccomp_load(const struct RunscLite__ContainerSeccomp *cs);

/* The spawner's loop on `sock`; never returns (exits on EOF).  Its
 * children load `cs` (the container's profile) before their execve. */
void spawner_run(int sock, const struct RunscLite__ContainerSeccomp *cs) __attribute__((noreturn));
/* Users other than root (sentry/appuser.c).  appuser_decide_range: in the
 * sentry before the spawner exists, whether the application's user
 * namespace gets the whole id range (wanted: OCI, and the sentry is real
 * root) or id 0 only; appuser_uid_map: the map line to write then.  appuser_check: can
 * these ids be had here (0, or -EINVAL with `why`).  In the spawner:
 * appuser_spawner_caps instead of dropping every capability (range only);
 * in each of its children, before the exec: appuser_become (groups, gid,
 * uid, then the capabilities kept for uid 0 of keep_caps, CAP_SETUID and
 * CAP_SETGID only).  0 or a negative errno. */
#define APPUSER_GROUPS_MAX 65536
bool appuser_decide_range(int procfd, bool wanted);
bool appuser_range(void);
const char *appuser_uid_map(void);
int appuser_check(uint32_t uid, uint32_t gid, size_t ngroups, char *why, size_t whylen);
void appuser_spawner_caps(void);
/* what process.capabilities keeps for uid 0, for exec's processes too */
void appuser_set_keep_caps(uint64_t caps);
/* runc's HOME: when the environment has none, uid's home directory from
 * the sandbox's /etc/passwd (read through the sentry, as any file of the
 * task), else "/".  In the task, after its environment is set. */
void appuser_set_home(uint32_t uid);
uint64_t appuser_keep_caps(void);
int appuser_become(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups, uint64_t keep_caps);

/* The first program's exec with runc's PATH search (boot.c); the errno. */
int sentry_exec_program(char **argv);
/* argv[0] looked up as the exec will (a '/': from cwd; else each
 * directory of env's PATH): 0, or -ENOENT/-EACCES/... with `why` (runc's
 * words: engines map "not found" to 127). */
int sentry_find_program(const char *name, char *const *env, size_t nenv, const char *cwd,
			char *why, size_t whylen);

/* The control channel: listen_fd (the container's control.sock, -1: none)
 * and the spawner's socket join the serve loop's epoll. */
int control_init(struct sentry *s, int listen_fd, int spawner_sock);
/* The SCM_RIGHTS fds of a received message, at most max of them into fds
 * (the rest closed); their count (sentry/control.c). */
struct msghdr;
int take_fds(struct msghdr *msg, int *fds, int max);
/* A pty pair from an open ptmx: unlocked, the peer opened with
 * TIOCGPTPEER; master, or a negative errno with master closed (boot.c). */
int pty_pair(int master, int *slave);
/* An epoll event of the control channel: handled (true), or not one. */
bool control_event(struct sentry *s, uint64_t tag);
void sentry_lock(void);
void sentry_unlock(void);
/* Runs wait_fn(arg) without the sentry lock, for at most about `ms`
 * milliseconds: blocking calls in wait_fn return EINTR then.  Returns
 * wait_fn's result; -ENOENT if it was interrupted and the trapped syscall
 * is no longer pending; -ERESTARTSYS (answer it: the kernel restarts the
 * syscall or makes it EINTR) if it was interrupted and a signal is pending
 * for the task.  Whatever the handler looked at before may
 * have changed when it returns: only referenced objects are still valid. */
int sentry_wait_unlocked(struct sentry *s, const struct platform_syscall *sc, unsigned ms,
			 int (*wait_fn)(void *arg), void *arg);
/* While pinned (calls nest), lookups keep the sentry lock across their 9P
 * requests: for a handler holding another lock across its walks, which a
 * thread waiting for that lock with the sentry lock held would deadlock. */
void sentry_pin_lock(bool pin);

/* The network (sentry/net.c).  net_init validates the spec's network
 * fields (-EINVAL); net_setup_app runs in the first task before it drops
 * its capabilities (lo up in its own namespace).  net_connect/net_bind
 * serve a connect/bind that names no path: NET_NATIVE when the kernel may
 * run it as it is.  net_unprefix turns a name the sentry gave an abstract
 * socket back into the application's (false: not one). */
struct RunscLite__SandboxSpec;
int net_init(const struct RunscLite__SandboxSpec *spec);
/* Whether the first task gets a network namespace of its own (none,
 * user); else it shares the sentry's: the host's, or the one the sentry
 * joined with net_join_namespace (OCI: fd the namespace the engine gave;
 * a no-op unless the spec says "join"). */
bool net_own_namespace(void);
int net_join_namespace(int fd);
int net_setup_app(void);
#define NET_NATIVE INT64_MIN
int64_t net_connect(struct sentry *s, struct platform_syscall *sc);
int64_t net_bind(struct sentry *s, struct platform_syscall *sc);
/* Whether binds, connects and sends are the sentry's to make
 * (configs/appnet.policy then traps the sends). */
bool net_mediated(void);
int64_t net_sendto(struct sentry *s, struct platform_syscall *sc);
int64_t net_sendmsg(struct sentry *s, struct platform_syscall *sc);
int64_t net_sendmmsg(struct sentry *s, struct platform_syscall *sc);
bool net_unprefix(void *addr, uint32_t *len);
/* Whether --allow-net's rules let the sandbox reach this internet address
 * (sockaddr_in or sockaddr_in6; an IPv4-mapped IPv6 address as IPv4). */
struct sockaddr_storage;
bool net_allows(const struct sockaddr_storage *sa);

/* procfs (sentry/procfs.c): /proc of the sandbox's pid namespace. */
int procfs_new(struct sentry *s, const char *hostname, struct vfs_fs **out,
	       struct vfs_inode **root);
/* The object behind a /proc/PID/fd/N link that is outside the VFS (a
 * pipe, a socket; the walk stopped at the link: VFS_OUTSIDE): a duplicate
 * of the task's descriptor, for stat and the like; or -errno. */
int procfs_fd_object(struct vfs_inode *link);
/* The task whose syscall this thread serves (self, thread-self, paths
 * relative to its root); NULL between syscalls. */
void procfs_set_caller(struct task *t);
/* The exec loader's host identity (its mappings are hidden from maps). */
void exec_loader_identity(dev_t *dev, ino_t *ino);

/* Syscall handling (sentry/syscalls.c). */
#ifndef ERESTARTSYS
#define ERESTARTSYS 512   /* kernel-internal: never seen by the application */
#endif
#define SYSCALL_ANSWERED INT64_MIN     /* the handler already replied */
void syscalls_dispatch(struct sentry *s, struct platform_syscall *sc);

/* exec through the VFS (sentry/exec.c). */
int64_t exec_syscall(struct sentry *s, struct platform_syscall *sc, struct task *t,
		     int dirfd, uint64_t path_addr, int at_flags);
int64_t exec_loader_request(struct sentry *s, struct platform_syscall *sc, struct task *t);
int exec_stage_init(struct sentry *s, const void *loader, size_t len);
void exec_task_gone(struct sentry *s, pid_t tgid);
/* Sees every trapped syscall first: undoes what an exec that failed in the
 * kernel after the sentry let it continue left behind. */
void exec_note_syscall(struct sentry *s, const struct platform_syscall *sc, struct task *t);

/* --trace and --strace (sentry/trace.c).  Each hook is one test of
 * trace_enabled when tracing is off. */
extern bool trace_enabled;
/* spec: the RunscLite__SandboxSpec; takes over both fds (-1: none). */
int trace_setup(struct sentry *s, const void *spec, int trace_fd, int strace_fd);
void trace_begin_(struct sentry *s, const struct platform_syscall *sc);
void trace_path_(uint64_t addr, const char *path);
void trace_file_(struct vfs_path p, int64_t installed);
void trace_exec_target_(struct vfs_path prog, struct vfs_path interp);
void trace_done_(struct sentry *s, const struct platform_syscall *sc, struct task *t, int64_t rc);
int64_t trace_refused_(struct sentry *s, const struct platform_syscall *sc, struct task *t);
void trace_task_new_(struct sentry *s, const struct task *t, pid_t ppid, bool from_known);
void trace_task_gone_(struct sentry *s, const struct task *t);
void trace_signal_(int signo, pid_t sender);
void trace_net_denied_(struct sentry *s, const struct platform_syscall *sc, const char *rule);
void trace_created_(void);
struct rusage;
void trace_app_exit_(int wstatus, const struct rusage *ru);
/* Emits SandboxExit, drains the sink, reports drops on stderr. */
void trace_finish(int status);

/* A trapped syscall begins (before its handler) and ends (before the task
 * is answered, if the handler did not answer it). */
static inline void trace_begin(struct sentry *s, const struct platform_syscall *sc)
{ if (__builtin_expect(trace_enabled, 0)) trace_begin_(s, sc); }
static inline void trace_done(struct sentry *s, const struct platform_syscall *sc, struct task *t, int64_t rc)
{ if (__builtin_expect(trace_enabled, 0)) trace_done_(s, sc, t, rc); }
/* A path the application named, as the handler copied it from addr. */
static inline void trace_path(uint64_t addr, const char *path)
{ if (__builtin_expect(trace_enabled, 0)) trace_path_(addr, path); }
/* The file an open installed as the task's fd `installed` (or -errno). */
static inline void trace_file(struct vfs_path p, int64_t installed)
{ if (__builtin_expect(trace_enabled, 0)) trace_file_(p, installed); }
/* What an exec resolved: program and interpreter (dentry NULL: none). */
static inline void trace_exec_target(struct vfs_path prog, struct vfs_path interp)
{ if (__builtin_expect(trace_enabled, 0)) trace_exec_target_(prog, interp); }
/* A trapped syscall without a handler: -ENOSYS, or the errno of the
 * policy rule that trapped it for the trace (POLICY_ERRNO_AS_TRAP). */
static inline int64_t trace_refused(struct sentry *s, const struct platform_syscall *sc, struct task *t)
{ return __builtin_expect(trace_enabled, 0) ? trace_refused_(s, sc, t) : -ENOSYS; }
static inline void trace_task_new(struct sentry *s, const struct task *t, pid_t ppid, bool from_known)
{ if (__builtin_expect(trace_enabled, 0)) trace_task_new_(s, t, ppid, from_known); }
static inline void trace_task_gone(struct sentry *s, const struct task *t)
{ if (__builtin_expect(trace_enabled, 0)) trace_task_gone_(s, t); }
/* The open being served made its file (O_CREAT): a CREATE event. */
static inline void trace_created(void)
{ if (__builtin_expect(trace_enabled, 0)) trace_created_(); }
/* A connect or send --allow-net refused (ECONNREFUSED): a denied event
 * whose rule names the destination. */
static inline void trace_net_denied(struct sentry *s, const struct platform_syscall *sc, const char *rule)
{ if (__builtin_expect(trace_enabled, 0)) trace_net_denied_(s, sc, rule); }
static inline void trace_signal(int signo, pid_t sender)
{ if (__builtin_expect(trace_enabled, 0)) trace_signal_(signo, sender); }
static inline void trace_app_exit(int wstatus, const struct rusage *ru)
{ if (__builtin_expect(trace_enabled, 0)) trace_app_exit_(wstatus, ru); }

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Handlers of the syscalls that change the tree (sentry/mutate.c), of
 * the xattr family (sentry/xattr.c), the sockets (sentry/socket.c) and the old
 * getdents, chroot and inotify_add_watch (sentry/fsmisc.c). */
typedef int64_t (*handler_fn)(struct sentry *s, struct platform_syscall *sc, struct task *t);
#define MUTATE_HANDLERS(X) \
	X(mkdirat) X(unlinkat) X(renameat) X(renameat2) \
	X(linkat) X(symlinkat) X(mknodat) X(fchmod) \
	X(fchmodat) X(fchmodat2) X(fchown) X(fchownat) X(truncate) \
	X(utimensat) X(umask) \
	X(getxattr) X(lgetxattr) X(fgetxattr) X(listxattr) X(llistxattr) X(flistxattr) \
	X(setxattr) X(lsetxattr) X(fsetxattr) X(removexattr) X(lremovexattr) X(fremovexattr) \
	X(connect) X(bind) X(getsockname) X(getpeername) X(sendto) X(sendmsg) X(sendmmsg) \
	X(listen) X(accept) X(accept4) X(getsockopt) X(recvfrom) \
	X(chroot) X(inotify_add_watch)
/* The legacy path calls only x86-64 has (arm64, like every newer port, has
 * just the *at forms, which serve both): in the dispatch table only where
 * the architecture defines them. */
#define LEGACY_MUTATE_HANDLERS(X) \
	X(mkdir) X(rmdir) X(unlink) X(rename) X(link) X(symlink) X(mknod) X(chmod) \
	X(chown) X(lchown) X(utime) X(utimes) X(futimesat) X(getdents)
#define DECLARE_HANDLER(name) int64_t sys_##name(struct sentry *s, struct platform_syscall *sc, struct task *t);
MUTATE_HANDLERS(DECLARE_HANDLER)
LEGACY_MUTATE_HANDLERS(DECLARE_HANDLER)
/* Calls that change the caller's credentials (sentry/creds.c): marked
 * stale, let run.  The 16-bit and *32 forms exist on neither x86-64 nor
 * arm64's native ABI. */
#define CRED_HANDLERS(X) \
	X(setuid) X(setgid) X(setreuid) X(setregid) X(setresuid) X(setresgid) \
	X(setfsuid) X(setfsgid) X(setgroups) X(capset)
CRED_HANDLERS(DECLARE_HANDLER)
/* Reads tid's credentials again (stale): nobody's if it cannot. */
void task_refresh_cred(struct sentry *s, struct task *t);
/* tid's credentials from its procfs status: 0 or a negative errno. */
int task_read_cred(struct sentry *s, pid_t tid, struct vfs_cred *cred);

/* bind(2) of a unix socket to `path` (a copy of the task's sun_path):
 * creates the socket node (sentry/mutate.c); sock is the sentry's
 * duplicate of the task's socket. */
int64_t bind_socket_node(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 const char *path, int sock);

/* Unix connections the sentry makes (sentry/peercred.c).  Before the
 * sentry connects `sock` for task t: records t's credentials for the
 * socket's address (a stream socket without one gets a hidden autobound
 * name first).  After it made `sock` listen for t: the same, for the
 * listener.  peer_hidden: is this kernel address a name the sentry gave,
 * which the program must see as unnamed? */
int peer_before_connect(struct sentry *s, struct platform_syscall *sc, struct task *t, int sock);
void peer_note_listen(struct sentry *s, struct task *t, int sock);
bool peer_hidden(const void *addr, socklen_t len);
/* Lets the kernel run the trapped socket call (sentry/socket.c). */
int64_t socket_native(struct sentry *s, struct platform_syscall *sc);
/* A unix address the kernel gave, made what the program should see: a
 * backing name back to the name it bound, a hidden autobind name to an
 * unnamed address, an abstract name of the sandbox's without its prefix. */
void socket_app_address(void *addr, socklen_t *len);

/* Helpers shared by handlers. */
/* What the debug log line of the current syscall says about it. */
char *detail_buffer(void);
int get_attr(struct vfs_inode *ino, struct stat *st);
/* Resolves (dirfd, path, at_flags) to a VFS path (a reference the caller
 * drops).  With AT_EMPTY_PATH on an fd the VFS does not know, returns 1 and
 * *dup (the caller answers from that fd and closes it).  follow_default:
 * whether symlinks are followed unless AT_SYMLINK_NOFOLLOW (else only with
 * AT_SYMLINK_FOLLOW). */
int resolve_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
	       int dirfd, uint64_t path_addr, int at_flags, bool follow_default,
	       struct vfs_path *out, int *dup);
int read_path(struct sentry *s, const struct platform_syscall *sc, uint64_t addr, char *buf);
/* getdents64/getdents on the directory fd args[0] into args[1] (args[2]
 * bytes); emit() encodes one record into the struct dirent_buf it gets. */
struct dirent_buf {
	char *buf;
	size_t cap, len;
	bool overflow;   /* a record did not fit */
};
int64_t getdents_common(struct sentry *s, struct platform_syscall *sc,
			bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				     const char *name, size_t namelen));
/* Sets up a walk from dirfd (AT_FDCWD or an fd) for task t. */
int walk_start(struct sentry *s, const struct platform_syscall *sc, struct task *t,
	       int dirfd, const char *path, struct vfs_walk *w);

#endif
