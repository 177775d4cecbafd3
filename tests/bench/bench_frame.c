/*
 * tests/bench/bench_frame.c - host benchmark of mm/frame: nanoseconds per
 * alloc+free pair, on one hart and with one thread per hart at once, and the
 * lock contention each pattern causes. Not a test: it checks nothing beyond
 * "no call failed", and its numbers depend on the machine.
 *
 *   cc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread tests/bench/bench_frame.c \
 *      mm/frame.c -o build/host/bench_frame && build/host/bench_frame [threads]
 *
 * Patterns: "pair" allocates and frees one frame (the fast path, the cache
 * never empties or fills); "burst" allocates BURST frames then frees them, so
 * every burst refills from and drains to the pool; "dry" bursts over a
 * memory smaller than all the bursts together, so harts steal and run out.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../mm/frame.h"

enum { MAX_THREADS = FRAME_MAX_HARTS, BURST = 200, BIG_FRAMES = 8192 };

struct run {
	struct frame_hart *me;
	pthread_barrier_t *start;
	int burst;      /* frames held at once: 1 for "pair" */
	uint64_t pairs; /* alloc+free pairs to do */
	double ns;      /* elapsed */
	uint64_t failures;
};

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void *run_thread(void *arg)
{
	struct run *r = arg;
	uint64_t held[BURST];
	pthread_barrier_wait(r->start);
	double t0 = now_ns();
	for (uint64_t done = 0; done < r->pairs; done += (uint64_t)r->burst) {
		int n = 0;
		for (int i = 0; i < r->burst; i++) {
			held[n] = frame_alloc(r->me);
			if (held[n])
				n++;
			else
				r->failures++;
		}
		for (int i = 0; i < n; i++) {
			if (frame_free(r->me, held[i]) != 0) {
				fprintf(stderr, "a free failed\n");
				exit(1);
			}
		}
	}
	r->ns = now_ns() - t0;
	return NULL;
}

/* Runs nthreads harts at once over nframes frames and prints one line. */
static void bench(const char *name, uint32_t nthreads, uint64_t nframes, int burst, uint64_t pairs)
{
	static struct frame_allocator fa;
	void *mem = aligned_alloc(MM_PAGE_SIZE, nframes * MM_PAGE_SIZE); /* never touched */
	size_t meta_bytes = frame_meta_bytes(nframes);
	void *meta = malloc(meta_bytes);
	struct frame_range range = { (uint64_t)(uintptr_t)mem, nframes * MM_PAGE_SIZE };
	if (!mem || !meta || frame_init(&fa, &range, 1, meta, meta_bytes, nthreads) != 0) {
		fprintf(stderr, "%s: setup failed\n", name);
		exit(1);
	}

	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, nthreads);
	pthread_t tid[MAX_THREADS];
	struct run runs[MAX_THREADS];
	for (uint32_t h = 0; h < nthreads; h++) {
		runs[h] = (struct run){ frame_hart(&fa, h), &start, burst, pairs, 0, 0 };
		pthread_create(&tid[h], NULL, run_thread, &runs[h]);
	}
	double ns_sum = 0;
	uint64_t failures = 0;
	struct frame_stats sum = { 0 }, s;
	for (uint32_t h = 0; h < nthreads; h++) {
		pthread_join(tid[h], NULL);
		ns_sum += runs[h].ns;
		failures += runs[h].failures;
		frame_hart_stats(&fa, h, &s);
		sum.refills += s.refills;
		sum.drains += s.drains;
		sum.steals += s.steals;
		sum.pool_contended += s.pool_contended;
		sum.hart_contended += s.hart_contended;
	}
	pthread_barrier_destroy(&start);
	printf("%-6s %2u thread(s) %5llu frames: %6.1f ns/pair  refills %llu drains %llu "
	       "steals %llu failed %llu  contended: pool %llu hart %llu\n",
	       name, nthreads, (unsigned long long)nframes, ns_sum / nthreads / (double)pairs,
	       (unsigned long long)sum.refills, (unsigned long long)sum.drains,
	       (unsigned long long)sum.steals, (unsigned long long)failures,
	       (unsigned long long)sum.pool_contended, (unsigned long long)sum.hart_contended);
	free(meta);
	free(mem);
}

int main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t nthreads = argc > 1 ? (uint32_t)atoi(argv[1]) : (uint32_t)(cpus > 0 ? cpus : 1);
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}
	const uint64_t pairs = 20000000;
	bench("pair", 1, BIG_FRAMES, 1, pairs);
	bench("burst", 1, BIG_FRAMES, BURST, pairs);
	bench("pair", nthreads, BIG_FRAMES, 1, pairs);
	bench("burst", nthreads, BIG_FRAMES, BURST, pairs);
	bench("dry", nthreads, BURST * nthreads / 2, BURST, pairs / 4);
	return 0;
}
