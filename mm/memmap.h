/*
 * mm/memmap.h - from the device tree's memory description to usable page ranges.
 *
 * The seed's pipeline: raw bytes -> raw entries -> validated regions ->
 * usable regions -> page-aligned frames. Inputs are every /memory node and
 * all its reg pairs, every /reserved-memory child, the header's
 * memory-reservation block, and explicit reservations the caller adds (the
 * kernel image, the tree blob itself, guard private, root, mailbox).
 *
 * The tree is untrusted, and the rule is that nothing it asks to reserve is
 * lost while the memory is handed out:
 *   - A range may end exactly at 2^64 (ranges are never turned into an
 *     exclusive end that would wrap to 0).
 *   - A reservation whose end passes 2^64 is clamped to end at 2^64:
 *     reserving more is always safe. RAM whose end passes 2^64 is dropped:
 *     using less is always safe.
 *   - A reservation whose reg cannot be read fails the whole map
 *     (MEMMAP_ERR_BAD_RESERVATION): there is no safe guess at what it
 *     covered. A memory node whose reg cannot be read is skipped.
 *   - #size-cells = 0 above a reg that needs sizes (a memory node's, a
 *     reservation's) is MEMMAP_ERR_NO_SIZE_CELLS, not a map of empty ranges.
 *   - A memory node is RAM only if its status is absent, "okay" or "ok". A
 *     /reserved-memory child reserves whatever its status says (reserving is
 *     the safe side); one without reg (a dynamic "size" request) reserves
 *     nothing, since nobody here allocates for it.
 * Everything dropped, clamped or skipped is counted and the first
 * MEMMAP_MAX_NOTES are kept (struct memmap_note) for the caller to report.
 *
 * memmap_add_fdt() visits each node once (fdt cursors): its time is linear
 * in the size of the tree. Capacities are explicit: input that does not fit
 * is an error (MEMMAP_ERR_FULL), never a silent truncation.
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdint.h>

#include "fdt.h"
#include "page.h"

#define MEMMAP_MAX_RAM      32
#define MEMMAP_MAX_RESERVED 64
#define MEMMAP_MAX_USABLE   64
#define MEMMAP_MAX_NOTES    8

enum memmap_error {
	MEMMAP_ERR_FULL = -100,            /* more entries than the table holds */
	MEMMAP_ERR_BADTREE = -101,         /* the tree could not be walked (see fdt_error) */
	MEMMAP_ERR_NORAM = -102,           /* no memory at all after validation */
	MEMMAP_ERR_STATE = -103,           /* called in the wrong order (after finalize) */
	MEMMAP_ERR_NO_SIZE_CELLS = -104,   /* #size-cells = 0 above a memory or reserved reg */
	MEMMAP_ERR_BAD_RESERVATION = -105, /* a reservation's reg could not be read (fdt_error) */
};

/*
 * [base, base + size), size >= 1 and base + size <= 2^64 (the sum may wrap
 * to 0 exactly at the top; the last byte is base + size - 1).
 */
struct memmap_range {
	uint64_t base;
	uint64_t size;
};

/* What happened to an entry that did not go into the map as given. */
enum memmap_note_kind {
	MEMMAP_NOTE_EMPTY,      /* size 0: nothing to add or reserve */
	MEMMAP_NOTE_RAM_WRAPS,  /* RAM whose end passes 2^64: dropped */
	MEMMAP_NOTE_CLAMPED,    /* a reservation whose end passes 2^64: clamped to end at 2^64 */
	MEMMAP_NOTE_DISABLED,   /* a memory node whose status is not "okay": not RAM */
	MEMMAP_NOTE_UNREADABLE, /* a memory node whose reg could not be read: skipped */
	MEMMAP_NOTE_KINDS
};

struct memmap_note {
	enum memmap_note_kind kind;
	int reservation; /* 1: a reservation, 0: RAM */
	uint64_t base;   /* as given (0 for UNREADABLE) */
	uint64_t size;
	const char *from; /* the node's name, MEMMAP_FROM_RSVMAP, or NULL (the caller's call) */
	int fdt_error;    /* UNREADABLE: why; otherwise 0 */
};

/* struct memmap_note's `from` for an entry of the header's reservation block. */
#define MEMMAP_FROM_RSVMAP "/memreserve/"

struct memmap {
	struct memmap_range ram[MEMMAP_MAX_RAM];
	int ram_count;
	struct memmap_range reserved[MEMMAP_MAX_RESERVED];
	int reserved_count;
	struct memmap_range usable[MEMMAP_MAX_USABLE];
	int usable_count;
	struct memmap_note notes[MEMMAP_MAX_NOTES]; /* the first ones */
	int notes_kept;                             /* entries in notes[] */
	int noted[MEMMAP_NOTE_KINDS];               /* all of them, by kind */
	int fdt_error;           /* the FDT_ERR_* behind MEMMAP_ERR_BADTREE / _BAD_RESERVATION */
	const char *failed_node; /* the node behind _NO_SIZE_CELLS / _BAD_RESERVATION */
	int finalized;
};

/* A short English description of a MEMMAP_ERR_* code. */
const char *memmap_strerror(int err);

/* What a note kind means, for a report ("clamped to end at 2^64"). */
const char *memmap_note_string(enum memmap_note_kind kind);

/* All notes made, kept in notes[] or not. */
int memmap_notes_total(const struct memmap *map);

/* Empties the map. */
void memmap_init(struct memmap *map);

/*
 * Adds RAM [base, base+size); a wrapping or empty range is dropped and noted.
 * 0, or MEMMAP_ERR_FULL / MEMMAP_ERR_STATE.
 */
int memmap_add_ram(struct memmap *map, uint64_t base, uint64_t size);
/*
 * Reserves [base, base+size) so no usable range covers it; a range whose
 * end passes 2^64 is clamped to end there and noted. Same returns.
 */
int memmap_reserve(struct memmap *map, uint64_t base, uint64_t size);

/*
 * Reads every memory node (root children with device_type "memory", all
 * reg pairs), the children of every /reserved-memory node and the header's
 * reservation block from an opened tree, by the rules at the top.
 * 0 or a MEMMAP_ERR_*.
 */
int memmap_add_fdt(struct memmap *map, const struct fdt *fdt);

/*
 * Sorts and merges RAM and reservations, subtracts the reservations, and
 * aligns what is left inward to pages. After this the map is read-only.
 * 0, MEMMAP_ERR_FULL if the result has too many ranges, MEMMAP_ERR_NORAM.
 */
int memmap_finalize(struct memmap *map);

/* Total bytes of usable (page-aligned) memory; 0 before finalize, UINT64_MAX for all 2^64. */
uint64_t memmap_usable_bytes(const struct memmap *map);

/*
 * Whether [base, base+size) (size >= 1, ending at 2^64 at the latest) lies
 * entirely inside one usable range.
 */
int memmap_is_usable(const struct memmap *map, uint64_t base, uint64_t size);

#endif
