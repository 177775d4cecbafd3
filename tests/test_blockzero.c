/*
 * tests/test_blockzero.c - host tests for mm/blockzero, the guard's board tables.
 *
 * Tables are built from real trees (QEMU virt through magma's generator, and
 * a hand-written one with 6 GiB of RAM) and read back; then every truncated
 * space and corrupted header is refused rather than read past.
 */
#include <string.h>

#include "../mm/blockzero.h"
#include "check.h"

static uint8_t block[8192] __attribute__((aligned(8)));

static int build_from(const char *path, size_t *used)
{
	size_t size;
	unsigned char *blob = check_read_file(path, &size);
	struct fdt tree;
	int err = fdt_open(&tree, blob, size);
	CHECK_EQ(err, 0);
	if (!err)
		err = blockzero_build(&tree, block, sizeof(block), used);
	free(blob);
	return err;
}

/* The device entry of the first device of `type`, or 0 when there is none. */
static uint32_t find_device(size_t used, uint32_t type, struct blockzero_device *out)
{
	int n = blockzero_count(block, used, BLOCKZERO_DEVICES);
	for (int i = 1; i <= n; i++) {
		if (blockzero_device_entry(block, used, (uint32_t)i, out) == 0 && out->type == type)
			return (uint32_t)i;
	}
	return 0;
}

TEST(virt_tree_tables)
{
	size_t used = 0;
	CHECK_EQ(build_from("build/dt/magma-4cpu-128M-aia.dtb", &used), 0);
	CHECK(used > 32 && used < sizeof(block));
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_RAM), 1);
	struct blockzero_range ram;
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_RAM, 1, &ram), 0);
	CHECK_EQ(ram.base, 0x80000000);
	CHECK_EQ(ram.last_byte, 0x7ffffff); /* the seed: size stored as the last byte's index */

	struct blockzero_device dev;
	CHECK(find_device(used, BLOCKZERO_DEV_UART, &dev) != 0);
	CHECK_EQ(dev.mapped_type, BLOCKZERO_MAPPED_IO);
	struct blockzero_range io;
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_IO, dev.mapped_index, &io), 0);
	CHECK_EQ(io.base, 0x10000000);
	CHECK_EQ(io.last_byte, 0xff);
	CHECK(find_device(used, BLOCKZERO_DEV_APLIC, &dev) != 0);
	CHECK(find_device(used, BLOCKZERO_DEV_IMSIC, &dev) != 0);
	CHECK(find_device(used, BLOCKZERO_DEV_VIRTIO, &dev) != 0);
	CHECK(find_device(used, BLOCKZERO_DEV_RAM, &dev) != 0);
	CHECK_EQ(dev.mapped_type, BLOCKZERO_MAPPED_RAM);
	CHECK_EQ(dev.mapped_index, 1);
	/* Reserved memory and cpus are not devices. */
	CHECK(blockzero_count(block, used, BLOCKZERO_DEVICES) >= 19);
	int ios = blockzero_count(block, used, BLOCKZERO_IO);
	for (int i = 1; i <= ios; i++) {
		CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_IO, (uint32_t)i, &io), 0);
		CHECK(io.base < 0x80000000 ||
		      io.base >= 0x100000000ull); /* no RAM in the I/O table */
	}
}

TEST(plic_tree_has_a_plic)
{
	size_t used = 0;
	CHECK_EQ(build_from("build/dt/magma-4cpu-128M-plic.dtb", &used), 0);
	struct blockzero_device dev;
	CHECK(find_device(used, BLOCKZERO_DEV_PLIC, &dev) != 0);
	CHECK(find_device(used, BLOCKZERO_DEV_APLIC, &dev) == 0);
}

TEST(ram_over_4g_is_split)
{
	size_t used = 0;
	CHECK_EQ(build_from("build/host/dts/blockzero-big.dtb", &used), 0);
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_RAM), 2);
	struct blockzero_range r;
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_RAM, 1, &r), 0);
	CHECK_EQ(r.base, 0x80000000);
	CHECK_EQ(r.last_byte, 0xffffffffu);
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_RAM, 2, &r), 0);
	CHECK_EQ(r.base, 0x180000000ull);
	CHECK_EQ(r.last_byte, 0x7fffffffu);
	struct blockzero_device dev;
	uint32_t n = find_device(used, BLOCKZERO_DEV_OTHER, &dev);
	CHECK(n != 0);
	/* A device with two reg ranges names the first of its two I/O entries. */
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_IO, dev.mapped_index, &r), 0);
	CHECK_EQ(r.base, 0x20000000);
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_IO, dev.mapped_index + 1, &r), 0);
	CHECK_EQ(r.base, 0x20001000);
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_DEVICES), 3);
}

TEST(too_little_space_is_full)
{
	size_t size;
	unsigned char *blob = check_read_file("build/dt/magma-4cpu-128M-aia.dtb", &size);
	struct fdt tree;
	CHECK_EQ(fdt_open(&tree, blob, size), 0);
	size_t used = 0;
	CHECK_EQ(blockzero_build(&tree, block, sizeof(block), &used), 0);
	for (size_t space = 0; space < used; space += 8) {
		size_t got = 0;
		memset(block, 0xee, sizeof(block));
		CHECK_EQ(blockzero_build(&tree, block, space, &got), BLOCKZERO_ERR_FULL);
		CHECK_EQ(block[space], 0xee); /* nothing written past the space given */
	}
	free(blob);
}

TEST(corrupt_blocks_are_refused)
{
	size_t used = 0;
	CHECK_EQ(build_from("build/dt/magma-4cpu-128M-aia.dtb", &used), 0);
	struct blockzero_range r;
	struct blockzero_device d;
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_RAM, 0, &r), BLOCKZERO_ERR_RANGE);
	CHECK_EQ(blockzero_range_entry(block, used, BLOCKZERO_RAM, 2, &r), BLOCKZERO_ERR_RANGE);
	CHECK_EQ(blockzero_count(block, 16, BLOCKZERO_RAM), BLOCKZERO_ERR_CORRUPT);
	/* Every truncation of the block is refused or reads only inside it. */
	for (size_t size = 0; size < used; size++) {
		int n = blockzero_count(block, size, BLOCKZERO_DEVICES);
		for (int i = 1; i <= n; i++)
			CHECK_EQ(blockzero_device_entry(block, size, (uint32_t)i, &d), 0);
	}
	uint8_t saved[8];
	memcpy(saved, block + 8, 8);
	block[8 + 7] = 0x80; /* the I/O table offset now points far away */
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_IO), BLOCKZERO_ERR_CORRUPT);
	memcpy(block + 8, saved, 8);
	block[8] |= 1; /* misaligned */
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_IO), BLOCKZERO_ERR_CORRUPT);
	memcpy(block + 8, saved, 8);
	uint32_t io_off = block[8] | block[9] << 8;
	block[io_off + 3] = 0x7f; /* a count that runs past the block */
	CHECK_EQ(blockzero_count(block, used, BLOCKZERO_IO), BLOCKZERO_ERR_CORRUPT);
	CHECK(strcmp(blockzero_type_name(BLOCKZERO_DEV_UART), "uart") == 0);
}

int main(void)
{
	RUN(virt_tree_tables);
	RUN(plic_tree_has_a_plic);
	RUN(ram_over_4g_is_split);
	RUN(too_little_space_is_full);
	RUN(corrupt_blocks_are_refused);
	return check_summary();
}
