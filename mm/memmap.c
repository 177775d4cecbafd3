/*
 * mm/memmap.c - building the usable memory map (see memmap.h).
 *
 * Ranges are kept as [base, end) with end computed only after an overflow
 * check, so an entry that wraps past 2^64 can never produce a bogus small
 * range. Sorting is an insertion sort: tables hold at most a few dozen
 * entries and this code runs once per boot.
 * Never include kernel headers here.
 */
#include "memmap.h"

struct span {
	uint64_t base, end; /* [base, end) */
};

const char *memmap_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case MEMMAP_ERR_FULL: return "too many memory ranges for the table";
	case MEMMAP_ERR_BADTREE: return "device tree could not be read";
	case MEMMAP_ERR_NORAM: return "no usable memory";
	case MEMMAP_ERR_STATE: return "memory map already finalized";
	default: return "unknown error";
	}
}

void memmap_init(struct memmap *map)
{
	map->ram_count = map->reserved_count = map->usable_count = 0;
	map->dropped = map->fdt_error = map->finalized = 0;
}

static int add(struct memmap *map, struct memmap_range *table, int *count, int capacity,
	       uint64_t base, uint64_t size)
{
	if (map->finalized)
		return MEMMAP_ERR_STATE;
	if (size == 0 || base + size < base) {
		map->dropped++;
		return 0;
	}
	if (*count == capacity)
		return MEMMAP_ERR_FULL;
	table[(*count)++] = (struct memmap_range){ base, size };
	return 0;
}

int memmap_add_ram(struct memmap *map, uint64_t base, uint64_t size)
{
	return add(map, map->ram, &map->ram_count, MEMMAP_MAX_RAM, base, size);
}

int memmap_reserve(struct memmap *map, uint64_t base, uint64_t size)
{
	return add(map, map->reserved, &map->reserved_count, MEMMAP_MAX_RESERVED, base, size);
}

static int is_memory_node(const struct fdt *fdt, int node)
{
	const char *type;
	if (fdt_prop_string(fdt, node, "device_type", &type) != 0)
		return 0;
	const char *want = "memory";
	while (*type && *type == *want)
		type++, want++;
	return *type == *want;
}

/* Adds every reg entry of node to the RAM or the reserved table. */
static int add_regs(struct memmap *map, const struct fdt *fdt, int node, int reserved)
{
	uint64_t base, size;
	uint32_t i = 0;
	int err;
	while ((err = fdt_reg(fdt, node, i++, &base, &size)) == 0) {
		int added = reserved ? memmap_reserve(map, base, size)
				     : memmap_add_ram(map, base, size);
		if (added)
			return added;
	}
	if (err == FDT_ERR_NOTFOUND)
		return 0;
	map->fdt_error = err;
	return MEMMAP_ERR_BADTREE;
}

int memmap_add_fdt(struct memmap *map, const struct fdt *fdt)
{
	int err;
	for (int node = fdt_first_child(fdt, 0); node >= 0; node = fdt_next_sibling(fdt, node)) {
		if (is_memory_node(fdt, node) && (err = add_regs(map, fdt, node, 0)) != 0)
			return err;
	}
	int resv = fdt_path(fdt, "/reserved-memory");
	for (int child = resv >= 0 ? fdt_first_child(fdt, resv) : -1; child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		/* A child with no reg (a dynamic "size" request) reserves nothing fixed. */
		const void *v;
		uint32_t len;
		if (fdt_prop(fdt, child, "reg", &v, &len) == 0 && (err = add_regs(map, fdt, child, 1)))
			return err;
	}
	uint64_t base, size;
	for (uint32_t i = 0; fdt_reserved_entry(fdt, i, &base, &size) == 0; i++) {
		if ((err = memmap_reserve(map, base, size)) != 0)
			return err;
	}
	return 0;
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
		if (out && s[i].base <= s[out - 1].end) {
			if (s[i].end > s[out - 1].end)
				s[out - 1].end = s[i].end;
		} else {
			s[out++] = s[i];
		}
	}
	return out;
}

static int to_spans(const struct memmap_range *r, int n, struct span *out)
{
	for (int i = 0; i < n; i++)
		out[i] = (struct span){ r[i].base, r[i].base + r[i].size };
	return sort_merge(out, n);
}

static int emit_aligned(struct memmap *map, uint64_t base, uint64_t end)
{
	const uint64_t mask = MEMMAP_PAGE_SIZE - 1;
	if (base > UINT64_MAX - mask)
		return 0;
	base = (base + mask) & ~mask;
	end &= ~mask;
	if (base >= end)
		return 0;
	if (map->usable_count == MEMMAP_MAX_USABLE)
		return MEMMAP_ERR_FULL;
	map->usable[map->usable_count++] = (struct memmap_range){ base, end - base };
	return 0;
}

int memmap_finalize(struct memmap *map)
{
	if (map->finalized)
		return MEMMAP_ERR_STATE;
	struct span ram[MEMMAP_MAX_RAM], resv[MEMMAP_MAX_RESERVED];
	int nram = to_spans(map->ram, map->ram_count, ram);
	int nresv = to_spans(map->reserved, map->reserved_count, resv);

	/* Both lists are sorted and disjoint: one pass subtracts reservations. */
	int r = 0;
	for (int i = 0; i < nram; i++) {
		uint64_t cursor = ram[i].base;
		while (r < nresv && resv[r].end <= cursor)
			r++;
		for (int k = r; k < nresv && resv[k].base < ram[i].end; k++) {
			if (resv[k].base > cursor) {
				int err = emit_aligned(map, cursor, resv[k].base);
				if (err)
					return err;
			}
			if (resv[k].end > cursor)
				cursor = resv[k].end;
		}
		if (cursor < ram[i].end) {
			int err = emit_aligned(map, cursor, ram[i].end);
			if (err)
				return err;
		}
	}
	map->finalized = 1;
	return map->usable_count ? 0 : MEMMAP_ERR_NORAM;
}

uint64_t memmap_usable_bytes(const struct memmap *map)
{
	uint64_t total = 0;
	for (int i = 0; i < map->usable_count; i++)
		total += map->usable[i].size;
	return total;
}

int memmap_is_usable(const struct memmap *map, uint64_t base, uint64_t size)
{
	if (base + size < base)
		return 0;
	for (int i = 0; i < map->usable_count; i++) {
		const struct memmap_range *u = &map->usable[i];
		if (base >= u->base && base + size <= u->base + u->size)
			return 1;
	}
	return 0;
}
