/*
 * kernel/kalloc.h - the kernel's physical pages, from mm/frame.
 *
 * A thin layer: mm/frame does the work (per-hart caches over a shared pool);
 * here interrupts are held off around each call, since a hart's cache must
 * never be re-entered, and a refused free panics with the reason, since in
 * the kernel it can only be a bug.
 */
#ifndef KERNEL_KALLOC_H
#define KERNEL_KALLOC_H

#include <stdint.h>

struct frame_allocator;
struct memmap;

#define PAGE_SIZE 4096ul
/* Frames no promise of user memory (sbrk, a shared-memory block) may take: the kernel's own. */
#define KERNEL_RESERVE_FRAMES 64

/*
 * Hands every usable range of map to the frame allocator; the per-frame
 * metadata is carved from the top of the largest range. Boot hart, once.
 */
void kalloc_init(const struct memmap *map);
/* Gives the calling hart its frame cache; every hart, before its first page. */
void kalloc_init_hart(void);
/* A zeroed page, or 0 when memory is exhausted. */
void *page_alloc(void);
/* A page with whatever it held before (the caller overwrites all of it), or 0. */
void *page_alloc_dirty(void);
/* Returns a page; panics naming the address and error if it was not allocated. */
void page_free(void *page);
/* Frames free now, in the pool and every hart's cache. */
uint64_t kalloc_free_frames(void);
/* The allocator itself, for statistics and benchmarks. */
struct frame_allocator *kalloc_frames(void);

#endif
