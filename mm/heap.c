/*
 * mm/heap.c - the checked block heap (heap.h has the block layout and the
 * concurrency design).
 *
 * Free blocks wait in per-arena bins, each a doubly linked list: one bin per
 * size below 1 KiB (16-byte steps), then four per power of two, the
 * two-level scheme of TLSF (Masmano et al., ECRTS 2004). A bitmap says which
 * bins hold blocks, so a fit is found with a few word scans, not a walk.
 *
 * Invariants, true whenever an arena's lock is free:
 *   - the blocks of a chunk tile it: next == block + size, 0 for the last;
 *   - no two neighbouring blocks are free (coalesce() merges both ways);
 *   - a free block is in bin bin_of(size) and its trailer is its address;
 *   - a used or GC-scheduled block's trailer is HEAP_TRAILER_USED;
 *   - a header that stops being one (absorbed by a merge) is scrubbed to 0,
 *     so a stale copy never passes for a block.
 * Each operation first validates everything it will touch (check_block,
 * check_free_block) and only then changes anything, so a fault leaves the
 * heap as it was. One exception: a bad entry in a remote-free list ends
 * reclaim(), and the entries after it stay GC-scheduled for good.
 *
 * Never include kernel headers or call the C library: this file is also built
 * into host tests, fuzzers and user space.
 */
#include "heap.h"

#include <stdbool.h>

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

#define EXACT_BINS 64      /* bin b < 64 holds blocks of exactly b * 16 bytes */
#define RANGE_LOG2_MIN 10  /* log2(EXACT_BINS * 16): where the range bins start */
#define SUB_BINS_LOG2 2    /* range bins per power of two: 4 */
#define BLOCK_OVERHEAD_BYTES (HEAP_HEADER_BYTES + HEAP_TRAILER_BYTES)

/* One call: where a fault is reported, and the arena being worked on. */
struct op {
	struct heap *heap;
	struct heap_arena *arena; /* the caller's arena, or the one heap_check walks */
	unsigned hart;
	const char *name;
	struct heap_fault *fault;
};

const char *heap_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case HEAP_ERR_NOMEM: return "out of memory (the backing has no more)";
	case HEAP_ERR_TOO_BIG: return "size too big";
	case HEAP_ERR_BAD_ARG: return "bad argument";
	case HEAP_ERR_BAD_POINTER: return "not a payload start of this heap";
	case HEAP_ERR_DOUBLE_FREE: return "block already free or GC-scheduled (double free)";
	case HEAP_ERR_MAGIC: return "bad magic (safety nibbles)";
	case HEAP_ERR_FLAGS: return "bad magic (flag nibbles)";
	case HEAP_ERR_SIZE: return "bad block size";
	case HEAP_ERR_NEXT: return "bad next pointer";
	case HEAP_ERR_TRAILER: return "bad trailer (payload overrun?)";
	case HEAP_ERR_LINK: return "bad free-list or remote-list link";
	case HEAP_ERR_COALESCE: return "neighbouring free blocks not coalesced";
	case HEAP_ERR_BACKING: return "backing returned a bad chunk";
	case HEAP_ERR_CHUNKS: return "chunk table full";
	default: return "unknown error";
	}
}

static int fail(const struct op *op, int err, uintptr_t block, const char *field, uint64_t found,
		uint64_t expected)
{
	*op->fault = (struct heap_fault){ err, block, field, found, expected, op->name, op->hart };
	return err;
}

static struct op op_begin(struct heap *heap, unsigned hart, const char *name,
			  struct heap_fault *fault)
{
	struct op op = { heap, &heap->arenas[hart % heap->narenas], hart, name, fault };
	fail(&op, 0, 0, "", 0, 0);
	return op;
}

/* --- raw block access (no checks: callers validate first) --- */

static struct block *blk(uintptr_t b)
{
	return (struct block *)b;
}

static struct free_links *links(uintptr_t b)
{
	return (struct free_links *)(b + HEAP_HEADER_BYTES);
}

/* A GC-scheduled block's link in its owner's remote-free list. */
static uintptr_t *remote_link(uintptr_t b)
{
	return (uintptr_t *)(b + HEAP_HEADER_BYTES);
}

static uint64_t *trailer(uintptr_t b, uint64_t size)
{
	return (uint64_t *)(b + size - HEAP_TRAILER_BYTES);
}

/* The magic is atomic: another hart may GC-schedule a used block at any time. */
static uint64_t load_magic(uintptr_t b)
{
	return __atomic_load_n(&blk(b)->magic, __ATOMIC_RELAXED);
}

static void store_magic(uintptr_t b, uint64_t magic)
{
	__atomic_store_n(&blk(b)->magic, magic, __ATOMIC_RELAXED);
}

static void write_header(uintptr_t b, enum heap_flag flag, uint64_t size, uintptr_t next)
{
	store_magic(b, HEAP_MAGIC(flag));
	blk(b)->size = size;
	blk(b)->next = next;
}

/* The flag of a well-formed magic, or HEAP_ERR_MAGIC / HEAP_ERR_FLAGS. */
static int magic_flag(uint64_t magic)
{
	if ((magic & HEAP_MAGIC_SAFETY_MASK) != HEAP_MAGIC_SAFETY)
		return HEAP_ERR_MAGIC;
	uint64_t flag = magic & 0xf;
	if (magic != HEAP_MAGIC(flag) || flag > HEAP_FLAG_GC)
		return HEAP_ERR_FLAGS;
	return (int)flag;
}

/* --- chunks --- */

/*
 * The chunk holding address b, or NULL. Entries below nchunks never change.
 * Newest first: arenas grow by doubling, so most blocks live in late chunks.
 */
static const struct heap_chunk *chunk_of(const struct heap *heap, uintptr_t b)
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
static bool block_fits(const struct heap_chunk *c, uintptr_t b)
{
	return b % HEAP_ALIGN_BYTES == 8 && b >= c->base && b < c->end &&
	       c->end - b >= HEAP_MIN_BLOCK_BYTES;
}

/* The op's arena's chunk in which a block could start at b, or NULL. */
static const struct heap_chunk *arena_chunk_of(const struct op *op, uintptr_t b)
{
	const struct heap_chunk *c = chunk_of(op->heap, b);
	return c && c->arena == op->arena->index && block_fits(c, b) ? c : NULL;
}

/* --- validation --- */

/* Whether p, the successor of b that one of b's fields claims, could be one (end: none). */
static bool successor_plausible(const struct heap_chunk *c, uintptr_t b, uintptr_t p)
{
	return p == c->end || (p > b && block_fits(c, p) && magic_flag(load_magic(p)) >= 0);
}

/*
 * Validates the header at b (block_fits(c, b) holds): magic, size against
 * the chunk, next against size. When size and next disagree, the field that
 * points at a plausible successor is believed (the nearer one if both do: no
 * valid header lies inside a block) and the other one is reported.
 * Returns the block's flag, or a negative error with the fault filled.
 */
static int check_block(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uint64_t magic = load_magic(b);
	int flag = magic_flag(magic);
	if (flag == HEAP_ERR_MAGIC)
		return fail(op, flag, b, "magic", magic & HEAP_MAGIC_SAFETY_MASK, HEAP_MAGIC_SAFETY);
	if (flag < 0) {
		uint64_t first = magic & 0xf; /* byte 0's flag nibble */
		bool same = magic == HEAP_MAGIC(first);
		return fail(op, flag, b, "magic flags", same ? first : magic,
			    same ? HEAP_FLAG_GC : HEAP_MAGIC(first));
	}

	uint64_t size = blk(b)->size, next = blk(b)->next, room = c->end - b;
	if (size % HEAP_ALIGN_BYTES)
		return fail(op, HEAP_ERR_SIZE, b, "size", size, size & ~15ull);
	if (size < HEAP_MIN_BLOCK_BYTES)
		return fail(op, HEAP_ERR_SIZE, b, "size", size, HEAP_MIN_BLOCK_BYTES);
	/* the rest of the chunk after this block is empty or holds a block */
	if (size != room && (size > room || room - size < HEAP_MIN_BLOCK_BYTES))
		return fail(op, HEAP_ERR_SIZE, b, "size", size, room);
	uintptr_t by_size = b + size;
	uintptr_t want_next = by_size == c->end ? 0 : by_size;
	if (next == want_next)
		return flag;
	uintptr_t by_next = next ? next : c->end;
	bool size_ok = successor_plausible(c, b, by_size);
	bool next_ok = next != c->end && successor_plausible(c, b, by_next);
	if (next_ok && !(size_ok && by_size <= by_next))
		return fail(op, HEAP_ERR_SIZE, b, "size", size, by_next - b);
	return fail(op, HEAP_ERR_NEXT, b, "next", next, want_next);
}

static unsigned bin_of(uint64_t size)
{
	if (size < EXACT_BINS * HEAP_ALIGN_BYTES)
		return (unsigned)(size / HEAP_ALIGN_BYTES);
	unsigned log2 = 63 - (unsigned)__builtin_clzll(size);
	uint64_t sub = (size >> (log2 - SUB_BINS_LOG2)) & ((1u << SUB_BINS_LOG2) - 1);
	uint64_t bin = EXACT_BINS + ((uint64_t)(log2 - RANGE_LOG2_MIN) << SUB_BINS_LOG2) + sub;
	return bin < HEAP_BINS ? (unsigned)bin : HEAP_BINS - 1;
}

/* Whether p is a free block of the op's arena whose link back to b is right. */
static bool linked_free(const struct op *op, uintptr_t p, uintptr_t b, bool p_is_prev)
{
	if (!arena_chunk_of(op, p) || magic_flag(load_magic(p)) != HEAP_FLAG_INIT)
		return false;
	return (p_is_prev ? links(p)->next : links(p)->prev) == b;
}

/* Validates what a free block b (header already checked) keeps beyond its header. */
static int check_free_block(const struct op *op, uintptr_t b)
{
	uint64_t size = blk(b)->size;
	uint64_t t = *trailer(b, size);
	if (t != b)
		return fail(op, HEAP_ERR_TRAILER, b, "trailer", t, b);
	const struct free_links *l = links(b);
	uintptr_t head = op->arena->bin_head[bin_of(size)];
	if ((l->prev == 0) != (head == b))
		return fail(op, HEAP_ERR_LINK, b, "bin head", head, b);
	if (l->prev && !linked_free(op, l->prev, b, true))
		return fail(op, HEAP_ERR_LINK, b, "free list prev", l->prev, 0);
	if (l->next && !linked_free(op, l->next, b, false))
		return fail(op, HEAP_ERR_LINK, b, "free list next", l->next, 0);
	return 0;
}

/*
 * Validates p, taken from one of the op's arena's lists (a bin, or the
 * remote-free list), as a block of the arena flagged want_flag; *c is its chunk.
 */
static int listed_block_at(const struct op *op, uintptr_t p, int want_flag, const char *list,
			   const struct heap_chunk **c)
{
	*c = arena_chunk_of(op, p);
	if (!*c)
		return fail(op, HEAP_ERR_LINK, p, list, p, 0);
	int flag = check_block(op, *c, p);
	if (flag < 0)
		return flag;
	if (flag != want_flag)
		return fail(op, HEAP_ERR_FLAGS, p, "magic flags", (uint64_t)flag, (uint64_t)want_flag);
	return flag == HEAP_FLAG_INIT ? check_free_block(op, p) : 0;
}

/* Validates next (a checked block's next, 0 for none); *after = next if it is free. */
static int free_after(const struct op *op, const struct heap_chunk *c, uintptr_t next,
		      uintptr_t *after)
{
	*after = 0;
	if (!next)
		return 0;
	int flag = check_block(op, c, next);
	if (flag != HEAP_FLAG_INIT)
		return flag < 0 ? flag : 0;
	int err = check_free_block(op, next);
	if (!err)
		*after = next;
	return err;
}

/* Finds, through b's boundary tag, the block before b; *before = it if it is free. */
static int free_before(const struct op *op, const struct heap_chunk *c, uintptr_t b,
		       uintptr_t *before)
{
	*before = 0;
	if (b == c->base)
		return 0;
	uint64_t t = *(const uint64_t *)(b - HEAP_TRAILER_BYTES);
	if (t == HEAP_TRAILER_USED)
		return 0;
	if (t >= b || !block_fits(c, t))
		return fail(op, HEAP_ERR_TRAILER, b, "previous trailer", t, HEAP_TRAILER_USED);
	int flag = check_block(op, c, t);
	if (flag < 0)
		return flag;
	if (flag != HEAP_FLAG_INIT || blk(t)->next != b)
		return fail(op, HEAP_ERR_TRAILER, b, "previous trailer", t, HEAP_TRAILER_USED);
	int err = check_free_block(op, t);
	if (!err)
		*before = t;
	return err;
}

/* The checks before a free, realloc or size query of the used block at b. */
static int check_used(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uint64_t magic = load_magic(b);
	if (magic_flag(magic) == HEAP_ERR_MAGIC)
		return fail(op, HEAP_ERR_BAD_POINTER, b + HEAP_HEADER_BYTES, "magic", magic,
			    HEAP_MAGIC(HEAP_FLAG_USED));
	int flag = check_block(op, c, b);
	if (flag < 0)
		return flag;
	if (flag != HEAP_FLAG_USED)
		return fail(op, HEAP_ERR_DOUBLE_FREE, b, "magic flags", (uint64_t)flag,
			    HEAP_FLAG_USED);
	uint64_t t = *trailer(b, blk(b)->size);
	if (t != HEAP_TRAILER_USED)
		return fail(op, HEAP_ERR_TRAILER, b, "trailer", t, HEAP_TRAILER_USED);
	return 0;
}

/* The chunk of the block whose payload is at ptr; NULL with a fault if there is none. */
static const struct heap_chunk *payload_chunk(const struct op *op, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr, b = p - HEAP_HEADER_BYTES;
	const struct heap_chunk *c = p % HEAP_ALIGN_BYTES ? NULL : chunk_of(op->heap, b);
	if (c && block_fits(c, b))
		return c;
	fail(op, HEAP_ERR_BAD_POINTER, p, "pointer", p, 0);
	return NULL;
}

/* --- bins --- */

static void bin_insert(struct heap_arena *a, uintptr_t b)
{
	unsigned bin = bin_of(blk(b)->size);
	uintptr_t head = a->bin_head[bin];
	links(b)->prev = 0;
	links(b)->next = head;
	if (head)
		links(head)->prev = b;
	a->bin_head[bin] = b;
	a->bin_bits[bin / 64] |= 1ull << (bin % 64);
}

static void bin_remove(struct heap_arena *a, uintptr_t b)
{
	unsigned bin = bin_of(blk(b)->size);
	struct free_links *l = links(b);
	if (l->prev)
		links(l->prev)->next = l->next;
	else
		a->bin_head[bin] = l->next;
	if (l->next)
		links(l->next)->prev = l->prev;
	if (!a->bin_head[bin])
		a->bin_bits[bin / 64] &= ~(1ull << (bin % 64));
}

/* The first non-empty bin at or above from, or HEAP_BINS. */
static unsigned next_bin(const struct heap_arena *a, unsigned from)
{
	for (unsigned w = from / 64; w < HEAP_BINS / 64; w++) {
		uint64_t bits = a->bin_bits[w];
		if (w == from / 64)
			bits &= ~0ull << (from % 64);
		if (bits)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
	}
	return HEAP_BINS;
}

/* --- changing blocks (everything passed in has been validated) --- */

/*
 * Makes [b, b + size), followed by next, one free block, merged with the
 * free neighbours before and after (0: none), and bins it.
 */
static void coalesce(struct heap_arena *a, uintptr_t b, uint64_t size, uintptr_t next,
		     uintptr_t before, uintptr_t after)
{
	if (after) {
		bin_remove(a, after);
		size += blk(after)->size;
		next = blk(after)->next;
		store_magic(after, 0);
	}
	if (before) {
		bin_remove(a, before);
		size += blk(before)->size;
		store_magic(b, 0);
		b = before;
	}
	write_header(b, HEAP_FLAG_INIT, size, next);
	*trailer(b, size) = b;
	bin_insert(a, b);
}

/*
 * Makes b, spanning size bytes up to next, a used block of need bytes; the
 * rest, if big enough for a block, becomes free (merged with after, the free
 * block at next or 0).
 */
static void split(struct heap_arena *a, uintptr_t b, uint64_t size, uintptr_t next,
		  uint64_t need, uintptr_t after)
{
	if (size - need < HEAP_MIN_BLOCK_BYTES)
		need = size;
	write_header(b, HEAP_FLAG_USED, need, need == size ? next : b + need);
	*trailer(b, need) = HEAP_TRAILER_USED;
	if (need < size)
		coalesce(a, b + need, size - need, next, 0, after);
}

/* Frees b (used or GC-scheduled, validated, of the op's arena), coalescing it. */
static int release(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uintptr_t before, after;
	int err = free_after(op, c, blk(b)->next, &after);
	if (!err)
		err = free_before(op, c, b, &before);
	if (!err)
		coalesce(op->arena, b, blk(b)->size, blk(b)->next, before, after);
	return err;
}

/* --- growing --- */

/* Under the grow lock: a new chunk [*base, *end) from the backing, at least min_bytes. */
static int new_chunk(const struct op *op, size_t min_bytes, size_t want_bytes, uintptr_t *base,
		     uintptr_t *end)
{
	struct heap *heap = op->heap;
	unsigned n = heap->nchunks;
	if (n == HEAP_MAX_CHUNKS)
		return fail(op, HEAP_ERR_CHUNKS, 0, "chunks", n, HEAP_MAX_CHUNKS);
	size_t got = 0, asked = want_bytes;
	op->arena->grow_calls++;
	void *mem = heap->backing.grow(heap->backing.ctx, asked, &got);
	if (!mem && want_bytes > min_bytes) {
		op->arena->grow_calls++;
		asked = min_bytes;
		mem = heap->backing.grow(heap->backing.ctx, asked, &got);
	}
	if (!mem)
		return fail(op, HEAP_ERR_NOMEM, 0, "backing", 0, min_bytes);
	uintptr_t p = (uintptr_t)mem;
	if (got < asked || got > UINTPTR_MAX - p)
		return fail(op, HEAP_ERR_BACKING, p, "backing", got, asked);
	*base = p + ((24 - p % HEAP_ALIGN_BYTES) % HEAP_ALIGN_BYTES); /* 8 mod 16 */
	*end = *base + ((p + got - *base) & ~(uintptr_t)(HEAP_ALIGN_BYTES - 1));
	for (unsigned i = 0; i < n; i++) {
		const struct heap_chunk *old = &heap->chunks[i];
		if (*base < old->end && old->base < *end)
			return fail(op, HEAP_ERR_BACKING, p, "backing overlap", old->base, 0);
	}
	heap->chunks[n] = (struct heap_chunk){ *base, *end, op->arena->index };
	__atomic_store_n(&heap->nchunks, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Adds a chunk with room for a block of need bytes to the op's arena, as one
 * free block. Asks for at least HEAP_GROW_MIN_BYTES and as much as the arena
 * holds, so an arena needs few chunks; falls back to just enough.
 */
static int grow(const struct op *op, uint64_t need)
{
	struct heap_arena *a = op->arena;
	size_t min_bytes = need + HEAP_ALIGN_BYTES; /* aligning the base costs up to 15 */
	size_t want_bytes = min_bytes;
	if (want_bytes < HEAP_GROW_MIN_BYTES)
		want_bytes = HEAP_GROW_MIN_BYTES;
	if (want_bytes < a->total_bytes)
		want_bytes = a->total_bytes;
	uintptr_t base, end;
	mm_spin_lock(&op->heap->grow_lock);
	int err = new_chunk(op, min_bytes, want_bytes, &base, &end);
	mm_spin_unlock(&op->heap->grow_lock);
	if (err)
		return err;
	a->total_bytes += end - base;
	coalesce(a, base, end - base, 0, 0, 0);
	return 0;
}

/* --- allocation --- */

/* The block size for a payload of size_bytes, overflow-checked. */
static int block_size_for(const struct op *op, size_t size_bytes, uint64_t *need)
{
	if (size_bytes > HEAP_MAX_ALLOC_BYTES)
		return fail(op, HEAP_ERR_TOO_BIG, 0, "size", size_bytes, HEAP_MAX_ALLOC_BYTES);
	uint64_t payload = ((uint64_t)size_bytes + HEAP_ALIGN_BYTES - 1) & ~15ull;
	*need = payload + BLOCK_OVERHEAD_BYTES;
	if (*need < HEAP_MIN_BLOCK_BYTES)
		*need = HEAP_MIN_BLOCK_BYTES;
	return 0;
}

/*
 * A free block of at least need bytes in the op's arena, or *b = 0: the head
 * of the first non-empty bin all of whose blocks fit, else the first fit in
 * need's own bin (a range bin holds some blocks smaller than need).
 */
static int find_fit(const struct op *op, uint64_t need, const struct heap_chunk **c,
		    uintptr_t *b)
{
	const struct heap_arena *a = op->arena;
	unsigned own = bin_of(need);
	unsigned bin = next_bin(a, own < EXACT_BINS ? own : own + 1);
	*b = 0;
	if (bin < HEAP_BINS) {
		*b = a->bin_head[bin];
		return listed_block_at(op, *b, HEAP_FLAG_INIT, "bin", c);
	}
	if (own < EXACT_BINS)
		return 0;
	for (uintptr_t p = a->bin_head[own]; p; p = links(p)->next) {
		int err = listed_block_at(op, p, HEAP_FLAG_INIT, "bin", c);
		if (err)
			return err;
		if (blk(p)->size >= need) {
			*b = p;
			return 0;
		}
	}
	return 0;
}

/* Takes a free block for need bytes (growing the arena if none fits) and makes it used. */
static int take(const struct op *op, uint64_t need, uintptr_t *out)
{
	const struct heap_chunk *c;
	uintptr_t b, after;
	int err = find_fit(op, need, &c, &b);
	if (!err && !b) {
		err = grow(op, need);
		if (!err) /* finds the new chunk's block if nothing else */
			err = find_fit(op, need, &c, &b);
	}
	if (!err)
		err = free_after(op, c, blk(b)->next, &after);
	if (err)
		return err;
	bin_remove(op->arena, b);
	split(op->arena, b, blk(b)->size, blk(b)->next, need, after);
	*out = b;
	return 0;
}

/* Frees the blocks that other harts GC-scheduled in the op's arena. */
static int reclaim(const struct op *op)
{
	struct heap_arena *a = op->arena;
	if (!__atomic_load_n(&a->remote_head, __ATOMIC_RELAXED))
		return 0;
	uintptr_t b = __atomic_exchange_n(&a->remote_head, 0, __ATOMIC_ACQUIRE);
	while (b) {
		const struct heap_chunk *c;
		int err = listed_block_at(op, b, HEAP_FLAG_GC, "remote list", &c);
		if (err)
			return err;
		uintptr_t next = *remote_link(b);
		err = release(op, c, b);
		if (err)
			return err;
		b = next;
	}
	return 0;
}

static void *alloc_on(const struct op *op, size_t size_bytes)
{
	uint64_t need;
	uintptr_t b = 0;
	if (block_size_for(op, size_bytes, &need))
		return NULL;
	mm_spin_lock(&op->arena->lock);
	int err = reclaim(op);
	if (!err)
		err = take(op, need, &b);
	mm_spin_unlock(&op->arena->lock);
	return err ? NULL : (void *)(b + HEAP_HEADER_BYTES);
}

/*
 * Turns the used block b into a GC-scheduled one with one compare-and-swap,
 * so that of two racing frees of one block exactly one wins.
 */
static int claim(const struct op *op, uintptr_t b)
{
	uint64_t magic = HEAP_MAGIC(HEAP_FLAG_USED);
	if (__atomic_compare_exchange_n(&blk(b)->magic, &magic, HEAP_MAGIC(HEAP_FLAG_GC), false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;
	return fail(op, HEAP_ERR_DOUBLE_FREE, b, "magic flags", magic & 0xf, HEAP_FLAG_USED);
}

/* Pushes b on owner's remote-free list: a lock-free stack that only the owner empties. */
static void push_remote(struct heap_arena *owner, uintptr_t b)
{
	uintptr_t head = __atomic_load_n(&owner->remote_head, __ATOMIC_RELAXED);
	do
		*remote_link(b) = head;
	while (!__atomic_compare_exchange_n(&owner->remote_head, &head, b, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
}

static int free_on(const struct op *op, void *ptr)
{
	const struct heap_chunk *c = payload_chunk(op, ptr);
	if (!c)
		return op->fault->err;
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	struct heap_arena *owner = &op->heap->arenas[c->arena];
	bool mine = owner == op->arena;
	if (mine)
		mm_spin_lock(&owner->lock);
	int err = check_used(op, c, b);
	if (!err)
		err = claim(op, b);
	if (!err && !mine)
		push_remote(owner, b);
	if (!err && mine) {
		err = release(op, c, b);
		if (err) /* a neighbour is corrupt: leave b as it was */
			store_magic(b, HEAP_MAGIC(HEAP_FLAG_USED));
	}
	if (mine)
		mm_spin_unlock(&owner->lock);
	return err;
}

/*
 * Resizes b (used, of the op's arena, locked) to need bytes without moving
 * it: by cutting off its tail, or by taking in the free block after it.
 * *done stays false when neither is possible.
 */
static int resize_in_place(const struct op *op, const struct heap_chunk *c, uintptr_t b,
			   uint64_t need, bool *done)
{
	uint64_t size = blk(b)->size;
	uintptr_t next = blk(b)->next, after;
	*done = false;
	int err = free_after(op, c, next, &after);
	if (err)
		return err;
	if (need > size) {
		if (!after || need - size > blk(after)->size)
			return 0;
		uintptr_t absorbed = after;
		size += blk(absorbed)->size;
		next = blk(absorbed)->next;
		err = free_after(op, c, next, &after);
		if (err)
			return err;
		bin_remove(op->arena, absorbed);
		store_magic(absorbed, 0);
	}
	split(op->arena, b, size, next, need, after);
	*done = true;
	return 0;
}

static void copy_words(void *dst, const void *src, uint64_t nbytes)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (uint64_t i = 0; i < nbytes / 8; i++)
		d[i] = s[i];
}

/* --- the interface --- */

int heap_init(struct heap *heap, const struct heap_backing *backing, unsigned narenas)
{
	if (!heap || !backing || !backing->grow || narenas == 0 || narenas > HEAP_MAX_ARENAS)
		return HEAP_ERR_BAD_ARG;
	heap->backing = *backing;
	heap->narenas = narenas;
	heap->grow_lock = MM_SPIN_INIT;
	heap->nchunks = 0;
	for (unsigned i = 0; i < HEAP_MAX_ARENAS; i++)
		heap->arenas[i] = (struct heap_arena){ .index = i };
	return 0;
}

void *heap_alloc(struct heap *heap, unsigned hart, size_t size_bytes, struct heap_fault *fault)
{
	struct op op = op_begin(heap, hart, "heap_alloc", fault);
	return alloc_on(&op, size_bytes);
}

int heap_free(struct heap *heap, unsigned hart, void *ptr, struct heap_fault *fault)
{
	struct op op = op_begin(heap, hart, "heap_free", fault);
	return ptr ? free_on(&op, ptr) : 0;
}

void *heap_realloc(struct heap *heap, unsigned hart, void *ptr, size_t size_bytes,
		   struct heap_fault *fault)
{
	struct op op = op_begin(heap, hart, "heap_realloc", fault);
	if (!ptr)
		return alloc_on(&op, size_bytes);
	uint64_t need;
	const struct heap_chunk *c = payload_chunk(&op, ptr);
	if (!c || block_size_for(&op, size_bytes, &need))
		return NULL;
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	bool mine = c->arena == op.arena->index, done = false;
	if (mine)
		mm_spin_lock(&op.arena->lock);
	int err = check_used(&op, c, b);
	uint64_t old_payload = err ? 0 : blk(b)->size - BLOCK_OVERHEAD_BYTES;
	if (!err && mine)
		err = resize_in_place(&op, c, b, need, &done);
	if (mine)
		mm_spin_unlock(&op.arena->lock);
	if (err || done)
		return err ? NULL : ptr;

	void *moved = alloc_on(&op, size_bytes);
	if (!moved)
		return NULL;
	uint64_t new_payload = need - BLOCK_OVERHEAD_BYTES;
	copy_words(moved, ptr, old_payload < new_payload ? old_payload : new_payload);
	if (free_on(&op, ptr)) {
		struct heap_fault why = *fault;
		free_on(&op, moved);
		*fault = why;
		return NULL;
	}
	return moved;
}

int heap_usable_size(struct heap *heap, const void *ptr, size_t *size_bytes,
		     struct heap_fault *fault)
{
	struct op op = op_begin(heap, 0, "heap_usable_size", fault);
	const struct heap_chunk *c = payload_chunk(&op, ptr);
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	int err = c ? check_used(&op, c, b) : fault->err;
	*size_bytes = err ? 0 : blk(b)->size - BLOCK_OVERHEAD_BYTES;
	return err;
}

/* --- checking the whole heap --- */

/* Walks chunk c's blocks, adding them up in *st; *blocks counts them. */
static int check_chunk(const struct op *op, const struct heap_chunk *c, struct heap_stats *st,
		       size_t *blocks)
{
	bool prev_free = false;
	for (uintptr_t b = c->base; b; b = blk(b)->next, (*blocks)++) {
		int flag = check_block(op, c, b);
		if (flag < 0)
			return flag;
		uint64_t size = blk(b)->size;
		if (flag == HEAP_FLAG_INIT) {
			if (prev_free)
				return fail(op, HEAP_ERR_COALESCE, b, "coalesce", HEAP_FLAG_INIT,
					    HEAP_FLAG_USED);
			int err = check_free_block(op, b);
			if (err)
				return err;
			st->free_blocks++;
			st->free_bytes += size;
			if (size > st->largest_free_bytes)
				st->largest_free_bytes = size;
		} else {
			uint64_t t = *trailer(b, size);
			if (t != HEAP_TRAILER_USED)
				return fail(op, HEAP_ERR_TRAILER, b, "trailer", t, HEAP_TRAILER_USED);
			if (flag == HEAP_FLAG_USED) {
				st->used_blocks++;
				st->used_bytes += size;
				st->used_payload_bytes += size - BLOCK_OVERHEAD_BYTES;
			} else {
				st->pending_blocks++;
				st->pending_bytes += size;
			}
		}
		prev_free = flag == HEAP_FLAG_INIT;
	}
	st->chunks++;
	st->total_bytes += c->end - c->base;
	return 0;
}

/* Every bin: bitmap bit right, each entry a valid free block of its size; free_blocks in all. */
static int check_bins(const struct op *op, size_t free_blocks)
{
	const struct heap_arena *a = op->arena;
	size_t seen = 0;
	for (unsigned bin = 0; bin < HEAP_BINS; bin++) {
		uintptr_t head = a->bin_head[bin];
		uint64_t bit = a->bin_bits[bin / 64] >> (bin % 64) & 1;
		if (bit != (head != 0))
			return fail(op, HEAP_ERR_LINK, head, "bin bitmap", bit, head != 0);
		for (uintptr_t p = head; p; p = links(p)->next) {
			const struct heap_chunk *c;
			int err = listed_block_at(op, p, HEAP_FLAG_INIT, "bin", &c);
			if (err)
				return err;
			if (bin_of(blk(p)->size) != bin || ++seen > free_blocks)
				return fail(op, HEAP_ERR_LINK, p, "bin", bin_of(blk(p)->size), bin);
		}
	}
	if (seen != free_blocks)
		return fail(op, HEAP_ERR_LINK, 0, "bin", seen, free_blocks);
	return 0;
}

/* The remote-free list: GC-scheduled blocks of this arena, at most blocks of them. */
static int check_remote(const struct op *op, size_t blocks)
{
	uintptr_t b = __atomic_load_n(&op->arena->remote_head, __ATOMIC_ACQUIRE);
	for (size_t n = 0; b; n++, b = *remote_link(b)) {
		const struct heap_chunk *c;
		int err = n == blocks ? fail(op, HEAP_ERR_LINK, b, "remote list", b, 0)
				      : listed_block_at(op, b, HEAP_FLAG_GC, "remote list", &c);
		if (err)
			return err;
	}
	return 0;
}

static int check_arena(const struct op *op, struct heap_stats *st)
{
	size_t free_before = st->free_blocks, blocks = 0;
	unsigned n = __atomic_load_n(&op->heap->nchunks, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		const struct heap_chunk *c = &op->heap->chunks[i];
		int err = c->arena == op->arena->index ? check_chunk(op, c, st, &blocks) : 0;
		if (err)
			return err;
	}
	st->grow_calls += op->arena->grow_calls;
	int err = check_bins(op, st->free_blocks - free_before);
	return err ? err : check_remote(op, blocks);
}

static int check_all(struct heap *heap, struct heap_stats *stats, struct heap_fault *fault,
		     const char *name)
{
	struct op op = op_begin(heap, 0, name, fault);
	*stats = (struct heap_stats){ 0 };
	for (unsigned i = 0; i < heap->narenas; i++) {
		op.arena = &heap->arenas[i];
		op.hart = i;
		mm_spin_lock(&op.arena->lock);
		int err = check_arena(&op, stats);
		mm_spin_unlock(&op.arena->lock);
		if (err)
			return err;
	}
	return 0;
}

int heap_stats(struct heap *heap, struct heap_stats *stats, struct heap_fault *fault)
{
	return check_all(heap, stats, fault, "heap_stats");
}

int heap_check(struct heap *heap, struct heap_fault *fault)
{
	struct heap_stats unused;
	return check_all(heap, &unused, fault, "heap_check");
}

unsigned heap_fragmentation_permille(const struct heap_stats *stats)
{
	uint64_t largest = stats->largest_free_bytes, total = stats->free_bytes;
	while (largest > UINT64_MAX / 1000) { /* keep largest * 1000 exact */
		largest >>= 10;
		total >>= 10;
	}
	return total ? (unsigned)(1000 - largest * 1000 / total) : 0;
}
