/*
 * kernel/vm.h - Sv39 page tables (privileged spec v1.12, section 4.4).
 *
 * The kernel maps physical memory at the same virtual addresses (identity),
 * with permissions per region: text RX, rodata R, data/bss RW, usable RAM RW,
 * the device tree R, root range R, mailbox RW; guard private, the firmware
 * and anything else not usable are not mapped at all. Device MMIO is mapped
 * in the upper half, at MMIO_VA_BASE + pa, because QEMU virt puts its
 * devices in the low 2 GiB that every user process owns (include/
 * user_layout.h); drivers reach a register through mmio_va(pa).
 *
 * Every user page table shares the kernel's half: its root copies the
 * kernel root's entries from USER_TOP up (vm_share_kernel_half). So the
 * kernel never adds a root entry after boot: the windows that grow later
 * (the kernel heap, the kernel stacks) get all their level-1 tables at boot.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdint.h>

struct memmap;

#define PTE_V    (1ul << 0)
#define PTE_R    (1ul << 1)
#define PTE_W    (1ul << 2)
#define PTE_X    (1ul << 3)
#define PTE_U    (1ul << 4)
#define PTE_G    (1ul << 5)
#define PTE_A    (1ul << 6)
#define PTE_D    (1ul << 7)
#define PTE_LEAF (PTE_R | PTE_W | PTE_X) /* any of these: a leaf, else a table pointer */

/*
 * Sv39 (section 4.4.1): a virtual address is three 9-bit table indices above
 * a 12-bit page offset, bits 63:39 copying bit 38; the kernel uses only the
 * lower half, va < VM_MAXVA. A PTE holds the physical page number in bits
 * 53:10, above the flags; bits 63:54 are reserved and masked off here.
 */
#define VM_PAGE_SHIFT 12
#define VM_LEVELS     3
#define VM_MAXVA      (1ul << 38)
/* The index of va in a table at level (2 is the root, 0 maps 4 KiB pages). */
#define PX(level, va) (((uint64_t)(va) >> (VM_PAGE_SHIFT + 9 * (level))) & 0x1ff)
/* Bytes one leaf at level maps: 4 KiB, 2 MiB, 1 GiB. */
#define VM_LEVEL_SIZE(level) (1ul << (VM_PAGE_SHIFT + 9 * (level)))
#define PTE_PPN_SHIFT        10
#define PTE_PPN_MASK         ((1ul << 44) - 1)
#define PA2PTE(pa)           ((((uint64_t)(pa) >> VM_PAGE_SHIFT) & PTE_PPN_MASK) << PTE_PPN_SHIFT)
#define PTE2PA(pte)          ((((uint64_t)(pte) >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << VM_PAGE_SHIFT)

#define VM_NO_MAPPING (~0ul)

#define MMIO_VA_BASE   0xffffffc000000000ul /* the first upper-half Sv39 address */
#define KSTACK_VA_BASE 0x3800000000ul       /* 224 GiB: process kernel stacks */
#define KSTACK_VA_SIZE 0x0100000000ul       /* 4 GiB of slots */

typedef uint64_t pte_t;

/*
 * Maps [va, va+size) to [pa, pa+size) with perm (PTE_R/W/X), using 2 MiB
 * pages where alignment allows. Returns 0, or -1 when out of page-table pages.
 * The caller flushes (sfence_vma_*) before relying on the new mappings.
 */
int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/*
 * Clears the 4 KiB mapping of va; returns the page it mapped, or VM_NO_MAPPING
 * (also when va lies inside a 2 MiB page). The caller flushes.
 */
uint64_t vm_unmap_page(pte_t *root, uint64_t va);
/*
 * The level-0 PTE for va under root, allocating missing tables when alloc;
 * NULL when va is not a canonical Sv39 address, lies in a larger page, or
 * a table could not be allocated.
 */
pte_t *vm_walk(pte_t *root, uint64_t va, int alloc);
/* Copies the kernel root's entries for every address from USER_TOP up into root. */
void vm_share_kernel_half(pte_t *root);
/* The virtual address of device register pa: identity until paging is on, then upper half. */
uintptr_t mmio_va(uintptr_t pa);
/* Pages the kernel's table tree holds now (it never frees them: they are reused). */
uint64_t vm_kernel_table_pages(void);
/* The satp value of the kernel page table. */
uint64_t vm_kernel_satp(void);
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
/* test=vm (kernel/vm_selftest.c): map, unmap and translate on the live table. */
void vm_selftest(void);

#endif
