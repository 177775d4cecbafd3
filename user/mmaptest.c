/*
 * user/mmaptest.c - the tests of lab lazy: lazy sbrk and file-backed mmap.
 *
 *	mmaptest TEST NONCE          runs one test, with a tagged report (user/grade_report.h)
 *	mmaptest hold sbrk PAGES     memstat; grows the heap by PAGES; memstat; touches them; memstat
 *	mmaptest hold mmap FILE      memstat; maps FILE; memstat; touches every page; memstat
 *	mmaptest upcase FILE         upper-cases FILE's letters ('$' becomes '#') through a
 *	                             MAP_SHARED mapping, unmapped in two parts
 *
 * The tagged tests: sbrk (a big sbrk costs nothing until touched; the
 * kernel's own writes reach untouched pages), read (a private read-only
 * mapping: the file, zeros past its end, gone after munmap), private
 * (stores stay out of the file), refused (what mmap must refuse), shared
 * (stores reach the file at munmap, not past its end), partial (munmap of
 * the front, the back and the middle of a region), fork (the child has the
 * mappings: shared stores reach the parent, private ones do not), exit
 * (exit writes a shared mapping back), syscall (read(), write() and a pipe
 * with a mapped buffer), lazy (only touched pages cost a frame).
 *
 * A child reports a problem on stderr and by its exit status; only the
 * process that started the report adds lines to it.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "include/sysinfo.h"
#include "user/user.h"
#include "user/grade_report.h"

#define PGSIZE     4096
#define MAP_FAILED ((char *)-1)

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

/* Like EXPECT, and the test ends there. */
#define REQUIRE(cond, ...)                 \
	do {                               \
		EXPECT(cond, __VA_ARGS__); \
		if (failed)                \
			return 0;          \
	} while (0)

/* A check of a child: it says what on stderr and exits 1. */
#define CHILD_EXPECT(cond, ...)                          \
	do {                                             \
		if (!(cond)) {                           \
			fprintf(2, "mmaptest: child: "); \
			fprintf(2, __VA_ARGS__);         \
			fprintf(2, "\n");                \
			exit(1);                         \
		}                                        \
	} while (0)

static struct memstat mem(void)
{
	struct memstat m;
	if (memstat(&m) < 0) {
		fprintf(2, "mmaptest: memstat failed\n");
		exit(2);
	}
	return m;
}

static long frames_taken(const struct memstat *before, const struct memstat *after)
{
	return (long)before->frames_spare - (long)after->frames_spare;
}

/* Byte i of the test files. */
static char file_byte(int i)
{
	return (char)('a' + i % 26);
}

/* Creates path with n bytes of file_byte; 0, or -1. */
static int make_file(const char *path, int n)
{
	static char chunk[PGSIZE];
	int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
	if (fd < 0)
		return -1;
	for (int done = 0; done < n;) {
		int m = n - done < PGSIZE ? n - done : PGSIZE;
		for (int i = 0; i < m; i++)
			chunk[i] = file_byte(done + i);
		if (write(fd, chunk, m) != m) {
			close(fd);
			return -1;
		}
		done += m;
	}
	close(fd);
	return 0;
}

/*
 * Where path differs from file_byte with [at, at + k) replaced by c: the
 * first byte that differs, -1 if none, -2 if it cannot be opened, -3 if its
 * size is not n.
 */
static int file_differs(const char *path, int n, int at, int k, char c)
{
	static char buf[PGSIZE];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -2;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.size != (uint64)n) {
		close(fd);
		return -3;
	}
	for (int done = 0; done < n;) {
		int got = read(fd, buf, PGSIZE);
		if (got <= 0) {
			close(fd);
			return done;
		}
		for (int i = 0; i < got; i++) {
			int off = done + i;
			char want = off >= at && off < at + k ? c : file_byte(off);
			if (buf[i] != want) {
				close(fd);
				return off;
			}
		}
		done += got;
	}
	close(fd);
	return -1;
}

/* The first byte of [p, p + n) that is not file_byte from off, or -1. */
static int map_differs(const char *p, int n, int off)
{
	for (int i = 0; i < n; i++)
		if (p[i] != file_byte(off + i))
			return i;
	return -1;
}

static int is_zero(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Runs a load of *p in a child; whether the kernel killed it for that. */
static int load_kills(const char *p)
{
	int pid = fork();
	if (pid == 0) {
		volatile char c = *(volatile const char *)p;
		(void)c;
		exit(0);
	}
	int status = 0;
	wait(&status);
	return pid > 0 && status == -1;
}

/* A mapping of n bytes of path (opened with omode); MAP_FAILED if open or mmap failed. */
static char *map_file(const char *path, int omode, int n, int prot, int flags)
{
	int fd = open(path, omode);
	if (fd < 0)
		return MAP_FAILED;
	char *p = mmap(0, n, prot, flags, fd, 0);
	close(fd); /* the mapping holds the file itself */
	return p;
}

#define F1 "mmaptest.1"
#define F2 "mmaptest.2"

/* A heap of a quarter of free memory costs nothing until touched; the kernel writes into it. */
static int test_sbrk(void)
{
	struct memstat before = mem();
	int pages = (int)(before.frames_free / 4);
	char *heap = sbrk(pages * PGSIZE);
	REQUIRE(heap != (char *)-1, "sbrk of %d pages failed", pages);
	struct memstat grown = mem();
	long taken = frames_taken(&before, &grown);
	EXPECT(taken <= 4, "sbrk of %d pages took %ld frames before any was touched", pages, taken);
	for (int i = 0; i < 16; i++)
		heap[(long)i * (pages / 16) * PGSIZE + 7] = (char)(i + 1);
	struct memstat touched = mem();
	taken = frames_taken(&grown, &touched);
	EXPECT(taken >= 16 && taken <= 40, "touching 16 pages took %ld frames", taken);
	EXPECT(touched.lazy_faults >= grown.lazy_faults + 16, "lazy_faults went from %lu to %lu",
	       grown.lazy_faults, touched.lazy_faults);
	for (int i = 0; i < 16; i++) {
		char *page = heap + (long)i * (pages / 16) * PGSIZE;
		EXPECT(page[7] == (char)(i + 1) && page[6] == 0 && page[8] == 0,
		       "touched page %d does not hold what was written", i);
	}
	/* The kernel's own write into a page never touched: read() from a file. */
	REQUIRE(make_file(F1, 100) == 0, "cannot write %s", F1);
	int fd = open(F1, O_RDONLY);
	char *untouched = heap + (long)(pages - 2) * PGSIZE + 4000; /* across two pages */
	int got = read(fd, untouched, 100);
	close(fd);
	unlink(F1);
	EXPECT(got == 100 && map_differs(untouched, 100, 0) < 0,
	       "read() into untouched heap pages returned %d", got);
	sbrk(-pages * PGSIZE);
	struct memstat shrunk = mem();
	/* The page tables the heap's ends share with the program and the stack may stay. */
	EXPECT(frames_taken(&before, &shrunk) <= 2, "%ld frames not given back by sbrk(-%d)",
	       frames_taken(&before, &shrunk), pages * PGSIZE);
	if (!failed)
		grade_report_line(&report,
				  "sbrk of %d pages: nothing until touched, 16 touched, "
				  "read() into untouched ones",
				  pages);
	return !failed;
}

/* A private read-only mapping of 1.5 pages of file in 2 pages: the file, then zeros. */
static int test_read(void)
{
	const int n = PGSIZE + PGSIZE / 2;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	char *p = map_file(F1, O_RDONLY, 2 * PGSIZE, PROT_READ, MAP_PRIVATE);
	REQUIRE(p != MAP_FAILED, "mmap of %s (PROT_READ, MAP_PRIVATE) failed", F1);
	int bad = map_differs(p, n, 0);
	EXPECT(bad < 0, "byte %d of the mapping is %d, the file has %d", bad, bad < 0 ? 0 : p[bad],
	       file_byte(bad));
	EXPECT(is_zero(p + n, 2 * PGSIZE - n), "the mapping past the file's end is not zero");
	char *q = map_file(F1, O_RDONLY, PGSIZE, PROT_READ, MAP_PRIVATE);
	EXPECT(q != MAP_FAILED && q != p, "a second mapping of the same file failed");
	if (q != MAP_FAILED) {
		EXPECT(map_differs(q, PGSIZE, 0) < 0, "the second mapping differs from the file");
		EXPECT(munmap(q, PGSIZE) == 0, "munmap of the second mapping failed");
	}
	EXPECT(munmap(p, 2 * PGSIZE) == 0, "munmap failed");
	EXPECT(load_kills(p), "a load from the mapping after munmap did not kill the process");
	EXPECT(load_kills(p + PGSIZE), "a load from the mapping's second page after munmap did "
				       "not kill the process");
	unlink(F1);
	if (!failed)
		grade_report_line(&report,
				  "a read-only private mapping showed the file, zeros past "
				  "its end, and nothing after munmap");
	return !failed;
}

/* Stores into a private mapping stay in the process: the file is unchanged. */
static int test_private(void)
{
	const int n = 2 * PGSIZE;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	char *p = map_file(F1, O_RDONLY, n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	REQUIRE(p != MAP_FAILED, "mmap of %s (read-only file, PROT_WRITE, MAP_PRIVATE) failed", F1);
	for (int i = 0; i < n; i++)
		p[i] = 'Z';
	EXPECT(p[0] == 'Z' && p[n - 1] == 'Z', "stores into the private mapping did not stay");
	EXPECT(munmap(p, n) == 0, "munmap failed");
	int bad = file_differs(F1, n, 0, 0, 0);
	EXPECT(bad == -1, "a private mapping's store reached the file (byte %d)", bad);
	unlink(F1);
	if (!failed)
		grade_report_line(&report, "stores into a private mapping stayed out of the file");
	return !failed;
}

/* What mmap must refuse: shared writes to a read-only file, a pipe, bad arguments. */
static int test_refused(void)
{
	REQUIRE(make_file(F1, PGSIZE) == 0, "cannot write %s", F1);
	EXPECT(map_file(F1, O_RDONLY, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED) == MAP_FAILED,
	       "a shared writable mapping of a file opened read-only was allowed");
	EXPECT(map_file(F1, O_WRONLY, PGSIZE, PROT_READ, MAP_PRIVATE) == MAP_FAILED,
	       "a mapping of a file opened write-only was allowed");
	EXPECT(map_file(F1, O_RDONLY, 0, PROT_READ, MAP_PRIVATE) == MAP_FAILED,
	       "a mapping of length 0 was allowed");
	EXPECT(map_file(F1, O_RDONLY, PGSIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE) == MAP_FAILED,
	       "MAP_SHARED | MAP_PRIVATE was allowed");
	int fds[2];
	REQUIRE(pipe(fds) == 0, "pipe failed");
	EXPECT(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fds[0], 0) == MAP_FAILED,
	       "a mapping of a pipe was allowed");
	close(fds[0]);
	close(fds[1]);
	EXPECT(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED,
	       "a mapping of fd 99 was allowed");
	char *p = map_file(F1, O_RDONLY, PGSIZE, PROT_READ, MAP_PRIVATE);
	REQUIRE(p != MAP_FAILED, "a plain read-only mapping failed");
	int pid = fork();
	if (pid == 0) {
		p[0] = 'x'; /* must kill: the mapping is read-only */
		exit(0);
	}
	int status = 0;
	wait(&status);
	EXPECT(status == -1, "a store into a PROT_READ mapping did not kill the process");
	EXPECT(munmap(p + 1, PGSIZE) == -1, "munmap of an unaligned address was allowed");
	EXPECT(munmap(p, PGSIZE) == 0, "munmap failed");
	unlink(F1);
	if (!failed)
		grade_report_line(&report, "mmap refused 6 bad mappings; a store into a read-only "
					   "one killed");
	return !failed;
}

/* Stores into a shared mapping reach the file at munmap, within its size. */
static int test_shared(void)
{
	const int n = PGSIZE + 1000;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	char *p = map_file(F1, O_RDWR, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	REQUIRE(p != MAP_FAILED, "mmap of %s (PROT_READ | PROT_WRITE, MAP_SHARED) failed", F1);
	EXPECT(map_differs(p, n, 0) < 0, "the mapping does not show the file");
	for (int i = 100; i < PGSIZE + 200; i++)
		p[i] = 'Z';
	for (int i = n; i < 2 * PGSIZE; i++)
		p[i] = 'Q'; /* past the file's end: must not reach it */
	EXPECT(munmap(p, 2 * PGSIZE) == 0, "munmap failed");
	int bad = file_differs(F1, n, 100, PGSIZE + 100, 'Z');
	EXPECT(bad != -3, "the file's size changed (a mapping must not grow its file)");
	EXPECT(bad == -1, "after munmap the file differs at byte %d", bad);
	unlink(F1);
	if (!failed)
		grade_report_line(&report,
				  "stores into a shared mapping reached the file at munmap, "
				  "none past its end");
	return !failed;
}

/* munmap of a region's front, back and middle: the rest stays, the parts unmapped are written. */
static int test_partial(void)
{
	const int n = 6 * PGSIZE;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	char *p = map_file(F1, O_RDWR, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	REQUIRE(p != MAP_FAILED, "mmap of 6 pages failed");
	for (int page = 0; page < 6; page++)
		p[page * PGSIZE] = (char)('0' + page);
	REQUIRE(munmap(p, PGSIZE) == 0, "munmap of the first page failed");
	EXPECT(load_kills(p), "the first page is still mapped after its munmap");
	EXPECT(p[PGSIZE] == '1', "page 1 lost its store when page 0 was unmapped");
	REQUIRE(munmap(p + 5 * PGSIZE, PGSIZE) == 0, "munmap of the last page failed");
	EXPECT(load_kills(p + 5 * PGSIZE), "the last page is still mapped after its munmap");
	REQUIRE(munmap(p + 2 * PGSIZE, 2 * PGSIZE) == 0, "munmap of pages 2 and 3 failed");
	EXPECT(load_kills(p + 3 * PGSIZE), "page 3 is still mapped after its munmap");
	EXPECT(p[PGSIZE] == '1' && p[4 * PGSIZE] == '4',
	       "pages 1 and 4 (left after the middle was unmapped) lost their stores");
	p[4 * PGSIZE + 1] = '!';
	/* The file now has pages 0, 2, 3, 5 written; 1 and 4 still mapped, not yet. */
	int fd = open(F1, O_RDONLY);
	static char buf[6 * PGSIZE];
	int got = fd >= 0 ? read(fd, buf, n) : -1;
	close(fd);
	REQUIRE(got == n, "reading the file back returned %d", got);
	const int written[] = { 0, 2, 3, 5 };
	for (int i = 0; i < 4; i++)
		EXPECT(buf[written[i] * PGSIZE] == (char)('0' + written[i]),
		       "page %d's store did not reach the file at its munmap", written[i]);
	EXPECT(munmap(p + PGSIZE, PGSIZE) == 0 && munmap(p + 4 * PGSIZE, PGSIZE) == 0,
	       "munmap of the two pages left failed");
	int bad = 0;
	fd = open(F1, O_RDONLY);
	got = fd >= 0 ? read(fd, buf, n) : -1;
	close(fd);
	for (int page = 0; page < 6; page++)
		bad |= buf[page * PGSIZE] != (char)('0' + page);
	EXPECT(got == n && !bad && buf[4 * PGSIZE + 1] == '!',
	       "after every page was unmapped the file does not hold every store");
	EXPECT(map_differs(buf + 1, PGSIZE - 1, 1) < 0, "bytes nobody stored to changed");
	unlink(F1);
	if (!failed)
		grade_report_line(&report, "munmap of a region's front, back and middle: each part "
					   "written back when unmapped, the rest kept");
	return !failed;
}

/* fork: the child has the mappings; its shared stores reach the parent, private ones do not. */
static int test_fork(void)
{
	const int n = 2 * PGSIZE;
	REQUIRE(make_file(F1, n) == 0 && make_file(F2, n) == 0, "cannot write the files");
	char *shared = map_file(F1, O_RDWR, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *private = map_file(F2, O_RDONLY, n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	REQUIRE(shared != MAP_FAILED && private != MAP_FAILED, "mmap failed");
	EXPECT(shared[0] == 'a' && private[0] == 'a', "the mappings do not show the files");
	/* Page 0 of each is touched before the fork, page 1 only in the child. */
	int pid = fork();
	REQUIRE(pid >= 0, "fork failed");
	if (pid == 0) {
		CHILD_EXPECT(map_differs(shared, n, 0) < 0 && map_differs(private, n, 0) < 0,
			     "the child's mappings do not show the files");
		shared[1] = 'S';
		shared[PGSIZE + 1] = 'T';
		private[1] = 'P';
		private[PGSIZE + 1] = 'R';
		exit(0);
	}
	int status = -1;
	wait(&status);
	EXPECT(status == 0, "the child exited with status %d", status);
	EXPECT(shared[1] == 'S', "the child's store into a shared page the parent had touched "
				 "did not reach the parent");
	EXPECT(shared[PGSIZE + 1] == 'T', "the child's store into a shared page the parent had "
					  "not touched did not reach the parent");
	EXPECT(private[1] == 'b' && private[PGSIZE + 1] == file_byte(PGSIZE + 1),
	       "the child's store into a private mapping reached the parent");
	EXPECT(munmap(shared, n) == 0 && munmap(private, n) == 0, "munmap failed");
	EXPECT(file_differs(F2, n, 0, 0, 0) == -1, "a private store reached the file");
	unlink(F1);
	unlink(F2);
	if (!failed)
		grade_report_line(&report,
				  "fork's child had both mappings; its shared stores reached "
				  "the parent, its private ones did not");
	return !failed;
}

/* A process that exits with a shared mapping writes it back. */
static int test_exit(void)
{
	const int n = 3 * PGSIZE;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	int pid = fork();
	REQUIRE(pid >= 0, "fork failed");
	if (pid == 0) {
		char *p = map_file(F1, O_RDWR, n, PROT_READ | PROT_WRITE, MAP_SHARED);
		CHILD_EXPECT(p != MAP_FAILED, "mmap failed");
		for (int i = PGSIZE; i < 2 * PGSIZE; i++)
			p[i] = 'E';
		exit(0); /* no munmap */
	}
	int status = -1;
	wait(&status);
	EXPECT(status == 0, "the child exited with status %d", status);
	int bad = file_differs(F1, n, PGSIZE, PGSIZE, 'E');
	EXPECT(bad == -1, "after the child exited the file differs at byte %d", bad);
	unlink(F1);
	if (!failed)
		grade_report_line(&report, "exit wrote a shared mapping back");
	return !failed;
}

/* System calls with a mapped buffer: read() into one, write() and a pipe from and into one. */
static int test_syscall(void)
{
	const int n = 3 * PGSIZE;
	REQUIRE(make_file(F1, n) == 0 && make_file(F2, n) == 0, "cannot write the files");
	char *p = map_file(F1, O_RDWR, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	REQUIRE(p != MAP_FAILED, "mmap failed");
	/* write() from untouched mapped pages into another file */
	int fd = open("mmaptest.3", O_CREATE | O_TRUNC | O_WRONLY);
	int wrote = fd >= 0 ? write(fd, p, n) : -1;
	close(fd);
	EXPECT(wrote == n, "write() from a mapping returned %d", wrote);
	EXPECT(file_differs("mmaptest.3", n, 0, 0, 0) == -1, "write() from a mapping wrote wrong "
							     "bytes");
	/* read() of the mapped file itself into the (already faulted) mapping, shifted */
	fd = open(F1, O_RDONLY);
	int got = fd >= 0 ? read(fd, p + 10, 100) : -1;
	close(fd);
	EXPECT(got == 100 && map_differs(p + 10, 100, 0) < 0,
	       "read() of a file into its own mapping returned %d", got);
	/* read() of a file into untouched pages of a fresh mapping of that same file */
	char *q = map_file(F2, O_RDONLY, n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	REQUIRE(q != MAP_FAILED, "the second mmap failed");
	fd = open(F2, O_RDONLY);
	got = fd >= 0 ? read(fd, q + PGSIZE - 50, PGSIZE) : -1;
	close(fd);
	EXPECT(got == PGSIZE && q[PGSIZE - 50] == 'a' && q[PGSIZE - 51] == file_byte(PGSIZE - 51),
	       "read() into untouched pages of a mapping returned %d", got);
	/* a pipe into untouched pages of a third mapping */
	char *r = map_file("mmaptest.3", O_RDONLY, n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int fds[2];
	REQUIRE(r != MAP_FAILED && pipe(fds) == 0, "the third mmap or pipe failed");
	write(fds[1], "piped", 5);
	got = read(fds[0], r + 2 * PGSIZE - 2, 5);
	EXPECT(got == 5 && memcmp(r + 2 * PGSIZE - 2, "piped", 5) == 0,
	       "read() from a pipe into untouched mapped pages returned %d", got);
	close(fds[0]);
	close(fds[1]);
	EXPECT(munmap(p, n) == 0 && munmap(q, n) == 0 && munmap(r, n) == 0, "munmap failed");
	unlink(F1);
	unlink(F2);
	unlink("mmaptest.3");
	if (!failed)
		grade_report_line(&report, "read(), write() and a pipe worked with mapped buffers, "
					   "touched or not");
	return !failed;
}

/* Mapping 64 pages costs nothing; touching 3 of them costs about 3 frames. */
static int test_lazy(void)
{
	const int pages = 64, n = pages * PGSIZE;
	REQUIRE(make_file(F1, n) == 0, "cannot write %s", F1);
	struct memstat before = mem();
	char *p = map_file(F1, O_RDONLY, n, PROT_READ, MAP_PRIVATE);
	REQUIRE(p != MAP_FAILED, "mmap of %d pages failed", pages);
	struct memstat mapped = mem();
	EXPECT(frames_taken(&before, &mapped) <= 2, "mmap of %d pages took %ld frames at once",
	       pages, frames_taken(&before, &mapped));
	EXPECT(p[0] == 'a' && p[30 * PGSIZE] == file_byte(30 * PGSIZE) &&
		       p[n - 1] == file_byte(n - 1),
	       "the touched pages do not show the file");
	struct memstat touched = mem();
	long taken = frames_taken(&mapped, &touched);
	EXPECT(taken >= 3 && taken <= 6, "touching 3 mapped pages took %ld frames", taken);
	EXPECT(munmap(p, n) == 0, "munmap failed");
	struct memstat after = mem();
	EXPECT(frames_taken(&before, &after) <= 0, "%ld frames not given back at munmap",
	       frames_taken(&before, &after));
	unlink(F1);
	if (!failed)
		grade_report_line(&report,
				  "%d mapped pages cost nothing until touched; 3 touched "
				  "cost %ld frames",
				  pages, taken);
	return !failed;
}

/* Runs /memstat in a child, under a heading line. */
static void show_memstat(const char *heading)
{
	printf("mmaptest: hold: %s\n", heading);
	int pid = fork();
	if (pid == 0) {
		char *argv[] = { "memstat", 0 };
		exec("/memstat", argv);
		fprintf(2, "mmaptest: cannot run /memstat\n");
		exit(1);
	}
	wait(0);
}

/* `mmaptest hold sbrk PAGES` / `mmaptest hold mmap FILE`: memstat before, untouched, touched. */
static int hold(const char *what, const char *arg)
{
	char *p;
	int n;
	show_memstat("before");
	if (strcmp(what, "sbrk") == 0) {
		n = atoi(arg) * PGSIZE;
		p = sbrk(n);
		if (p == (char *)-1) {
			fprintf(2, "mmaptest: hold: sbrk(%d) failed\n", n);
			return 1;
		}
	} else {
		struct stat st;
		if (stat(arg, &st) < 0) {
			fprintf(2, "mmaptest: hold: no file %s\n", arg);
			return 1;
		}
		n = (int)st.size;
		p = map_file(arg, O_RDONLY, n, PROT_READ, MAP_PRIVATE);
		if (p == MAP_FAILED) {
			fprintf(2, "mmaptest: hold: mmap of %s failed\n", arg);
			return 1;
		}
	}
	printf("mmaptest: hold: %d pages\n", (n + PGSIZE - 1) / PGSIZE);
	show_memstat("untouched");
	unsigned sum = 0;
	for (int off = 0; off < n; off += PGSIZE)
		sum += (uchar)p[off];
	show_memstat("touched");
	printf("mmaptest: hold: sum %u\n", sum);
	return 0;
}

/* `mmaptest upcase FILE`: a MAP_SHARED mapping, unmapped in two parts (the first page alone). */
static int upcase(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || st.size == 0) {
		fprintf(2, "mmaptest: upcase: no file %s, or an empty one\n", path);
		return 1;
	}
	int n = (int)st.size;
	char *p = map_file(path, O_RDWR, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED) {
		fprintf(2, "mmaptest: upcase: mmap of %s failed\n", path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (p[i] >= 'a' && p[i] <= 'z')
			p[i] = (char)(p[i] - 'a' + 'A');
		else if (p[i] == '$')
			p[i] = '#'; /* so that what cat prints holds no shell prompt */
	}
	int pages = (n + PGSIZE - 1) / PGSIZE;
	if (munmap(p, PGSIZE) < 0 || (pages > 1 && munmap(p + PGSIZE, n - PGSIZE) < 0)) {
		fprintf(2, "mmaptest: upcase: munmap failed\n");
		return 1;
	}
	return 0;
}

struct mmap_test {
	const char *name;
	int (*fn)(void);
};

static const struct mmap_test tests[] = {
	{ "sbrk", test_sbrk },       { "read", test_read },     { "private", test_private },
	{ "refused", test_refused }, { "shared", test_shared }, { "partial", test_partial },
	{ "fork", test_fork },       { "exit", test_exit },     { "syscall", test_syscall },
	{ "lazy", test_lazy },
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "hold") == 0 &&
	    (strcmp(argv[2], "sbrk") == 0 || strcmp(argv[2], "mmap") == 0))
		exit(hold(argv[2], argv[3]));
	if (argc == 3 && strcmp(argv[1], "upcase") == 0)
		exit(upcase(argv[2]));
	if (argc != 3) {
		fprintf(2, "usage: mmaptest TEST NONCE, mmaptest hold sbrk PAGES, mmaptest hold "
			   "mmap FILE, or mmaptest upcase FILE; the tests:");
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
