/*
 * kernel/pageref.h - how many page tables map each user frame.
 *
 * Copy-on-write fork shares a frame between parent and child; the frame
 * goes back to mm/frame only when the last mapping of it goes away. The
 * count lives in one array indexed by frame number over the span of RAM,
 * changed with atomic adds, so sharing takes no lock.
 */
#ifndef KERNEL_PAGEREF_H
#define KERNEL_PAGEREF_H

#include <stdint.h>

/* Boot hart, after kmalloc_init: counts for every frame in [base, end). */
void pageref_init(uint64_t base, uint64_t end);
/* A new user frame: its count becomes 1. */
void pageref_set_one(uint64_t pa);
/* One more mapping of pa. */
void pageref_inc(uint64_t pa);
/* One mapping fewer; frees the frame when it was the last. Returns the count left. */
uint32_t pageref_dec_and_free(uint64_t pa);
/* The current count (1 = owned by one page table alone). */
uint32_t pageref_get(uint64_t pa);
/* Frames whose count is above 1 now, for memstat. */
uint64_t pageref_shared_frames(void);

#endif
