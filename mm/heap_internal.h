/*
 * mm/heap_internal.h - what the parts of the heap share; only mm/heap*.c include it.
 *
 * The heap (interface, block layout and design in heap.h) is four files:
 *   heap_block.c  reading blocks back: validating headers, trailers and
 *                 free-list links before anything follows them;
 *   heap.c        the general path: bins, splitting and coalescing,
 *                 growing, alloc, free and realloc;
 *   heap_quick.c  size classes and the quick lists: the fast path of
 *                 heap_alloc and heap_free, heap_flush;
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

/* Fills the op's fault and returns err. */
static inline int fail(const struct op *op, int err, uintptr_t block, const char *field,
		       uint64_t found, uint64_t expected)
{
	*op->fault = (struct heap_fault){ err, block, field, found, expected, op->name, op->hart };
	return err;
}

/* Reports ptr as no payload start of this heap. */
static inline int fail_bad_pointer(const struct op *op, const void *ptr)
{
	return fail(op, HEAP_ERR_BAD_POINTER, (uintptr_t)ptr, "pointer", (uintptr_t)ptr, 0);
}

static inline struct heap_arena *arena_of(struct heap *heap, unsigned hart)
{
	return heap->arena_at[hart % heap->narenas];
}

/* An op for a call on hart's arena; its fault's err is 0 until something fails. */
static inline struct op op_begin(struct heap *heap, unsigned hart, const char *name,
				 struct heap_fault *fault)
{
	fault->err = 0;
	return (struct op){ heap, arena_of(heap, hart), hart, name, fault };
}

/* --- chunks --- */

/*
 * The chunk holding address b, or NULL. Entries below nchunks never change.
 * Newest first: arenas grow by doubling, so most blocks live in late chunks.
 */
static inline const struct heap_chunk *chunk_of(const struct heap *heap, uintptr_t b)
{
	unsigned n = __atomic_load_n(&heap->nchunks, __ATOMIC_ACQUIRE);
	for (unsigned i = n; i-- > 0;) {
		const struct heap_chunk *c = &heap->chunks[i];
		if (b >= c->base && b < c->end)
			return c;
	}
	return NULL;
}

/* Whether a block could start at b in c: aligned, inside, room for the smallest block. */
static inline bool block_fits(const struct heap_chunk *c, uintptr_t b)
{
	return b % HEAP_ALIGN_BYTES == 8 && b >= c->base && b < c->end &&
	       c->end - b >= HEAP_MIN_BLOCK_BYTES;
}

/* The chunk of the block whose payload is at ptr if there can be one, else NULL. */
static inline const struct heap_chunk *payload_chunk(const struct heap *heap, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr, b = p - HEAP_HEADER_BYTES;
	const struct heap_chunk *c = p % HEAP_ALIGN_BYTES ? NULL : chunk_of(heap, b);
	return c && block_fits(c, b) ? c : NULL;
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

/* Validates what a free block b of chunk c (header checked) keeps beyond its header. */
int heap_check_free_block(const struct op *op, const struct heap_chunk *c, uintptr_t b);

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

/* --- between the general path and the quick lists --- */

/* The class of a request of size_bytes <= HEAP_QUICK_MAX_BYTES (heap_quick.c fills the table). */
static inline unsigned quick_class_of(const struct heap *heap, uint64_t size_bytes)
{
	return heap->quick_class[(size_bytes + HEAP_ALIGN_BYTES - 1) / HEAP_ALIGN_BYTES];
}

/* Fills the heap's size-class tables (heap_init). */
void heap_quick_init(struct heap *heap);

/*
 * Under the op's arena lock: pops a block of class cls off the quick list
 * into *b (0 if the list is empty), made used. A listed block that is not an
 * intact Quick block of the class is reported and left where it is.
 */
int heap_quick_take(const struct op *op, unsigned cls, uintptr_t *b);

/* Under the op's arena lock: frees every quick-listed block the general way. */
int heap_quick_flush(const struct op *op);

/* Frees b (validated, of the op's arena, locked; not on a list), coalescing it (heap.c). */
int heap_release(const struct op *op, const struct heap_chunk *c, uintptr_t b);

/* heap_alloc and heap_free past their fast path: everything validated, coalescing (heap.c). */
void *heap_alloc_general(const struct op *op, size_t size_bytes);
/* c: payload_chunk(op->heap, ptr), which the caller has looked up. */
int heap_free_general(const struct op *op, const struct heap_chunk *c, void *ptr);

#endif
