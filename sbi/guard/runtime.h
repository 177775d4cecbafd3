/*
 * sbi/guard/runtime.h - the guard's small runtime: log, time, timer, faults.
 */
#ifndef GUARD_RUNTIME_H
#define GUARD_RUNTIME_H

#include <stdint.h>

#include "../../mm/fdt.h"

/* Finds the UART in the tree and installs the fault vector. */
void runtime_init(const struct fdt *tree);
/* printf to the UART, one whole line at a time (shares the console lock). */
void guard_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
