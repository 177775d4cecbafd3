/*
 * kernel/plic.c - the PLIC driver (RISC-V PLIC specification v1.0).
 *
 * Each hart's S-mode is one PLIC "context"; which context belongs to which
 * hart comes from the tree's interrupts-extended (pairs of cpu-intc phandle
 * and 9 = S external interrupt), never from a formula. IPIs go through SBI
 * and arrive as supervisor software interrupts.
 */
#include "../mm/fdt.h"
#include "hart.h"
#include "vm.h"
#include "intr_driver.h"
#include "sbi.h"

#define PLIC_PRIORITY(src)    (4 * (src))
#define PLIC_ENABLE(ctx, src) (0x2000 + 0x80 * (ctx) + 4 * ((src) / 32))
#define PLIC_THRESHOLD(ctx)   (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)       (0x200004 + 0x1000 * (ctx))
#define NO_CONTEXT            0xffffffffu

static struct {
	uintptr_t base;
	uint32_t ndev;
	uint32_t context[MAGMA_MAX_HARTS];
} plic;

static volatile uint32_t *reg(uint64_t off)
{
	return (volatile uint32_t *)mmio_va(plic.base + off);
}

static void record_context(void *ctx, uint32_t index, uint64_t hartid)
{
	(void)ctx;
	plic.context[hartid] = index;
}

static int plic_probe(const struct fdt *fdt)
{
	int node = fdt_find_compatible(fdt, -1, "riscv,plic0");
	if (node < 0)
		node = fdt_find_compatible(fdt, -1, "sifive,plic-1.0.0");
	if (node < 0)
		return FDT_ERR_NOTFOUND;
	uint64_t base, size;
	int err = fdt_reg(fdt, node, 0, &base, &size);
	if (err)
		return err;
	if (fdt_prop_u32(fdt, node, "riscv,ndev", &plic.ndev) || plic.ndev >= INTR_MAX_SOURCES)
		return FDT_ERR_BADVALUE;
	for (int i = 0; i < MAGMA_MAX_HARTS; i++)
		plic.context[i] = NO_CONTEXT;
	err = intr_for_each_context(fdt, node, IRQ_S_EXT, record_context, 0);
	if (err < 0)
		return err;
	plic.base = base;
	intr_add_mmio(base, size);
	intr_describe("plic (0x%lx, %u sources)", base, plic.ndev);
	return 0;
}

static void plic_init_hart(uint64_t hartid)
{
	if (plic.context[hartid] != NO_CONTEXT)
		*reg(PLIC_THRESHOLD(plic.context[hartid])) = 0;
}

static int plic_enable_source(uint32_t source, uint32_t trigger, uint64_t hartid)
{
	(void)trigger; /* the PLIC's gateways handle both kinds alike */
	if (source == 0 || source > plic.ndev || hartid >= MAGMA_MAX_HARTS ||
	    plic.context[hartid] == NO_CONTEXT)
		return FDT_ERR_BADVALUE;
	*reg(PLIC_PRIORITY(source)) = 1;
	*reg(PLIC_ENABLE(plic.context[hartid], source)) |= 1u << (source % 32);
	return 0;
}

static void plic_send_ipi(uint64_t hartid)
{
	sbi_send_ipi(1, hartid);
}

static void plic_handle_external(void)
{
	uint32_t ctx = plic.context[this_hartid()];
	for (;;) {
		uint32_t source = *reg(PLIC_CLAIM(ctx));
		if (source == 0)
			return;
		intr_dispatch(source);
		*reg(PLIC_CLAIM(ctx)) = source;
	}
}

const struct intr_driver plic_driver = {
	.name = "plic",
	.probe = plic_probe,
	.init_hart = plic_init_hart,
	.enable_source = plic_enable_source,
	.send_ipi = plic_send_ipi,
	.handle_external = plic_handle_external,
};
