/*
 * kernel/guard.h - the kernel's side of the guard: readiness and incidents.
 *
 * The guard writes the root (read-only to us) and its event ring in the
 * mailbox; the kernel only reads both and reports what it sees.
 */
#ifndef KERNEL_GUARD_H
#define KERNEL_GUARD_H

#include <stdint.h>

/*
 * Waits until the root's ON state is 2 (protected), up to timeout_ms. Prints
 * how long it took; if it never comes, prints why and stops the kernel.
 */
void guard_wait_ready(uint64_t timeout_ms);
/* The hart whose timer tick calls guard_poll_events(), once the guard is up. */
extern volatile uint64_t guard_poller;
/* Logs every event the guard posted since the last call (boot hart's tick). */
void guard_poll_events(void);

#endif
