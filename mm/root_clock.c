/*
 * mm/root_clock.c - the seqlock reader of the guard's clock (see root_clock.h).
 */
#include "root_clock.h"

#include "../include/root.h"
#include "facade.h"

const char *root_clock_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case ROOT_CLOCK_ERR_BUSY: return "the guard's clock kept changing while read";
	case ROOT_CLOCK_ERR_WRAP: return "the root's micro-tick wrap is 0";
	default: return facade_strerror(err);
	}
}

int root_clock_read(const struct facade *root, struct root_clock *out)
{
	for (int tries = 0; tries < ROOT_CLOCK_TRIES; tries++) {
		uint64_t before, after, micro, master;
		uint32_t wrap;
		int err = facade_read64(root, ROOT_TICK_SEQ, &before);
		if (err)
			return err;
		if (before & 1)
			continue; /* the guard is in the middle of a tick */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((err = facade_read64(root, ROOT_MICRO_TICKS, &micro)) ||
		    (err = facade_read64(root, ROOT_MASTER_TICKS, &master)) ||
		    (err = facade_read32(root, ROOT_MICRO_WRAP, &wrap)))
			return err;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((err = facade_read64(root, ROOT_TICK_SEQ, &after)))
			return err;
		if (after != before)
			continue;
		if (wrap == 0)
			return ROOT_CLOCK_ERR_WRAP;
		*out = (struct root_clock){ micro, master, wrap };
		return 0;
	}
	return ROOT_CLOCK_ERR_BUSY;
}

uint64_t root_clock_ticks(const struct root_clock *c)
{
	return c->master * c->wrap + c->micro;
}
