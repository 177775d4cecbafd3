/*
 * mm/heap_internal.h - what the parts of the heap share; only mm/heap*.c include it.
 *
 * The heap (interface, block layout and design in heap.h) is three files:
 *   heap_block.c  reading blocks back: validating headers, trailers and
 *                 free-list links before anything follows them;
 *   heap.c        allocation: bins, splitting and coalescing, growing,
 *                 alloc, free and realloc;
 *   heap_check.c  the whole-heap walk behind heap_check() and heap_stats().
 * This header holds the private types, the raw block accessors (no checks:
 * callers validate first) and the validators heap_block.c exports.
 * Never include kernel headers here.
 */
#ifndef MM_HEAP_INTERNAL_H
#define MM_HEAP_INTERNAL_H

#include <stdbool.h>

#include "heap.h"

_Static_assert(sizeof(uintptr_t) == 8, "mm/heap implements the seed's 64-bit layout");

struct block {
	uint64_t magic;
	uint64_t size;
	uint64_t next;
};

/* In the payload of a free block. */
struct free_links {
	uintptr_t prev, next;
};

#define EXACT_BINS           64 /* bin b < 64 holds blocks of exactly b * 16 bytes */
#define RANGE_LOG2_MIN       10 /* log2(EXACT_BINS * 16): where the range bins start */
#define SUB_BINS_LOG2        2  /* range bins per power of two: 4 */
#define BLOCK_OVERHEAD_BYTES (HEAP_HEADER_BYTES + HEAP_TRAILER_BYTES)

/* One call: where a fault is reported, and the arena being worked on. */
struct op {
	struct heap *heap;
	struct heap_arena *arena; /* the caller's arena, or the one heap_check walks */
	unsigned hart;
	const char *name;
	struct heap_fault *fault;
};

/* --- raw block access (no checks: callers validate first) --- */

static inline struct block *blk(uintptr_t b)
{
	return (struct block *)b;
}

static inline struct free_links *links(uintptr_t b)
{
	return (struct free_links *)(b + HEAP_HEADER_BYTES);
}

/* A GC-scheduled block's link in its owner's remote-free list. */
static inline uintptr_t *remote_link(uintptr_t b)
{
	return (uintptr_t *)(b + HEAP_HEADER_BYTES);
}

static inline uint64_t *trailer(uintptr_t b, uint64_t size)
{
	return (uint64_t *)(b + size - HEAP_TRAILER_BYTES);
}

/* The magic is atomic: another hart may GC-schedule a used block at any time. */
static inline uint64_t load_magic(uintptr_t b)
{
	return __atomic_load_n(&blk(b)->magic, __ATOMIC_RELAXED);
}

static inline void store_magic(uintptr_t b, uint64_t magic)
{
	__atomic_store_n(&blk(b)->magic, magic, __ATOMIC_RELAXED);
}

static inline void write_header(uintptr_t b, enum heap_flag flag, uint64_t size, uintptr_t next)
{
	store_magic(b, HEAP_MAGIC(flag));
	blk(b)->size = size;
	blk(b)->next = next;
}

/*
 * The bin for a free block of size bytes: one bin per size below 1 KiB
 * (16-byte steps), then four per power of two (see heap.c).
 */
static inline unsigned bin_of(uint64_t size)
{
	if (size < EXACT_BINS * HEAP_ALIGN_BYTES)
		return (unsigned)(size / HEAP_ALIGN_BYTES);
	unsigned log2 = 63 - (unsigned)__builtin_clzll(size);
	uint64_t sub = (size >> (log2 - SUB_BINS_LOG2)) & ((1u << SUB_BINS_LOG2) - 1);
	uint64_t bin = EXACT_BINS + ((uint64_t)(log2 - RANGE_LOG2_MIN) << SUB_BINS_LOG2) + sub;
	return bin < HEAP_BINS ? (unsigned)bin : HEAP_BINS - 1;
}

/* Fills the op's fault (err 0 clears it) and returns err. */
static inline int fail(const struct op *op, int err, uintptr_t block, const char *field,
		       uint64_t found, uint64_t expected)
{
	*op->fault = (struct heap_fault){ err, block, field, found, expected, op->name, op->hart };
	return err;
}

/* An op for a call on hart's arena, with its fault cleared. */
static inline struct op op_begin(struct heap *heap, unsigned hart, const char *name,
				 struct heap_fault *fault)
{
	struct op op = { heap, &heap->arenas[hart % heap->narenas], hart, name, fault };
	fail(&op, 0, 0, "", 0, 0);
	return op;
}

/* --- validation (heap_block.c) --- */

/*
 * Validates the header at b (a block could start there in c): magic, size against
 * the chunk, next against size. When size and next disagree, the field that
 * points at a plausible successor is believed (the nearer one if both do: no
 * valid header lies inside a block) and the other one is reported.
 * Returns the block's flag, or a negative error with the fault filled.
 */
int heap_check_block(const struct op *op, const struct heap_chunk *c, uintptr_t b);

/* Validates what a free block b (header already checked) keeps beyond its header. */
int heap_check_free_block(const struct op *op, uintptr_t b);

/*
 * Validates p, taken from one of the op's arena's lists (a bin, or the
 * remote-free list), as a block of the arena flagged want_flag; *c is its chunk.
 */
int heap_listed_block_at(const struct op *op, uintptr_t p, int want_flag, const char *list,
			 const struct heap_chunk **c);

/* Validates next (a checked block's next, 0 for none); *after = next if it is free. */
int heap_find_free_after(const struct op *op, const struct heap_chunk *c, uintptr_t next,
			 uintptr_t *after);

/* Finds, through b's boundary tag, the block before b; *before = it if it is free. */
int heap_find_free_before(const struct op *op, const struct heap_chunk *c, uintptr_t b,
			  uintptr_t *before);

/* The checks before a free, realloc or size query of the used block at b. */
int heap_check_used(const struct op *op, const struct heap_chunk *c, uintptr_t b);

/* The chunk of the block whose payload is at ptr; NULL with a fault if there is none. */
const struct heap_chunk *heap_payload_chunk(const struct op *op, const void *ptr);

#endif
