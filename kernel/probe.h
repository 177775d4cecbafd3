/*
 * kernel/probe.h - instructions that are allowed to fault.
 *
 * Each probe is one instruction listed in the exception table (__extable,
 * see probe.S). If it traps, the trap handler resumes at the probe's fixup
 * and the probe returns the trap's scause instead of crashing the kernel.
 * That is how boot proves the PMP lock and detects optional CSRs.
 */
#ifndef KERNEL_PROBE_H
#define KERNEL_PROBE_H

#include <stdint.h>

/* Each returns 0 if the access worked, else the scause it raised. */
uint64_t probe_load_u8(uintptr_t addr);
uint64_t probe_store_u8(uintptr_t addr, uint8_t value);
uint64_t probe_read_stimecmp(void);

/* The fixup address for a faulting pc, or 0 if pc is not a probe. */
uintptr_t probe_fixup(uintptr_t pc);

#endif
