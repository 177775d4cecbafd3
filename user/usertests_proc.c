/*
 * user/usertests_proc.c - processes: fork, exit, wait, kill, getpid and
 * getppid, process groups, sleep and uptime, procinfo and memstat, the
 * scheduler under load, and fork until memory runs out.
 */
#include "kernel/types.h"
#include "include/root.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

#define INIT_PID     1
#define NSPINNERS    6       /* more than the kernel harts: only preemption lets all run */
#define SPIN_REPORT  2000000 /* iterations before a spinner says it has run */
#define FORKBOMB_MAX 100000  /* fork must fail long before this: memory is the limit */
#define POLL_TICKS   2000

static void test_getpid(void)
{
	int me = getpid();
	CHECK(me > 0, "getpid returned %d", me);
	CHECK(getpid() == me, "getpid changed from %d to %d", me, getpid());
	int a = ut_fork();
	if (a == 0) {
		CHECK(getpid() != me, "the child has its parent's pid %d", me);
		CHECK(getppid() == me, "the child's getppid is %d, its parent is %d", getppid(),
		      me);
		exit(0);
	}
	ut_wait_ok(a, "the first child");
	int b = ut_fork();
	if (b == 0)
		exit(0);
	ut_wait_ok(b, "the second child");
	CHECK(a != b && a != me && b != me, "pids repeat: parent %d, children %d and %d", me, a, b);
}

static const int exit_values[] = { 0, 1, 42, 255, 256, -2, 0x7fffffff };
#define NEXIT ((int)(sizeof exit_values / sizeof exit_values[0]))

static void test_exit_wait(void)
{
	int pids[NEXIT];
	for (int i = 0; i < NEXIT; i++) {
		pids[i] = ut_fork();
		if (pids[i] == 0)
			exit(exit_values[i]);
	}
	int seen[NEXIT] = { 0 };
	for (int n = 0; n < NEXIT; n++) {
		int status = 12345;
		int got = wait(&status);
		int i = 0;
		while (i < NEXIT && pids[i] != got)
			i++;
		CHECK(i < NEXIT, "wait returned %d, not one of the children", got);
		CHECK(!seen[i], "wait returned child %d twice", got);
		seen[i] = 1;
		CHECK(status == exit_values[i], "child %d called exit(%d), wait says %d", got,
		      exit_values[i], status);
	}
	CHECK(wait(0) == -1, "wait with no children left did not return -1");

	/* wait(0): the status is not wanted */
	int pid = ut_fork();
	if (pid == 0)
		exit(3);
	CHECK(wait(0) == pid, "wait(0) did not return the child");
	CHECK(wait(0) == -1, "a second wait(0) found a child");
}

/* A child that exits before its child does: init adopts the grandchild. */
static void test_orphan(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	int child = ut_fork();
	if (child == 0) {
		int grandchild = fork();
		if (grandchild == 0) {
			int ppid = getppid();
			for (int t = 0; t < POLL_TICKS && ppid != INIT_PID; t++) {
				sleep(1);
				ppid = getppid();
			}
			write(p[1], &ppid, sizeof ppid);
			exit(0);
		}
		exit(grandchild > 0 ? 0 : 1);
	}
	close(p[1]);
	CHECK(ut_wait(child) == 0, "the child could not fork");
	int ppid = -1;
	CHECK(read(p[0], &ppid, sizeof ppid) == sizeof ppid, "the grandchild sent nothing");
	CHECK(ppid == INIT_PID, "the orphan's parent is %d, not init (%d)", ppid, INIT_PID);
	close(p[0]);
}

static void test_kill_bad_pid(void)
{
	CHECK(kill(-1) == -1, "kill(-1) did not return -1");
	CHECK(kill(0) == -1, "kill(0) did not return -1");
	CHECK(kill(0x7fffffff) == -1, "kill of a pid nobody has did not return -1");
	int pid = ut_fork();
	if (pid == 0)
		exit(0);
	ut_wait(pid);
	CHECK(kill(pid) == -1, "kill of a reaped child (%d) did not return -1", pid);
}

static void spin_forever(int report_fd)
{
	volatile uint64 n = 0;
	for (;;)
		if (++n == SPIN_REPORT && report_fd >= 0)
			write(report_fd, "s", 1);
}

static void test_kill_running(void)
{
	int pid = ut_fork();
	if (pid == 0)
		spin_forever(-1);
	sleep(2);
	CHECK(kill(pid) == 0, "kill of a running child returned -1");
	int status = ut_wait(pid);
	CHECK(status == UT_KILLED, "the killed child's status is %d, not %d", status, UT_KILLED);
}

/* Kills pid once it sleeps; it must exit with the killed status. */
static void kill_when_asleep(int pid, const char *where)
{
	ut_until_sleeping(pid);
	CHECK(kill(pid) == 0, "kill of the child asleep in %s returned -1", where);
	int status = ut_wait(pid);
	CHECK(status == UT_KILLED, "the child killed in %s has status %d, not %d", where, status,
	      UT_KILLED);
}

static void test_kill_in_pipe_read(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1); /* nobody writes: sleeps until killed */
		exit(0);
	}
	kill_when_asleep(pid, "a pipe read");
	close(p[0]);
	close(p[1]);
}

static void test_kill_in_sleep(void)
{
	int pid = ut_fork();
	if (pid == 0) {
		sleep(1000000);
		exit(0);
	}
	kill_when_asleep(pid, "sleep");
}

/* The child waits for a grandchild that waits on a pipe only the test can close. */
static void test_kill_in_wait(void)
{
	int hold[2], alive[2];
	CHECK(pipe(hold) == 0 && pipe(alive) == 0, "pipe failed");
	int child = ut_fork();
	if (child == 0) {
		int grandchild = fork();
		if (grandchild == 0) {
			close(hold[1]);
			char c;
			read(hold[0], &c, 1); /* returns 0 once the test closes its end */
			write(alive[1], "g", 1);
			exit(0);
		}
		close(hold[1]);
		wait(0);
		exit(0);
	}
	close(hold[0]);
	close(alive[1]);
	kill_when_asleep(child, "wait");
	/* the grandchild was not killed with its parent: let it go and hear from it */
	close(hold[1]);
	char c = 0;
	CHECK(read(alive[0], &c, 1) == 1 && c == 'g', "the grandchild did not survive its parent");
	close(alive[0]);
}

static void test_sleep_uptime(void)
{
	int u0 = uptime();
	uint64 t0 = time_us();
	CHECK(sleep(0) == 0, "sleep(0) did not return 0");
	CHECK(pause(0) == 0, "pause(0) did not return 0");
	CHECK(sleep(10) == 0, "sleep(10) did not return 0");
	uint64 slept_us = time_us() - t0;
	CHECK(slept_us >= 80000, "sleep(10) took %lu us, ticks are 10 ms", slept_us);
	CHECK(pause(5) == 0, "pause(5) did not return 0");
	int u1 = uptime();
	CHECK(u1 > u0, "uptime did not advance over 150 ms: %d then %d", u0, u1);
	// LAB(pgtbl) begin
	uint64 r0 = root_ticks();
	sleep(5);
	CHECK(root_ticks() > r0, "root_ticks did not advance over 50 ms");
	// LAB(pgtbl) end
	uint64 t1 = time_us(), t2 = time_us();
	CHECK(t2 >= t1 && t1 > t0, "time_us is not monotonic: %lu, %lu, %lu", t0, t1, t2);
}

static void test_procinfo(void)
{
	struct procinfo me;
	CHECK(ut_procinfo_of(getpid(), &me), "procinfo does not list the caller");
	CHECK(me.ppid == getppid(), "procinfo says ppid %d, getppid says %d", me.ppid, getppid());
	CHECK(me.state == PROCINFO_RUNNING, "the caller's state is %d, not running", me.state);
	CHECK(strncmp(me.name, "usertests", PROCINFO_NAME_MAX) == 0, "the caller's name is %.16s",
	      me.name);
	CHECK(me.size_bytes > USER_TEXT_BASE, "the caller's size is %lu", me.size_bytes);

	int pid = ut_fork();
	if (pid == 0) {
		sleep(1000000);
		exit(0);
	}
	ut_until_sleeping(pid);
	struct procinfo child;
	CHECK(ut_procinfo_of(pid, &child), "procinfo does not list the child");
	CHECK(child.ppid == getpid(), "the child's ppid is %d, not %d", child.ppid, getpid());
	struct procinfo few[2];
	CHECK(procinfo(few, 0) == 0, "procinfo with room for 0 did not return 0");
	CHECK(procinfo(few, 1) == 1, "procinfo with room for 1 did not return 1");
	kill(pid);
	ut_wait(pid);
	CHECK(!ut_procinfo_of(pid, &child), "the reaped child %d is still listed", pid);
}

static void test_memstat(void)
{
	struct memstat ms;
	ut_memstat(&ms);
	CHECK(ms.frames_total > 0 && ms.frames_free > 0 && ms.frames_free <= ms.frames_total,
	      "frames_free %lu of frames_total %lu", ms.frames_free, ms.frames_total);
	CHECK(ms.harts >= 1 && ms.harts <= SYSINFO_MAX_HARTS, "harts %u", ms.harts);
	uint64 cached = 0;
	for (uint32 h = 0; h < ms.harts; h++)
		cached += ms.hart_cached[h];
	CHECK(cached <= ms.frames_free, "harts cache %lu frames, only %lu are free", cached,
	      ms.frames_free);
	CHECK(ms.processes >= 3, "%lu processes: init, the runner and this test at least",
	      ms.processes);
	CHECK(ms.kheap_bytes_used <= ms.kheap_bytes_total, "kheap %lu of %lu bytes used",
	      ms.kheap_bytes_used, ms.kheap_bytes_total);

	int pid = ut_fork();
	if (pid == 0) {
		sleep(1000000);
		exit(0);
	}
	struct memstat with;
	ut_memstat(&with);
	CHECK(with.processes == ms.processes + 1, "a fork took processes from %lu to %lu",
	      ms.processes, with.processes);
	kill(pid);
	ut_wait(pid);
	ut_memstat(&with);
	CHECK(with.processes == ms.processes, "after the child's exit: %lu processes, not %lu",
	      with.processes, ms.processes);
}

static void test_setpgid(void)
{
	int pid = ut_fork();
	if (pid == 0) {
		int parent = getppid();
		int pg = setpgid(0);
		CHECK(pg == getpid(), "setpgid(0) returned %d, the caller is %d", pg, getpid());
		CHECK(setpgid(getpid()) == getpid(), "setpgid(own pid) failed");
		CHECK(getppid() == parent, "setpgid changed the parent");
		exit(0);
	}
	ut_wait_ok(pid, "setpgid in a child");
	CHECK(setpgid(0x7fffffff) == -1, "setpgid of a pid nobody has did not return -1");
	CHECK(setpgid(-3) == -1, "setpgid(-3) did not return -1");
}

/* 300 forks in a row, each waited for: a leak of one frame a fork shows as 300. */
static void test_fork_sequence(void)
{
	for (int i = 0; i < 300; i++) {
		int pid = ut_fork();
		if (pid == 0)
			exit(i & 0x7f);
		int status = ut_wait(pid);
		CHECK(status == (i & 0x7f), "child %d exited %d", i, status);
	}
}

/* Many children alive at once, each growing and touching its heap. */
static void test_fork_concurrent(void)
{
	enum { N = 40, PAGES = 16 };
	for (int i = 0; i < N; i++) {
		int pid = ut_fork();
		if (pid == 0) {
			char *p = sbrk(PAGES * PGSIZE);
			if (p == (char *)-1)
				exit(1);
			for (int k = 0; k < PAGES; k++)
				p[k * PGSIZE] = (char)(i + k);
			for (int k = 0; k < PAGES; k++)
				if (p[k * PGSIZE] != (char)(i + k))
					exit(2);
			exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		int status = -5;
		CHECK(wait(&status) > 0, "wait lost a child");
		CHECK(status == 0, "a child failed with status %d", status);
	}
}

/* More spinners than harts: each must get to run, and so must this process. */
static void test_preemption(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	int pids[NSPINNERS];
	for (int i = 0; i < NSPINNERS; i++) {
		pids[i] = ut_fork();
		if (pids[i] == 0) {
			close(p[0]);
			spin_forever(p[1]);
		}
	}
	close(p[1]);
	uint64 t0 = time_us();
	sleep(2); /* needs a tick on a hart that only spinners want */
	CHECK(time_us() > t0, "time stood still");
	for (int n = 0; n < NSPINNERS; n++) {
		char c;
		CHECK(read(p[0], &c, 1) == 1, "spinner report %d missing", n);
	}
	for (int i = 0; i < NSPINNERS; i++)
		CHECK(kill(pids[i]) == 0, "kill of spinner %d failed", pids[i]);
	for (int i = 0; i < NSPINNERS; i++) {
		int status = 0;
		CHECK(wait(&status) > 0, "a spinner was lost");
		CHECK(status == UT_KILLED, "a spinner exited %d", status);
	}
	close(p[0]);
}

/* Waits for the processes a dead leader left (init reaps them) to be gone. */
static void until_processes(uint64 want)
{
	struct memstat ms;
	for (int t = 0; t < 30 * POLL_TICKS; t++) {
		ut_memstat(&ms);
		if (ms.processes <= want)
			return;
		sleep(1);
	}
	FAIL("%lu processes left, expected %lu", ms.processes, want);
}

/*
 * The leader forks children that wait on a pipe until fork fails. Its own
 * stack is copy-on-write shared with every child, so the kernel may also
 * kill it when a copy finds no frame: both are clean ends. Either way the
 * children see the pipe close, exit, and the memory comes back.
 */
static void forkbomb_leader(void *unused)
{
	(void)unused;
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	int n = 0;
	for (; n < FORKBOMB_MAX; n++) {
		int pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			exit(0);
		}
	}
	close(p[1]);
	close(p[0]);
	CHECK(n < FORKBOMB_MAX, "fork succeeded %d times and never returned -1", n);
	int reaped = ut_reap_all();
	CHECK(reaped == n, "%d children forked, %d reaped", n, reaped);
}

static void test_forkbomb(void)
{
	struct memstat before;
	ut_memstat(&before);
	int status = ut_in_child(forkbomb_leader, 0);
	CHECK(status == 0 || status == UT_KILLED, "the fork bomb's leader exited %d", status);
	until_processes(before.processes);
	/* the system recovered: a fork and some memory work again */
	int pid = ut_fork();
	if (pid == 0) {
		char *p = sbrk(64 * PGSIZE);
		if (p == (char *)-1)
			exit(1);
		for (int i = 0; i < 64; i++)
			p[i * PGSIZE] = 1;
		exit(0);
	}
	ut_wait_ok(pid, "growing a heap after the fork bomb");
}

const struct ut_test ut_proc_tests[] = {
	{ "getpid", test_getpid, 1, 0 },
	{ "exit_wait", test_exit_wait, 1, 0 },
	{ "orphan", test_orphan, 1, 0 },
	{ "kill_bad_pid", test_kill_bad_pid, 1, 0 },
	{ "kill_running", test_kill_running, 1, 0 },
	{ "kill_in_pipe_read", test_kill_in_pipe_read, 1, 0 },
	{ "kill_in_sleep", test_kill_in_sleep, 1, 0 },
	{ "kill_in_wait", test_kill_in_wait, 1, 0 },
	{ "sleep_uptime", test_sleep_uptime, 1, 0 },
	{ "procinfo", test_procinfo, 1, 0 },
	{ "memstat", test_memstat, 1, 0 },
	{ "setpgid", test_setpgid, 1, 0 },
	{ "fork_sequence", test_fork_sequence, 1, 0 },
	{ "fork_concurrent", test_fork_concurrent, 1, 0 },
	{ "preemption", test_preemption, 1, 0 },
	{ "forkbomb", test_forkbomb, 0, 600 },
	{ 0, 0, 0, 0 },
};
