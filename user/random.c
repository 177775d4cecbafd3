/* user/random.c - xorshift64* (user/random.h). */
#include "user/random.h"

static uint64 state = 1;

void random_seed(uint64 seed)
{
	state = seed ? seed : 0x9e3779b97f4a7c15ul;
}

uint64 random_next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dul;
}

uint64 random_below(uint64 n)
{
	return n ? random_next() % n : 0;
}
