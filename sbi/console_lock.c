/*
 * sbi/console_lock.c - the cross-domain console lock (the rules are in console_lock.h).
 */
#include "console_lock.h"

#include "../lib/counters.h"

static volatile uint32_t *const lock_word = (volatile uint32_t *)CONSOLE_LOCK_PA;

static uint64_t now(void)
{
	return rdtime();
}

static int take(uint32_t owner)
{
	uint32_t expected = CONSOLE_LOCK_FREE;
	return __atomic_compare_exchange_n(lock_word, &expected, owner, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

int console_lock_try(uint32_t owner, uint64_t spin_ticks)
{
	uint64_t start = now();
	while (!take(owner)) {
		if (now() - start >= spin_ticks)
			return 0;
	}
	return 1;
}

void console_lock_wait(uint32_t owner)
{
	while (!take(owner))
		;
}

void console_lock_give(uint32_t owner)
{
	uint32_t expected = owner;
	__atomic_compare_exchange_n(lock_word, &expected, CONSOLE_LOCK_FREE, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}
