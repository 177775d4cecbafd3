/*
 * sbi/guard/lock.h - the data lock: the root under CRC-32C, MD5 and a shadow.
 *
 * Three copies of the truth, all but the first out of the kernel's reach:
 *   the root range itself (kernel-readable; PMP-locked against its writes),
 *   a shadow copy of it in guard private,
 *   the CRC-32C of the root, and an MD5 of that CRC, in guard private.
 * A scan recomputes the root's CRC; on a mismatch, the bytes that differ
 * from the shadow are put back and each is reported as an incident. A stored
 * CRC that no longer matches its MD5 is rebuilt from the shadow; a shadow
 * that no longer matches the CRC is rebuilt from the root.
 * The guard's own writes go through lock_write() and lock_seal(), so they
 * never count as incidents.
 */
#ifndef GUARD_LOCK_H
#define GUARD_LOCK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Installs the root (ON state 0 -> 1 -> 2) with the board tables (board,
 * board_bytes) at ROOT_BOARD_BASE, and seals it.
 */
void lock_install(uint32_t hartid, uint32_t scan_period_us, int use_clmul,
		  const uint8_t *board, size_t board_bytes);
/* Writes root bytes as the guard: root and shadow both; call lock_seal() after a batch. */
void lock_write(size_t offset, const void *src, size_t len);
/* Reads root bytes from the shadow (the values the guard vouches for). */
void lock_read(size_t offset, void *dst, size_t len);
/* The same for one little-endian u64 field. */
uint64_t lock_read64(size_t offset);
/* Recomputes and stores the CRC of the root and the MD5 of that CRC. */
void lock_seal(void);
/* One scan: repairs what it finds, posts events; returns how many bytes it repaired. */
int lock_scan(void);
struct guard_event;
/* Event seq from the guard's private copy (not the kernel-writable ring); 0 if gone. */
int lock_event(uint64_t seq, struct guard_event *out);
/* Events posted so far. */
uint64_t lock_events_posted(void);
/* Bytes of the root under the lock, and the stored CRC, for the log. */
size_t lock_bytes(void);
uint32_t lock_crc(void);
/* "table" or "clmul". */
const char *lock_crc_name(void);

#endif
