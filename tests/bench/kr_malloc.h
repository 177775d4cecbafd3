/*
 * tests/bench/kr_malloc.h - a K&R first-fit allocator, the yardstick for bench_heap.
 *
 * The design of xv6's user/umalloc.c (K&R, 2nd ed., section 8.7): one
 * circular free list in address order; malloc takes the first block that
 * fits, searching from where the last search stopped, and cuts the request
 * off that block's end; free walks the list to the block's place and merges
 * it with its neighbours. Memory comes from the same struct heap_backing as
 * mm/heap, at least KR_GROW_UNITS at a time. No checks, no locks: it exists
 * only to be measured against.
 */
#ifndef TESTS_BENCH_KR_MALLOC_H
#define TESTS_BENCH_KR_MALLOC_H

#include <stddef.h>

#include "../../mm/heap.h"

#define KR_GROW_UNITS 4096 /* units of sizeof(struct kr_header) (16 bytes): 64 KiB */

struct kr_header {
	struct kr_header *next; /* next free block, in address order */
	size_t units;           /* this block's size, header included */
};

struct kr_heap {
	struct kr_header base;   /* a zero-size block that starts the list */
	struct kr_header *freep; /* where the next search starts; NULL before the first */
	struct heap_backing backing;
	size_t grow_calls;
};

struct kr_stats {
	size_t free_bytes; /* all free blocks, headers included */
	size_t largest_free_bytes;
	size_t free_blocks;
};

/* An empty allocator over backing. */
void kr_init(struct kr_heap *kr, const struct heap_backing *backing);
/* A 16-byte aligned block of at least nbytes (if the backing's memory is), or NULL. */
void *kr_malloc(struct kr_heap *kr, size_t nbytes);
/* Gives back a block from kr_malloc (NULL is ignored). */
void kr_free(struct kr_heap *kr, void *ptr);
/* Walks the free list. */
void kr_stats(const struct kr_heap *kr, struct kr_stats *stats);

#endif
