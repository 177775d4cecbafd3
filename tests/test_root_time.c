/*
 * tests/test_root_time.c - host tests for the user library's uptime
 * (user/root_time.c): the guard's ticks, read from a root laid out as the
 * guard writes it, scaled by the scan period to xv6's 10 ms units.
 */
#include <string.h>

#include "../include/layout.h"
#include "../include/root.h"
#include "../mm/facade.h"
#include "../mm/root_clock.h"
#include "../user/root_time.h"
#include "check.h"

static uint64_t root_words[MAGMA_ROOT_SIZE / 8];
static uint8_t *const root = (uint8_t *)root_words;
static struct facade view;

/* A root whose guard has scanned every period_us for ticks scans, wrapping at wrap. */
static void install(uint32_t period_us, uint32_t wrap, uint64_t ticks)
{
	memset(root_words, 0, sizeof(root_words));
	*(uint32_t *)(root + ROOT_SCAN_PERIOD_US) = period_us;
	*(uint32_t *)(root + ROOT_MICRO_WRAP) = wrap;
	*(uint64_t *)(root + ROOT_MICRO_TICKS) = ticks % wrap;
	*(uint64_t *)(root + ROOT_MASTER_TICKS) = ticks / wrap;
	CHECK_EQ(facade_init(&view, root, MAGMA_ROOT_SIZE, FACADE_READ, "root"), 0);
}

TEST(conversion)
{
	CHECK_EQ(root_time_ticks_to_units(0, 10000), 0);
	CHECK_EQ(root_time_ticks_to_units(123, 10000), 123); /* the default: one tick per unit */
	CHECK_EQ(root_time_ticks_to_units(10, 1000), 1);     /* 1 ms scans: ten per unit */
	CHECK_EQ(root_time_ticks_to_units(19, 1000), 1);     /* rounded down */
	CHECK_EQ(root_time_ticks_to_units(3, 20000), 6);     /* 20 ms scans: two units each */
	CHECK_EQ(root_time_ticks_to_units(7, 2500), 1);
	CHECK_EQ(root_time_ticks_to_units(1, 1000000), 100); /* the slowest scan the guard allows */
	/* Large counts: ticks * period would overflow 64 bits, the result does not. */
	uint64_t big = 1ull << 60;
	CHECK(root_time_ticks_to_units(big, 1000) == big / 10);
	CHECK(root_time_ticks_to_units(big + 9, 1000) == (big + 9) / 10);
	CHECK(root_time_ticks_to_units(1ull << 44, 1000000) == (1ull << 44) * 100);
}

TEST(uptime_from_the_root)
{
	uint64_t units = 0, ticks = 0;
	install(10000, ROOT_MICRO_WRAP_DEFAULT, 4321);
	CHECK_EQ(root_time_units(&view, &units), 0);
	CHECK_EQ(units, 4321);
	install(1000, 3, 3 * 1000 + 2); /* master ticks count: 1000 wraps of 3 */
	CHECK_EQ(root_time_ticks(&view, &ticks), 0);
	CHECK_EQ(ticks, 3002);
	CHECK_EQ(root_time_units(&view, &units), 0);
	CHECK_EQ(units, 300);
}

TEST(bad_roots_are_errors)
{
	uint64_t units = 77;
	install(0, 1000, 5);
	CHECK_EQ(root_time_units(&view, &units), ROOT_TIME_ERR_PERIOD);
	install(10000, 1000, 5);
	*(uint32_t *)(root + ROOT_MICRO_WRAP) = 0;
	CHECK_EQ(root_time_units(&view, &units), ROOT_CLOCK_ERR_WRAP);
	install(10000, 1000, 5);
	*(uint64_t *)(root + ROOT_TICK_SEQ) = 1; /* the guard never finishes its tick */
	CHECK_EQ(root_time_units(&view, &units), ROOT_CLOCK_ERR_BUSY);
	struct facade small;
	CHECK_EQ(facade_sub(&view, 0, ROOT_SCAN_PERIOD_US, FACADE_READ, "short", &small), 0);
	CHECK_EQ(root_time_units(&small, &units), FACADE_ERR_RANGE);
	CHECK_EQ(units, 77); /* untouched on every error */
	CHECK(strcmp(root_time_strerror(ROOT_TIME_ERR_PERIOD),
		     root_time_strerror(ROOT_CLOCK_ERR_BUSY)) != 0);
}

int main(void)
{
	RUN(conversion);
	RUN(uptime_from_the_root);
	RUN(bad_roots_are_errors);
	return check_summary();
}
