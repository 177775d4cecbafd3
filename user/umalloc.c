/*
 * user/umalloc.c - malloc and free: mm/heap over sbrk.
 *
 * The same checked block heap as the kernel's kmalloc (mm/heap.h), with one
 * arena (a process is one thread) and sbrk as its backing. Every call
 * validates the headers it touches; what the heap library reports, this
 * file decides on:
 *   - out of memory (sbrk refused, or a size too big): NULL, as C's malloc;
 *   - anything else (a bad magic, an overrun trailer, a double free, a free
 *     of a pointer malloc never returned) is a broken heap: the fault is
 *     printed on fd 2 with the block, field and values, and the program
 *     exits with status -1. Running on would turn one bug into many.
 * The heap never gives memory back to sbrk, so a program that shrinks its
 * break below what malloc took breaks its own heap (as on xv6).
 */
#include "kernel/types.h"
#include "user/user.h"
#include "user/umalloc.h"

#include <stdint.h>

#include "mm/heap.h"

#define PAGE_BYTES 4096u

static struct heap heap;
static int heap_ready;

/* heap_backing.grow: whole pages from sbrk, or NULL when sbrk refuses. */
static void *grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	(void)ctx;
	if (min_bytes > 0x7fffffffu - PAGE_BYTES)
		return 0;
	size_t bytes = (min_bytes + PAGE_BYTES - 1) & ~(size_t)(PAGE_BYTES - 1);
	char *p = sbrk((int)bytes);
	if (p == SBRK_ERROR)
		return 0;
	*got_bytes = bytes;
	return p;
}

static struct heap *user_heap(void)
{
	if (!heap_ready) {
		const struct heap_backing backing = { grow, 0 };
		heap_init(&heap, &backing, 1); /* cannot fail: a grow function and one arena */
		heap_ready = 1;
	}
	return &heap;
}

/* Prints a fault of the heap on fd 2: what, which block, which field, the values. */
static void report(const struct heap_fault *f, const char *call)
{
	fprintf(2, "%s: heap error: %s: block 0x%lx, %s 0x%lx (expected 0x%lx) in %s\n", call,
		heap_strerror(f->err), (unsigned long)f->block, f->field ? f->field : "-",
		(unsigned long)f->found, (unsigned long)f->expected, f->op ? f->op : call);
}

/* A broken heap ends the program. */
static void __attribute__((noreturn)) corrupt(const struct heap_fault *f, const char *call)
{
	report(f, call);
	fprintf(2, "%s: exiting with status -1\n", call);
	exit(-1);
}

/* After a failed alloc: out of memory is NULL, anything else a broken heap. */
static void *refused(const struct heap_fault *f, const char *call)
{
	switch (f->err) {
	case HEAP_ERR_NOMEM:
	case HEAP_ERR_TOO_BIG:
	case HEAP_ERR_BACKING:
	case HEAP_ERR_CHUNKS: return 0;
	default: corrupt(f, call);
	}
}

void *malloc(unsigned int size)
{
	struct heap_fault fault = { 0 };
	void *p = heap_alloc(user_heap(), 0, size, &fault);
	return p ? p : refused(&fault, "malloc");
}

void free(void *ptr)
{
	struct heap_fault fault = { 0 };
	if (ptr && heap_free(user_heap(), 0, ptr, &fault))
		corrupt(&fault, "free");
}

void *realloc(void *ptr, unsigned int size)
{
	struct heap_fault fault = { 0 };
	void *p = heap_realloc(user_heap(), 0, ptr, size, &fault);
	return p ? p : refused(&fault, "realloc");
}

/* Zeroed n * size bytes; NULL when the product overflows. */
void *calloc(unsigned int n, unsigned int size)
{
	uint64_t bytes = (uint64_t)n * size;
	if (bytes > 0xffffffffu)
		return 0;
	void *p = malloc((unsigned int)bytes);
	if (p)
		memset(p, 0, (unsigned int)bytes);
	return p;
}

int malloc_stats(struct heap_stats *stats)
{
	struct heap_fault fault = { 0 };
	int err = heap_stats(user_heap(), stats, &fault);
	if (err)
		report(&fault, "malloc_stats");
	return err;
}
