/*
 * kernel/intr.c - picks the interrupt driver and dispatches device interrupts.
 */
#include "intr.h"

#include <stdarg.h>

#include "../lib/fmt.h"
#include "../mm/fdt.h"
#include "console.h"
#include "hart.h"
#include "intr_driver.h"
#include "panic.h"

static const struct intr_driver *driver;
static intr_handler handlers[INTR_MAX_SOURCES];
static struct intr_mmio mmio[INTR_MAX_MMIO];
static int mmio_count;
static char description[160];

int intr_init(const struct fdt *fdt)
{
	/* The AIA is preferred: it is what the default machine has. */
	static const struct intr_driver *const candidates[] = { &aia_driver, &plic_driver };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		int err = candidates[i]->probe(fdt);
		if (err == 0) {
			driver = candidates[i];
			return 0;
		}
		if (err != FDT_ERR_NOTFOUND) {
			kprintf("magma: interrupts: %s controller in the device tree is unusable: %s\n",
				candidates[i]->name, fdt_strerror(err));
			return err;
		}
	}
	kprintf("magma: interrupts: the device tree has neither an S-level APLIC+IMSIC nor a PLIC\n");
	return FDT_ERR_NOTFOUND;
}

const char *intr_driver_name(void)
{
	return driver ? driver->name : "none";
}

const char *intr_description(void)
{
	return description;
}

void intr_describe(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fmt_vsnprintf(description, sizeof(description), fmt, args);
	va_end(args);
}

void intr_add_mmio(uintptr_t base, uintptr_t size)
{
	if (mmio_count == INTR_MAX_MMIO)
		panic("intr: more than %d MMIO ranges (adding 0x%lx)", INTR_MAX_MMIO, base);
	mmio[mmio_count++] = (struct intr_mmio){ base, size };
}

const struct intr_mmio *intr_mmio_ranges(int *count)
{
	*count = mmio_count;
	return mmio;
}

void intr_init_hart(void)
{
	driver->init_hart(this_hartid());
	csr_set(sie, SIE_SEIE | SIE_SSIE);
}

int intr_attach(uint32_t source, uint32_t trigger, uint64_t hartid, intr_handler fn)
{
	if (source == 0 || source >= INTR_MAX_SOURCES)
		return FDT_ERR_BADVALUE;
	handlers[source] = fn;
	return driver->enable_source(source, trigger, hartid);
}

void intr_send_ipi(uint64_t hartid)
{
	fence(); /* what the sender wrote is visible before the receiver runs */
	driver->send_ipi(hartid);
}

int intr_ring_doorbell(uint64_t hartid)
{
	if (!driver->ring_doorbell)
		return -1;
	fence(); /* the request is visible before the guard wakes */
	driver->ring_doorbell(hartid);
	return 0;
}

void intr_handle_external(void)
{
	driver->handle_external();
}

void intr_dispatch(uint32_t source)
{
	if (source >= INTR_MAX_SOURCES || !handlers[source])
		panic("intr: interrupt from source %u, which has no handler (%s)", source,
		      driver->name);
	handlers[source]();
}

/* The hart whose cpu node holds the interrupt controller with this phandle. */
static int hartid_of_intc(const struct fdt *fdt, uint32_t phandle, uint64_t *hartid)
{
	int intc = fdt_node_by_phandle(fdt, phandle);
	if (intc < 0)
		return intc;
	int cpu = fdt_parent(fdt, intc);
	if (cpu < 0)
		return cpu;
	uint64_t size;
	return fdt_reg(fdt, cpu, 0, hartid, &size);
}

int intr_for_each_context(const struct fdt *fdt, int node, uint32_t want_irq,
			  void (*fn)(void *ctx, uint32_t index, uint64_t hartid), void *ctx)
{
	const void *value;
	uint32_t len;
	int err = fdt_prop(fdt, node, "interrupts-extended", &value, &len);
	if (err)
		return err;
	if (len % 8)
		return FDT_ERR_BADVALUE;
	int matched = 0;
	for (uint32_t i = 0; i < len / 8; i++) {
		const uint8_t *pair = (const uint8_t *)value + 8 * i;
		if (fdt_be32(pair + 4) != want_irq)
			continue;
		uint64_t hartid;
		err = hartid_of_intc(fdt, fdt_be32(pair), &hartid);
		if (err)
			return err;
		if (hartid < MAGMA_MAX_HARTS)
			fn(ctx, i, hartid);
		matched++;
	}
	return matched;
}
