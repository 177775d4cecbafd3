/*
 * sbi/console_lock.h - one UART, two domains: a lock word in the mailbox.
 *
 * Kernel harts and the guard print on the same UART. Whoever prints holds
 * this lock for exactly one whole line, so a line is never split by the
 * other side's characters. The two sides do not trust each other equally,
 * so they take it differently:
 *
 *  - The guard never waits for the kernel, which may be hostile or dead and
 *    can write the word at will. It formats each line into a small queue in
 *    its own memory, tries the lock (console_lock_try, a spin of a few
 *    microseconds at most), prints one line per hold, and leaves whatever it
 *    could not print for the next try from its main loop. When the queue is
 *    full it counts the lines it drops and says so in a later line. A kernel
 *    that holds the lock forever silences the guard's log, nothing more.
 *  - The kernel waits for the lock without a bound (console_lock_wait): the
 *    guard formats before it takes the lock and holds it for one short line
 *    (about 100 characters of UART writes), and other kernel harts hold it
 *    for one line with interrupts off. A hart that panics while holding it
 *    (a fault in the middle of a line) gives it up before it reports or
 *    halts (kernel/console.c), so no hart can die holding it.
 *  - Release only what you hold (console_lock_give compares the owner), so a
 *    word someone else wrote is never cleared by mistake.
 *  - The word is 0 at power-on (RAM is zero) and nobody initialises it: the
 *    guard may log before the kernel runs and the reverse, and a late
 *    "initialisation" would break the other side's hold.
 *  - It guards the UART, not a path to it: kernel lines written through the
 *    SBI console (before the kernel's UART driver is up) take it as well.
 *    Only OpenSBI's own messages (its banner, printed before any S-mode
 *    hart runs, and trap reports) bypass it.
 */
#ifndef SBI_CONSOLE_LOCK_H
#define SBI_CONSOLE_LOCK_H

#include <stdint.h>

#include "../include/layout.h"

/* The lock word: the first word of the mailbox (MBOX_CONSOLE_LOCK in lib/mbox.h). */
#define CONSOLE_LOCK_PA MAGMA_MAILBOX_BASE

/* Owner ids written into the word, so a debugger shows who holds it; 0 is free. */
#define CONSOLE_LOCK_FREE           0u
#define CONSOLE_LOCK_GUARD          2u
#define CONSOLE_LOCK_KERNEL(hartid) (0x100u + (uint32_t)(hartid))

/*
 * Takes the lock for owner if it is free or frees up within spin_ticks
 * (time-CSR units); never waits longer. 1 if taken, 0 if not.
 */
int console_lock_try(uint32_t owner, uint64_t spin_ticks);
/* Takes the lock for owner, waiting as long as it takes. */
void console_lock_wait(uint32_t owner);
/* Frees the lock if owner holds it; leaves any other value alone. */
void console_lock_give(uint32_t owner);

#endif
