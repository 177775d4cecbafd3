/*
 * mm/heap_block.c - reading heap blocks back (heap.h has the block layout).
 *
 * Every header, trailer and free-list link the heap is about to follow or
 * change is validated here first, and the first bad one is reported as a
 * heap_fault naming the block, the field, the value found and the value
 * expected. Nothing here changes the heap.
 *
 * Never include kernel headers or call the C library: this file is also built
 * into host tests, fuzzers and user space.
 */
#include "heap_internal.h"

/* The flag of a well-formed magic, or HEAP_ERR_MAGIC / HEAP_ERR_FLAGS. */
static int magic_flag(uint64_t magic)
{
	// LAB(heap) begin
	if ((magic & HEAP_MAGIC_SAFETY_MASK) != HEAP_MAGIC_SAFETY)
		return HEAP_ERR_MAGIC;
	uint64_t flag = magic & 0xf;
	if (magic != HEAP_MAGIC(flag) || flag > HEAP_FLAG_QUICK)
		return HEAP_ERR_FLAGS;
	return (int)flag;
	// LAB(heap) stub
	// /* TODO(lab heap): check the safety nibbles and that all eight flag nibbles agree. */
	// return (int)(magic & 0xf);
	// LAB(heap) end
}

/* --- chunks --- */

/* The op's arena's chunk in which a block could start at b, or NULL. */
static const struct heap_chunk *arena_chunk_of(const struct op *op, uintptr_t b)
{
	const struct heap_chunk *c = chunk_of(op->heap, b);
	return c && c->arena == op->arena->index && block_fits(c, b) ? c : NULL;
}

/* --- validation --- */

// LAB(heap) begin
/* Whether p, the successor of b that one of b's fields claims, could be one (end: none). */
static bool successor_plausible(const struct heap_chunk *c, uintptr_t b, uintptr_t p)
{
	return p == c->end || (p > b && block_fits(c, p) && magic_flag(load_magic(p)) >= 0);
}

int heap_check_block(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uint64_t magic = load_magic(b);
	int flag = magic_flag(magic);
	if (flag == HEAP_ERR_MAGIC)
		return fail(op, flag, b, "magic", magic & HEAP_MAGIC_SAFETY_MASK,
			    HEAP_MAGIC_SAFETY);
	if (flag < 0) {
		uint64_t first = magic & 0xf; /* byte 0's flag nibble */
		bool same = magic == HEAP_MAGIC(first);
		return fail(op, flag, b, "magic flags", same ? first : magic,
			    same ? HEAP_FLAG_QUICK : HEAP_MAGIC(first));
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

/*
 * Whether p is a free block of the op's arena whose link back to b is right.
 * c is b's chunk (of the op's arena), where bin neighbours often are: looked
 * at first.
 */
static bool linked_free(const struct op *op, const struct heap_chunk *c, uintptr_t p, uintptr_t b,
			bool p_is_prev)
{
	if (!block_fits(c, p) && !arena_chunk_of(op, p))
		return false;
	if (magic_flag(load_magic(p)) != HEAP_FLAG_INIT)
		return false;
	return (p_is_prev ? links(p)->next : links(p)->prev) == b;
}

int heap_check_free_block(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uint64_t size = blk(b)->size;
	uint64_t t = *trailer(b, size);
	if (t != b)
		return fail(op, HEAP_ERR_TRAILER, b, "trailer", t, b);
	const struct free_links *l = links(b);
	uintptr_t head = op->arena->bin_head[bin_of(size)];
	if ((l->prev == 0) != (head == b))
		return fail(op, HEAP_ERR_LINK, b, "bin head", head, b);
	if (l->prev && !linked_free(op, c, l->prev, b, true))
		return fail(op, HEAP_ERR_LINK, b, "free list prev", l->prev, 0);
	if (l->next && !linked_free(op, c, l->next, b, false))
		return fail(op, HEAP_ERR_LINK, b, "free list next", l->next, 0);
	return 0;
}

// LAB(heap) stub
// int heap_check_block(const struct op *op, const struct heap_chunk *c, uintptr_t b)
// {
// 	/*
// 	 * TODO(lab heap): validate the header at b before anything follows it:
// 	 * magic (magic_flag), size (aligned, at least a block, inside the chunk,
// 	 * leaving room for a block or nothing) and next (where size says), and
// 	 * report the first bad field with fail().
// 	 */
// 	(void)op;
// 	(void)c;
// 	return magic_flag(load_magic(b));
// }
//
// int heap_check_free_block(const struct op *op, const struct heap_chunk *c, uintptr_t b)
// {
// 	/* TODO(lab heap): a free block's trailer is its address; its bin links agree. */
// 	(void)op;
// 	(void)c;
// 	(void)b;
// 	return 0;
// }
// LAB(heap) end
int heap_listed_block_at(const struct op *op, uintptr_t p, int want_flag, const char *list,
			 const struct heap_chunk **c)
{
	*c = arena_chunk_of(op, p);
	if (!*c)
		return fail(op, HEAP_ERR_LINK, p, list, p, 0);
	int flag = heap_check_block(op, *c, p);
	if (flag < 0)
		return flag;
	if (flag != want_flag)
		return fail(op, HEAP_ERR_FLAGS, p, "magic flags", (uint64_t)flag,
			    (uint64_t)want_flag);
	return flag == HEAP_FLAG_INIT ? heap_check_free_block(op, *c, p) : 0;
}

int heap_find_free_after(const struct op *op, const struct heap_chunk *c, uintptr_t next,
			 uintptr_t *after)
{
	*after = 0;
	if (!next)
		return 0;
	int flag = heap_check_block(op, c, next);
	if (flag != HEAP_FLAG_INIT)
		return flag < 0 ? flag : 0;
	int err = heap_check_free_block(op, c, next);
	if (!err)
		*after = next;
	return err;
}

// LAB(heap) begin
int heap_find_free_before(const struct op *op, const struct heap_chunk *c, uintptr_t b,
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
	int flag = heap_check_block(op, c, t);
	if (flag < 0)
		return flag;
	if (flag != HEAP_FLAG_INIT || blk(t)->next != b)
		return fail(op, HEAP_ERR_TRAILER, b, "previous trailer", t, HEAP_TRAILER_USED);
	int err = heap_check_free_block(op, c, t);
	if (!err)
		*before = t;
	return err;
}

// LAB(heap) stub
// int heap_find_free_before(const struct op *op, const struct heap_chunk *c, uintptr_t b,
// 			  uintptr_t *before)
// {
// 	/* TODO(lab heap): the trailer just below b says whether the block before is free. */
// 	(void)op;
// 	(void)c;
// 	(void)b;
// 	*before = 0;
// 	return 0;
// }
// LAB(heap) end
int heap_check_used(const struct op *op, const struct heap_chunk *c, uintptr_t b)
{
	uint64_t magic = load_magic(b);
	if (magic_flag(magic) == HEAP_ERR_MAGIC)
		return fail(op, HEAP_ERR_BAD_POINTER, b + HEAP_HEADER_BYTES, "magic", magic,
			    HEAP_MAGIC(HEAP_FLAG_USED));
	int flag = heap_check_block(op, c, b);
	if (flag < 0)
		return flag;
	if (flag != HEAP_FLAG_USED)
		return fail(op, HEAP_ERR_DOUBLE_FREE, b, "magic flags", (uint64_t)flag,
			    HEAP_FLAG_USED);
	// LAB(heap) begin
	uint64_t t = *trailer(b, blk(b)->size);
	if (t != HEAP_TRAILER_USED)
		return fail(op, HEAP_ERR_TRAILER, b, "trailer", t, HEAP_TRAILER_USED);
	// LAB(heap) stub
	// /* TODO(lab heap): a used block's trailer that changed is a payload overrun. */
	// LAB(heap) end
	return 0;
}

const struct heap_chunk *heap_payload_chunk(const struct op *op, const void *ptr)
{
	const struct heap_chunk *c = payload_chunk(op->heap, ptr);
	if (!c)
		fail_bad_pointer(op, ptr);
	return c;
}
