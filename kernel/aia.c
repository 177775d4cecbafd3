/*
 * kernel/aia.c - the AIA driver: S-level APLIC in MSI mode + IMSIC S-files.
 *
 * RISC-V AIA specification v1.0. A wired interrupt reaches a hart like this:
 * device -> APLIC source (sourcecfg says level/edge) -> the APLIC writes an
 * MSI (the EIID from target[i]) into the hart's IMSIC page -> the IMSIC
 * raises S external interrupt -> the hart claims the top identity by
 * swapping stopei (identity in bits 26:16).
 *
 * IPIs need no SBI call: any hart writes the EIID to another hart's IMSIC
 * page (its seteipnum_le register at offset 0).
 *
 * EIIDs: 1 is the kernel IPI, 2 the guard's doorbell (lib/mbox.h); wired
 * source s arrives as EIID 16 + s.
 * OpenSBI delegates all wired sources to this S-level APLIC (the tree's
 * riscv,delegate) and programs its MSI address, so we only configure
 * domaincfg, sourcecfg, target and the enables.
 */
#include "../lib/mbox.h"
#include "../mm/fdt.h"
#include "console.h"
#include "vm.h"
#include "guard.h"
#include "hart.h"
#include "intr_driver.h"
#include "ipi.h"

#define IMSIC_PAGE_SIZE  0x1000u
#define EIID_IPI         1u
#define EIID_DEVICE_BASE 16u

/* APLIC register offsets (AIA spec 4.5). */
#define APLIC_DOMAINCFG    0x0000
#define APLIC_SOURCECFG(i) (0x0004 + 4 * ((i)-1))
#define APLIC_SETIPNUM     0x1cdc
#define APLIC_IN_CLRIP(i)  (0x1d00 + 4 * ((i) / 32)) /* read: rectified inputs, bit i % 32 */
#define APLIC_SETIENUM     0x1edc
#define APLIC_TARGET(i)    (0x3004 + 4 * ((i)-1))

#define DOMAINCFG_IE         (1u << 8)
#define DOMAINCFG_DM_MSI     (1u << 2)
#define SOURCECFG_EDGE_RISE  4u
#define SOURCECFG_EDGE_FALL  5u
#define SOURCECFG_LEVEL_HIGH 6u
#define SOURCECFG_LEVEL_LOW  7u
#define TARGET_HART_SHIFT    18

static struct {
	uintptr_t aplic;
	uint32_t nsources;
	uint32_t num_ids;
	uintptr_t imsic_base;
	uintptr_t imsic_page[MAGMA_MAX_HARTS];
	uint32_t imsic_index[MAGMA_MAX_HARTS];
	uint32_t page_stride;
	int level_source[INTR_MAX_SOURCES]; /* needs the retrigger of AIA 4.9.2 */
} aia;

static void aplic_write(uint32_t off, uint32_t value)
{
	*(volatile uint32_t *)mmio_va(aia.aplic + off) = value;
}

/* Whether wired source's line is asserted now (its rectified input value, AIA 4.5.8). */
static int aplic_input_high(uint32_t source)
{
	uint32_t inputs = *(volatile uint32_t *)mmio_va(aia.aplic + APLIC_IN_CLRIP(source));
	return (inputs >> (source % 32)) & 1;
}

static void record_file(void *ctx, uint32_t index, uint64_t hartid)
{
	(void)ctx;
	aia.imsic_page[hartid] = aia.imsic_base + (uintptr_t)index * aia.page_stride;
	aia.imsic_index[hartid] = index;
}

/* The IMSIC whose interrupt files deliver S-level external interrupts. */
static int find_s_imsic(const struct fdt *fdt, uint32_t *phandle)
{
	for (int node = fdt_find_compatible(fdt, -1, "riscv,imsics"); node >= 0;
	     node = fdt_find_compatible(fdt, node, "riscv,imsics")) {
		uint64_t size;
		if (fdt_reg(fdt, node, 0, &aia.imsic_base, &size))
			continue;
		uint32_t guest_bits = 0;
		fdt_prop_u32(fdt, node, "riscv,guest-index-bits", &guest_bits);
		if (guest_bits > 6)
			return FDT_ERR_BADVALUE;
		aia.page_stride = IMSIC_PAGE_SIZE << guest_bits;
		int matched = intr_for_each_context(fdt, node, IRQ_S_EXT, record_file, 0);
		if (matched < 0)
			return matched;
		if (matched == 0)
			continue; /* the M-level IMSIC */
		if (fdt_prop_u32(fdt, node, "riscv,num-ids", &aia.num_ids))
			return FDT_ERR_BADVALUE;
		if (fdt_prop_u32(fdt, node, "phandle", phandle))
			return FDT_ERR_BADVALUE;
		intr_add_mmio(aia.imsic_base, size);
		return 0;
	}
	return FDT_ERR_NOTFOUND;
}

static int aia_probe(const struct fdt *fdt)
{
	uint32_t imsic_phandle;
	int err = find_s_imsic(fdt, &imsic_phandle);
	if (err)
		return err;
	for (int node = fdt_find_compatible(fdt, -1, "riscv,aplic"); node >= 0;
	     node = fdt_find_compatible(fdt, node, "riscv,aplic")) {
		uint32_t parent;
		if (fdt_prop_u32(fdt, node, "msi-parent", &parent) || parent != imsic_phandle)
			continue;
		uint64_t base, size;
		if ((err = fdt_reg(fdt, node, 0, &base, &size)) != 0)
			return err;
		if (fdt_prop_u32(fdt, node, "riscv,num-sources", &aia.nsources))
			return FDT_ERR_BADVALUE;
		if (aia.nsources >= INTR_MAX_SOURCES ||
		    EIID_DEVICE_BASE + aia.nsources > aia.num_ids)
			return FDT_ERR_BADVALUE;
		aia.aplic = base;
		intr_add_mmio(base, size);
		aplic_write(APLIC_DOMAINCFG, DOMAINCFG_IE | DOMAINCFG_DM_MSI);
		intr_describe(
			"aia (S-level APLIC 0x%lx in MSI mode, %u sources; IMSIC S-files 0x%lx)",
			base, aia.nsources, aia.imsic_base);
		return 0;
	}
	return FDT_ERR_NOTFOUND;
}

/* Indirect access to this hart's IMSIC registers (AIA spec 3.1). */
static void imsic_write(uint64_t reg, uint64_t value)
{
	csr_write(CSR_SISELECT, reg);
	csr_write(CSR_SIREG, value);
}

static void imsic_set_bits(uint64_t reg, uint64_t bits)
{
	csr_write(CSR_SISELECT, reg);
	csr_set(CSR_SIREG, bits);
}

static void aia_init_hart(uint64_t hartid)
{
	(void)hartid;
	push_intr_off(); /* siselect is shared state within this hart */
	imsic_write(IMSIC_EIDELIVERY, 1);
	imsic_write(IMSIC_EITHRESHOLD, 0);
	/* Enable the IPI and every device EIID; on RV64 only even eie registers exist. */
	imsic_set_bits(IMSIC_EIE0 + 2 * (EIID_IPI / 64), 1ul << (EIID_IPI % 64));
	imsic_set_bits(IMSIC_EIE0 + 2 * (MBOX_DOORBELL_EIID / 64),
		       1ul << (MBOX_DOORBELL_EIID % 64));
	for (uint32_t id = EIID_DEVICE_BASE; id <= EIID_DEVICE_BASE + aia.nsources; id++)
		imsic_set_bits(IMSIC_EIE0 + 2 * (id / 64), 1ul << (id % 64));
	pop_intr_off();
}

static int aia_enable_source(uint32_t source, uint32_t trigger, uint64_t hartid)
{
	if (source == 0 || source > aia.nsources || hartid >= MAGMA_MAX_HARTS ||
	    !aia.imsic_page[hartid])
		return FDT_ERR_BADVALUE;
	uint32_t mode;
	switch (trigger) {
	case INTR_EDGE_RISING: mode = SOURCECFG_EDGE_RISE; break;
	case INTR_EDGE_FALLING: mode = SOURCECFG_EDGE_FALL; break;
	case INTR_LEVEL_LOW: mode = SOURCECFG_LEVEL_LOW; break;
	default: mode = SOURCECFG_LEVEL_HIGH; break;
	}
	aia.level_source[source] = mode >= SOURCECFG_LEVEL_HIGH;
	aplic_write(APLIC_SOURCECFG(source), mode);
	aplic_write(APLIC_TARGET(source),
		    aia.imsic_index[hartid] << TARGET_HART_SHIFT | (EIID_DEVICE_BASE + source));
	aplic_write(APLIC_SETIENUM, source);
	return 0;
}

static void aia_ring_doorbell(uint64_t hartid)
{
	if (hartid < MAGMA_MAX_HARTS && aia.imsic_page[hartid])
		*(volatile uint32_t *)mmio_va(aia.imsic_page[hartid]) = MBOX_DOORBELL_EIID;
}

static void aia_send_ipi(uint64_t hartid)
{
	*(volatile uint32_t *)mmio_va(aia.imsic_page[hartid]) = EIID_IPI;
}

static void aia_handle_external(void)
{
	for (;;) {
		uint64_t top = csr_swap(CSR_STOPEI, 0);
		uint32_t id = (top >> 16) & 0x7ff;
		if (id == 0)
			return;
		if (id == EIID_IPI) {
			ipi_receive();
			continue;
		}
		if (id == MBOX_DOORBELL_EIID) {
			guard_doorbell();
			continue;
		}
		uint32_t source = id - EIID_DEVICE_BASE;
		intr_dispatch(source);
		/*
		 * A level source in MSI mode is not re-sent while it stays high, so
		 * one still asserted is re-pended (AIA 4.9.2). Only then: QEMU 7.2's
		 * APLIC pends a level source on setipnum whatever its line, and an
		 * unconditional write would send its MSI again forever.
		 */
		if (aia.level_source[source] && aplic_input_high(source))
			aplic_write(APLIC_SETIPNUM, source);
	}
}

const struct intr_driver aia_driver = {
	.name = "aia",
	.probe = aia_probe,
	.init_hart = aia_init_hart,
	.enable_source = aia_enable_source,
	.send_ipi = aia_send_ipi,
	.ring_doorbell = aia_ring_doorbell,
	.handle_external = aia_handle_external,
};
