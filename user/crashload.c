/*
 * user/crashload.c - runs the crash test's workload (tests/crash/workload.h).
 *
 * make crash-test boots magma with every disk write recorded, types
 * `crashload` and waits for its last line. Each call's line is printed
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

int main(void)
{
	int fds[CRASH_SLOTS];
	int at = 0, repeat = 0, n = 0;
	struct crash_step s;
	for (int i = 0; i < CRASH_SLOTS; i++)
		fds[i] = -1;
	while (crash_next(&at, &repeat, &s)) {
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
