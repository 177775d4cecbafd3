/*
 * mm/root_clock.h - reading the guard's clock out of the root, never torn.
 *
 * The guard counts micro ticks (one per scan) and a master tick each time
 * micro wraps (include/root.h). The pair spans two u64 fields, so the guard
 * changes it inside a sequence word (ROOT_TICK_SEQ), odd while it writes. A
 * reader takes the sequence, the pair, then the sequence again, and keeps
 * the pair only if both reads saw the same even value. The same code serves
 * the kernel and user space (the root is mapped read-only into both).
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_ROOT_CLOCK_H
#define MM_ROOT_CLOCK_H

#include <stdint.h>

struct facade;

#define ROOT_CLOCK_ERR_BUSY -220   /* the clock kept changing under every retry */
#define ROOT_CLOCK_ERR_WRAP -221   /* the root says a wrap of 0: not a clock */
#define ROOT_CLOCK_TRIES    100000 /* reads before giving up with ROOT_CLOCK_ERR_BUSY */

struct root_clock {
	uint64_t micro, master;
	uint32_t wrap; /* micro ticks per master tick */
};

/* A short English description of a ROOT_CLOCK_ERR_* code. */
const char *root_clock_strerror(int err);

/*
 * Reads the clock through a facade over the whole root. 0, a facade error,
 * ROOT_CLOCK_ERR_BUSY or ROOT_CLOCK_ERR_WRAP; *out is set only on success.
 */
int root_clock_read(const struct facade *root, struct root_clock *out);

/* The clock as one count of micro ticks: master * wrap + micro. */
uint64_t root_clock_ticks(const struct root_clock *c);

#endif
