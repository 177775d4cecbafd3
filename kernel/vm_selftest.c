/*
 * kernel/vm_selftest.c - test=vm: the page-table walk behind vm_map,
 * vm_unmap_page and vm_kernel_translate, checked on the live kernel table.
 *
 * It maps at an address nothing else uses (TEST_VA) and only reads the
 * mappings back through the walk, never through the MMU, so no flush is
 * needed and nothing is touched. The 2 MiB mapping stays (the kernel has no
 * way to take a large page apart); a test boot ends soon after.
 */
#include "vm.h"

#include "../include/layout.h"
#include "console.h"
#include "kalloc.h"

#define TEST_VA 0x2800000000ul /* 160 GiB: clear of the identity map and the heap window */
#define MEGA    VM_LEVEL_SIZE(1)

static int failures;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	kprintf("magma: test vm: FAIL: %s: got 0x%lx, expected 0x%lx\n", what, got, want);
	failures++;
}

void vm_selftest(void)
{
	pte_t *root = vm_kernel_root();
	uint64_t big_pa = MAGMA_KERNEL_BASE; /* 2 MiB aligned; mapped read only, never read */
	expect("vm_map of a 2 MiB page", (uint64_t)vm_map(root, TEST_VA, big_pa, MEGA, PTE_R), 0);
	expect("translate inside the 2 MiB page", vm_kernel_translate(TEST_VA + 0x12345),
	       big_pa + 0x12345);
	expect("translate at its last byte", vm_kernel_translate(TEST_VA + MEGA - 1),
	       big_pa + MEGA - 1);
	expect("unmap of a 4 KiB page inside it", vm_unmap_page(root, TEST_VA + 0x1000),
	       VM_NO_MAPPING);
	expect("the 2 MiB page after that unmap", vm_kernel_translate(TEST_VA + 0x1000),
	       big_pa + 0x1000);

	void *page = page_alloc();
	uint64_t small_va = TEST_VA + MEGA, small_pa = (uint64_t)page;
	if (!page) {
		kprintf("magma: test vm: FAIL: no page to map\n");
		return;
	}
	expect("vm_map of a 4 KiB page",
	       (uint64_t)vm_map(root, small_va, small_pa, PAGE_SIZE, PTE_R), 0);
	expect("translate inside the 4 KiB page", vm_kernel_translate(small_va + 0x10),
	       small_pa + 0x10);
	expect("translate of the next, unmapped page", vm_kernel_translate(small_va + PAGE_SIZE),
	       VM_NO_MAPPING);
	expect("unmap of the 4 KiB page", vm_unmap_page(root, small_va), small_pa);
	expect("translate after unmap", vm_kernel_translate(small_va + 0x10), VM_NO_MAPPING);
	expect("a second unmap", vm_unmap_page(root, small_va), VM_NO_MAPPING);
	page_free(page);

	expect("translate of a never-mapped gigabyte", vm_kernel_translate(TEST_VA + (1ul << 30)),
	       VM_NO_MAPPING);
	expect("translate at VM_MAXVA", vm_kernel_translate(VM_MAXVA), VM_NO_MAPPING);
	expect("translate of kernel text", vm_kernel_translate(MAGMA_KERNEL_BASE + 0x40),
	       MAGMA_KERNEL_BASE + 0x40);
	kprintf("magma: test vm: %s\n", failures ? "FAIL" : "OK");
}
