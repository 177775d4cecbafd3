/*
 * tests/crash/workload.h - the crash test's workload: one table of system calls.
 *
 * user/crashload.c runs the table in magma under QEMU (every device write
 * recorded by QEMU's blklogwrites driver); tests/crash/crashtest.c runs the
 * same table through the kernel's file system on the host (tests/shim/) to
 * learn the tree after each call, then checks every crash image of the
 * recording against those trees. Both include this header, so both make
 * exactly the same calls with exactly the same bytes.
 *
 * Each call that writes is one log transaction: a write is never longer
 * than CRASH_WRITE_MAX less its offset within its first block (kernel/
 * file.c splits longer ones; the host run checks that no call made more
 * than one commit). Calls run in order; a call's fd lives in a slot.
 * A file is never unlinked while open (xv6's format has no orphan list:
 * a crash then would leak the inode, which fsck reports).
 *
 * The header has no includes but fcntl.h's flags, so it builds for the
 * user programs (-I. from the top) and for the host alike.
 */
#ifndef TESTS_CRASH_WORKLOAD_H
#define TESTS_CRASH_WORKLOAD_H

#include "../../kernel/fcntl.h"

enum crash_op {
	CRASH_MKDIR,  /* mkdir(path) */
	CRASH_OPEN,   /* slot = open(path, flags) */
	CRASH_WRITE,  /* write(slot, fill(seed), length) */
	CRASH_CLOSE,  /* close(slot) */
	CRASH_LINK,   /* link(path, path2) */
	CRASH_UNLINK, /* unlink(path) */
	CRASH_REPEAT, /* the next step `repeats` times (the run's choice), with seed + i */
	CRASH_END,
};

struct crash_step {
	enum crash_op op;
	const char *path, *path2;
	int flags; /* CRASH_OPEN */
	int slot;  /* CRASH_OPEN, WRITE, CLOSE */
	int length;
	unsigned int seed;
};

#define CRASH_SLOTS     4
#define CRASH_BLOCK     4096
#define CRASH_WRITE_MAX (11 * CRASH_BLOCK) /* fs_write_blocks_per_op() on a one-map-block disk */
/*
 * The big file's writes of 11 blocks: 14 (the default) take it 144 blocks into
 * its single-indirect range; 95 past its 1034 direct and single-indirect
 * blocks into the double-indirect ones (5x the crash states, 25x the time).
 */
#define CRASH_BIG_WRITES  14
#define CRASH_BIG_MAX     200
#define CRASH_END_LINE    "crashload: done"
#define CRASH_CALL_PREFIX "crashload: call "

/*
 * Creation, writes within a block, across one and across several, append,
 * a second name, a rename done as link + unlink, truncation by O_TRUNC, a
 * file through its single- and into its double-indirect blocks, removal.
 */
static const struct crash_step crash_workload[] = {
	{ CRASH_MKDIR, "d", 0, 0, 0, 0, 0 },
	{ CRASH_OPEN, "a", 0, O_CREATE | O_WRONLY, 0, 0, 0 },
	{ CRASH_WRITE, 0, 0, 0, 0, 100, 1 },
	{ CRASH_WRITE, 0, 0, 0, 0, 5000, 2 },  /* 100 .. 5100: crosses block 0's end */
	{ CRASH_WRITE, 0, 0, 0, 0, 20000, 3 }, /* .. 25100: blocks 1 to 6 */
	{ CRASH_CLOSE, 0, 0, 0, 0, 0, 0 },
	{ CRASH_OPEN, "d/b", 0, O_CREATE | O_RDWR, 1, 0, 0 },
	{ CRASH_WRITE, 0, 0, 0, 1, 3000, 4 },
	{ CRASH_CLOSE, 0, 0, 0, 1, 0, 0 },
	{ CRASH_OPEN, "a", 0, O_WRONLY | O_APPEND, 0, 0, 0 },
	{ CRASH_WRITE, 0, 0, 0, 0, 7000, 5 }, /* appended at 25100 */
	{ CRASH_CLOSE, 0, 0, 0, 0, 0, 0 },
	{ CRASH_LINK, "a", "d/a2", 0, 0, 0, 0 }, /* a renamed to d/a2 ... */
	{ CRASH_UNLINK, "a", 0, 0, 0, 0, 0 },    /* ... in two calls */
	{ CRASH_MKDIR, "d/e", 0, 0, 0, 0, 0 },
	{ CRASH_LINK, "d/b", "d/e/c", 0, 0, 0, 0 },
	{ CRASH_UNLINK, "d/b", 0, 0, 0, 0, 0 },
	{ CRASH_OPEN, "d/e/c", 0, O_WRONLY | O_TRUNC, 1, 0, 0 },
	{ CRASH_WRITE, 0, 0, 0, 1, CRASH_BLOCK, 6 },
	{ CRASH_CLOSE, 0, 0, 0, 1, 0, 0 },
	{ CRASH_OPEN, "big", 0, O_CREATE | O_WRONLY, 2, 0, 0 },
	{ CRASH_REPEAT, 0, 0, 0, 0, 0, 0 },
	{ CRASH_WRITE, 0, 0, 0, 2, CRASH_WRITE_MAX, 100 },
	{ CRASH_CLOSE, 0, 0, 0, 2, 0, 0 },
	{ CRASH_OPEN, "d/a2", 0, O_WRONLY | O_TRUNC, 0, 0, 0 },
	{ CRASH_CLOSE, 0, 0, 0, 0, 0, 0 },
	{ CRASH_UNLINK, "d/a2", 0, 0, 0, 0, 0 },
	{ CRASH_OPEN, "big", 0, O_RDWR | O_TRUNC, 2, 0, 0 }, /* frees both indirect levels */
	{ CRASH_WRITE, 0, 0, 0, 2, 9000, 7 },
	{ CRASH_CLOSE, 0, 0, 0, 2, 0, 0 },
	{ CRASH_UNLINK, "d/e/c", 0, 0, 0, 0, 0 },
	{ CRASH_END, 0, 0, 0, 0, 0, 0 },
};

/* Byte i of the data a write with this seed writes (the same on both sides). */
static inline unsigned char crash_fill(unsigned int seed, unsigned int i)
{
	unsigned int x = seed * 0x9e3779b1u + i * 0x85ebca77u;
	x ^= x >> 15;
	x *= 0xc2b2ae35u;
	return (unsigned char)(x ^ (x >> 13));
}

/* Where a run of the table is: the step, and the copies of a repeated step still to make. */
struct crash_run {
	int at, left;
	int repeats; /* how many times CRASH_REPEAT repeats its step (at least 1) */
};

/* The next call of the table, expanding CRASH_REPEAT, into *out; 0 at the end. */
static inline int crash_next(struct crash_run *run, struct crash_step *out)
{
	const struct crash_step *s = &crash_workload[run->at];
	if (s->op == CRASH_REPEAT) {
		if (run->left == 0)
			run->left = run->repeats > 0 ? run->repeats : 1;
		s++;
		*out = *s;
		out->seed += (unsigned int)(run->repeats - run->left);
		if (--run->left == 0)
			run->at += 2;
		return 1;
	}
	if (s->op == CRASH_END)
		return 0;
	*out = *s;
	run->at++;
	return 1;
}

#endif
