/*
 * sbi/guard/doorbell.h - waking and being woken, on the AIA machine.
 *
 * With an IMSIC, a store of an interrupt identity into a hart's S-file page
 * raises an interrupt there: that is how the kernel wakes the guard from wfi
 * when it posts a request, and how the guard wakes a kernel hart when a reply
 * or an event is ready. On the PLIC machine there are no doorbells: the guard
 * polls the mailbox on a short timer and the kernel polls the event ring.
 */
#ifndef GUARD_DOORBELL_H
#define GUARD_DOORBELL_H

#include <stdint.h>

#include "../../mm/fdt.h"

/* Finds the S-level IMSIC pages; sets up this hart's file. 1 if doorbells work. */
int doorbell_init(const struct fdt *tree, uint64_t self);
/* Rings hart's doorbell (no-op without an IMSIC or for an unknown hart). */
void doorbell_ring(uint64_t hart);
/* Rings every hart but this one. */
void doorbell_ring_others(void);
/* Takes every pending identity off this hart's file; returns how many. */
int doorbell_claim(void);

#endif
