/*
 * kernel/trap.h - kernel trap handling.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdint.h>

/* What trapvec.S saves; the layout must match its offsets exactly. */
struct trap_frame {
	uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
	uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	uint64_t t3, t4, t5, t6;
	uint64_t sepc, sstatus;
	uint64_t kernel_tp;          /* user frames: the hart's tp, reloaded on entry */
	uint64_t frame_fp, frame_pc; /* frame record for backtraces */
};

_Static_assert(sizeof(struct trap_frame) == 288, "trap_frame must match trapvec.S");

/* Points this hart's stvec at the kernel trap vector. */
void trap_init_hart(void);

/* Called by trapvec.S for every trap taken in S-mode. */
void kernel_trap(struct trap_frame *frame);
/* The interrupt part of trap handling, shared with user traps (kernel/usertrap.c). */
void trap_handle_interrupt(uint64_t code);

/* A name for an exception cause, "store access fault". */
const char *trap_cause_name(uint64_t scause);

#endif
