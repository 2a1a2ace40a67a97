/* static_tmpfile DIR: open(DIR, O_TMPFILE | O_RDWR, 0600) and print "ok"
 * or the errno name.  Built static so it runs in a busybox rootfs (which
 * has no tool that makes an unnamed file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_TMPFILE | O_RDWR, 0600);
	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}
