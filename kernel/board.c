/*
 * kernel/board.c - reads the device tree into struct board.
 *
 * Only facts the kernel needs now: memory, cpus, timebase, the console UART,
 * the virtio-mmio slots, bootargs, magma's reserved ranges, and fw_cfg (only to prove it out of
 * reach). Interrupt controllers are found by their drivers (intr.c). A tree
 * that lacks something essential is a panic that names the missing node,
 * since the kernel cannot run without it.
 */
#include "board.h"

#include "../lib/string.h"
#include "../mm/fdt.h"
#include "../sbi/tree.h"
#include "console.h"
#include "panic.h"

struct board board;
static struct fdt tree;

/* QEMU puts the tree in a 2 MiB slot at the top of RAM; no tree of ours is larger. */
#define FDT_MAX_BYTES (2u << 20)

/* How often to say that OpenSBI's fix-ups are not done: 1 s at QEMU virt's 10 MHz. */
static const uint64_t board_wait_ticks = 10000000;

static int has_device_type(const struct fdt *fdt, int node, const char *type)
{
	const char *value;
	return fdt_prop_string(fdt, node, "device_type", &value) == 0 && strcmp(value, type) == 0;
}

/* RAM as the tree states it (memmap decides what is usable); one walk of the root's children. */
static void find_memory(const struct fdt *fdt)
{
	struct fdt_cursor root, node;
	if (fdt_cursor_root(fdt, &root) || fdt_cursor_first_child(fdt, &root, &node))
		panic("board: the device tree has no nodes under its root");
	do {
		const char *type;
		struct fdt_reg reg;
		if (fdt_cursor_prop_string(fdt, &node, "device_type", &type) ||
		    strcmp(type, "memory") != 0 || !fdt_cursor_is_enabled(fdt, &node) ||
		    fdt_cursor_reg(fdt, &node, &reg))
			continue;
		uint64_t base, size;
		for (uint32_t i = 0; fdt_reg_entry(&reg, i, &base, &size) == 0; i++) {
			if (board.memory_count == BOARD_MAX_MEMORY)
				panic("board: more than %d memory ranges in the device tree",
				      BOARD_MAX_MEMORY);
			board.memory[board.memory_count++] = (struct board_range){ base, size };
		}
	} while (fdt_cursor_next_sibling(fdt, &node) == 0);
	if (board.memory_count == 0)
		panic("board: the device tree has no enabled /memory node with a reg");
}

static void find_cpus(const struct fdt *fdt)
{
	int cpus = fdt_path(fdt, "/cpus");
	if (cpus < 0)
		panic("board: the device tree has no /cpus node (%s)", fdt_strerror(cpus));
	uint32_t hz;
	if (fdt_prop_u32(fdt, cpus, "timebase-frequency", &hz) || hz == 0)
		panic("board: /cpus has no usable timebase-frequency");
	board.timebase_hz = hz;
	for (int node = fdt_first_child(fdt, cpus); node >= 0; node = fdt_next_sibling(fdt, node)) {
		uint64_t hartid, unused;
		if (!has_device_type(fdt, node, "cpu"))
			continue;
		if (fdt_reg(fdt, node, 0, &hartid, &unused))
			panic("board: cpu node %s has no reg", fdt_name(fdt, node));
		if (board.cpu_count == MAGMA_MAX_HARTS)
			panic("board: more than %d cpus in the device tree", MAGMA_MAX_HARTS);
		board.cpu_hartids[board.cpu_count] = hartid;
		board.cpu_enabled[board.cpu_count] = fdt_is_enabled(fdt, node);
		board.cpu_count++;
	}
}

/* The interrupt of node: its source and trigger (level high when the tree gives none). */
static int node_interrupt(const struct fdt *fdt, int node, uint32_t *irq, uint32_t *trigger)
{
	int err = fdt_prop_cell(fdt, node, "interrupts", 0, irq);
	if (err)
		return err;
	if (fdt_prop_cell(fdt, node, "interrupts", 1, trigger))
		*trigger = 4; /* level high */
	return 0;
}

static void find_uart(const struct fdt *fdt)
{
	int node = fdt_find_compatible(fdt, -1, "ns16550a");
	if (node < 0)
		panic("board: no ns16550a UART in the device tree");
	if (fdt_reg(fdt, node, 0, &board.uart_base, &board.uart_size))
		panic("board: UART node %s has no usable reg", fdt_name(fdt, node));
	if (node_interrupt(fdt, node, &board.uart_irq, &board.uart_trigger))
		panic("board: UART node %s has no interrupts", fdt_name(fdt, node));
}

/* A virtio-mmio register window: 0x100 bytes of registers, then the device's config. */
#define VIRTIO_MIN_BYTES 0x200
#define VIRTIO_MAX_BYTES 0x10000

static int overlaps_memory(uint64_t base, uint64_t size)
{
	for (int i = 0; i < board.memory_count; i++) {
		const struct board_range *m = &board.memory[i];
		if (base < m->base + m->size && m->base < base + size)
			return 1;
	}
	return 0;
}

/*
 * Every enabled virtio-mmio slot. A slot without reg or interrupts, of an
 * implausible size or on top of RAM is skipped, and said so: the kernel
 * maps what is listed here.
 */
static void find_virtio(const struct fdt *fdt)
{
	for (int node = fdt_find_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_find_compatible(fdt, node, "virtio,mmio")) {
		if (!fdt_is_enabled(fdt, node))
			continue;
		struct board_virtio v;
		int err = fdt_reg(fdt, node, 0, &v.base, &v.size);
		if (!err)
			err = node_interrupt(fdt, node, &v.irq, &v.trigger);
		if (err) {
			kprintf("magma: board: ignoring virtio-mmio node %s: %s\n",
				fdt_name(fdt, node), fdt_strerror(err));
			continue;
		}
		if (v.size < VIRTIO_MIN_BYTES || v.size > VIRTIO_MAX_BYTES ||
		    v.base + v.size < v.base || overlaps_memory(v.base, v.size)) {
			kprintf("magma: board: ignoring virtio-mmio node %s: registers 0x%lx+0x%lx are "
				"not a register window (0x%x..0x%x bytes, outside RAM)\n",
				fdt_name(fdt, node), v.base, v.size, VIRTIO_MIN_BYTES,
				VIRTIO_MAX_BYTES);
			continue;
		}
		if (board.virtio_count == BOARD_MAX_VIRTIO) {
			kprintf("magma: board: more than %d virtio-mmio nodes; ignoring %s and later ones\n",
				BOARD_MAX_VIRTIO, fdt_name(fdt, node));
			return;
		}
		board.virtio[board.virtio_count++] = v;
	}
}

static void find_reserved(const struct fdt *fdt, const char *compat, struct board_range *out,
			  uint64_t expect_base, uint64_t expect_size)
{
	int node = fdt_find_compatible(fdt, -1, compat);
	if (node < 0)
		panic("board: no reserved-memory node compatible with \"%s\": "
		      "was the tree built by sbi/mkdts.py?",
		      compat);
	if (fdt_reg(fdt, node, 0, &out->base, &out->size))
		panic("board: reserved-memory node %s has no usable reg", fdt_name(fdt, node));
	/* The guard is linked at these addresses: a stale tree must not boot. */
	if (out->base != expect_base || out->size != expect_size)
		panic("board: %s is 0x%lx+0x%lx in the tree but 0x%lx+0x%lx in include/layout.h",
		      compat, out->base, out->size, expect_base, expect_size);
}

/* A device the kernel must know of but never drive; size 0 when the tree has none. */
static void find_forbidden(const struct fdt *fdt, const char *compat, struct board_range *out)
{
	int node = fdt_find_compatible(fdt, -1, compat);
	if (node >= 0 && fdt_reg(fdt, node, 0, &out->base, &out->size))
		panic("board: %s node %s has no usable reg", compat, fdt_name(fdt, node));
}

void board_init(uintptr_t fdt_pa)
{
	if (fdt_pa == 0 || fdt_pa % 8)
		panic("board: no device tree (a1 = 0x%lx): is next-arg1 set in both domains?",
		      fdt_pa);
	/* A slow host only makes this slower: keep waiting, and say so every second. */
	int err;
	unsigned waited_s = 0;
	while ((err = tree_open_settled(&tree, (const void *)fdt_pa, FDT_MAX_BYTES,
					board_wait_ticks)) != 0) {
		waited_s++;
		if (err == 1)
			kprintf("magma: still waiting for OpenSBI to finish the device tree at 0x%lx "
				"(%u s): /chosen/opensbi-domains is still there\n",
				fdt_pa, waited_s);
		else
			kprintf("magma: still waiting for a valid device tree at 0x%lx (%u s): %s (is "
				"next-arg1 in the tree's domains the address QEMU loads the tree at?)\n",
				fdt_pa, waited_s, fdt_strerror(err));
	}
	board.fdt = &tree;
	board.fdt_pa = fdt_pa;
	board.fdt_size = tree.total_size;
	const struct fdt *fdt = &tree;

	find_memory(fdt);
	find_cpus(fdt);
	find_uart(fdt);
	find_virtio(fdt);
	find_reserved(fdt, "magma,guard-private", &board.guard_private, MAGMA_GUARD_PRIVATE_BASE,
		      MAGMA_GUARD_PRIVATE_SIZE);
	find_reserved(fdt, "magma,root", &board.root, MAGMA_ROOT_BASE, MAGMA_ROOT_SIZE);
	find_reserved(fdt, "magma,mailbox", &board.mailbox, MAGMA_MAILBOX_BASE, MAGMA_MAILBOX_SIZE);
	find_forbidden(fdt, "qemu,fw-cfg-mmio", &board.fw_cfg);

	int chosen = fdt_path(fdt, "/chosen");
	if (chosen < 0 || fdt_prop_string(fdt, chosen, "bootargs", &board.bootargs))
		board.bootargs = "";
}
