/*
 * kernel/timer.c - timer interrupts through Sstc or the SBI TIME extension.
 *
 * With Sstc (and the firmware setting menvcfg.STCE) the kernel writes
 * stimecmp itself; otherwise each deadline is an SBI call and M-mode
 * forwards the interrupt. Which one is decided once, by probing stimecmp:
 * reading it raises an illegal-instruction trap when it is not ours.
 */
#include "timer.h"
#include "sched.h"

#include "../lib/counters.h"
#include "guard.h"
#include "hart.h"
#include "probe.h"
#include "sbi.h"

static uint64_t ticks_per_interval;
static uint64_t timebase;
static int use_sstc;

void timer_init(uint64_t timebase_hz)
{
	timebase = timebase_hz;
	ticks_per_interval = timebase_hz / TIMER_TICK_HZ;
	use_sstc = probe_read_stimecmp() == 0;
}

const char *timer_mechanism(void)
{
	return use_sstc ? "sstc" : "sbi";
}

static void set_deadline(uint64_t when)
{
	if (use_sstc)
		csr_write(CSR_STIMECMP, when);
	else
		sbi_set_timer(when);
}

void timer_init_hart(void)
{
	set_deadline(rdtime() + ticks_per_interval);
	csr_set(sie, SIE_STIE);
}

static volatile uint64_t tick_keeper = ~0ul;

void timer_keep_ticks(void)
{
	tick_keeper = this_hartid();
}

void timer_tick(void)
{
	this_hart()->ticks++;
	set_deadline(rdtime() + ticks_per_interval);
	if (this_hartid() == tick_keeper)
		sched_tick();
	if (this_hartid() == guard_poller)
		guard_poll_events();
}

uint64_t timer_now_us(void)
{
	return rdtime() * 1000000 / timebase;
}
