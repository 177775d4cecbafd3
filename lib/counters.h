/*
 * lib/counters.h - reading the unprivileged counters time, cycle and instret
 * (RISC-V unprivileged spec v20191213, chapter 10 "Counters").
 *
 * Why here: the kernel, the guard and (later) user space all read them, and
 * the guard must not include kernel headers, so the one copy lives in lib/,
 * the code every image shares. include/ holds layout constants, no code.
 * These are single instructions, so unlike the rest of lib/ there is nothing
 * to run on the host: the header refuses to compile there.
 *
 * Each read is volatile (never cached or hoisted out of a loop), but it is
 * no fence: loads and stores around it may still be reordered by the hart.
 */
#ifndef LIB_COUNTERS_H
#define LIB_COUNTERS_H

#include <stdint.h>

#if !defined(__riscv) || __riscv_xlen != 64
#error "lib/counters.h reads RV64 counters: for the images, not for host programs"
#endif

/* The platform's wall clock, in ticks of /cpus/timebase-frequency. */
static inline uint64_t rdtime(void)
{
	uint64_t t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

/* Clock cycles of this hart (under QEMU TCG, derived from host time). */
static inline uint64_t rdcycle(void)
{
	uint64_t c;
	asm volatile("rdcycle %0" : "=r"(c));
	return c;
}

/* Instructions this hart has retired (exact under QEMU -icount). */
static inline uint64_t rdinstret(void)
{
	uint64_t n;
	asm volatile("rdinstret %0" : "=r"(n));
	return n;
}

#endif
