/*
 * tests/crash/wlog.h - reads a write log in dm-log-writes' format (QEMU's blklogwrites driver).
 *
 * The format (Linux drivers/md/dm-log-writes.c; QEMU block/blklogwrites.c
 * writes the same), all little-endian: sector 0 holds the superblock
 * (u64 magic 0x6a736677736872, u64 version 1, u64 nr_entries, u32
 * sectorsize); from sector 1 on, each entry is one sector holding (u64
 * sector, u64 nr_sectors, u64 flags, u64 data_len) and, unless it is a
 * discard, nr_sectors sectors of the data written. data_len is the length
 * of a mark's text, which follows the entry's 32 bytes in its sector.
 * Sectors (of the disk and of the log) are sectorsize bytes.
 *
 * QEMU rewrites the superblock only at each flush, so entries written
 * after the last flush lie past nr_entries: they are read too, as long as
 * they are whole and well-formed (a crash may have cut the last one).
 * Pure: no I/O, no allocation but the entry array.
 */
#ifndef TESTS_CRASH_WLOG_H
#define TESTS_CRASH_WLOG_H

#include <stddef.h>
#include <stdint.h>

#define WLOG_MAGIC   0x6a736677736872ull
#define WLOG_VERSION 1u

#define WLOG_FLUSH   (1u << 0) /* everything completed before it is durable */
#define WLOG_FUA     (1u << 1) /* this write is durable once completed */
#define WLOG_DISCARD (1u << 2) /* the sectors' contents are undefined (no data logged) */
#define WLOG_MARK    (1u << 3) /* a label, no write */
#define WLOG_FLAGS   (WLOG_FLUSH | WLOG_FUA | WLOG_DISCARD | WLOG_MARK)

struct wlog_entry {
	uint64_t offset;     /* byte offset of the first sector written */
	uint64_t bytes;      /* bytes written (0 for a flush or mark) */
	uint32_t flags;      /* WLOG_* */
	const uint8_t *data; /* the bytes written, inside the log; NULL for a discard or none */
	const char *mark;    /* a mark's text (not NUL-terminated), mark_len bytes */
	uint32_t mark_len;
};

struct wlog {
	uint32_t sector_size;
	uint64_t counted;           /* entries the superblock counts */
	uint64_t n;                 /* entries read: counted and the whole ones after them */
	struct wlog_entry *entries; /* malloc'd, n of them */
};

/*
 * Reads the log in buf[0 .. len) into *log (entries point into buf). 0, or
 * -1 with why saying what is wrong (a bad superblock, an entry cut short
 * or with unknown flags, a write past 2^64 bytes...) and *log empty.
 */
int wlog_parse(const uint8_t *buf, size_t len, struct wlog *log, char *why, size_t why_len);
/* Frees the entries. */
void wlog_free(struct wlog *log);

#endif
