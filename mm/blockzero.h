/*
 * mm/blockzero.h - the board tables ("block zero") the guard publishes.
 *
 * The seed's motherboard block: three u64 offsets (RAM table, I/O table,
 * device table, from the start of the block), then the tables. A RAM or I/O
 * table is a u32 count (plus a u32 of padding) and entries that give a
 * range's size as the index of its last byte (so 0 maps one byte) - and,
 * because QEMU virt does not put devices on 4 GiB boundaries, its u64 base.
 * A range larger than 4 GiB becomes several entries. Entries are numbered
 * from 1, as in the seed. A device entry is 16 bytes: type, unique id,
 * mapped memory type (RAM or I/O) and the number of its first entry there.
 *
 * The guard builds the block from the device tree it is given, into the root
 * range; the kernel and user programs (lsdev) read it with
 * blockzero_entry(), which checks every offset against the block's size.
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_BLOCKZERO_H
#define MM_BLOCKZERO_H

#include <stddef.h>
#include <stdint.h>

#include "fdt.h"

enum blockzero_error {
	BLOCKZERO_ERR_FULL = -300, /* the tables do not fit the space given */
	BLOCKZERO_ERR_BADTREE = -301,
	BLOCKZERO_ERR_CORRUPT = -302, /* offsets or counts point outside the block */
	BLOCKZERO_ERR_RANGE = -303,   /* no such entry */
};

enum blockzero_table { BLOCKZERO_RAM = 0, BLOCKZERO_IO = 1, BLOCKZERO_DEVICES = 2 };

/* MappedMemoryType of a device entry. */
#define BLOCKZERO_MAPPED_RAM 1
#define BLOCKZERO_MAPPED_IO  2

/* Device types magma knows on QEMU virt; 0 is any other device. */
enum blockzero_device_type {
	BLOCKZERO_DEV_OTHER = 0,
	BLOCKZERO_DEV_UART = 1,
	BLOCKZERO_DEV_VIRTIO = 2,
	BLOCKZERO_DEV_PLIC = 3,
	BLOCKZERO_DEV_APLIC = 4,
	BLOCKZERO_DEV_IMSIC = 5,
	BLOCKZERO_DEV_CLINT = 6,
	BLOCKZERO_DEV_RTC = 7,
	BLOCKZERO_DEV_PCIE = 8,
	BLOCKZERO_DEV_SYSCON = 9,
	BLOCKZERO_DEV_FLASH = 10,
	BLOCKZERO_DEV_FWCFG = 11,
	BLOCKZERO_DEV_RAM = 12,
};

struct blockzero_range {
	uint32_t last_byte; /* size - 1 */
	uint32_t reserved;
	uint64_t base;
};

struct blockzero_device {
	uint32_t type;
	uint32_t unique_id;
	uint32_t mapped_type;  /* BLOCKZERO_MAPPED_* */
	uint32_t mapped_index; /* first entry (from 1) in that table */
};

/* A short English description of a BLOCKZERO_ERR_* code. */
const char *blockzero_strerror(int err);
/* A name for a device type, "uart". */
const char *blockzero_type_name(uint32_t type);

/*
 * Builds the tables for tree into out (out_size bytes, 8-byte aligned).
 * *used is the block's size. 0, BLOCKZERO_ERR_FULL or _BADTREE.
 */
int blockzero_build(const struct fdt *tree, uint8_t *out, size_t out_size, size_t *used);

/* Entries in a table of the block at base (size bytes). >= 0, or _CORRUPT. */
int blockzero_count(const uint8_t *base, size_t size, enum blockzero_table table);
/* Entry n (from 1) of the RAM or I/O table. 0, _RANGE or _CORRUPT. */
int blockzero_range_entry(const uint8_t *base, size_t size, enum blockzero_table table, uint32_t n,
			  struct blockzero_range *out);
/* Entry n (from 1) of the device table. 0, _RANGE or _CORRUPT. */
int blockzero_device_entry(const uint8_t *base, size_t size, uint32_t n,
			   struct blockzero_device *out);

#endif
