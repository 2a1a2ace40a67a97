/* Conformance probe: mmap of files on the sandbox's filesystems, shared
 * and private, backed by the donated host FDs (tests/helpers/conf.h says
 * how probes work; tests/integration/test_conformance.sh runs it).  Each
 * case checks what another open of the same file reads afterwards. */
#include "conf.h"

#include <sys/mman.h>

/* The first bytes of path as another open reads them. */
static void reads(const char *name, const char *path, size_t n)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	ssize_t got = pread(fd, buf, n < sizeof buf ? n : sizeof buf - 1, 0);
	close(fd);
	if (got < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "\"%.*s\"", (int)got, buf);
}

static void g_shared(void)
{
	group("mmap.shared");
	mkfile("f", 0644, "hello world");
	int fd = open("f", O_RDWR);
	char *m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	R("mmap-shared-rw", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		line("mapped-content", "\"%.11s\"", m);
		m[0] = 'H';
		R("msync", msync(m, 4096, MS_SYNC));
		reads("seen-by-another-open", "f", 11);
		/* a write through the fd shows in the mapping */
		R("pwrite", pwrite(fd, "W", 1, 6));
		line("mapping-sees-pwrite", "\"%.11s\"", m);
		munmap(m, 4096);
	}
	/* growing the file through ftruncate, then writing in the new page */
	R("ftruncate-grow", ftruncate(fd, 8192));
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	R("mmap-two-pages", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		memcpy(m + 4096, "page2", 5);
		munmap(m, 8192);   /* a shared mapping's writes reach the file */
		char buf[6] = { 0 };
		int rd = open("f", O_RDONLY);
		RV("page2-pread", rd < 0 ? -1 : pread(rd, buf, 5, 4096));
		line("page2-content", "\"%s\"", buf);
		if (rd >= 0)
			close(rd);
	}
	if (fd >= 0)
		close(fd);
	/* a shared writable mapping needs a writable fd */
	fd = open("f", O_RDONLY);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	R("mmap-shared-rw-on-rdonly-fd", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	R("mmap-shared-ro-on-rdonly-fd", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		line("ro-mapping-content", "\"%.11s\"", m);
		munmap(m, 4096);
	}
	if (fd >= 0)
		close(fd);
}

static void g_private(void)
{
	group("mmap.private");
	mkfile("f", 0644, "private data");
	int fd = open("f", O_RDONLY);
	char *m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	R("mmap-private-rw-on-rdonly-fd", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		m[0] = 'P';
		line("own-copy", "\"%.12s\"", m);
		reads("file-unchanged", "f", 12);
		munmap(m, 4096);
	}
	/* another opener's write shows in a private mapping's untouched page */
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	int w = open("f", O_WRONLY);
	R("write-by-another-open", w < 0 ? -1 : pwrite(w, "X", 1, 0));
	if (w >= 0)
		close(w);
	if (m != MAP_FAILED) {
		line("untouched-page-sees-it", "\"%.12s\"", m);
		munmap(m, 4096);
	}
	if (fd >= 0)
		close(fd);
	/* mapping a directory or with a bad fd */
	int d = open(".", O_RDONLY | O_DIRECTORY);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, d, 0);
	R("mmap-directory", m == MAP_FAILED ? -1 : 0);
	if (d >= 0)
		close(d);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0);
	R("mmap-bad-fd", m == MAP_FAILED ? -1 : 0);
}

int main(void)
{
	static void (*const groups[])(void) = { g_shared, g_private, NULL };
	return conf_main(groups);
}
