/*
 * kernel/spinlock.h - mutual exclusion between harts for short sections.
 *
 * Interrupts are off while a lock is held, so an interrupt handler on the
 * same hart can never spin on a lock its own hart holds. Acquiring a lock
 * the hart already holds is a bug and panics, naming the lock.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
	const char *name;   /* for panics */
	struct hart *owner; /* valid while locked */
};

#define SPINLOCK_INIT(lock_name) \
	{                        \
		0, lock_name, 0  \
	}

void spin_init(struct spinlock *lock, const char *name);
void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
/* Whether this hart holds the lock (interrupts must be off). */
int spin_held(struct spinlock *lock);

#endif
