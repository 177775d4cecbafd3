/*
 * kernel/hart.h - per-hart state, reached through the tp register.
 *
 * entry.S points tp at harts[hartid] before any C runs, so this_hart() is
 * one register read and never needs a lock: only the owning hart writes its
 * own entry (other harts only read the counters, for reports).
 */
#ifndef KERNEL_HART_H
#define KERNEL_HART_H

#include <stdint.h>

#include "../include/layout.h"
#include "context.h"
#include "riscv.h"

struct proc;

struct hart {
	uint64_t hartid;
	int push_depth;     /* nesting of push_intr_off() */
	int intr_was_on;    /* interrupt state before the outermost push */
	uintptr_t stack_lo; /* this hart's kernel stack, for backtraces */
	uintptr_t stack_hi;
	volatile int online;             /* set when the hart finished its own bring-up */
	volatile uint64_t ticks;         /* timer interrupts taken */
	volatile uint64_t ipis;          /* IPIs received */
	volatile uint64_t last_ipi_from; /* sender of the last IPI */
	volatile uint64_t uart_irqs;     /* UART interrupts handled */
	int exception_depth;             /* nested exceptions being handled */
	struct proc *proc;               /* the process running here, or NULL */
	struct context scheduler;        /* this hart's scheduler loop, resumed by sched() */
	volatile int idle;               /* in wfi with nothing to run: worth an IPI */
};

extern struct hart harts[MAGMA_MAX_HARTS];

static inline struct hart *this_hart(void)
{
	return (struct hart *)read_tp();
}

static inline uint64_t this_hartid(void)
{
	return this_hart()->hartid;
}

/* Disable interrupts, nestable; pop restores the state of the outermost push. */
void push_intr_off(void);
void pop_intr_off(void);

#endif
