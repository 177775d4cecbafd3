/*
 * kernel/pmp.h - proving and explaining the PMP lock on guard memory.
 *
 * OpenSBI programs PMP from the domains in the device tree; the kernel
 * cannot read PMP registers (they are M-mode CSRs), so it proves the lock
 * by touching guard memory and watching the access fault.
 */
#ifndef KERNEL_PMP_H
#define KERNEL_PMP_H

#include <stddef.h>
#include <stdint.h>

/* A range of physical memory the kernel must not reach (or only read). */
struct pmp_range {
	uint64_t base, size;
	const char *name; /* "root range" */
	const char *rule; /* "read-only to the kernel" */
	int readable;     /* loads must work and stores fault; otherwise loads fault */
};

#define PMP_RANGES_MAX 4

/*
 * The guarded ranges of this board: guard private and the root range (from
 * the tree's reserved-memory nodes), the OpenSBI firmware and, if the board
 * has one, fw_cfg. Returns how many it wrote to out.
 */
int pmp_guarded_ranges(struct pmp_range out[PMP_RANGES_MAX]);
/* Whether pa lies in a guarded range: 1 and *out set, or 0. */
int pmp_range_holding(uint64_t pa, struct pmp_range *out);

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

/*
 * Why PMP refused a user process's access to va (an access fault: the page
 * table allowed it), in words for the line that kills the process: the
 * physical address va maps to in pagetable and the guarded range holding
 * it. Writes a NUL-terminated text of at most n bytes to buf; returns buf.
 */
const char *pmp_explain_user_fault(uint64_t *pagetable, uint64_t va, char *buf, size_t n);

#endif
