/*
 * sbi/guard/runtime.h - the guard's small runtime: log, time, timer, faults.
 */
#ifndef GUARD_RUNTIME_H
#define GUARD_RUNTIME_H

#include <stdint.h>

#include "../../mm/fdt.h"

/* Finds the UART in the tree and installs the fault vector. */
void runtime_init(const struct fdt *tree);
/*
 * printf one whole line (ending in '\n') to the UART. It never waits for the
 * kernel: when the kernel holds the console lock the line is queued in guard
 * private, and when the queue is full it is dropped and counted (a later
 * line says how many). See sbi/console_lock.h.
 */
void guard_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints queued lines while the console lock is free; returns how many still wait. */
int guard_log_flush(void);
/* The time CSR. */
uint64_t guard_now(void);
/* Instructions retired on this hart (instret), for cost figures. */
uint64_t guard_instret(void);
/* The timebase, in ticks per second, from the tree (10 MHz if absent). */
uint64_t guard_timebase(void);
/* Arms the next timer interrupt `us` microseconds from now (SBI TIME). */
void guard_timer_arm(uint64_t us);
/* Parks the hart for good. */
void guard_halt(void) __attribute__((noreturn));

#endif
