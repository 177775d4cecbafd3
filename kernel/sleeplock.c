/*
 * kernel/sleeplock.c - locks whose waiters sleep (sleeplock.h).
 */
#include "sleeplock.h"

#include "proc.h"

void sleeplock_init(struct sleeplock *lk, const char *name)
{
	spin_init(&lk->guard, "sleep lock");
	lk->name = name;
	lk->locked = 0;
	lk->pid = 0;
}

void sleeplock_acquire(struct sleeplock *lk)
{
	spin_lock(&lk->guard);
	while (lk->locked)
		sleep(lk, &lk->guard);
	lk->locked = 1;
	lk->pid = myproc()->pid;
	spin_unlock(&lk->guard);
}

void sleeplock_release(struct sleeplock *lk)
{
	spin_lock(&lk->guard);
	lk->locked = 0;
	lk->pid = 0;
	wakeup(lk);
	spin_unlock(&lk->guard);
}

int sleeplock_held(struct sleeplock *lk)
{
	spin_lock(&lk->guard);
	int held = lk->locked && lk->pid == myproc()->pid;
	spin_unlock(&lk->guard);
	return held;
}
