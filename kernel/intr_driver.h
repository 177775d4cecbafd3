/*
 * kernel/intr_driver.h - what an interrupt-controller driver provides.
 *
 * Private to intr.c and the drivers (aia.c, plic.c); the rest of the
 * kernel uses intr.h.
 */
#ifndef KERNEL_INTR_DRIVER_H
#define KERNEL_INTR_DRIVER_H

#include "intr.h"

#define INTR_MAX_SOURCES 1024
#define INTR_MAX_MMIO    4

struct intr_driver {
	const char *name;
	/* 0 when the controller is in the tree and initialised, FDT_ERR_NOTFOUND if absent. */
	int (*probe)(const struct fdt *fdt);
	void (*init_hart)(uint64_t hartid);
	int (*enable_source)(uint32_t source, uint32_t trigger, uint64_t hartid);
	void (*send_ipi)(uint64_t hartid);
	void (*ring_doorbell)(uint64_t hartid); /* NULL: the machine has no doorbells */
	void (*handle_external)(void);
};

extern const struct intr_driver aia_driver;
extern const struct intr_driver plic_driver;

/* Drivers call this for each claimed wired source. */
void intr_dispatch(uint32_t source);
/* Drivers record their MMIO ranges and a description for the boot log. */
void intr_add_mmio(uintptr_t base, uintptr_t size);
void intr_describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Walks a controller's interrupts-extended list: for each (cpu-intc phandle,
 * irq) pair at position i whose irq equals want_irq, calls fn(ctx, i, hartid).
 * Returns the number of pairs that matched, or a negative FDT error.
 */
int intr_for_each_context(const struct fdt *fdt, int node, uint32_t want_irq,
			  void (*fn)(void *ctx, uint32_t index, uint64_t hartid), void *ctx);

#endif
