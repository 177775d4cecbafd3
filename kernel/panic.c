/*
 * kernel/panic.c - panic, backtrace and halting.
 *
 * The backtrace follows the frame-pointer chain the compiler keeps with
 * -fno-omit-frame-pointer: on RISC-V, fp (s0) points just above the frame,
 * the return address is at fp-8 and the caller's fp at fp-16. The walk stays
 * inside this hart's stack, so a corrupt chain ends the trace, not the kernel.
 */
#include "panic.h"

#include <stdarg.h>

#include "console.h"
#include "hart.h"
#include "intr.h"

volatile int panicked;

void halt(void)
{
	intr_off();
	for (;;)
		wfi();
}

void backtrace(uint64_t fp)
{
	struct hart *h = this_hart();
	kprintf("backtrace (addr2line -e build/kernel/kernel.elf <addr>):\n");
	for (int depth = 0; depth < 32; depth++) {
		if (fp < h->stack_lo + 16 || fp > h->stack_hi || fp % 8)
			break;
		uint64_t ra = ((uint64_t *)fp)[-1];
		uint64_t caller_fp = ((uint64_t *)fp)[-2];
		if (ra == 0)
			break;
		kprintf("  #%d 0x%lx\n", depth, ra);
		if (caller_fp <= fp)
			break;
		fp = caller_fp;
	}
}

void panic(const char *fmt, ...)
{
	intr_off();
	console_panic_mode(); /* first or not: this hart may hold the console lock */
	int first = !__atomic_exchange_n(&panicked, 1, __ATOMIC_SEQ_CST);
	if (!first)
		halt(); /* another hart is already reporting */

	va_list args;
	va_start(args, fmt);
	kprintf("\npanic: hart %lu: ", this_hartid());
	kvprintf(fmt, args);
	kprintf("\n");
	va_end(args);
	backtrace(read_fp());

	int stopped = 0;
	for (uint64_t id = 0; id < MAGMA_MAX_HARTS; id++) {
		if (id != this_hartid() && harts[id].online) {
			intr_send_ipi(id);
			stopped++;
		}
	}
	kprintf("panic: stopped %d other kernel hart(s); halting hart %lu\n", stopped,
		this_hartid());
	halt();
}
