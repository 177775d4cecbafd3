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
#include "../lib/fmt.h"
#include "console.h"
#include "panic.h"
#include "probe.h"
#include "riscv.h"
#include "vm.h"

int pmp_guarded_ranges(struct pmp_range out[PMP_RANGES_MAX])
{
	int n = 0;
	out[n++] = (struct pmp_range){ board.guard_private.base, board.guard_private.size,
				       "guard private", "no kernel access", 0 };
	out[n++] = (struct pmp_range){ board.root.base, board.root.size, "root range",
				       "read-only to the kernel", 1 };
	out[n++] = (struct pmp_range){ MAGMA_FIRMWARE_BASE, MAGMA_FIRMWARE_SIZE, "OpenSBI firmware",
				       "M-mode only", 0 };
	if (board.fw_cfg.size)
		out[n++] = (struct pmp_range){ board.fw_cfg.base, board.fw_cfg.size, "fw_cfg",
					       "no kernel access: its DMA writes anywhere", 0 };
	return n;
}

int pmp_range_holding(uint64_t pa, struct pmp_range *out)
{
	struct pmp_range ranges[PMP_RANGES_MAX];
	int n = pmp_guarded_ranges(ranges);
	for (int i = 0; i < n; i++) {
		if (pa >= ranges[i].base && pa - ranges[i].base < ranges[i].size) {
			*out = ranges[i];
			return 1;
		}
	}
	return 0;
}

/* Inline: a starter tree may have no caller yet. */
static inline uint64_t last_byte(const struct pmp_range *r)
{
	return r->base + r->size - 1;
}

// LAB(pmp) begin
/* Whether an access to byte pa of r gave the scause it must (0: no fault); logs it if not. */
static int probe_ok(const struct pmp_range *r, const char *access, uintptr_t pa, uint64_t got,
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
static int prove_range(const struct pmp_range *r)
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
	struct pmp_range ranges[PMP_RANGES_MAX];
	int n = pmp_guarded_ranges(ranges), held = 0;
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
// LAB(pmp) stub
// int pmp_prove_lock(void)
// {
// 	/*
// 	 * TODO(lab pmp): prove the lock instead of trusting the tree. For each
// 	 * pmp_guarded_ranges() range, probe its first and last byte with
// 	 * probe_load_u8 / probe_store_u8 (probe.h) and log what you saw; 0 only
// 	 * if every range behaved as its rule says (labs/pmp/README.md).
// 	 */
// 	return 0;
// }
// LAB(pmp) end

// LAB(pmp) begin
static const char *access_name(uint64_t scause)
{
	switch (scause) {
	case EXC_STORE_ACCESS:
	case EXC_STORE_PAGE: return "store";
	case EXC_LOAD_ACCESS:
	case EXC_LOAD_PAGE: return "load";
	default: return "fetch";
	}
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
	struct pmp_range r;
	if (!pmp_range_holding(pa, &r))
		return;
	if (pmp)
		panic("PMP: %s access fault at 0x%lx (pa 0x%lx) in the %s 0x%lx-0x%lx (%s), pc 0x%lx",
		      access_name(scause), va, pa, r.name, r.base, last_byte(&r), r.rule, pc);
	panic("page table: %s page fault at 0x%lx in the %s 0x%lx-0x%lx (%s; the kernel page "
	      "table maps it so), pc 0x%lx",
	      access_name(scause), va, r.name, r.base, last_byte(&r), r.rule, pc);
}
// LAB(pmp) stub
// void pmp_explain_fault(uint64_t scause, uint64_t va, uint64_t pc)
// {
// 	/*
// 	 * TODO(lab pmp): if va (through the kernel page table) lies in a guarded
// 	 * range, panic naming PMP, the access, va, pa, the range and pc.
// 	 */
// 	(void)scause;
// 	(void)va;
// 	(void)pc;
// }
// LAB(pmp) end

// LAB(pmp) begin
const char *pmp_explain_user_fault(uint64_t *pagetable, uint64_t va, char *buf, size_t n)
{
	pte_t *pte = vm_walk(pagetable, va, 0);
	if (!pte || !(*pte & PTE_V)) {
		fmt_snprintf(buf, n, "PMP refused it (va 0x%lx has no mapping now)", va);
		return buf;
	}
	uint64_t pa = PTE2PA(*pte) | (va & ((1ul << VM_PAGE_SHIFT) - 1));
	struct pmp_range r;
	if (pmp_range_holding(pa, &r))
		fmt_snprintf(buf, n,
			     "PMP refused it: pa 0x%lx lies in the %s 0x%lx-0x%lx (%s), whatever "
			     "the page table allows",
			     pa, r.name, r.base, last_byte(&r), r.rule);
	else
		fmt_snprintf(buf, n, "PMP refused it: pa 0x%lx is outside the kernel domain", pa);
	return buf;
}
// LAB(pmp) stub
// /* TODO(lab pmp): pmp_explain_user_fault (kernel/pmp.h), for kernel/usertrap.c. */
// LAB(pmp) end
