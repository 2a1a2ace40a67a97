/* --network=user: see netuser.h. */
#include "runsc-lite/netuser.h"

#include "runsc-lite/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The application's network and user namespaces, as fds. */
static int receive_namespaces(int sock, int fds[2])
{
	char tag;
	struct iovec iov = { &tag, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(2 * sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -EIO;
	memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
	return 0;
}

pid_t netuser_start(int sock)
{
	int ns[2], ready[2];
	if (receive_namespaces(sock, ns) < 0)
		return -1;   /* the sentry failed before: it says why */
	if (pipe2(ready, O_CLOEXEC) < 0) {
		warnx_rl("--network=user: pipe: %s", strerror(errno));
		(void)!write(sock, "e", 1);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* the fds at known numbers, everything else closed */
		int want[3] = { ns[0], ns[1], ready[1] };
		for (int i = 0; i < 3; i++)
			if ((want[i] = fcntl(want[i], F_DUPFD, 10)) < 0)
				_exit(127);
		for (int i = 0; i < 3; i++)
			if (dup2(want[i], 3 + i) < 0)
				_exit(127);
		syscall(SYS_close_range, 6, ~0U, 0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, 0), dup2(null, 1), dup2(null, 2);   /* its chatter; failures are ours to say */
		/* the user namespace first: joining the network namespace
		 * needs CAP_SYS_ADMIN in its owner, which it gives */
		char *argv[] = { "slirp4netns", "--configure", "--mtu=65520", "--ready-fd=5",
				 "--userns-path=/proc/self/fd/4", "--netns-type=path",
				 "/proc/self/fd/3", "tap0", NULL };
		if (geteuid() == 0) {
			argv[4] = argv[5];   /* root: setns(net) needs nothing more */
			argv[5] = argv[6];
			argv[6] = argv[7];
			argv[7] = NULL;
		}
		execvp(argv[0], argv);
		fprintf(stderr, "runsc-lite: --network=user: cannot run slirp4netns: %s (install the slirp4netns package)\n",
			strerror(errno));
		_exit(127);
	}
	close(ns[0]);
	close(ns[1]);
	close(ready[1]);
	char c = 0;
	struct pollfd p = { .fd = ready[0], .events = POLLIN };
	bool up = pid > 0 && poll(&p, 1, 10000) == 1 && read(ready[0], &c, 1) == 1 && c == '1';
	close(ready[0]);
	if (!up) {
		if (pid > 0)
			netuser_stop(pid);
		warnx_rl("--network=user: slirp4netns did not bring the network up");
		(void)!write(sock, "e", 1);
		return -1;
	}
	debugf("slirp4netns pid %d: the sandbox's tap0 is up", (int)pid);
	if (write(sock, "r", 1) != 1) {
		netuser_stop(pid);
		return -1;
	}
	return pid;
}

void netuser_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
