/*
 * kernel/timer.h - the periodic tick on every kernel hart.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

#define TIMER_TICK_HZ 100

/* Boot hart: chooses Sstc or SBI TIME, given the tree's timebase frequency. */
void timer_init(uint64_t timebase_hz);
/* Each hart: arms the first tick and enables timer interrupts. */
void timer_init_hart(void);
/* This hart's ticks drive the kernel's clock (sched_tick): the boot hart, once. */
void timer_keep_ticks(void);
/* The timer interrupt handler. */
void timer_tick(void);
/* "sstc" or "sbi". */
const char *timer_mechanism(void);
/* Time since boot in microseconds, from the time CSR. */
uint64_t timer_now_us(void);

#endif
