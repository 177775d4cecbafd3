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
 * With paging off, probes the first and the last byte of every range the
 * kernel must not reach: loads from guard private, the firmware and fw_cfg
 * must fault (scause 5); the root range must load and its stores fault
 * (scause 7). Logs a line per range, or each probe that misbehaved.
 * 0 when the lock holds.
 */
int pmp_prove_lock(void);

/*
 * If a kernel access fault hit memory PMP guards, panics with a message that
 * names PMP, the address and the range. Returns otherwise. va is stval.
 */
void pmp_explain_fault(uint64_t scause, uint64_t va, uint64_t pc);

#endif
