/* Prints every open file descriptor above stdio, one per line ("fd 5 type"),
 * or "none".  Run inside the sandbox to prove nothing leaks in. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	int found = 0;
	for (int fd = 3; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		struct stat st;
		const char *type = "?";
		if (fstat(fd, &st) == 0)
			type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" :
			       S_ISSOCK(st.st_mode) ? "socket" : S_ISFIFO(st.st_mode) ? "fifo" : "other";
		printf("fd %d %s\n", fd, type);
		found = 1;
	}
	if (!found)
		printf("none\n");
	return 0;
}
