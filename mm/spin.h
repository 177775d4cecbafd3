/*
 * mm/spin.h - the spin lock of mm/ (mm/frame and mm/heap take it).
 *
 * A word that is 0 when free and 1 when held, over the compiler's __atomic
 * builtins, so the same code runs in the kernel, the guard and host pthread
 * tests. Acquire on taking and release on giving back: everything written
 * under the lock is seen by its next holder. Not fair and not re-entrant;
 * the caller keeps interrupts off around it where they could re-enter.
 * The kernel's own lock (kernel/spinlock.h) adds names and interrupt
 * handling; this one stays a primitive because mm/ must not include
 * kernel headers.
 */
#ifndef MM_SPIN_H
#define MM_SPIN_H

#include <stdbool.h>
#include <stdint.h>

struct mm_spin {
	uint32_t held;
};

#define MM_SPIN_INIT ((struct mm_spin){ 0 })

/* Takes the lock if it is free; whether it was taken. */
static inline bool mm_spin_try(struct mm_spin *s)
{
	return __atomic_exchange_n(&s->held, 1u, __ATOMIC_ACQUIRE) == 0;
}

/*
 * Takes the lock, spinning until it is free. Waiters only read while it is
 * held, so they do not pull its cache line from the holder on every turn.
 */
static inline void mm_spin_lock(struct mm_spin *s)
{
	while (!mm_spin_try(s)) {
		while (__atomic_load_n(&s->held, __ATOMIC_RELAXED))
			;
	}
}

static inline void mm_spin_unlock(struct mm_spin *s)
{
	__atomic_store_n(&s->held, 0u, __ATOMIC_RELEASE);
}

#endif
