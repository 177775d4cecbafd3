/*
 * user/usertests.c - runs magma's user-space tests and says which pass.
 *
 *   usertests            every test
 *   usertests -q         the quick subset
 *   usertests NAME...    the named tests
 *   usertests -l         list the tests (a q marks the quick ones)
 *   usertests -s N       multiply every test's time limit by N (slow hosts)
 *
 * Each test runs in its own child, next to a watchdog child that kills it
 * when it overruns its limit. After a test the runner waits until every
 * process it started is gone (orphans are reaped by init) and compares
 * memstat's figures with the ones before: any difference in spare frames
 * (free, or kept by the kernel heap: ut_spare) or in the kernel heap's bytes
 * in use fails the test as a leak. The last lines are the verdict, which
 * only the runner prints, from the exit statuses and figures it saw itself:
 *
 *   usertests: 60 of 60 tests passed; 31230 spare frames at start, 31230 at end
 *   ALL TESTS PASSED                (or SOME TESTS FAILED)
 *
 * The tests live in usertests_*.c, one file per area, each with a table.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

#define DEFAULT_LIMIT_SECONDS 120
#define SETTLE_LIMIT_SECONDS  60 /* for the processes a test leaves to exit */
#define SETTLE_FRAME_TRIES    20 /* ticks to wait for frames freed after the last exit */
#define STACK_WARM_BYTES      (32 * 1024)
#define SLEEP_WAIT_TICKS      2000
#define STABLE_READ_TRIES     100 /* memstat reads until two agree */
#define PROCINFO_ROOM         512

const char *ut_current;

static const struct ut_test *const groups[] = {
	ut_proc_tests, ut_mem_tests, ut_uaccess_tests, ut_exec_tests,
	ut_pipe_tests, ut_fs_tests,  ut_shm_tests,
};
#define NGROUPS ((int)(sizeof groups / sizeof groups[0]))

/* ------------------------------------------------------------ helpers */

void ut_fail(const char *msg)
{
	if (ut_current)
		printf("test %s: FAILED (%s)\n", ut_current, msg);
	else
		printf("usertests: %s\n", msg);
	exit(UT_REPORTED);
}

int ut_fork(void)
{
	int pid = fork();
	CHECK(pid >= 0, "fork returned %d", pid);
	return pid;
}

int ut_wait(int pid)
{
	int status = 0;
	int got = wait(&status);
	CHECK(got == pid, "wait returned %d, expected child %d", got, pid);
	return status;
}

void ut_wait_ok(int pid, const char *what)
{
	int status = ut_wait(pid);
	if (status == UT_REPORTED)
		exit(UT_REPORTED); /* the child said why */
	CHECK(status == 0, "%s: the child's exit status is %d", what, status);
}

int ut_in_child(void (*fn)(void *), void *arg)
{
	int pid = ut_fork();
	if (pid == 0) {
		fn(arg);
		exit(0);
	}
	int status = ut_wait(pid);
	if (status == UT_REPORTED)
		exit(UT_REPORTED); /* the child said why */
	return status;
}

void ut_expect_killed(void (*fn)(void *), void *arg, const char *what)
{
	int status = ut_in_child(fn, arg);
	CHECK(status == UT_KILLED, "%s: the child's exit status is %d, not %d (killed)", what,
	      status, UT_KILLED);
}

int ut_reap_all(void)
{
	int n = 0;
	while (wait(0) >= 0)
		n++;
	return n;
}

static struct procinfo all_procs[PROCINFO_ROOM]; /* procinfo's answers, one at a time */

int ut_procinfo_of(int pid, struct procinfo *out)
{
	struct procinfo *all = all_procs;
	int n = procinfo(all, PROCINFO_ROOM);
	CHECK(n >= 0 && n <= PROCINFO_ROOM, "procinfo returned %d", n);
	for (int i = 0; i < n; i++) {
		if (all[i].pid == pid) {
			*out = all[i];
			return 1;
		}
	}
	return 0;
}

void ut_until_sleeping(int pid)
{
	struct procinfo p;
	for (int tick = 0; tick < SLEEP_WAIT_TICKS; tick++) {
		CHECK(ut_procinfo_of(pid, &p), "process %d is gone, it should sleep", pid);
		if (p.state == PROCINFO_SLEEPING)
			return;
		sleep(1);
	}
	FAIL("process %d never went to sleep (state %d after %d ticks)", pid, p.state,
	     SLEEP_WAIT_TICKS);
}

/*
 * The frame counts are not one snapshot: a batch moving between a hart's
 * cache and the shared pool is counted in both, or in neither, for a
 * moment (mm/frame's refill and drain). Two reads in a row that agree are
 * taken as the figure.
 */
void ut_memstat(struct memstat *ms)
{
	struct memstat again;
	memset(ms, 0, sizeof *ms);
	CHECK(memstat(ms) == 0, "memstat failed");
	for (int i = 0; i < STABLE_READ_TRIES; i++) {
		CHECK(memstat(&again) == 0, "memstat failed");
		if (again.frames_spare == ms->frames_spare && again.frames_free == ms->frames_free)
			return;
		*ms = again;
	}
}

uint64 ut_spare_frames(void)
{
	struct memstat ms;
	ut_memstat(&ms);
	return ut_spare(&ms);
}

uint64 ut_heap_end(void)
{
	uint64 end = (uint64)sbrk(0);
	uint64 want = PGROUNDUP(end) + PGSIZE;
	CHECK(sbrk((int)(want - end)) != (char *)-1, "sbrk(%d) failed", (int)(want - end));
	return want;
}

int ut_bad_addrs(int kind, uint64 *out)
{
	uint64 heap_end = ut_heap_end();
	*(char *)(heap_end - 1) = 'x'; /* the heap's last byte: no NUL before its end */
	int n = 0;
	out[n++] = 0;
	out[n++] = 0x800;                         /* inside page 0 */
	out[n++] = heap_end;                      /* the first byte past the heap */
	out[n++] = heap_end + 16 * PGSIZE;        /* the gap between the heap and the stack */
	out[n++] = heap_end - 1;                  /* straddles the end of the heap */
	out[n++] = USER_STACK_GUARD;              /* the stack's guard page */
	out[n++] = USER_STACK_GUARD + PGSIZE - 1; /* straddles the guard and the stack */
	out[n++] = USER_STACK_TOP;                /* the gap page above the stack */
	out[n++] = USER_TOP;                      /* the kernel's first address */
	out[n++] = 0x80200000;                    /* kernel text */
	out[n++] = 0x100000000ul;
	out[n++] = 0x3ffffff000ul;       /* the top of the Sv39 lower half */
	out[n++] = 0x4000000000ul;       /* not canonical in Sv39 */
	out[n++] = 0xffffffc000000000ul; /* the upper half: device windows */
	out[n++] = 0x8000000000000000ul;
	out[n++] = 0xfffffffffffff000ul;
	out[n++] = 0xfffffffffffffffful;
	if (kind != UT_BAD_STRING)
		out[n++] = USER_TOP - 1; /* straddles the root and the kernel (may hold a NUL) */
	if (kind == UT_BAD_TARGET) {
		out[n++] = (uint64)&ut_fail; /* text is read-only */
		out[n++] = USER_INFO_VA;     /* so is the info page */
		out[n++] = USER_ROOT_VA;     /* and the root range */
		out[n++] = USER_ROOT_VA + 0x1000;
	}
	return n;
}

void ut_write_file(const char *path, const void *data, int n)
{
	int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
	CHECK(fd >= 0, "create %s: open returned %d", path, fd);
	int w = write(fd, data, n);
	CHECK(w == n, "write of %d bytes to %s returned %d", n, path, w);
	CHECK(close(fd) == 0, "close of %s failed", path);
}

/* ------------------------------------------------------------- runner */

/* Sleeps (in slices, so a kill ends it) until limit_seconds pass, then kills pid; exits 1. */
static void watchdog(int pid, int limit_seconds)
{
	uint64 start = time_us();
	while (time_us() - start < (uint64)limit_seconds * 1000000)
		sleep(10);
	kill(pid);
	exit(1);
}

/* Waits (a while at most: it only makes figures quieter) until process pid sleeps. */
static void until_asleep(int pid)
{
	for (int tick = 0; tick < SLEEP_WAIT_TICKS; tick++) {
		int n = procinfo(all_procs, PROCINFO_ROOM);
		for (int i = 0; i < n; i++)
			if (all_procs[i].pid == pid && all_procs[i].state == PROCINFO_SLEEPING)
				return;
		sleep(1);
	}
}

/*
 * Waits until as many processes exist as before the test (the orphans its
 * children left have exited and init has reaped them); 0, or how many are
 * still there after SETTLE_LIMIT_SECONDS * scale.
 */
static int settle_processes(uint64 processes_before, int scale)
{
	uint64 start = time_us();
	uint64 next_note = 5;
	for (;;) {
		struct memstat ms;
		ut_memstat(&ms);
		if (ms.processes <= processes_before)
			return 0;
		uint64 waited = (time_us() - start) / 1000000;
		if (waited >= (uint64)SETTLE_LIMIT_SECONDS * scale)
			return (int)(ms.processes - processes_before);
		if (waited >= next_note) {
			printf("usertests: still waiting for %d processes to exit (%d s)\n",
			       (int)(ms.processes - processes_before), (int)waited);
			next_note += 5;
		}
		sleep(1);
	}
}

/*
 * Frames and kernel objects may come back a moment after the last exit: a
 * few ticks until the spare frames and the kernel heap's bytes in use are
 * what they were in *before; what they are then.
 */
static void settle_memory(const struct memstat *before, struct memstat *after)
{
	ut_memstat(after);
	for (int i = 0; i < SETTLE_FRAME_TRIES; i++) {
		if (ut_spare(after) == ut_spare(before) &&
		    after->kheap_bytes_used == before->kheap_bytes_used)
			return;
		sleep(1);
		ut_memstat(after);
	}
}

/* Runs t in a child under a watchdog, then checks for leaks; 1 if it passed. */
static int run_one(const struct ut_test *t, int scale)
{
	struct memstat before;
	ut_memstat(&before);
	int go[2];
	if (pipe(go) < 0) {
		printf("test %s: FAILED (the runner's pipe returned -1)\n", t->name);
		return 0;
	}
	int pid = fork();
	if (pid < 0) {
		printf("test %s: FAILED (the runner's fork returned %d)\n", t->name, pid);
		close(go[0]);
		close(go[1]);
		return 0;
	}
	if (pid == 0) {
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		close(go[0]);
		ut_current = t->name;
		t->fn();
		exit(0);
	}
	close(go[0]);
	int limit = (t->limit_seconds ? t->limit_seconds : DEFAULT_LIMIT_SECONDS) * scale;
	int dog = fork();
	if (dog == 0) {
		close(go[1]);
		watchdog(pid, limit);
	}
	/*
	 * The test starts only once the watchdog sleeps: each fork made the
	 * runner's pages copy-on-write, and the copies the runner and the dog
	 * make on their first writes are done by then, not counted in the
	 * test's own figures.
	 */
	if (dog > 0)
		until_asleep(dog);
	write(go[1], "g", 1);
	close(go[1]);

	int status = 0, dog_status = 0;
	int test_left = 1, dog_left = dog > 0;
	while (test_left || dog_left) {
		int st = 0;
		int got = wait(&st);
		if (got < 0) {
			printf("test %s: FAILED (wait returned -1 before the test process exited)\n",
			       t->name);
			return 0;
		}
		if (got == pid) {
			status = st;
			test_left = 0;
			if (dog_left)
				kill(dog);
		} else if (got == dog) {
			dog_status = st;
			dog_left = 0;
		}
	}

	if (status == UT_KILLED && dog_status == 1) {
		printf("test %s: FAILED (timed out after %d s)\n", t->name, limit);
		settle_processes(before.processes, scale);
		return 0;
	}
	if (status == UT_REPORTED) {
		settle_processes(before.processes, scale);
		return 0;
	}
	if (status != 0) {
		printf("test %s: FAILED (the test process's exit status is %d%s)\n", t->name,
		       status, status == UT_KILLED ? ": killed" : "");
		settle_processes(before.processes, scale);
		return 0;
	}
	int left = settle_processes(before.processes, scale);
	if (left) {
		printf("test %s: FAILED (%d processes it started are still there after %d s)\n",
		       t->name, left, SETTLE_LIMIT_SECONDS * scale);
		return 0;
	}
	struct memstat after;
	settle_memory(&before, &after);
	if (ut_spare(&after) != ut_spare(&before)) {
		long diff = (long)ut_spare(&before) - (long)ut_spare(&after);
		printf("test %s: FAILED (leak: %lu spare frames before, %lu after: %ld %s)\n",
		       t->name, ut_spare(&before), ut_spare(&after), diff < 0 ? -diff : diff,
		       diff > 0 ? "lost" : "gained");
		return 0;
	}
	if (after.kheap_bytes_used != before.kheap_bytes_used) {
		printf("test %s: FAILED (leak: the kernel heap had %lu bytes in use before, %lu "
		       "after)\n",
		       t->name, before.kheap_bytes_used, after.kheap_bytes_used);
		return 0;
	}
	printf("test %s: OK\n", t->name);
	return 1;
}

/*
 * The kernel structures that grow once, at the first process exit after
 * boot (the kernel stacks' free-slot list), grow here, before the first
 * test's figures are taken.
 */
static void warm_kernel(void)
{
	for (int i = 0; i < 4; i++) {
		int pid = fork();
		if (pid == 0)
			exit(0);
		if (pid > 0)
			wait(0);
	}
}

/* Touches the runner's stack once, so no test's leak check sees it grow. */
static void __attribute__((noinline)) warm_stack(void)
{
	volatile char area[STACK_WARM_BYTES];
	for (int i = 0; i < STACK_WARM_BYTES; i += 512)
		area[i] = (char)i;
	(void)area[0];
}

static int selected(const struct ut_test *t, int quick, int argc, char **names)
{
	if (argc == 0)
		return !quick || t->quick;
	for (int i = 0; i < argc; i++)
		if (strcmp(names[i], t->name) == 0)
			return 1;
	return 0;
}

static int known(const char *name)
{
	for (int g = 0; g < NGROUPS; g++)
		for (const struct ut_test *t = groups[g]; t->name; t++)
			if (strcmp(t->name, name) == 0)
				return 1;
	return 0;
}

static void usage(void)
{
	fprintf(2, "usage: usertests [-q] [-l] [-s scale] [NAME...]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], UT_EXEC_HELPER) == 0)
		exit(ut_exec_helper(argc, argv));

	int quick = 0, list = 0, scale = 1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-q") == 0)
			quick = 1;
		else if (strcmp(argv[i], "-l") == 0)
			list = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
			scale = atoi(argv[++i]);
		else
			usage();
	}
	int nnames = argc - i;
	char **names = argv + i;
	for (int n = 0; n < nnames; n++) {
		if (!known(names[n])) {
			fprintf(2, "usertests: no test is called %s (usertests -l lists them)\n",
				names[n]);
			exit(1);
		}
	}
	if (list) {
		for (int g = 0; g < NGROUPS; g++)
			for (const struct ut_test *t = groups[g]; t->name; t++)
				printf("%s%s\n", t->name, t->quick ? " q" : "");
		exit(0);
	}

	warm_stack();
	warm_kernel();
	int total = 0;
	for (int g = 0; g < NGROUPS; g++)
		for (const struct ut_test *t = groups[g]; t->name; t++)
			total += selected(t, quick, nnames, names);
	uint64 frames_start = ut_spare_frames();
	printf("usertests: %d tests, %lu spare frames\n", total, frames_start);

	int passed = 0;
	for (int g = 0; g < NGROUPS; g++)
		for (const struct ut_test *t = groups[g]; t->name; t++)
			if (selected(t, quick, nnames, names))
				passed += run_one(t, scale);

	uint64 frames_end = ut_spare_frames();
	printf("usertests: %d of %d tests passed; %lu spare frames at start, %lu at end\n", passed,
	       total, frames_start, frames_end);
	int ok = passed == total && frames_start == frames_end;
	printf(ok ? "ALL TESTS PASSED\n" : "SOME TESTS FAILED\n");
	exit(ok ? 0 : 1);
}
