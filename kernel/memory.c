/*
 * kernel/memory.c - the usable memory map and its report (see memory.h).
 */
#include "memory.h"

#include "../include/layout.h"
#include "../mm/memmap.h"
#include "board.h"
#include "console.h"
#include "panic.h"

extern char __kernel_end[];

static struct memmap memory_map;

static void report_memory(void)
{
	uint64_t total = 0;
	for (int i = 0; i < board.memory_count; i++) {
		const struct board_range *m = &board.memory[i];
		kprintf("magma: memory: 0x%lx-0x%lx (%lu MiB) from the device tree\n", m->base,
			m->base + m->size - 1, m->size >> 20);
		total += m->size;
	}
	kprintf("magma: memory: %lu MiB in %d range(s)\n", total >> 20, board.memory_count);
	kprintf("magma: reserved: guard private 0x%lx-0x%lx, root 0x%lx-0x%lx, "
		"mailbox 0x%lx-0x%lx\n",
		board.guard_private.base, board.guard_private.base + board.guard_private.size - 1,
		board.root.base, board.root.base + board.root.size - 1, board.mailbox.base,
		board.mailbox.base + board.mailbox.size - 1);
}

/*
 * One line per entry the map did not take as given (memmap.h has the rules):
 * a tree that asks for something odd is never silently half-obeyed.
 */
static void report_notes(void)
{
	for (int i = 0; i < memory_map.notes_kept; i++) {
		const struct memmap_note *n = &memory_map.notes[i];
		const char *from = n->from ? n->from : "the kernel";
		if (n->kind == MEMMAP_NOTE_UNREADABLE)
			kprintf("magma: memory: memory node %s %s (fdt: %s)\n", from,
				memmap_note_string(n->kind), fdt_strerror(n->fdt_error));
		else
			kprintf("magma: memory: %s 0x%lx+0x%lx from %s %s\n",
				n->reservation ? "reservation" : "RAM", n->base, n->size, from,
				memmap_note_string(n->kind));
	}
	int unlisted = memmap_notes_total(&memory_map) - memory_map.notes_kept;
	if (unlisted > 0)
		kprintf("magma: memory: %d more entries dropped, clamped or skipped\n", unlisted);
}

/*
 * The usable memory map: RAM from the tree minus every reservation the tree
 * names (guard private, root, mailbox, OpenSBI's own) and what the kernel
 * knows itself: the firmware, its own image and the tree blob.
 */
static void build_usable_map(void)
{
	memmap_init(&memory_map);
	int err = memmap_add_fdt(&memory_map, board.fdt);
	if (!err)
		err = memmap_reserve(&memory_map, MAGMA_FIRMWARE_BASE, MAGMA_FIRMWARE_SIZE);
	if (!err)
		err = memmap_reserve(&memory_map, MAGMA_KERNEL_BASE,
				     (uintptr_t)__kernel_end - MAGMA_KERNEL_BASE);
	if (!err)
		err = memmap_reserve(&memory_map, board.fdt_pa, board.fdt_size);
	report_notes();
	if (!err)
		err = memmap_finalize(&memory_map);
	if (err)
		panic("boot: memory map: %s (node %s, fdt: %s)", memmap_strerror(err),
		      memory_map.failed_node ? memory_map.failed_node : "-",
		      fdt_strerror(memory_map.fdt_error));
	for (int i = 0; i < memory_map.usable_count; i++) {
		const struct memmap_range *u = &memory_map.usable[i];
		kprintf("magma: memory: usable 0x%lx-0x%lx (%lu KiB)\n", u->base,
			u->base + u->size - 1, u->size >> 10);
	}
	uint64_t usable = memmap_usable_bytes(&memory_map);
	kprintf("magma: memory: %d regions, %lu MiB usable (%lu frames)\n", memory_map.usable_count,
		usable >> 20, usable / MM_PAGE_SIZE);
}

const struct memmap *memory_map_build(void)
{
	report_memory();
	build_usable_map();
	return &memory_map;
}
