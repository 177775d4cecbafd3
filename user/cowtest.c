/*
 * user/cowtest.c - the tests of lab cow: copy-on-write fork.
 *
 *	cowtest TEST NONCE    runs one test, with a tagged report (user/grade_report.h)
 *	cowtest hold PAGES    touches PAGES pages, forks, and runs memstat while both share them
 *
 * The tests: simple (fork of a process holding more than half of free
 * memory), three (three generations write their own parts), race (eight
 * children at once write the same pages, on several harts, four times),
 * copyout (the kernel's own writes into a shared page: read(), a pipe,
 * fstat), free (every fork's frames come back when its child exits).
 * Most hold more memory than an eager copy could give, so a fork that
 * copies fails them at once.
 *
 * A page's test pattern is a word at its start and one at its end, which
 * name the page and the generation that wrote it. A child reports a
 * problem on stderr and by its exit status; only the process that started
 * the report adds lines to it (a child's line would not be in the tag).
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "include/sysinfo.h"
#include "user/user.h"
#include "user/grade_report.h"

#define PGSIZE   4096
#define PG_WORDS (PGSIZE / 8)

static struct grade_report report;
static int failed;

/* A check of the reporting process: a report line says what went wrong, and the test fails. */
#define EXPECT(cond, ...)                                        \
	do {                                                     \
		if (!(cond)) {                                   \
			grade_report_line(&report, __VA_ARGS__); \
			failed = 1;                              \
		}                                                \
	} while (0)

/* A check of a child: it says what on stderr and exits 1. */
#define CHILD_EXPECT(cond, ...)                         \
	do {                                            \
		if (!(cond)) {                          \
			fprintf(2, "cowtest: child: "); \
			fprintf(2, __VA_ARGS__);        \
			fprintf(2, "\n");               \
			exit(1);                        \
		}                                       \
	} while (0)

static struct memstat mem(void)
{
	struct memstat m;
	if (memstat(&m) < 0) {
		fprintf(2, "cowtest: memstat failed\n");
		exit(2);
	}
	return m;
}

static uint64 word_of(int gen, int page)
{
	return ((uint64)gen << 32) | (uint)page;
}

/* Writes generation gen's pattern on pages [from, to) of base, every step-th one. */
static void stamp(char *base, int from, int to, int step, int gen)
{
	for (int i = from; i < to; i += step) {
		uint64 *w = (uint64 *)(base + (uint64)i * PGSIZE);
		w[0] = word_of(gen, i);
		w[PG_WORDS - 1] = ~word_of(gen, i);
	}
}

/* The first page of [from, to) (every step-th) without gen's pattern, or -1. */
static int first_wrong(const char *base, int from, int to, int step, int gen)
{
	for (int i = from; i < to; i += step) {
		const uint64 *w = (const uint64 *)(base + (uint64)i * PGSIZE);
		if (w[0] != word_of(gen, i) || w[PG_WORDS - 1] != ~word_of(gen, i))
			return i;
	}
	return -1;
}

/* n fresh pages of heap, each with generation 0's pattern; 0 if sbrk refused. */
static char *alloc_pages(int n)
{
	char *base = sbrk(n * PGSIZE);
	if (base == (char *)-1)
		return 0;
	stamp(base, 0, n, 1, 0);
	return base;
}

static void free_pages(int n)
{
	sbrk(-n * PGSIZE);
}

/* Waits for pid; its exit status (-1 if the kernel killed it). */
static int status_of(int pid)
{
	int status = -1;
	if (wait(&status) != pid)
		return -2;
	return status;
}

static const char *why_fork_failed = "did fork copy the pages instead of sharing them?";

/* Two rounds: fork a process holding 3/5 of free memory; the child writes every 16th page. */
static int test_simple(void)
{
	for (int round = 1; round <= 2; round++) {
		uint64 free_frames = mem().frames_free;
		int n = (int)(free_frames * 3 / 5);
		char *base = alloc_pages(n);
		if (!base) {
			grade_report_line(&report, "round %d: sbrk of %d pages failed", round, n);
			return 0;
		}
		int pid = fork();
		if (pid < 0) {
			grade_report_line(&report,
					  "round %d: fork of a process holding %d of %lu free "
					  "frames failed: %s",
					  round, n, free_frames, why_fork_failed);
			return 0;
		}
		if (pid == 0) {
			int bad = first_wrong(base, 0, n, 1, 0);
			CHILD_EXPECT(bad < 0, "page %d is not the parent's right after fork", bad);
			stamp(base, 0, n, 16, 1);
			CHILD_EXPECT(first_wrong(base, 0, n, 16, 1) < 0, "a write did not stay");
			exit(0);
		}
		int status = status_of(pid);
		EXPECT(status == 0, "round %d: the child exited with status %d", round, status);
		int bad = first_wrong(base, 0, n, 1, 0);
		EXPECT(bad < 0, "round %d: the child's write reached the parent's page %d", round,
		       bad);
		free_pages(n);
		if (failed)
			return 0;
		grade_report_line(&report,
				  "round %d: a process holding %d of %lu free frames forked; "
				  "its child wrote %d pages",
				  round, n, free_frames, (n + 15) / 16);
	}
	return 1;
}

/* Parent, child and grandchild share 2/5 of memory; each writes its own quarter. */
static int test_three(void)
{
	uint64 free_frames = mem().frames_free;
	int n = (int)(free_frames * 2 / 5) & ~3, q = n / 4;
	char *base = alloc_pages(n);
	if (!base) {
		grade_report_line(&report, "sbrk of %d pages failed", n);
		return 0;
	}
	uint64 spare_before = mem().frames_spare;
	int pid = fork();
	if (pid < 0) {
		grade_report_line(&report, "fork of a process holding %d of %lu free frames failed",
				  n, free_frames);
		return 0;
	}
	if (pid == 0) {
		int grandchild = fork();
		if (grandchild < 0) {
			fprintf(2, "cowtest: child: the second fork failed: %s\n", why_fork_failed);
			exit(2);
		}
		if (grandchild == 0) {
			stamp(base, 0, q, 1, 2);
			CHILD_EXPECT(first_wrong(base, 0, q, 1, 2) < 0,
				     "the grandchild lost a write");
			int bad = first_wrong(base, q, n, 1, 0);
			CHILD_EXPECT(bad < 0, "the grandchild sees another's write on page %d",
				     bad);
			exit(0);
		}
		stamp(base, q, 2 * q, 1, 1);
		int status = status_of(grandchild);
		CHILD_EXPECT(status == 0, "the grandchild exited with status %d", status);
		CHILD_EXPECT(first_wrong(base, q, 2 * q, 1, 1) < 0, "the child lost a write");
		int bad = first_wrong(base, 0, q, 1, 0);
		if (bad < 0)
			bad = first_wrong(base, 2 * q, n, 1, 0);
		CHILD_EXPECT(bad < 0, "the child sees another's write on page %d", bad);
		exit(0);
	}
	stamp(base, 3 * q, n, 1, 3);
	int status = status_of(pid);
	EXPECT(status == 0, "the child exited with status %d (2: its fork failed)", status);
	EXPECT(first_wrong(base, 3 * q, n, 1, 3) < 0, "the parent lost a write");
	int bad = first_wrong(base, 0, 3 * q, 1, 0);
	EXPECT(bad < 0, "a descendant's write reached the parent's page %d", bad);
	long lost = (long)spare_before - (long)mem().frames_spare;
	EXPECT(lost <= 0, "%ld frames were not given back when the children exited", lost);
	free_pages(n);
	if (failed)
		return 0;
	grade_report_line(&report, "three generations shared %d of %lu free frames, each wrote %d",
			  n, free_frames, q);
	return 1;
}

enum { RACE_CHILDREN = 8, RACE_ROUNDS = 4, HOT_PAGES = 32, OWN_PAGES = 16 };

/* A child of the race: writes the pages every child writes and its own, checks the rest. */
static void race_child(char *base, int n, int k)
{
	int gen = 100 + k, own = HOT_PAGES + k * OWN_PAGES;
	stamp(base, 0, HOT_PAGES, 1, gen);
	stamp(base, own, own + OWN_PAGES, 1, gen);
	int grandchild = fork(); /* one more fork and exit racing on the same frames */
	if (grandchild == 0)
		exit(first_wrong(base, 0, HOT_PAGES, 1, gen) < 0 ? 0 : 1);
	CHILD_EXPECT(grandchild > 0, "fork in child %d failed", k);
	CHILD_EXPECT(status_of(grandchild) == 0, "child %d's child did not see its pages", k);
	CHILD_EXPECT(first_wrong(base, 0, HOT_PAGES, 1, gen) < 0 &&
			     first_wrong(base, own, own + OWN_PAGES, 1, gen) < 0,
		     "child %d lost a write", k);
	int bad = first_wrong(base, HOT_PAGES, own, 1, 0);
	if (bad < 0)
		bad = first_wrong(base, own + OWN_PAGES, n, 1, 0);
	CHILD_EXPECT(bad < 0, "child %d sees another's write on page %d", k, bad);
	exit(0);
}

/* Eight children at once write the same shared pages (several harts), four rounds. */
static int test_race(void)
{
	uint64 free_frames = mem().frames_free;
	int n = (int)(free_frames / 4);
	char *base = alloc_pages(n);
	if (!base) {
		grade_report_line(&report, "sbrk of %d pages failed", n);
		return 0;
	}
	for (int round = 1; round <= RACE_ROUNDS; round++) {
		struct memstat before = mem();
		int pids[RACE_CHILDREN];
		for (int k = 0; k < RACE_CHILDREN; k++) {
			pids[k] = fork();
			if (pids[k] == 0)
				race_child(base, n, k);
			if (pids[k] < 0) {
				grade_report_line(
					&report,
					"round %d: fork %d of a process holding %d of %lu "
					"free frames failed: %s",
					round, k + 1, n, free_frames, why_fork_failed);
				while (wait(0) >= 0)
					;
				return 0;
			}
		}
		stamp(base, 0, HOT_PAGES, 1, 50); /* the parent writes them too, meanwhile */
		int bad_children = 0;
		for (int k = 0; k < RACE_CHILDREN; k++) {
			int status = -1;
			if (wait(&status) < 0 || status != 0)
				bad_children++;
		}
		EXPECT(bad_children == 0, "round %d: %d of %d children failed", round, bad_children,
		       RACE_CHILDREN);
		EXPECT(first_wrong(base, 0, HOT_PAGES, 1, 50) < 0,
		       "round %d: the parent lost a write", round);
		int bad = first_wrong(base, HOT_PAGES, n, 1, 0);
		EXPECT(bad < 0, "round %d: a child's write reached the parent's page %d", round,
		       bad);
		stamp(base, 0, HOT_PAGES, 1, 0);
		struct memstat after = mem();
		long lost = (long)before.frames_spare - (long)after.frames_spare;
		EXPECT(lost <= 0, "round %d: %ld frames not given back after the children exited",
		       round, lost);
		EXPECT(after.cow_shared <= before.cow_shared,
		       "round %d: %lu frames still counted shared (%lu before)", round,
		       after.cow_shared, before.cow_shared);
		if (failed)
			return 0;
	}
	free_pages(n);
	grade_report_line(&report,
			  "%d rounds of %d children sharing %d pages: every write stayed "
			  "in its process, every frame came back",
			  RACE_ROUNDS, RACE_CHILDREN, n);
	return 1;
}

#define COPY_FILE  "cowtest.in"
#define FILE_BYTES (2 * PGSIZE)

static char file_byte(int i)
{
	return (char)('A' + i % 23);
}

/* Whether page i of base holds only generation 0's pattern and zeros. */
static int untouched(const char *base, int i)
{
	const uint64 *w = (const uint64 *)(base + (uint64)i * PGSIZE);
	for (int j = 1; j < PG_WORDS - 1; j++)
		if (w[j])
			return 0;
	return first_wrong(base, i, i + 1, 1, 0) < 0;
}

/* The pages read(), the pipe and fstat write into in the child, and read() in the parent. */
enum { READ_PAGE = 10, PIPE_PAGE = 20, STAT_PAGE = 30, PARENT_PAGE = 40 };

static void copyout_child(char *base, int n, int go_fd)
{
	int fd = open(COPY_FILE, O_RDONLY);
	CHILD_EXPECT(fd >= 0, "cannot open %s", COPY_FILE);
	char *dst = base + READ_PAGE * PGSIZE + 100; /* over three shared pages */
	int got = read(fd, dst, FILE_BYTES);
	CHILD_EXPECT(got == FILE_BYTES, "read() into shared pages returned %d, not %d", got,
		     FILE_BYTES);
	for (int i = 0; i < FILE_BYTES; i++)
		CHILD_EXPECT(dst[i] == file_byte(i), "read() put %d at byte %d, the file has %d",
			     dst[i], i, file_byte(i));
	struct stat *st = (struct stat *)(base + STAT_PAGE * PGSIZE + 8);
	CHILD_EXPECT(fstat(fd, st) == 0 && st->size == FILE_BYTES,
		     "fstat() into a shared page failed");
	close(fd);
	char *msg = base + PIPE_PAGE * PGSIZE + 8;
	CHILD_EXPECT(read(go_fd, msg, 5) == 5 && memcmp(msg, "hello", 5) == 0,
		     "read() from a pipe into a shared page did not give what was sent");
	CHILD_EXPECT(untouched(base, PARENT_PAGE), "the parent's read() reached the child");
	for (int i = 0; i < n; i++)
		if (i < READ_PAGE || i > READ_PAGE + 2)
			if (i != PIPE_PAGE && i != STAT_PAGE)
				CHILD_EXPECT(first_wrong(base, i, i + 1, 1, 0) < 0,
					     "page %d changed", i);
	exit(0);
}

/* The kernel's writes into shared pages (read, a pipe, fstat) copy them first, in both. */
static int test_copyout(void)
{
	static char data[FILE_BYTES];
	for (int i = 0; i < FILE_BYTES; i++)
		data[i] = file_byte(i);
	int fd = open(COPY_FILE, O_CREATE | O_TRUNC | O_WRONLY);
	if (fd < 0 || write(fd, data, FILE_BYTES) != FILE_BYTES) {
		grade_report_line(&report, "cannot write %s", COPY_FILE);
		return 0;
	}
	close(fd);
	uint64 free_frames = mem().frames_free;
	int n = (int)(free_frames * 3 / 5);
	char *base = alloc_pages(n);
	int go[2];
	if (!base || pipe(go) < 0) {
		grade_report_line(&report, "sbrk of %d pages or pipe failed", n);
		return 0;
	}
	int pid = fork();
	if (pid < 0) {
		grade_report_line(&report,
				  "fork of a process holding %d of %lu free frames failed: %s", n,
				  free_frames, why_fork_failed);
		return 0;
	}
	if (pid == 0) {
		close(go[1]);
		copyout_child(base, n, go[0]);
	}
	close(go[0]);
	/* While the child still shares every page: the parent's own read() into one. */
	fd = open(COPY_FILE, O_RDONLY);
	int got = fd >= 0 ? read(fd, base + PARENT_PAGE * PGSIZE + 8, 64) : -1;
	close(fd);
	EXPECT(got == 64, "the parent's read() into a shared page returned %d", got);
	EXPECT(write(go[1], "hello", 5) == 5, "write to the pipe failed");
	close(go[1]);
	int status = status_of(pid);
	EXPECT(status == 0, "the child exited with status %d", status);
	int pages[] = { READ_PAGE, READ_PAGE + 1, READ_PAGE + 2, PIPE_PAGE, STAT_PAGE };
	for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++)
		EXPECT(untouched(base, pages[i]), "the child's kernel write reached parent page %d",
		       pages[i]);
	EXPECT(memcmp(base + PARENT_PAGE * PGSIZE + 8, data, 64) == 0,
	       "the parent's read() did not land in its own page");
	free_pages(n);
	unlink(COPY_FILE);
	if (failed)
		return 0;
	grade_report_line(&report,
			  "read(), a pipe and fstat wrote into pages a fork of %d pages "
			  "shared: each write stayed in its own process",
			  n);
	return 1;
}

/* Eight forks in a row of a process holding 3/5 of memory: each child's frames come back. */
static int test_free(void)
{
	enum { ROUNDS = 8 };
	uint64 free_frames = mem().frames_free;
	int n = (int)(free_frames * 3 / 5);
	char *base = alloc_pages(n);
	if (!base) {
		grade_report_line(&report, "sbrk of %d pages failed", n);
		return 0;
	}
	for (int round = 1; round <= ROUNDS; round++) {
		struct memstat before = mem();
		int pid = fork();
		if (pid < 0) {
			grade_report_line(&report,
					  "round %d: fork of a process holding %d of %lu "
					  "free frames failed: %s",
					  round, n, free_frames, why_fork_failed);
			return 0;
		}
		if (pid == 0) {
			stamp(base, 0, n, 8, round);
			exit(0);
		}
		int status = status_of(pid);
		struct memstat after = mem();
		long lost = (long)before.frames_spare - (long)after.frames_spare;
		EXPECT(status == 0, "round %d: the child exited with status %d", round, status);
		EXPECT(lost <= 0, "round %d: %ld frames were not given back when the child exited",
		       round, lost);
		EXPECT(after.cow_shared <= before.cow_shared,
		       "round %d: %lu frames still counted shared after the child exited (%lu before)",
		       round, after.cow_shared, before.cow_shared);
		if (failed)
			return 0;
	}
	int bad = first_wrong(base, 0, n, 1, 0);
	EXPECT(bad < 0, "a child's write reached the parent's page %d", bad);
	free_pages(n);
	if (failed)
		return 0;
	grade_report_line(&report,
			  "%d forks of a process holding %d of %lu free frames: every "
			  "child's frames came back",
			  ROUNDS, n, free_frames);
	return 1;
}

/* `cowtest hold PAGES`: memstat runs while a child shares PAGES pages with us. */
static int hold(int pages)
{
	char *base = pages > 0 ? alloc_pages(pages) : 0;
	int go[2];
	if (!base || pipe(go) < 0) {
		fprintf(2, "cowtest: hold: sbrk of %d pages or pipe failed\n", pages);
		return 1;
	}
	int sharer = fork();
	if (sharer < 0) {
		fprintf(2, "cowtest: hold: fork of %d pages failed\n", pages);
		return 1;
	}
	if (sharer == 0) { /* holds its share until the parent closes the pipe */
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		exit(first_wrong(base, 0, pages, 1, 0) < 0 ? 0 : 1);
	}
	close(go[0]);
	printf("cowtest: hold: %d pages touched, shared with pid %d\n", pages, sharer);
	int shower = fork();
	if (shower == 0) {
		char *argv[] = { "memstat", 0 };
		exec("/memstat", argv);
		fprintf(2, "cowtest: hold: cannot run /memstat\n");
		exit(1);
	}
	int shown = shower > 0 ? status_of(shower) : -1;
	close(go[1]);
	int status = status_of(sharer);
	free_pages(pages);
	return shown == 0 && status == 0 ? 0 : 1;
}

struct cow_test {
	const char *name;
	int (*fn)(void);
};

static const struct cow_test tests[] = {
	{ "simple", test_simple },   { "three", test_three }, { "race", test_race },
	{ "copyout", test_copyout }, { "free", test_free },
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		exit(hold(atoi(argv[2])));
	if (argc != 3) {
		fprintf(2, "usage: cowtest TEST NONCE, or cowtest hold PAGES; the tests:");
		for (int i = 0; i < NTESTS; i++)
			fprintf(2, " %s", tests[i].name);
		fprintf(2, "\n");
		exit(2);
	}
	if (grade_report_start(&report, argc, argv) < 0)
		exit(2);
	for (int i = 0; i < NTESTS; i++)
		if (strcmp(argv[1], tests[i].name) == 0)
			exit(grade_report_end(&report, tests[i].fn() && !failed));
	grade_report_line(&report, "no test named %s", argv[1]);
	exit(grade_report_end(&report, 0));
}
