/*
 * kernel/pageref.c - per-frame mapping counts for copy-on-write (pageref.h).
 */
#include "pageref.h"

#include "kalloc.h"
#include "kmalloc.h"
#include "panic.h"

static uint64_t span_base, span_frames;
static uint32_t *counts;
static uint64_t shared_frames; /* frames with a count above 1 */

void pageref_init(uint64_t base, uint64_t end)
{
	span_base = base;
	span_frames = (end - base) / PAGE_SIZE;
	counts = kmalloc(span_frames * sizeof *counts);
	if (!counts)
		panic("pageref: no memory for %lu frame counts", span_frames);
	for (uint64_t i = 0; i < span_frames; i++)
		counts[i] = 0;
}

static uint32_t *count_of(uint64_t pa)
{
	uint64_t index = (pa - span_base) / PAGE_SIZE;
	if (pa < span_base || index >= span_frames || pa % PAGE_SIZE)
		panic("pageref: 0x%lx is not a frame of RAM [0x%lx, +%lu frames)", pa, span_base,
		      span_frames);
	return &counts[index];
}

void pageref_set_one(uint64_t pa)
{
	__atomic_store_n(count_of(pa), 1, __ATOMIC_RELAXED);
}

void pageref_inc(uint64_t pa)
{
	// LAB(cow) begin
	uint32_t before = __atomic_fetch_add(count_of(pa), 1, __ATOMIC_RELAXED);
	if (before == 0)
		panic("pageref: sharing frame 0x%lx, which no page table maps", pa);
	if (before == 1)
		__atomic_fetch_add(&shared_frames, 1, __ATOMIC_RELAXED);
	// LAB(cow) stub
	// /* TODO(lab cow): one more mapping of pa (atomically: forks race on other harts). */
	// panic("pageref_inc(0x%lx): not written yet (lab cow)", pa);
	// LAB(cow) end
}

uint32_t pageref_dec_and_free(uint64_t pa)
{
	// LAB(cow) begin
	/* The last one to drop its mapping frees the frame, on whichever hart that is. */
	uint32_t before = __atomic_fetch_sub(count_of(pa), 1, __ATOMIC_ACQ_REL);
	if (before == 0)
		panic("pageref: frame 0x%lx unmapped more often than mapped", pa);
	if (before == 2)
		__atomic_fetch_sub(&shared_frames, 1, __ATOMIC_RELAXED);
	if (before == 1)
		page_free((void *)pa);
	return before - 1;
	// LAB(cow) stub
	// /* TODO(lab cow): count down, and free the frame only when no mapping is left. */
	// count_of(pa); /* checks that pa is a frame of RAM */
	// page_free((void *)pa);
	// return 0;
	// LAB(cow) end
}

uint32_t pageref_get(uint64_t pa)
{
	return __atomic_load_n(count_of(pa), __ATOMIC_ACQUIRE);
}

uint64_t pageref_shared_frames(void)
{
	return __atomic_load_n(&shared_frames, __ATOMIC_RELAXED);
}
