/*
 * user/usertests_mem.c - user memory: sbrk (growing, shrinking, limits,
 * exhaustion), lazy allocation, copy-on-write fork, and the faults that
 * kill only the process that made them (page 0, the kernel, text, the
 * root range, the stack's guard page). Reads of the root range work.
 * File-backed mmap: shared and private stores, the limits, munmap over
 * several regions, exec, the kernel's copies into mapped pages, and a
 * mapping outliving its file's name.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "include/root.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

#define MiB (1024ul * 1024)

static long frames_diff(uint64 before, uint64 after)
{
	return (long)before - (long)after; /* > 0: frames taken */
}

/* The seed's pattern, by address: any part of a filled range can be checked on its own. */
static void fill(char *p, uint64 n, uint64 seed)
{
	for (uint64 i = 0; i < n; i++)
		p[i] = (char)ut_pattern(seed, (uint64)&p[i]);
}

/* The first byte of p[0..n) that is not the seed's pattern, or -1. */
static long mismatch(const char *p, uint64 n, uint64 seed)
{
	for (uint64 i = 0; i < n; i++)
		if (p[i] != (char)ut_pattern(seed, (uint64)&p[i]))
			return (long)i;
	return -1;
}

static void test_sbrk_basic(void)
{
	char *old = sbrk(0);
	char *p = sbrk(10000);
	CHECK(p == old, "sbrk(10000) returned %p, the break was %p", p, old);
	CHECK(sbrk(0) == old + 10000, "the break did not move by 10000");
	char *fresh = (char *)PGROUNDUP((uint64)old);
	for (char *q = fresh; q < old + 10000; q++)
		CHECK(*q == 0, "new heap byte at %p is %d, not 0", q, *q);
	fill(p, 10000, 1);
	CHECK(mismatch(p, 10000, 1) < 0, "the heap does not keep what was written");
	CHECK(sbrk(-10000) == old + 10000, "sbrk(-10000) did not return the old break");
	CHECK(sbrk(0) == old, "the break did not come back to %p", old);
	CHECK(sbrk(0) == old, "sbrk(0) moved the break");
}

static void load_at(void *addr)
{
	volatile uint64 *p = addr;
	(void)*p;
}

static void store_at(void *addr)
{
	*(volatile uint64 *)addr = 0x5a5a5a5a5a5a5a5aul;
}

static void jump_to(void *addr)
{
	((void (*)(void))addr)();
}

static void test_sbrk_shrink(void)
{
	enum { N = 256 };
	char *base = (char *)ut_heap_end();
	CHECK(sbrk(N * PGSIZE) == base, "sbrk(%d) failed", N * PGSIZE);
	for (int i = 0; i < N; i++)
		base[i * PGSIZE] = (char)(i | 1);
	uint64 grown = ut_spare_frames();
	CHECK(sbrk(-(int)(N * PGSIZE)) == base + N * PGSIZE, "sbrk(-%d) failed", N * PGSIZE);
	uint64 shrunk = ut_spare_frames();
	CHECK(-frames_diff(grown, shrunk) >= N, "shrinking %d touched pages freed %ld frames", N,
	      -frames_diff(grown, shrunk));
	ut_expect_killed(load_at, base + 8 * PGSIZE, "a load from a page sbrk gave back");
	CHECK(sbrk(N * PGSIZE) == base, "growing again failed");
	for (int i = 0; i < N; i++)
		CHECK(base[i * PGSIZE] == 0, "page %d came back with old data %d", i,
		      base[i * PGSIZE]);
	CHECK(sbrk(-(int)(N * PGSIZE)) == base + N * PGSIZE, "the second shrink failed");
}

/* 32 MiB of heap costs nothing until touched; 16 touched pages cost 16 frames and page tables. */
static void test_sbrk_lazy(void)
{
	enum { TOUCHED = 16 };
	const uint64 size = 32 * MiB;
	char *base = (char *)ut_heap_end();
	struct memstat m0, m1, m2;
	ut_memstat(&m0);
	CHECK(sbrk((int)size) == base, "sbrk of 32 MiB failed");
	ut_memstat(&m1);
	CHECK(frames_diff(ut_spare(&m0), ut_spare(&m1)) <= 2,
	      "sbrk of 32 MiB took %ld frames before any was touched",
	      frames_diff(ut_spare(&m0), ut_spare(&m1)));
	for (int i = 0; i < TOUCHED; i++)
		base[i * 2 * MiB + 100] = 1; /* each in its own 2 MiB page table */
	ut_memstat(&m2);
	long taken = frames_diff(ut_spare(&m1), ut_spare(&m2));
	CHECK(taken >= TOUCHED && taken <= 2 * TOUCHED + 4,
	      "touching %d pages took %ld frames (with their page tables: at most %d)", TOUCHED,
	      taken, 2 * TOUCHED + 4);
	CHECK(m2.lazy_faults >= m1.lazy_faults + TOUCHED, "lazy_faults went from %lu to %lu",
	      m1.lazy_faults, m2.lazy_faults);
	for (int i = 0; i < TOUCHED; i++)
		CHECK(base[i * 2 * MiB + 100] == 1 && base[i * 2 * MiB + 101] == 0,
		      "touched page %d lost its byte", i);
	CHECK(sbrk(-(int)size) == base + size, "shrinking back failed");
	uint64 shrunk = ut_spare_frames();
	CHECK(-frames_diff(ut_spare(&m2), shrunk) >= TOUCHED,
	      "shrinking gave back %ld frames, %d pages were touched",
	      -frames_diff(ut_spare(&m2), shrunk), TOUCHED);
}

static void test_sbrk_limits(void)
{
	char *brk = sbrk(0);
	CHECK(sbrk(0x7fffffff) == (char *)-1, "sbrk(0x7fffffff) did not return -1");
	CHECK(sbrk(0) == brk, "a failed sbrk moved the break");
	int into_guard = (int)(USER_STACK_GUARD + PGSIZE - (uint64)brk);
	CHECK(sbrk(into_guard) == (char *)-1, "sbrk over the stack's guard page did not return -1");
	CHECK(sbrk(-0x7fffffff) == (char *)-1, "sbrk(-0x7fffffff) did not return -1");
	CHECK(sbrk(-(int)((uint64)brk - USER_TEXT_BASE)) == (char *)-1,
	      "sbrk down to the program's text did not return -1");
	CHECK(sbrk((int)0x80000000u) == (char *)-1, "sbrk(INT_MIN) did not return -1");
	CHECK(sbrk(0) == brk, "failed sbrks moved the break");
	/* the program still works: its data is all there */
	static volatile int data_word = 77;
	CHECK(data_word == 77, "data changed");
}

/* Grows and touches its heap until sbrk says -1: memory runs out cleanly, with no kill. */
static void eat_memory(void *unused)
{
	(void)unused;
	for (;;) {
		char *p = sbrk(MiB);
		if (p == (char *)-1)
			exit(0);
		for (uint64 off = 0; off < MiB; off += PGSIZE)
			p[off] = 1;
	}
}

static void test_sbrk_exhaust(void)
{
	uint64 before = ut_spare_frames();
	int status = ut_in_child(eat_memory, 0);
	CHECK(status == 0, "the memory eater %s (status %d): sbrk never returned -1",
	      status == UT_KILLED ? "was killed" : "failed", status);
	uint64 after = ut_spare_frames();
	CHECK(after == before, "after the memory eater %lu frames are spare, %lu were before",
	      after, before);
	int pid = ut_fork();
	if (pid == 0) {
		char *p = sbrk(16 * MiB);
		CHECK(p != (char *)-1, "sbrk of 16 MiB after exhaustion failed");
		for (uint64 off = 0; off < 16 * MiB; off += PGSIZE)
			p[off] = 2;
		exit(0);
	}
	ut_wait_ok(pid, "16 MiB after exhaustion");
}

/* Parent and child each write the shared heap; neither sees the other's writes. */
static void test_cow_private(void)
{
	const uint64 size = 64 * PGSIZE;
	char *buf = sbrk((int)size);
	CHECK(buf != (char *)-1, "sbrk failed");
	fill(buf, size, 1);
	int to_child[2], to_parent[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe failed");
	int pid = ut_fork();
	char c = 0;
	if (pid == 0) {
		CHECK(mismatch(buf, size, 1) < 0, "the child does not see the parent's data");
		fill(buf, size, 2);
		write(to_parent[1], "w", 1);
		CHECK(read(to_child[0], &c, 1) == 1, "no word from the parent");
		long bad = mismatch(buf, size, 2);
		CHECK(bad < 0, "the parent's write reached the child at byte %ld", bad);
		exit(0);
	}
	CHECK(read(to_parent[0], &c, 1) == 1, "no word from the child");
	long bad = mismatch(buf, size, 1);
	CHECK(bad < 0, "the child's write reached the parent at byte %ld", bad);
	fill(buf, size, 3);
	write(to_child[1], "v", 1);
	ut_wait_ok(pid, "the child");
	CHECK(mismatch(buf, size, 3) < 0, "the parent lost its own write");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* A fork shares 4 MiB instead of copying it; a write copies one page; exits free them. */
static void test_cow_lazy_copy(void)
{
	enum { PAGES = 1024, WRITTEN = 16 };
	const uint64 size = PAGES * PGSIZE;
	char *buf = sbrk((int)size);
	CHECK(buf != (char *)-1, "sbrk of 4 MiB failed");
	for (int i = 0; i < PAGES; i++)
		buf[i * PGSIZE] = (char)i;
	struct memstat before;
	ut_memstat(&before);
	int pid = ut_fork();
	if (pid == 0) {
		struct memstat forked, written;
		ut_memstat(&forked);
		long taken = frames_diff(ut_spare(&before), ut_spare(&forked));
		CHECK(taken < PAGES / 8, "fork took %ld frames for %d pages: they were copied",
		      taken, PAGES);
		CHECK(forked.cow_shared >= before.cow_shared + PAGES,
		      "cow_shared went from %lu to %lu over a fork sharing %d pages",
		      before.cow_shared, forked.cow_shared, PAGES);
		for (int i = 0; i < WRITTEN; i++)
			buf[i * 64 * PGSIZE + 1] = 'c';
		ut_memstat(&written);
		long copied = frames_diff(ut_spare(&forked), ut_spare(&written));
		CHECK(copied >= WRITTEN && copied <= WRITTEN + 4,
		      "writing %d shared pages took %ld frames", WRITTEN, copied);
		CHECK(written.cow_copies >= forked.cow_copies + WRITTEN,
		      "cow_copies went from %lu to %lu over %d writes", forked.cow_copies,
		      written.cow_copies, WRITTEN);
		for (int i = 0; i < PAGES; i++)
			CHECK(buf[i * PGSIZE] == (char)i, "page %d lost its data in the child", i);
		exit(0);
	}
	ut_wait_ok(pid, "the child");
	struct memstat after;
	ut_memstat(&after);
	CHECK(after.cow_shared <= before.cow_shared,
	      "cow_shared is %lu after the child left, was %lu", after.cow_shared,
	      before.cow_shared);
	for (int i = 0; i < PAGES; i++) {
		CHECK(buf[i * PGSIZE + 1] == 0, "the child's write reached page %d", i);
		buf[i * PGSIZE + 2] = 'p'; /* the only owner now: no copy needed */
	}
	long taken = frames_diff(ut_spare(&after), ut_spare_frames());
	CHECK(taken <= 4, "writing pages nobody shares any more took %ld frames", taken);
}

/* The kernel's own writes (read, fstat, pipe) into a shared page copy it first. */
static void test_cow_kernel_write(void)
{
	const int size = 2 * PGSIZE;
	char *buf = sbrk(size);
	CHECK(buf != (char *)-1, "sbrk failed");
	char *src = sbrk(size);
	CHECK(src != (char *)-1, "sbrk failed");
	memset(src, 'C', size);
	ut_write_file("cowk_file", src, size);
	memset(buf, 'P', size);
	int go[2];
	CHECK(pipe(go) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		int fd = open("cowk_file", 0);
		CHECK(fd >= 0, "open failed");
		CHECK(read(fd, buf, size) == size, "read into a shared page failed");
		CHECK(fstat(fd, (struct stat *)(buf + 100)) == 0,
		      "fstat into a shared page failed");
		CHECK(pipe((int *)(buf + 300)) == 0, "pipe into a shared page failed");
		close(fd);
		char c;
		CHECK(read(go[0], &c, 1) == 1, "no word from the parent");
		exit(0);
	}
	/* while the child still shares them, the parent's own kernel write copies too */
	int fd = open("cowk_file", 0);
	CHECK(fd >= 0, "open failed");
	CHECK(read(fd, buf + PGSIZE, 64) == 64, "the parent's read failed");
	close(fd);
	write(go[1], "g", 1);
	ut_wait_ok(pid, "the child");
	for (uint64 i = 0; i < PGSIZE; i++)
		CHECK(buf[i] == 'P', "the child's kernel write reached the parent at byte %lu", i);
	CHECK(buf[PGSIZE] == 'C' && buf[PGSIZE + 64] == 'P', "the parent's own read went wrong");
	close(go[0]);
	close(go[1]);
	unlink("cowk_file");
}

/*
 * Three generations share pages; each writes its own part and sees the
 * others' parts unchanged, also after the middle one exits first.
 */
static void test_cow_chain(void)
{
	enum { PAGES = 96 };
	const uint64 part = PAGES / 3 * PGSIZE;
	char *buf = sbrk((int)(3 * part));
	CHECK(buf != (char *)-1, "sbrk failed");
	fill(buf, 3 * part, 1);
	int done[2];
	CHECK(pipe(done) == 0, "pipe failed");
	int middle = ut_fork();
	if (middle == 0) {
		fill(buf, part, 2);
		int last = ut_fork();
		if (last == 0) {
			int parent = getppid();
			for (int t = 0; t < 2000 && getppid() == parent; t++)
				sleep(1); /* let the middle one exit first */
			char ok =
				mismatch(buf, part, 2) < 0 && mismatch(buf + part, 2 * part, 1) < 0;
			fill(buf + part, part, 3);
			ok = ok && mismatch(buf + part, part, 3) < 0;
			write(done[1], &ok, 1);
			exit(0);
		}
		fill(buf + 2 * part, part, 4);
		exit(mismatch(buf + part, part, 1) < 0 ? 0 : 1);
	}
	ut_wait_ok(middle, "the middle generation");
	char ok = 0;
	close(done[1]);
	CHECK(read(done[0], &ok, 1) == 1, "the last generation sent nothing");
	CHECK(ok, "the last generation saw the wrong data");
	close(done[0]);
	long bad = mismatch(buf, 3 * part, 1);
	CHECK(bad < 0, "a descendant's write reached the first generation at byte %ld", bad);
}

/* The read-only page at USER_INFO_VA says who the process is; fork and exec rewrite it. */
static void test_info_page(void)
{
	volatile const struct user_info *info = (const struct user_info *)USER_INFO_VA;
	CHECK(info->pid == getpid(), "the info page says pid %d, getpid %d", info->pid, getpid());
	CHECK(strncmp((const char *)info->name, "usertests", sizeof info->name) == 0,
	      "the info page names %.16s", (const char *)info->name);
	int pid = ut_fork();
	if (pid == 0)
		exit(info->pid == getpid() ? 0 : 1);
	CHECK(ut_wait(pid) == 0, "the child's info page does not have its own pid");
	ut_expect_killed(store_at, (void *)USER_INFO_VA, "a store to the info page");
}

// LAB(pgtbl) begin
static void test_root_read(void)
{
	volatile const uchar *root = (const uchar *)USER_ROOT_VA;
	CHECK(root[ROOT_VERSION_MAJOR] == ROOT_LAYOUT_MAJOR, "the root's layout version is %d",
	      root[ROOT_VERSION_MAJOR]);
	CHECK(root[ROOT_ON_STATE] == ROOT_ON_PROTECTED, "the root's ON state is %d",
	      root[ROOT_ON_STATE]);
	uint64 sum = 0;
	for (uint64 off = 0; off < USER_TOP - USER_ROOT_VA; off++)
		sum += root[off]; /* all 64 KiB are readable */
	CHECK(sum > 0, "the root range reads as zeros");
	volatile const uint64 *ticks = (const uint64 *)(USER_ROOT_VA + ROOT_MICRO_TICKS);
	uint64 t0 = *ticks;
	for (int t = 0; t < 500 && *ticks == t0; t++)
		sleep(1);
	CHECK(*ticks != t0, "the guard's ticks in the mapped root never moved from %lu", t0);
}

static void test_root_store(void)
{
	uchar version = *(volatile uchar *)(USER_ROOT_VA + ROOT_VERSION_MAJOR);
	ut_expect_killed(store_at, (void *)USER_ROOT_VA, "a store to the root range");
	ut_expect_killed(store_at, (void *)(USER_ROOT_VA + ROOT_KERNEL_NOTE),
			 "a store to the root's kernel note");
	ut_expect_killed(store_at, (void *)(USER_TOP - 8), "a store to the root's last word");
	CHECK(*(volatile uchar *)(USER_ROOT_VA + ROOT_VERSION_MAJOR) == version,
	      "the root changed");
}
// LAB(pgtbl) end

static void test_null_deref(void)
{
	ut_expect_killed(load_at, (void *)0, "a load from address 0");
	ut_expect_killed(store_at, (void *)0, "a store to address 0");
	ut_expect_killed(load_at, (void *)(USER_TEXT_BASE - 8), "a load from the end of page 0");
	ut_expect_killed(jump_to, (void *)0, "a jump to address 0");
}

static void test_kernel_memory(void)
{
	ut_expect_killed(load_at, (void *)USER_TOP, "a load from the kernel's first address");
	ut_expect_killed(store_at, (void *)0x80200000ul, "a store to kernel text");
	ut_expect_killed(jump_to, (void *)0x80200000ul, "a jump into the kernel");
	ut_expect_killed(load_at, (void *)0x4000000000ul, "a load from a non-canonical address");
	ut_expect_killed(load_at, (void *)0xffffffc000000000ul, "a load from the upper half");
}

static void test_text_readonly(void)
{
	ut_expect_killed(store_at, (void *)&test_text_readonly, "a store to the program's text");
}

/* Every page of the stack but the top few (in use, with argv) takes a store. */
static void touch_stack_bottom(void *unused)
{
	(void)unused;
	for (uint64 va = USER_STACK_TOP - USER_STACK_SIZE; va < USER_STACK_TOP - 16 * PGSIZE;
	     va += PGSIZE)
		store_at((void *)va);
}

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[1024];
	frame[0] = (char)depth;
	if (depth > (1 << 30))
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void overflow_stack(void *unused)
{
	(void)unused;
	recurse(0);
}

static void test_stack_guard(void)
{
	CHECK(ut_in_child(touch_stack_bottom, 0) == 0, "the whole 1 MiB stack is not usable");
	ut_expect_killed(store_at, (void *)(USER_STACK_GUARD + 8), "a store to the guard page");
	ut_expect_killed(overflow_stack, 0, "unbounded recursion");
	ut_expect_killed(store_at, (void *)USER_STACK_TOP, "a store above the stack");
}

/* ------------------------------------------------------------ mmap */

#define MAP_FAILED ((char *)-1)

/* A mapping of n bytes of path opened with omode (the descriptor closed at once), or MAP_FAILED. */
static char *map_path(const char *path, int omode, int n, int prot, int flags)
{
	int fd = open(path, omode);
	CHECK(fd >= 0, "open %s failed", path);
	char *p = mmap(0, n, prot, flags, fd, 0);
	close(fd);
	return p;
}

/* n bytes of the seed's pattern by offset (not address: mapped and read copies compare). */
static void file_pattern(char *buf, int n, uint64 seed)
{
	for (int i = 0; i < n; i++)
		buf[i] = (char)ut_pattern(seed, (uint64)i);
}

/* Whether path holds exactly the n bytes of want. */
static int file_holds(const char *path, const char *want, int n)
{
	static char got[4 * PGSIZE + 1];
	int fd = open(path, O_RDONLY);
	if (fd < 0 || n > (int)sizeof got - 1)
		return 0;
	int len = read(fd, got, sizeof got);
	close(fd);
	return len == n && memcmp(got, want, n) == 0;
}

/* A shared and a private mapping of one file: only the shared stores reach it. */
static void test_mmap_shared_private(void)
{
	enum { N = 3 * PGSIZE };
	static char data[N];
	file_pattern(data, N, 5);
	ut_write_file("mm_sp", data, N);
	char *shared = map_path("mm_sp", O_RDWR, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *private = map_path("mm_sp", O_RDWR, N, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(shared != MAP_FAILED && private != MAP_FAILED, "mmap failed");
	CHECK(memcmp(shared, data, N) == 0 && memcmp(private, data, N) == 0,
	      "the mappings do not show the file");
	private[PGSIZE] = 'p';
	shared[2 * PGSIZE + 7] = 's';
	CHECK(munmap(private, N) == 0, "munmap of the private mapping failed");
	CHECK(file_holds("mm_sp", data, N), "the private store reached the file");
	CHECK(munmap(shared, N) == 0, "munmap of the shared mapping failed");
	data[2 * PGSIZE + 7] = 's';
	CHECK(file_holds("mm_sp", data, N), "the shared store is not in the file after munmap");
	unlink("mm_sp");
}

/* 16 regions at once and no more, each at its own address above the break; bad arguments. */
static void test_mmap_limits(void)
{
	enum { REGIONS = 16 };
	ut_write_file("mm_lim", "x", 1);
	char *maps[REGIONS];
	for (int i = 0; i < REGIONS; i++) {
		maps[i] = map_path("mm_lim", O_RDONLY, PGSIZE, PROT_READ, MAP_PRIVATE);
		CHECK(maps[i] != MAP_FAILED, "mapping %d of %d failed", i + 1, REGIONS);
		CHECK((uint64)maps[i] >= (uint64)sbrk(0), "mapping %d lies below the break", i + 1);
	}
	CHECK(map_path("mm_lim", O_RDONLY, PGSIZE, PROT_READ, MAP_PRIVATE) == MAP_FAILED,
	      "a 17th mapping was allowed");
	char *lowest = maps[0];
	for (int i = 0; i < REGIONS; i++) {
		if (maps[i] < lowest)
			lowest = maps[i];
		for (int j = 0; j < i; j++)
			CHECK(maps[i] != maps[j], "mappings %d and %d are both at %p", j, i,
			      maps[i]);
	}
	CHECK(munmap(maps[3] + 1, PGSIZE) == -1, "munmap of an unaligned address was allowed");
	CHECK(munmap(maps[3], 0) == -1, "munmap of 0 bytes was allowed");
	for (int i = 0; i < REGIONS; i++)
		CHECK(maps[i][0] == 'x' && maps[i][1] == 0, "mapping %d does not show the file", i);
	for (int i = 0; i < REGIONS; i++)
		CHECK(munmap(maps[i], PGSIZE) == 0, "munmap %d failed", i);
	CHECK(munmap(lowest, PGSIZE) == 0, "munmap where nothing is mapped is not 0");
	int fd = open("mm_lim", O_RDONLY);
	CHECK(mmap((void *)0x100000, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED,
	      "a mapping at a given address was allowed (only addr 0 is)");
	CHECK(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED,
	      "an offset that is not page aligned was allowed");
	CHECK(mmap(0, PGSIZE, PROT_READ | 0x10, MAP_PRIVATE, fd, 0) == MAP_FAILED,
	      "an unknown prot bit was allowed");
	close(fd);
	unlink("mm_lim");
}

/* One munmap over two regions and the gap between them; a region from a page-aligned offset. */
static void test_mmap_unmap_span(void)
{
	enum { N = 4 * PGSIZE };
	static char data[N];
	file_pattern(data, N, 6);
	ut_write_file("mm_span", data, N);
	int fd = open("mm_span", O_RDONLY);
	char *tail = mmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 2 * PGSIZE);
	char *head = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(tail != MAP_FAILED && head != MAP_FAILED, "mmap failed");
	CHECK(memcmp(tail, data + 2 * PGSIZE, 2 * PGSIZE) == 0,
	      "the mapping from offset 8192 "
	      "does not show the file from there");
	CHECK(head + PGSIZE <= tail, "the second mapping is not below the first");
	CHECK(munmap(head, (uint64)(tail - head) + 2 * PGSIZE) == 0, "munmap of both failed");
	ut_expect_killed(load_at, head, "a load from the first region after one munmap of both");
	ut_expect_killed(load_at, tail + PGSIZE, "a load from the second region after it");
	unlink("mm_span");
}

/* exec ends the old program's mappings, writing the shared ones back. */
static void test_mmap_exec(void)
{
	ut_write_file("mm_exec", "........", 8);
	int pid = ut_fork();
	if (pid == 0) {
		char *p = map_path("mm_exec", O_RDWR, 8, PROT_READ | PROT_WRITE, MAP_SHARED);
		CHECK(p != MAP_FAILED, "mmap failed");
		memcpy(p, "execed!!", 8);
		char *argv[] = { UT_SELF, UT_EXEC_HELPER, "ran", 0 };
		exec(UT_SELF, argv);
		FAIL("exec %s failed", UT_SELF);
	}
	CHECK(ut_wait(pid) == 3, "the exec'd helper did not run");
	CHECK(file_holds("mm_exec", "execed!!", 8), "exec did not write the shared mapping back");
	unlink("mm_exec");
}

/* The kernel's copies into untouched mapped pages under its locks: a pipe, wait, fstat. */
static void test_mmap_kernel_copy(void)
{
	enum { N = 4 * PGSIZE };
	static char data[N];
	file_pattern(data, N, 7);
	ut_write_file("mm_copy", data, N);
	char *p = map_path("mm_copy", O_RDONLY, N, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(p != MAP_FAILED, "mmap failed");
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe failed");
	CHECK(write(fds[1], "pipe!", 5) == 5, "write to the pipe failed");
	CHECK(read(fds[0], p + PGSIZE - 2, 5) == 5 && memcmp(p + PGSIZE - 2, "pipe!", 5) == 0,
	      "a pipe's read into untouched mapped pages failed");
	close(fds[0]);
	close(fds[1]);
	int pid = ut_fork();
	if (pid == 0)
		exit(42);
	int *status = (int *)(p + 2 * PGSIZE + 16);
	CHECK(wait(status) == pid && *status == 42, "wait() into an untouched mapped page failed");
	int fd = open("mm_copy", O_RDONLY);
	struct stat *st = (struct stat *)(p + 3 * PGSIZE + 8);
	CHECK(fstat(fd, st) == 0 && st->size == N, "fstat() into an untouched mapped page failed");
	close(fd);
	CHECK(p[0] == data[0] && p[PGSIZE - 3] == data[PGSIZE - 3], "the mapping lost the file");
	CHECK(munmap(p, N) == 0, "munmap failed");
	unlink("mm_copy");
}

/* A mapping holds its file: unlinked and closed, it still reads; the blocks go at munmap. */
static void test_mmap_unlinked(void)
{
	enum { N = 2 * PGSIZE };
	static char data[N];
	file_pattern(data, N, 8);
	ut_write_file("mm_gone", data, N);
	char *p = map_path("mm_gone", O_RDWR, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	CHECK(p != MAP_FAILED, "mmap failed");
	CHECK(unlink("mm_gone") == 0, "unlink failed");
	CHECK(memcmp(p, data, N) == 0, "an unlinked file's mapping does not show it");
	p[5] = 'w'; /* written back to a file no directory names: harmless */
	CHECK(munmap(p, N) == 0, "munmap failed");
	CHECK(open("mm_gone", O_RDONLY) < 0, "the unlinked file came back");
}

const struct ut_test ut_mem_tests[] = {
	{ "sbrk_basic", test_sbrk_basic, 1, 0 },
	{ "sbrk_shrink", test_sbrk_shrink, 1, 0 },
	{ "sbrk_lazy", test_sbrk_lazy, 1, 0 },
	{ "sbrk_limits", test_sbrk_limits, 1, 0 },
	{ "sbrk_exhaust", test_sbrk_exhaust, 0, 600 },
	{ "cow_private", test_cow_private, 1, 0 },
	{ "cow_lazy_copy", test_cow_lazy_copy, 1, 0 },
	{ "cow_kernel_write", test_cow_kernel_write, 1, 0 },
	{ "cow_chain", test_cow_chain, 1, 0 },
	// LAB(pgtbl) begin
	{ "root_read", test_root_read, 1, 0 },
	{ "root_store", test_root_store, 1, 0 },
	// LAB(pgtbl) end
	{ "info_page", test_info_page, 1, 0 },
	{ "null_deref", test_null_deref, 1, 0 },
	{ "kernel_memory", test_kernel_memory, 1, 0 },
	{ "text_readonly", test_text_readonly, 1, 0 },
	{ "stack_guard", test_stack_guard, 1, 0 },
	{ "mmap_shared_private", test_mmap_shared_private, 1, 0 },
	{ "mmap_limits", test_mmap_limits, 1, 0 },
	{ "mmap_unmap_span", test_mmap_unmap_span, 1, 0 },
	{ "mmap_exec", test_mmap_exec, 1, 0 },
	{ "mmap_kernel_copy", test_mmap_kernel_copy, 1, 0 },
	{ "mmap_unlinked", test_mmap_unlinked, 1, 0 },
	{ 0, 0, 0, 0 },
};
