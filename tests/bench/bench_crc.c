/*
 * tests/bench/bench_crc.c - host benchmark of lib/crc32c: bytes per
 * nanosecond over a 64 KiB buffer, for the table and for the clmul fold run
 * on the software model of clmul. Not a test: it checks only that the
 * implementations agree, and its numbers depend on the machine.
 *
 *   cc -O2 -std=gnu11 -Wall -Wextra -Werror tests/bench/bench_crc.c \
 *      lib/crc32c.c -o build/host/bench_crc && build/host/bench_crc
 *
 * The model computes each carry-less product with a 64-step loop, so its
 * figure says nothing about Zbc hardware (one clmul + one clmulh per 8 bytes);
 * in-kernel figures for crc32c_clmul come from the kernel's own benchmark.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../lib/crc32c.h"

enum { BUF_BYTES = 64 * 1024, ROUNDS = 5 };

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/*
 * Best of ROUNDS rounds, each running fn over buf until at least min_ns have
 * passed; *crc receives the last result so the work cannot be optimised away.
 */
static double bytes_per_ns(crc32c_fn fn, const uint8_t *buf, double min_ns, uint32_t *crc)
{
	double best = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t passes = 0;
		double t0 = now_ns(), t1;
		do {
			*crc = fn(0, buf, BUF_BYTES);
			passes++;
			t1 = now_ns();
		} while (t1 - t0 < min_ns);
		double rate = (double)passes * BUF_BYTES / (t1 - t0);
		if (rate > best)
			best = rate;
	}
	return best;
}

int main(void)
{
	static uint8_t buf[BUF_BYTES];
	uint64_t x = 0x243F6A8885A308D3ull; /* xorshift64, fixed seed */
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}

	uint32_t crc_table, crc_model;
	double table = bytes_per_ns(crc32c_table, buf, 100e6, &crc_table);
	double model = bytes_per_ns(crc32c_clmul_model, buf, 100e6, &crc_model);
	if (crc_table != crc_model) {
		fprintf(stderr, "bench_crc: table 0x%08x != clmul model 0x%08x\n", crc_table,
			crc_model);
		return 1;
	}
	printf("crc32c over %d KiB (crc 0x%08x), best of %d:\n", BUF_BYTES / 1024, crc_table,
	       ROUNDS);
	printf("  table        %7.3f bytes/ns\n", table);
	printf("  clmul model  %7.3f bytes/ns\n", model);
	return 0;
}
