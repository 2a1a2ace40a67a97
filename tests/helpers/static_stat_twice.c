/* stat(path) twice, with a getcwd between them as a marker in the debug log
 * (it is trapped and never needs the gofer): lets a test count the 9P
 * messages the second stat cost. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat a, b;
	char cwd[256];
	if (argc < 2 || stat(argv[1], &a) < 0)
		return 1;
	if (!getcwd(cwd, sizeof cwd) || stat(argv[1], &b) < 0)
		return 1;
	printf("%lld %lld\n", (long long)a.st_size, (long long)b.st_size);
	return 0;
}
