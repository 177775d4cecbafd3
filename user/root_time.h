/*
 * user/root_time.h - the guard's clock in the root, as time.
 *
 * The guard counts one micro tick per CRC scan, every ROOT_SCAN_PERIOD_US
 * microseconds (include/root.h; 10 ms unless the guard's bootargs set
 * guard.scan_us), and a master tick per micro wrap; mm/root_clock reads the
 * pair without tearing. xv6's uptime() counts 10 ms timer ticks, so the
 * guard's ticks are scaled by period_us / 10000 into the same unit: with
 * the default period one guard tick is one uptime tick.
 *
 * The count is of scans the guard made: when the host does not run the
 * guard hart for a while, the guard drops the scans it missed (it keeps its
 * cadence rather than catching up), so this clock can fall behind the time
 * CSR, never run ahead of it.
 * Pure functions over a facade: host-tested (tests/test_root_time.c).
 */
#ifndef USER_ROOT_TIME_H
#define USER_ROOT_TIME_H

#include <stdint.h>

struct facade;

#define ROOT_TIME_UNIT_US 10000u /* xv6's tick: uptime() counts these */

#define ROOT_TIME_ERR_PERIOD -230 /* the root says a scan period of 0 */

/* A short English description of a ROOT_TIME_ERR_*, ROOT_CLOCK_ERR_* or facade code. */
const char *root_time_strerror(int err);

/* ticks scan periods of period_us each, in 10 ms units: rounded down, exact while it fits. */
uint64_t root_time_ticks_to_units(uint64_t ticks, uint32_t period_us);

/* The guard's clock in micro ticks, through a facade over the whole root. 0 or an error. */
int root_time_ticks(const struct facade *root, uint64_t *ticks);

/* The guard's clock in 10 ms units (xv6's uptime). 0 or an error; *units untouched on error. */
int root_time_units(const struct facade *root, uint64_t *units);

#endif
