/*
 * kernel/sched.c - run queues, the scheduler loop and switching (sched.h).
 *
 * Lock order: a process's lock, then a run queue's lock. A process on a
 * queue is RUNNABLE and on that one queue only; the hart that takes it off
 * owns it until it has switched to it.
 *
 * Every switch into a process loads its page table and flushes the TLB, and
 * every switch back loads the kernel's table and flushes again: so no hart
 * keeps a stale translation of a process that exits, or of a freed kernel
 * stack (kernel/kstack.c relies on it).
 */
#include "sched.h"

#include "hart.h"
#include "ipi.h"
#include "panic.h"
#include "proc.h"
#include "riscv.h"
#include "smp.h"
#include "spinlock.h"
#include "vm.h"

struct run_queue {
	struct spinlock lock;
	struct proc *head, *tail;
	int length;
};

static struct run_queue queues[MAGMA_MAX_HARTS];
volatile uint64_t sched_ticks;

void sched_init(void)
{
	for (int i = 0; i < MAGMA_MAX_HARTS; i++)
		spin_init(&queues[i].lock, "run queue");
}

static void enqueue(struct run_queue *q, struct proc *p)
{
	spin_lock(&q->lock);
	p->run_next = 0;
	if (q->tail)
		q->tail->run_next = p;
	else
		q->head = p;
	q->tail = p;
	q->length++;
	spin_unlock(&q->lock);
}

static struct proc *dequeue(struct run_queue *q)
{
	if (!__atomic_load_n(&q->length, __ATOMIC_RELAXED))
		return 0; /* a racy peek: the lock is taken only when there may be work */
	spin_lock(&q->lock);
	struct proc *p = q->head;
	if (p) {
		q->head = p->run_next;
		if (!q->head)
			q->tail = 0;
		q->length--;
	}
	spin_unlock(&q->lock);
	return p;
}

/*
 * Wakes hart if it idles in wfi; if it is busy, some idle hart, to steal the
 * work. Work queued on this very hart waits for its next scheduling point.
 */
static void prod(uint64_t hart)
{
	uint64_t self = this_hartid();
	if (hart == self)
		return;
	if (harts[hart].idle) {
		ipi_send(hart);
		return;
	}
	for (int i = 0; i < smp.kernel_count; i++) {
		uint64_t other = smp.kernel[i];
		if (other != self && harts[other].idle) {
			ipi_send(other);
			return;
		}
	}
}

void sched_make_runnable(struct proc *p)
{
	if (!spin_held(&p->lock))
		panic("sched: making pid %d runnable without its lock", p->pid);
	p->state = PROC_RUNNABLE;
	uint64_t hart = (uint64_t)p->home_hart;
	enqueue(&queues[hart], p);
	fence(); /* the queue before the idle flag: pairs with the idler's check */
	prod(hart);
}

static struct proc *pick(uint64_t self)
{
	struct proc *p = dequeue(&queues[self]);
	for (int i = 0; !p && i < smp.kernel_count; i++)
		if (smp.kernel[i] != self)
			p = dequeue(&queues[smp.kernel[i]]);
	return p;
}

static int any_work(void)
{
	for (int i = 0; i < smp.kernel_count; i++)
		if (__atomic_load_n(&queues[smp.kernel[i]].length, __ATOMIC_RELAXED))
			return 1;
	return 0;
}

/* Nothing to run: wfi until an interrupt (a tick, an IPI from prod(), a device). */
static void idle_once(struct hart *h)
{
	intr_off();
	h->idle = 1;
	fence(); /* the idle flag before the queue check: pairs with prod() */
	if (!any_work())
		wfi();
	h->idle = 0;
	intr_on();
}

void scheduler(void)
{
	struct hart *h = this_hart();
	uint64_t self = h->hartid;
	for (;;) {
		intr_on();
		struct proc *p = pick(self);
		if (!p) {
			idle_once(h);
			continue;
		}
		spin_lock(&p->lock);
		if (p->state != PROC_RUNNABLE)
			panic("sched: pid %d on a run queue in state %d", p->pid, p->state);
		p->state = PROC_RUNNING;
		p->hart = (int)self;
		p->home_hart = (int)self;
		h->proc = p;
		csr_write(satp, SATP_SV39(p->pagetable));
		sfence_vma_all();
		sched_switch(&h->scheduler, &p->context);
		csr_write(satp, vm_kernel_satp());
		sfence_vma_all();
		h->proc = 0;
		spin_unlock(&p->lock);
	}
}

void sched(void)
{
	struct hart *h = this_hart();
	struct proc *p = h->proc;
	if (!spin_held(&p->lock))
		panic("sched: pid %d switches without its lock", p->pid);
	if (h->push_depth != 1)
		panic("sched: pid %d switches holding %d locks", p->pid, h->push_depth);
	if (p->state == PROC_RUNNING)
		panic("sched: pid %d switches while still RUNNING", p->pid);
	if (intr_enabled())
		panic("sched: pid %d switches with interrupts on", p->pid);
	int was_on = h->intr_was_on;
	sched_switch(&p->context, &h->scheduler);
	this_hart()->intr_was_on = was_on; /* perhaps another hart by now */
}

void yield(void)
{
	struct proc *p = myproc();
	spin_lock(&p->lock);
	sched_make_runnable(p);
	sched();
	spin_unlock(&p->lock);
}

int sched_queue_length(uint64_t hartid)
{
	return hartid < MAGMA_MAX_HARTS ? queues[hartid].length : 0;
}

static struct spinlock ticks_lock = SPINLOCK_INIT("ticks");

void sched_tick(void)
{
	spin_lock(&ticks_lock);
	sched_ticks++;
	wakeup((const void *)&sched_ticks);
	spin_unlock(&ticks_lock);
}

int sched_sleep_ticks(uint64_t n)
{
	spin_lock(&ticks_lock);
	uint64_t start = sched_ticks;
	int result = 0;
	while (sched_ticks - start < n) {
		if (proc_killed(myproc())) {
			result = -1;
			break;
		}
		sleep((const void *)&sched_ticks, &ticks_lock);
	}
	spin_unlock(&ticks_lock);
	return result;
}
