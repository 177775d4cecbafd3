/*
 * kernel/sched.h - per-hart run queues and the scheduler loop.
 *
 * Each kernel hart runs processes from its own queue; a hart with an empty
 * queue steals from the others, and sleeps in wfi when there is nothing
 * anywhere. A process made runnable goes back to the queue of the hart it
 * last ran on (its cache is warm there); an idle hart is woken with an IPI.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>

struct proc;

/* Boot hart, once. */
void sched_init(void);
/* Every kernel hart ends here: picks and runs processes forever. */
void scheduler(void) __attribute__((noreturn));
/*
 * p (whose lock the caller holds) becomes RUNNABLE and joins a run queue.
 */
void sched_make_runnable(struct proc *p);
/* The current process gives up its hart. Called with p->lock held and no other lock. */
void sched(void);
/* The current process lets others run and comes back when its turn is next. */
void yield(void);
/* Processes waiting in hart's run queue, for reports. */
int sched_queue_length(uint64_t hartid);

/* The kernel's tick count (TIMER_TICK_HZ), which sleep() and uptime() use. */
extern volatile uint64_t sched_ticks;
/* Boot hart's timer interrupt: one more tick; wakes the sleepers. */
void sched_tick(void);
/* The current process sleeps n ticks; 0, or -1 if it was killed meanwhile. */
int sched_sleep_ticks(uint64_t n);

#endif
