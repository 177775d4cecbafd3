/*
 * kernel/disk.h - the block device under the buffer cache.
 *
 * One implementation: kernel/virtio_blk.c. Requests sleep until the device
 * answers; several processes may have requests in flight at once.
 */
#ifndef KERNEL_DISK_H
#define KERNEL_DISK_H

#include <stdint.h>

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

#endif
