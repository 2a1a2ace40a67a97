/*
 * static_thread_opens THREADS ITERATIONS: creates one file per thread in
 * the current directory, each with its own content (and length), then every
 * thread opens, reads and closes its own file ITERATIONS times, all threads
 * at once.  A reply routed to the wrong trapped syscall shows as a thread
 * reading another thread's content (or an fd it did not open); a lost reply
 * hangs (the test's timeout catches it).  Prints one summary line.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int iterations;
static pthread_barrier_t start;

struct worker {
	int id;
	char name[32];
	char content[160];
	size_t len;
	int errors;
	char first_error[128];
};

static void note(struct worker *w, const char *what, int err)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof w->first_error, "thread %d: %s%s%s", w->id, what,
			 err ? ": " : "", err ? strerror(err) : "");
}

static void *run(void *arg)
{
	struct worker *w = arg;
	char buf[256];
	pthread_barrier_wait(&start);
	for (int i = 0; i < iterations; i++) {
		int fd = open(w->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			note(w, "open", errno);
			continue;
		}
		ssize_t n = pread(fd, buf, sizeof buf, 0);
		if (n != (ssize_t)w->len || memcmp(buf, w->content, w->len) != 0)
			note(w, "read someone else's content", 0);
		if (close(fd) < 0)
			note(w, "close", errno);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: static_thread_opens THREADS ITERATIONS\n");
		return 2;
	}
	int nthreads = atoi(argv[1]);
	iterations = atoi(argv[2]);
	struct worker *w = calloc((size_t)nthreads, sizeof *w);
	pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
	if (!w || !tids)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		w[i].id = i;
		snprintf(w[i].name, sizeof w[i].name, "thread-file-%d", i);
		/* distinct content and length: thread i's file has i+1 lines */
		size_t len = 0;
		for (int l = 0; l <= i && len + 16 < sizeof w[i].content; l++)
			len += (size_t)snprintf(w[i].content + len, sizeof w[i].content - len,
						"file %d line %d\n", i, l);
		w[i].len = len;
		int fd = open(w[i].name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, w[i].content, len) != (ssize_t)len || close(fd) < 0) {
			printf("creating %s: %s\n", w[i].name, strerror(errno));
			return 1;
		}
	}
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, run, &w[i]) != 0) {
			printf("pthread_create failed\n");
			return 1;
		}
	int errors = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		if (w[i].errors)
			printf("%s (%d errors)\n", w[i].first_error, w[i].errors);
		errors += w[i].errors;
		unlink(w[i].name);
	}
	printf("%d threads x %d opens: %d errors\n", nthreads, iterations, errors);
	return errors ? 1 : 0;
}
