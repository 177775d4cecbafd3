/*
 * mm/blockzero.c - building and reading the board tables (see blockzero.h).
 *
 * Building takes two walks over the tree's devices: the first counts the
 * I/O entries, so the device table's place is known; the second writes.
 * Reading trusts nothing in the block: every offset and count is checked
 * against the block's size before an entry is read.
 * Never include kernel headers here.
 */
#include "blockzero.h"

#define HEADER_BYTES     32 /* three u64 offsets, padded to 32 */
#define TABLE_HEAD_BYTES 8  /* u32 count, u32 padding */
#define ENTRY_BYTES      16
#define MAX_PIECE        0x100000000ull /* 4 GiB: the most one entry maps */

_Static_assert(sizeof(struct blockzero_range) == ENTRY_BYTES, "range entry is 16 bytes");
_Static_assert(sizeof(struct blockzero_device) == ENTRY_BYTES, "device entry is 16 bytes");

const char *blockzero_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case BLOCKZERO_ERR_FULL: return "board tables do not fit";
	case BLOCKZERO_ERR_BADTREE: return "device tree could not be read";
	case BLOCKZERO_ERR_CORRUPT: return "board tables corrupt";
	case BLOCKZERO_ERR_RANGE: return "no such entry";
	default: return "unknown error";
	}
}

static const struct {
	const char *compatible;
	uint32_t type;
	const char *name;
} known[] = {
	{ "ns16550a", BLOCKZERO_DEV_UART, "uart" },
	{ "virtio,mmio", BLOCKZERO_DEV_VIRTIO, "virtio-mmio" },
	{ "riscv,plic0", BLOCKZERO_DEV_PLIC, "plic" },
	{ "riscv,aplic", BLOCKZERO_DEV_APLIC, "aplic" },
	{ "riscv,imsics", BLOCKZERO_DEV_IMSIC, "imsic" },
	{ "riscv,clint0", BLOCKZERO_DEV_CLINT, "clint" },
	{ "google,goldfish-rtc", BLOCKZERO_DEV_RTC, "rtc" },
	{ "pci-host-ecam-generic", BLOCKZERO_DEV_PCIE, "pcie" },
	{ "syscon", BLOCKZERO_DEV_SYSCON, "syscon" },
	{ "cfi-flash", BLOCKZERO_DEV_FLASH, "flash" },
	{ "qemu,fw-cfg-mmio", BLOCKZERO_DEV_FWCFG, "fw-cfg" },
};

const char *blockzero_type_name(uint32_t type)
{
	if (type == BLOCKZERO_DEV_RAM)
		return "ram";
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].type == type)
			return known[i].name;
	}
	return "other";
}

static uint32_t classify(const struct fdt *tree, int node)
{
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (fdt_is_compatible(tree, node, known[i].compatible))
			return known[i].type;
	}
	return BLOCKZERO_DEV_OTHER;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Where the tables go, and how far each has got. A NULL out only counts. */
struct writer {
	uint8_t *out;
	size_t size;
	size_t table[3];   /* offsets of the RAM, I/O and device tables */
	uint32_t count[3]; /* entries written (or counted) so far */
	int full;
};

static void add_range(struct writer *w, enum blockzero_table t, uint64_t base, uint64_t size)
{
	/* More than 4 GiB does not fit one entry: split it. */
	while (size) {
		uint64_t piece = size > MAX_PIECE ? MAX_PIECE : size;
		size_t at = w->table[t] + TABLE_HEAD_BYTES + (size_t)w->count[t] * ENTRY_BYTES;
		if (w->out && at + ENTRY_BYTES <= w->size) {
			put32(w->out + at, (uint32_t)(piece - 1));
			put32(w->out + at + 4, 0);
			put64(w->out + at + 8, base);
		} else if (w->out) {
			w->full = 1;
		}
		w->count[t]++;
		base += piece;
		size -= piece;
	}
}

static void add_device(struct writer *w, uint32_t type, uint32_t mapped_type, uint32_t first)
{
	size_t at = w->table[BLOCKZERO_DEVICES] + TABLE_HEAD_BYTES +
		    (size_t)w->count[BLOCKZERO_DEVICES] * ENTRY_BYTES;
	if (w->out && at + ENTRY_BYTES <= w->size) {
		put32(w->out + at, type);
		put32(w->out + at + 4, w->count[BLOCKZERO_DEVICES] + 1); /* unique id */
		put32(w->out + at + 8, mapped_type);
		put32(w->out + at + 12, first);
	} else if (w->out) {
		w->full = 1;
	}
	w->count[BLOCKZERO_DEVICES]++;
}

static int is_memory(const struct fdt *tree, int node)
{
	const char *type;
	if (fdt_prop_string(tree, node, "device_type", &type))
		return 0;
	const char *want = "memory";
	while (*type && *type == *want)
		type++, want++;
	return *type == *want;
}

/* Whether node lies under one of the subtrees that hold no devices. */
static int outside_devices(const struct fdt *tree, int node)
{
	for (int n = node; n > 0; n = fdt_parent(tree, n)) {
		const char *name = fdt_name(tree, n);
		if (!name)
			return 1;
		static const char *const skip[] = { "cpus", "chosen", "reserved-memory" };
		for (unsigned i = 0; i < 3; i++) {
			const char *a = name, *b = skip[i];
			while (*b && *a == *b)
				a++, b++;
			if (*b == '\0' && (*a == '\0' || *a == '@'))
				return 1;
		}
	}
	return 0;
}

/* Walks memory nodes, then devices, adding their entries to w. */
static int walk(const struct fdt *tree, struct writer *w)
{
	for (int node = fdt_next_node(tree, -1); node >= 0; node = fdt_next_node(tree, node)) {
		const void *v;
		uint32_t len;
		if (node == 0 || fdt_prop(tree, node, "reg", &v, &len) ||
		    outside_devices(tree, node))
			continue;
		int memory = is_memory(tree, node);
		if (!memory && fdt_prop(tree, node, "compatible", &v, &len))
			continue;
		enum blockzero_table t = memory ? BLOCKZERO_RAM : BLOCKZERO_IO;
		uint32_t first = w->count[t] + 1;
		uint64_t base, size;
		int err;
		uint32_t i = 0;
		while ((err = fdt_reg(tree, node, i++, &base, &size)) == 0)
			add_range(w, t, base, size);
		if (err != FDT_ERR_NOTFOUND)
			return BLOCKZERO_ERR_BADTREE;
		if (w->count[t] >= first)
			add_device(w, memory ? BLOCKZERO_DEV_RAM : classify(tree, node),
				   memory ? BLOCKZERO_MAPPED_RAM : BLOCKZERO_MAPPED_IO, first);
	}
	return 0;
}

static size_t table_bytes(uint32_t count)
{
	return TABLE_HEAD_BYTES + (size_t)count * ENTRY_BYTES;
}

int blockzero_build(const struct fdt *tree, uint8_t *out, size_t out_size, size_t *used)
{
	struct writer count = { 0 };
	int err = walk(tree, &count);
	if (err)
		return err;
	struct writer w = { .out = out, .size = out_size };
	w.table[BLOCKZERO_RAM] = HEADER_BYTES;
	w.table[BLOCKZERO_IO] = w.table[BLOCKZERO_RAM] + table_bytes(count.count[BLOCKZERO_RAM]);
	w.table[BLOCKZERO_DEVICES] = w.table[BLOCKZERO_IO] + table_bytes(count.count[BLOCKZERO_IO]);
	size_t total = w.table[BLOCKZERO_DEVICES] + table_bytes(count.count[BLOCKZERO_DEVICES]);
	if (total > out_size)
		return BLOCKZERO_ERR_FULL;
	for (size_t i = 0; i < HEADER_BYTES; i++)
		out[i] = 0;
	err = walk(tree, &w);
	if (err)
		return err;
	if (w.full)
		return BLOCKZERO_ERR_FULL;
	for (int t = 0; t < 3; t++) {
		put64(out + 8 * t, w.table[t]);
		put32(out + w.table[t], w.count[t]);
		put32(out + w.table[t] + 4, 0);
	}
	*used = total;
	return 0;
}

/* The offset of table t's first entry and its count, checked against size. */
static int table_at(const uint8_t *base, size_t size, enum blockzero_table t, size_t *first,
		    uint32_t *count)
{
	if (size < HEADER_BYTES || (unsigned)t > BLOCKZERO_DEVICES)
		return BLOCKZERO_ERR_CORRUPT;
	uint64_t off = get64(base + 8 * t);
	if (off > size || size - off < TABLE_HEAD_BYTES || off % 8)
		return BLOCKZERO_ERR_CORRUPT;
	uint32_t n = get32(base + off);
	if ((size - off - TABLE_HEAD_BYTES) / ENTRY_BYTES < n)
		return BLOCKZERO_ERR_CORRUPT;
	*first = (size_t)off + TABLE_HEAD_BYTES;
	*count = n;
	return 0;
}

int blockzero_count(const uint8_t *base, size_t size, enum blockzero_table table)
{
	size_t first;
	uint32_t n;
	int err = table_at(base, size, table, &first, &n);
	return err ? err : (n > 0x7fffffff ? BLOCKZERO_ERR_CORRUPT : (int)n);
}

int blockzero_range_entry(const uint8_t *base, size_t size, enum blockzero_table table, uint32_t n,
			  struct blockzero_range *out)
{
	size_t first;
	uint32_t count;
	if (table == BLOCKZERO_DEVICES)
		return BLOCKZERO_ERR_RANGE;
	int err = table_at(base, size, table, &first, &count);
	if (err)
		return err;
	if (n == 0 || n > count)
		return BLOCKZERO_ERR_RANGE;
	const uint8_t *e = base + first + (size_t)(n - 1) * ENTRY_BYTES;
	out->last_byte = get32(e);
	out->reserved = get32(e + 4);
	out->base = get64(e + 8);
	return 0;
}

int blockzero_device_entry(const uint8_t *base, size_t size, uint32_t n,
			   struct blockzero_device *out)
{
	size_t first;
	uint32_t count;
	int err = table_at(base, size, BLOCKZERO_DEVICES, &first, &count);
	if (err)
		return err;
	if (n == 0 || n > count)
		return BLOCKZERO_ERR_RANGE;
	const uint8_t *e = base + first + (size_t)(n - 1) * ENTRY_BYTES;
	out->type = get32(e);
	out->unique_id = get32(e + 4);
	out->mapped_type = get32(e + 8);
	out->mapped_index = get32(e + 12);
	return 0;
}
