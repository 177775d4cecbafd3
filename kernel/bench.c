/*
 * kernel/bench.c - in-kernel benchmarks of the memory layers.
 *
 *   frame      alloc+free pairs on one hart: the fast path, no shared lock
 *   frame_all  every kernel hart allocating and freeing bursts at once
 *   kmalloc    the mixed kmalloc/kfree pattern of tests/bench/bench_heap.c
 */
#include "bench.h"

#include "../mm/frame.h"
#include "console.h"
#include "hart.h"
#include "kalloc.h"
#include "kmalloc.h"
#include "panic.h"
#include "selftest.h"
#include "smp.h"

#define PAIRS 20000
#define BURST 100
#define BURST_ROUNDS 200

static uint64_t instret(void)
{
	uint64_t n;
	asm volatile("rdinstret %0" : "=r"(n));
	return n;
}

static struct frame_stats stats_of(uint64_t hartid)
{
	struct frame_stats s;
	frame_hart_stats(kalloc_frames(), (uint32_t)hartid, &s);
	return s;
}

/* Pairs on this hart straight through mm/frame, as the fast path sees them. */
static void bench_frame(void)
{
	struct frame_allocator *fa = kalloc_frames();
	struct frame_hart *me = frame_hart(fa, (uint32_t)this_hartid());
	push_intr_off();
	frame_free(me, frame_alloc(me)); /* warm: the cache holds frames */
	struct frame_stats before = stats_of(this_hartid());
	uint64_t start = instret();
	for (int i = 0; i < PAIRS; i++) {
		uint64_t pa = frame_alloc(me);
		if (frame_free(me, pa))
			panic("bench frame: free of 0x%lx refused", pa);
	}
	uint64_t spent = instret() - start;
	struct frame_stats after = stats_of(this_hartid());
	pop_intr_off();
	uint64_t pool = (after.refills - before.refills) + (after.drains - before.drains);
	kprintf("bench: frame: %lu instructions per alloc+free pair (%d pairs, hart %lu), "
		"shared pool lock taken %lu times\n", spent / PAIRS, PAIRS, this_hartid(), pool);
}

struct burst_result {
	uint64_t instructions[MAGMA_MAX_HARTS];
};

static void burst_on_this_hart(void *arg)
{
	struct burst_result *result = arg;
	struct frame_hart *me = frame_hart(kalloc_frames(), (uint32_t)this_hartid());
	uint64_t held[BURST];
	int was_on = intr_enabled();
	intr_off();
	uint64_t start = instret();
	for (int round = 0; round < BURST_ROUNDS; round++) {
		for (int i = 0; i < BURST; i++)
			held[i] = frame_alloc(me);
		for (int i = 0; i < BURST; i++) {
			if (held[i] && frame_free(me, held[i]))
				panic("bench frame_all: free of 0x%lx refused", held[i]);
		}
	}
	result->instructions[this_hartid()] = instret() - start;
	if (was_on)
		intr_on();
}

/* Every kernel hart bursts at once: refills, drains and pool contention. */
static void bench_frame_all(void)
{
	struct frame_stats before[MAGMA_MAX_HARTS];
	for (int i = 0; i < smp.kernel_count; i++)
		before[i] = stats_of(smp.kernel[i]);
	struct burst_result result = { { 0 } };
	smp_call_all(burst_on_this_hart, &result);
	for (int i = 0; i < smp.kernel_count; i++) {
		uint64_t id = smp.kernel[i];
		struct frame_stats after = stats_of(id);
		kprintf("bench: frame_all: hart %lu: %lu instructions per pair, refills %lu, "
			"drains %lu, steals %lu, pool lock contended %lu, hart lock contended %lu\n",
			id, result.instructions[id] / (BURST * BURST_ROUNDS),
			after.refills - before[i].refills, after.drains - before[i].drains,
			after.steals - before[i].steals,
			after.pool_contended - before[i].pool_contended,
			after.hart_contended - before[i].hart_contended);
	}
}

#define KMALLOC_WINDOW 1024
#define KMALLOC_OPS 50000

/*
 * The mixed pattern of the host benchmark: a window of live blocks of
 * 16..4096 bytes, each step frees a random one and allocates a new one.
 */
static void bench_kmalloc(void)
{
	static void *live[KMALLOC_WINDOW];
	uint64_t rng = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < KMALLOC_WINDOW; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		live[i] = kmalloc(16 + rng % 4081);
	}
	uint64_t start = instret();
	for (int step = 0; step < KMALLOC_OPS; step++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		int slot = (int)(rng % KMALLOC_WINDOW);
		kfree(live[slot]);
		live[slot] = kmalloc(16 + (rng >> 20) % 4081);
	}
	uint64_t spent = instret() - start;
	struct heap_stats stats;
	struct heap_fault fault = { 0 };
	push_intr_off();
	heap_stats(kmalloc_heap(), &stats, &fault);
	pop_intr_off();
	kprintf("bench: kmalloc: %lu instructions per kmalloc+kfree (sizes 16..4096, %d live, "
		"%d steps), heap %lu KiB, %lu KiB in use, fragmentation %u.%u%%\n",
		spent / KMALLOC_OPS, KMALLOC_WINDOW, KMALLOC_OPS,
		(unsigned long)stats.total_bytes >> 10, (unsigned long)stats.used_bytes >> 10,
		heap_fragmentation_permille(&stats) / 10, heap_fragmentation_permille(&stats) % 10);
	for (int i = 0; i < KMALLOC_WINDOW; i++)
		kfree(live[i]);
}

void bench_run(void)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} benches[] = {
		{ "frame", bench_frame },
		{ "frame_all", bench_frame_all },
		{ "kmalloc", bench_kmalloc },
	};
	for (unsigned i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (bootarg_selected("bench", benches[i].name))
			benches[i].run();
	}
}
