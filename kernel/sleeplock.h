/*
 * kernel/sleeplock.h - locks held across disk I/O: a waiter sleeps, not spins.
 */
#ifndef KERNEL_SLEEPLOCK_H
#define KERNEL_SLEEPLOCK_H

#include "spinlock.h"

struct sleeplock {
	int locked;
	struct spinlock guard; /* protects locked and pid */
	const char *name;
	int pid; /* holder, for debugging */
};

void sleeplock_init(struct sleeplock *lk, const char *name);
void sleeplock_acquire(struct sleeplock *lk);
void sleeplock_release(struct sleeplock *lk);
/* Whether the current process holds lk. */
int sleeplock_held(struct sleeplock *lk);

#endif
