/*
 * user/usertests_pipe.c - pipes: every byte arrives once and in order,
 * whatever the chunk sizes; end of file once every writer is gone (also
 * writers that exit without closing); a write with no reader fails, also
 * one that sleeps on a full pipe when the reader leaves; many writers;
 * ping-pong wakeups.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "user/usertests.h"

#define DATA_BYTES (256 * 1024)

static const int write_sizes[] = { 1, 7, 100, 511, 512, 513, 4096, 10000, 65536 };
static const int read_sizes[] = { 3, 1000, 4096, 17, 1, 30000 };
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_pipe_data(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		char *buf = malloc(65536);
		CHECK(buf, "malloc failed");
		int sent = 0;
		for (int k = 0; sent < DATA_BYTES; k++) {
			int n = write_sizes[k % NELEM(write_sizes)];
			if (n > DATA_BYTES - sent)
				n = DATA_BYTES - sent;
			for (int i = 0; i < n; i++)
				buf[i] = (char)ut_pattern(3, sent + i);
			int w = write(p[1], buf, n);
			CHECK(w == n, "write of %d bytes returned %d", n, w);
			sent += n;
		}
		exit(0);
	}
	close(p[1]);
	static char buf[30000];
	int got = 0;
	for (int k = 0;; k++) {
		int n = read(p[0], buf, read_sizes[k % NELEM(read_sizes)]);
		CHECK(n >= 0, "read returned %d", n);
		if (n == 0)
			break;
		CHECK(got + n <= DATA_BYTES, "more bytes arrived than were sent");
		for (int i = 0; i < n; i++)
			CHECK(buf[i] == (char)ut_pattern(3, got + i), "byte %d is wrong", got + i);
		got += n;
	}
	CHECK(got == DATA_BYTES, "%d bytes arrived, %d were sent", got, DATA_BYTES);
	CHECK(read(p[0], buf, 10) == 0, "a second read at end of file did not return 0");
	ut_wait_ok(pid, "the writer");
	close(p[0]);
}

/* Writers that exit without closing: exit closes their ends. */
static void test_pipe_eof(void)
{
	enum { WRITERS = 3, EACH = 100 };
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	for (int i = 0; i < WRITERS; i++) {
		int pid = ut_fork();
		if (pid == 0) {
			char buf[EACH];
			memset(buf, 'a' + i, EACH);
			exit(write(p[1], buf, EACH) == EACH ? 0 : 1);
		}
	}
	close(p[1]);
	char buf[64];
	int total = 0, n;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		total += n;
	CHECK(n == 0, "read returned %d, not 0 at end of file", n);
	CHECK(total == WRITERS * EACH, "%d bytes arrived, %d were sent", total, WRITERS * EACH);
	for (int i = 0; i < WRITERS; i++) {
		int status = -5;
		CHECK(wait(&status) > 0 && status == 0, "a writer failed (%d)", status);
	}
	close(p[0]);

	/* the last writer leaves while the reader sleeps in read: it wakes to end of file */
	CHECK(pipe(p) == 0, "pipe failed");
	int reader = getpid();
	int pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		ut_until_sleeping(reader);
		exit(0); /* closes p[1] */
	}
	close(p[1]);
	CHECK(read(p[0], buf, sizeof buf) == 0, "the sleeping reader did not get end of file");
	ut_wait_ok(pid, "the writer that left");
	close(p[0]);
}

static void test_pipe_no_reader(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	close(p[0]);
	CHECK(write(p[1], "x", 1) == -1, "a write with no reader did not return -1");
	close(p[1]);

	/* a writer asleep on a full pipe wakes when the reader leaves */
	enum { BIG = 1024 * 1024 };
	CHECK(pipe(p) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		char *buf = sbrk(BIG);
		CHECK(buf != (char *)-1, "sbrk failed");
		int w = write(p[1], buf, BIG);
		exit(w == BIG ? 1
		     : w <= 0 ? 2
			      : 0); /* short: what it wrote before the reader left */
	}
	close(p[1]);
	char buf[10];
	CHECK(read(p[0], buf, sizeof buf) == sizeof buf, "read failed");
	ut_until_sleeping(pid);
	close(p[0]);
	int status = ut_wait(pid);
	CHECK(status == 0, "the writer's write of 1 MiB %s",
	      status == 1 ? "succeeded" : "returned -1, not the bytes it wrote");
}

static void test_pipe_writers(void)
{
	enum { WRITERS = 8, EACH = 2000, CHUNK = 50 };
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	for (int i = 0; i < WRITERS; i++) {
		int pid = ut_fork();
		if (pid == 0) {
			close(p[0]);
			char buf[CHUNK];
			memset(buf, 'A' + i, CHUNK);
			for (int sent = 0; sent < EACH; sent += CHUNK)
				if (write(p[1], buf, CHUNK) != CHUNK)
					exit(1);
			exit(0);
		}
	}
	close(p[1]);
	int count[WRITERS] = { 0 };
	char buf[333];
	int n;
	while ((n = read(p[0], buf, sizeof buf)) > 0) {
		for (int i = 0; i < n; i++) {
			int w = buf[i] - 'A';
			CHECK(w >= 0 && w < WRITERS, "a byte no writer sent: %d", buf[i]);
			count[w]++;
		}
	}
	for (int i = 0; i < WRITERS; i++)
		CHECK(count[i] == EACH, "writer %d: %d bytes arrived, %d sent", i, count[i], EACH);
	for (int i = 0; i < WRITERS; i++) {
		int status = -5;
		CHECK(wait(&status) > 0 && status == 0, "a writer failed (%d)", status);
	}
	close(p[0]);
}

static void test_pipe_pingpong(void)
{
	enum { ROUNDS = 500 };
	int there[2], back[2];
	CHECK(pipe(there) == 0 && pipe(back) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		uchar c;
		while (read(there[0], &c, 1) == 1) {
			c++;
			if (write(back[1], &c, 1) != 1)
				exit(1);
		}
		exit(0);
	}
	close(there[0]);
	close(back[1]);
	for (int i = 0; i < ROUNDS; i++) {
		uchar c = (uchar)i, r = 0;
		CHECK(write(there[1], &c, 1) == 1, "round %d: write failed", i);
		CHECK(read(back[0], &r, 1) == 1, "round %d: read failed", i);
		CHECK(r == (uchar)(i + 1), "round %d: got %d back", i, r);
	}
	close(there[1]);
	ut_wait_ok(pid, "the echo child");
	close(back[0]);
}

const struct ut_test ut_pipe_tests[] = {
	{ "pipe_data", test_pipe_data, 1, 0 },
	{ "pipe_eof", test_pipe_eof, 1, 0 },
	{ "pipe_no_reader", test_pipe_no_reader, 1, 0 },
	{ "pipe_writers", test_pipe_writers, 1, 0 },
	{ "pipe_pingpong", test_pipe_pingpong, 1, 0 },
	{ 0, 0, 0, 0 },
};
