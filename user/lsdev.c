/*
 * user/lsdev.c - the board's memory and devices, from the guard's tables.
 *
 * The guard publishes the board tables ("block zero", mm/blockzero.h)
 * inside the root, at the offset and size the protected bits name. lsdev
 * copies them out through a facade over exactly that range, then reads
 * them with mm/blockzero, which checks every offset and count against the
 * block's size: a corrupt table is an error message, never a stray read.
 */
#include "kernel/types.h"
#include "user/user.h"

#include <stdint.h>

#include "include/root.h"
#include "mm/blockzero.h"
#include "mm/facade.h"
#include "user/uroot.h"

static void __attribute__((noreturn)) fail(const char *what, int err, const char *why)
{
	fprintf(2, "lsdev: %s: %s (%d)\n", what, why, err);
	exit(1);
}

static const char *table_name(enum blockzero_table t)
{
	return t == BLOCKZERO_RAM ? "RAM" : "I/O";
}

static void print_range(const struct blockzero_range *r)
{
	uint64_t size = (uint64_t)r->last_byte + 1;
	printf("0x%08lx-0x%08lx (", (unsigned long)r->base,
	       (unsigned long)(r->base + r->last_byte));
	if (size % (1024 * 1024) == 0)
		printf("%lu MiB)", (unsigned long)(size / (1024 * 1024)));
	else if (size % 1024 == 0)
		printf("%lu KiB)", (unsigned long)(size / 1024));
	else
		printf("%lu bytes)", (unsigned long)size);
}

static void list_ranges(const uint8_t *block, size_t size, enum blockzero_table t)
{
	int n = blockzero_count(block, size, t);
	if (n < 0)
		fail("board tables", n, blockzero_strerror(n));
	printf("%s ranges: %d\n", table_name(t), n);
	for (int i = 1; i <= n; i++) {
		struct blockzero_range r;
		int err = blockzero_range_entry(block, size, t, (uint32_t)i, &r);
		if (err)
			fail("range entry", err, blockzero_strerror(err));
		printf("  %2d  ", i);
		print_range(&r);
		printf("\n");
	}
}

static void list_devices(const uint8_t *block, size_t size)
{
	int n = blockzero_count(block, size, BLOCKZERO_DEVICES);
	if (n < 0)
		fail("board tables", n, blockzero_strerror(n));
	printf("devices: %d\n", n);
	for (int i = 1; i <= n; i++) {
		struct blockzero_device d;
		struct blockzero_range r;
		int err = blockzero_device_entry(block, size, (uint32_t)i, &d);
		if (err)
			fail("device entry", err, blockzero_strerror(err));
		enum blockzero_table t =
			d.mapped_type == BLOCKZERO_MAPPED_RAM ? BLOCKZERO_RAM : BLOCKZERO_IO;
		printf("  id %-3u %-12s %s %-2u ", d.unique_id, blockzero_type_name(d.type),
		       table_name(t), d.mapped_index);
		err = blockzero_range_entry(block, size, t, d.mapped_index, &r);
		if (err)
			printf("(%s)", blockzero_strerror(err));
		else
			print_range(&r);
		printf("\n");
	}
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(2, "usage: lsdev\n");
		exit(1);
	}
	const struct facade *root = uroot();
	struct facade prot, board;
	uint32_t offset = 0, size = 0;
	int err = facade_sub(root, ROOT_PROTECTED_BASE, ROOT_PROTECTED_SIZE, FACADE_READ,
			     "protected bits", &prot);
	if (!err)
		err = facade_read32(&prot, ROOT_BOARD_OFFSET, &offset);
	if (!err)
		err = facade_read32(&prot, ROOT_BOARD_SIZE, &size);
	if (err)
		fail("the board tables' place in the root", err, facade_strerror(err));
	if (size == 0) {
		printf("lsdev: the guard published no board tables\n");
		exit(1);
	}
	if ((err = facade_sub(root, offset, size, FACADE_READ, "board tables", &board)))
		fail("the board tables lie outside the root", err, facade_strerror(err));
	uint8_t *block = malloc(size); /* 16-byte aligned, as the tables' u64 fields need */
	if (!block)
		fail("no memory for the board tables", -1, "malloc failed");
	if ((err = facade_read_bytes(&board, 0, block, size)))
		fail("copying the board tables", err, facade_strerror(err));
	list_ranges(block, size, BLOCKZERO_RAM);
	list_ranges(block, size, BLOCKZERO_IO);
	list_devices(block, size);
	free(block);
	exit(0);
}
