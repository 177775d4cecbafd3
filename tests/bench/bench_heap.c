/*
 * tests/bench/bench_heap.c - mm/heap's speed and fragmentation against K&R first fit.
 *
 * The mixed pattern: WINDOW live blocks of 16..4096 bytes (log-uniform, so
 * small blocks are common and page-sized ones are not rare); each step frees
 * a pseudo-random live block and allocates a new one in its place, writing
 * its first and last byte. A fixed-seed xorshift makes the sequence the same
 * for both allocators, which get the same backing: a bump allocator over a
 * large region, like sbrk. Figures, one per line: ns per operation (an alloc
 * or a free), then the fragmentation of the free memory (1 - largest free /
 * all free) with the window still live (for mm/heap also after heap_flush,
 * with the quick-listed blocks coalesced). Then threads, one per hart, each
 * with its own window, one block in eight handed to another thread to free:
 * per-hart arenas against the same heap with a single arena (one lock).
 *
 *   cc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread tests/bench/bench_heap.c \
 *      tests/bench/kr_malloc.c mm/heap*.c -o build/bench/bench_heap
 *
 * Host-only: no sanitizers, so the figures are the allocators' own.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../mm/heap.h"
#include "kr_malloc.h"

#define WINDOW       1024
#define STEPS        2000000
#define THREAD_STEPS 1000000
#define MAX_THREADS  4
#define MAILBOX      64
#define REGION_BYTES ((size_t)1 << 30)

/* --- the backing: a bump allocator over one region, as sbrk --- */

struct region {
	char *base;
	size_t used_bytes;
};

static void *region_grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	struct region *r = ctx;
	size_t bytes = (min_bytes + 4095) & ~(size_t)4095;
	if (bytes < min_bytes || bytes > REGION_BYTES - r->used_bytes)
		return NULL;
	void *p = r->base + r->used_bytes;
	r->used_bytes += bytes;
	*got_bytes = bytes;
	return p;
}

static struct heap_backing region_backing(struct region *r)
{
	r->base = aligned_alloc(4096, REGION_BYTES);
	r->used_bytes = 0;
	if (!r->base) {
		fprintf(stderr, "bench_heap: no memory for the region\n");
		exit(1);
	}
	return (struct heap_backing){ region_grow, r };
}

/* --- the two allocators behind one interface --- */

struct allocator {
	void *(*alloc)(void *self, unsigned hart, size_t size_bytes);
	void (*free)(void *self, unsigned hart, void *ptr);
	void *self;
};

static void die_fault(const struct heap_fault *f)
{
	fprintf(stderr, "bench_heap: %s in %s at block 0x%lx (%s)\n", heap_strerror(f->err), f->op,
		(unsigned long)f->block, f->field);
	exit(1);
}

static void *heap_alloc_or_die(void *self, unsigned hart, size_t size_bytes)
{
	struct heap_fault f;
	void *p = heap_alloc(self, hart, size_bytes, &f);
	if (!p)
		die_fault(&f);
	return p;
}

static void heap_free_or_die(void *self, unsigned hart, void *ptr)
{
	struct heap_fault f;
	if (heap_free(self, hart, ptr, &f))
		die_fault(&f);
}

static void *kr_alloc_or_die(void *self, unsigned hart, size_t size_bytes)
{
	(void)hart;
	void *p = kr_malloc(self, size_bytes);
	if (!p) {
		fprintf(stderr, "bench_heap: kr_malloc(%zu) failed\n", size_bytes);
		exit(1);
	}
	return p;
}

static void kr_free_any(void *self, unsigned hart, void *ptr)
{
	(void)hart;
	kr_free(self, ptr);
}

/* --- the pattern --- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 16..4096 bytes: a power of two from 16 to 2048, plus up to as much again. */
static size_t mixed_size(uint64_t r)
{
	size_t base = (size_t)16 << (r % 8);
	return base + (r >> 8) % (base + 1);
}

static void *alloc_touched(const struct allocator *a, unsigned hart, size_t size_bytes)
{
	volatile char *p = a->alloc(a->self, hart, size_bytes);
	p[0] = 1;
	p[size_bytes - 1] = 1;
	return (void *)p;
}

struct run {
	const struct allocator *a;
	unsigned hart;
	size_t steps;
	void **mailbox; /* NULL: no hand-offs */
	pthread_barrier_t *start;
	void *slots[WINDOW];
};

static void fill_window(struct run *run, uint64_t *seed)
{
	for (size_t i = 0; i < WINDOW; i++)
		run->slots[i] = alloc_touched(run->a, run->hart, mixed_size(xorshift(seed)));
}

static void run_steps(struct run *run, uint64_t *seed)
{
	const struct allocator *a = run->a;
	for (size_t step = 0; step < run->steps; step++) {
		uint64_t r = xorshift(seed);
		void **slot = &run->slots[r % WINDOW];
		void *out = *slot;
		if (run->mailbox && (r >> 32) % 8 == 0)
			out = __atomic_exchange_n(&run->mailbox[(r >> 40) % MAILBOX], out,
						  __ATOMIC_ACQ_REL);
		if (out)
			a->free(a->self, run->hart, out);
		*slot = alloc_touched(a, run->hart, mixed_size(xorshift(seed)));
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One thread: ns per operation over STEPS steps (two operations each). */
static double single_thread(struct run *run)
{
	uint64_t seed = 0x2545f4914f6cdd1dull;
	run->steps = STEPS;
	fill_window(run, &seed);
	double t0 = now_ns();
	run_steps(run, &seed);
	return (now_ns() - t0) / (2.0 * STEPS);
}

static void print_fragmentation(const char *name, size_t free_bytes, size_t largest_bytes,
				size_t free_blocks, size_t footprint_bytes)
{
	struct heap_stats st = { .free_bytes = free_bytes, .largest_free_bytes = largest_bytes };
	printf("%-34s %5.1f %%  (%zu free blocks, %zu KiB free, largest %zu KiB, ", name,
	       heap_fragmentation_permille(&st) / 10.0, free_blocks, free_bytes >> 10,
	       largest_bytes >> 10);
	printf("footprint %zu KiB)\n", footprint_bytes >> 10);
}

static void *thread_main(void *arg)
{
	struct run *run = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (run->hart + 1);
	fill_window(run, &seed);
	pthread_barrier_wait(run->start);
	run_steps(run, &seed);
	pthread_barrier_wait(run->start);
	return NULL;
}

/* nthreads threads on a heap of narenas arenas: wall ns per operation, all threads together. */
static double threads(unsigned nthreads, unsigned narenas)
{
	static struct heap heap;
	static struct run runs[MAX_THREADS];
	static void *mailbox[MAILBOX];
	struct region region;
	struct heap_backing backing = region_backing(&region);
	heap_init(&heap, &backing, narenas);
	struct allocator a = { heap_alloc_or_die, heap_free_or_die, &heap };
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, nthreads + 1);
	pthread_t tid[MAX_THREADS];
	for (unsigned i = 0; i < nthreads; i++) {
		runs[i] = (struct run){ &a, i, THREAD_STEPS, mailbox, &start, { 0 } };
		pthread_create(&tid[i], NULL, thread_main, &runs[i]);
	}
	pthread_barrier_wait(&start);
	double t0 = now_ns();
	pthread_barrier_wait(&start);
	double ns = now_ns() - t0;
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	struct heap_fault f;
	if (heap_check(&heap, &f))
		die_fault(&f);
	for (unsigned i = 0; i < MAILBOX; i++)
		mailbox[i] = NULL;
	free(region.base);
	return ns / (2.0 * THREAD_STEPS * nthreads);
}

int main(void)
{
	static struct heap heap;
	static struct kr_heap kr;
	static struct run heap_run, kr_run;
	struct region heap_region, kr_region;
	struct heap_backing heap_backing = region_backing(&heap_region);
	struct heap_backing kr_backing = region_backing(&kr_region);
	heap_init(&heap, &heap_backing, 1);
	kr_init(&kr, &kr_backing);
	struct allocator heap_a = { heap_alloc_or_die, heap_free_or_die, &heap };
	struct allocator kr_a = { kr_alloc_or_die, kr_free_any, &kr };
	heap_run.a = &heap_a;
	kr_run.a = &kr_a;

	printf("bench_heap: %d live blocks of 16..4096 bytes, %d steps of free + alloc\n", WINDOW,
	       STEPS);
	printf("%-34s %5.1f ns/op\n", "heap (checked), one thread", single_thread(&heap_run));
	printf("%-34s %5.1f ns/op\n", "K&R first fit, one thread", single_thread(&kr_run));

	struct heap_stats st;
	struct heap_fault f;
	if (heap_stats(&heap, &st, &f))
		die_fault(&f);
	struct kr_stats ks;
	kr_stats(&kr, &ks);
	print_fragmentation("heap fragmentation at the end", st.free_bytes, st.largest_free_bytes,
			    st.free_blocks, heap_region.used_bytes);
	if (heap_flush(&heap, 0, &f) || heap_stats(&heap, &st, &f))
		die_fault(&f);
	print_fragmentation("heap, after heap_flush", st.free_bytes, st.largest_free_bytes,
			    st.free_blocks, heap_region.used_bytes);
	print_fragmentation("K&R fragmentation at the end", ks.free_bytes, ks.largest_free_bytes,
			    ks.free_blocks, kr_region.used_bytes);
	free(heap_region.base);
	free(kr_region.base);

	for (unsigned n = 2; n <= MAX_THREADS; n *= 2) {
		printf("heap, %u threads, per-hart arenas   %5.1f ns/op (wall, all threads)\n", n,
		       threads(n, n));
		printf("heap, %u threads, one locked arena  %5.1f ns/op (wall, all threads)\n", n,
		       threads(n, 1));
	}
	return 0;
}
