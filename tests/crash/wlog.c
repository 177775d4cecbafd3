/*
 * tests/crash/wlog.c - the dm-log-writes parser (see wlog.h).
 */
#include "wlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUPER_BYTES 28u /* magic, version, nr_entries, sectorsize */
#define ENTRY_BYTES 32u /* sector, nr_sectors, flags, data_len */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int fail(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Decodes the entry at sector *at (advancing *at past it) into *e. 0, or
 * -1 with why set. The log is len bytes of sector_size-byte sectors.
 */
static int entry_at(const uint8_t *buf, size_t len, uint32_t sector_size, uint64_t index,
		    uint64_t *at, struct wlog_entry *e, char *why, size_t why_len)
{
	uint64_t sectors = len / sector_size;
	if (*at >= sectors)
		return fail(why, why_len, "entry %lu: the log ends at sector %lu, before it",
			    (unsigned long)index, (unsigned long)sectors);
	const uint8_t *p = buf + *at * sector_size;
	uint64_t sector = le64(p), nr = le64(p + 8), flags = le64(p + 16), data_len = le64(p + 24);
	if (flags & ~(uint64_t)WLOG_FLAGS)
		return fail(why, why_len, "entry %lu (log sector %lu): unknown flags %#lx",
			    (unsigned long)index, (unsigned long)*at, (unsigned long)flags);
	if (data_len > sector_size - ENTRY_BYTES)
		return fail(why, why_len,
			    "entry %lu: mark of %lu bytes, more than its sector holds (%u)",
			    (unsigned long)index, (unsigned long)data_len,
			    sector_size - ENTRY_BYTES);
	if (nr > UINT64_MAX / sector_size || sector > (UINT64_MAX - nr * sector_size) / sector_size)
		return fail(why, why_len, "entry %lu: %lu sectors at sector %lu pass 2^64 bytes",
			    (unsigned long)index, (unsigned long)nr, (unsigned long)sector);
	int logged = !(flags & WLOG_DISCARD); /* a discard's sectors are not in the log */
	if (logged && nr > sectors - *at - 1)
		return fail(why, why_len,
			    "entry %lu (log sector %lu): %lu data sectors, the log has %lu more",
			    (unsigned long)index, (unsigned long)*at, (unsigned long)nr,
			    (unsigned long)(sectors - *at - 1));
	e->offset = sector * sector_size;
	e->bytes = nr * sector_size;
	e->flags = (uint32_t)flags;
	e->data = logged && nr ? p + sector_size : NULL;
	e->mark = data_len ? (const char *)p + ENTRY_BYTES : NULL;
	e->mark_len = (uint32_t)data_len;
	*at += 1 + (logged ? nr : 0);
	return 0;
}

int wlog_parse(const uint8_t *buf, size_t len, struct wlog *log, char *why, size_t why_len)
{
	memset(log, 0, sizeof(*log));
	if (len < SUPER_BYTES)
		return fail(why, why_len, "%zu bytes: too short for the log's superblock", len);
	uint64_t magic = le64(buf), version = le64(buf + 8), counted = le64(buf + 16);
	uint32_t sector_size = le32(buf + 24);
	if (magic == 0)
		return fail(why, why_len,
			    "no superblock (magic 0): QEMU writes it at the first "
			    "flush, so the device never saw one");
	if (magic != WLOG_MAGIC)
		return fail(why, why_len, "magic %#lx, not dm-log-writes' %#llx",
			    (unsigned long)magic, WLOG_MAGIC);
	if (version != WLOG_VERSION)
		return fail(why, why_len, "version %lu, not %u", (unsigned long)version,
			    WLOG_VERSION);
	if (sector_size < 512 || sector_size >= 1u << 24 || (sector_size & (sector_size - 1)))
		return fail(why, why_len, "sector size %u: not a power of two from 512 to 2^23",
			    sector_size);
	if (len < sector_size)
		return fail(why, why_len, "%zu bytes: shorter than the superblock's sector (%u)",
			    len, sector_size);
	/* No entry is smaller than a sector: a count past that is a lie, refused before allocating. */
	if (counted > len / sector_size - 1)
		return fail(why, why_len, "the superblock counts %lu entries; %zu bytes hold %zu",
			    (unsigned long)counted, len, len / sector_size - 1);
	size_t cap = counted + 16;
	struct wlog_entry *entries = malloc(cap * sizeof(*entries));
	if (!entries)
		return fail(why, why_len, "no memory for %zu entries", cap);
	uint64_t at = 1, n = 0;
	for (;; n++) {
		struct wlog_entry e;
		char tail_why[8];
		int past_count = n >= counted;
		if (past_count) {
			/* Past the count: a whole, nonzero, well-formed entry, or the end. */
			uint64_t sectors = len / sector_size;
			if (at >= sectors)
				break;
			const uint8_t *p = buf + at * sector_size;
			if (le64(p) == 0 && le64(p + 8) == 0 && le64(p + 16) == 0)
				break;
			if (entry_at(buf, len, sector_size, n, &at, &e, tail_why, sizeof(tail_why)))
				break;
		} else if (entry_at(buf, len, sector_size, n, &at, &e, why, why_len)) {
			free(entries);
			return -1;
		}
		if (n == cap) {
			cap *= 2;
			struct wlog_entry *grown = realloc(entries, cap * sizeof(*entries));
			if (!grown) {
				free(entries);
				return fail(why, why_len, "no memory for %zu entries", cap);
			}
			entries = grown;
		}
		entries[n] = e;
	}
	log->sector_size = sector_size;
	log->counted = counted;
	log->n = n;
	log->entries = entries;
	return 0;
}

void wlog_free(struct wlog *log)
{
	free(log->entries);
	memset(log, 0, sizeof(*log));
}
