/*
 * user/crashload.c - runs the crash test's workload (tests/crash/workload.h).
 *
 *   crashload [BIG]   BIG: the big file's writes (default CRASH_BIG_WRITES)
 *
 * make crash-test boots magma with every disk write recorded, types
 * `crashload BIG` and waits for its last line. Each call's line is printed
 * after the call returned: "crashload: call N OP = RESULT". A call that
 * fails stops the run with "crashload: FAIL ..." (the host run of the same
 * table would disagree with the recording).
 */
#include "kernel/types.h"
#include "tests/crash/workload.h"
#include "user/user.h"

static char data[CRASH_WRITE_MAX];

static const char *const names[] = { "mkdir", "open", "write", "close", "link", "unlink" };

/* One call of the table; its result (an fd, a count, or 0), negative when it failed. */
static int run(const struct crash_step *s, int *fds)
{
	switch (s->op) {
	case CRASH_MKDIR: return mkdir(s->path);
	case CRASH_OPEN: return fds[s->slot] = open(s->path, s->flags);
	case CRASH_WRITE:
		for (int i = 0; i < s->length; i++)
			data[i] = (char)crash_fill(s->seed, (unsigned int)i);
		return write(fds[s->slot], data, s->length) == s->length ? s->length : -1;
	case CRASH_CLOSE: return close(fds[s->slot]);
	case CRASH_LINK: return link(s->path, s->path2);
	case CRASH_UNLINK: return unlink(s->path);
	default: return -1;
	}
}

int main(int argc, char *argv[])
{
	int fds[CRASH_SLOTS];
	struct crash_run at = { 0, 0, argc > 1 ? atoi(argv[1]) : CRASH_BIG_WRITES };
	struct crash_step s;
	int n = 0;
	if (at.repeats < 1 || at.repeats > CRASH_BIG_MAX) {
		printf("crashload: FAIL: BIG %s is not 1 to %d\n", argv[1], CRASH_BIG_MAX);
		exit(1);
	}
	for (int i = 0; i < CRASH_SLOTS; i++)
		fds[i] = -1;
	while (crash_next(&at, &s)) {
		int r = s.length > CRASH_WRITE_MAX ? -1 : run(&s, fds);
		if (r < 0) {
			printf("crashload: FAIL: call %d (%s %s) returned %d\n", n, names[s.op],
			       s.path ? s.path : "", r);
			exit(1);
		}
		printf(CRASH_CALL_PREFIX "%d %s = %d\n", n++, names[s.op], r);
	}
	printf(CRASH_END_LINE " (%d calls)\n", n);
	exit(0);
}
