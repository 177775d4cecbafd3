/*
 * kernel/bench.h - in-kernel benchmarks, chosen by bootargs (bench=frame,...).
 *
 * Figures are instructions per operation from the instret counter, which is
 * exact only under QEMU's -icount (`make bench` boots with -icount shift=0);
 * without it instret follows host time and the figures are rough.
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

/* Runs every benchmark the bootargs select, printing one "bench: ..." line per figure. */
void bench_run(void);

#endif
