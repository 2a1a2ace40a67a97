/* FD identity: a directory fd keeps naming the same directory, with one
 * shared offset, through dup, dup2, fork and SCM_RIGHTS; rewinding with
 * lseek works.  Run natively and in the sandbox (cwd: a scratch dir): the
 * outputs must be identical. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int entries(int fd, int max_batch)
{
	char buf[4096];
	int n = 0;
	for (int b = 0; b < max_batch; b++) {
		long got = syscall(SYS_getdents64, fd, buf, 512);
		if (got <= 0)
			return got < 0 ? -errno : n;
		for (long off = 0; off < got; off += ((struct dirent64 *)(buf + off))->d_reclen)
			n++;
	}
	return n;
}

static const char *cwd_name(void)
{
	static char buf[4096];
	if (!getcwd(buf, sizeof buf))
		return strerrorname_np(errno);
	const char *slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

static void send_fd(int sock, int fd)
{
	char c = 'x';
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	sendmsg(sock, &m, 0);
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
	return fd;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);   /* forked children must not repeat buffered output */
	mkdir("d", 0755);
	for (int i = 0; i < 60; i++) {
		char name[32];
		snprintf(name, sizeof name, "d/file-with-a-longish-name-%02d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	int total = entries(fd, 1000);
	printf("entries: %d\n", total);
	lseek(fd, 0, SEEK_SET);
	printf("after rewind: %d\n", entries(fd, 1000));

	/* dup shares the offset: two half reads add up to the whole */
	lseek(fd, 0, SEEK_SET);
	int d1 = dup(fd);
	int first = entries(fd, 2);
	int rest = entries(d1, 1000);
	printf("dup shares the offset: %s\n", first + rest == total && first > 0 ? "yes" : "no");

	/* dup2 onto a high number names the same directory */
	if (dup2(fd, 100) != 100)
		perror("dup2");
	struct stat st;
	fstat(100, &st);
	printf("dup2 fstat: %s\n", S_ISDIR(st.st_mode) ? "dir" : "not a dir");
	int rc = fchdir(100);
	printf("fchdir(100): %d cwd %s\n", rc, cwd_name());
	chdir("..");
	int f = openat(100, "file-with-a-longish-name-07", O_RDONLY);
	printf("openat(100, name): %s\n", f >= 0 ? "ok" : strerrorname_np(errno));
	close(f);
	close(fd);
	close(d1);
	printf("after closing the others, fd 100 still works: %d entries\n",
	       (lseek(100, 0, SEEK_SET), entries(100, 1000)));

	/* fork: the child's copy shares the offset with the parent's */
	lseek(100, 0, SEEK_SET);
	pid_t pid = fork();
	if (pid == 0)
		_exit(entries(100, 2) > 0 ? 0 : 1);
	int ws;
	waitpid(pid, &ws, 0);
	int after = entries(100, 1000);
	printf("fork shares the offset: %s\n", after < total && after > 0 ? "yes" : "no");

	/* SCM_RIGHTS to another process: fchdir and openat through it */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		int got = recv_fd(sv[1]);
		int ok = got >= 0 && fchdir(got) == 0;
		printf("child: received fd, fchdir %s cwd %s\n", ok ? "ok" : strerrorname_np(errno), cwd_name());
		int g = openat(got, "file-with-a-longish-name-08", O_RDONLY);
		printf("child: openat(received, name): %s\n", g >= 0 ? "ok" : strerrorname_np(errno));
		lseek(got, 0, SEEK_SET);
		printf("child: entries through it: %d\n", entries(got, 1000));
		fflush(stdout);
		_exit(0);
	}
	close(sv[1]);
	send_fd(sv[0], 100);
	waitpid(pid, &ws, 0);
	printf("fchdir on a file fd: %s\n",
	       (f = open("d/file-with-a-longish-name-01", O_RDONLY), fchdir(f) < 0 ? strerrorname_np(errno) : "ok"));
	printf("getdents64 on a file fd: %s\n",
	       syscall(SYS_getdents64, f, (char[512]){0}, 512) < 0 ? strerrorname_np(errno) : "ok");
	printf("getdents64 on a pipe: %s\n",
	       (pipe(sv), syscall(SYS_getdents64, sv[0], (char[512]){0}, 512) < 0 ? strerrorname_np(errno) : "ok"));
	printf("getdents64 on fd 999: %s\n",
	       syscall(SYS_getdents64, 999, (char[512]){0}, 512) < 0 ? strerrorname_np(errno) : "ok");
	printf("getdents64 with a 10-byte buffer: %s\n",
	       (lseek(100, 0, SEEK_SET), syscall(SYS_getdents64, 100, (char[16]){0}, 10) < 0 ? strerrorname_np(errno) : "ok"));
	return 0;
}
