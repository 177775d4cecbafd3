/*
 * kernel/spinlock.c - test-and-set spinlocks and the interrupt-off stack.
 *
 * amoswap.w.aq / the release store (via __atomic builtins) give the lock
 * acquire/release ordering under RVWMO; nothing else needs fences here.
 */
#include "spinlock.h"

#include "hart.h"
#include "panic.h"

void push_intr_off(void)
{
	int was_on = intr_enabled();
	intr_off();
	struct hart *h = this_hart();
	if (h->push_depth++ == 0)
		h->intr_was_on = was_on;
}

void pop_intr_off(void)
{
	struct hart *h = this_hart();
	if (intr_enabled())
		panic("pop_intr_off: interrupts are on (depth %d)", h->push_depth);
	if (h->push_depth <= 0)
		panic("pop_intr_off: unbalanced pop (depth %d)", h->push_depth);
	if (--h->push_depth == 0 && h->intr_was_on)
		intr_on();
}

void spin_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->name = name;
	lock->owner = 0;
}

int spin_held(struct spinlock *lock)
{
	return lock->locked && lock->owner == this_hart();
}

void spin_lock(struct spinlock *lock)
{
	push_intr_off();
	if (spin_held(lock))
		panic("spinlock '%s': already held by this hart", lock->name);
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		;
	lock->owner = this_hart();
}

void spin_unlock(struct spinlock *lock)
{
	if (!spin_held(lock))
		panic("spinlock '%s': released by a hart that does not hold it", lock->name);
	lock->owner = 0;
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	pop_intr_off();
}
