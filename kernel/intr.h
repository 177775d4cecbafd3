/*
 * kernel/intr.h - external interrupts and IPIs, whatever the controller.
 *
 * Two drivers sit behind this interface, chosen from the device tree: the
 * AIA (APLIC in MSI mode + per-hart IMSIC files, kernel/aia.c) and the
 * classic PLIC (kernel/plic.c). The rest of the kernel never knows which.
 */
#ifndef KERNEL_INTR_H
#define KERNEL_INTR_H

#include <stddef.h>
#include <stdint.h>

struct fdt;

/* Trigger types, as the second cell of a device's "interrupts" property. */
#define INTR_EDGE_RISING  1
#define INTR_EDGE_FALLING 2
#define INTR_LEVEL_HIGH   4
#define INTR_LEVEL_LOW    8

typedef void (*intr_handler)(void);

/*
 * Finds the interrupt controller in the tree and initialises its global
 * part. Returns 0, or a negative code after printing what was missing.
 */
int intr_init(const struct fdt *fdt);
/* "aia" or "plic". */
const char *intr_driver_name(void);
/* One line naming the controller and its addresses, for the boot log. */
const char *intr_description(void);
/* The MMIO ranges the driver uses, for the kernel page table; *count set. */
const struct intr_mmio {
	uintptr_t base, size;
} * intr_mmio_ranges(int *count);

/* Per hart: sets up its interrupt file or context and enables S interrupts. */
void intr_init_hart(void);
/* Routes wired source `source` (with trigger type) to hartid and calls fn for it. */
int intr_attach(uint32_t source, uint32_t trigger, uint64_t hartid, intr_handler fn);
/* Interrupts hartid (a kernel hart) with an IPI. */
void intr_send_ipi(uint64_t hartid);
/* Rings the guard hart's doorbell; 0, or -1 when this machine has none (PLIC). */
int intr_ring_doorbell(uint64_t hartid);
/* The S-mode external interrupt handler: claims, dispatches, completes. */
void intr_handle_external(void);

#endif
