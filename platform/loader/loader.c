/*
 * The exec loader: the only program the host kernel ever executes for the
 * sandbox (see loader_abi.h for why).
 *
 * The kernel starts us with the program's argv/envp/auxv.  We ask the sentry
 * for the exec plan, map the program (and its PT_INTERP) from the FDs it
 * installed the way binfmt_elf would, build the program's initial stack just
 * below the kernel's and jump to the entry point.  Every failure is reported
 * with one line on fd 2 and exit status 127 before anything is executed.
 *
 * Freestanding: no libc, raw system calls only.  The loader is a static PIE
 * with nobody to relocate it, so it must never need a run-time relocation:
 * no pointers in initialized data, no tables of pointers.
 */
#include "platform/loader/loader_abi.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/mman.h>

/* Everything is resolved inside this one image: no GOT, no PLT. */
#pragma GCC visibility push(hidden)

#define LOADER_EXIT        127
#define MAX_PHNUM          64
#define LSEEK_END          2
#define DEFAULT_PAGE_SIZE  4096

/* Provided by start.S. */
void rl_main(uint64_t *sp) __attribute__((noreturn, used));
void rl_enter(uint64_t entry, uint64_t sp) __attribute__((noreturn));

/* ---- the architecture: raw system calls, the ELF machine ------------- */

#if defined(__x86_64__)
#define USER_ADDR_LIMIT    (1ULL << 47)  /* x86-64 4-level user space */
#define ELF_MACHINE        EM_X86_64
#define ELF_MACHINE_NAME   "x86-64"

static inline long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define USER_ADDR_LIMIT    (1ULL << 48)  /* arm64 48-bit user space (52 only on request) */
#define ELF_MACHINE        EM_AARCH64
#define ELF_MACHINE_NAME   "arm64"

static inline long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
#error "the loader supports x86-64 and arm64 only"
#endif

static long sys_write(int fd, const void *buf, size_t len)
{
	return syscall6(__NR_write, fd, (long)buf, (long)len, 0, 0, 0);
}

static long sys_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return syscall6(__NR_pread64, fd, (long)buf, (long)len, (long)off, 0, 0);
}

static long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	return syscall6(__NR_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);
}

static long sys_munmap(uint64_t addr, uint64_t len)
{
	return syscall6(__NR_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static long sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
	return syscall6(__NR_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

static void sys_close(int fd)
{
	syscall6(__NR_close, fd, 0, 0, 0, 0, 0);
}

static __attribute__((noreturn)) void sys_exit_group(int status)
{
	for (;;)
		syscall6(__NR_exit_group, status, 0, 0, 0, 0, 0);
}

/* mmap returns an address or a small negative errno. */
static int mmap_failed(long ret)
{
	return ret < 0 && ret >= -4095;
}

/* ---- the two functions gcc may call for struct copies ---------------- */

/*
 * Written with string instructions rather than loops: gcc would happily
 * turn a byte loop back into a call to memset/memcpy, i.e. into itself.
 * (arm64 has no string instructions: its two are in start_aarch64.S.)
 */
#if defined(__x86_64__)
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
#endif

/* ---- error reporting ------------------------------------------------- */

struct line {
	char buf[256];
	size_t len;
};

static void line_put(struct line *l, const char *s)
{
	while (*s && l->len < sizeof l->buf - 1)
		l->buf[l->len++] = *s++;
}

static void line_put_num(struct line *l, unsigned long v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && l->len < sizeof l->buf - 1)
		l->buf[l->len++] = digits[--n];
}

/*
 * "runsc-lite loader: [who: ]what[ (errno N)]" as a single write, so that
 * the line cannot be interleaved with other writers of the same stderr.
 */
static __attribute__((noreturn)) void die(const char *who, const char *what, long err)
{
	struct line l;

	l.len = 0;
	line_put(&l, "runsc-lite loader: ");
	if (who) {
		line_put(&l, who);
		line_put(&l, ": ");
	}
	line_put(&l, what);
	if (err) {
		line_put(&l, " (errno ");
		line_put_num(&l, (unsigned long)-err);
		line_put(&l, ")");
	}
	l.buf[l.len++] = '\n';
	sys_write(2, l.buf, l.len);
	sys_exit_group(LOADER_EXIT);
}

/* ---- the stack the kernel gave us ----------------------------------- */

struct kernel_stack {
	uint64_t *sp;           /* at argc; everything the kernel wrote is above */
	uint64_t argc;
	char **argv;
	char **envp;
	uint64_t envc;
	uint64_t *auxv;         /* (type, value) pairs */
	uint64_t auxc;          /* pairs, not counting AT_NULL */
};

static void read_kernel_stack(uint64_t *sp, struct kernel_stack *ks)
{
	ks->sp = sp;
	ks->argc = sp[0];
	ks->argv = (char **)(sp + 1);
	ks->envp = ks->argv + ks->argc + 1;
	ks->envc = 0;
	while (ks->envp[ks->envc])
		ks->envc++;
	ks->auxv = (uint64_t *)(ks->envp + ks->envc + 1);
	ks->auxc = 0;
	while (ks->auxv[2 * ks->auxc] != AT_NULL)
		ks->auxc++;
}

static uint64_t auxv_get(const struct kernel_stack *ks, uint64_t type, uint64_t dflt)
{
	for (uint64_t i = 0; i < ks->auxc; i++)
		if (ks->auxv[2 * i] == type)
			return ks->auxv[2 * i + 1];
	return dflt;
}

static uint64_t page_size = DEFAULT_PAGE_SIZE;

static uint64_t page_down(uint64_t v) { return v & ~(page_size - 1); }
static uint64_t page_up(uint64_t v) { return (v + page_size - 1) & ~(page_size - 1); }
static uint64_t page_offset(uint64_t v) { return v & (page_size - 1); }

static int is_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* ---- the exec plan --------------------------------------------------- */

/* In .bss: the sentry writes it into our memory while we wait in openat. */
static struct rl_exec_plan plan;

static void request_plan(void)
{
	long ret = syscall6(__NR_openat, RL_LOADER_DIRFD, (long)&plan, RL_LOADER_REQUEST,
			    sizeof plan, 0, 0);

	if (ret >= 0 && (plan.magic != RL_PLAN_MAGIC || plan.version != RL_PLAN_VERSION))
		ret = -EPROTO;
	if (ret < 0)
		die(NULL, "no exec plan", ret);
}

/* The argv words a #! chain adds, as offsets into plan.strings. */
struct argv_prefix {
	uint32_t n;
	uint32_t offset[RL_PLAN_MAX_PREFIX];
	uint32_t bytes;         /* length of the block holding all of them */
};

static void check_plan(uint64_t argc, struct argv_prefix *pre)
{
	if (plan.prog_fd < 0)
		die("bad exec plan", "no program fd", -EBADF);
	if (plan.argv_drop > 1 || plan.argv_drop > argc)
		die("bad exec plan", "argv_drop out of range", -EINVAL);
	if (plan.nprefix > RL_PLAN_MAX_PREFIX)
		die("bad exec plan", "too many argv prefix strings", -E2BIG);
	if (plan.strings_len > RL_PLAN_STRINGS)
		die("bad exec plan", "strings_len out of range", -E2BIG);

	uint32_t pos = 0;
	pre->n = plan.nprefix;
	for (uint32_t i = 0; i < plan.nprefix; i++) {
		pre->offset[i] = pos;
		while (pos < plan.strings_len && plan.strings[pos])
			pos++;
		if (pos >= plan.strings_len)
			die("bad exec plan", "argv prefix strings overrun strings_len", -EINVAL);
		pos++;          /* the NUL */
	}
	pre->bytes = pos;
}

/* ---- mapping an ELF file --------------------------------------------- */

struct elf_image {
	const char *who;        /* "program" or "interpreter", for messages */
	const char *failed;     /* the step that failed, for the message */
	int fd;
	uint64_t file_size;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	uint64_t lo, hi;        /* page-aligned span of the PT_LOADs, unbiased */
	uint64_t align;         /* largest PT_LOAD alignment, at least a page */
	uint64_t bias;          /* run-time address minus link-time address */
	uint64_t phdr_addr;     /* run-time address of the program headers */
	int has_interp;
	int exec_stack;
};

static struct elf_image prog_img, interp_img;

static int fail(struct elf_image *img, const char *what, long err)
{
	img->failed = what;
	return (int)err;
}

/* A regular file that ends early is not a valid ELF, not an I/O error. */
static long read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		long n = sys_pread(fd, p, len, off);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		if (n == 0)
			return -ENOEXEC;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int elf_read_headers(struct elf_image *img)
{
	Elf64_Ehdr *eh = &img->eh;
	long size = syscall6(__NR_lseek, img->fd, 0, LSEEK_END, 0, 0, 0);
	long err;

	if (size < 0)
		return fail(img, "cannot determine the file size", size);
	img->file_size = (uint64_t)size;
	if (img->file_size < sizeof *eh)
		return fail(img, "file too short for an ELF header", -ENOEXEC);
	err = read_exact(img->fd, eh, sizeof *eh, 0);
	if (err)
		return fail(img, "reading the ELF header", err);
	if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3)
		return fail(img, "not an ELF file", -ENOEXEC);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != ELF_MACHINE)
		return fail(img, "not a 64-bit little-endian " ELF_MACHINE_NAME " ELF", -ENOEXEC);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(img, "neither ET_EXEC nor ET_DYN", -ENOEXEC);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > MAX_PHNUM)
		return fail(img, "bad program header table size", -ENOEXEC);

	uint64_t table = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > img->file_size || img->file_size - eh->e_phoff < table)
		return fail(img, "program header table outside the file", -ENOEXEC);
	err = read_exact(img->fd, img->ph, table, eh->e_phoff);
	if (err)
		return fail(img, "reading the program headers", err);
	return 0;
}

/*
 * Everything mmap would reject later, or that would fault the program at
 * run time (a segment beyond the end of the file: SIGBUS), is rejected
 * before the first mapping is made.
 */
static int check_load_segment(struct elf_image *img, const Elf64_Phdr *ph)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(img, "PT_LOAD with p_filesz > p_memsz", -ENOEXEC);
	if (ph->p_offset > img->file_size || img->file_size - ph->p_offset < ph->p_filesz)
		return fail(img, "PT_LOAD extends beyond the end of the file", -ENOEXEC);
	if (page_offset(ph->p_vaddr) != page_offset(ph->p_offset))
		return fail(img, "PT_LOAD offset and address disagree modulo the page size",
			    -ENOEXEC);
	if (ph->p_memsz > USER_ADDR_LIMIT || ph->p_vaddr > USER_ADDR_LIMIT - ph->p_memsz)
		return fail(img, "PT_LOAD outside the user address space", -ENOEXEC);
	return 0;
}

static int elf_scan_segments(struct elf_image *img)
{
	int nload = 0;

	img->lo = UINT64_MAX;
	img->hi = 0;
	img->align = page_size;
	for (int i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &img->ph[i];

		if (ph->p_type == PT_INTERP)
			img->has_interp = 1;
		if (ph->p_type == PT_GNU_STACK)
			img->exec_stack = (ph->p_flags & PF_X) != 0;
		if (ph->p_type != PT_LOAD)
			continue;
		int err = check_load_segment(img, ph);
		if (err)
			return err;
		nload++;
		if (page_down(ph->p_vaddr) < img->lo)
			img->lo = page_down(ph->p_vaddr);
		if (page_up(ph->p_vaddr + ph->p_memsz) > img->hi)
			img->hi = page_up(ph->p_vaddr + ph->p_memsz);
		/* binfmt_elf ignores alignments that are not powers of two */
		if (is_power_of_two(ph->p_align) && ph->p_align > img->align)
			img->align = ph->p_align;
	}
	if (!nload)
		return fail(img, "no PT_LOAD segment", -ENOEXEC);
	if (img->hi <= img->lo)
		return fail(img, "PT_LOAD segments are empty", -ENOEXEC);
	if (img->align > USER_ADDR_LIMIT)
		return fail(img, "PT_LOAD alignment too large", -ENOEXEC);
	if (img->eh.e_entry < img->lo || img->eh.e_entry >= img->hi)
		return fail(img, "entry point outside the PT_LOAD segments", -ENOEXEC);
	return 0;
}

/*
 * Claim the whole address range first, so that the segments (placed with
 * MAP_FIXED) can never land on anything else, and the holes between them
 * stay reserved as the program's linker expects.
 */
static int elf_reserve(struct elf_image *img)
{
	uint64_t span = img->hi - img->lo;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	long ret;

	if (img->eh.e_type == ET_EXEC) {
		ret = sys_mmap(img->lo, span, PROT_NONE, flags | MAP_FIXED_NOREPLACE, -1, 0);
		if (ret == -EEXIST)
			return fail(img, "its fixed address range is already in use", ret);
		if (mmap_failed(ret))
			return fail(img, "mmap of its fixed address range", ret);
		if ((uint64_t)ret != img->lo) {
			/* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
			sys_munmap((uint64_t)ret, span);
			return fail(img, "its fixed address range is already in use", -EEXIST);
		}
		img->bias = 0;
		return 0;
	}

	/* Over-allocate so that a suitably aligned base exists inside. */
	uint64_t slack = img->align - page_size;
	ret = sys_mmap(0, span + slack, PROT_NONE, flags, -1, 0);
	if (mmap_failed(ret))
		return fail(img, "mmap to reserve its address range", ret);
	uint64_t start = (uint64_t)ret;
	uint64_t base = (start + img->align - 1) & ~(img->align - 1);
	if (base > start)
		sys_munmap(start, base - start);
	if (start + slack > base)
		sys_munmap(base + span, start + slack - base);
	img->bias = base - img->lo;
	return 0;
}

static int segment_prot(const Elf64_Phdr *ph)
{
	return ((ph->p_flags & PF_R) ? PROT_READ : 0) |
	       ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
	       ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
}

/*
 * The last file page of a segment also holds whatever follows p_filesz in
 * the file; that part belongs to the bss and must read as zero.
 */
static int zero_page_tail(struct elf_image *img, uint64_t from, int prot)
{
	uint64_t page = page_down(from);
	long ret;

	if (!(prot & PROT_WRITE)) {
		ret = sys_mprotect(page, page_size, prot | PROT_WRITE);
		if (ret)
			return fail(img, "mprotect to clear the end of a segment", ret);
	}
	memset((void *)from, 0, page + page_size - from);
	if (!(prot & PROT_WRITE)) {
		ret = sys_mprotect(page, page_size, prot);
		if (ret)
			return fail(img, "mprotect after clearing the end of a segment", ret);
	}
	return 0;
}

static int map_segment(struct elf_image *img, const Elf64_Phdr *ph)
{
	uint64_t start = ph->p_vaddr + img->bias;
	uint64_t map_start = page_down(start);
	uint64_t file_end = start + ph->p_filesz;
	uint64_t mem_end = start + ph->p_memsz;
	int prot = segment_prot(ph);
	long ret;

	if (ph->p_filesz) {
		ret = sys_mmap(map_start, file_end - map_start, prot, MAP_PRIVATE | MAP_FIXED,
			       img->fd, ph->p_offset - page_offset(ph->p_vaddr));
		if (mmap_failed(ret))
			return fail(img, "mmap of a PT_LOAD segment", ret);
	}
	if (ph->p_memsz <= ph->p_filesz)
		return 0;

	uint64_t anon_start = map_start;
	if (ph->p_filesz) {
		if (page_offset(file_end)) {
			int err = zero_page_tail(img, file_end, prot);
			if (err)
				return err;
		}
		anon_start = page_up(file_end);
	}
	if (page_up(mem_end) > anon_start) {
		ret = sys_mmap(anon_start, page_up(mem_end) - anon_start, prot,
			       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
		if (mmap_failed(ret))
			return fail(img, "mmap of the bss of a PT_LOAD segment", ret);
	}
	return 0;
}

/*
 * Where the program headers are once mapped: PT_PHDR says so when present;
 * otherwise find the PT_LOAD whose file range holds them (as the kernel
 * does), falling back to the first PT_LOAD's offset-to-address relation.
 */
static uint64_t find_phdr_addr(const struct elf_image *img)
{
	const Elf64_Phdr *first = NULL;
	uint64_t phoff = img->eh.e_phoff;

	for (int i = 0; i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_PHDR)
			return img->ph[i].p_vaddr + img->bias;
	for (int i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (!first)
			first = ph;
		if (ph->p_offset <= phoff && phoff - ph->p_offset < ph->p_filesz)
			return ph->p_vaddr + (phoff - ph->p_offset) + img->bias;
	}
	return first->p_vaddr - first->p_offset + phoff + img->bias;
}

static int elf_load(struct elf_image *img)
{
	int err = elf_read_headers(img);

	if (!err)
		err = elf_scan_segments(img);
	if (!err)
		err = elf_reserve(img);
	for (int i = 0; !err && i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_LOAD)
			err = map_segment(img, &img->ph[i]);
	if (err)
		return err;
	img->phdr_addr = find_phdr_addr(img);
	return 0;
}

static void load_or_die(struct elf_image *img, const char *who, int fd)
{
	img->who = who;
	img->fd = fd;
	int err = elf_load(img);
	if (err)
		die(img->who, img->failed, err);
}

/* ---- the program's initial stack ------------------------------------- */

struct aux_fix {
	uint64_t type;
	uint64_t value;
	int done;
};

#define NFIX 5

static uint64_t *put_auxv(uint64_t *out, const struct kernel_stack *ks, struct aux_fix *fix)
{
	for (uint64_t i = 0; i < ks->auxc; i++) {
		uint64_t type = ks->auxv[2 * i], value = ks->auxv[2 * i + 1];
		for (int f = 0; f < NFIX; f++) {
			if (fix[f].type == type) {
				value = fix[f].value;
				fix[f].done = 1;
			}
		}
		*out++ = type;
		*out++ = value;
	}
	/* the kernel always supplies these, but do not depend on it */
	for (int f = 0; f < NFIX; f++) {
		if (!fix[f].done) {
			*out++ = fix[f].type;
			*out++ = fix[f].value;
		}
	}
	*out++ = AT_NULL;
	*out++ = 0;
	return out;
}

/*
 * The new stack sits directly below the kernel's one, whose strings (argv,
 * envp, AT_EXECFN, AT_RANDOM bytes, AT_PLATFORM) stay where they are.
 * Layout, from high to low: the argv prefix strings, padding, then argc,
 * argv[], NULL, envp[], NULL, auxv[] with rsp at argc, 16-byte aligned.
 */
static uint64_t build_stack(const struct kernel_stack *ks, const struct argv_prefix *pre,
			    struct aux_fix *fix)
{
	char *strings = (char *)ks->sp - pre->bytes;
	uint64_t kept = ks->argc - plan.argv_drop;
	uint64_t argc = pre->n + kept;
	uint64_t words = 1 + argc + 1 + ks->envc + 1 + 2 * (ks->auxc + NFIX + 1);
	uint64_t *sp = (uint64_t *)(((uint64_t)strings - words * 8) & ~(uint64_t)15);
	uint64_t *out = sp;

	memcpy(strings, plan.strings, pre->bytes);
	*out++ = argc;
	for (uint32_t i = 0; i < pre->n; i++)
		*out++ = (uint64_t)(strings + pre->offset[i]);
	for (uint64_t i = 0; i < kept; i++)
		*out++ = (uint64_t)ks->argv[plan.argv_drop + i];
	*out++ = 0;
	for (uint64_t i = 0; i < ks->envc; i++)
		*out++ = (uint64_t)ks->envp[i];
	*out++ = 0;
	put_auxv(out, ks, fix);
	return (uint64_t)sp;
}

/*
 * PT_GNU_STACK asking for an executable stack: the kernel would have made
 * the stack VMA executable; PROT_GROWSDOWN extends the change to all of it.
 */
static void make_stack_executable(uint64_t sp)
{
	long ret = sys_mprotect(page_down(sp), page_size,
				PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN);
	if (ret)
		die("program", "mprotect for an executable stack", ret);
}

/* ---- main ------------------------------------------------------------ */

void rl_main(uint64_t *orig_sp)
{
	struct kernel_stack ks;
	struct argv_prefix pre;

	read_kernel_stack(orig_sp, &ks);
	uint64_t psz = auxv_get(&ks, AT_PAGESZ, DEFAULT_PAGE_SIZE);
	if (is_power_of_two(psz) && psz >= DEFAULT_PAGE_SIZE)
		page_size = psz;

	request_plan();
	check_plan(ks.argc, &pre);

	load_or_die(&prog_img, "program", plan.prog_fd);
	uint64_t prog_entry = prog_img.eh.e_entry + prog_img.bias;
	uint64_t entry = prog_entry;
	uint64_t interp_base = 0;
	if (plan.interp_fd >= 0) {
		load_or_die(&interp_img, "interpreter", plan.interp_fd);
		interp_base = interp_img.bias;
		entry = interp_img.eh.e_entry + interp_img.bias;
		sys_close(plan.interp_fd);
	} else if (prog_img.has_interp) {
		die("program", "has PT_INTERP but the plan names no interpreter", -ENOEXEC);
	}
	sys_close(plan.prog_fd);

	struct aux_fix fix[NFIX] = {
		{ AT_PHDR, prog_img.phdr_addr, 0 },
		{ AT_PHENT, sizeof(Elf64_Phdr), 0 },
		{ AT_PHNUM, prog_img.eh.e_phnum, 0 },
		{ AT_ENTRY, prog_entry, 0 },
		{ AT_BASE, interp_base, 0 },
	};
	uint64_t sp = build_stack(&ks, &pre, fix);
	if (prog_img.exec_stack)
		make_stack_executable(sp);
	rl_enter(entry, sp);
}
