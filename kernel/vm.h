/*
 * kernel/vm.h - Sv39 page tables (privileged spec v1.12, section 4.4).
 *
 * The kernel maps physical memory at the same virtual addresses (identity),
 * with permissions per region: text RX, rodata R, data/bss RW, usable RAM RW,
 * the device tree R, root range R, mailbox RW, device MMIO RW; guard private,
 * the firmware and anything else not usable are not mapped at all.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdint.h>

#include "../mm/memmap.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)

#define VM_NO_MAPPING (~0ul)

typedef uint64_t pte_t;

/*
 * Maps [va, va+size) to [pa, pa+size) with perm (PTE_R/W/X), using 2 MiB
 * pages where alignment allows. Returns 0, or -1 when out of page-table pages.
 */
int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/* Clears the 4 KiB mapping of va; returns the page it mapped, or VM_NO_MAPPING. */
uint64_t vm_unmap_page(pte_t *root, uint64_t va);
/* The physical address va maps to in the kernel page table, or VM_NO_MAPPING. */
uint64_t vm_kernel_translate(uint64_t va);

/*
 * Boot hart: builds the kernel page table: the kernel image by section, every
 * usable range of map, the tree (read only), root, mailbox and device MMIO.
 */
void vm_build_kernel_table(const struct memmap *map);
/* Each hart: turns on Sv39 with the kernel page table. */
void vm_enable_hart(void);
/* The kernel page table's root, for tests that add mappings. */
pte_t *vm_kernel_root(void);

#endif
