/*
 * tests/test_memmap.c - host tests for mm/memmap: device tree -> usable pages.
 *
 * Hand-made inputs pin down each rule (merge, subtract, align, drop, clamp,
 * fill up); trees compiled by dtc and dumped by QEMU check the fdt side;
 * hostile trees built in memory (tests/fdt_build.h) check what the map does
 * with ranges at 2^64, unreadable reg, #size-cells = 0, status, and a tree
 * of 32,000 nodes; a randomized comparison against a page bitmap checks
 * everything together.
 */
#include <string.h>
#include <time.h>

#include "../mm/memmap.h"
#include "../include/layout.h"
#include "check.h"

/* Room for the 32,000-node tree (about 1 MiB of structure block). */
#define BLD_STRUCT_BYTES (2u << 20)
#include "fdt_build.h"

#define PAGE     MM_PAGE_SIZE
#define TOP_PAGE (0ull - PAGE) /* the last page below 2^64 */

static void expect_usable(const struct memmap *m, int index, uint64_t base, uint64_t size)
{
	CHECK(index < m->usable_count);
	if (index >= m->usable_count)
		return;
	CHECK_EQ(m->usable[index].base, base);
	CHECK_EQ(m->usable[index].size, size);
}

TEST(reservation_splits_ram)
{
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0x80000000, 0x100000), 0);
	CHECK_EQ(memmap_reserve(&m, 0x80010000, 0x1000), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0x80000000, 0x10000);
	expect_usable(&m, 1, 0x80011000, 0x100000 - 0x11000);
	CHECK_EQ(memmap_usable_bytes(&m), 0x100000 - 0x1000);
}

TEST(overlapping_and_touching_ram_merges)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x3000, 0x2000); /* given out of order */
	memmap_add_ram(&m, 0x1000, 0x2000); /* touches the first */
	memmap_add_ram(&m, 0x2000, 0x800);  /* inside */
	memmap_add_ram(&m, 0x9000, 0x1000); /* separate */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0x1000, 0x4000);
	expect_usable(&m, 1, 0x9000, 0x1000);
}

TEST(reservations_over_ram_edges_are_trimmed)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x10000, 0x10000);
	memmap_reserve(&m, 0x8000, 0x9000);  /* starts below RAM */
	memmap_reserve(&m, 0x1f000, 0x5000); /* ends above RAM */
	memmap_reserve(&m, 0x14000, 0x1000);
	memmap_reserve(&m, 0x14800, 0x1000); /* overlaps the previous one */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0x11000, 0x3000);
	expect_usable(&m, 1, 0x16000, 0x9000);
}

TEST(unaligned_ranges_shrink_to_whole_pages)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x1001, 0x4ffe); /* [0x1001, 0x5fff) */
	memmap_reserve(&m, 0x3000, 0x10);   /* a partial page is lost whole */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0x2000, 0x1000);
	expect_usable(&m, 1, 0x4000, 0x1000);
	CHECK(memmap_is_usable(&m, 0x2000, 0x1000));
	CHECK(!memmap_is_usable(&m, 0x3000, 0x1000));
	CHECK(!memmap_is_usable(&m, 0x2000, 0x2000));
}

static void expect_note(const struct memmap *m, int index, enum memmap_note_kind kind,
			int reservation, uint64_t base, uint64_t size, const char *from)
{
	CHECK(index < m->notes_kept);
	if (index >= m->notes_kept)
		return;
	const struct memmap_note *n = &m->notes[index];
	CHECK_EQ(n->kind, kind);
	CHECK_EQ(n->reservation, reservation);
	CHECK_EQ(n->base, base);
	CHECK_EQ(n->size, size);
	CHECK(from ? n->from && strcmp(n->from, from) == 0 : n->from == NULL);
}

TEST(empty_and_wrapping_ram_dropped_wrapping_reservation_clamped)
{
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0x1000, 0), 0);
	CHECK_EQ(memmap_add_ram(&m, 0xfffffffffffff000ull, 0x2000), 0); /* end passes 2^64 */
	CHECK_EQ(memmap_reserve(&m, 0xffffffffffffffffull, 2), 0);      /* likewise */
	CHECK_EQ(memmap_add_ram(&m, 0x100000, 0x1000), 0);
	CHECK_EQ(m.ram_count, 1);
	CHECK_EQ(m.reserved_count, 1);
	CHECK_EQ(m.reserved[0].base, 0xffffffffffffffffull);
	CHECK_EQ(m.reserved[0].size, 1); /* the one byte below 2^64 */
	CHECK_EQ(memmap_notes_total(&m), 3);
	CHECK_EQ(m.noted[MEMMAP_NOTE_EMPTY], 1);
	CHECK_EQ(m.noted[MEMMAP_NOTE_RAM_WRAPS], 1);
	CHECK_EQ(m.noted[MEMMAP_NOTE_CLAMPED], 1);
	expect_note(&m, 0, MEMMAP_NOTE_EMPTY, 0, 0x1000, 0, NULL);
	expect_note(&m, 1, MEMMAP_NOTE_RAM_WRAPS, 0, 0xfffffffffffff000ull, 0x2000, NULL);
	expect_note(&m, 2, MEMMAP_NOTE_CLAMPED, 1, 0xffffffffffffffffull, 2, NULL);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0x100000, 0x1000);
}

/* A reservation that wraps covers everything from its base up: RAM above it is never usable. */
TEST(wrapping_reservation_is_clamped_not_dropped)
{
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0x80000000, 0x1000000), 0);
	CHECK_EQ(memmap_reserve(&m, 0x80100000, 0xffffffffffff0000ull), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0x80000000, 0x100000);
	CHECK(!memmap_is_usable(&m, 0x80100000, PAGE));
	CHECK(!memmap_is_usable(&m, 0x80fff000, PAGE));
}

TEST(ranges_ending_exactly_at_2_64_are_valid)
{
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0xffffffffffff0000ull, 0x10000), 0);
	CHECK_EQ(memmap_reserve(&m, 0xffffffffffff8000ull, 0x8000), 0);
	CHECK_EQ(memmap_notes_total(&m), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0xffffffffffff0000ull, 0x8000);

	/* The top page itself: usable, and asked about by a range ending at 2^64. */
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0xffffffffffff0000ull, 0x10000), 0);
	CHECK_EQ(memmap_reserve(&m, 0xffffffffffff0000ull, 0x1000), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	expect_usable(&m, 0, 0xffffffffffff1000ull, 0xf000);
	CHECK(memmap_is_usable(&m, TOP_PAGE, PAGE));
	CHECK(memmap_is_usable(&m, 0xffffffffffff1000ull, 0xf000));
	CHECK(!memmap_is_usable(&m, TOP_PAGE, PAGE + 1)); /* wraps */
	CHECK(!memmap_is_usable(&m, TOP_PAGE, 0));
	CHECK_EQ(memmap_usable_bytes(&m), 0xf000);
}

/* RAM covering all 2^64 bytes has no 64-bit size: it comes out as two halves. */
TEST(whole_address_space)
{
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_ram(&m, 0, 1ull << 63), 0);
	CHECK_EQ(memmap_add_ram(&m, 1ull << 63, 1ull << 63), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0, 1ull << 63);
	expect_usable(&m, 1, 1ull << 63, 1ull << 63);
	CHECK_EQ(memmap_usable_bytes(&m), UINT64_MAX);
	CHECK(memmap_is_usable(&m, TOP_PAGE, PAGE));
}

TEST(notes_keep_the_first_and_count_all)
{
	struct memmap m;
	memmap_init(&m);
	for (uint64_t i = 0; i < MEMMAP_MAX_NOTES + 5; i++)
		CHECK_EQ(memmap_reserve(&m, i * PAGE, 0), 0);
	CHECK_EQ(m.notes_kept, MEMMAP_MAX_NOTES);
	CHECK_EQ(memmap_notes_total(&m), MEMMAP_MAX_NOTES + 5);
	expect_note(&m, MEMMAP_MAX_NOTES - 1, MEMMAP_NOTE_EMPTY, 1,
		    (uint64_t)(MEMMAP_MAX_NOTES - 1) * PAGE, 0, NULL);
}

TEST(ram_ending_at_top_of_address_space)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0xffffffffffffe000ull, 0x1fff); /* ends one byte short of 2^64 */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0xffffffffffffe000ull, 0x1000);
}

TEST(everything_reserved_is_noram)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x1000, 0x1000);
	memmap_reserve(&m, 0, 0x10000);
	CHECK_EQ(memmap_finalize(&m), MEMMAP_ERR_NORAM);
	CHECK_EQ(m.usable_count, 0);
}

TEST(capacities_are_errors_not_truncation)
{
	struct memmap m;
	memmap_init(&m);
	for (int i = 0; i < MEMMAP_MAX_RAM; i++)
		CHECK_EQ(memmap_add_ram(&m, (uint64_t)i * 0x10000, 0x1000), 0);
	CHECK_EQ(memmap_add_ram(&m, 0x10000000, 0x1000), MEMMAP_ERR_FULL);
	CHECK_EQ(m.ram_count, MEMMAP_MAX_RAM);

	/* Reservations that cut one range into more pieces than the usable table holds. */
	memmap_init(&m);
	memmap_add_ram(&m, 0, (uint64_t)PAGE * 2 * (MEMMAP_MAX_USABLE + 2));
	for (int i = 0; i < MEMMAP_MAX_USABLE + 1 && i < MEMMAP_MAX_RESERVED; i++)
		CHECK_EQ(memmap_reserve(&m, (uint64_t)(2 * i + 1) * PAGE, PAGE), 0);
	CHECK_EQ(memmap_reserve(&m, 0x7000000, 1),
		 MEMMAP_MAX_RESERVED > MEMMAP_MAX_USABLE + 1 ? 0 : MEMMAP_ERR_FULL);
	CHECK_EQ(memmap_finalize(&m), MEMMAP_ERR_FULL);
}

TEST(finalize_only_once)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x1000, 0x1000);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(memmap_finalize(&m), MEMMAP_ERR_STATE);
	CHECK_EQ(memmap_add_ram(&m, 0x9000, 0x1000), MEMMAP_ERR_STATE);
	CHECK_EQ(memmap_reserve(&m, 0x1000, 0x1000), MEMMAP_ERR_STATE);
}

static int open_tree(const char *path, struct fdt *fdt, unsigned char **blob)
{
	size_t size;
	*blob = check_read_file(path, &size);
	int err = fdt_open(fdt, *blob, size);
	CHECK_EQ(err, 0);
	return err;
}

TEST(tree_with_several_nodes_reservations_and_rsvmap)
{
	struct fdt fdt;
	unsigned char *blob;
	if (open_tree("build/host/dts/memmap-multi.dtb", &fdt, &blob))
		return;
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_fdt(&m, &fdt), 0);
	CHECK_EQ(m.ram_count, 3);
	CHECK_EQ(m.reserved_count, 4); /* three children with reg + the header entry */
	CHECK_EQ(memmap_finalize(&m), 0);
	/* RAM 0x80000000-0x817fffff (merged) and 0x100000000-0x1007fffff. */
	CHECK_EQ(m.usable_count, 3);
	expect_usable(&m, 0, 0x80100000, 0x81000000 - 0x80100000);
	expect_usable(&m, 1, 0x81002000, 0x81800000 - 0x81002000);
	expect_usable(&m, 2, 0x100000000ull, 0x700000);
	free(blob);
}

TEST(tree_with_32bit_cells)
{
	struct fdt fdt;
	unsigned char *blob;
	if (open_tree("build/host/dts/memmap-cells32.dtb", &fdt, &blob))
		return;
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_fdt(&m, &fdt), 0);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0, 0x20000000);
	expect_usable(&m, 1, 0x30000000, 0x10000000);
	free(blob);
}

TEST(tree_without_memory)
{
	struct fdt fdt;
	unsigned char *blob;
	if (open_tree("build/host/dts/memmap-nomem.dtb", &fdt, &blob))
		return;
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_fdt(&m, &fdt), 0);
	CHECK_EQ(memmap_finalize(&m), MEMMAP_ERR_NORAM);
	free(blob);
}

/* ------------------------------------------------------------------ */
/* Hostile trees, built in memory                                      */

static struct builder tb; /* static: its structure block is large */

/* Starts a tree whose root declares ac / sc cells (0: leave the property out). */
static void tree_begin(uint32_t ac, uint32_t sc)
{
	memset(&tb, 0, sizeof(tb));
	bld_begin(&tb, "");
	if (ac)
		bld_prop_u32(&tb, "#address-cells", ac);
	bld_prop_u32(&tb, "#size-cells", sc);
}

/* A reg of n (address, size) pairs in 2 + 2 cells. */
static void reg_2_2(const uint64_t *pairs, uint32_t n)
{
	uint32_t cells[64];
	for (uint32_t i = 0; i < 2 * n; i++) {
		cells[2 * i] = (uint32_t)(pairs[i] >> 32);
		cells[2 * i + 1] = (uint32_t)pairs[i];
	}
	bld_prop_cells(&tb, "reg", cells, 4 * n);
}

/* A memory node with one 2 + 2 reg pair; status NULL leaves the property out. */
static void memory_node(const char *name, uint64_t base, uint64_t size, const char *status)
{
	bld_begin(&tb, name);
	bld_prop_string(&tb, "device_type", "memory");
	if (status)
		bld_prop_string(&tb, "status", status);
	reg_2_2((const uint64_t[]){ base, size }, 1);
	bld_end_node(&tb);
}

/* A /reserved-memory child with one 2 + 2 reg pair. */
static void reserved_child(const char *name, uint64_t base, uint64_t size)
{
	bld_begin(&tb, name);
	reg_2_2((const uint64_t[]){ base, size }, 1);
	bld_end_node(&tb);
}

static void reserved_begin(const char *name, uint32_t ac, uint32_t sc)
{
	bld_begin(&tb, name);
	bld_prop_u32(&tb, "#address-cells", ac);
	bld_prop_u32(&tb, "#size-cells", sc);
	bld_prop(&tb, "ranges", NULL, 0);
}

/* The blob of a finished tree, opened; NULL data if fdt_open refused it. */
struct tree {
	struct blob blob;
	struct fdt fdt;
};

static struct tree tree_finish(void)
{
	bld_end_node(&tb); /* the root */
	bld_word(&tb, TOK_END);
	struct tree t = { bld_blob(&tb), { 0 } };
	int err = fdt_open(&t.fdt, t.blob.data, t.blob.size);
	CHECK_EQ(err, 0);
	return t;
}

/* memmap_add_fdt over the finished tree, into a fresh *m; t stays for the note names. */
static int tree_map(struct tree *t, struct memmap *m)
{
	*t = tree_finish();
	memmap_init(m);
	return memmap_add_fdt(m, &t->fdt);
}

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x1000000ull

/* A wrapping reservation, in a node and in the header block: clamped, RAM above it reserved. */
TEST(tree_reservation_wrapping_past_2_64_is_clamped)
{
	struct tree t;
	struct memmap m;
	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	reserved_begin("reserved-memory", 2, 2);
	reserved_child("wraps@80800000", RAM_BASE + 0x800000, 0xfffffffffff00000ull);
	bld_end_node(&tb);
	bld_rsv(&tb, RAM_BASE + 0x400000, UINT64_MAX); /* wraps too */
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(m.noted[MEMMAP_NOTE_CLAMPED], 2);
	expect_note(&m, 0, MEMMAP_NOTE_CLAMPED, 1, RAM_BASE + 0x800000, 0xfffffffffff00000ull,
		    "wraps@80800000");
	expect_note(&m, 1, MEMMAP_NOTE_CLAMPED, 1, RAM_BASE + 0x400000, UINT64_MAX,
		    MEMMAP_FROM_RSVMAP);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, RAM_BASE, 0x400000);
	free(t.blob.data);
}

TEST(tree_ranges_ending_exactly_at_2_64)
{
	struct tree t;
	struct memmap m;
	tree_begin(2, 2);
	memory_node("memory@ffffffffff000000", 0xffffffffff000000ull, 0x1000000, NULL);
	reserved_begin("reserved-memory", 2, 2);
	reserved_child("top@ffffffffff800000", 0xffffffffff800000ull, 0x800000);
	bld_end_node(&tb);
	bld_rsv(&tb, 0xffffffffff400000ull, 0x400000);
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(memmap_notes_total(&m), 0);
	CHECK_EQ(m.ram_count, 1);
	CHECK_EQ(m.reserved_count, 2);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0xffffffffff000000ull, 0x400000);
	free(t.blob.data);
}

/* A reservation whose reg cannot be read fails the map with its own code, naming the node. */
TEST(tree_unreadable_reservation_fails_the_map)
{
	struct tree t;
	struct memmap m;
	static const uint32_t three_cells[] = { 0, 0x80800000, 0x1000 }; /* 2 + 2 needs 4 */
	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	reserved_begin("reserved-memory", 2, 2);
	reserved_child("fine@80100000", RAM_BASE + 0x100000, 0x1000);
	bld_begin(&tb, "short@80800000");
	bld_prop_cells(&tb, "reg", three_cells, 3);
	bld_end_node(&tb);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), MEMMAP_ERR_BAD_RESERVATION);
	CHECK_EQ(m.fdt_error, FDT_ERR_BADREG);
	CHECK(m.failed_node && strcmp(m.failed_node, "short@80800000") == 0);
	free(t.blob.data);

	/* The cells that should decode it are out of range, or not one cell. */
	static const uint32_t two[] = { 1, 2 };
	for (int bad = 0; bad < 2; bad++) {
		tree_begin(2, 2);
		memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
		bld_begin(&tb, "reserved-memory");
		bld_prop_u32(&tb, "#address-cells", 2);
		if (bad == 0)
			bld_prop_u32(&tb, "#size-cells", 3);
		else
			bld_prop_cells(&tb, "#size-cells", two, 2);
		reserved_child("r@80800000", RAM_BASE + 0x800000, 0x1000);
		bld_end_node(&tb);
		CHECK_EQ(tree_map(&t, &m), MEMMAP_ERR_BAD_RESERVATION);
		CHECK_EQ(m.fdt_error, FDT_ERR_BADCELLS);
		free(t.blob.data);
	}
}

/* Every /reserved-memory node counts, not only the first one found by path. */
TEST(tree_second_reserved_memory_node_counts)
{
	struct tree t;
	struct memmap m;
	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	reserved_begin("reserved-memory", 2, 2);
	reserved_child("a@80100000", RAM_BASE + 0x100000, 0x100000);
	bld_end_node(&tb);
	reserved_begin("reserved-memory@1", 2, 2);
	reserved_child("b@80800000", RAM_BASE + 0x800000, 0x800000);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(m.reserved_count, 2);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, RAM_BASE, 0x100000);
	expect_usable(&m, 1, RAM_BASE + 0x200000, 0x600000);
	free(t.blob.data);
}

/* #size-cells = 0 above a memory node's or a reservation's reg: its own error. */
TEST(tree_size_cells_zero_is_its_own_error)
{
	struct tree t;
	struct memmap m;
	static const uint32_t addr_only[] = { 0, 0x80000000 };
	tree_begin(2, 0);
	bld_begin(&tb, "memory@80000000");
	bld_prop_string(&tb, "device_type", "memory");
	bld_prop_cells(&tb, "reg", addr_only, 2);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), MEMMAP_ERR_NO_SIZE_CELLS);
	CHECK(m.failed_node && strcmp(m.failed_node, "memory@80000000") == 0);
	free(t.blob.data);

	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	reserved_begin("reserved-memory", 2, 0);
	bld_begin(&tb, "r@80800000");
	bld_prop_cells(&tb, "reg", addr_only, 2);
	bld_end_node(&tb);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), MEMMAP_ERR_NO_SIZE_CELLS);
	CHECK(m.failed_node && strcmp(m.failed_node, "r@80800000") == 0);
	free(t.blob.data);

	CHECK(strcmp(memmap_strerror(MEMMAP_ERR_NO_SIZE_CELLS), memmap_strerror(MEMMAP_ERR_NORAM)));

	/* A disabled memory node needs no sizes; nor does a reservation with no reg. */
	tree_begin(2, 0);
	bld_begin(&tb, "memory@80000000");
	bld_prop_string(&tb, "device_type", "memory");
	bld_prop_string(&tb, "status", "disabled");
	bld_prop_cells(&tb, "reg", addr_only, 2);
	bld_end_node(&tb);
	reserved_begin("reserved-memory", 2, 0);
	bld_begin(&tb, "dynamic");
	bld_prop_u32(&tb, "size", 0x1000);
	bld_end_node(&tb);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(m.noted[MEMMAP_NOTE_DISABLED], 1);
	free(t.blob.data);
}

/* Only a memory node whose status is absent, "okay" or "ok" is RAM. */
TEST(tree_memory_status)
{
	struct tree t;
	struct memmap m;
	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, 0x100000, NULL);
	memory_node("memory@81000000", RAM_BASE + 0x1000000, 0x100000, "okay");
	memory_node("memory@82000000", RAM_BASE + 0x2000000, 0x100000, "ok");
	memory_node("memory@83000000", RAM_BASE + 0x3000000, 0x100000, "disabled");
	memory_node("memory@84000000", RAM_BASE + 0x4000000, 0x100000, "fail");
	memory_node("memory@85000000", RAM_BASE + 0x5000000, 0x100000, "okay2");
	bld_begin(&tb, "memory@86000000"); /* a status that is no string at all */
	bld_prop_string(&tb, "device_type", "memory");
	bld_prop(&tb, "status", "okay", 4);
	reg_2_2((const uint64_t[]){ RAM_BASE + 0x6000000, 0x100000 }, 1);
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(m.ram_count, 3);
	CHECK_EQ(m.noted[MEMMAP_NOTE_DISABLED], 4);
	expect_note(&m, 0, MEMMAP_NOTE_DISABLED, 0, RAM_BASE + 0x3000000, 0x100000,
		    "memory@83000000");
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(memmap_usable_bytes(&m), 0x300000);
	CHECK(!memmap_is_usable(&m, RAM_BASE + 0x3000000, PAGE));
	free(t.blob.data);
}

/* A memory node whose reg cannot be read is skipped and noted; the others are RAM. */
TEST(tree_unreadable_memory_node_is_skipped)
{
	struct tree t;
	struct memmap m;
	static const uint32_t three_cells[] = { 0, 0x90000000, 0x1000 };
	tree_begin(2, 2);
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	bld_begin(&tb, "memory@90000000");
	bld_prop_string(&tb, "device_type", "memory");
	bld_prop_cells(&tb, "reg", three_cells, 3);
	bld_end_node(&tb);
	bld_begin(&tb, "memory@a0000000"); /* no reg at all */
	bld_prop_string(&tb, "device_type", "memory");
	bld_end_node(&tb);
	CHECK_EQ(tree_map(&t, &m), 0);
	CHECK_EQ(m.ram_count, 1);
	CHECK_EQ(m.noted[MEMMAP_NOTE_UNREADABLE], 2);
	expect_note(&m, 0, MEMMAP_NOTE_UNREADABLE, 0, 0, 0, "memory@90000000");
	CHECK_EQ(m.notes[0].fdt_error, FDT_ERR_BADREG);
	CHECK_EQ(m.notes[1].fdt_error, FDT_ERR_NOTFOUND);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(memmap_usable_bytes(&m), RAM_SIZE);
	free(t.blob.data);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * 32,000 root nodes, then the memory and reserved-memory nodes last, so the
 * whole root must be walked. A quadratic walk took 14 s here; a linear one
 * takes milliseconds, so a bound of 1 s (under sanitizers, on a shared
 * host) only fails a walk that is not linear.
 */
TEST(tree_walk_is_linear)
{
	enum { NODES = 32000 };
	struct tree t;
	struct memmap m;
	tree_begin(2, 2);
	for (int i = 0; i < NODES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n@%x", i);
		bld_begin(&tb, name);
		bld_prop_u32(&tb, "x", (uint32_t)i);
		bld_end_node(&tb);
	}
	memory_node("memory@80000000", RAM_BASE, RAM_SIZE, NULL);
	reserved_begin("reserved-memory", 2, 2);
	reserved_child("r@80100000", RAM_BASE + 0x100000, 0x100000);
	bld_end_node(&tb);
	t = tree_finish();
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	memmap_init(&m);
	int err = memmap_add_fdt(&m, &t.fdt);
	double took = seconds_since(&start);
	printf("  memmap_add_fdt over %d root nodes: %.3f s\n", NODES, took);
	CHECK_EQ(err, 0);
	CHECK_EQ(m.ram_count, 1);
	CHECK_EQ(m.reserved_count, 1);
	CHECK(took < 1.0);
	free(t.blob.data);
}

/* magma's generated tree, as the kernel sees it, with the kernel's own reservations. */
static void check_magma_tree(const char *path, uint64_t mem_bytes)
{
	struct fdt fdt;
	unsigned char *blob;
	if (open_tree(path, &fdt, &blob))
		return;
	struct memmap m;
	memmap_init(&m);
	CHECK_EQ(memmap_add_fdt(&m, &fdt), 0);
	CHECK_EQ(m.ram_count, 1);
	CHECK_EQ(m.reserved_count, 3); /* guard private, root, mailbox */
	memmap_reserve(&m, MAGMA_FIRMWARE_BASE, MAGMA_FIRMWARE_SIZE);
	memmap_reserve(&m, MAGMA_KERNEL_BASE, 0x100000);               /* a kernel image */
	memmap_reserve(&m, 0x80000000 + mem_bytes - 0x200000, 0x2000); /* the tree */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK(!memmap_is_usable(&m, MAGMA_GUARD_PRIVATE_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_ROOT_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_MAILBOX_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_FIRMWARE_BASE, PAGE));
	CHECK(memmap_is_usable(&m, 0x80120000, PAGE)); /* between mailbox and kernel */
	CHECK_EQ(memmap_usable_bytes(&m), mem_bytes - 0x120000 - 0x100000 - 0x2000);
	free(blob);
}

/* Trees exactly as QEMU dumps them (-machine virt,dumpdtb=) for several CPUS/MEM. */
TEST(qemu_dumped_trees)
{
	static const struct {
		const char *path;
		uint64_t mem_bytes;
	} dumps[] = {
		{ "build/dt/qemu-2cpu-128M-aia.dtb", 128ull << 20 },
		{ "build/dt/qemu-3cpu-256M-plic.dtb", 256ull << 20 },
		{ "build/dt/qemu-8cpu-1G-aia.dtb", 1ull << 30 },
		{ "build/dt/qemu-4cpu-4G-aia.dtb", 4ull << 30 },
	};
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		struct fdt fdt;
		unsigned char *blob;
		if (open_tree(dumps[i].path, &fdt, &blob))
			continue;
		struct memmap m;
		memmap_init(&m);
		CHECK_EQ(memmap_add_fdt(&m, &fdt), 0);
		CHECK_EQ(m.ram_count, 1);
		CHECK_EQ(memmap_finalize(&m), 0);
		CHECK_EQ(m.usable_count, 1);
		expect_usable(&m, 0, 0x80000000, dumps[i].mem_bytes);
		free(blob);
	}
}

TEST(magma_trees)
{
	check_magma_tree("build/dt/magma-4cpu-128M-aia.dtb", 128ull << 20);
	check_magma_tree("build/dt/magma-4cpu-256M-aia.dtb", 256ull << 20);
}

/* Random maps over a small address space, checked page by page against a bitmap. */
TEST(random_maps_match_page_model)
{
	enum { PAGES = 256 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 3000; round++) {
		struct memmap m;
		memmap_init(&m);
		unsigned char ram[PAGES * 16] = { 0 },
					  resv[PAGES * 16] = { 0 }; /* 256-byte units */
		int nram = 1 + (int)(x % 4), nresv = (int)((x >> 8) % 6);
		for (int i = 0; i < nram + nresv; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint64_t base = x % (PAGES * 16), size = (x >> 20) % (PAGES * 4);
			if (base + size > PAGES * 16)
				size = PAGES * 16 - base;
			unsigned char *model = i < nram ? ram : resv;
			for (uint64_t u = base; u < base + size; u++)
				model[u] = 1;
			if (i < nram)
				memmap_add_ram(&m, base * 256, size * 256);
			else
				memmap_reserve(&m, base * 256, size * 256);
		}
		int err = memmap_finalize(&m);
		uint64_t want_bytes = 0;
		for (int p = 0; p < PAGES; p++) {
			int whole = 1;
			for (int u = p * 16; u < p * 16 + 16; u++)
				whole &= ram[u] && !resv[u];
			want_bytes += whole ? PAGE : 0;
			if (err == 0 && memmap_is_usable(&m, (uint64_t)p * PAGE, PAGE) != whole) {
				CHECK_EQ(memmap_is_usable(&m, (uint64_t)p * PAGE, PAGE), whole);
				return;
			}
		}
		CHECK_EQ(err, want_bytes ? 0 : MEMMAP_ERR_NORAM);
		CHECK_EQ(memmap_usable_bytes(&m), want_bytes);
		for (int i = 1; i < m.usable_count; i++)
			CHECK(m.usable[i - 1].base + m.usable[i - 1].size < m.usable[i].base ||
			      m.usable[i - 1].base + m.usable[i - 1].size == m.usable[i].base);
	}
}

TEST(error_strings)
{
	static const int codes[] = {
		0,
		MEMMAP_ERR_FULL,
		MEMMAP_ERR_BADTREE,
		MEMMAP_ERR_NORAM,
		MEMMAP_ERR_STATE,
		MEMMAP_ERR_NO_SIZE_CELLS,
		MEMMAP_ERR_BAD_RESERVATION,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		CHECK(strcmp(memmap_strerror(codes[i]), "unknown error") != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(memmap_strerror(codes[i]), memmap_strerror(codes[j])) != 0);
	}
	CHECK(strcmp(memmap_strerror(-12345), "unknown error") == 0);
	for (int k = 0; k < MEMMAP_NOTE_KINDS; k++) {
		CHECK(strcmp(memmap_note_string(k), "unknown note") != 0);
		for (int j = 0; j < k; j++)
			CHECK(strcmp(memmap_note_string(k), memmap_note_string(j)) != 0);
	}
	CHECK(strcmp(memmap_note_string(MEMMAP_NOTE_KINDS), "unknown note") == 0);
}

int main(void)
{
	RUN(reservation_splits_ram);
	RUN(overlapping_and_touching_ram_merges);
	RUN(reservations_over_ram_edges_are_trimmed);
	RUN(unaligned_ranges_shrink_to_whole_pages);
	RUN(empty_and_wrapping_ram_dropped_wrapping_reservation_clamped);
	RUN(wrapping_reservation_is_clamped_not_dropped);
	RUN(ranges_ending_exactly_at_2_64_are_valid);
	RUN(whole_address_space);
	RUN(notes_keep_the_first_and_count_all);
	RUN(ram_ending_at_top_of_address_space);
	RUN(everything_reserved_is_noram);
	RUN(capacities_are_errors_not_truncation);
	RUN(finalize_only_once);
	RUN(tree_with_several_nodes_reservations_and_rsvmap);
	RUN(tree_with_32bit_cells);
	RUN(tree_without_memory);
	RUN(tree_reservation_wrapping_past_2_64_is_clamped);
	RUN(tree_ranges_ending_exactly_at_2_64);
	RUN(tree_unreadable_reservation_fails_the_map);
	RUN(tree_second_reserved_memory_node_counts);
	RUN(tree_size_cells_zero_is_its_own_error);
	RUN(tree_memory_status);
	RUN(tree_unreadable_memory_node_is_skipped);
	RUN(tree_walk_is_linear);
	RUN(qemu_dumped_trees);
	RUN(magma_trees);
	RUN(random_maps_match_page_model);
	RUN(error_strings);
	return check_summary();
}
