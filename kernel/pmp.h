/*
 * kernel/pmp.h - proving and explaining the PMP lock on guard memory.
 *
 * OpenSBI programs PMP from the domains in the device tree; the kernel
 * cannot read PMP registers (they are M-mode CSRs), so it proves the lock
 * by touching guard memory and watching the access fault.
 */
#ifndef KERNEL_PMP_H
#define KERNEL_PMP_H

#include <stdint.h>

/*
 * Loads from guard private and stores to the root range, with paging off;
 * both must fault (scause 5 and 7). Prints the result. 0 when the lock holds.
 */
int pmp_prove_lock(void);

/*
 * If a kernel access fault hit memory PMP guards, panics with a message that
 * names PMP, the address and the range. Returns otherwise. va is stval.
 */
void pmp_explain_fault(uint64_t scause, uint64_t va, uint64_t pc);

#endif
