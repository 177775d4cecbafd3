/*
 * mm/memmap.h - from the device tree's memory description to usable page ranges.
 *
 * The seed's pipeline: raw bytes -> raw entries -> validated regions ->
 * usable regions -> page-aligned frames. Inputs are every /memory node and
 * all its reg pairs, every /reserved-memory child, the header's
 * memory-reservation block, and explicit reservations the caller adds (the
 * kernel image, the tree blob itself, guard private, root, mailbox).
 *
 * Capacities are explicit: input that does not fit is an error
 * (MEMMAP_ERR_FULL), never a silent truncation. Zero-sized entries and
 * entries whose end would pass 2^64 are dropped and counted, not trusted.
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdint.h>

#include "fdt.h"

#define MEMMAP_PAGE_SIZE 4096u
#define MEMMAP_MAX_RAM 32
#define MEMMAP_MAX_RESERVED 64
#define MEMMAP_MAX_USABLE 64

enum memmap_error {
	MEMMAP_ERR_FULL = -100,    /* more entries than the table holds */
	MEMMAP_ERR_BADTREE = -101, /* the tree could not be read (see fdt_error) */
	MEMMAP_ERR_NORAM = -102,   /* no memory at all after validation */
	MEMMAP_ERR_STATE = -103,   /* called in the wrong order (after finalize) */
};

struct memmap_range {
	uint64_t base;
	uint64_t size;
};

struct memmap {
	struct memmap_range ram[MEMMAP_MAX_RAM];
	int ram_count;
	struct memmap_range reserved[MEMMAP_MAX_RESERVED];
	int reserved_count;
	struct memmap_range usable[MEMMAP_MAX_USABLE];
	int usable_count;
	int dropped;   /* zero-sized or wrapping entries ignored */
	int fdt_error; /* the FDT_ERR_* behind MEMMAP_ERR_BADTREE */
	int finalized;
};

/* A short English description of a MEMMAP_ERR_* code. */
const char *memmap_strerror(int err);

/* Empties the map. */
void memmap_init(struct memmap *map);

/* Adds RAM [base, base+size). 0, or MEMMAP_ERR_FULL / MEMMAP_ERR_STATE. */
int memmap_add_ram(struct memmap *map, uint64_t base, uint64_t size);
/* Reserves [base, base+size) so no usable range covers it. Same returns. */
int memmap_reserve(struct memmap *map, uint64_t base, uint64_t size);

/*
 * Reads every /memory node (all reg pairs), every /reserved-memory child and
 * the header's reservation block from a validated tree. 0 or a MEMMAP_ERR_*.
 */
int memmap_add_fdt(struct memmap *map, const struct fdt *fdt);

/*
 * Sorts and merges RAM and reservations, subtracts the reservations, and
 * aligns what is left inward to pages. After this the map is read-only.
 * 0, MEMMAP_ERR_FULL if the result has too many ranges, MEMMAP_ERR_NORAM.
 */
int memmap_finalize(struct memmap *map);

/* Total bytes of usable (page-aligned) memory; 0 before finalize. */
uint64_t memmap_usable_bytes(const struct memmap *map);

/* Whether [base, base+size) lies entirely inside one usable range. */
int memmap_is_usable(const struct memmap *map, uint64_t base, uint64_t size);

#endif
