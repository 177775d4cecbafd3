/*
 * user/pgtbltest.c - what lab pgtbl's grader runs (labs/pgtbl/README.md).
 *
 *   pgtbltest wait     says its pid, then waits for a line on its input
 *                      (the grader reads its page table meanwhile)
 *   pgtbltest uptime   uptime() many times, across a sleep and in a child
 *   pgtbltest root     loads from the root mapped at USER_ROOT_VA
 *   pgtbltest store    a store to the root: the kernel must kill it
 *
 * It only reports what it saw; the grader decides, from the figures
 * printed here compared with what it knows, from the kernel's own lines
 * (the page table vmprint prints at exec, the line saying why a process
 * was killed) and from this program's code (build/user/pgtbltest.asm).
 */
#include "kernel/types.h"
#include "user/user.h"

#include "include/root.h"
#include "include/user_layout.h"

#define UPTIME_CALLS 20000
#define SLEEP_TICKS  20

static int wait_for_line(void)
{
	printf("pgtbltest: pid %d waiting for a line\n", getpid());
	char c;
	while (read(0, &c, 1) == 1)
		if (c == '\n')
			return 0;
	return 1;
}

/* uptime() never goes back, moves across a sleep, and works in a forked child. */
static int check_uptime(void)
{
	int first = uptime(), last = first;
	for (int i = 0; i < UPTIME_CALLS; i++) {
		int now = uptime();
		if (now < last) {
			printf("pgtbltest: uptime went back from %d to %d\n", last, now);
			return 1;
		}
		last = now;
	}
	sleep(SLEEP_TICKS);
	int after = uptime();
	printf("uptime: %d then %d after %d calls and a sleep of %d ticks\n", first, after,
	       UPTIME_CALLS, SLEEP_TICKS);
	int pid = fork();
	if (pid < 0) {
		printf("pgtbltest: fork failed\n");
		return 1;
	}
	if (pid == 0) {
		printf("uptime in a child: %d\n", uptime());
		exit(0);
	}
	int status = -1;
	wait(&status);
	return status;
}

/* Plain loads, no facade: what the page table lets through. */
static int read_root(void)
{
	volatile const uint8 *root = (const uint8 *)USER_ROOT_VA;
	printf("root: layout %d.%d.%d, on state %d, guard hart %d, scan period %d us\n",
	       root[ROOT_VERSION_MAJOR], root[ROOT_VERSION_MINOR], root[ROOT_VERSION_INC],
	       root[ROOT_ON_STATE], *(volatile const uint32 *)(root + ROOT_GUARD_HART),
	       *(volatile const uint32 *)(root + ROOT_SCAN_PERIOD_US));
	volatile const uint64 *beat = (const uint64 *)(root + ROOT_HEARTBEAT);
	uint64 before = *beat;
	sleep(SLEEP_TICKS);
	printf("root: heartbeat %lu then %lu\n", before, *beat);
	return 0;
}

static int store_to_root(void)
{
	printf("pgtbltest: storing to the root at 0x%x\n", USER_ROOT_VA);
	*(volatile uint8 *)USER_ROOT_VA = 0x5a;
	printf("pgtbltest: the store to the root did not fault\n");
	return 1;
}

int main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "wait") == 0)
		exit(wait_for_line());
	if (argc == 2 && strcmp(argv[1], "uptime") == 0)
		exit(check_uptime());
	if (argc == 2 && strcmp(argv[1], "root") == 0)
		exit(read_root());
	if (argc == 2 && strcmp(argv[1], "store") == 0)
		exit(store_to_root());
	fprintf(2, "usage: pgtbltest wait|uptime|root|store\n");
	exit(2);
}
