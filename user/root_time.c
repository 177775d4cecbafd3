/*
 * user/root_time.c - the guard's clock as uptime units (see root_time.h).
 */
#include "root_time.h"

#include "../include/root.h"
#include "../mm/facade.h"
#include "../mm/root_clock.h"

const char *root_time_strerror(int err)
{
	if (err == ROOT_TIME_ERR_PERIOD)
		return "the root's scan period is 0";
	return root_clock_strerror(err);
}

uint64_t root_time_ticks_to_units(uint64_t ticks, uint32_t period_us)
{
	/* ticks * period_us / unit, split so the product cannot overflow 64 bits. */
	uint64_t whole = ticks / ROOT_TIME_UNIT_US, part = ticks % ROOT_TIME_UNIT_US;
	return whole * period_us + part * period_us / ROOT_TIME_UNIT_US;
}

int root_time_ticks(const struct facade *root, uint64_t *ticks)
{
	struct root_clock c;
	int err = root_clock_read(root, &c);
	if (err)
		return err;
	*ticks = root_clock_ticks(&c);
	return 0;
}

int root_time_units(const struct facade *root, uint64_t *units)
{
	uint32_t period_us;
	uint64_t ticks;
	int err = facade_read32(root, ROOT_SCAN_PERIOD_US, &period_us);
	if (err)
		return err;
	if (period_us == 0)
		return ROOT_TIME_ERR_PERIOD;
	if ((err = root_time_ticks(root, &ticks)))
		return err;
	*units = root_time_ticks_to_units(ticks, period_us);
	return 0;
}
