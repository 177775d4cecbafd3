/*
 * user/time.c - uptime(), root_ticks() and time_us(): clocks with no system call.
 *
 * uptime() and root_ticks() read the guard's clock from the root mapped at
 * USER_ROOT_VA, through the same facade and seqlock reader the kernel uses
 * (user/uroot.h, mm/root_clock.h); uptime() scales it to xv6's 10 ms ticks
 * by the scan period the root publishes (user/root_time.h says how and what
 * it means on a slow host). time_us() reads the time CSR, which the kernel
 * lets user code read (scounteren.TM).
 */
#include "kernel/types.h"
#include "user/user.h"

#include "lib/counters.h"
#include "user/root_time.h"
#include "user/uroot.h"

/*
 * The time CSR's rate: QEMU virt's /cpus/timebase-frequency. The root does
 * not publish the timebase, so it is assumed here; every other machine
 * fact user code uses comes from the root.
 */
#define TIMEBASE_HZ 10000000ul

// LAB(pgtbl) begin
/* The guard's clock in 10 ms units since it installed the root; -1 if the root has none. */
int uptime(void)
{
	uint64_t units;
	if (root_time_units(uroot(), &units))
		return -1;
	return (int)units;
}
// LAB(pgtbl) stub
// /*
//  * TODO(lab pgtbl): uptime() here, from the guard's clock in the mapped root,
//  * and "uptime" back in the Makefile's USER_LIBRARY_CALLS. Until then
//  * uptime() is the system call stub usys.py writes.
//  */
// LAB(pgtbl) end

/* The guard's micro ticks (one per scan) since it installed the root; 0 if unreadable. */
unsigned long root_ticks(void)
{
	// LAB(pgtbl) begin
	uint64_t ticks;
	return root_time_ticks(uroot(), &ticks) ? 0 : ticks;
	// LAB(pgtbl) stub
	// return 0; /* TODO(lab pgtbl): read them from the mapped root */
	// LAB(pgtbl) end
}

/* Microseconds since the platform's clock started (the time CSR). */
unsigned long time_us(void)
{
	return rdtime() / (TIMEBASE_HZ / 1000000);
}
