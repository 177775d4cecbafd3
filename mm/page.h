/*
 * mm/page.h - the page size all of mm/ works in.
 *
 * One constant: mm/memmap aligns usable memory to it, mm/frame hands out
 * frames of it, and the kernel asserts its own PAGE_SIZE (kernel/kalloc.h)
 * is the same, so a page the map promises is a frame the allocator manages.
 * 4 KiB is the Sv39 base page (RISC-V privileged spec, 4.4).
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#define MM_PAGE_SIZE 4096u

#endif
