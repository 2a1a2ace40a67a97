/* static_unix_client PATH [nonblock]: connects to the unix socket PATH,
 * sends "ping", prints the reply (or the errno name of what failed), and
 * whether the connected fd kept O_NONBLOCK and close-on-exec. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (argc < 2)
		return 2;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int nb = argc > 2 ? SOCK_NONBLOCK : 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | nb, 0);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		printf("connect: %s\n", strerrorname_np(errno));
		return 0;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		printf("second connect: %s\n", strerrorname_np(errno));
	printf("nonblock=%d cloexec=%d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(s, F_GETFD) & FD_CLOEXEC));
	if (write(s, "ping", 4) != 4)
		printf("write: %s\n", strerrorname_np(errno));
	struct pollfd p = { s, POLLIN, 0 };
	poll(&p, 1, 5000);
	char buf[64] = "";
	ssize_t n = read(s, buf, sizeof buf - 1);
	printf("reply: %.*s\n", n > 0 ? (int)n : 0, buf);
	return 0;
}
