/*
 * tests/test_memmap.c - host tests for mm/memmap: device tree -> usable pages.
 *
 * Hand-made inputs pin down each rule (merge, subtract, align, drop, fill
 * up); trees compiled by dtc and dumped by QEMU check the fdt side; a
 * randomized comparison against a page bitmap checks everything together.
 */
#include <string.h>

#include "../mm/memmap.h"
#include "../include/layout.h"
#include "check.h"

#define PAGE MEMMAP_PAGE_SIZE

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
	memmap_add_ram(&m, 0x1001, 0x4ffe);  /* [0x1001, 0x5fff) */
	memmap_reserve(&m, 0x3000, 0x10);    /* a partial page is lost whole */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 2);
	expect_usable(&m, 0, 0x2000, 0x1000);
	expect_usable(&m, 1, 0x4000, 0x1000);
	CHECK(memmap_is_usable(&m, 0x2000, 0x1000));
	CHECK(!memmap_is_usable(&m, 0x3000, 0x1000));
	CHECK(!memmap_is_usable(&m, 0x2000, 0x2000));
}

TEST(zero_size_and_wrapping_entries_are_dropped)
{
	struct memmap m;
	memmap_init(&m);
	memmap_add_ram(&m, 0x1000, 0);
	memmap_add_ram(&m, 0xfffffffffffff000ull, 0x2000); /* end passes 2^64 */
	memmap_reserve(&m, 0xffffffffffffffffull, 2);
	memmap_add_ram(&m, 0x100000, 0x1000);
	CHECK_EQ(m.dropped, 3);
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK_EQ(m.usable_count, 1);
	expect_usable(&m, 0, 0x100000, 0x1000);
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
	CHECK_EQ(memmap_reserve(&m, 0x7000000, 1), MEMMAP_MAX_RESERVED > MEMMAP_MAX_USABLE + 1
							 ? 0 : MEMMAP_ERR_FULL);
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
	memmap_reserve(&m, MAGMA_KERNEL_BASE, 0x100000);         /* a kernel image */
	memmap_reserve(&m, 0x80000000 + mem_bytes - 0x200000, 0x2000); /* the tree */
	CHECK_EQ(memmap_finalize(&m), 0);
	CHECK(!memmap_is_usable(&m, MAGMA_GUARD_PRIVATE_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_ROOT_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_MAILBOX_BASE, PAGE));
	CHECK(!memmap_is_usable(&m, MAGMA_FIRMWARE_BASE, PAGE));
	CHECK(memmap_is_usable(&m, 0x80120000, PAGE)); /* between mailbox and kernel */
	CHECK_EQ(memmap_usable_bytes(&m),
		 mem_bytes - 0x120000 - 0x100000 - 0x2000);
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
		unsigned char ram[PAGES * 16] = { 0 }, resv[PAGES * 16] = { 0 }; /* 256-byte units */
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
	CHECK(strcmp(memmap_strerror(MEMMAP_ERR_FULL), memmap_strerror(MEMMAP_ERR_NORAM)) != 0);
	CHECK(strcmp(memmap_strerror(-12345), "unknown error") == 0);
}

int main(void)
{
	RUN(reservation_splits_ram);
	RUN(overlapping_and_touching_ram_merges);
	RUN(reservations_over_ram_edges_are_trimmed);
	RUN(unaligned_ranges_shrink_to_whole_pages);
	RUN(zero_size_and_wrapping_entries_are_dropped);
	RUN(ram_ending_at_top_of_address_space);
	RUN(everything_reserved_is_noram);
	RUN(capacities_are_errors_not_truncation);
	RUN(finalize_only_once);
	RUN(tree_with_several_nodes_reservations_and_rsvmap);
	RUN(tree_with_32bit_cells);
	RUN(tree_without_memory);
	RUN(qemu_dumped_trees);
	RUN(magma_trees);
	RUN(random_maps_match_page_model);
	RUN(error_strings);
	return check_summary();
}
