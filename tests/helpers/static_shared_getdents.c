/*
 * static_shared_getdents DIR THREADS ROUNDS: THREADS threads read one
 * directory through one shared fd, all at once, with buffers small enough
 * for a few entries per getdents64, until the end; ROUNDS times (rewinding
 * in between).  Linux serialises readers of one open file description (its
 * f_pos lock), so across all threads every entry comes exactly once.
 * Prints one summary line: the entry count of each round, and any name
 * seen twice or missing compared with a listing through a fd of its own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_NAMES 4096

static int dirfd_shared;
static pthread_barrier_t start;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static char *seen[MAX_NAMES];
static int nseen, errors;

static void record(const char *name)
{
	pthread_mutex_lock(&names_lock);
	if (nseen < MAX_NAMES)
		seen[nseen++] = strdup(name);
	pthread_mutex_unlock(&names_lock);
}

static void *reader(void *arg)
{
	/* room for one or two entries: many calls, much interleaving */
	static __thread char buf[96] __attribute__((aligned(8)));
	(void)arg;
	pthread_barrier_wait(&start);
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd_shared, buf, sizeof buf);
		if (n < 0) {
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
			return NULL;
		}
		if (n == 0)
			return NULL;
		for (long at = 0; at < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + at + offsetof(struct dirent64, d_reclen), sizeof reclen);
			record(buf + at + offsetof(struct dirent64, d_name));
			if (reclen == 0)
				break;
			at += reclen;
		}
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int threads = atoi(argv[2]), rounds = atoi(argv[3]);
	if (threads < 1 || threads > 64 || rounds < 1)
		return 2;
	/* the reference: a listing of its own */
	static char *want[MAX_NAMES];
	int nwant = 0;
	DIR *d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d)) && nwant < MAX_NAMES;)
		want[nwant++] = strdup(e->d_name);
	closedir(d);
	qsort(want, (size_t)nwant, sizeof *want, by_name);

	dirfd_shared = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dirfd_shared < 0) {
		perror(argv[1]);
		return 1;
	}
	int bad_rounds = 0;
	for (int r = 0; r < rounds; r++) {
		pthread_t t[64];
		nseen = 0;
		lseek(dirfd_shared, 0, SEEK_SET);
		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, reader, NULL);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		qsort(seen, (size_t)nseen, sizeof *seen, by_name);
		int same = nseen == nwant;
		for (int i = 0; same && i < nseen; i++)
			same = strcmp(seen[i], want[i]) == 0;
		if (!same) {
			if (!bad_rounds)
				printf("round %d: %d entries seen, %d in the directory\n", r, nseen, nwant);
			bad_rounds++;
		}
		for (int i = 0; i < nseen; i++)
			free(seen[i]);
	}
	printf("%d threads x %d rounds over %d entries: %d rounds wrong, %d errors\n", threads, rounds,
	       nwant, bad_rounds, errors);
	return bad_rounds || errors;
}
