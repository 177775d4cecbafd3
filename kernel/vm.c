/*
 * kernel/vm.c - building the kernel's Sv39 page table.
 *
 * Sv39: a 39-bit virtual address is three 9-bit indices (VPN[2..0]) and a
 * 12-bit offset. A PTE with R, W or X set is a leaf; at level 1 a leaf maps
 * 2 MiB. A and D are set up front so no hardware needs to update them.
 */
#include "vm.h"

#include "../include/user_layout.h"
#include "kmalloc.h"
#include "../mm/memmap.h"
#include "board.h"
#include "console.h"
#include "intr.h"
#include "panic.h"
#include "kalloc.h"
#include "riscv.h"

#define MEGAPAGE VM_LEVEL_SIZE(1)

/* Section boundaries from kernel.ld. */
extern char __text_start[], __text_end[], __rodata_end[], __kernel_end[];

static pte_t *kernel_root;
static uint64_t kernel_tables; /* pages in the kernel's table tree, root included */
static uintptr_t mmio_offset;  /* 0 until this kernel's paging is on, then MMIO_VA_BASE */

/* Sv39 addresses are canonical: bits 63:39 all equal bit 38. */
static int canonical(uint64_t va)
{
	return va < VM_MAXVA || va >= MMIO_VA_BASE;
}

/*
 * The one page-table walk: the PTE for va at `level` in the table tree under
 * root. Stops early at a leaf above `level` (a larger page covering va) and
 * returns that leaf; *found_level always says which level the result is at.
 * A missing table on the way is allocated (zeroed) when `alloc` is set;
 * otherwise, or when out of pages, or for va >= VM_MAXVA, the result is NULL.
 */
static pte_t *walk(pte_t *root, uint64_t va, int level, int alloc, int *found_level)
{
	if (!canonical(va))
		return 0;
	pte_t *table = root;
	for (int l = VM_LEVELS - 1; l > level; l--) {
		pte_t *pte = &table[PX(l, va)];
		if ((*pte & PTE_V) && (*pte & PTE_LEAF)) {
			*found_level = l;
			return pte;
		}
		if (!(*pte & PTE_V)) {
			pte_t *next = alloc ? page_alloc() : 0;
			if (!next)
				return 0;
			*pte = PA2PTE(next) | PTE_V;
			if (root == kernel_root)
				__atomic_fetch_add(&kernel_tables, 1, __ATOMIC_RELAXED);
		}
		table = (pte_t *)PTE2PA(*pte);
	}
	*found_level = level;
	return &table[PX(level, va)];
}

pte_t *vm_walk(pte_t *root, uint64_t va, int alloc)
{
	int found;
	pte_t *pte = walk(root, va, 0, alloc, &found);
	return pte && found == 0 ? pte : 0;
}

int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	uint64_t end = va + size;
	if (!canonical(va) || (end - 1 < va) || !canonical(end - 1) ||
	    (va < VM_MAXVA) != (end - 1 < VM_MAXVA))
		panic("vm: mapping [0x%lx, +0x%lx) is not inside one half of Sv39", va, size);
	while (va < end) {
		// LAB(pgtbl) begin
		/* Level 1 (a 2 MiB page) where one fits, else level 0 (4 KiB). */
		int level = va % MEGAPAGE == 0 && pa % MEGAPAGE == 0 && end - va >= MEGAPAGE;
		// LAB(pgtbl) stub
		// /* TODO(lab pgtbl): a 2 MiB page (level 1) wherever one fits. */
		// int level = 0;
		// LAB(pgtbl) end
		int found;
		pte_t *pte = walk(root, va, level, 1, &found);
		if (!pte)
			return -1;
		if (found != level)
			panic("vm: mapping 0x%lx inside an existing level-%d page (pte 0x%lx)", va,
			      found, *pte);
		if (*pte & PTE_V)
			panic("vm: 0x%lx is already mapped (pte 0x%lx)", va, *pte);
		*pte = PA2PTE(pa) | perm | PTE_A | PTE_D | PTE_V;
		va += VM_LEVEL_SIZE(level);
		pa += VM_LEVEL_SIZE(level);
	}
	return 0;
}

uint64_t vm_unmap_page(pte_t *root, uint64_t va)
{
	int found;
	pte_t *leaf = walk(root, va, 0, 0, &found);
	if (!leaf || found != 0 || !(*leaf & PTE_V))
		return VM_NO_MAPPING;
	uint64_t pa = PTE2PA(*leaf);
	*leaf = 0;
	return pa;
}

uint64_t vm_kernel_translate(uint64_t va)
{
	if (!kernel_root || !(csr_read(satp) & SATP_MODE_MASK))
		return VM_NO_MAPPING;
	int found;
	pte_t *leaf = walk(kernel_root, va, 0, 0, &found);
	if (!leaf || !(*leaf & PTE_V))
		return VM_NO_MAPPING;
	return PTE2PA(*leaf) + (va & (VM_LEVEL_SIZE(found) - 1));
}

static void map_at_or_panic(uint64_t va_base, uint64_t base, uint64_t size, uint64_t perm,
			    const char *what)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (vm_map(kernel_root, va_base + start, start, end - start, perm))
		panic("vm: out of pages mapping %s at 0x%lx", what, base);
}

static void map_or_panic(uint64_t base, uint64_t size, uint64_t perm, const char *what)
{
	map_at_or_panic(0, base, size, perm, what);
}

/* A device: identity (used before the switch to mmio_va) and in the upper half. */
static void map_device_or_panic(uint64_t base, uint64_t size, const char *what)
{
	map_or_panic(base, size, PTE_R | PTE_W, what);
	map_at_or_panic(MMIO_VA_BASE, base, size, PTE_R | PTE_W, what);
}

/* Makes the level-1 table of every root entry in [va, va + size) now, not when first used. */
static void prepare_window(uint64_t va, uint64_t size, const char *what)
{
	for (uint64_t at = va; at < va + size; at += VM_LEVEL_SIZE(2)) {
		pte_t *entry = &kernel_root[PX(2, at)];
		if (*entry & PTE_V)
			continue;
		pte_t *table = page_alloc();
		if (!table)
			panic("vm: no page for the %s window's table at 0x%lx", what, at);
		*entry = PA2PTE(table) | PTE_V;
		kernel_tables++;
	}
}

uint64_t vm_kernel_table_pages(void)
{
	return __atomic_load_n(&kernel_tables, __ATOMIC_RELAXED);
}

void vm_build_kernel_table(const struct memmap *map)
{
	kernel_root = page_alloc();
	if (!kernel_root)
		panic("vm: no page for the kernel page table root");
	kernel_tables = 1;
	uintptr_t text = (uintptr_t)__text_start, text_end = (uintptr_t)__text_end;
	uintptr_t rodata_end = (uintptr_t)__rodata_end, kernel_end = (uintptr_t)__kernel_end;

	map_or_panic(text, text_end - text, PTE_R | PTE_X, "kernel text");
	map_or_panic(text_end, rodata_end - text_end, PTE_R, "kernel rodata");
	map_or_panic(rodata_end, kernel_end - rodata_end, PTE_R | PTE_W, "kernel data");
	map_or_panic(board.root.base, board.root.size, PTE_R, "root range");
	map_or_panic(board.mailbox.base, board.mailbox.size, PTE_R | PTE_W, "mailbox");

	/* Every usable page (the frames mm/frame hands out), and the tree, read only. */
	for (int i = 0; i < map->usable_count; i++)
		map_or_panic(map->usable[i].base, map->usable[i].size, PTE_R | PTE_W, "usable RAM");
	map_or_panic(board.fdt_pa, board.fdt_size, PTE_R, "device tree");

	map_device_or_panic(board.uart_base, board.uart_size, "UART");
	for (int i = 0; i < board.virtio_count; i++)
		map_device_or_panic(board.virtio[i].base, board.virtio[i].size, "virtio-mmio slot");
	int count;
	const struct intr_mmio *mmio = intr_mmio_ranges(&count);
	for (int i = 0; i < count; i++)
		map_device_or_panic(mmio[i].base, mmio[i].size, "interrupt controller");

	for (int i = 0; i < map->usable_count; i++)
		if (map->usable[i].base < USER_TOP)
			panic("vm: usable RAM at 0x%lx lies in user space (below 0x%x)",
			      map->usable[i].base, USER_TOP);
	prepare_window(KHEAP_VA_BASE, KHEAP_VA_SIZE, "kernel heap");
	prepare_window(KSTACK_VA_BASE, KSTACK_VA_SIZE, "kernel stack");
}

void vm_share_kernel_half(pte_t *root)
{
	for (uint64_t i = PX(2, USER_TOP); i < 512; i++)
		root[i] = kernel_root[i];
}

uintptr_t mmio_va(uintptr_t pa)
{
	return pa + mmio_offset;
}

uint64_t vm_kernel_satp(void)
{
	return SATP_SV39(kernel_root);
}

pte_t *vm_kernel_root(void)
{
	return kernel_root;
}

void vm_enable_hart(void)
{
	sfence_vma_all(); /* the table's stores, before the walker may read it */
	csr_write(satp, SATP_SV39(kernel_root));
	sfence_vma_all();
	mmio_offset = MMIO_VA_BASE; /* every hart's table maps devices there now */
}
