/* Race probe (tests/integration/test_races.sh): a second thread rewrites
 * the argument of a trapped syscall while the first thread calls it, over
 * and over; the sandbox must act on one consistent copy, never on a value
 * that names something outside the sandbox's view.  Run in the sandbox with
 * its cwd in a writable directory of the rootfs; OUTSIDE is a host
 * directory outside the rootfs (its absolute host path, and ../ escapes,
 * are among the rewritten values).
 *
 *   connect OUTSIDE  sockaddr_un flips between a socket bound inside
 *                    ("in.sock"), an abstract one, OUTSIDE/host.sock (a
 *                    host listener that greets with "H") and a ../ escape;
 *                    prints how many connects reached which greeting
 *   bind OUTSIDE     sockaddr_un flips between "b.sock", OUTSIDE/evil.sock
 *                    and an abstract name
 *   openat2 OUTSIDE  struct open_how flips between O_RDONLY and
 *                    O_WRONLY|O_TRUNC while the path flips between a
 *                    read-only file "ro" and OUTSIDE/secret
 *   rename OUTSIDE   both names of rename() flip: "a" / OUTSIDE/secret and
 *                    "b" / OUTSIDE/moved
 *   hostlisten PATH  (host side) listens on PATH, greets each connection
 *                    with "H" and counts them until PATH.stop exists
 *
 * Each mode prints "race.MODE/OUTCOME -> COUNT" lines, then
 * "race.MODE/violations -> N": N must be 0. */
#include "conf.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif

#define ROUNDS 4000

static atomic_int stop;
/* short enough for a sun_path with a name appended */
static char outside[80];

/* A buffer another thread rewrites byte by byte from a set of templates:
 * the reader may see any mix of two of them. */
struct flip {
	unsigned char *buf;
	size_t len;
	const unsigned char *alt[4];
	int nalt;
};

static void *flipper(void *arg)
{
	struct flip *f = arg;
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		const unsigned char *s = f->alt[i % (unsigned)f->nalt];
		for (size_t j = 0; j < f->len; j++)
			((volatile unsigned char *)f->buf)[j] = s[j];
	}
	return NULL;
}

static void start(pthread_t *th, struct flip *f)
{
	atomic_store(&stop, 0);
	pthread_create(th, NULL, flipper, f);
}

static void finish(pthread_t *th, struct flip *f, const unsigned char *restore)
{
	atomic_store(&stop, 1);
	pthread_join(*th, NULL);
	memcpy(f->buf, restore, f->len);
}

static void path_addr(struct sockaddr_un *sa, const char *path, int abstract)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path + (abstract ? 1 : 0), sizeof sa->sun_path - 1, "%s", path);
}

static int listener(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, 128) < 0) {
		perror("listener");
		exit(2);
	}
	return fd;
}

struct greeter { int fd; char greeting; };

static void *greet(void *arg)
{
	struct greeter *g = arg;
	for (;;) {
		int c = accept(g->fd, NULL, NULL);
		if (c < 0)
			continue;
		(void)!write(c, &g->greeting, 1);
		close(c);
	}
	return NULL;
}

static void report(const char *mode, const char *names[], const long counts[], int n, long violations)
{
	for (int i = 0; i < n; i++)
		printf("race.%s/%s -> %ld\n", mode, names[i], counts[i]);
	printf("race.%s/violations -> %ld\n", mode, violations);
}

static int race_connect(void)
{
	struct sockaddr_un in, abs, host, esc, sa;
	path_addr(&in, "in.sock", 0);
	path_addr(&abs, "rl-race-abstract", 1);
	char hp[sizeof host.sun_path];
	snprintf(hp, sizeof hp, "%s/host.sock", outside);
	path_addr(&host, hp, 0);
	path_addr(&esc, "../../../../../../../../../outside/host.sock", 0);
	unlink("in.sock");
	struct greeter gi = { listener(&in), 'I' }, ga = { listener(&abs), 'A' };
	pthread_t t1, t2, th;
	pthread_create(&t1, NULL, greet, &gi);
	pthread_create(&t2, NULL, greet, &ga);
	sa = in;
	struct flip f = { (unsigned char *)&sa, sizeof sa,
			  { (void *)&in, (void *)&host, (void *)&abs, (void *)&esc }, 4 };
	long c[4] = { 0 }, violations = 0;   /* inside, abstract, refused, other errors */
	start(&th, &f);
	for (int i = 0; i < ROUNDS; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR || errno == EINVAL)
				c[2]++;
			else
				c[3]++;
			close(fd);
			continue;
		}
		char g = 0;
		if (read(fd, &g, 1) != 1)
			g = '?';
		close(fd);
		if (g == 'I')
			c[0]++;
		else if (g == 'A')
			c[1]++;
		else
			violations++;   /* the host listener ("H"), or nothing */
	}
	finish(&th, &f, (void *)&in);
	static const char *names[] = { "inside", "abstract", "refused", "other-errors" };
	report("connect", names, c, 4, violations);
	unlink("in.sock");
	return 0;
}

static int race_bind(void)
{
	struct sockaddr_un in, evil, abs, sa;
	path_addr(&in, "b.sock", 0);
	char ep[sizeof evil.sun_path];
	snprintf(ep, sizeof ep, "%s/evil.sock", outside);
	path_addr(&evil, ep, 0);
	path_addr(&abs, "rl-race-bind", 1);
	sa = in;
	struct flip f = { (unsigned char *)&sa, sizeof sa, { (void *)&in, (void *)&evil, (void *)&abs }, 3 };
	long c[3] = { 0 }, violations = 0;   /* bound, refused, other errors */
	pthread_t th;
	unlink("b.sock");
	start(&th, &f);
	for (int i = 0; i < ROUNDS; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			c[0]++;
			struct sockaddr_un got;
			socklen_t len = sizeof got;
			/* never bound at the host path (a torn mix of the names may
			 * bind some other name inside: legitimate; the test checks
			 * the host side too) */
			if (getsockname(fd, (struct sockaddr *)&got, &len) == 0 && strcmp(got.sun_path, ep) == 0)
				violations++;
			if (got.sun_path[0] && strcmp(got.sun_path, "b.sock") != 0)
				unlink(got.sun_path);
		} else if (errno == ENOENT || errno == EADDRINUSE || errno == EROFS || errno == EACCES ||
			   errno == ENOTDIR || errno == EINVAL) {
			c[1]++;
		} else {
			c[2]++;
		}
		close(fd);
		unlink("b.sock");
	}
	finish(&th, &f, (void *)&in);
	static const char *names[] = { "bound", "refused", "other-errors" };
	report("bind", names, c, 3, violations);
	return 0;
}

struct how { uint64_t flags, mode, resolve; };
static struct { char path[PATH_MAX]; } pathbuf;

static int race_openat2(void)
{
	mkfile("ro", 0444, "KEEP");
	struct how how = { O_RDONLY, 0, 0 }, rd = { O_RDONLY, 0, 0 },
		   wr = { O_WRONLY | O_TRUNC, 0, 0 }, bn = { O_RDONLY, 0, RESOLVE_BENEATH };
	struct flip fh = { (unsigned char *)&how, sizeof how, { (void *)&rd, (void *)&wr, (void *)&bn }, 3 };
	static unsigned char p_ro[PATH_MAX], p_secret[PATH_MAX];
	snprintf((char *)p_ro, sizeof p_ro, "ro");
	snprintf((char *)p_secret, sizeof p_secret, "%s/secret", outside);
	size_t plen = strlen((char *)p_secret) + 1;
	snprintf(pathbuf.path, sizeof pathbuf.path, "ro");
	struct flip fp = { (unsigned char *)pathbuf.path, plen, { p_ro, p_secret }, 2 };
	long c[3] = { 0 }, violations = 0;   /* read-only opens, refused, other errors */
	pthread_t th1, th2;
	start(&th1, &fh);
	pthread_create(&th2, NULL, flipper, &fp);
	for (int i = 0; i < ROUNDS; i++) {
		int fd = (int)syscall(SYS_openat2, AT_FDCWD, pathbuf.path, &how, sizeof how);
		if (fd < 0) {
			if (errno == EACCES || errno == ENOENT || errno == EXDEV || errno == EROFS)
				c[1]++;
			else
				c[2]++;
			continue;
		}
		char b[16] = "";
		ssize_t r = pread(fd, b, sizeof b - 1, 0);
		int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
		close(fd);
		b[r > 0 ? r : 0] = 0;
		/* a secret read, or a write handle on the read-only file */
		if (strstr(b, "SECRET") || acc != O_RDONLY || (r >= 0 && strcmp(b, "KEEP") != 0))
			violations++;
		else
			c[0]++;
	}
	atomic_store(&stop, 1);
	pthread_join(th1, NULL);
	pthread_join(th2, NULL);
	struct stat st;
	if (stat("ro", &st) < 0 || st.st_size != 4)
		violations++;   /* truncated after all */
	static const char *names[] = { "read-only", "refused", "other-errors" };
	report("openat2", names, c, 3, violations);
	return 0;
}

static int race_rename(void)
{
	static unsigned char o_in[PATH_MAX], o_out[PATH_MAX], n_in[PATH_MAX], n_out[PATH_MAX];
	static char oldp[PATH_MAX], newp[PATH_MAX];
	snprintf((char *)o_in, sizeof o_in, "a");
	snprintf((char *)o_out, sizeof o_out, "%s/secret", outside);
	snprintf((char *)n_in, sizeof n_in, "b");
	snprintf((char *)n_out, sizeof n_out, "%s/moved", outside);
	size_t olen = strlen((char *)o_out) + 1, nlen = strlen((char *)n_out) + 1;
	struct flip fo = { (unsigned char *)oldp, olen, { o_in, o_out }, 2 };
	struct flip fn = { (unsigned char *)newp, nlen, { n_in, n_out }, 2 };
	mkfile("a", 0644, "A");
	strcpy(oldp, "a");
	strcpy(newp, "b");
	long c[3] = { 0 }, violations = 0;   /* renamed, refused, other errors */
	pthread_t t1, t2;
	atomic_store(&stop, 0);
	pthread_create(&t1, NULL, flipper, &fo);
	pthread_create(&t2, NULL, flipper, &fn);
	for (int i = 0; i < ROUNDS; i++) {
		if (rename(oldp, newp) == 0) {
			c[0]++;
			/* put it back whatever happened (a torn mix of the names may
			 * have moved it to some other name inside: legitimate; the
			 * test checks the host side) */
			if (access("a", F_OK) < 0 && rename("b", "a") < 0)
				mkfile("a", 0644, "A");
		} else if (errno == ENOENT || errno == EXDEV || errno == EACCES || errno == EROFS ||
			   errno == ENOTDIR || errno == EBUSY) {
			c[1]++;
		} else {
			c[2]++;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	if (access("a", F_OK) < 0)
		violations++;
	static const char *names[] = { "renamed", "refused", "other-errors" };
	report("rename", names, c, 3, violations);
	return 0;
}

static int hostlisten(const char *path)
{
	struct sockaddr_un sa;
	path_addr(&sa, path, 0);
	unlink(path);
	int fd = listener(&sa);
	char stopf[PATH_MAX + 8];
	snprintf(stopf, sizeof stopf, "%s.stop", path);
	printf("ready\n");
	fflush(stdout);
	long accepted = 0;
	while (access(stopf, F_OK) < 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) == 1) {
			int c = accept(fd, NULL, NULL);
			if (c >= 0) {
				accepted++;
				(void)!write(c, "H", 1);
				close(c);
			}
		}
	}
	printf("accepted %ld\n", accepted);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: %s connect|bind|openat2|rename OUTSIDE | hostlisten PATH\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "hostlisten"))
		return hostlisten(argv[2]);
	if (strlen(argv[2]) >= sizeof outside) {
		fprintf(stderr, "OUTSIDE must be shorter than %zu bytes\n", sizeof outside);
		return 2;
	}
	snprintf(outside, sizeof outside, "%s", argv[2]);
	snprintf(conf_group, sizeof conf_group, "race");
	if (!strcmp(argv[1], "connect"))
		return race_connect();
	if (!strcmp(argv[1], "bind"))
		return race_bind();
	if (!strcmp(argv[1], "openat2"))
		return race_openat2();
	if (!strcmp(argv[1], "rename"))
		return race_rename();
	return 2;
}
