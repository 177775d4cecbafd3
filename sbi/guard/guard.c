/*
 * sbi/guard/guard.c - the guard's main line.
 *
 * Runs alone on the guard hart, in the guard domain: it may touch only guard
 * private (which holds its own copy of the device tree), the root range, the
 * mailbox, the UART and the kernel harts' IMSIC pages. It trusts nothing the
 * kernel writes. After installing the root it sleeps in wfi and wakes on its
 * timer to scan the root and keep the ticks.
 */
#include <stdint.h>

#include "../../lib/bootargs.h"
#include "../../lib/string.h"
#include "../../mm/blockzero.h"
#include "../../mm/fdt.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "doorbell.h"
#include "lock.h"
#include "mailbox.h"
#include "own_tree.h"
#include "runtime.h"

#define DEFAULT_SCAN_PERIOD_US 10000
#define POLL_PERIOD_US         1000 /* mailbox polling without doorbells (PLIC machine) */
#define BURST_US               200  /* after a request, poll this long before sleeping again */

/*
 * The guard's knobs, from the bootargs of its own tree copy: "key=N" with N
 * in [min, max], else fallback.
 *   guard.scan_us=N     the scan period (1 ms .. 1 s)
 *   guard.tick_wrap=N   micro ticks per master tick (tests watch it wrap)
 *   guard.stall_ms=N    fault injection: no scans for N ms, 1 s after install
 */
static uint32_t knob(const struct fdt *tree, const char *key, uint32_t min, uint32_t max,
		     uint32_t fallback)
{
	const char *args;
	uint32_t n;
	int chosen = fdt_path(tree, "/chosen");
	if (chosen < 0 || fdt_prop_string(tree, chosen, "bootargs", &args) ||
	    bootargs_u32(args, key, &n))
		return fallback;
	return n >= min && n <= max ? n : fallback;
}

/* Whether this hart's cpu node lists the Zbc extension (carry-less multiply). */
static int hart_has_zbc(const struct fdt *tree, uint64_t hartid)
{
	int cpus = fdt_path(tree, "/cpus");
	for (int cpu = fdt_first_child(tree, cpus); cpu >= 0; cpu = fdt_next_sibling(tree, cpu)) {
		uint64_t id, size;
		const char *isa;
		if (fdt_reg(tree, cpu, 0, &id, &size) || id != hartid ||
		    fdt_prop_string(tree, cpu, "riscv,isa", &isa))
			continue;
		for (const char *p = isa; *p; p++) {
			if (strncmp(p, "_zbc", 4) == 0 && (p[4] == '_' || p[4] == '\0'))
				return 1;
		}
	}
	return 0;
}

/*
 * The guard's clock in the root: micro ticks, and a master tick per wrap.
 * The two change inside the tick sequence word (odd meanwhile), so a reader
 * never sees a micro wrap without its master tick.
 */
static void tick(uint32_t wrap)
{
	uint64_t seq = lock_read64(ROOT_TICK_SEQ);
	lock_write64(ROOT_TICK_SEQ, seq + 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint64_t micro = lock_read64(ROOT_MICRO_TICKS) + 1;
	if (micro >= wrap) {
		micro = 0;
		lock_write64(ROOT_MASTER_TICKS, lock_read64(ROOT_MASTER_TICKS) + 1);
	}
	lock_write64(ROOT_MICRO_TICKS, micro);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	lock_write64(ROOT_TICK_SEQ, seq + 2);
	lock_write64(ROOT_HEARTBEAT, lock_read64(ROOT_HEARTBEAT) + 1);
	mailbox_publish_counters();
	lock_seal();
}

struct schedule {
	uint64_t period, poll, burst; /* in time-CSR ticks */
	uint32_t wrap;
	uint64_t stall_from, stall_until;
	int doorbells;
};

static void scan_and_tick(const struct schedule *sc)
{
	if (lock_scan())
		doorbell_ring_others(); /* tell the kernel an incident is in the ring */
	tick(sc->wrap);
}

/*
 * One loop for scans and requests. The scan deadline is checked on every
 * turn, also while a stream of requests keeps the guard polling, so no
 * flood (valid or junk) can hold a scan back. After a request the guard
 * polls for a short burst, so a stream is fast; then it sleeps in wfi until
 * a doorbell, the next scan or (no IMSIC) the next poll.
 */
static void run(const struct schedule *sc)
{
	uint64_t next_scan = guard_now() + sc->period, busy_until = 0;
	for (;;) {
		uint64_t now = guard_now();
		if (now >= next_scan) {
			if (now < sc->stall_from || now >= sc->stall_until)
				scan_and_tick(sc);
			/* Keep the cadence; scans missed while the host did not run us are dropped. */
			next_scan += sc->period;
			now = guard_now();
			if (next_scan <= now)
				next_scan += ((now - next_scan) / sc->period + 1) * sc->period;
			continue;
		}
		if (mailbox_serve()) {
			busy_until = guard_now() + sc->burst;
			continue;
		}
		if (now < busy_until)
			continue;
		uint64_t wake = sc->doorbells ? next_scan : now + sc->poll;
		if (wake > next_scan)
			wake = next_scan;
		guard_timer_arm((wake - now) * 1000000 / guard_timebase());
		asm volatile("wfi");
		guard_log_flush(); /* lines the kernel's console use held back */
		doorbell_claim();
	}
}

void guard_main(uint64_t hartid)
{
	struct fdt tree;
	own_tree_open(&tree);
	runtime_init(&tree);
	uint32_t period_us = knob(&tree, "guard.scan_us", 1000, 1000000, DEFAULT_SCAN_PERIOD_US);
	uint32_t wrap = knob(&tree, "guard.tick_wrap", 2, 1000000000, ROOT_MICRO_WRAP_DEFAULT);
	uint32_t stall_ms = knob(&tree, "guard.stall_ms", 1, 60000, 0);
	/* The mailbox and doorbells first: ON state 2 tells the kernel all is ready. */
	mailbox_init(&tree, (uint32_t)hartid);
	int doorbells = doorbell_init(&tree, hartid);
	static uint8_t board[MAGMA_ROOT_SIZE - ROOT_BOARD_BASE] __attribute__((aligned(8)));
	size_t board_bytes = 0;
	int err = blockzero_build(&tree, board, sizeof(board), &board_bytes);
	if (err)
		guard_log("guard: board tables not built: %s\n", blockzero_strerror(err));
	lock_install((uint32_t)hartid, period_us, wrap, hart_has_zbc(&tree, hartid), board,
		     board_bytes);
	guard_log("guard: hart %lu: root installed, all %u bytes under CRC-32C (%s) 0x%08x, "
		  "ON state 2, scan every %u us\n",
		  hartid, MAGMA_ROOT_SIZE, lock_crc_name(), lock_crc(), period_us);

	uint64_t hz = guard_timebase(), now = guard_now();
	struct schedule sc = { period_us * hz / 1000000,
			       POLL_PERIOD_US * hz / 1000000,
			       BURST_US * hz / 1000000,
			       wrap,
			       ~0ull,
			       ~0ull,
			       doorbells };
	if (stall_ms) {
		sc.stall_from = now + hz; /* a second after install */
		sc.stall_until = sc.stall_from + stall_ms * hz / 1000;
		guard_log("guard: fault injection: no scans for %u ms from 1 s after install\n",
			  stall_ms);
	}
	guard_log("guard: %s\n", doorbells ? "doorbells: IMSIC, sleeping in wfi between scans"
					   : "no IMSIC: polling the mailbox every 1 ms");
	run(&sc);
}
