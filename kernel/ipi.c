/*
 * kernel/ipi.c - sending and receiving IPIs.
 */
#include "ipi.h"

#include "console.h"
#include "hart.h"
#include "intr.h"
#include "panic.h"
#include "smp.h"

static volatile int verbose;

void ipi_set_verbose(int on)
{
	verbose = on;
}

void ipi_send(uint64_t to)
{
	/* The store is ordered before the doorbell by the driver's fence. */
	harts[to].last_ipi_from = this_hartid();
	intr_send_ipi(to);
}

void ipi_receive(void)
{
	struct hart *h = this_hart();
	if (panicked)
		halt();
	h->ipis++;
	smp_run_pending();
	if (verbose)
		kprintf("magma: ipi: hart %lu received an IPI from hart %lu (%s)\n", h->hartid,
			h->last_ipi_from, intr_driver_name());
}
