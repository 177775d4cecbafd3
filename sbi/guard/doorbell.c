/*
 * sbi/guard/doorbell.c - IMSIC doorbells for the guard (AIA spec, chapter 3).
 */
#include "doorbell.h"

#include "../../lib/mbox.h"
#include "../../include/layout.h"

#define IRQ_S_EXT  9
#define IMSIC_PAGE 0x1000u
#define SIE_SEIE   (1ul << 9)

static volatile uint32_t *pages[MAGMA_MAX_HARTS];
static uint64_t self_hart;
static int enabled;

/* The hart id behind a cpu interrupt-controller phandle. */
static int hart_of_intc(const struct fdt *tree, uint32_t phandle, uint64_t *hart)
{
	int intc = fdt_node_by_phandle(tree, phandle);
	int cpu = intc >= 0 ? fdt_parent(tree, intc) : intc;
	uint64_t size;
	return cpu >= 0 ? fdt_reg(tree, cpu, 0, hart, &size) : cpu;
}

int doorbell_init(const struct fdt *tree, uint64_t self)
{
	self_hart = self;
	for (int node = fdt_find_compatible(tree, -1, "riscv,imsics"); node >= 0;
	     node = fdt_find_compatible(tree, node, "riscv,imsics")) {
		const void *v;
		uint32_t len;
		uint64_t base, size;
		if (fdt_prop(tree, node, "interrupts-extended", &v, &len) || len % 8 ||
		    fdt_reg(tree, node, 0, &base, &size))
			continue;
		const uint8_t *pairs = v;
		if (len == 0 || fdt_be32(pairs + 4) != IRQ_S_EXT)
			continue; /* the M-level IMSIC */
		for (uint32_t i = 0; i < len / 8; i++) {
			uint64_t hart;
			if (hart_of_intc(tree, fdt_be32(pairs + 8 * i), &hart) == 0 &&
			    hart < MAGMA_MAX_HARTS)
				pages[hart] =
					(volatile uint32_t *)(base + (uint64_t)i * IMSIC_PAGE);
		}
		/* This hart's S-file: deliver, no threshold, the doorbell identity on. */
		asm volatile("csrw 0x150, %0; csrw 0x151, %1" : : "r"(0x70ul), "r"(1ul));
		asm volatile("csrw 0x150, %0; csrw 0x151, %1" : : "r"(0x72ul), "r"(0ul));
		asm volatile("csrw 0x150, %0; csrs 0x151, %1"
			     :
			     : "r"(0xc0ul), "r"(1ul << MBOX_DOORBELL_EIID));
		asm volatile("csrs sie, %0" : : "r"(SIE_SEIE));
		enabled = 1;
		return 1;
	}
	return 0;
}

void doorbell_ring(uint64_t hart)
{
	if (enabled && hart < MAGMA_MAX_HARTS && hart != self_hart && pages[hart])
		*pages[hart] = MBOX_DOORBELL_EIID;
}

void doorbell_ring_others(void)
{
	for (uint64_t h = 0; h < MAGMA_MAX_HARTS; h++)
		doorbell_ring(h);
}

int doorbell_claim(void)
{
	int n = 0;
	if (!enabled)
		return 0;
	for (;;) {
		uint64_t top;
		asm volatile("csrrw %0, 0x15c, zero" : "=r"(top));
		if (((top >> 16) & 0x7ff) == 0)
			return n;
		n++;
	}
}
