/*
 * kernel/pmp.c - the boot-time lock proof and PMP fault messages.
 *
 * OpenSBI 1.1 turns each domain region into a PMP entry (smallest first,
 * first match wins), and an S-mode access no entry matches faults. The
 * kernel domain is an allow-list (sbi/magma-domains.dtsi.in): its RAM and
 * the devices it drives. Inside RAM, guard private has no permissions, the
 * root range is read-only and the firmware is M-mode only; fw_cfg, whose
 * DMA can write any address, is left out.
 */
#include "pmp.h"

#include "board.h"
#include "console.h"
#include "panic.h"
#include "probe.h"
#include "riscv.h"
#include "vm.h"

#define GUARDED_MAX 4

struct guarded_range {
	uint64_t base, size;
	const char *name;
	const char *rule;
	int readable; /* loads must work and stores fault; otherwise loads fault */
};

static int guarded_ranges(struct guarded_range out[GUARDED_MAX])
{
	int n = 0;
	out[n++] = (struct guarded_range){ board.guard_private.base, board.guard_private.size,
					   "guard private", "no kernel access", 0 };
	out[n++] = (struct guarded_range){ board.root.base, board.root.size, "root range",
					   "read-only to the kernel", 1 };
	out[n++] = (struct guarded_range){ MAGMA_FIRMWARE_BASE, MAGMA_FIRMWARE_SIZE,
					   "OpenSBI firmware", "M-mode only", 0 };
	if (board.fw_cfg.size)
		out[n++] = (struct guarded_range){ board.fw_cfg.base, board.fw_cfg.size, "fw_cfg",
						   "no kernel access: its DMA writes anywhere", 0 };
	return n;
}

static uint64_t last_byte(const struct guarded_range *r)
{
	return r->base + r->size - 1;
}

/* Whether an access to byte pa of r gave the scause it must (0: no fault); logs it if not. */
static int probe_ok(const struct guarded_range *r, const char *access, uintptr_t pa, uint64_t got,
		    uint64_t want)
{
	if (got == want)
		return 1;
	const char *end = pa == r->base ? "first" : "last";
	if (got == 0)
		kprintf("magma: lock check FAILED: %s 0x%lx-0x%lx: %s its %s byte 0x%lx went through "
			"(want scause %lu)\n",
			r->name, r->base, last_byte(r), access, end, pa, want);
	else
		kprintf("magma: lock check FAILED: %s 0x%lx-0x%lx: %s its %s byte 0x%lx gave scause "
			"%lu (want %lu)\n",
			r->name, r->base, last_byte(r), access, end, pa, got, want);
	return 0;
}

/* Probes the first and the last byte of r as its rule says; 1 when both behaved. */
static int prove_range(const struct guarded_range *r)
{
	uintptr_t ends[2] = { r->base, last_byte(r) };
	int ok = 1;
	for (int i = 0; i < 2; i++) {
		uint64_t load = probe_load_u8(ends[i]);
		if (!r->readable) {
			ok &= probe_ok(r, "load from", ends[i], load, EXC_LOAD_ACCESS);
			continue;
		}
		ok &= probe_ok(r, "load from", ends[i], load, 0);
		/* Writes back what is there, so a lock that fails to hold loses nothing. */
		uint8_t byte = *(volatile uint8_t *)ends[i];
		ok &= probe_ok(r, "store to", ends[i], probe_store_u8(ends[i], byte),
			       EXC_STORE_ACCESS);
	}
	if (!ok)
		return 0;
	if (r->readable)
		kprintf("magma: lock check: %s 0x%lx-0x%lx (%s): loads from its first and last "
			"byte work, stores fault (scause %d)\n",
			r->name, r->base, last_byte(r), r->rule, EXC_STORE_ACCESS);
	else
		kprintf("magma: lock check: %s 0x%lx-0x%lx (%s): loads from its first and last "
			"byte fault (scause %d)\n",
			r->name, r->base, last_byte(r), r->rule, EXC_LOAD_ACCESS);
	return 1;
}

int pmp_prove_lock(void)
{
	struct guarded_range ranges[GUARDED_MAX];
	int n = guarded_ranges(ranges), held = 0;
	for (int i = 0; i < n; i++)
		held += prove_range(&ranges[i]);
	if (held == n) {
		kprintf("magma: lock check: %d ranges, first and last byte of each: PMP lock OK\n",
			n);
		return 0;
	}
	kprintf("magma: lock check FAILED for %d of %d ranges: PMP does not keep the kernel out: "
		"check that OpenSBI parsed the domains (its banner lists them) and that the region "
		"encoding matches its version\n",
		n - held, n);
	return -1;
}

void pmp_explain_fault(uint64_t scause, uint64_t va, uint64_t pc)
{
	int pmp = scause == EXC_LOAD_ACCESS || scause == EXC_STORE_ACCESS ||
		  scause == EXC_INST_ACCESS;
	int page = scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE || scause == EXC_INST_PAGE;
	if (!pmp && !page)
		return;
	uint64_t pa = vm_kernel_translate(va);
	if (pa == VM_NO_MAPPING)
		pa = va; /* paging off, or an unmapped identity address */
	struct guarded_range ranges[GUARDED_MAX];
	int n = guarded_ranges(ranges);
	for (int i = 0; i < n; i++) {
		const struct guarded_range *r = &ranges[i];
		if (pa < r->base || pa - r->base >= r->size)
			continue;
		const char *access =
			scause == EXC_STORE_ACCESS || scause == EXC_STORE_PAGE ? "store"
			: scause == EXC_LOAD_ACCESS || scause == EXC_LOAD_PAGE ? "load"
									       : "fetch";
		if (pmp)
			panic("PMP: %s access fault at 0x%lx (pa 0x%lx) in the %s 0x%lx-0x%lx (%s), "
			      "pc 0x%lx",
			      access, va, pa, r->name, r->base, last_byte(r), r->rule, pc);
		panic("page table: %s page fault at 0x%lx in the %s 0x%lx-0x%lx (%s; the kernel "
		      "page table maps it so), pc 0x%lx",
		      access, va, r->name, r->base, last_byte(r), r->rule, pc);
	}
}
