/*
 * kernel/bio.c - the buffer cache.
 *
 * A fixed set of buffers on one list, most recently released first: a
 * lookup walks it from the front, a buffer to reuse is taken from the back
 * (the least recently used one that nobody holds). The cache lock guards
 * the list, blockno and refcnt; a buffer's sleep lock guards its data and
 * valid. There is one disk, so a block number alone names a block.
 *
 * When every buffer is held or pinned, bio_read sleeps until one is
 * released instead of failing: the log pins at most LOGSIZE buffers and
 * each running operation holds only a few, so with BIO_NBUF well above
 * LOGSIZE somebody always releases one.
 */
#include "bio.h"

#include "../lib/string.h"
#include "disk.h"
#include "panic.h"
#include "param.h"
#include "proc.h"
#include "spinlock.h"

/* NBUF is the floor; the log alone may pin LOGSIZE. 4 KiB each. */
#define BIO_NBUF     (NBUF + LOGSIZE)
#define BIO_NO_BLOCK 0xffffffffu /* blockno of a buffer that never held one */

/* Not in cache: an initialized lock would move the buffers from .bss into the image. */
static struct spinlock cache_lock = SPINLOCK_INIT("bio cache");

static struct {
	struct buf bufs[BIO_NBUF];
	struct buf head; /* list sentinel: head.lru_next is the most recently used */
	int waiting;     /* processes asleep in bio_read for a free buffer */
} cache;

static void list_remove(struct buf *b)
{
	b->lru_prev->lru_next = b->lru_next;
	b->lru_next->lru_prev = b->lru_prev;
}

static void list_push_front(struct buf *b)
{
	b->lru_next = cache.head.lru_next;
	b->lru_prev = &cache.head;
	cache.head.lru_next->lru_prev = b;
	cache.head.lru_next = b;
}

void bio_init(void)
{
	cache.head.lru_next = cache.head.lru_prev = &cache.head;
	for (int i = 0; i < BIO_NBUF; i++) {
		struct buf *b = &cache.bufs[i];
		sleeplock_init(&b->lock, "buffer");
		b->blockno = BIO_NO_BLOCK;
		b->valid = 0;
		b->refcnt = 0;
		list_push_front(b);
	}
}

/* The buffer for blockno with a new reference, locked; not read yet if !valid. */
static struct buf *get(uint32_t blockno)
{
	spin_lock(&cache_lock);
	for (;;) {
		for (struct buf *b = cache.head.lru_next; b != &cache.head; b = b->lru_next) {
			if (b->blockno == blockno) {
				b->refcnt++;
				spin_unlock(&cache_lock);
				sleeplock_acquire(&b->lock);
				return b;
			}
		}
		for (struct buf *b = cache.head.lru_prev; b != &cache.head; b = b->lru_prev) {
			if (b->refcnt == 0) {
				b->blockno = blockno;
				b->valid = 0;
				b->refcnt = 1;
				spin_unlock(&cache_lock);
				sleeplock_acquire(&b->lock);
				return b;
			}
		}
		cache.waiting++;
		sleep(&cache.waiting, &cache_lock);
		cache.waiting--;
	}
}

struct buf *bio_read(uint32_t blockno)
{
	struct buf *b = get(blockno);
	if (!b->valid) {
		int err = disk_read(blockno, b->data);
		if (err < 0)
			panic("bio: disk read of block %u failed (%d)", blockno, err);
		b->valid = 1;
	}
	return b;
}

struct buf *bio_zero(uint32_t blockno)
{
	struct buf *b = get(blockno);
	memset(b->data, 0, sizeof(b->data));
	b->valid = 1;
	return b;
}

void bio_write(struct buf *b)
{
	if (!sleeplock_held(&b->lock))
		panic("bio: write of block %u by a process that does not hold it", b->blockno);
	int err = disk_write(b->blockno, b->data);
	if (err < 0)
		panic("bio: disk write of block %u failed (%d)", b->blockno, err);
}

/* Drops a reference under the cache lock; a buffer nobody uses moves to the front. */
static void unref(struct buf *b)
{
	if (b->refcnt <= 0)
		panic("bio: block %u released with refcnt %d", b->blockno, b->refcnt);
	if (--b->refcnt == 0) {
		list_remove(b);
		list_push_front(b);
		if (cache.waiting)
			wakeup(&cache.waiting);
	}
}

void bio_release(struct buf *b)
{
	if (!sleeplock_held(&b->lock))
		panic("bio: release of block %u by a process that does not hold it", b->blockno);
	sleeplock_release(&b->lock);
	spin_lock(&cache_lock);
	unref(b);
	spin_unlock(&cache_lock);
}

void bio_pin(struct buf *b)
{
	spin_lock(&cache_lock);
	b->refcnt++;
	spin_unlock(&cache_lock);
}

void bio_unpin(struct buf *b)
{
	spin_lock(&cache_lock);
	unref(b);
	spin_unlock(&cache_lock);
}
