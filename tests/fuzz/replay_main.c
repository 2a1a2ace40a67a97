/*
 * Runs inputs through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer's driver: the corpus regression run of `make test`, and the way
 * to reproduce a crash without clang.
 *
 *   test_replay_<target> [DIR|FILE...]
 *
 * Without arguments it replays $RL_FUZZ_CORPUS, else the corpus directory
 * compiled in (-DFUZZ_CORPUS_DIR).  Prints one TAP line per argument:
 *   ok - fuzz replay: <target> (N inputs)
 * A target signals a bug by crashing or aborting; the name of the input
 * being replayed is printed first ("# crashed on input: ...").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_TARGET
#error "compile with -DFUZZ_TARGET='\"name\"'"
#endif
#ifndef FUZZ_CORPUS_DIR
#define FUZZ_CORPUS_DIR "tests/fuzz/corpus/" FUZZ_TARGET
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Present only when a sanitizer runtime is linked in. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* "# crashed on input: <the input being replayed>\n", made before each
 * input so that a crash handler only has to write it. */
static char crash_line[4200];

static void say_current(void)
{
	/* async-signal-safe: one write(2) */
	(void)!write(STDOUT_FILENO, crash_line, strlen(crash_line));
}

static void on_fatal_signal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Under ASan the sanitizer reports SEGV and friends itself (and calls the
 * death callback); a handler of ours would replace its report.  abort()
 * from a failed invariant is not handled by ASan by default. */
static void install_crash_reporting(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

	signal(SIGABRT, on_fatal_signal);
	if (__sanitizer_set_death_callback) {
		__sanitizer_set_death_callback(say_current);
		return;
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal_signal);
}

/* Replays one file; 0, or -errno if it cannot be read. */
static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* exactly the input's size, so ASan sees reads past its end */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -EIO;
	}
	snprintf(crash_line, sizeof(crash_line), "# crashed on input: %s\n", path);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

/* Replays every regular file of dir in name order; count or -errno. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int n = scandir(dir, &names, NULL, alphasort), done = 0, rc = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && rc == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			rc = replay_file(path);
			done++;
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : done;
}

/* One TAP line for a directory or a single file. */
static bool replay_arg(const char *arg)
{
	struct stat st;
	int rc;

	if (stat(arg, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = replay_dir(arg);
	else
		rc = replay_file(arg) < 0 ? -EIO : 1;
	if (rc < 0) {
		printf("not ok - fuzz replay: %s: cannot read %s: %s\n", FUZZ_TARGET, arg, strerror(-rc));
		return false;
	}
	if (rc == 0) {
		printf("not ok - fuzz replay: %s: no input in %s\n", FUZZ_TARGET, arg);
		return false;
	}
	printf("ok - fuzz replay: %s (%d input%s)\n", FUZZ_TARGET, rc, rc == 1 ? "" : "s");
	return true;
}

int main(int argc, char **argv)
{
	const char *env = getenv("RL_FUZZ_CORPUS");
	bool ok = true;

	setvbuf(stdout, NULL, _IOLBF, 0);
	install_crash_reporting();
	printf("1..%d\n", argc > 1 ? argc - 1 : 1);
	if (argc == 1)
		return replay_arg(env && *env ? env : FUZZ_CORPUS_DIR) ? 0 : 1;
	for (int i = 1; i < argc; i++)
		ok &= replay_arg(argv[i]);
	return ok ? 0 : 1;
}
