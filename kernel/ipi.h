/*
 * kernel/ipi.h - inter-processor interrupts between kernel harts.
 *
 * The interrupt driver decides how one is delivered (an IMSIC store on the
 * AIA machine, an SBI IPI on the PLIC one); this layer counts them, records
 * the sender, and stops a hart when the kernel has panicked.
 */
#ifndef KERNEL_IPI_H
#define KERNEL_IPI_H

#include <stdint.h>

/* Interrupts hart `to`, recording this hart as the sender. */
void ipi_send(uint64_t to);
/* Called by the interrupt path on the receiving hart. */
void ipi_receive(void);
/* When on, each received IPI is logged (the ipi self-test turns it on). */
void ipi_set_verbose(int on);

#endif
