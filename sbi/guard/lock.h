/*
 * sbi/guard/lock.h - the data lock: the whole 64 KiB root under a shadow, a
 * CRC-32C and an MD5 of that CRC.
 *
 * Three copies of the truth, all but the first out of the kernel's reach:
 *   the root range itself (kernel-readable; PMP-locked against its stores,
 *     but not against a debugger, a device's DMA or QEMU's page-table walker),
 *   a shadow copy of it in guard private,
 *   the CRC-32C of the root and an MD5 of that CRC, in guard private.
 *
 * The stored CRC is correct by construction: the guard's own writes
 * (lock_write) fold exactly the bytes they change into it (lib/crc32c_patch),
 * so it is never recomputed from a copy that might be damaged, and a damaged
 * shadow or CRC store is never sealed in. A batch of writes ends in
 * lock_seal(), which stores the MD5 of the CRC; the first write of a batch
 * first checks that MD5, so a flipped CRC store is caught however many
 * batches come before the next scan.
 *
 * A scan compares root and shadow byte by byte (a CRC match is no proof
 * against a writer that controls several bytes) and, when they differ,
 * checks both against the CRC:
 *   root == shadow                nothing happened (the shadow's CRC is still
 *                                 checked every 8th such scan: see below);
 *   they differ, shadow's CRC ok  the root bytes are put back (one event each);
 *   they differ, root's CRC ok    the shadow was hit: rebuilt from the root;
 *   they differ, neither ok       conflict: the shadow wins (it is private);
 *   they agree, CRC fails         both changed alike: reported, CRC adopted.
 * Only something that writes guard private (a debugger) can change root and
 * shadow alike, so that last check runs on every 8th scan: the whole-root CRC
 * is most of a scan's cost, and the byte compare alone catches every change
 * the kernel's side can make.
 */
#ifndef GUARD_LOCK_H
#define GUARD_LOCK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Installs the root (ON state 0 -> 1 -> 2): zeroes all of it, writes the
 * protected and shared bits and the board tables (board, board_bytes) at
 * ROOT_BOARD_BASE, and seals it.
 */
void lock_install(uint32_t hartid, uint32_t scan_period_us, uint32_t micro_wrap, int use_clmul,
		  const uint8_t *board, size_t board_bytes);
/*
 * Writes root bytes as the guard: shadow, CRC and root, the root with one
 * aligned store per naturally aligned field. Call lock_seal() after a batch.
 */
void lock_write(size_t offset, const void *src, size_t len);
void lock_write64(size_t offset, uint64_t value);
void lock_write32(size_t offset, uint32_t value);
void lock_write8(size_t offset, uint8_t value);
/* Reads root bytes from the shadow (the values the guard vouches for). */
void lock_read(size_t offset, void *dst, size_t len);
uint64_t lock_read64(size_t offset);
/* Ends a batch of writes: stores the MD5 of the stored CRC. */
void lock_seal(void);
/* One scan: repairs what it finds, posts events, seals; returns the root bytes repaired. */
int lock_scan(void);
/* The stored CRC, and "table" or "clmul", for the log. */
uint32_t lock_crc(void);
const char *lock_crc_name(void);

#endif
