/*
 * user/mod_crashloop.c - a test module that crashes on every run.
 *
 * Restartable, and it stores through a null pointer on its second tick, every
 * time: the bootstrap restarts it with a back-off that doubles up to its
 * bound (lib/toast.h), and never in a tight loop. grading/module_tests.py
 * measures the gaps.
 */
#include "user/module.h"
#include "user/user.h"

static int crash_tick(void *state, const struct module_tick *tick)
{
	(void)state;
	if (tick->number == 2)
		*(volatile int *)0 = 1; /* a store page fault: the kernel kills this process */
	return 0;
}

MODULE_CLASS("crashloop", 1, 0, crash_tick)
