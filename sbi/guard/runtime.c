/*
 * sbi/guard/runtime.c - log, time, timer and the fault vector of the guard.
 *
 * The guard takes no interrupts: it sleeps in wfi with sstatus.SIE clear and
 * sie.STIE set, which wakes it when the timer fires without entering a trap
 * handler (wfi resumes on any pending enabled interrupt). Only exceptions
 * trap, and those are bugs: guard_fault logs them and parks the hart.
 */
#include "runtime.h"

#include <stdarg.h>

#include "../../lib/counters.h"
#include "../../lib/fmt.h"
#include "../console_lock.h"

#define KERNEL_LINE_WAIT_TICKS 100000 /* 10 ms at 10 MHz */
#define LSR_THR_EMPTY 0x20
#define SIE_STIE (1ul << 5)

static volatile uint8_t *uart;
static uint64_t timebase = 10000000;

extern char guard_vector[];

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

void guard_log(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int taken = console_lock_take(CONSOLE_LOCK_GUARD, KERNEL_LINE_WAIT_TICKS);
	fmt_format(uart_sink, 0, fmt, args);
	console_lock_give(taken);
	va_end(args);
}

void runtime_init(const struct fdt *tree)
{
	asm volatile("csrw stvec, %0" : : "r"(guard_vector));
	int node = fdt_find_compatible(tree, -1, "ns16550a");
	uint64_t base, size;
	if (node >= 0 && fdt_reg(tree, node, 0, &base, &size) == 0)
		uart = (volatile uint8_t *)base;
	uint32_t hz;
	int cpus = fdt_path(tree, "/cpus");
	if (cpus >= 0 && fdt_prop_u32(tree, cpus, "timebase-frequency", &hz) == 0 && hz)
		timebase = hz;
	asm volatile("csrs sie, %0" : : "r"(SIE_STIE));
}

uint64_t guard_now(void)
{
	return rdtime();
}

uint64_t guard_instret(void)
{
	return rdinstret();
}

uint64_t guard_timebase(void)
{
	return timebase;
}

void guard_timer_arm(uint64_t us)
{
	register uint64_t a0 asm("a0") = guard_now() + us * timebase / 1000000;
	register uint64_t a6 asm("a6") = 0;          /* set_timer */
	register uint64_t a7 asm("a7") = 0x54494d45; /* SBI TIME extension */
	asm volatile("ecall" : "+r"(a0) : "r"(a6), "r"(a7) : "a1", "memory");
}

void guard_halt(void)
{
	for (;;)
		asm volatile("wfi");
}

/* Called by guard_vector (entry.S) for any exception: a guard bug. */
void guard_fault(uint64_t scause, uint64_t sepc, uint64_t stval)
{
	guard_log("guard: FAULT scause %lu at pc 0x%lx, stval 0x%lx: guard halted\n", scause, sepc,
		  stval);
	guard_halt();
}
