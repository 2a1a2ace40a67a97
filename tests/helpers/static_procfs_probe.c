/*
 * What a process sees of itself and its children in /proc, printed as
 * facts that are the same natively (pid 1 of a new pid namespace with its
 * own /proc: unshare --pid --fork --mount-proc) and in the sandbox: pids
 * are compared with getpid()/getppid()/fork()'s, paths with getcwd() and
 * with the path the probe opened.  Run from an empty directory.
 * Usage: static_procfs_probe
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *yes(int b) { return b ? "yes" : "no"; }

static long field_of(const char *path, const char *key)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -2;
}

static int nspid_fields(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	int k = 0;
	for (p += 7; *p && *p != '\n'; p++)
		if (*p >= '0' && *p <= '9' && (p[-1] == '\t' || p[-1] == ' '))
			k++;
	return k;
}

/* stat fields 1 (pid) and 4 (ppid), after the last ')' */
static void stat_pids(const char *path, long *pid, long *ppid)
{
	char buf[4096];
	*pid = *ppid = -1;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	*pid = strtol(buf, NULL, 10);
	char *c = strrchr(buf, ')');
	if (c)
		sscanf(c + 1, " %*c %ld", ppid);
}

static int link_is(const char *link, const char *want)
{
	char buf[4096];
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return strcmp(buf, want) == 0;
}

static int count_numeric(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int k = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			k++;
	closedir(d);
	return k;
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

int main(void)
{
	char path[256], want[4200], cwd[4000];
	pid_t me = getpid();
	printf("pid 1: %s\n", yes(me == 1));
	snprintf(want, sizeof want, "%d", (int)me);
	printf("self -> own pid: %s\n", yes(link_is("/proc/self", want)));
	printf("status Pid = getpid: %s\n", yes(field_of("/proc/self/status", "\nPid:") == me));
	printf("status PPid = getppid: %s (%ld)\n", yes(field_of("/proc/self/status", "\nPPid:") == getppid()),
	       field_of("/proc/self/status", "\nPPid:"));
	printf("status Tgid = getpid: %s\n", yes(field_of("/proc/self/status", "\nTgid:") == me));
	printf("status NSpid fields: %d\n", nspid_fields("/proc/self/status"));
	/* a pidfd's fdinfo names its process as the reader's namespace sees it */
	int pidfd = (int)syscall(SYS_pidfd_open, me, 0);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	printf("pidfd fdinfo Pid = getpid: %s\n", yes(field_of(path, "\nPid:") == me));
	printf("pidfd fdinfo NSpid fields: %d\n", nspid_fields(path));
	close(pidfd);
	long sp, spp;
	stat_pids("/proc/self/stat", &sp, &spp);
	printf("stat pid, ppid: %s %s\n", yes(sp == me), yes(spp == getppid()));

	if (!getcwd(cwd, sizeof cwd))
		return 1;
	printf("cwd link = getcwd: %s\n", yes(link_is("/proc/self/cwd", cwd)));
	printf("root link = /: %s\n", yes(link_is("/proc/self/root", "/")));
	int fd = open("probe-file", O_CREAT | O_RDWR, 0644);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	snprintf(want, sizeof want, "%s/probe-file", cwd);
	printf("fd link = opened path: %s\n", yes(link_is(path, want)));
	/* opening the magic link opens the file itself */
	if (write(fd, "hello\n", 6) != 6)
		return 1;
	int fd2 = open(path, O_RDONLY);
	char buf[16] = "";
	printf("open fd link reads the file: %s\n", yes(fd2 >= 0 && read(fd2, buf, sizeof buf) == 6 &&
							memcmp(buf, "hello\n", 6) == 0));
	close(fd2);
	unlink("probe-file");
	snprintf(want, sizeof want, "%s/probe-file (deleted)", cwd);
	printf("fd link of an unlinked file: %s\n", yes(link_is(path, want)));
	close(fd);
	printf("closed fd: %s\n", access(path, F_OK) < 0 && errno == ENOENT ? "ENOENT" : "there");
	int p[2];
	if (pipe(p) < 0)
		return 1;
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	printf("pipe link: %s\n", yes(n > 6 && memcmp(buf, "pipe:[", 6) == 0));

	/* children and threads */
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
	stat_pids(path, &sp, &spp);
	printf("child's stat pid, ppid: %s %s\n", yes(sp == child), yes(spp == me));
	printf("processes listed: %d\n", count_numeric("/proc"));
	pthread_t th;
	pthread_create(&th, NULL, idle, NULL);
	printf("threads of self: %d\n", count_numeric("/proc/self/task"));
	printf("thread-self is a task of self: %s\n", yes(access("/proc/thread-self/status", R_OK) == 0));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	snprintf(path, sizeof path, "/proc/%d", (int)child);
	printf("reaped child's dir: %s\n", access(path, F_OK) < 0 && errno == ENOENT ? "ENOENT" : "there");
	printf("processes listed after: %d\n", count_numeric("/proc"));
	printf("no such pid: %s\n", access("/proc/99999/status", F_OK) < 0 && errno == ENOENT ? "ENOENT" : "there");
	printf("environ mode: %o\n", (unsigned)({ struct stat st; stat("/proc/self/environ", &st) == 0 ?
						 st.st_mode & 07777 : 0; }));
	printf("write to status: %s\n", open("/proc/self/status", O_WRONLY) < 0 ? strerror(errno) : "opened");
	fflush(stdout);
	return 0;
}
