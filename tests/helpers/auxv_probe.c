/*
 * auxv_probe: checks from the inside that a process was set up the way the
 * kernel's binfmt_elf would have done it.  Used by the exec loader test,
 * which builds it as dynamic PIE, dynamic non-PIE, static PIE and static.
 *
 * Usage: auxv_probe static|dynamic
 * Prints "auxv ok" and exits 0, or prints one "bad: ..." line per problem
 * and exits 1.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern const ElfW(Ehdr) __ehdr_start;
extern void _start(void);

/* Several pages, the first sharing a page with .data: all must read zero. */
static char bss_area[3 * 4096 + 123];
static int data_value = 42;

static int problems;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("bad: %s\n", what);
		problems++;
	}
}

static int find_ldso(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (info->dlpi_name && strstr(info->dlpi_name, "ld-linux")) {
		*(uintptr_t *)arg = (uintptr_t)info->dlpi_addr;
		return 1;
	}
	return 0;
}

static void check_memory(void)
{
	int all_zero = 1;

	for (size_t i = 0; i < sizeof bss_area; i++)
		if (bss_area[i])
			all_zero = 0;
	check(all_zero, ".bss is not zero");
	check(data_value == 42, ".data has the wrong contents");
}

/* The loader must close the program and interpreter FDs it was given. */
static void check_no_leaked_fds(void)
{
	for (int fd = 3; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			check(0, "a file descriptor above 2 is open");
}

static void check_auxv(int dynamic)
{
	uintptr_t phdr = (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff;

	check(getauxval(AT_PHDR) == phdr, "AT_PHDR");
	check(getauxval(AT_PHENT) == sizeof(ElfW(Phdr)), "AT_PHENT");
	check(getauxval(AT_PHNUM) == __ehdr_start.e_phnum, "AT_PHNUM");
	check(getauxval(AT_ENTRY) == (uintptr_t)&_start, "AT_ENTRY");
	check(getauxval(AT_PAGESZ) == (unsigned long)sysconf(_SC_PAGESIZE), "AT_PAGESZ");
	check(getauxval(AT_RANDOM) != 0, "AT_RANDOM");
	check(getauxval(AT_EXECFN) != 0, "AT_EXECFN");
	check(getauxval(AT_SYSINFO_EHDR) != 0, "AT_SYSINFO_EHDR");
	if (dynamic) {
		uintptr_t ldso = 0;
		dl_iterate_phdr(find_ldso, &ldso);
		check(ldso != 0 && getauxval(AT_BASE) == ldso, "AT_BASE is not ld.so's base");
	} else {
		check(getauxval(AT_BASE) == 0, "AT_BASE is not 0 without an interpreter");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "static") && strcmp(argv[1], "dynamic"))) {
		fprintf(stderr, "usage: auxv_probe static|dynamic\n");
		return 2;
	}
	/* _start hands main the argv that sits right above argc at rsp */
	check(((uintptr_t)argv & 15) == 8, "initial rsp is not 16-byte aligned");
	check_auxv(strcmp(argv[1], "dynamic") == 0);
	check_memory();
	check_no_leaked_fds();
	if (!problems)
		printf("auxv ok\n");
	return problems ? 1 : 0;
}
