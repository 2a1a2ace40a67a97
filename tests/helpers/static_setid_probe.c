/*
 * Credentials that change while a program runs (tests/integration/
 * test_oci_user.sh): runs its arguments as steps, printing one line each,
 * so that the same steps natively and in the sandbox can be compared.
 *
 *   open:PATH         open(PATH, O_RDONLY) -> ok or the errno's name
 *   create:PATH       open(PATH, O_CREAT|O_EXCL|O_WRONLY, 0644), then stat -> owner
 *   groups:G[,G...]   setgroups (empty after the colon: none)
 *   gid:G             setresgid(G, G, G)
 *   uid:U             setresuid(U, U, U)
 *   fsuid:U           setfsuid(U), then getfsuid via setfsuid(-1) -> the fs uid
 *   thread-uid:U      a second thread drops to U (raw syscall: its own
 *                     credentials only), opens PATH of the next step, and
 *                     the main thread then opens it too
 *   id                the real, effective and fs ids and the groups
 *   caps              CapEff from /proc/self/status
 *
 * glibc's setresuid and friends change every thread; the raw syscall one.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *res(int rc)
{
	static char buf[64];
	if (rc >= 0)
		return "ok";
	const char *n = strerrorname_np(errno);
	snprintf(buf, sizeof buf, "%s", n ? n : "?");
	return buf;
}

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd;
}

struct thread_arg { uid_t uid; const char *path; char out[256]; };

static void *thread_drop(void *p)
{
	struct thread_arg *a = p;
	long rc = syscall(SYS_setresuid, a->uid, a->uid, a->uid);
	const char *r1 = res((int)rc);
	char r1s[64];
	snprintf(r1s, sizeof r1s, "%s", r1);
	int fd = try_open(a->path);
	snprintf(a->out, sizeof a->out, "setresuid %s, open %s", r1s, res(fd));
	return NULL;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *step = argv[i], *arg = strchr(step, ':');
		if (arg)
			*arg++ = 0;
		printf("%s%s%s -> ", step, arg ? ":" : "", arg ? arg : "");
		if (strcmp(step, "open") == 0 && arg) {
			printf("%s\n", res(try_open(arg)));
		} else if (strcmp(step, "create") == 0 && arg) {
			int fd = open(arg, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0)
				printf("%u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
			else
				printf("%s\n", res(fd));
			if (fd >= 0)
				close(fd);
		} else if (strcmp(step, "groups") == 0 && arg) {
			gid_t g[64];
			size_t n = 0;
			for (char *t = strtok(arg, ","); t && n < 64; t = strtok(NULL, ","))
				g[n++] = (gid_t)strtoul(t, NULL, 10);
			printf("%s\n", res(setgroups(n, g)));
		} else if (strcmp(step, "gid") == 0 && arg) {
			gid_t g = (gid_t)strtoul(arg, NULL, 10);
			printf("%s\n", res(setresgid(g, g, g)));
		} else if (strcmp(step, "uid") == 0 && arg) {
			uid_t u = (uid_t)strtoul(arg, NULL, 10);
			printf("%s\n", res(setresuid(u, u, u)));
		} else if (strcmp(step, "fsuid") == 0 && arg) {
			setfsuid((uid_t)strtoul(arg, NULL, 10));
			printf("%d\n", setfsuid((uid_t)-1));
		} else if (strcmp(step, "thread-uid") == 0 && arg && i + 1 < argc) {
			struct thread_arg a = { (uid_t)strtoul(arg, NULL, 10), argv[i + 1], "" };
			pthread_t th;
			if (pthread_create(&th, NULL, thread_drop, &a) != 0 || pthread_join(th, NULL) != 0) {
				printf("no thread\n");
				return 1;
			}
			printf("thread: %s; main: open %s\n", a.out, res(try_open(argv[i + 1])));
			i++;
		} else if (strcmp(step, "id") == 0) {
			uid_t r, e, s;
			gid_t gr, ge, gs, g[64];
			getresuid(&r, &e, &s);
			getresgid(&gr, &ge, &gs);
			int n = getgroups(64, g);
			printf("uid %u %u %u fsuid %d gid %u %u %u groups", r, e, s, setfsuid((uid_t)-1), gr, ge, gs);
			for (int k = 0; k < n; k++)
				printf(" %u", (unsigned)g[k]);
			printf("\n");
		} else if (strcmp(step, "caps") == 0) {
			char buf[4096];
			int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
			if (fd >= 0)
				close(fd);
			buf[n > 0 ? n : 0] = 0;
			char *c = strstr(buf, "CapEff:\t");
			printf("%.16s\n", c ? c + 8 : "?");
		} else {
			printf("bad step\n");
			return 2;
		}
		fflush(stdout);
	}
	return 0;
}
