/*
 * labs/heap/lab_heap_frag.c - the heap lab's fragmentation figure: one fixed
 * allocation pattern on mm/heap over a plain buffer, and how big the heap
 * had to grow for it.
 *
 * The pattern has three phases, each freeing everything at its end: many
 * small blocks; a window of blocks of mixed sizes, small and large, kept
 * live while others come and go; then large blocks only, which fit only
 * where small freed blocks have been merged back together. Prints
 *
 *   peak live bytes N        the most payload bytes held at once
 *   heap bytes N             all the heap took from its backing (it never gives back)
 *   heap_check CODE          the check of the heap at the end (0: clean)
 *   free blocks N, largest N after heap_flush, all blocks freed
 *
 * and exits 0, or 1 if a call failed. The grader divides heap bytes by peak
 * live bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../mm/heap.h"

#define BACKING_BYTES (256u << 20)
#define WINDOW        512

static unsigned char *backing_mem;
static size_t backing_used;

/* heap_backing.grow: the next piece of one big buffer, 4 KiB aligned. */
static void *grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	(void)ctx;
	size_t bytes = (min_bytes + 4095) & ~(size_t)4095;
	if (bytes > BACKING_BYTES - backing_used)
		return NULL;
	void *p = backing_mem + backing_used;
	backing_used += bytes;
	*got_bytes = bytes;
	return p;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct heap heap;
static void *live[WINDOW];
static size_t live_size[WINDOW];
static size_t live_bytes, peak_live;

static void take(int slot, size_t size)
{
	struct heap_fault fault;
	live[slot] = heap_alloc(&heap, 0, size, &fault);
	if (!live[slot]) {
		printf("heap_alloc(%zu) failed: %s\n", size, heap_strerror(fault.err));
		exit(1);
	}
	live_size[slot] = size;
	live_bytes += size;
	if (live_bytes > peak_live)
		peak_live = live_bytes;
}

static void give(int slot)
{
	struct heap_fault fault;
	if (!live[slot])
		return;
	if (heap_free(&heap, 0, live[slot], &fault)) {
		printf("heap_free failed: %s\n", heap_strerror(fault.err));
		exit(1);
	}
	live[slot] = NULL;
	live_bytes -= live_size[slot];
}

static void give_all(void)
{
	for (int i = 0; i < WINDOW; i++)
		give(i);
}

int main(void)
{
	backing_mem = aligned_alloc(4096, BACKING_BYTES);
	static const struct heap_backing backing = { grow, NULL };
	if (!backing_mem || heap_init(&heap, &backing, 1)) {
		printf("setup failed\n");
		return 1;
	}
	/* 1: small blocks, 16..512 bytes, filling the window twice over */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < WINDOW; i++)
			take(i, 16 + next_random() % 497);
		give_all();
	}
	/* 2: a window of mixed sizes, 16 bytes to 16 KiB, replaced at random */
	for (int step = 0; step < 20000; step++) {
		int slot = (int)(next_random() % WINDOW);
		give(slot);
		size_t size = next_random() % 4 ? 16 + next_random() % 1000
						: 4097 + next_random() % 12288;
		take(slot, size);
	}
	give_all();
	/* 3: large blocks only, 8..24 KiB */
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < WINDOW / 4; i++)
			take(i, 8192 + next_random() % 16385);
		give_all();
	}
	struct heap_fault fault;
	struct heap_stats stats;
	int check = heap_check(&heap, &fault);
	heap_flush(&heap, 0, &fault);
	heap_stats(&heap, &stats, &fault);
	printf("peak live bytes %zu\n", peak_live);
	printf("heap bytes %zu\n", stats.total_bytes);
	printf("heap_check %d\n", check);
	printf("free blocks %zu, largest %zu after heap_flush, all blocks freed\n",
	       stats.free_blocks, stats.largest_free_bytes);
	free(backing_mem);
	return 0;
}
