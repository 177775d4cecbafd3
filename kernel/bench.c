/*
 * kernel/bench.c - in-kernel benchmarks of the memory layers.
 *
 *   frame      alloc+free pairs on one hart: the fast path, no shared lock
 *   frame_all  every kernel hart allocating and freeing bursts at once
 *   kmalloc    the mixed kmalloc/kfree pattern of tests/bench/bench_heap.c
 *   crc        CRC-32C, table and Zbc clmul, and the guard's scan cost
 *   mailbox    guard round trips, first after idle and within a burst
 */
#include "bench.h"

#include "../lib/counters.h"
#include "../lib/crc32c.h"
#include "../mm/frame.h"
#include "../mm/heap.h"
#include "../include/root.h"
#include "board.h"
#include "guard.h"
#include "intr.h"
#include "timer.h"
#include "console.h"
#include "hart.h"
#include "kalloc.h"
#include "kmalloc.h"
#include "panic.h"
#include "selftest.h"
#include "smp.h"

#define PAIRS        20000
#define BURST        100
#define BURST_ROUNDS 200

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
	uint64_t start = rdinstret();
	for (int i = 0; i < PAIRS; i++) {
		uint64_t pa = frame_alloc(me);
		if (frame_free(me, pa))
			panic("bench frame: free of 0x%lx refused", pa);
	}
	uint64_t spent = rdinstret() - start;
	struct frame_stats after = stats_of(this_hartid());
	pop_intr_off();
	uint64_t pool = (after.refills - before.refills) + (after.drains - before.drains);
	kprintf("bench: frame: %lu instructions per alloc+free pair (%d pairs, hart %lu), "
		"shared pool lock taken %lu times\n",
		spent / PAIRS, PAIRS, this_hartid(), pool);
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
	uint64_t start = rdinstret();
	for (int round = 0; round < BURST_ROUNDS; round++) {
		for (int i = 0; i < BURST; i++)
			held[i] = frame_alloc(me);
		for (int i = 0; i < BURST; i++) {
			if (held[i] && frame_free(me, held[i]))
				panic("bench frame_all: free of 0x%lx refused", held[i]);
		}
	}
	result->instructions[this_hartid()] = rdinstret() - start;
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
#define KMALLOC_OPS    50000

static uint64_t xorshift(uint64_t *rng)
{
	*rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
	return *rng;
}

/*
 * The benchmark loop's own instructions per step (the random numbers, the
 * slot, the loads and stores of live[]), with the same sequence but no
 * kmalloc or kfree: what kmalloc_window subtracts. The asm keeps each value
 * the compiler would otherwise fold away.
 */
static uint64_t window_loop_only(void **live, int window, size_t min, size_t max)
{
	uint64_t rng = 0x2545f4914f6cdd1dull;
	uint64_t start = rdinstret();
	for (int step = 0; step < KMALLOC_OPS; step++) {
		xorshift(&rng);
		int slot = (int)(rng % (uint64_t)window);
		void *old = live[slot];
		__asm__ volatile("" : "+r"(old));
		size_t size = min + (rng >> 20) % (max - min + 1);
		__asm__ volatile("" : "+r"(size));
		live[slot] = (void *)size;
		live[slot] = old;
	}
	return (rdinstret() - start) / KMALLOC_OPS;
}

/*
 * A window of live blocks of min..max bytes; each step frees a random one
 * and allocates a new one in its place. Instructions per kfree+kmalloc, the
 * loop's own (*loop_only) taken off.
 */
static uint64_t kmalloc_window(void **live, int window, size_t min, size_t max, uint64_t *loop_only)
{
	uint64_t rng = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < window; i++)
		live[i] = kmalloc(min + xorshift(&rng) % (max - min + 1));
	*loop_only = window_loop_only(live, window, min, max);
	uint64_t start = rdinstret();
	for (int step = 0; step < KMALLOC_OPS; step++) {
		xorshift(&rng);
		int slot = (int)(rng % (uint64_t)window);
		kfree(live[slot]);
		live[slot] = kmalloc(min + (rng >> 20) % (max - min + 1));
	}
	return (rdinstret() - start) / KMALLOC_OPS - *loop_only;
}

/*
 * Three patterns: the mixed one of the host benchmark (16..4096 bytes,
 * mostly the general path: a quick list of a class is often empty or full);
 * small sizes as a C program's malloc sees them (16..256 bytes, 64 live);
 * and one size allocated and freed at once (the quick list every time).
 */
static void bench_kmalloc(void)
{
	static void *live[KMALLOC_WINDOW];
	uint64_t loop;
	uint64_t mixed = kmalloc_window(live, KMALLOC_WINDOW, 16, 4096, &loop);
	struct heap_stats stats;
	struct heap_fault fault = { 0 };
	push_intr_off();
	heap_stats(kmalloc_heap(), &stats, &fault);
	pop_intr_off();
	kprintf("bench: kmalloc: %lu instructions per kmalloc+kfree (sizes 16..4096, %d live, "
		"%d steps; the loop's own %lu a step not counted), heap %lu KiB, %lu KiB in use, "
		"fragmentation %u.%u%%\n",
		mixed, KMALLOC_WINDOW, KMALLOC_OPS, loop, (unsigned long)stats.total_bytes >> 10,
		(unsigned long)stats.used_bytes >> 10, heap_fragmentation_permille(&stats) / 10,
		heap_fragmentation_permille(&stats) % 10);
	size_t quick_bytes = stats.quick_bytes, quick_blocks = stats.quick_blocks;
	push_intr_off();
	heap_flush(kmalloc_heap(), (unsigned)this_hartid(), &fault);
	heap_stats(kmalloc_heap(), &stats, &fault);
	pop_intr_off();
	kprintf("bench: kmalloc: %lu KiB on quick lists (%lu blocks); after heap_flush "
		"fragmentation %u.%u%%\n",
		(unsigned long)quick_bytes >> 10, (unsigned long)quick_blocks,
		heap_fragmentation_permille(&stats) / 10, heap_fragmentation_permille(&stats) % 10);
	for (int i = 0; i < KMALLOC_WINDOW; i++)
		kfree(live[i]);

	enum { SMALL_LIVE = 64 };
	uint64_t small = kmalloc_window(live, SMALL_LIVE, 16, 256, &loop);
	for (int i = 0; i < SMALL_LIVE; i++)
		kfree(live[i]);
	kprintf("bench: kmalloc: %lu instructions per kmalloc+kfree (sizes 16..256, %d live, "
		"%d steps; the loop's own %lu a step not counted)\n",
		small, SMALL_LIVE, KMALLOC_OPS, loop);

	kfree(kmalloc(64)); /* warm: the class's quick list holds a block */
	uint64_t start = rdinstret();
	for (int i = 0; i < KMALLOC_OPS; i++)
		kfree(kmalloc(64));
	kprintf("bench: kmalloc: %lu instructions per kmalloc(64)+kfree (same size, at once, "
		"%d pairs)\n",
		(rdinstret() - start) / KMALLOC_OPS, KMALLOC_OPS);
}

/* Both CRC-32C implementations over the same 64 KiB: bytes per instruction. */
static void bench_crc(void)
{
	enum { BYTES = 64 * 1024 };
	uint8_t *buf = kmalloc(BYTES);
	if (!buf)
		panic("bench crc: no memory");
	for (int i = 0; i < BYTES; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	uint64_t start = rdinstret();
	uint32_t table = crc32c_table(0, buf, BYTES);
	uint64_t table_instr = rdinstret() - start;
	start = rdinstret();
	uint32_t clmul = crc32c_clmul(0, buf, BYTES);
	uint64_t clmul_instr = rdinstret() - start;
	kprintf("bench: crc32c: table %lu.%02lu bytes/instruction, clmul (Zbc) %lu.%02lu "
		"bytes/instruction, %s\n",
		BYTES / table_instr, BYTES * 100 / table_instr % 100, BYTES / clmul_instr,
		BYTES * 100 / clmul_instr % 100, table == clmul ? "same CRC" : "CRCs DIFFER");
	kfree(buf);
	const volatile uint8_t *root = (const volatile uint8_t *)board.root.base;
	uint64_t scan = *(const volatile uint64_t *)(root + ROOT_SCAN_COST);
	uint32_t period_us = *(const volatile uint32_t *)(root + ROOT_SCAN_PERIOD_US);
	/* Under -icount shift=0 a hart runs 10^9 instructions per virtual second. */
	uint64_t per_million = scan * (1000000 / period_us) / 1000;
	kprintf("bench: guard scan: %lu instructions per scan, every %u us: %lu.%02lu%% of the "
		"guard hart\n",
		scan, period_us, per_million / 10000, per_million / 100 % 100);
}

/* Ping round trips to the guard: after it slept, and back to back. */
static void bench_mailbox(void)
{
	enum { PINGS = 1000 };
	uint64_t echo;
	uint64_t deadline = timer_now_us() + 50000;
	while (timer_now_us() < deadline)
		wfi(); /* let the guard fall asleep */
	uint64_t t0 = timer_now_us(), i0 = rdinstret();
	int err = guard_ping(1, &echo);
	uint64_t first_us = timer_now_us() - t0, first_instr = rdinstret() - i0;
	t0 = timer_now_us();
	i0 = rdinstret();
	for (int i = 0; i < PINGS && !err; i++)
		err = guard_ping((uint64_t)i, &echo);
	uint64_t burst_ns = (timer_now_us() - t0) * 1000 / PINGS;
	uint64_t burst_instr = (rdinstret() - i0) / PINGS;
	kprintf("bench: mailbox (%s): first ping after idle %lu us (%lu instructions on this "
		"hart), in a burst %lu.%03lu us (%lu instructions) per round trip%s\n",
		intr_driver_name(), first_us, first_instr, burst_ns / 1000, burst_ns % 1000,
		burst_instr, err ? " - A PING FAILED" : "");
}

void bench_run(void)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} benches[] = {
		{ "frame", bench_frame },     { "frame_all", bench_frame_all },
		{ "kmalloc", bench_kmalloc }, { "crc", bench_crc },
		{ "mailbox", bench_mailbox },
	};
	for (unsigned i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (bootarg_selected("bench", benches[i].name))
			benches[i].run();
	}
}
