/*
 * kernel/context.h - what a switch between kernel threads saves.
 *
 * Only the callee-saved registers, ra and sp: sched_switch() is an ordinary
 * function call to the C code around it, so the caller-saved registers are
 * already wherever the compiler keeps them across a call.
 */
#ifndef KERNEL_CONTEXT_H
#define KERNEL_CONTEXT_H

#include <stdint.h>

struct context {
	uint64_t ra, sp;
	uint64_t s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

/* Saves the current registers into *from and resumes *to (kernel/switch.S). */
void sched_switch(struct context *from, const struct context *to);

#endif
