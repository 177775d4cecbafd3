/*
 * sbi/guard/own_tree.c - opening the guard's own device tree (see own_tree.h).
 *
 * Nothing writes this copy after QEMU loads it (OpenSBI fixes up only the
 * tree at next-arg1, the kernel's), so unlike the kernel the guard has no
 * fix-ups to wait for.
 */
#include "own_tree.h"

#include <stdarg.h>

#include "../../include/layout.h"
#include "../../lib/fmt.h"
#include "../console_lock.h"
#include "runtime.h"

#define CONSOLE_WAIT_TICKS 50000000 /* 5 s at 10 MHz: a kernel line, on the slowest host */
#define SBI_LEGACY_PUTCHAR 0x01     /* SBI v0.1 console_putchar, in every domain */

/* One line on OpenSBI's console: before the tree is open the guard knows no UART. */
static void say(const char *fmt, ...)
{
	char line[192];
	va_list args;
	va_start(args, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	/*
	 * The last line before the guard halts, so it may wait: a kernel hart
	 * holds the lock for one line, however long a loaded host takes to run
	 * it. Only a kernel that keeps the lock for 5 s gets this line garbled.
	 */
	int taken = console_lock_try(CONSOLE_LOCK_GUARD, CONSOLE_WAIT_TICKS);
	for (const char *p = line; *p; p++) {
		register uint64_t a0 asm("a0") = (uint8_t)*p;
		register uint64_t a7 asm("a7") = SBI_LEGACY_PUTCHAR;
		asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	}
	if (taken)
		console_lock_give(CONSOLE_LOCK_GUARD);
}

void own_tree_open(struct fdt *tree)
{
	int err = fdt_open(tree, (const void *)MAGMA_GUARD_TREE_ADDR, MAGMA_GUARD_TREE_MAX_BYTES);
	if (err)
		say("guard: no valid device tree of its own at 0x%x: %s (is it loaded with "
		    "-device loader?): guard halted\n",
		    MAGMA_GUARD_TREE_ADDR, fdt_strerror(err));
	else if (fdt_find_compatible(tree, -1, "ns16550a") < 0)
		say("guard: its device tree at 0x%x names no ns16550a UART: guard halted\n",
		    MAGMA_GUARD_TREE_ADDR);
	else
		return;
	guard_halt();
}
