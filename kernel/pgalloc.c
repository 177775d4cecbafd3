/*
 * kernel/pgalloc.c - the temporary bump allocator (see pgalloc.h).
 */
#include "pgalloc.h"

#include "../lib/string.h"
#include "spinlock.h"

static struct spinlock lock = SPINLOCK_INIT("pgalloc");
static uintptr_t next, limit;
static uint64_t used;

void pgalloc_init(uintptr_t start, uintptr_t end)
{
	next = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	limit = end & ~(PAGE_SIZE - 1);
}

void *pgalloc_page(void)
{
	spin_lock(&lock);
	void *page = 0;
	if (next < limit) {
		page = (void *)next;
		next += PAGE_SIZE;
		used++;
	}
	spin_unlock(&lock);
	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

uint64_t pgalloc_used(void)
{
	return used;
}
