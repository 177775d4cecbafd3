/*
 * kernel/vm.c - building the kernel's Sv39 page table.
 *
 * Sv39: a 39-bit virtual address is three 9-bit indices (VPN[2..0]) and a
 * 12-bit offset. A PTE with R, W or X set is a leaf; at level 1 a leaf maps
 * 2 MiB. A and D are set up front so no hardware needs to update them.
 */
#include "vm.h"

#include "board.h"
#include "console.h"
#include "intr.h"
#include "panic.h"
#include "kalloc.h"
#include "riscv.h"

#define SATP_SV39 (8ul << 60)
#define MEGAPAGE (2ul << 20)

/* Section boundaries from kernel.ld. */
extern char __text_start[], __text_end[], __rodata_end[], __kernel_end[];

static pte_t *kernel_root;

static uint64_t vpn(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 0x1ff;
}

static pte_t *pte_table(pte_t pte)
{
	return (pte_t *)((pte >> 10) << 12);
}

/* The PTE for va at `level`, creating intermediate tables; NULL when out of pages. */
static pte_t *walk_create(pte_t *table, uint64_t va, int level)
{
	for (int l = 2; l > level; l--) {
		pte_t *pte = &table[vpn(va, l)];
		if (!(*pte & PTE_V)) {
			pte_t *next = page_alloc();
			if (!next)
				return 0;
			*pte = ((uint64_t)next >> 12) << 10 | PTE_V;
		} else if (*pte & (PTE_R | PTE_W | PTE_X)) {
			panic("vm: mapping 0x%lx inside an existing large page", va);
		}
		table = pte_table(*pte);
	}
	return &table[vpn(va, level)];
}

int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	uint64_t end = va + size;
	while (va < end) {
		int level = (va % MEGAPAGE == 0 && pa % MEGAPAGE == 0 && end - va >= MEGAPAGE) ? 1 : 0;
		uint64_t step = level ? MEGAPAGE : PAGE_SIZE;
		pte_t *pte = walk_create(root, va, level);
		if (!pte)
			return -1;
		if (*pte & PTE_V)
			panic("vm: 0x%lx is already mapped (pte 0x%lx)", va, *pte);
		*pte = (pa >> 12) << 10 | perm | PTE_A | PTE_D | PTE_V;
		va += step;
		pa += step;
	}
	return 0;
}

uint64_t vm_unmap_page(pte_t *root, uint64_t va)
{
	pte_t *table = root;
	for (int level = 2; level > 0; level--) {
		pte_t pte = table[vpn(va, level)];
		if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W | PTE_X)))
			return VM_NO_MAPPING; /* not mapped, or inside a large page */
		table = pte_table(pte);
	}
	pte_t *leaf = &table[vpn(va, 0)];
	if (!(*leaf & PTE_V))
		return VM_NO_MAPPING;
	uint64_t pa = (*leaf >> 10) << 12;
	*leaf = 0;
	return pa;
}

uint64_t vm_kernel_translate(uint64_t va)
{
	if (!kernel_root || !(csr_read(satp) >> 60))
		return VM_NO_MAPPING;
	pte_t *table = kernel_root;
	for (int level = 2; level >= 0; level--) {
		pte_t pte = table[vpn(va, level)];
		if (!(pte & PTE_V))
			return VM_NO_MAPPING;
		if (pte & (PTE_R | PTE_W | PTE_X)) {
			uint64_t page = 1ul << (12 + 9 * level);
			return ((pte >> 10) << 12) + (va & (page - 1));
		}
		table = pte_table(pte);
	}
	return VM_NO_MAPPING;
}

static void map_or_panic(uint64_t base, uint64_t size, uint64_t perm, const char *what)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (vm_map(kernel_root, start, start, end - start, perm))
		panic("vm: out of pages mapping %s at 0x%lx", what, base);
}

void vm_build_kernel_table(const struct memmap *map)
{
	kernel_root = page_alloc();
	if (!kernel_root)
		panic("vm: no page for the kernel page table root");
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
	map_or_panic(board.fdt_pa, board.fdt.total_size, PTE_R, "device tree");

	map_or_panic(board.uart_base, board.uart_size, PTE_R | PTE_W, "UART");
	int count;
	const struct intr_mmio *mmio = intr_mmio_ranges(&count);
	for (int i = 0; i < count; i++)
		map_or_panic(mmio[i].base, mmio[i].size, PTE_R | PTE_W, "interrupt controller");
}

pte_t *vm_kernel_root(void)
{
	return kernel_root;
}

void vm_enable_hart(void)
{
	asm volatile("sfence.vma zero, zero");
	csr_write(satp, SATP_SV39 | ((uint64_t)kernel_root >> 12));
	asm volatile("sfence.vma zero, zero");
}
