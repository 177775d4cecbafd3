/*
 * user/usertests_shm.c - named shared memory (include/shm.h): stores seen
 * both ways between two processes that attached by name, a read-only
 * attachment that a store kills, fork sharing the frames, unlink while
 * attached, exit and exec detaching, where attachments may lie, every bad
 * argument, and memstat's list of blocks. The runner's leak check after
 * each test is what shows a block, its frames or its records freed.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "include/shm.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

#define BLOCK_PAGES 3
#define BLOCK_BYTES (BLOCK_PAGES * PGSIZE - 100) /* not whole pages: rounded up */

/* shmstat's entry for name (named or not) into *out; 1, or 0 if no block has that name. */
static int block_info(const char *name, struct shminfo *out)
{
	static struct shminfo all[SHMSTAT_MAX];
	int n = shmstat(all, SHMSTAT_MAX);
	CHECK(n >= 0 && n <= SHMSTAT_MAX, "shmstat returned %d", n);
	for (int i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0) {
			*out = all[i];
			return 1;
		}
	}
	return 0;
}

/* The number of attachments block name has; fails the test if there is no such block. */
static int mappings_of(const char *name)
{
	struct shminfo info;
	CHECK(block_info(name, &info), "shmstat does not list block %s", name);
	return (int)info.mappings;
}

/* Creates name (BLOCK_BYTES) and attaches it where the kernel picks, read-write. */
static char *create_attached(const char *name)
{
	CHECK(shmcreate(name, BLOCK_BYTES) == 0, "shmcreate %s failed", name);
	char *p = shmattach(name, 0, 0);
	CHECK(p != SHM_FAILED, "shmattach %s failed", name);
	return p;
}

/* One byte through pipe fd: the other process may go on. */
static void signal_on(int fd)
{
	CHECK(write(fd, "s", 1) == 1, "write to the pipe failed");
}

static void wait_on(int fd)
{
	char c;
	CHECK(read(fd, &c, 1) == 1, "read from the pipe failed");
}

static void store_at(void *addr)
{
	*(volatile char *)addr = 's';
}

/* Two processes attach one block by name, each where the kernel picks: stores seen both ways. */
static void test_shm_two_processes(void)
{
	CHECK(shmcreate("ut.two", BLOCK_BYTES) == 0, "shmcreate failed");
	int to_child[2], to_parent[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		char *p = shmattach("ut.two", 0, 0); /* its own attachment, not an inherited one */
		CHECK(p != SHM_FAILED, "the child's shmattach failed");
		for (int i = 0; i < BLOCK_PAGES * PGSIZE; i++)
			CHECK(p[i] == 0, "byte %d of a new block is %d, not 0", i, p[i]);
		for (int i = 0; i < BLOCK_PAGES * PGSIZE; i += 512)
			p[i] = (char)ut_pattern(1, (uint64)i);
		signal_on(to_parent[1]);
		wait_on(to_child[0]);
		for (int i = 1; i < BLOCK_PAGES * PGSIZE; i += 512)
			CHECK(p[i] == (char)ut_pattern(2, (uint64)i),
			      "the child does not see the parent's store at byte %d", i);
		CHECK(shmdetach(p) == 0, "the child's shmdetach failed");
		exit(0);
	}
	char *p = shmattach("ut.two", 0, 0);
	CHECK(p != SHM_FAILED, "the parent's shmattach failed");
	CHECK((uint64)p % PGSIZE == 0 && (uint64)p >= (uint64)sbrk(0) &&
		      (uint64)p + BLOCK_PAGES * PGSIZE <= USER_STACK_GUARD,
	      "the block is at %p: not page aligned between the break and the stack", p);
	wait_on(to_parent[0]);
	CHECK(mappings_of("ut.two") == 2, "two attachments, shmstat says %d",
	      mappings_of("ut.two"));
	for (int i = 0; i < BLOCK_PAGES * PGSIZE; i += 512)
		CHECK(p[i] == (char)ut_pattern(1, (uint64)i),
		      "the parent does not see the child's store at byte %d", i);
	for (int i = 1; i < BLOCK_PAGES * PGSIZE; i += 512)
		p[i] = (char)ut_pattern(2, (uint64)i);
	signal_on(to_child[1]);
	ut_wait_ok(pid, "the attaching child");
	CHECK(mappings_of("ut.two") == 1, "the child detached, shmstat says %d attachments",
	      mappings_of("ut.two"));
	CHECK(shmdetach(p) == 0, "shmdetach failed");
	CHECK(shmunlink("ut.two") == 0, "shmunlink failed");
	struct shminfo info;
	CHECK(!block_info("ut.two", &info), "shmstat still lists the block, detached and unlinked");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* A read-only attachment shows the block's stores; a store into it kills, a kernel copy fails. */
static void test_shm_readonly(void)
{
	char *rw = create_attached("ut.ro");
	char *ro = shmattach("ut.ro", 0, SHM_RDONLY);
	CHECK(ro != SHM_FAILED, "shmattach with SHM_RDONLY failed");
	CHECK(ro != rw, "both attachments are at %p", ro);
	rw[PGSIZE + 5] = 'w';
	CHECK(ro[PGSIZE + 5] == 'w', "the read-only attachment does not show a store");
	ut_expect_killed(store_at, ro, "a store into a read-only attachment");
	ut_expect_killed(store_at, ro + 2 * PGSIZE + 7, "a store into its last page");
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe failed");
	CHECK(write(fds[1], "kernel", 6) == 6, "write to the pipe failed");
	CHECK(read(fds[0], ro + 8, 6) == -1, "read() into a read-only attachment worked");
	CHECK(read(fds[0], rw + 8, 6) == 6 && memcmp(ro + 8, "kernel", 6) == 0,
	      "read() into the read-write attachment is not seen in the read-only one");
	close(fds[0]);
	close(fds[1]);
	CHECK(ro[PGSIZE + 5] == 'w' && rw[2 * PGSIZE + 7] == 0,
	      "the killed stores changed the block");
	CHECK(shmdetach(ro) == 0 && shmdetach(rw) == 0, "shmdetach failed");
	CHECK(shmunlink("ut.ro") == 0, "shmunlink failed");
}

/* fork's child shares the parent's attachment: one block, not a copy; its exit detaches. */
static void test_shm_fork_shares(void)
{
	char *p = create_attached("ut.fork");
	char *ro = shmattach("ut.fork", 0, SHM_RDONLY);
	CHECK(ro != SHM_FAILED, "the read-only shmattach failed");
	p[0] = 'p';
	int pid = ut_fork();
	if (pid == 0) {
		CHECK(p[0] == 'p', "the child does not see the parent's store");
		CHECK(mappings_of("ut.fork") == 4,
		      "the child shares 2 attachments, shmstat says %d",
		      mappings_of("ut.fork") - 2);
		p[1] = 'c';
		p[2 * PGSIZE] = 'C';
		exit(0); /* without shmdetach */
	}
	ut_wait_ok(pid, "the child");
	CHECK(p[1] == 'c' && p[2 * PGSIZE] == 'C' && ro[1] == 'c',
	      "the child's stores are not in the parent's attachment (copied at fork?)");
	CHECK(mappings_of("ut.fork") == 2, "after the child's exit shmstat says %d attachments",
	      mappings_of("ut.fork"));
	ut_expect_killed(store_at, ro, "a store into a read-only attachment inherited by fork");
	CHECK(shmunlink("ut.fork") == 0, "shmunlink failed");
	/* exit detaches: the block, unlinked, goes with this process (the leak check sees it) */
}

/* Unlinked while attached: still usable, the name free again, the frames back at the last detach. */
static void test_shm_unlink_attached(void)
{
	char *p = create_attached("ut.gone");
	p[100] = 'g';
	CHECK(shmunlink("ut.gone") == 0, "shmunlink failed");
	CHECK(shmattach("ut.gone", 0, 0) == SHM_FAILED, "an unlinked name could be attached");
	CHECK(shmunlink("ut.gone") == -1, "a second shmunlink of a name worked");
	struct shminfo info;
	CHECK(block_info("ut.gone", &info) && info.unlinked == 1 && info.mappings == 1,
	      "shmstat does not list the unlinked block with its one attachment");
	p[101] = 'h';
	CHECK(p[100] == 'g' && p[101] == 'h', "the unlinked block lost its bytes");

	/* The name can be created again: a new block of its own. */
	char *again = create_attached("ut.gone");
	CHECK(again[100] == 0, "the new block under the old name shows the old block's bytes");
	CHECK(shmdetach(again) == 0 && shmunlink("ut.gone") == 0, "the new block did not go");

	int pid = ut_fork(); /* a second attachment, so the first detach frees nothing */
	if (pid == 0) {
		CHECK(shmdetach(p) == 0, "the child's shmdetach failed");
		exit(0);
	}
	ut_wait_ok(pid, "the detaching child");
	CHECK(block_info("ut.gone", &info) && info.mappings == 1 && p[100] == 'g',
	      "the unlinked block did not stay whole through the child's detach");
	uint64 attached = ut_spare_frames();
	CHECK(shmdetach(p) == 0, "shmdetach failed");
	uint64 after = ut_spare_frames();
	CHECK(after >= attached + BLOCK_PAGES,
	      "the last detach gave back %ld frames, the block has %d",
	      (long)after - (long)attached, BLOCK_PAGES);
	CHECK(!block_info("ut.gone", &info), "shmstat still lists the freed block");

	/* Unlinked with no attachment: freed at once. */
	CHECK(shmcreate("ut.gone", BLOCK_BYTES) == 0, "shmcreate failed");
	uint64 created = ut_spare_frames();
	CHECK(shmunlink("ut.gone") == 0, "shmunlink failed");
	CHECK(ut_spare_frames() >= created + BLOCK_PAGES, "unlink of an unattached block kept it");
}

/* exec detaches: the new program (cat, echoing a pipe) runs with the block no longer attached. */
static void test_shm_exec_detaches(void)
{
	CHECK(shmcreate("ut.exec", BLOCK_BYTES) == 0, "shmcreate failed");
	int in[2], out[2];
	CHECK(pipe(in) == 0 && pipe(out) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		CHECK(shmattach("ut.exec", 0, 0) != SHM_FAILED, "shmattach failed");
		close(0);
		dup(in[0]);
		close(1);
		dup(out[1]);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		char *argv[] = { "cat", 0 };
		exec("/cat", argv);
		FAIL("exec /cat failed");
	}
	close(in[0]);
	close(out[1]);
	char c = 0;
	CHECK(write(in[1], "x", 1) == 1 && read(out[0], &c, 1) == 1 && c == 'x',
	      "cat, exec'd by the child, did not echo");
	CHECK(mappings_of("ut.exec") == 0, "after exec the block has %d attachments",
	      mappings_of("ut.exec"));
	close(in[1]);
	ut_wait_ok(pid, "cat");
	close(out[0]);
	CHECK(shmunlink("ut.exec") == 0, "shmunlink failed");
}

/* Where attachments go: at an address asked for, never over another mapping; the heap stops below. */
static void test_shm_placement(void)
{
	CHECK(shmcreate("ut.place", BLOCK_BYTES) == 0, "shmcreate failed");
	uint64 brk = PGROUNDUP((uint64)sbrk(0));
	char *want = (char *)(brk + 4 * PGSIZE);
	char *p = shmattach("ut.place", want, 0);
	CHECK(p == want, "shmattach at %p returned %p", want, p);
	p[0] = 'a';
	CHECK(shmattach("ut.place", want + PGSIZE, 0) == SHM_FAILED,
	      "an attachment over another one was allowed");
	CHECK(shmattach("ut.place", want - PGSIZE, 0) == SHM_FAILED,
	      "an attachment overlapping another one's first page was allowed");
	CHECK(sbrk(8 * PGSIZE) == (char *)-1, "sbrk grew the heap over an attachment");
	char *old = sbrk(2 * PGSIZE);
	CHECK(old != (char *)-1, "sbrk below the attachment failed");
	old[0] = 'h';
	CHECK(shmattach("ut.place", (void *)brk, 0) == SHM_FAILED,
	      "an attachment over the heap was allowed");
	CHECK(sbrk(-2 * PGSIZE) != (char *)-1, "sbrk shrinking failed");

	/* A file mapping and a kernel-picked attachment step over each other. */
	ut_write_file("shm_place", "f", 1);
	int fd = open("shm_place", O_RDONLY);
	char *picked = shmattach("ut.place", 0, 0);
	char *map = mmap(0, 4 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(picked != SHM_FAILED && map != (char *)-1, "shmattach or mmap failed");
	CHECK(map + 4 * PGSIZE <= picked || picked + BLOCK_PAGES * PGSIZE <= map,
	      "the mapping at %p and the attachment at %p overlap", map, picked);
	CHECK(picked[0] == 'a' && map[0] == 'f',
	      "the attachment or the mapping shows the wrong bytes");
	CHECK(munmap(map, 4 * PGSIZE) == 0, "munmap failed");
	char *second = shmattach("ut.place", 0, 0);
	CHECK(second != SHM_FAILED && second[0] == 'a', "a third attachment failed");
	CHECK(shmdetach(second) == 0 && shmdetach(picked) == 0 && shmdetach(p) == 0,
	      "shmdetach failed");
	CHECK(shmdetach(p) == -1, "a second shmdetach of an address worked");
	unlink("shm_place");
	CHECK(shmunlink("ut.place") == 0, "shmunlink failed");
}

/* Every bad argument of every call is -1 (and the leak check sees nothing kept). */
static void test_shm_bad_args(void)
{
	static char longest[SHM_NAME_MAX + 2];
	memset(longest, 'n', SHM_NAME_MAX + 1); /* SHM_NAME_MAX + 1 bytes: one too many */
	CHECK(shmcreate(longest, PGSIZE) == -1, "a name of %d bytes was taken", SHM_NAME_MAX + 1);
	CHECK(shmunlink(longest) == -1, "shmunlink of a too-long name worked");
	CHECK(shmattach(longest, 0, 0) == SHM_FAILED, "shmattach of a too-long name worked");
	longest[SHM_NAME_MAX] = 0;
	CHECK(shmcreate(longest, PGSIZE) == 0, "a name of %d bytes was refused", SHM_NAME_MAX);
	CHECK(shmunlink(longest) == 0, "shmunlink of the longest name failed");
	const char *bad_names[] = { "", "a b", "tab\t", "new\nline", "\x7f", "\x80x" };
	for (uint i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
		CHECK(shmcreate(bad_names[i], PGSIZE) == -1, "the name #%d was taken", i);
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_STRING, bad);
	for (int i = 0; i < n; i++) {
		CHECK(shmcreate((char *)bad[i], PGSIZE) == -1, "shmcreate of name 0x%lx worked",
		      bad[i]);
		CHECK(shmattach((char *)bad[i], 0, 0) == SHM_FAILED,
		      "shmattach of name 0x%lx worked", bad[i]);
		CHECK(shmunlink((char *)bad[i]) == -1, "shmunlink of name 0x%lx worked", bad[i]);
	}

	struct memstat ms;
	ut_memstat(&ms);
	unsigned long sizes[] = { 0, SHM_SIZE_MAX + 1, ~0ul, 1ul << 63,
				  (ms.frames_free + 1) * PGSIZE,
				  /* all but 100 free frames: with its frame list (1 frame
				   * per 512), more than the kernel's reserve allows */
				  (ms.frames_free - 100) * PGSIZE };
	for (uint i = 0; i < sizeof sizes / sizeof *sizes; i++)
		CHECK(shmcreate("ut.bad", sizes[i]) == -1, "a block of %lu bytes was made",
		      sizes[i]);
	struct shminfo info;
	CHECK(!block_info("ut.bad", &info), "a refused shmcreate left a block");

	CHECK(shmattach("ut.none", 0, 0) == SHM_FAILED, "an unknown name was attached");
	CHECK(shmunlink("ut.none") == -1, "an unknown name was unlinked");
	char *p = create_attached("ut.bad");
	CHECK(shmcreate("ut.bad", PGSIZE) == -1, "a second shmcreate of a name worked");
	CHECK(mappings_of("ut.bad") == 1 && p[0] == 0, "the second shmcreate changed the block");
	int flags[] = { 2, SHM_RDONLY | 4, -1 };
	for (uint i = 0; i < sizeof flags / sizeof *flags; i++)
		CHECK(shmattach("ut.bad", 0, flags[i]) == SHM_FAILED, "flags 0x%x were taken",
		      flags[i]);
	uint64 brk = PGROUNDUP((uint64)sbrk(0));
	uint64 addrs[] = {
		brk + 1,                   /* not page aligned */
		USER_TEXT_BASE,            /* the program */
		brk - PGSIZE,              /* the heap */
		USER_STACK_GUARD - PGSIZE, /* runs into the stack's guard page */
		USER_STACK_GUARD,          /* the guard page itself */
		USER_STACK_TOP - PGSIZE,   /* the stack */
		USER_ROOT_VA,              /* the root range */
		USER_TOP,                  /* the kernel */
		0xfffffffffffff000ul,      /* wraps around */
		(uint64)p,                 /* the attachment already there */
	};
	for (uint i = 0; i < sizeof addrs / sizeof *addrs; i++)
		CHECK(shmattach("ut.bad", (void *)addrs[i], 0) == SHM_FAILED,
		      "an attachment at 0x%lx was allowed", addrs[i]);
	CHECK(mappings_of("ut.bad") == 1, "refused attachments were counted");
	void *not_starts[] = { 0, p + PGSIZE, p + 1, (void *)USER_TEXT_BASE, (void *)~0ul };
	for (uint i = 0; i < sizeof not_starts / sizeof *not_starts; i++)
		CHECK(shmdetach(not_starts[i]) == -1, "shmdetach(%p) worked", not_starts[i]);
	CHECK(p[0] == 0 && mappings_of("ut.bad") == 1, "a refused shmdetach detached");
	CHECK(shmstat((struct shminfo *)USER_TEXT_BASE, 4) == -1,
	      "shmstat into the program's text worked");
	CHECK(shmstat(&info, -1) == -1, "shmstat with max -1 worked");
	CHECK(shmstat(0, 0) >= 1, "shmstat with max 0 does not count the blocks");
	CHECK(shmunlink("ut.bad") == 0, "shmunlink failed");
	/* p stays attached: exit detaches it, and the leak check sees the block go */
}

/* memstat lists a block: its name, size, attachments and whether it is unlinked. */
static void test_shm_memstat_lists(void)
{
	char *p = create_attached("ut.listed");
	CHECK(shmunlink("ut.listed") == 0, "shmunlink failed");
	int out[2];
	CHECK(pipe(out) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		close(1);
		dup(out[1]);
		close(out[0]);
		close(out[1]);
		char *argv[] = { "memstat", 0 };
		exec("/memstat", argv);
		FAIL("exec /memstat failed");
	}
	close(out[1]);
	static char text[8192];
	int len = 0, got;
	while (len < (int)sizeof text - 1 &&
	       (got = read(out[0], text + len, (int)sizeof text - 1 - len)) > 0)
		len += got;
	text[len] = 0;
	close(out[0]);
	ut_wait_ok(pid, "memstat");
	char want[100];
	/* One attachment: the memstat child's, inherited by fork, went at its exec. */
	snprintf(want, sizeof want, "shm ut.listed: %d bytes, ", BLOCK_BYTES);
	int found = 0;
	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = 0;
		if (strncmp(line, want, strlen(want)) == 0) {
			found = 1;
			CHECK(strcmp(line + strlen(want), "1 mappings, unlinked") == 0,
			      "memstat says \"%s\"", line);
		}
		if (!end)
			break;
		line = end + 1;
	}
	CHECK(found, "memstat printed no line starting \"%s\"", want);
	CHECK(strncmp(text, "frames: ", 8) == 0, "memstat's first line changed");
	CHECK(shmdetach(p) == 0, "shmdetach failed");
}

const struct ut_test ut_shm_tests[] = {
	{ "shm_two_processes", test_shm_two_processes, 1, 0 },
	{ "shm_readonly", test_shm_readonly, 1, 0 },
	{ "shm_fork_shares", test_shm_fork_shares, 1, 0 },
	{ "shm_unlink_attached", test_shm_unlink_attached, 1, 0 },
	{ "shm_exec_detaches", test_shm_exec_detaches, 1, 0 },
	{ "shm_placement", test_shm_placement, 1, 0 },
	{ "shm_bad_args", test_shm_bad_args, 1, 0 },
	{ "shm_memstat_lists", test_shm_memstat_lists, 1, 0 },
	{ 0, 0, 0, 0 },
};
