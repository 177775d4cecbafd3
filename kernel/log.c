/*
 * kernel/log.c - the write-ahead log (group commit, as in xv6, with flushes and a checksum).
 *
 * Operations modify blocks in the buffer cache and name them with
 * log_write; nothing reaches the disk until the last running operation
 * ends. Then that process commits the group:
 *
 *   1. copy each named block to its log slot (logstart + 1 + i); flush
 *   2. write the header (magic, n, seq, crc); flush  <- the commit point
 *   3. copy each block to its home;                   flush
 *   4. write the header with n = 0;                   flush
 *
 * The flush after 1 keeps a header from reaching the disk before the
 * blocks it names; after 3, keeps the log from being freed before the
 * homes are written. The flush after 4 is needed too: the next commit
 * overwrites the slots, and the old header, still valid, must not meet
 * new slots after a crash. The crc over the header catches a torn
 * header write; such a header was never a commit, and is ignored (the
 * checks are lib/fs_layout's fs_log_check, shared with mkfs and fsck).
 *
 * log_begin_op admits an operation only if the log can hold
 * MAXOPBLOCKS more blocks for it beside those already logged and those
 * the running operations may still log.
 */
#include "log.h"

#include "../include/fs_format.h"
#include "../lib/fs_layout.h"
#include "../lib/string.h"
#include "bio.h"
#include "console.h"
#include "disk.h"
#include "panic.h"
#include "param.h"
#include "proc.h"
#include "spinlock.h"

static struct {
	struct spinlock lock;
	uint32_t start;  /* the header block */
	int outstanding; /* operations running */
	int committing;  /* a commit is in progress: no operation may start */
	uint32_t seq;    /* of the last commit */
	uint32_t n;      /* blocks logged so far by the current group */
	uint32_t block[LOGSIZE];
} log = { .lock = SPINLOCK_INIT("log") };

/* The header's disk image, used by one process at a time: fs_init, then the committing one. */
static struct fs_log_header header;

static void check(int err, const char *what, uint64_t blockno)
{
	if (err < 0)
		panic("log: %s block %lu failed (%d)", what, (unsigned long)blockno, err);
}

/* Writes the header naming n blocks from names (NULL when n is 0), then flushes. */
static void write_header(uint32_t n, const uint32_t *names)
{
	struct fs_log_header *h = &header;
	memset(h, 0, sizeof(*h));
	h->magic = FS_LOG_MAGIC;
	h->n = n;
	h->seq = log.seq;
	for (uint32_t i = 0; i < n; i++)
		h->block[i] = names[i];
	h->crc = fs_log_crc(h);
	check(disk_write(log.start, h), "writing the log header", log.start);
	check(disk_flush(), "flushing after the log header", log.start);
}

/* Copies every block a valid header names from its log slot home, through the cache. */
static void replay(const struct fs_log_header *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		struct buf *b = bio_read(h->block[i]);
		check(disk_read(log.start + 1 + i, b->data), "reading log slot", log.start + 1 + i);
		bio_write(b);
		bio_release(b);
	}
	check(disk_flush(), "flushing the replayed blocks", log.start);
}

void log_init(const struct fs_super *sb)
{
	log.start = sb->logstart;
	struct fs_log_header *h = &header;
	check(disk_read(log.start, h), "reading the log header", log.start);
	char why[160];
	if (fs_log_check(h, sb, why, sizeof(why)) < 0) {
		kprintf("log: header ignored, nothing replayed: %s\n", why);
		write_header(0, NULL);
		return;
	}
	log.seq = h->seq;
	if (h->n > 0) {
		kprintf("log: replaying commit %u (%u blocks)\n", h->seq, h->n);
		replay(h);
		write_header(0, NULL);
	}
}

void log_begin_op(void)
{
	spin_lock(&log.lock);
	while (log.committing || log.n + (log.outstanding + 1) * MAXOPBLOCKS > LOGSIZE)
		sleep(&log, &log.lock);
	log.outstanding++;
	spin_unlock(&log.lock);
}

/* Step 1: the logged blocks to their slots. The buffers are pinned, so each read is a hit. */
static void write_slots(void)
{
	for (uint32_t i = 0; i < log.n; i++) {
		struct buf *b = bio_read(log.block[i]);
		check(disk_write(log.start + 1 + i, b->data), "writing log slot",
		      log.start + 1 + i);
		bio_release(b);
	}
	check(disk_flush(), "flushing the log slots", log.start);
}

/* Step 3: the blocks to their homes, and out of the log's hold on the cache. */
static void install(void)
{
	for (uint32_t i = 0; i < log.n; i++) {
		struct buf *b = bio_read(log.block[i]);
		bio_write(b);
		bio_unpin(b);
		bio_release(b);
	}
	check(disk_flush(), "flushing the installed blocks", log.start);
}

/* Runs with committing set, so no operation touches log.n or log.block meanwhile. */
static void commit(void)
{
	if (log.n == 0)
		return;
	write_slots();
	log.seq++;
	write_header(log.n, log.block);
	install();
	write_header(0, NULL);
	log.n = 0;
}

void log_end_op(void)
{
	spin_lock(&log.lock);
	if (log.outstanding <= 0 || log.committing)
		panic("log: end_op with %d operations running, committing %d", log.outstanding,
		      log.committing);
	int last = --log.outstanding == 0;
	if (last)
		log.committing = 1;
	else
		wakeup(&log); /* this operation's reservation is free for a waiting one */
	spin_unlock(&log.lock);
	if (!last)
		return;

	commit();
	spin_lock(&log.lock);
	log.committing = 0;
	wakeup(&log);
	spin_unlock(&log.lock);
}

void log_write(struct buf *b)
{
	spin_lock(&log.lock);
	if (log.outstanding < 1)
		panic("log: write of block %u outside an operation", b->blockno);
	uint32_t i = 0;
	while (i < log.n && log.block[i] != b->blockno)
		i++;
	if (i == log.n) {
		if (log.n >= LOGSIZE)
			panic("log: block %u would make the group %u blocks, over LOGSIZE %d",
			      b->blockno, log.n + 1, LOGSIZE);
		log.block[log.n++] = b->blockno;
		bio_pin(b);
	}
	spin_unlock(&log.lock);
}
