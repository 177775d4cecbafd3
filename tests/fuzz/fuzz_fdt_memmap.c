/*
 * tests/fuzz/fuzz_fdt_memmap.c - libFuzzer target: arbitrary bytes as a device tree.
 *
 * Every input goes through fdt_open; a tree that validates is walked node by
 * node (names, reg, compatible, status, phandles, parents), walked again
 * with cursors, which must find the same nodes, and then fed to mm/memmap.
 * Nothing may read outside the input (AddressSanitizer checks), and the
 * memory map that comes out must be sorted, page aligned, inside the RAM the
 * tree declared and outside every reservation (clamped ones included).
 *
 *   make fuzz            runs every target for FUZZ_SECONDS (default 60)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../mm/fdt.h"
#include "../../mm/memmap.h"

/* The cursor walk under c meets the nodes fdt_next_node gives, in that order, from *next. */
static void walk_cursors(const struct fdt *fdt, const struct fdt_cursor *c, int *next)
{
	if (c->node != *next || fdt_name(fdt, c->node) != c->name)
		abort();
	*next = fdt_next_node(fdt, *next);
	struct fdt_reg reg;
	uint64_t addr, size;
	if (fdt_cursor_reg(fdt, c, &reg) == 0)
		for (uint32_t i = 0; i < 4 && fdt_reg_entry(&reg, i, &addr, &size) == 0; i++)
			;
	(void)fdt_cursor_is_enabled(fdt, c);
	struct fdt_cursor child;
	for (int err = fdt_cursor_first_child(fdt, c, &child); err == 0;
	     err = fdt_cursor_next_sibling(fdt, &child))
		walk_cursors(fdt, &child, next);
}

static void walk(const struct fdt *fdt)
{
	for (int node = fdt_next_node(fdt, -1); node >= 0; node = fdt_next_node(fdt, node)) {
		const char *name = fdt_name(fdt, node);
		if (!name)
			abort();
		(void)strlen(name);
		uint64_t addr, size;
		for (uint32_t i = 0; i < 4 && fdt_reg(fdt, node, i, &addr, &size) == 0; i++)
			;
		(void)fdt_is_compatible(fdt, node, "riscv,imsics");
		(void)fdt_is_enabled(fdt, node);
		uint32_t ph;
		/* A valid phandle we just read must be found again (0 and ~0 are invalid). */
		if (fdt_prop_u32(fdt, node, "phandle", &ph) == 0 && ph != 0 && ph != ~0u &&
		    fdt_node_by_phandle(fdt, ph) < 0)
			abort();
		int parent = fdt_parent(fdt, node);
		if (node != 0 && parent < 0)
			abort();
		(void)fdt_first_child(fdt, node);
		(void)fdt_next_sibling(fdt, node);
	}
	(void)fdt_path(fdt, "/cpus/cpu@0");
	(void)fdt_path(fdt, "/reserved-memory");
	struct fdt_cursor root;
	int next = 0;
	if (fdt_cursor_root(fdt, &root) != 0)
		abort();
	walk_cursors(fdt, &root, &next);
	if (next != FDT_ERR_NOTFOUND)
		abort();
}

static uint64_t last_byte(const struct memmap_range *r)
{
	return r->base + (r->size - 1);
}

static void check_memmap(const struct fdt *fdt)
{
	struct memmap map;
	memmap_init(&map);
	if (memmap_add_fdt(&map, fdt) != 0)
		return;
	if (memmap_finalize(&map) != 0)
		return;
	for (int i = 0; i < map.usable_count; i++) {
		const struct memmap_range *u = &map.usable[i];
		if (u->size == 0 || u->base % MM_PAGE_SIZE || u->size % MM_PAGE_SIZE ||
		    u->size - 1 > UINT64_MAX - u->base)
			abort();
		if (i && last_byte(&map.usable[i - 1]) >= u->base)
			abort();
		int inside = 0;
		for (int r = 0; r < map.ram_count; r++) {
			const struct memmap_range *ram = &map.ram[r];
			inside |= u->base >= ram->base && u->base - ram->base < ram->size;
		}
		if (!inside)
			abort();
		for (int r = 0; r < map.reserved_count; r++) {
			const struct memmap_range *resv = &map.reserved[r];
			if (u->base <= last_byte(resv) && resv->base <= last_byte(u))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so any over-read is caught by AddressSanitizer. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct fdt fdt;
	if (fdt_open(&fdt, copy, size) == 0) {
		walk(&fdt);
		check_memmap(&fdt);
	}
	free(copy);
	return 0;
}
