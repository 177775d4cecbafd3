/*
 * kernel/bio.h - the buffer cache: one copy in memory of each disk block in use.
 *
 * A buffer holds one FS_BLOCK_SIZE block of the root disk. bio_read returns
 * it sleep-locked, so only one process at a time touches a block's bytes;
 * bio_release gives it back, and the least recently released buffer is the
 * one reused. The log pins the buffers of a transaction (bio_pin) so the
 * cache keeps them until they are installed. Only the file system (fs.c,
 * log.c) calls this; everything else goes through files.
 */
#ifndef KERNEL_BIO_H
#define KERNEL_BIO_H

#include <stdint.h>

#include "../include/fs_format.h"
#include "sleeplock.h"

struct buf {
	struct sleeplock lock; /* held by whoever bio_read it */
	uint32_t blockno;
	int valid;                       /* data holds the block as on disk (or newer) */
	int refcnt;                      /* holders plus pins, under the cache lock */
	struct buf *lru_prev, *lru_next; /* the cache's list, most recently used first */
	_Alignas(uint64_t) uint8_t data[FS_BLOCK_SIZE]; /* holds dinodes, whose size is 64-bit */
};

/* Sets up the cache's buffers. Once, before the first bio_read. */
void bio_init(void);
/*
 * The buffer of block blockno, locked, its data read from the disk if the
 * cache did not hold it. Sleeps while every buffer is in use. Panics naming
 * the block if the disk fails the read.
 */
struct buf *bio_read(uint32_t blockno);
/*
 * The buffer of block blockno, locked and filled with zeros, without
 * reading the disk: for a block just allocated, whose old bytes are garbage.
 */
struct buf *bio_zero(uint32_t blockno);
/* Writes b's data to its block on the disk now; the caller holds b. Panics on a failed write. */
void bio_write(struct buf *b);
/* Unlocks b and gives it back to the cache. */
void bio_release(struct buf *b);
/* Keeps b in the cache (the log, until the block is installed); b need not be locked. */
void bio_pin(struct buf *b);
/* Undoes one bio_pin. */
void bio_unpin(struct buf *b);

#endif
