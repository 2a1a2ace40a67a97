/* unix_echo_server PATH: listens on PATH (host side), answers each
 * connection's first message with "pong:" + the message, until killed. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (argc < 2 || strlen(argv[1]) >= sizeof sa.sun_path)
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 8) < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		char buf[128] = "pong:";
		ssize_t n = read(c, buf + 5, sizeof buf - 6);
		if (n > 0 && write(c, buf, (size_t)n + 5) < 0)
			perror("write");
		close(c);
	}
}
