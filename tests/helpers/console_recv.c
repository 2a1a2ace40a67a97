/*
 * console_recv SOCKET ROWS COLS INPUT
 *
 * The console-socket side of an OCI engine (what conmon does with
 * --console-socket): listens on SOCKET, takes the pty master the runtime
 * sends over SCM_RIGHTS, sets the window size to ROWS x COLS, writes INPUT
 * to the terminal, then copies everything the container writes to stdout
 * until the terminal hangs up (the container is gone).  Gives up after 20 s.
 * Prints "no fd" and exits 2 when what came was not one fd.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: console_recv SOCKET ROWS COLS INPUT\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof sa.sun_path)
		return 2;
	strcpy(sa.sun_path, argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0) {
		perror("console_recv: listen");
		return 2;
	}
	struct pollfd pl = { l, POLLIN, 0 };
	if (poll(&pl, 1, 20000) != 1) {
		printf("no connection\n");
		return 2;
	}
	int c = accept(l, NULL, NULL);
	char buf[256];
	struct iovec iov = { buf, sizeof buf };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	ssize_t n = c >= 0 ? recvmsg(c, &msg, 0) : -1;
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		printf("no fd\n");
		return 2;
	}
	int master;
	memcpy(&master, CMSG_DATA(cm), sizeof master);
	struct winsize ws = { .ws_row = (unsigned short)atoi(argv[2]), .ws_col = (unsigned short)atoi(argv[3]) };
	if (ioctl(master, TIOCSWINSZ, &ws) < 0)
		perror("console_recv: TIOCSWINSZ");
	/* the pty echoes what is typed: the output shows it, as a terminal would */
	if (write(master, argv[4], strlen(argv[4])) < 0)
		perror("console_recv: write");
	time_t end = time(NULL) + 20;
	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		if (time(NULL) > end || poll(&p, 1, 1000) < 0)
			break;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(master, buf, sizeof buf);
		if (n <= 0)
			break;   /* EIO: the last slave fd closed */
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	return 0;
}
