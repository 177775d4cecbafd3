/*
 * sbi/guard/runtime.c - log, time, timer and the fault vector of the guard.
 *
 * The guard takes no interrupts: it sleeps in wfi with sstatus.SIE clear and
 * sie.STIE set, which wakes it when the timer fires without entering a trap
 * handler (wfi resumes on any pending enabled interrupt). Only exceptions
 * trap, and those are bugs: guard_fault logs them and parks the hart.
 *
 * The log never waits for the kernel (sbi/console_lock.h): lines queue here,
 * in guard private, and go out one per hold of the console lock.
 */
#include "runtime.h"

#include <stdarg.h>

#include "../../lib/counters.h"
#include "../../lib/fmt.h"
#include "../console_lock.h"

#define LSR_THR_EMPTY 0x20
#define SIE_STIE      (1ul << 5)

#define LOG_LINE_BYTES  160  /* the longest guard line is about 110 characters */
#define LOG_QUEUE_LINES 8    /* more than the guard logs at boot, before any kernel line */
#define LOG_TRY_TICKS   200  /* one try spins at most 20 us (10 MHz) for the lock */
#define FAULT_LOG_TRIES 1000 /* a faulting guard tries this many times, 1 ms apart */

static volatile uint8_t *uart;
static uint64_t timebase = 10000000;

/* Formatted lines not printed yet, oldest first; `dropped` counts lines lost to a full queue. */
static struct {
	char text[LOG_QUEUE_LINES][LOG_LINE_BYTES];
	unsigned first, count;
	unsigned long dropped;
	int holding; /* the console lock, while a line goes out */
} queue;

extern char guard_vector[];

static void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	while (!(uart[5] & LSR_THR_EMPTY))
		;
	uart[0] = (uint8_t)c;
}

/* The next free slot of the queue, or 0 when it is full. */
static char *queue_slot(void)
{
	if (queue.count == LOG_QUEUE_LINES)
		return 0;
	return queue.text[(queue.first + queue.count) % LOG_QUEUE_LINES];
}

/* Once there is room again, the count of dropped lines takes its place in the queue. */
static void queue_dropped_note(void)
{
	char *slot = queue.dropped ? queue_slot() : 0;
	if (!slot)
		return;
	fmt_snprintf(slot, LOG_LINE_BYTES,
		     "guard: %lu log line(s) dropped: the kernel held the console\n",
		     queue.dropped);
	queue.count++;
	queue.dropped = 0;
}

void guard_log(const char *fmt, ...)
{
	queue_dropped_note();
	char *slot = queue_slot();
	if (slot) {
		va_list args;
		va_start(args, fmt);
		int len = fmt_vsnprintf(slot, LOG_LINE_BYTES, fmt, args);
		va_end(args);
		if (len >= LOG_LINE_BYTES)
			slot[LOG_LINE_BYTES - 2] = '\n'; /* cut, but still a line of its own */
		queue.count++;
	} else {
		queue.dropped++;
	}
	guard_log_flush();
}

int guard_log_flush(void)
{
	while (uart && queue.count) {
		if (!console_lock_try(CONSOLE_LOCK_GUARD, LOG_TRY_TICKS))
			break; /* the kernel is printing: the rest waits for the next call */
		queue.holding = 1;
		for (const char *p = queue.text[queue.first]; *p; p++)
			uart_putc(*p);
		queue.holding = 0;
		console_lock_give(CONSOLE_LOCK_GUARD);
		queue.first = (queue.first + 1) % LOG_QUEUE_LINES;
		queue.count--;
		queue_dropped_note();
	}
	return (int)queue.count;
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
	if (queue.holding) { /* the fault hit in the middle of a line */
		queue.holding = 0;
		console_lock_give(CONSOLE_LOCK_GUARD);
	}
	guard_log("guard: FAULT scause %lu at pc 0x%lx, stval 0x%lx: guard halted\n", scause, sepc,
		  stval);
	/* Nothing runs the main loop any more: keep trying here, for a while, then park. */
	for (int i = 0; i < FAULT_LOG_TRIES && guard_log_flush(); i++) {
		uint64_t until = guard_now() + timebase / 1000;
		while (guard_now() < until)
			;
	}
	guard_halt();
}
