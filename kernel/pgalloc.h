/*
 * kernel/pgalloc.h - TEMPORARY physical page allocator for early boot.
 *
 * A bump allocator over the RAM after the kernel image, enough to build page
 * tables. It never frees. mm/frame (the per-hart frame allocator) replaces
 * it in the memory-management issue.
 */
#ifndef KERNEL_PGALLOC_H
#define KERNEL_PGALLOC_H

#include <stdint.h>

#define PAGE_SIZE 4096ul

/* Hands out pages from [start, end), page-aligned inward. */
void pgalloc_init(uintptr_t start, uintptr_t end);
/* A zeroed page, or 0 when none is left. */
void *pgalloc_page(void);
/* Pages handed out so far. */
uint64_t pgalloc_used(void);

#endif
