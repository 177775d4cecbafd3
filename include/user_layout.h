/*
 * include/user_layout.h - the virtual address space of every user process.
 *
 * Shared by the kernel (which builds it), the user linker script and the
 * user library (which reads the root range at USER_ROOT_VA). Sv39 user
 * addresses are the low 2 GiB; from 0x8000_0000 up the same page table
 * holds the kernel (identity-mapped RAM, the kernel heap and stack windows,
 * and device MMIO in the upper half), all without PTE_U.
 *
 *   0x0000_0000  page 0, never mapped: a NULL dereference faults
 *   0x0000_1000  USER_TEXT_BASE: the program's ELF segments
 *        ...     heap (sbrk), right after the last segment, lazily backed
 *        ...     one unmapped guard page
 *   USER_STACK_TOP - USER_STACK_SIZE .. USER_STACK_TOP: the stack, lazily
 *                backed; the page below it is never mapped (the guard page)
 *   USER_INFO_VA: one read-only page saying who the process is (struct
 *                user_info): what a debugger's breakpoint condition reads
 *   USER_ROOT_VA: the root range, read-only (a store kills the process)
 *   USER_TOP: the kernel's first address
 *
 * Plain constants only: included from C, assembly and linker scripts.
 */
#ifndef MAGMA_USER_LAYOUT_H
#define MAGMA_USER_LAYOUT_H

#define USER_TEXT_BASE  0x00001000
#define USER_TOP        0x80000000
#define USER_ROOT_VA    0x7fff0000 /* MAGMA_ROOT_SIZE (64 KiB), read only */
#define USER_STACK_TOP  0x7ffe0000 /* unmapped gap pages lie between it and the info page */
#define USER_INFO_VA    0x7ffef000 /* struct user_info, read only */
#define USER_STACK_SIZE 0x00100000 /* 1 MiB, pages given on first touch */
/* The lowest address of the stack's guard page; the heap must end below it. */
#define USER_STACK_GUARD (USER_STACK_TOP - USER_STACK_SIZE - 0x1000)

#endif
