/*
 * Network probe for test_network.sh (static: runs in any rootfs).
 *
 *   connect ADDR PORT            TCP connect: "ok" or the errno's name
 *   connect-abstract NAME        unix stream connect to "\0NAME": "ok: <what
 *                                the server sent>" or the errno's name
 *   serve-abstract NAME          bind "\0NAME", listen, print
 *                                "listening as <getsockname>", answer one
 *                                client with "hi from NAME"
 *   udp ADDR PORT                sendto of one datagram: "ok" or errno
 *   udp-connected ADDR PORT      connect, then send() and sendto(NULL): "ok" or errno
 *   dgram-abstract NAME          unix datagram sendto "\0NAME": "ok" or errno
 *   listen ADDR PORT...          (natively, the other end) accept on each
 *                                port until stdin ends, then print
 *                                "PORT=COUNT ..." (connections accepted)
 *   race ADDR OKPORT BADPORT N   N connects to ADDR:OKPORT while a thread
 *                                keeps rewriting the port to BADPORT and
 *                                back: "connected=C refused=R bad=B", B the
 *                                connections whose peer is BADPORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	const char *name = strerrorname_np(errno);
	printf("%s\n", name ? name : what);
	return 1;
}

static socklen_t abstract(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	size_t n = strlen(name);
	if (n > sizeof sa->sun_path - 1)
		n = sizeof sa->sun_path - 1;
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int inet(struct sockaddr_in *sa, const char *addr, const char *port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -1;
}

static struct sockaddr_in race_sa;
static volatile int racing = 1;
static uint16_t ok_port, bad_port;

static void *rewriter(void *arg)
{
	(void)arg;
	while (racing) {
		__atomic_store_n(&race_sa.sin_port, bad_port, __ATOMIC_RELAXED);
		__atomic_store_n(&race_sa.sin_port, ok_port, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		struct sockaddr_in sa;
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || inet(&sa, argv[2], argv[3]) < 0)
			return fail("setup");
		if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
			return fail("connect");
		printf("ok\n");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "udp-connected") == 0) {
		/* a socket each: nobody listens for UDP there, and the ICMP
		 * answer to the first datagram fails the next send */
		struct sockaddr_in sa;
		int s1 = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_INET, SOCK_DGRAM, 0);
		if (s1 < 0 || s2 < 0 || inet(&sa, argv[2], argv[3]) < 0)
			return fail("setup");
		if (connect(s1, (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    connect(s2, (struct sockaddr *)&sa, sizeof sa) < 0)
			return fail("connect");
		if (send(s1, "x", 1, 0) < 0 || sendto(s2, "y", 1, 0, NULL, 0) < 0)
			return fail("send");
		printf("ok\n");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "udp") == 0) {
		struct sockaddr_in sa;
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s < 0 || inet(&sa, argv[2], argv[3]) < 0)
			return fail("setup");
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
			return fail("sendto");
		printf("ok\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "dgram-abstract") == 0) {
		struct sockaddr_un sa;
		socklen_t len = abstract(&sa, argv[2]);
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (s < 0)
			return fail("socket");
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&sa, len) < 0)
			return fail("sendto");
		printf("ok\n");
		return 0;
	}
	if (argc >= 4 && argc <= 10 && strcmp(argv[1], "listen") == 0) {
		struct pollfd p[9] = { { .fd = 0, .events = POLLIN } };
		int count[9] = { 0 }, n = argc - 2;
		for (int i = 1; i < n; i++) {
			struct sockaddr_in sa;
			int one = 1;
			p[i].fd = socket(AF_INET, SOCK_STREAM, 0);
			p[i].events = POLLIN;
			setsockopt(p[i].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
			if (inet(&sa, argv[2], argv[2 + i]) < 0 || bind(p[i].fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
			    listen(p[i].fd, 1024) < 0)
				return fail("listen");
		}
		printf("listening\n");
		for (;;) {
			if (poll(p, (nfds_t)n, -1) < 0)
				continue;
			if (p[0].revents)
				break;   /* stdin: done */
			for (int i = 1; i < n; i++)
				if (p[i].revents & POLLIN) {
					int c = accept(p[i].fd, NULL, NULL);
					if (c >= 0) {
						count[i]++;
						close(c);
					}
				}
		}
		for (int i = 1; i < n; i++)
			printf("%s%s=%d", i > 1 ? " " : "", argv[2 + i], count[i]);
		printf("\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "connect-abstract") == 0) {
		struct sockaddr_un sa;
		socklen_t len = abstract(&sa, argv[2]);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			return fail("socket");
		if (connect(s, (struct sockaddr *)&sa, len) < 0)
			return fail("connect");
		char buf[128];
		ssize_t n = read(s, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("ok: %s\n", buf);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "serve-abstract") == 0) {
		struct sockaddr_un sa, got;
		socklen_t len = abstract(&sa, argv[2]), gl = sizeof got;
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, 4) < 0)
			return fail("bind");
		if (getsockname(s, (struct sockaddr *)&got, &gl) < 0)
			return fail("getsockname");
		printf("listening as @%.*s\n", (int)(gl - offsetof(struct sockaddr_un, sun_path) - 1),
		       got.sun_path + 1);
		int c = accept(s, NULL, NULL);
		if (c < 0)
			return fail("accept");
		dprintf(c, "hi from %s", argv[2]);
		close(c);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "race") == 0) {
		if (inet(&race_sa, argv[2], argv[3]) < 0)
			return fail("setup");
		ok_port = htons((uint16_t)atoi(argv[3]));
		bad_port = htons((uint16_t)atoi(argv[4]));
		int n = atoi(argv[5]), connected = 0, refused = 0, bad = 0;
		pthread_t th;
		pthread_create(&th, NULL, rewriter, NULL);
		for (int i = 0; i < n; i++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);
			if (s < 0)
				return fail("socket");
			if (connect(s, (struct sockaddr *)&race_sa, sizeof race_sa) == 0) {
				struct sockaddr_in peer;
				socklen_t pl = sizeof peer;
				connected++;
				if (getpeername(s, (struct sockaddr *)&peer, &pl) == 0 && peer.sin_port == bad_port)
					bad++;
			} else {
				refused++;
			}
			close(s);
		}
		racing = 0;
		pthread_join(th, NULL);
		printf("connected=%d refused=%d bad=%d\n", connected, refused, bad);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
