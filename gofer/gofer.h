/*
 * gofer — the runsc-lite file server.
 *
 * The gofer is the only process that touches host files. It serves 9P2000.L
 * (p9/p9.h, p9/PROTOCOL.md) to the sentry over a SOCK_SEQPACKET socket and
 * exports one or more host directory trees ("mounts"), each selected by the
 * aname of Tattach.
 *
 * Confinement rules (what a hostile sentry cannot do):
 *   - Paths are walked one component at a time beneath the mount's root FD
 *     with openat(parent, name, O_PATH|O_NOFOLLOW). Every received name goes
 *     through gofer_name_check() first: no "", ".", "..", "/" or NUL.
 *   - Host symlinks are never followed. Walking TO a symlink gives a fid for
 *     the link itself (Tgetattr, Treadlink work on it); walking THROUGH it
 *     fails (ENOTDIR), so the walk stops there (partial Rwalk). The sentry
 *     resolves symlinks itself with Treadlink.
 *   - Tlopen re-opens the walked file by name relative to its parent
 *     directory FD (O_NOFOLLOW, never /proc/self/fd), checks that the opened
 *     file is the walked inode (else ESTALE), and only opens regular files
 *     and directories (others: EPERM; symlinks: ELOOP).
 *   - Directory FDs are NEVER donated (they would let the holder walk the
 *     host tree); the gofer keeps them for Treaddir. A regular file's FD is
 *     donated with Rlopen when the runsc-lite extension is negotiated.
 *   - Read-only mounts refuse write access, O_TRUNC and O_CREAT with EROFS.
 *   - Tinotify and Tbind (the requests that bring an FD: the sandbox's
 *     inotify instance, its unix socket) name the object by one component
 *     from a directory the gofer holds an fd of ("." of a directory, a name
 *     in its parent; Tbind makes that name, never on a read-only mount),
 *     never following a symlink; the FD is closed before the reply.
 *   - At most GOFER_MAX_FIDS fids per connection (ENFILE beyond), and at
 *     most P9_SERVER_MAX_INFLIGHT requests in flight (the socket is not read
 *     beyond), GOFER_WORKERS of them served at a time.
 *
 * Operations served: every 9P2000.L request but Tauth (EOPNOTSUPP), with
 * the rules of p9/PROTOCOL.md section 6: names checked by gofer_name_check,
 * host symlinks never followed, every change refused with EROFS on a
 * read-only mount and EXDEV across mounts, only user.* xattrs writable,
 * Tlock never blocking the gofer, nothing beneath a host pseudo-filesystem.
 *
 * Errors on the wire (Rlerror ecode) besides the host's own errno:
 *   EBADF unknown fid or fid not opened; EEXIST newfid/attach fid in use;
 *   ENFILE too many fids; ENOENT unknown aname; EINVAL bad name, fid
 *   already opened, afid != P9_NOFID, lopen access mode 3; EROFS write on a
 *   read-only mount; ESTALE the file changed under the fid; EPERM lopen of
 *   a special file; EXDEV link/rename across mounts; EBUSY rename of a mount
 *   root; ENFILE too many xattr fids; EOPNOTSUPP xattr namespace other than
 *   user.*.
 */
#ifndef RUNSC_LITE_GOFER_GOFER_H
#define RUNSC_LITE_GOFER_GOFER_H

#include <stdbool.h>
#include <stddef.h>

#include "p9/p9.h"

#define GOFER_MAX_FIDS 65536
#define GOFER_NAME_MAX 255

struct gofer_mount { const char *aname; int root_fd; /* O_PATH|O_DIRECTORY fd, owned by the gofer */ bool readonly; };
struct gofer_config { const struct gofer_mount *mounts; size_t nmounts; int debug_fd; /* -1 or fd for one log line per request */ };

/* Worker threads serving one connection: a request that blocks on the host
 * (a slow disk, a huge fsync) holds up only its own worker; requests that
 * name a common fid wait for each other as gofer/internal.h says. */
#define GOFER_WORKERS 4

/* aname NULL is the same as "". The config and the root FDs must outlive
 * gofer_serve() / gofer_run(). */

/* Serves 9P on the SOCK_SEQPACKET socket until the peer closes it (returns
 * 0) or a fatal error (negative errno; -EPROTO when the peer sent a packet
 * whose 9P header is unreadable, or a request whose tag is in flight).
 * Does not close sock nor the root FDs.  gofer_start() + gofer_run(). */
int gofer_serve(int sock, const struct gofer_config *cfg);

/* gofer_serve() in two steps, so that the process can confine itself in
 * between: gofer_start() creates the GOFER_WORKERS threads, parked (the
 * seccomp policy installed next forbids creating threads, and must cover
 * them: policy_install_flags(POLICY_ALL_THREADS)); gofer_run() releases
 * them, serves until the end of the connection (gofer_serve's result) and
 * frees g.  gofer_abort() frees g instead, without serving. */
struct gofer;
int gofer_start(struct gofer **out, int sock, const struct gofer_config *cfg);
int gofer_run(struct gofer *g);
void gofer_abort(struct gofer *g);

/* The single validation of names received from the sentry (see gofer/name.c
 * for what it defends against). On success copies the name, NUL-terminated,
 * into out and returns 0. Rejects "", ".", "..", any '/' or NUL byte with
 * -EINVAL and names longer than GOFER_NAME_MAX with -ENAMETOOLONG. */
int gofer_name_check(struct p9_str name, char out[GOFER_NAME_MAX + 1]);

#endif
