/*
 * sbi/guard/guard.c - the guard's main line.
 *
 * Runs alone on the guard hart, in the guard domain: it may touch only guard
 * private, the root range, the mailbox, the UART and (read only) the device
 * tree. It trusts nothing the kernel writes. After installing the root it
 * sleeps in wfi and wakes on its timer to scan the root and keep the ticks.
 */
#include <stdint.h>

#include "../../lib/string.h"
#include "../../mm/blockzero.h"
#include "../../mm/fdt.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "../tree.h"
#include "doorbell.h"
#include "lock.h"
#include "mailbox.h"
#include "runtime.h"

#define TREE_WAIT_TICKS 10000000 /* 1 s at 10 MHz */
#define DEFAULT_SCAN_PERIOD_US 10000
#define POLL_PERIOD_US 1000 /* mailbox polling without doorbells (PLIC machine) */
#define BURST_US 200        /* after a request, poll this long before sleeping again */

/* "guard.scan_us=N" in the bootargs sets the scan period (1 ms .. 1 s). */
static uint32_t scan_period_from(const struct fdt *tree)
{
	const char *args;
	int chosen = fdt_path(tree, "/chosen");
	if (chosen < 0 || fdt_prop_string(tree, chosen, "bootargs", &args))
		return DEFAULT_SCAN_PERIOD_US;
	static const char key[] = "guard.scan_us=";
	for (const char *p = args; *p; p++) {
		if (strncmp(p, key, sizeof(key) - 1) != 0 || (p != args && p[-1] != ' '))
			continue;
		uint32_t us = 0;
		for (p += sizeof(key) - 1; *p >= '0' && *p <= '9' && us < 10000000; p++)
			us = us * 10 + (uint32_t)(*p - '0');
		return us >= 1000 && us <= 1000000 ? us : DEFAULT_SCAN_PERIOD_US;
	}
	return DEFAULT_SCAN_PERIOD_US;
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

/* The guard's clock in the root: micro ticks, and a master tick per micro wrap. */
static void tick(void)
{
	uint64_t micro = lock_read64(ROOT_MICRO_TICKS) + 1;
	if (micro == ROOT_MICRO_WRAP) {
		micro = 0;
		uint64_t master = lock_read64(ROOT_MASTER_TICKS) + 1;
		lock_write(ROOT_MASTER_TICKS, &master, sizeof(master));
	}
	lock_write(ROOT_MICRO_TICKS, &micro, sizeof(micro));
	uint64_t beat = lock_read64(ROOT_HEARTBEAT) + 1;
	lock_write(ROOT_HEARTBEAT, &beat, sizeof(beat));
	lock_seal();
}

/* Serves requests until none came for BURST_US: a stream stays fast, idle stays asleep. */
static void serve_burst(void)
{
	uint64_t quiet_ticks = BURST_US * guard_timebase() / 1000000;
	uint64_t last = guard_now();
	while (guard_now() - last < quiet_ticks) {
		if (mailbox_serve())
			last = guard_now();
	}
}

static void run(uint32_t period_us, int doorbells)
{
	uint64_t period = period_us * guard_timebase() / 1000000;
	uint64_t next_scan = guard_now() + period;
	for (;;) {
		uint64_t now = guard_now();
		uint64_t wake = doorbells ? next_scan : now + POLL_PERIOD_US * guard_timebase() / 1000000;
		if (wake > next_scan)
			wake = next_scan;
		guard_timer_arm((wake > now ? wake - now : 0) * 1000000 / guard_timebase());
		asm volatile("wfi");
		doorbell_claim();
		if (mailbox_serve())
			serve_burst();
		if (guard_now() >= next_scan) {
			if (lock_scan())
				doorbell_ring_others(); /* tell the kernel an incident is in the ring */
			tick();
			next_scan += period;
			if (next_scan < guard_now())
				next_scan = guard_now() + period; /* we fell behind: do not spin */
		}
	}
}

void guard_main(uint64_t hartid, uintptr_t fdt_pa)
{
	struct fdt tree;
	int settled = tree_open_settled(&tree, (const void *)fdt_pa, 2u << 20, TREE_WAIT_TICKS);
	if (settled < 0)
		guard_halt(); /* no tree: no UART to say so, and no way to find anything */
	runtime_init(&tree);
	uint32_t period_us = scan_period_from(&tree);
	/* The mailbox and doorbells first: ON state 2 tells the kernel all is ready. */
	mailbox_init(&tree, (uint32_t)hartid);
	int doorbells = doorbell_init(&tree, hartid);
	static uint8_t board[MAGMA_ROOT_SIZE - ROOT_BOARD_BASE] __attribute__((aligned(8)));
	size_t board_bytes = 0;
	int err = blockzero_build(&tree, board, sizeof(board), &board_bytes);
	if (err)
		guard_log("guard: board tables not built: %s\n", blockzero_strerror(err));
	lock_install((uint32_t)hartid, period_us, hart_has_zbc(&tree, hartid), board, board_bytes);
	guard_log("guard: hart %lu: root installed, %lu bytes under CRC-32C (%s) 0x%08x, "
		  "ON state 2, scan every %u us\n", hartid, (unsigned long)lock_bytes(),
		  lock_crc_name(), lock_crc(), period_us);

	guard_log("guard: %s\n", doorbells ? "doorbells: IMSIC, sleeping in wfi between scans"
					   : "no IMSIC: polling the mailbox every 1 ms");
	run(period_us, doorbells);
}
