/*
 * kernel/memory.h - the boot policy for physical memory: which RAM is usable.
 *
 * mm/memmap does the arithmetic; this file decides what to reserve (the
 * firmware, the kernel image, the tree blob, and every range the tree names)
 * and reports the result on the console.
 */
#ifndef KERNEL_MEMORY_H
#define KERNEL_MEMORY_H

struct memmap;

/*
 * Boot hart, once, after board_init(): builds the usable memory map from the
 * tree and the kernel's own reservations, logs it, and returns it. Panics
 * naming the error if the tree describes no usable memory.
 */
const struct memmap *memory_map_build(void);

#endif
