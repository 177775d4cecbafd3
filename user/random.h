/*
 * user/random.h - a small repeatable random-number generator for test programs.
 *
 * xorshift64* over one state per process: the same seed gives the same
 * numbers, so a run that found something can be repeated from the seed it
 * printed. A forked child carries on from its parent's state unless it
 * seeds again. Not for anything that must be unpredictable.
 */
#ifndef USER_RANDOM_H
#define USER_RANDOM_H

#include "kernel/types.h"

/* Starts the sequence over from seed (0 is turned into a fixed non-zero state). */
void random_seed(uint64 seed);

/* The next 64 random bits. */
uint64 random_next(void);

/* A number in 0 .. n-1 (0 when n is 0). */
uint64 random_below(uint64 n);

#endif
