/*
 * sbi/console_lock.c - the bounded cross-domain console lock (see console_lock.h).
 */
#include "console_lock.h"

#include "../lib/counters.h"

static volatile uint32_t *const lock_word = (volatile uint32_t *)CONSOLE_LOCK_PA;

static uint64_t now(void)
{
	return rdtime();
}

int console_lock_take(uint32_t owner, uint64_t max_ticks)
{
	uint64_t deadline = now() + max_ticks;
	for (;;) {
		uint32_t expected = 0;
		if (__atomic_compare_exchange_n(lock_word, &expected, owner, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (now() >= deadline)
			return 0;
	}
}

void console_lock_give(int taken)
{
	if (taken)
		__atomic_store_n(lock_word, 0, __ATOMIC_RELEASE);
}
