/*
 * kernel/selftest_guard.h - the self-tests that attack or exercise the guard
 * (selected like the others, by test=NAME in the bootargs; see selftest.h).
 */
#ifndef KERNEL_SELFTEST_GUARD_H
#define KERNEL_SELFTEST_GUARD_H

void selftest_mailbox(void);     /* round trips, every refusal, hijack, close, reclaim */
void selftest_flood(void);       /* a flood of requests never holds the scans back */
void selftest_root_fields(void); /* root fields never torn, the clock never goes back */
void selftest_walker(void);      /* QEMU's page-table walker writes the root; it is repaired */
void selftest_ring(void);        /* a scribbled event ring fools neither guard nor kernel */
void selftest_ping_loop(void);   /* pings every millisecond, for fault injection from gdb */
void selftest_board(void);       /* the board tables, read back through facades */
void selftest_slot_stats(void);  /* SLOT_STATS forged, replayed, denied: graded from gdb */

#endif
