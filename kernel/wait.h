/*
 * kernel/wait.h - waiting for something that may be slow, and saying so.
 *
 * The host may be busy: a wait that gives up after a short wall-clock bound
 * turns a slow host into a wrong answer. A wait here sleeps (wfi: the timer
 * tick wakes it) until its condition holds, prompts its caller once a second
 * to print what it is still waiting for, and ends only when the caller sees a
 * condition that means "never" or its own long, named limit has passed.
 *
 *   struct wait w;
 *   wait_start(&w);
 *   while (!ready()) {
 *           if (wait_elapsed_ms(&w) >= LIMIT_MS)
 *                   break;
 *           if (wait_sleep(&w))
 *                   kprintf("magma: still waiting for X after %lu ms\n", wait_elapsed_ms(&w));
 *   }
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include <stdint.h>

/* How often a wait reports that it is still waiting. */
#define WAIT_REPORT_MS 1000

struct wait {
	uint64_t start_us;
	uint64_t next_report_ms; /* elapsed time at which the next report is due */
};

/* Starts the clock of a wait. */
void wait_start(struct wait *w);
/* Milliseconds since wait_start. */
uint64_t wait_elapsed_ms(const struct wait *w);
/*
 * Sleeps until the next interrupt (interrupts must be enabled in sie, as the
 * tick is). Returns 1 when another WAIT_REPORT_MS have passed since the last
 * report: the caller then says what it is waiting for.
 */
int wait_sleep(struct wait *w);

#endif
