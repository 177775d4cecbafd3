/*
 * kernel/disk_selftest.c - test=disk: the disk driver end to end, at boot.
 *
 * Reads the superblock (block 1), writes a pattern into a scratch block at
 * the end of the disk, reads it back and puts the old contents back (the
 * disk may hold a file system), flushes, checks that a block past the end
 * is refused, then has every kernel hart read at once, so several requests
 * are in flight together. Buffers come from kmalloc: heap pages are
 * contiguous only virtually, so a block may span two physical pieces.
 *
 * It prints "magma: disk: ok: ..." or "magma: disk: FAIL: <step>: <error>".
 */
#include "disk.h"

#include "../include/fs_format.h"
#include "../lib/string.h"
#include "console.h"
#include "hart.h"
#include "kmalloc.h"
#include "smp.h"
#include "timer.h"

#define READS_PER_HART 16

static struct {
	const uint8_t *super; /* block 1, as read first */
	uint64_t scratch;
	int harts;            /* kernel harts taking part */
	volatile int arrived; /* harts at the starting line */
	volatile int failures;
} run;

static int failed(const char *step, uint64_t blockno, int err)
{
	kprintf("magma: disk: FAIL: %s (block %lu): %s (%d)\n", step, blockno, disk_strerror(err),
		err);
	return err;
}

/* On every hart at once: reads block 1 again and again, checking each copy. */
static void read_together(void *unused)
{
	(void)unused;
	uint8_t *buf = kmalloc(FS_BLOCK_SIZE);
	__atomic_add_fetch(&run.arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&run.arrived, __ATOMIC_ACQUIRE) < run.harts)
		; /* start together, so the requests overlap */
	for (int i = 0; buf && i < READS_PER_HART; i++) {
		if (disk_read(FS_SUPER_BLOCK, buf) || memcmp(buf, run.super, FS_BLOCK_SIZE)) {
			__atomic_add_fetch(&run.failures, 1, __ATOMIC_ACQ_REL);
			break;
		}
	}
	if (!buf)
		__atomic_add_fetch(&run.failures, 1, __ATOMIC_ACQ_REL);
	kfree(buf);
}

static void fill_pattern(uint8_t *buf, uint64_t seed)
{
	for (unsigned i = 0; i < FS_BLOCK_SIZE; i++)
		buf[i] = (uint8_t)(seed + i * 131 + (i >> 8));
}

/* The steps; 0, or the first error (already reported). */
static int exercise(uint8_t *super, uint8_t *saved, uint8_t *buf, uint8_t *back)
{
	uint64_t blocks = disk_block_count();
	int err;
	if (blocks == 0)
		return failed("no disk to test", 0, DISK_ERR_NO_DISK);
	if ((err = disk_read(FS_SUPER_BLOCK, super)))
		return failed("reading the superblock", FS_SUPER_BLOCK, err);
	run.scratch = blocks - 1;
	if ((err = disk_read(run.scratch, saved)))
		return failed("reading the scratch block", run.scratch, err);
	fill_pattern(buf, timer_now_us());
	if ((err = disk_write(run.scratch, buf)))
		return failed("writing the scratch block", run.scratch, err);
	if ((err = disk_read(run.scratch, back)))
		return failed("reading the scratch block back", run.scratch, err);
	if (memcmp(buf, back, FS_BLOCK_SIZE))
		return failed("the scratch block read back differs", run.scratch,
			      DISK_ERR_BAD_REPLY);
	if ((err = disk_write(run.scratch, saved)) || (err = disk_read(run.scratch, back)))
		return failed("restoring the scratch block", run.scratch, err);
	if (memcmp(saved, back, FS_BLOCK_SIZE))
		return failed("the restored block differs", run.scratch, DISK_ERR_BAD_REPLY);
	if ((err = disk_flush()))
		return failed("flushing", 0, err);
	if ((err = disk_read(blocks, back)) != DISK_ERR_RANGE)
		return failed("a block past the end was not refused", blocks, err ? err : -1);

	run.super = super;
	run.harts = 0;
	for (int i = 0; i < smp.kernel_count; i++)
		run.harts += harts[smp.kernel[i]].online;
	smp_call_all(read_together, 0);
	if (run.failures)
		return failed("reading on every hart at once", FS_SUPER_BLOCK, DISK_ERR_BAD_REPLY);
	return 0;
}

void disk_selftest(void)
{
	uint8_t *super = kmalloc(FS_BLOCK_SIZE), *saved = kmalloc(FS_BLOCK_SIZE);
	uint8_t *buf = kmalloc(FS_BLOCK_SIZE), *back = kmalloc(FS_BLOCK_SIZE);
	if (!super || !saved || !buf || !back) {
		kprintf("magma: disk: FAIL: no memory for the test's buffers\n");
	} else if (exercise(super, saved, buf, back) == 0) {
		const struct fs_super *sb = (const struct fs_super *)super;
		kprintf("magma: disk: ok: superblock magic 0x%x (%s); block %lu of %lu written, read "
			"back and restored; flushed; block %lu refused; %d reads on %d harts at once, "
			"%d requests in flight at most\n",
			sb->magic, sb->magic == FS_MAGIC ? "magma's file system" : "no file system",
			run.scratch, disk_block_count(), disk_block_count(),
			READS_PER_HART * run.harts, run.harts, disk_max_in_flight());
	}
	kfree(super);
	kfree(saved);
	kfree(buf);
	kfree(back);
}
