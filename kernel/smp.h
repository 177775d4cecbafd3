/*
 * kernel/smp.h - finding and starting the kernel's harts.
 *
 * A cpu node's status in the tree is not trusted: OpenSBI 1.1 fixes the
 * tree up from the view of whichever domain won the cold-boot lottery. The
 * truth comes from SBI HSM: hart_get_status answers for harts of our own
 * domain and refuses (SBI_ERR_INVALID_PARAM) harts of another domain.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdint.h>

#include "../include/layout.h"

struct smp_harts {
	uint64_t kernel[MAGMA_MAX_HARTS]; /* kernel harts, boot hart included */
	int kernel_count;
	uint64_t guard[MAGMA_MAX_HARTS]; /* harts of another domain: the guard */
	int guard_count;
};

extern struct smp_harts smp;

/* Classifies every cpu of the tree with HSM and starts the stopped kernel harts. */
void smp_start_kernel_harts(uintptr_t entry_pa, uintptr_t fdt_pa);
/*
 * Runs fn(arg) on every online kernel hart, the caller included, and returns
 * when all have finished. Other harts run it from their IPI handler, with
 * interrupts off. The caller must have interrupts on (it waits with wfi).
 */
void smp_call_all(void (*fn)(void *arg), void *arg);
/* Called by the IPI path: runs this hart's pending call, if any. */
void smp_run_pending(void);

/* How long a hart that HSM reports started may take to say it is online. */
#define SMP_ONLINE_LIMIT_MS 30000

/*
 * Waits until every kernel hart is online, however slow the host, saying
 * once a second which hart it still waits for. It stops waiting for a hart
 * that HSM reports stopped (its start failed: it never comes) and for one
 * still not online after SMP_ONLINE_LIMIT_MS. Returns how many are online.
 */
int smp_wait_online(void);

#endif
