/*
 * kernel/kalloc.c - physical pages for the kernel, over mm/frame.
 */
#include "kalloc.h"

#include "../lib/string.h"
#include "../mm/frame.h"
#include "../mm/memmap.h"
#include "../mm/page.h"
#include "console.h"
#include "hart.h"
#include "panic.h"

static struct frame_allocator frames;
static struct frame_hart *hart_frames[MAGMA_MAX_HARTS];

_Static_assert(MAGMA_MAX_HARTS <= FRAME_MAX_HARTS, "a frame cache for every hart");
_Static_assert(PAGE_SIZE == MM_PAGE_SIZE, "the kernel's pages are the pages of mm/ (mm/page.h)");

void kalloc_init(const struct memmap *map)
{
	struct frame_range ranges[MEMMAP_MAX_USABLE];
	int largest = 0;
	uint64_t nframes = 0;
	for (int i = 0; i < map->usable_count; i++) {
		ranges[i] = (struct frame_range){ map->usable[i].base, map->usable[i].size };
		nframes += ranges[i].size / PAGE_SIZE;
		if (ranges[i].size > ranges[largest].size)
			largest = i;
	}
	/* The metadata lives outside the managed frames: shrink the largest range. */
	uint64_t meta_bytes = (frame_meta_bytes(nframes) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (meta_bytes >= ranges[largest].size)
		panic("kalloc: %lu bytes of frame metadata do not fit in 0x%lx+0x%lx", meta_bytes,
		      ranges[largest].base, ranges[largest].size);
	ranges[largest].size -= meta_bytes;
	void *meta = (void *)(ranges[largest].base + ranges[largest].size);

	int err = frame_init(&frames, ranges, (size_t)map->usable_count, meta, meta_bytes,
			     MAGMA_MAX_HARTS);
	if (err)
		panic("kalloc: frame_init: %s", frame_strerror(err));
	kprintf("magma: frames: %lu managed by mm/frame, metadata %lu KiB at 0x%lx\n",
		frame_count_total(&frames), meta_bytes >> 10, (uintptr_t)meta);
}

void kalloc_init_hart(void)
{
	hart_frames[this_hartid()] = frame_hart(&frames, (uint32_t)this_hartid());
}

void *page_alloc_dirty(void)
{
	push_intr_off();
	uint64_t pa = frame_alloc(hart_frames[this_hartid()]);
	pop_intr_off();
	return (void *)pa;
}

void *page_alloc(void)
{
	void *page = page_alloc_dirty();
	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

void page_free(void *page)
{
	push_intr_off();
	int err = frame_free(hart_frames[this_hartid()], (uint64_t)page);
	pop_intr_off();
	if (err)
		panic("kalloc: page_free(0x%lx) refused: %s", (uintptr_t)page, frame_strerror(err));
}

uint64_t kalloc_free_frames(void)
{
	return frame_count_free(&frames);
}

struct frame_allocator *kalloc_frames(void)
{
	return &frames;
}
