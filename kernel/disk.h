/*
 * kernel/disk.h - the block device under the buffer cache.
 *
 * One implementation: kernel/virtio_blk.c. Requests sleep until the device
 * answers; several processes may have requests in flight at once.
 */
#ifndef KERNEL_DISK_H
#define KERNEL_DISK_H

#include <stdint.h>

/* What can go wrong, as negative codes (disk_strerror names them). */
enum disk_error {
	DISK_ERR_NO_DISK = -1,   /* no virtio-blk device, or it was refused at init */
	DISK_ERR_LEGACY = -2,    /* the device speaks only the legacy interface (version 1) */
	DISK_ERR_FEATURES = -3,  /* a feature magma needs is missing, or the device refused ours */
	DISK_ERR_QUEUE = -4,     /* the device's request queue is missing, in use or too small */
	DISK_ERR_NO_MEMORY = -5, /* no page for the queue */
	DISK_ERR_TOO_SMALL = -6, /* the disk holds no whole block */
	DISK_ERR_RANGE = -7,     /* a block number past the end of the disk */
	DISK_ERR_READ_ONLY = -8, /* a write to a read-only disk */
	DISK_ERR_IO = -9,        /* the device reports an I/O error */
	DISK_ERR_UNSUPPORTED = -10, /* the device does not support the request */
	DISK_ERR_BAD_REPLY = -11,   /* the device's answer is malformed (length, status byte) */
	DISK_ERR_BROKEN = -12,      /* the device broke the queue's rules: no more requests */
	DISK_ERR_IRQ = -13,         /* its interrupt cannot be routed */
};

/* A short English description of a DISK_ERR_* code. */
const char *disk_strerror(int err);

/*
 * Finds the disk in the device tree and initialises it. 0, or a negative
 * code after printing why (no disk: the kernel runs without a file system).
 */
int disk_init(void);
/* Disk size in FS_BLOCK_SIZE blocks (0 when there is no disk). */
uint64_t disk_block_count(void);
/*
 * Reads or writes FS_BLOCK_SIZE bytes at block blockno, from or to data (a
 * kernel address). Sleeps until done. 0, or a negative code (I/O error or
 * block out of range), after printing it.
 */
int disk_read(uint64_t blockno, void *data);
int disk_write(uint64_t blockno, const void *data);
/* Makes every completed write durable (VIRTIO_BLK_T_FLUSH). 0 or negative. */
int disk_flush(void);

/*
 * The most requests that were in flight at once since boot (for the
 * self-test and benchmarks).
 */
int disk_max_in_flight(void);
/* test=disk (kernel/disk_selftest.c): read, write, read back, flush, from every hart. */
void disk_selftest(void);

#endif
