/*
 * include/root.h - the layout of the root range, for guard, kernel and user space.
 *
 * The root range (MAGMA_ROOT_BASE, 64 KiB, include/layout.h) is written only by
 * the guard; PMP makes it read-only to the kernel, and the kernel maps it
 * read-only into every process. Three parts, as the seed lays them out:
 *
 *   0x0000-0x00FF  protected bits: versions, flags, ON state. Never writable
 *                  by request, not even by the kernel through the mailbox.
 *   0x0100-0x0FFF  shared bits: time, ticks, vector clocks, counters. The
 *                  guard keeps them; a few fields the kernel may change by an
 *                  authenticated mailbox request (see the ACL in lib/mbox.c).
 *   0x1000-...     board tables (block zero): RAM, I/O and device tables.
 *
 * All multi-byte fields are little-endian and naturally aligned, and the
 * guard writes each with one store of its size, so a reader never sees a
 * torn field. The only value that spans two fields, the guard's clock
 * (micro and master ticks), is written inside ROOT_TICK_SEQ: odd while it
 * changes, so a reader retries until it sees the same even value before and
 * after (lib/root_clock.h). The whole 64 KiB is under the guard's lock.
 * Plain constants: no code, no kernel headers.
 */
#ifndef MAGMA_ROOT_H
#define MAGMA_ROOT_H

/* The layout version the guard writes (the seed's Bits(Major, Minor, Inc)). */
#define ROOT_LAYOUT_MAJOR 1
#define ROOT_LAYOUT_MINOR 0
#define ROOT_LAYOUT_INC   0

/* --- protected bits: root+0x000..0x0FF --- */
#define ROOT_PROTECTED_BASE 0x000
#define ROOT_PROTECTED_SIZE 0x100
#define ROOT_VERSION_MAJOR  0x000 /* u8 */
#define ROOT_VERSION_MINOR  0x001 /* u8 */
#define ROOT_VERSION_INC    0x002 /* u8 */
#define ROOT_PROTECTED      0x003 /* u8: 1 once the CRC is stored and the lock is on */
#define ROOT_ON_STATE       0x004 /* u8: ROOT_ON_* below */
#define ROOT_PROTECT_STATE  0x005 /* u8: ROOT_PROTECT_* below */
#define ROOT_GUARD_HART     0x008 /* u32: the guard's hart id */
#define ROOT_SCAN_PERIOD_US 0x00c /* u32: the CRC scan period */
#define ROOT_BOARD_OFFSET   0x010 /* u32: where the board tables start (root-relative) */
#define ROOT_BOARD_SIZE     0x014 /* u32: their size in bytes */
#define ROOT_MICRO_WRAP     0x018 /* u32: micro ticks per master tick */

/* ON state: how far the guard has brought the root. */
#define ROOT_ON_INITIALISED  0
#define ROOT_ON_SECONDARY_UP 1
#define ROOT_ON_PROTECTED    2

/* Protect state: what the data lock is doing. */
#define ROOT_PROTECT_OFF      0 /* no CRC stored yet */
#define ROOT_PROTECT_WATCHING 1 /* periodic scans running */
#define ROOT_PROTECT_REPAIRED 2 /* the last scan found and repaired a flip */

/* --- shared bits: root+0x100..0xFFF --- */
#define ROOT_SHARED_BASE      0x100
#define ROOT_SHARED_SIZE      0xf00
#define ROOT_REGISTERED_HARTS 0x100 /* u32: kernel harts that opened a session */
#define ROOT_INITIAL_TIME     0x108 /* u64: time CSR when the guard installed the root */
#define ROOT_OS_TIME_DELTA    0x110 /* u64: kernel-set offset of OS time (kernel-writable) */
#define ROOT_MICRO_TICKS      0x118 /* u64: guard ticks, wraps at ROOT_MICRO_WRAP */
#define ROOT_MASTER_TICKS     0x120 /* u64: one per micro-tick overflow */
#define ROOT_SCAN_COUNT       0x128 /* u64: CRC scans done */
#define ROOT_INCIDENT_COUNT   0x130 /* u64: repairs done */
#define ROOT_LAST_SCAN_TIME   0x138 /* u64: time CSR at the last scan */
#define ROOT_HEARTBEAT        0x140 /* u64: bumped on every tick (once a scan) */
#define ROOT_REQUESTS_OK      0x148 /* u64: requests served */
#define ROOT_ERR_COUNTERS     0x150 /* u32[MBOX_ERR_KINDS]: refused requests by kind */
#define ROOT_ERR_COUNTERS_MAX 16
#define ROOT_SCAN_COST        0x190 /* u64: instructions (instret) the last scan took */
#define ROOT_TICK_SEQ         0x198 /* u64: odd while micro/master ticks change (a seqlock) */
#define ROOT_SEAL_COUNT       0x1a0 /* u64: batches of guard writes sealed (cost figure) */
#define ROOT_KERNEL_NOTE      0x1c0 /* u8[64]: free text the kernel may write (kernel-writable) */
#define ROOT_VECTOR_CLOCK \
	0x200 /* u64[ROOT_VECTOR_SLOTS]: one per hart (own slot kernel-writable) */
#define ROOT_VECTOR_SLOTS 16

#define ROOT_MICRO_WRAP_DEFAULT \
	1000000u /* micro ticks per master tick, unless the
					      guard's bootargs say guard.tick_wrap=N */

/* --- board tables: root+0x1000.. --- */
#define ROOT_BOARD_BASE 0x1000

#endif
