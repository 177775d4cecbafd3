/*
 * sbi/console_lock.h - one UART, two domains: a lock word in the mailbox.
 *
 * Kernel harts and the guard print on the same UART. Each side takes this
 * lock around a whole line so lines never interleave. Neither side trusts
 * the other to release it: a taker waits at most max_ticks (time CSR units)
 * and then prints anyway, so a dead or hostile peer costs a garbled line,
 * never a hang.
 */
#ifndef SBI_CONSOLE_LOCK_H
#define SBI_CONSOLE_LOCK_H

#include <stdint.h>

#include "../include/layout.h"

/* The lock word: the first word of the mailbox (include/layout.h). */
#define CONSOLE_LOCK_PA MAGMA_MAILBOX_BASE

/* Owner ids written into the word, so a debugger shows who holds it. */
#define CONSOLE_LOCK_KERNEL 1u
#define CONSOLE_LOCK_GUARD 2u

/* Takes the lock for `owner`, waiting at most max_ticks; returns 1 if taken. */
int console_lock_take(uint32_t owner, uint64_t max_ticks);
/* Releases the lock if console_lock_take returned 1. */
void console_lock_give(int taken);

#endif
