/*
 * sbi/guard/guard.c - the PLACEHOLDER guard.
 *
 * Runs alone on the guard hart, in the guard domain: it may touch only guard
 * private, the root range, the mailbox and the UART. For now it announces
 * itself, moves the root's ON state to 1 (secondary up) and sleeps. The real
 * guard (CRC data lock, authenticated mailbox) replaces this file.
 */
#include <stdarg.h>
#include <stdint.h>

#include "../../lib/fmt.h"
#include "../../mm/fdt.h"
#include "../console_lock.h"
#include "../layout.h"
#include "../root.h"
#include "../tree.h"

#define TREE_WAIT_TICKS 10000000 /* 1 s at 10 MHz */
#define KERNEL_LINE_WAIT_TICKS 100000 /* 10 ms */
#define LSR_THR_EMPTY 0x20

static volatile uint8_t *uart;

static void uart_sink(void *ctx, char c)
{
	(void)ctx;
	if (!uart)
		return;
	if (c == '\n')
		uart_sink(ctx, '\r');
	while (!(uart[5] & LSR_THR_EMPTY))
		;
	uart[0] = (uint8_t)c;
}

static void guard_log(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int taken = console_lock_take(CONSOLE_LOCK_GUARD, KERNEL_LINE_WAIT_TICKS);
	fmt_format(uart_sink, 0, fmt, args);
	console_lock_give(taken);
	va_end(args);
}

static void find_uart(uintptr_t fdt_pa)
{
	struct fdt fdt;
	if (tree_open_settled(&fdt, (const void *)fdt_pa, 2u << 20, TREE_WAIT_TICKS) < 0)
		return;
	int node = fdt_find_compatible(&fdt, -1, "ns16550a");
	uint64_t base, size;
	if (node >= 0 && fdt_reg(&fdt, node, 0, &base, &size) == 0)
		uart = (volatile uint8_t *)base;
}

void guard_main(uint64_t hartid, uintptr_t fdt_pa)
{
	volatile uint8_t *root = (volatile uint8_t *)MAGMA_ROOT_BASE;
	root[ROOT_ON_STATE] = ROOT_ON_SECONDARY_UP;

	find_uart(fdt_pa);
	guard_log("guard: hart %lu up (placeholder guard), root ON state = %u\n", hartid,
		  root[ROOT_ON_STATE]);
	for (;;)
		asm volatile("wfi");
}
