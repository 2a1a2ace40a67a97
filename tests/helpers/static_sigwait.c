/*
 * static_sigwait handle: handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT;
 * prints "ready", waits, and on the first signal prints which one and
 * exits with 100 + its number (so the exit status shows the handler ran).
 * static_sigwait segv: dies of a real SIGSEGV (a fault is delivered even to
 * a pid namespace's init, which ignores default-action signals sent to it).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "segv") == 0) {
		printf("ready\n");
		fflush(stdout);
		volatile int *bad = (volatile int *)(long)(argc - 2);   /* NULL */
		*bad = 1;
		return 1;
	}
	if (argc != 2 || strcmp(argv[1], "handle") != 0) {
		fprintf(stderr, "usage: static_sigwait handle|segv\n");
		return 2;
	}
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	sigset_t block, old;
	sigemptyset(&block);
	for (int i = 0; i < 4; i++) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	/* blocked until sigsuspend: a signal that arrives before cannot be lost */
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	while (!got)
		sigsuspend(&old);
	printf("handler ran for %s\n", sigabbrev_np(got));
	return 100 + got;
}
