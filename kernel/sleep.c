/*
 * kernel/sleep.c - sleep() and wakeup() without a process table.
 *
 * A sleeper hangs on one of SLEEP_BUCKETS lists, chosen by a hash of its
 * channel, so wakeup() looks at the sleepers of that bucket only.
 *
 * Lock order: the caller's lock, the bucket's lock, then a process's lock.
 * A sleeper joins the bucket and becomes SLEEPING before it lets go of the
 * caller's lock, so a waker (who changes the condition under that lock)
 * cannot miss it. A process woken by kill() is RUNNABLE while still on its
 * bucket; it unhooks itself once it runs, so wakeup() skips any entry that
 * is not SLEEPING on the channel it wakes.
 */
#include "proc.h"

#include "hart.h"
#include "panic.h"
#include "sched.h"

#define SLEEP_BUCKETS 128

struct sleep_bucket {
	struct spinlock lock;
	struct proc *head;
};

static struct sleep_bucket buckets[SLEEP_BUCKETS];
static int buckets_ready;

static struct sleep_bucket *bucket_of(const void *chan)
{
	uintptr_t x = (uintptr_t)chan;
	x ^= x >> 17;
	x *= 0x9e3779b97f4a7c15ul;
	return &buckets[(x >> 32) % SLEEP_BUCKETS];
}

static void init_buckets(void)
{
	for (int i = 0; i < SLEEP_BUCKETS; i++)
		spin_init(&buckets[i].lock, "sleep bucket");
	__atomic_store_n(&buckets_ready, 1, __ATOMIC_RELEASE);
}

static void unhook(struct sleep_bucket *b, struct proc *p)
{
	for (struct proc **link = &b->head; *link; link = &(*link)->sleep_next) {
		if (*link == p) {
			*link = p->sleep_next;
			break;
		}
	}
	p->on_bucket = 0;
}

void sleep(const void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();
	if (!p)
		panic("sleep: no process on hart %lu (channel %p)", this_hartid(), chan);
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE))
		panic("sleep: before the sleep buckets exist");
	struct sleep_bucket *b = bucket_of(chan);
	spin_lock(&b->lock);
	spin_lock(&p->lock);
	p->chan = chan;
	p->state = PROC_SLEEPING;
	p->sleep_next = b->head;
	b->head = p;
	p->on_bucket = 1;
	spin_unlock(&b->lock);
	spin_unlock(lk);

	sched();

	p->chan = 0;
	spin_unlock(&p->lock);
	if (__atomic_load_n(&p->on_bucket, __ATOMIC_ACQUIRE)) { /* woken by kill() */
		spin_lock(&b->lock);
		if (p->on_bucket)
			unhook(b, p);
		spin_unlock(&b->lock);
	}
	spin_lock(lk);
}

void wakeup(const void *chan)
{
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE))
		return; /* nobody can sleep yet */
	struct sleep_bucket *b = bucket_of(chan);
	spin_lock(&b->lock);
	struct proc **link = &b->head;
	while (*link) {
		struct proc *p = *link;
		spin_lock(&p->lock);
		if (p->state == PROC_SLEEPING && p->chan == chan) {
			*link = p->sleep_next;
			p->on_bucket = 0;
			sched_make_runnable(p);
			spin_unlock(&p->lock);
			continue;
		}
		spin_unlock(&p->lock);
		link = &p->sleep_next;
	}
	spin_unlock(&b->lock);
}

void sleep_init(void)
{
	init_buckets();
}
