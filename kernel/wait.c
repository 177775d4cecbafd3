/*
 * kernel/wait.c - waits that keep waiting and say so (see wait.h).
 */
#include "wait.h"

#include "riscv.h"
#include "timer.h"

void wait_start(struct wait *w)
{
	w->start_us = timer_now_us();
	w->next_report_ms = WAIT_REPORT_MS;
}

uint64_t wait_elapsed_ms(const struct wait *w)
{
	return (timer_now_us() - w->start_us) / 1000;
}

int wait_sleep(struct wait *w)
{
	wfi();
	uint64_t elapsed = wait_elapsed_ms(w);
	if (elapsed < w->next_report_ms)
		return 0;
	while (w->next_report_ms <= elapsed)
		w->next_report_ms += WAIT_REPORT_MS;
	return 1;
}
