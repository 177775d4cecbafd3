/*
 * mm/heap.c - the checked block heap: allocation (heap.h has the block
 * layout and the concurrency design; heap_block.c validates blocks,
 * heap_check.c walks the whole heap).
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
 *   - a used, GC-scheduled or Quick block's trailer is HEAP_TRAILER_USED;
 *   - a Quick block is of a class size, not its chunk's last block, and on
 *     its arena's quick list for that class exactly once;
 *   - a header that stops being one (absorbed by a merge) is scrubbed to 0,
 *     so a stale copy never passes for a block.
 * Each operation first validates everything it will touch (heap_block.c)
 * and only then changes anything, so a fault leaves the
 * heap as it was. One exception: a bad entry in a remote-free list ends
 * reclaim(), and the entries after it stay GC-scheduled for good.
 *
 * heap_quick.c holds the interface's heap_alloc and heap_free: their fast
 * path (the quick lists) first, then heap_alloc_general / heap_free_general
 * here. Requests of up to HEAP_QUICK_MAX_BYTES are rounded up to their size
 * class here too, so that every such block fits its class's quick list.
 *
 * Never include kernel headers or call the C library: this file is also built
 * into host tests, fuzzers and user space.
 */
#include "heap_internal.h"

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
	// LAB(heap) begin
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
	// LAB(heap) stub
	// /* TODO(lab heap): merge with the free neighbours before and after. */
	// (void)before;
	// (void)after;
	// LAB(heap) end
	write_header(b, HEAP_FLAG_INIT, size, next);
	*trailer(b, size) = b;
	bin_insert(a, b);
}

/*
 * Makes b, spanning size bytes up to next, a used block of need bytes; the
 * rest, if big enough for a block, becomes free (merged with after, the free
 * block at next or 0).
 */
static void split(struct heap_arena *a, uintptr_t b, uint64_t size, uintptr_t next, uint64_t need,
		  uintptr_t after)
{
	if (size - need < HEAP_MIN_BLOCK_BYTES)
		need = size;
	write_header(b, HEAP_FLAG_USED, need, need == size ? next : b + need);
	*trailer(b, need) = HEAP_TRAILER_USED;
	if (need < size)
		coalesce(a, b + need, size - need, next, 0, after);
}

int heap_release(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	// LAB(heap) begin
	uintptr_t before, after;
	int err = heap_find_free_after(op, c, blk(b)->next, &after);
	if (!err)
		err = heap_find_free_before(op, c, b, &before);
	if (!err)
		coalesce(op->arena, b, blk(b)->size, blk(b)->next, before, after);
	return err;
	// LAB(heap) stub
	// /* TODO(lab heap): find b's free neighbours (validated) and coalesce with them. */
	// (void)c;
	// coalesce(op->arena, b, blk(b)->size, blk(b)->next, 0, 0);
	// return 0;
	// LAB(heap) end
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

/* The block size for a payload of size_bytes (its class's, if it has one), overflow-checked. */
static int block_size_for(const struct op *op, size_t size_bytes, uint64_t *need)
{
	if (size_bytes <= HEAP_QUICK_MAX_BYTES) {
		*need = op->heap->quick_block_bytes[quick_class_of(op->heap, size_bytes)];
		return 0;
	}
	if (size_bytes > HEAP_MAX_ALLOC_BYTES)
		return fail(op, HEAP_ERR_TOO_BIG, 0, "size", size_bytes, HEAP_MAX_ALLOC_BYTES);
	uint64_t payload = ((uint64_t)size_bytes + HEAP_ALIGN_BYTES - 1) & ~15ull;
	*need = payload + BLOCK_OVERHEAD_BYTES;
	return 0;
}

/*
 * A free block of at least need bytes in the op's arena, or *b = 0: the head
 * of the first non-empty bin all of whose blocks fit, else the first fit in
 * need's own bin (a range bin holds some blocks smaller than need).
 */
static int find_fit(const struct op *op, uint64_t need, const struct heap_chunk **c, uintptr_t *b)
{
	const struct heap_arena *a = op->arena;
	unsigned own = bin_of(need);
	unsigned bin = next_bin(a, own < EXACT_BINS ? own : own + 1);
	*b = 0;
	if (bin < HEAP_BINS) {
		*b = a->bin_head[bin];
		return heap_listed_block_at(op, *b, HEAP_FLAG_INIT, "bin", c);
	}
	if (own < EXACT_BINS)
		return 0;
	for (uintptr_t p = a->bin_head[own]; p; p = links(p)->next) {
		int err = heap_listed_block_at(op, p, HEAP_FLAG_INIT, "bin", c);
		if (err)
			return err;
		if (blk(p)->size >= need) {
			*b = p;
			return 0;
		}
	}
	return 0;
}

/*
 * Takes a free block for need bytes and makes it used. When none fits, the
 * quick lists are flushed first (their blocks may coalesce into one that
 * does), then the arena grows.
 */
static int take(const struct op *op, uint64_t need, uintptr_t *out)
{
	const struct heap_chunk *c;
	uintptr_t b;
	int err = find_fit(op, need, &c, &b);
	if (!err && !b) {
		err = heap_quick_flush(op);
		if (!err)
			err = find_fit(op, need, &c, &b);
	}
	if (!err && !b) {
		err = grow(op, need);
		if (!err) /* finds the new chunk's block if nothing else */
			err = find_fit(op, need, &c, &b);
	}
	if (err)
		return err;
	/* the block after b is not free (free neighbours are merged): no merge */
	bin_remove(op->arena, b);
	split(op->arena, b, blk(b)->size, blk(b)->next, need, 0);
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
		int err = heap_listed_block_at(op, b, HEAP_FLAG_GC, "remote list", &c);
		if (err)
			return err;
		uintptr_t next = *remote_link(b);
		err = heap_release(op, c, b);
		if (err)
			return err;
		b = next;
	}
	return 0;
}

void *heap_alloc_general(const struct op *op, size_t size_bytes)
{
	uint64_t need;
	uintptr_t b = 0;
	if (block_size_for(op, size_bytes, &need))
		return NULL;
	mm_spin_lock(&op->arena->lock);
	int err = reclaim(op);
	if (!err && size_bytes <= HEAP_QUICK_MAX_BYTES)
		err = heap_quick_take(op, quick_class_of(op->heap, size_bytes), &b);
	if (!err && !b)
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

int heap_free_general(const struct op *op, const struct heap_chunk *c, void *ptr)
{
	if (!c)
		return fail_bad_pointer(op, ptr);
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	struct heap_arena *owner = &op->heap->arenas[c->arena];
	bool mine = owner == op->arena;
	if (mine)
		mm_spin_lock(&owner->lock);
	int err = heap_check_used(op, c, b);
	if (!err)
		err = claim(op, b);
	if (!err && !mine)
		push_remote(owner, b);
	if (!err && mine) {
		err = heap_release(op, c, b);
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
	int err = heap_find_free_after(op, c, next, &after);
	if (err)
		return err;
	if (need > size) {
		if (!after || need - size > blk(after)->size)
			return 0;
		uintptr_t absorbed = after;
		size += blk(absorbed)->size;
		next = blk(absorbed)->next;
		err = heap_find_free_after(op, c, next, &after);
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
	heap_quick_init(heap);
	for (unsigned i = 0; i < HEAP_MAX_ARENAS; i++) {
		heap->arenas[i] = (struct heap_arena){ .index = i };
		heap->arena_at[i] = &heap->arenas[i];
	}
	return 0;
}

void *heap_realloc(struct heap *heap, unsigned hart, void *ptr, size_t size_bytes,
		   struct heap_fault *fault)
{
	struct op op = op_begin(heap, hart, "heap_realloc", fault);
	if (!ptr)
		return heap_alloc_general(&op, size_bytes);
	uint64_t need;
	const struct heap_chunk *c = heap_payload_chunk(&op, ptr);
	if (!c || block_size_for(&op, size_bytes, &need))
		return NULL;
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	bool mine = c->arena == op.arena->index, done = false;
	if (mine)
		mm_spin_lock(&op.arena->lock);
	int err = heap_check_used(&op, c, b);
	uint64_t old_payload = err ? 0 : blk(b)->size - BLOCK_OVERHEAD_BYTES;
	if (!err && mine)
		err = resize_in_place(&op, c, b, need, &done);
	if (mine)
		mm_spin_unlock(&op.arena->lock);
	if (err || done)
		return err ? NULL : ptr;

	void *moved = heap_alloc_general(&op, size_bytes);
	if (!moved)
		return NULL;
	uint64_t new_payload = need - BLOCK_OVERHEAD_BYTES;
	copy_words(moved, ptr, old_payload < new_payload ? old_payload : new_payload);
	if (heap_free_general(&op, c, ptr)) {
		struct heap_fault why = *fault;
		heap_free_general(&op, payload_chunk(op.heap, moved), moved);
		*fault = why;
		return NULL;
	}
	return moved;
}

int heap_usable_size(struct heap *heap, const void *ptr, size_t *size_bytes,
		     struct heap_fault *fault)
{
	struct op op = op_begin(heap, 0, "heap_usable_size", fault);
	const struct heap_chunk *c = heap_payload_chunk(&op, ptr);
	uintptr_t b = (uintptr_t)ptr - HEAP_HEADER_BYTES;
	int err = c ? heap_check_used(&op, c, b) : fault->err;
	*size_bytes = err ? 0 : blk(b)->size - BLOCK_OVERHEAD_BYTES;
	return err;
}
