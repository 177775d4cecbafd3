/*
 * user/usertests_uaccess.c - every system call's arguments: bad pointers
 * (page 0, past the heap, the guard page, the kernel, read-only text and
 * root for calls that write, pointers straddling a mapped and an unmapped
 * page, unterminated strings), bad and closed file descriptors, bad
 * lengths and unknown call numbers. Each returns -1 and the caller goes
 * on; pointers into untouched lazy heap pages work.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/syscall.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

#define DATA_FILE  "ua_data"
#define DATA_BYTES 4096

/* A file of DATA_BYTES pattern bytes, opened with mode. */
static int open_data(int mode)
{
	static char data[DATA_BYTES];
	for (int i = 0; i < DATA_BYTES; i++)
		data[i] = (char)ut_pattern(5, i);
	ut_write_file(DATA_FILE, data, DATA_BYTES);
	int fd = open(DATA_FILE, mode);
	CHECK(fd >= 0, "open %s returned %d", DATA_FILE, fd);
	return fd;
}

/* fds that are not open: negative, too big, and one just closed. */
static int bad_fds(int *out)
{
	int n = 0;
	out[n++] = -1;
	out[n++] = NOFILE;
	out[n++] = 1000000;
	int fd = dup(1);
	CHECK(fd >= 0, "dup failed");
	close(fd);
	out[n++] = fd;
	return n;
}

/* A page sbrk gave and nobody touched yet. */
static char *lazy_page(void)
{
	char *p = (char *)ut_heap_end();
	CHECK(sbrk(PGSIZE) == p, "sbrk failed");
	return p;
}

static void test_read_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	int fd = open_data(O_RDONLY);
	for (int i = 0; i < n; i++) {
		int r = read(fd, (void *)bad[i], 64);
		CHECK(r == -1, "read from a file into %p returned %d", (void *)bad[i], r);
	}
	for (int i = 0; i < n; i++) {
		int p[2];
		CHECK(pipe(p) == 0, "pipe failed");
		CHECK(write(p[1], "0123456789abcdef", 16) == 16, "pipe write failed");
		close(p[1]);
		int r = read(p[0], (void *)bad[i], 16);
		CHECK(r == -1, "read from a pipe into %p returned %d", (void *)bad[i], r);
		close(p[0]);
	}
	char buf[64];
	CHECK(read(fd, buf, -1) == -1, "read of -1 bytes did not return -1");
	CHECK(read(fd, buf, 0) == 0, "read of 0 bytes did not return 0");
	int fds[8];
	int nfds = bad_fds(fds);
	for (int i = 0; i < nfds; i++)
		CHECK(read(fds[i], buf, 1) == -1, "read of fd %d did not return -1", fds[i]);
	int wfd = open(DATA_FILE, O_WRONLY);
	CHECK(wfd >= 0, "open O_WRONLY failed");
	CHECK(read(wfd, buf, 1) == -1, "read of a write-only fd did not return -1");
	close(wfd);
	close(fd);

	/* an untouched lazy page is a fine buffer: the kernel gives it on the spot */
	char *page = lazy_page();
	fd = open(DATA_FILE, O_RDONLY);
	CHECK(read(fd, page, PGSIZE) == PGSIZE, "read into an untouched heap page failed");
	for (int i = 0; i < PGSIZE; i++)
		CHECK(page[i] == (char)ut_pattern(5, i), "read into a lazy page: byte %d wrong", i);
	close(fd);
	unlink(DATA_FILE);
}

static void test_write_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_SOURCE, bad);
	int fd = open("ua_out", O_CREATE | O_TRUNC | O_WRONLY);
	CHECK(fd >= 0, "create ua_out failed");
	for (int i = 0; i < n; i++) {
		int r = write(fd, (void *)bad[i], 64);
		CHECK(r == -1, "write to a file from %p returned %d", (void *)bad[i], r);
	}
	for (int i = 0; i < n; i++) {
		int p[2];
		CHECK(pipe(p) == 0, "pipe failed");
		int r = write(p[1], (void *)bad[i], 16);
		CHECK(r == -1, "write to a pipe from %p returned %d", (void *)bad[i], r);
		close(p[0]);
		close(p[1]);
	}
	/* read-only memory is a fine source */
	// LAB(pgtbl) begin
	CHECK(write(fd, (void *)USER_ROOT_VA, 256) == 256, "write from the root range failed");
	// LAB(pgtbl) end
	CHECK(write(fd, (void *)&test_write_args, 64) == 64, "write from text failed");
	char buf[8] = "abcdefg";
	CHECK(write(fd, buf, -1) == -1, "write of -1 bytes did not return -1");
	CHECK(write(fd, buf, 0) == 0, "write of 0 bytes did not return 0");
	int fds[8];
	int nfds = bad_fds(fds);
	for (int i = 0; i < nfds; i++)
		CHECK(write(fds[i], buf, 1) == -1, "write to fd %d did not return -1", fds[i]);
	int rfd = open("ua_out", O_RDONLY);
	CHECK(write(rfd, buf, 1) == -1, "write to a read-only fd did not return -1");

	// LAB(pgtbl) begin
	/* what came from the root is what the root holds */
	char back[256];
	CHECK(read(rfd, back, 256) == 256, "read back failed");
	CHECK(memcmp(back, (void *)USER_ROOT_VA, 256) == 0, "the root's bytes came back changed");
	// LAB(pgtbl) end
	close(rfd);
	close(fd);

	char *page = lazy_page();
	fd = open("ua_out", O_CREATE | O_TRUNC | O_RDWR);
	CHECK(write(fd, page, PGSIZE) == PGSIZE, "write from an untouched heap page failed");
	close(fd);
	unlink("ua_out");
}

/* Fills the last bytes of the heap with 'a' up to its end: a string with no NUL. */
static char *unterminated(void)
{
	char *end = (char *)ut_heap_end();
	memset(end - 16, 'a', 16);
	return end - 16;
}

/* "./" repeated, then name: a path exactly len bytes long. */
static void long_path(char *out, int len, const char *name)
{
	int n = (int)strlen(name);
	int i = 0;
	while (i + n < len) {
		out[i++] = '.';
		out[i++] = '/';
	}
	CHECK(i + n == len, "cannot build a path of %d bytes ending in %s", len, name);
	strcpy(out + i, name);
}

static void test_open_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_STRING, bad);
	for (int i = 0; i < n; i++) {
		CHECK(open((char *)bad[i], O_RDONLY) == -1, "open of a path at %p did not fail",
		      (void *)bad[i]);
		CHECK(open((char *)bad[i], O_CREATE | O_RDWR) == -1,
		      "open(O_CREATE) of a path at %p did not fail", (void *)bad[i]);
	}
	char *s = unterminated();
	CHECK(open(s, O_CREATE | O_RDWR) == -1, "open of an unterminated path did not fail");
	CHECK(open("aaaaaaaaaaaaaaaa", O_RDONLY) == -1, "the unterminated path made a file");
	CHECK(open("", O_RDONLY) == -1, "open(\"\") did not fail");
	CHECK(open("", O_CREATE | O_RDWR) == -1, "open(\"\", O_CREATE) did not fail");

	/* MAXPATH counts the NUL: MAXPATH-1 bytes work, MAXPATH bytes are refused */
	ut_write_file("ua_p1", "x", 1);
	ut_write_file("ua_p12", "y", 1);
	static char path[MAXPATH + 64];
	long_path(path, MAXPATH - 1, "ua_p1");
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open of a %d-byte path failed", MAXPATH - 1);
	close(fd);
	long_path(path, MAXPATH, "ua_p12");
	CHECK(open(path, O_RDONLY) == -1, "open of a %d-byte path did not fail", MAXPATH);
	long_path(path, MAXPATH + 40, "ua_p12");
	CHECK(open(path, O_RDONLY) == -1, "open of a %d-byte path did not fail", MAXPATH + 40);
	unlink("ua_p1");
	unlink("ua_p12");
}

static void test_close_dup_args(void)
{
	int fds[8];
	int nfds = bad_fds(fds);
	for (int i = 0; i < nfds; i++) {
		CHECK(close(fds[i]) == -1, "close(%d) did not return -1", fds[i]);
		CHECK(dup(fds[i]) == -1, "dup(%d) did not return -1", fds[i]);
	}
	int a = dup(1);
	int b = dup(1);
	CHECK(a >= 0 && b == a + 1, "dup gave %d then %d, not the lowest free fds", a, b);
	CHECK(close(a) == 0, "close failed");
	CHECK(close(a) == -1, "a second close of fd %d did not return -1", a);
	CHECK(dup(1) == a, "dup did not reuse the lowest free fd %d", a);
	close(a);
	close(b);
}

static void test_fstat_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	int fd = open_data(O_RDONLY);
	for (int i = 0; i < n; i++)
		CHECK(fstat(fd, (struct stat *)bad[i]) == -1, "fstat into %p did not return -1",
		      (void *)bad[i]);
	uint64 end = ut_heap_end();
	CHECK(fstat(fd, (struct stat *)(end - sizeof(struct stat) / 2)) == -1,
	      "fstat into a struct straddling the heap's end did not return -1");
	struct stat st;
	int fds[8];
	int nfds = bad_fds(fds);
	for (int i = 0; i < nfds; i++)
		CHECK(fstat(fds[i], &st) == -1, "fstat(%d) did not return -1", fds[i]);
	CHECK(fstat(fd, &st) == 0 && st.type == T_FILE && st.size == DATA_BYTES,
	      "fstat of the data file: type %d size %lu", st.type, st.size);
	close(fd);
	unlink(DATA_FILE);
}

static void test_pipe_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	int lowest = dup(0);
	close(lowest);
	for (int i = 0; i < n; i++)
		CHECK(pipe((int *)bad[i]) == -1, "pipe(%p) did not return -1", (void *)bad[i]);
	uint64 end = ut_heap_end();
	CHECK(pipe((int *)(end - 4)) == -1, "pipe into an array straddling the heap's end");
	int fd = dup(0);
	CHECK(fd == lowest, "failed pipe calls left fds open: dup gave %d, not %d", fd, lowest);
	close(fd);
}

static void test_wait_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	int pid = ut_fork();
	if (pid == 0)
		exit(5);
	for (int i = 0; i < n; i++)
		if (bad[i] != 0) /* wait(0): the caller does not want the status */
			CHECK(wait((int *)bad[i]) == -1, "wait(%p) did not return -1",
			      (void *)bad[i]);
	uint64 end = ut_heap_end();
	CHECK(wait((int *)(end - 2)) == -1, "wait into an int straddling the heap's end");
	int status = 0;
	CHECK(wait(&status) == pid, "the child was lost by the failed waits");
	CHECK(status == 5, "its status is %d, not 5", status);
}

static void test_path_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_STRING, bad);
	ut_write_file("ua_link", "z", 1);
	for (int i = 0; i < n; i++) {
		char *p = (char *)bad[i];
		CHECK(link(p, "ua_link2") == -1, "link from %p did not fail", p);
		CHECK(link("ua_link", p) == -1, "link to %p did not fail", p);
		CHECK(unlink(p) == -1, "unlink(%p) did not fail", p);
		CHECK(mkdir(p) == -1, "mkdir(%p) did not fail", p);
		CHECK(chdir(p) == -1, "chdir(%p) did not fail", p);
		CHECK(mknod(p, CONSOLE, 0) == -1, "mknod(%p) did not fail", p);
		CHECK(exec(p, (char *[]){ p, 0 }) == -1, "exec(%p) did not fail", p);
	}
	CHECK(open("ua_link2", O_RDONLY) == -1, "a failed link made ua_link2");
	struct stat st;
	CHECK(stat("ua_link", &st) == 0 && st.nlink == 1, "ua_link has %d links", st.nlink);
	CHECK(unlink("ua_link") == 0, "unlink ua_link failed");
}

static void test_memstat_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	for (int i = 0; i < n; i++)
		CHECK(memstat((struct memstat *)bad[i]) == -1, "memstat(%p) did not return -1",
		      (void *)bad[i]);
	uint64 end = ut_heap_end();
	CHECK(memstat((struct memstat *)(end - 64)) == -1,
	      "memstat into a struct straddling the heap's end did not return -1");
}

static void test_procinfo_args(void)
{
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_TARGET, bad);
	for (int i = 0; i < n; i++)
		CHECK(procinfo((struct procinfo *)bad[i], 4) == -1,
		      "procinfo(%p) did not return -1", (void *)bad[i]);
	uint64 end = ut_heap_end();
	struct procinfo *straddle = (struct procinfo *)(end - sizeof(struct procinfo) - 8);
	CHECK(procinfo(straddle, 2) == -1, "procinfo into entries straddling the heap's end");
	struct procinfo one;
	int r = procinfo(&one, -1);
	CHECK(r == -1 || r == 0, "procinfo with room for -1 entries returned %d", r);
}

static long raw_syscall(long number, long arg0)
{
	register long a0 asm("a0") = arg0;
	register long a7 asm("a7") = number;
	asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0;
}

static void test_syscall_number(void)
{
	static const long numbers[] = { 0,
					SYS_COUNT,
					SYS_COUNT + 1,
					1000,
					-1,
					0x7fffffff,
					0x100000000l + SYS_getpid,
					(long)0x8000000000000000ul };
	for (unsigned i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		long r = raw_syscall(numbers[i], 0);
		CHECK(r == -1, "system call number 0x%lx returned %ld, not -1", numbers[i], r);
	}
	CHECK(raw_syscall(SYS_getpid, 0) == getpid(), "the raw system call is wrong");
}

/* Every fd a process may hold: open, dup and pipe say -1 at NOFILE, and nothing leaks. */
static void test_fd_limit(void)
{
	int fd = open_data(O_RDONLY);
	close(fd);
	int first = dup(0);
	close(first);
	int opened = 0;
	while ((fd = open(DATA_FILE, O_RDONLY)) >= 0) {
		opened++;
		CHECK(opened <= NOFILE, "open gave more than NOFILE (%d) fds", NOFILE);
	}
	CHECK(first + opened == NOFILE, "fds %d.. gave %d more, NOFILE is %d", first, opened,
	      NOFILE);
	CHECK(dup(0) == -1, "dup with every fd used did not return -1");
	int p[2];
	CHECK(pipe(p) == -1, "pipe with every fd used did not return -1");
	close(first);
	CHECK(pipe(p) == -1, "pipe with one fd free did not return -1");
	CHECK(dup(0) == first, "a failed pipe took the one free fd");
	for (fd = first; fd < NOFILE; fd++)
		CHECK(close(fd) == 0, "close(%d) failed", fd);
	CHECK(pipe(p) == 0 && p[0] == first, "pipe after closing everything failed");
	close(p[0]);
	close(p[1]);
	unlink(DATA_FILE);
}

const struct ut_test ut_uaccess_tests[] = {
	{ "read_args", test_read_args, 1, 0 },
	{ "write_args", test_write_args, 1, 0 },
	{ "open_args", test_open_args, 1, 0 },
	{ "close_dup_args", test_close_dup_args, 1, 0 },
	{ "fstat_args", test_fstat_args, 1, 0 },
	{ "pipe_args", test_pipe_args, 1, 0 },
	{ "wait_args", test_wait_args, 1, 0 },
	{ "path_args", test_path_args, 1, 0 },
	{ "memstat_args", test_memstat_args, 1, 0 },
	{ "procinfo_args", test_procinfo_args, 1, 0 },
	{ "syscall_number", test_syscall_number, 1, 0 },
	{ "fd_limit", test_fd_limit, 1, 0 },
	{ 0, 0, 0, 0 },
};
