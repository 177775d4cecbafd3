/*
 * kernel/pmp.c - the boot-time lock proof and PMP fault messages.
 *
 * OpenSBI 1.1 turns each domain region into a PMP entry (smallest first,
 * first match wins). For the kernel domain: guard private has no
 * permissions, the root range is read-only, the firmware is M-mode only.
 */
#include "pmp.h"

#include "board.h"
#include "console.h"
#include "panic.h"
#include "probe.h"
#include "riscv.h"
#include "vm.h"

struct guarded_range {
	uint64_t base, size;
	const char *name;
	const char *rule;
};

static int guarded_ranges(struct guarded_range out[3])
{
	out[0] = (struct guarded_range){ board.guard_private.base, board.guard_private.size,
					 "guard private", "no kernel access" };
	out[1] = (struct guarded_range){ board.root.base, board.root.size, "root range",
					 "read-only to the kernel" };
	out[2] = (struct guarded_range){ MAGMA_FIRMWARE_BASE, MAGMA_FIRMWARE_SIZE,
					 "OpenSBI firmware", "M-mode only" };
	return 3;
}

int pmp_prove_lock(void)
{
	uintptr_t private_pa = board.guard_private.base;
	uintptr_t root_pa = board.root.base;
	uint64_t load_cause = probe_load_u8(private_pa);
	/* Writes back what is there, so a lock that fails to hold loses nothing. */
	uint8_t root_byte = *(volatile uint8_t *)root_pa;
	uint64_t store_cause = probe_store_u8(root_pa, root_byte);

	int ok = load_cause == EXC_LOAD_ACCESS && store_cause == EXC_STORE_ACCESS;
	if (ok) {
		kprintf("magma: lock check: load from guard private 0x%lx faulted (scause %lu), "
			"store to root 0x%lx faulted (scause %lu): PMP lock OK\n",
			private_pa, load_cause, root_pa, store_cause);
		return 0;
	}
	kprintf("magma: lock check FAILED: load from guard private 0x%lx gave scause %lu "
		"(want %d), store to root 0x%lx gave scause %lu (want %d)\n",
		private_pa, load_cause, EXC_LOAD_ACCESS, root_pa, store_cause, EXC_STORE_ACCESS);
	kprintf("magma: the guard's memory is not protected: check that OpenSBI parsed the "
		"domains (its banner lists them) and that the region encoding matches its version\n");
	return -1;
}

void pmp_explain_fault(uint64_t scause, uint64_t va, uint64_t pc)
{
	int pmp = scause == EXC_LOAD_ACCESS || scause == EXC_STORE_ACCESS ||
		  scause == EXC_INST_ACCESS;
	int page = scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE ||
		   scause == EXC_INST_PAGE;
	if (!pmp && !page)
		return;
	uint64_t pa = vm_kernel_translate(va);
	if (pa == VM_NO_MAPPING)
		pa = va; /* paging off, or an unmapped identity address */
	struct guarded_range ranges[3];
	int n = guarded_ranges(ranges);
	for (int i = 0; i < n; i++) {
		const struct guarded_range *r = &ranges[i];
		if (pa < r->base || pa - r->base >= r->size)
			continue;
		const char *access = scause == EXC_STORE_ACCESS || scause == EXC_STORE_PAGE ? "store"
				     : scause == EXC_LOAD_ACCESS || scause == EXC_LOAD_PAGE ? "load"
											    : "fetch";
		if (pmp)
			panic("PMP: %s access fault at 0x%lx (pa 0x%lx) in the %s 0x%lx-0x%lx (%s), "
			      "pc 0x%lx", access, va, pa, r->name, r->base, r->base + r->size - 1,
			      r->rule, pc);
		panic("page table: %s page fault at 0x%lx in the %s 0x%lx-0x%lx (%s; the kernel "
		      "page table maps it so), pc 0x%lx", access, va, r->name, r->base,
		      r->base + r->size - 1, r->rule, pc);
	}
}
