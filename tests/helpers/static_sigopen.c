/* static_sigopen FILE: handles SIGUSR1 without SA_RESTART, reads one byte
 * from stdin (the go), opens FILE for writing (O_CREAT) and prints
 * "open done" or "open: ERRNO", then how many signals it handled. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct sigaction sa = { .sa_handler = on_usr1 };   /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return 2;
	char go;
	while (read(0, &go, 1) < 0 && errno == EINTR)
		;
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		printf("open: %s\n", strerrorname_np(errno));
	else
		printf("open done\n");
	printf("signals handled: %d\n", (int)handled);
	return 0;
}
