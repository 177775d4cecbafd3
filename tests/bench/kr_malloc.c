/*
 * tests/bench/kr_malloc.c - the K&R first-fit allocator (see kr_malloc.h).
 *
 * Sizes are counted in units of one header (16 bytes); a block of n units
 * is its header followed by n - 1 units of payload. Host-only benchmark code.
 */
#include "kr_malloc.h"

#define UNIT_BYTES sizeof(struct kr_header)

void kr_init(struct kr_heap *kr, const struct heap_backing *backing)
{
	kr->base.next = &kr->base;
	kr->base.units = 0;
	kr->freep = NULL;
	kr->backing = *backing;
	kr->grow_calls = 0;
}

/* Asks the backing for at least units units and frees them into the list. */
static struct kr_header *more_core(struct kr_heap *kr, size_t units)
{
	size_t got = 0;
	if (units < KR_GROW_UNITS)
		units = KR_GROW_UNITS;
	kr->grow_calls++;
	char *mem = kr->backing.grow(kr->backing.ctx, units * UNIT_BYTES + UNIT_BYTES, &got);
	if (!mem)
		return NULL;
	size_t skip = (UNIT_BYTES - (uintptr_t)mem % UNIT_BYTES) % UNIT_BYTES;
	struct kr_header *h = (struct kr_header *)(mem + skip);
	h->units = (got - skip) / UNIT_BYTES;
	kr_free(kr, h + 1);
	return kr->freep;
}

void *kr_malloc(struct kr_heap *kr, size_t nbytes)
{
	if (nbytes > SIZE_MAX / 2)
		return NULL;
	size_t units = (nbytes + UNIT_BYTES - 1) / UNIT_BYTES + 1;
	if (!kr->freep)
		kr->freep = &kr->base;
	struct kr_header *prev = kr->freep;
	for (struct kr_header *p = prev->next;; prev = p, p = p->next) {
		if (p->units >= units) {
			if (p->units == units) {
				prev->next = p->next;
			} else {
				p->units -= units;
				p += p->units;
				p->units = units;
			}
			kr->freep = prev;
			return p + 1;
		}
		if (p == kr->freep && !(p = more_core(kr, units)))
			return NULL;
	}
}

void kr_free(struct kr_heap *kr, void *ptr)
{
	if (!ptr)
		return;
	if (!kr->freep)
		kr->freep = &kr->base;
	struct kr_header *b = (struct kr_header *)ptr - 1, *p = kr->freep;
	/* find p with p < b < p->next, or the wrap-around point if b is outside */
	for (; !(b > p && b < p->next); p = p->next) {
		if (p >= p->next && (b > p || b < p->next))
			break;
	}
	if (b + b->units == p->next) {
		b->units += p->next->units;
		b->next = p->next->next;
	} else {
		b->next = p->next;
	}
	if (p + p->units == b) {
		p->units += b->units;
		p->next = b->next;
	} else {
		p->next = b;
	}
	kr->freep = p;
}

void kr_stats(const struct kr_heap *kr, struct kr_stats *stats)
{
	*stats = (struct kr_stats){ 0 };
	if (!kr->freep)
		return;
	const struct kr_header *p = kr->base.next;
	for (; p != &kr->base; p = p->next) {
		size_t bytes = p->units * UNIT_BYTES;
		stats->free_bytes += bytes;
		stats->free_blocks++;
		if (bytes > stats->largest_free_bytes)
			stats->largest_free_bytes = bytes;
	}
}
