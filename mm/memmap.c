/*
 * mm/memmap.c - building the usable memory map (see memmap.h).
 *
 * Ranges are checked on the way in (size >= 1, base + size <= 2^64) and
 * worked on as [base, last] with an inclusive last byte, so a range that
 * ends exactly at 2^64 needs no value past UINT64_MAX and nothing wraps.
 * Sorting is an insertion sort: tables hold at most a few dozen entries and
 * this code runs once per boot.
 * Never include kernel headers here.
 */
#include "memmap.h"

#include <stdbool.h>

struct span {
	uint64_t base, last; /* [base, last], inclusive */
};

const char *memmap_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case MEMMAP_ERR_FULL: return "too many memory ranges for the table";
	case MEMMAP_ERR_BADTREE: return "device tree could not be walked";
	case MEMMAP_ERR_NORAM: return "no usable memory";
	case MEMMAP_ERR_STATE: return "memory map already finalized";
	case MEMMAP_ERR_NO_SIZE_CELLS:
		return "#size-cells is 0 above a memory or reserved-memory reg (no sizes)";
	case MEMMAP_ERR_BAD_RESERVATION: return "a reserved-memory reg could not be read";
	default: return "unknown error";
	}
}

const char *memmap_note_string(enum memmap_note_kind kind)
{
	switch (kind) {
	case MEMMAP_NOTE_EMPTY: return "has size 0, ignored";
	case MEMMAP_NOTE_RAM_WRAPS: return "ends past 2^64, dropped";
	case MEMMAP_NOTE_CLAMPED: return "ends past 2^64, clamped to end at 2^64";
	case MEMMAP_NOTE_DISABLED: return "has status other than \"okay\", not RAM";
	case MEMMAP_NOTE_UNREADABLE: return "has a reg that could not be read, skipped";
	case MEMMAP_NOTE_KINDS: break;
	}
	return "unknown note";
}

int memmap_notes_total(const struct memmap *map)
{
	int total = 0;
	for (int k = 0; k < MEMMAP_NOTE_KINDS; k++)
		total += map->noted[k];
	return total;
}

void memmap_init(struct memmap *map)
{
	*map = (struct memmap){ 0 };
}

static void note(struct memmap *map, enum memmap_note_kind kind, int reservation, uint64_t base,
		 uint64_t size, const char *from, int fdt_error)
{
	map->noted[kind]++;
	if (map->notes_kept < MEMMAP_MAX_NOTES)
		map->notes[map->notes_kept++] =
			(struct memmap_note){ kind, reservation, base, size, from, fdt_error };
}

/*
 * Adds [base, base+size) from `from` (see struct memmap_note) to RAM or to
 * the reservations, by the rules in memmap.h: empty is noted, past 2^64 is
 * dropped (RAM) or clamped (reservation).
 */
static int add(struct memmap *map, int reservation, uint64_t base, uint64_t size, const char *from)
{
	if (map->finalized)
		return MEMMAP_ERR_STATE;
	if (size == 0) {
		note(map, MEMMAP_NOTE_EMPTY, reservation, base, size, from, 0);
		return 0;
	}
	// LAB(memmap) begin
	uint64_t room = 0 - base; /* bytes from base to 2^64; 0 means all 2^64 (base 0) */
	if (room && size > room) {
		note(map, reservation ? MEMMAP_NOTE_CLAMPED : MEMMAP_NOTE_RAM_WRAPS, reservation,
		     base, size, from, 0);
		if (!reservation)
			return 0;
		size = room;
	}
	// LAB(memmap) stub
	// /* TODO(lab memmap): a range whose end passes 2^64: drop RAM, clamp a reservation. */
	// LAB(memmap) end
	struct memmap_range *table = reservation ? map->reserved : map->ram;
	int *count = reservation ? &map->reserved_count : &map->ram_count;
	if (*count == (reservation ? MEMMAP_MAX_RESERVED : MEMMAP_MAX_RAM))
		return MEMMAP_ERR_FULL;
	table[(*count)++] = (struct memmap_range){ base, size };
	return 0;
}

int memmap_add_ram(struct memmap *map, uint64_t base, uint64_t size)
{
	return add(map, 0, base, size, NULL);
}

int memmap_reserve(struct memmap *map, uint64_t base, uint64_t size)
{
	return add(map, 1, base, size, NULL);
}

/* --- reading the tree --- */

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool is_memory_node(const struct fdt *fdt, const struct fdt_cursor *node)
{
	const char *type;
	return fdt_cursor_prop_string(fdt, node, "device_type", &type) == 0 &&
	       str_eq(type, "memory");
}

/* Adds (or, disabled, only notes) every entry of reg, from node, as RAM or reservation. */
static int add_entries(struct memmap *map, const struct fdt_reg *reg, int reservation, bool enabled,
		       const char *node)
{
	uint64_t base, size;
	for (uint32_t i = 0; fdt_reg_entry(reg, i, &base, &size) == 0; i++) {
		if (!enabled) {
			note(map, MEMMAP_NOTE_DISABLED, reservation, base, size, node, 0);
			continue;
		}
		int err = add(map, reservation, base, size, node);
		if (err)
			return err;
	}
	return 0;
}

static int fail_at(struct memmap *map, int err, const char *node, int fdt_error)
{
	map->failed_node = node;
	map->fdt_error = fdt_error;
	return err;
}

/*
 * A memory node: RAM if enabled, noted if not; a reg it cannot read is
 * skipped and noted (using less memory is safe).
 */
static int add_memory_node(struct memmap *map, const struct fdt *fdt, const struct fdt_cursor *node)
{
	bool enabled = fdt_cursor_is_enabled(fdt, node);
	if (enabled && node->size_cells == 0)
		return fail_at(map, MEMMAP_ERR_NO_SIZE_CELLS, node->name, 0);
	struct fdt_reg reg;
	int err = fdt_cursor_reg(fdt, node, &reg);
	if (err) {
		note(map, MEMMAP_NOTE_UNREADABLE, 0, 0, 0, node->name, err);
		return 0;
	}
	return add_entries(map, &reg, 0, enabled, node->name);
}

/* Every child of a /reserved-memory node: a reg it cannot read fails the map. */
static int add_reserved_children(struct memmap *map, const struct fdt *fdt,
				 const struct fdt_cursor *parent)
{
	struct fdt_cursor child;
	int walk = fdt_cursor_first_child(fdt, parent, &child);
	for (; walk == 0; walk = fdt_cursor_next_sibling(fdt, &child)) {
		const void *v;
		uint32_t len;
		int err = fdt_cursor_prop(fdt, &child, "reg", &v, &len);
		if (err == FDT_ERR_NOTFOUND)
			continue; /* a dynamic "size" request: nothing fixed to reserve */
		if (err)
			return fail_at(map, MEMMAP_ERR_BAD_RESERVATION, child.name, err);
		if (child.size_cells == 0)
			return fail_at(map, MEMMAP_ERR_NO_SIZE_CELLS, child.name, 0);
		struct fdt_reg reg;
		err = fdt_cursor_reg(fdt, &child, &reg);
		if (err)
			return fail_at(map, MEMMAP_ERR_BAD_RESERVATION, child.name, err);
		err = add_entries(map, &reg, 1, true, child.name);
		if (err)
			return err;
	}
	return walk == FDT_ERR_NOTFOUND ? 0 : fail_at(map, MEMMAP_ERR_BADTREE, parent->name, walk);
}

int memmap_add_fdt(struct memmap *map, const struct fdt *fdt)
{
	struct fdt_cursor root, node;
	int walk = fdt_cursor_root(fdt, &root);
	if (walk == 0)
		walk = fdt_cursor_first_child(fdt, &root, &node);
	for (; walk == 0; walk = fdt_cursor_next_sibling(fdt, &node)) {
		int err = 0;
		if (fdt_name_matches(node.name, "reserved-memory"))
			err = add_reserved_children(map, fdt, &node);
		else if (is_memory_node(fdt, &node))
			err = add_memory_node(map, fdt, &node);
		if (err)
			return err;
	}
	/* A walk cut short would lose whatever comes after: never a partial map. */
	if (walk != FDT_ERR_NOTFOUND)
		return fail_at(map, MEMMAP_ERR_BADTREE, NULL, walk);
	uint64_t base, size;
	for (uint32_t i = 0; fdt_reserved_entry(fdt, i, &base, &size) == 0; i++) {
		int err = add(map, 1, base, size, MEMMAP_FROM_RSVMAP);
		if (err)
			return err;
	}
	return 0;
}

/* --- finalizing --- */

/* Whether a span starting at base overlaps or touches prev (base >= prev->base). */
static bool joins(const struct span *prev, uint64_t base)
{
	return base <= prev->last || base - 1 == prev->last;
}

/* Sorts spans by base and merges overlapping or touching ones; returns the new count. */
static int sort_merge(struct span *s, int n)
{
	for (int i = 1; i < n; i++) {
		struct span key = s[i];
		int j = i - 1;
		while (j >= 0 && s[j].base > key.base) {
			s[j + 1] = s[j];
			j--;
		}
		s[j + 1] = key;
	}
	int out = 0;
	for (int i = 0; i < n; i++) {
		if (out && joins(&s[out - 1], s[i].base)) {
			if (s[i].last > s[out - 1].last)
				s[out - 1].last = s[i].last;
		} else {
			s[out++] = s[i];
		}
	}
	return out;
}

static int to_spans(const struct memmap_range *r, int n, struct span *out)
{
	for (int i = 0; i < n; i++)
		out[i] = (struct span){ r[i].base, r[i].base + (r[i].size - 1) };
	return sort_merge(out, n);
}

static int push_usable(struct memmap *map, uint64_t base, uint64_t last)
{
	if (map->usable_count == MEMMAP_MAX_USABLE)
		return MEMMAP_ERR_FULL;
	map->usable[map->usable_count++] = (struct memmap_range){ base, last - base + 1 };
	return 0;
}

/* Adds the whole pages inside [first, last] to the usable table. */
static int emit_aligned(struct memmap *map, uint64_t first, uint64_t last)
{
	const uint64_t mask = MM_PAGE_SIZE - 1;
	// LAB(memmap) begin
	if (first > UINT64_MAX - mask)
		return 0;
	uint64_t base = (first + mask) & ~mask;
	/* The last byte of the last whole page: last itself if it ends a page. */
	if ((last & mask) != mask) {
		if (last < MM_PAGE_SIZE)
			return 0;
		last = (last & ~mask) - 1;
	}
	if (base > last)
		return 0;
	// LAB(memmap) stub
	// /* TODO(lab memmap): round inward without ever computing a value past 2^64 - 1. */
	// uint64_t base = (first + mask) & ~mask, end = (last + 1) & ~mask;
	// if (end <= base)
	// 	return 0;
	// last = end - 1;
	// LAB(memmap) end
	/* All 2^64 bytes have no 64-bit size: they go in as two halves. */
	if (base == 0 && last == UINT64_MAX) {
		int err = push_usable(map, 0, UINT64_MAX / 2);
		if (err)
			return err;
		base = UINT64_MAX / 2 + 1;
	}
	return push_usable(map, base, last);
}

int memmap_finalize(struct memmap *map)
{
	if (map->finalized)
		return MEMMAP_ERR_STATE;
	struct span ram[MEMMAP_MAX_RAM], resv[MEMMAP_MAX_RESERVED];
	int nram = to_spans(map->ram, map->ram_count, ram);
	int nresv = to_spans(map->reserved, map->reserved_count, resv);

	/* Both lists are sorted and disjoint: one pass subtracts reservations. */
	// LAB(memmap) begin
	int r = 0;
	for (int i = 0; i < nram; i++) {
		uint64_t from = ram[i].base; /* the first byte not yet emitted or reserved */
		bool covered = false;        /* a reservation runs to the end of this RAM */
		while (r < nresv && resv[r].last < from)
			r++;
		for (int k = r; k < nresv && resv[k].base <= ram[i].last; k++) {
			if (resv[k].base > from) {
				int err = emit_aligned(map, from, resv[k].base - 1);
				if (err)
					return err;
			}
			if (resv[k].last >= ram[i].last) {
				covered = true;
				break;
			}
			if (resv[k].last >= from)
				from = resv[k].last + 1;
		}
		if (!covered) {
			int err = emit_aligned(map, from, ram[i].last);
			if (err)
				return err;
		}
	}
	// LAB(memmap) stub
	// /*
	//  * TODO(lab memmap): this handles only reservations that lie wholly inside
	//  * one RAM range. One that covers a RAM range's first or last byte, or all
	//  * of it, is ignored here, and the memory it reserves is handed out.
	//  */
	// for (int i = 0; i < nram; i++) {
	// 	uint64_t from = ram[i].base;
	// 	for (int k = 0; k < nresv; k++) {
	// 		if (resv[k].base < ram[i].base || resv[k].last > ram[i].last)
	// 			continue;
	// 		if (resv[k].base > from) {
	// 			int err = emit_aligned(map, from, resv[k].base - 1);
	// 			if (err)
	// 				return err;
	// 		}
	// 		from = resv[k].last + 1;
	// 	}
	// 	int err = emit_aligned(map, from, ram[i].last);
	// 	if (err)
	// 		return err;
	// }
	// LAB(memmap) end
	map->finalized = 1;
	return map->usable_count ? 0 : MEMMAP_ERR_NORAM;
}

uint64_t memmap_usable_bytes(const struct memmap *map)
{
	uint64_t total = 0;
	for (int i = 0; i < map->usable_count; i++) {
		uint64_t size = map->usable[i].size;
		total = size > UINT64_MAX - total ? UINT64_MAX : total + size;
	}
	return total;
}

int memmap_is_usable(const struct memmap *map, uint64_t base, uint64_t size)
{
	if (size == 0 || size - 1 > UINT64_MAX - base)
		return 0;
	uint64_t last = base + (size - 1);
	for (int i = 0; i < map->usable_count; i++) {
		const struct memmap_range *u = &map->usable[i];
		if (base >= u->base && last <= u->base + (u->size - 1))
			return 1;
	}
	return 0;
}
