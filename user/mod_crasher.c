/*
 * user/mod_crasher.c - an example module that crashes on purpose.
 *
 * It is restartable. On the first tick of its first run it stores through a
 * null pointer, so the kernel kills it and the bootstrap restarts it (activity
 * 3, then 4) after the back-off; from then on it ticks quietly. Every boot of
 * the default /etc/modules shows one crash and one restart, before the shell.
 *
 * It crashes while its restart count is below CRASHER_CRASHES; the tests
 * that need a module crashing on every run use mod_crashloop.
 */
#include "user/module.h"
#include "user/user.h"

#define CRASHER_CRASHES 1 /* runs that crash before it settles */

static int crash_tick(void *state, const struct module_tick *tick)
{
	(void)state;
	if (tick->restarts < CRASHER_CRASHES)
		*(volatile int *)0 = 1; /* a store page fault: the kernel kills this process */
	return 0;
}

MODULE_CLASS("crasher", 1, 0, crash_tick)
