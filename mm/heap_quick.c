/*
 * mm/heap_quick.c - size classes and quick lists: the fast path of
 * heap_alloc and heap_free (heap.h has the design, heap.c the general path).
 *
 * A free of a used block of a class size, on its own arena's hart, checks
 * the block as the general path would (magic, size, next, trailer) with a
 * few compares, flags it Quick with one compare-and-swap (so that of two
 * racing frees exactly one wins, as in the general path) and pushes it on
 * its class's list. An alloc of the class pops the last block pushed after
 * comparing its magic, size and next. Anything that is not exactly right is left
 * to the general path, which validates everything and names the fault; a
 * quick-listed block that was overwritten is reported there, by
 * heap_quick_take, and stays listed. The lists are arrays in the arena, so
 * no address is ever read from a payload that a write after free can reach.
 *
 * Never include kernel headers or call the C library: this file is also built
 * into host tests, fuzzers and user space.
 */
#include "heap_internal.h"

#define QUICK_EXACT_CLASSES 8 /* payloads of 16..128 bytes, in steps of 16 */

/* The payload of class cls in 16-byte units: 1..8, then four per power of two, up to 256. */
static unsigned class_units(unsigned cls)
{
	if (cls < QUICK_EXACT_CLASSES)
		return cls + 1;
	unsigned k = cls - QUICK_EXACT_CLASSES;
	return (5 + k % 4) << (k / 4 + 1);
}

void heap_quick_init(struct heap *heap)
{
	unsigned cls = 0;
	for (unsigned units = 0; units <= HEAP_QUICK_MAX_BYTES / HEAP_ALIGN_BYTES; units++) {
		while (class_units(cls) < units)
			cls++;
		heap->quick_class[units] = (uint8_t)cls;
	}
	for (cls = 0; cls < HEAP_QUICK_CLASSES; cls++)
		heap->quick_block_bytes[cls] =
			(uint16_t)(class_units(cls) * HEAP_ALIGN_BYTES + BLOCK_OVERHEAD_BYTES);
}

/*
 * The top of class cls's list if it is an intact Quick block of the class
 * (magic, size, and a next that size agrees with: a chunk's last block,
 * whose next is 0, is never listed), else 0.
 */
static inline uintptr_t intact_top(const struct heap *heap, const struct heap_arena *a, size_t cls)
{
	size_t n = a->quick_count[cls];
	uintptr_t b = n ? a->quick[cls][n - 1] : 0;
	uint64_t size = heap->quick_block_bytes[cls];
	if (b && load_magic(b) == HEAP_MAGIC(HEAP_FLAG_QUICK) && blk(b)->size == size &&
	    blk(b)->next == b + size)
		return b;
	return 0;
}

/* Pops b, the intact top of class cls's list, and makes it used. */
static inline void pop(struct heap_arena *a, size_t cls, uintptr_t b)
{
	a->quick_count[cls]--;
	store_magic(b, HEAP_MAGIC(HEAP_FLAG_USED));
}

/*
 * Pushes b, in chunk c of arena a, on its class's list if it is a used
 * block of a class size exactly as the general path would accept it
 * (heap_check_block, heap_check_used), not its chunk's last block (whose
 * next is 0, which intact_top could not tell from a wiped one), and the
 * list has room.
 */
static inline bool push(const struct heap *heap, struct heap_arena *a, const struct heap_chunk *c,
			uintptr_t b)
{
	uint64_t size = blk(b)->size, next = blk(b)->next;
	uint64_t units = (size - BLOCK_OVERHEAD_BYTES) / HEAP_ALIGN_BYTES;
	/* one compare for both: a size below the smallest block wraps around */
	if (size - HEAP_MIN_BLOCK_BYTES >
	    HEAP_QUICK_MAX_BYTES + BLOCK_OVERHEAD_BYTES - HEAP_MIN_BLOCK_BYTES)
		return false;
	size_t cls = heap->quick_class[units], n = a->quick_count[cls];
	uintptr_t end = b + size;
	if (heap->quick_block_bytes[cls] != size || n == HEAP_QUICK_DEPTH || next != end ||
	    end > c->end || c->end - end < HEAP_MIN_BLOCK_BYTES)
		return false;
	uint64_t magic = HEAP_MAGIC(HEAP_FLAG_USED);
	if (*trailer(b, size) != HEAP_TRAILER_USED ||
	    !__atomic_compare_exchange_n(&blk(b)->magic, &magic, HEAP_MAGIC(HEAP_FLAG_QUICK), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return false;
	a->quick[cls][n] = b;
	a->quick_count[cls] = (uint8_t)(n + 1);
	return true;
}

/* Validates b, listed for class cls, in full: a Quick block of the class's size; *c its chunk. */
static int check_listed(const struct op *op, unsigned cls, uintptr_t b, const struct heap_chunk **c)
{
	int err = heap_listed_block_at(op, b, HEAP_FLAG_QUICK, "quick list", c);
	uint64_t want = op->heap->quick_block_bytes[cls];
	if (!err && blk(b)->size != want)
		err = fail(op, HEAP_ERR_SIZE, b, "size", blk(b)->size, want);
	return err;
}

int heap_quick_take(const struct op *op, unsigned cls, uintptr_t *b)
{
	struct heap_arena *a = op->arena;
	unsigned n = a->quick_count[cls];
	*b = 0;
	if (!n)
		return 0;
	uintptr_t top = a->quick[cls][n - 1];
	const struct heap_chunk *c; /* a top that is not intact is corrupt: this names how */
	int err = intact_top(op->heap, a, cls) ? 0 : check_listed(op, cls, top, &c);
	if (err)
		return err;
	pop(a, cls, top);
	*b = top;
	return 0;
}

int heap_quick_flush(const struct op *op)
{
	struct heap_arena *a = op->arena;
	for (unsigned cls = 0; cls < HEAP_QUICK_CLASSES; cls++) {
		while (a->quick_count[cls]) {
			uintptr_t b = a->quick[cls][a->quick_count[cls] - 1];
			const struct heap_chunk *c;
			/* heap_release changes nothing when it fails: b stays listed */
			int err = check_listed(op, cls, b, &c);
			if (!err)
				err = heap_release(op, c, b);
			if (err)
				return err;
			a->quick_count[cls]--;
		}
	}
	return 0;
}

/*
 * The chunk of the block b would be if it is a payload's block, looked up
 * first in a's chunk cache (a chunk is at least one granule, so a granule
 * meets at most two; the cache keeps the one last found). NULL if there can
 * be no block at b.
 */
static inline const struct heap_chunk *cached_chunk(const struct heap *heap, struct heap_arena *a,
						    uintptr_t b)
{
	const struct heap_chunk **slot =
		&a->chunk_cache[(b / HEAP_GROW_MIN_BYTES) % HEAP_CHUNK_CACHE];
	const struct heap_chunk *c = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (c && block_fits(c, b))
		return c;
	c = payload_chunk(heap, (const void *)(b + HEAP_HEADER_BYTES));
	if (c)
		__atomic_store_n(slot, c, __ATOMIC_RELAXED);
	return c;
}

void *heap_alloc(struct heap *heap, unsigned hart, size_t size_bytes, struct heap_fault *fault)
{
	fault->err = 0;
	if (size_bytes <= HEAP_QUICK_MAX_BYTES) {
		struct heap_arena *a = arena_of(heap, hart);
		size_t cls = quick_class_of(heap, size_bytes);
		mm_spin_lock(&a->lock);
		/* GC-scheduled blocks first: the general path reclaims them */
		uintptr_t b = __atomic_load_n(&a->remote_head, __ATOMIC_RELAXED)
				      ? 0
				      : intact_top(heap, a, cls);
		if (b)
			pop(a, cls, b);
		mm_spin_unlock(&a->lock);
		if (b)
			return (void *)(b + HEAP_HEADER_BYTES);
	}
	struct op op = op_begin(heap, hart, "heap_alloc", fault);
	return heap_alloc_general(&op, size_bytes);
}

int heap_free(struct heap *heap, unsigned hart, void *ptr, struct heap_fault *fault)
{
	fault->err = 0;
	if (!ptr)
		return 0;
	struct heap_arena *a = arena_of(heap, hart);
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	const struct heap_chunk *c = cached_chunk(heap, a, b);
	if (c && c->arena == a->index) {
		mm_spin_lock(&a->lock);
		bool pushed = push(heap, a, c, b);
		mm_spin_unlock(&a->lock);
		if (pushed)
			return 0;
	}
	struct op op = op_begin(heap, hart, "heap_free", fault);
	return heap_free_general(&op, c, ptr);
}

int heap_flush(struct heap *heap, unsigned hart, struct heap_fault *fault)
{
	struct op op = op_begin(heap, hart, "heap_flush", fault);
	mm_spin_lock(&op.arena->lock);
	int err = heap_quick_flush(&op);
	mm_spin_unlock(&op.arena->lock);
	return err;
}
