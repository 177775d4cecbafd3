/*
 * kernel/kstack_selftest.c - test=kstack_harts: kernel stacks made on every
 * kernel hart at once.
 *
 * Every kernel hart allocates stacks as fast as it can, and keeps them, so
 * that the allocations march through fresh 2 MiB ranges of the stack window,
 * whose page tables do not exist yet: at each range's start two harts may
 * want the same table. Then every page of every stack must be mapped (read
 * through the table walk), and all are freed. Before the map lock in
 * kstack_alloc, a lost table left a stack without pages here.
 */
#include "kstack.h"

#include "console.h"
#include "hart.h"
#include "kalloc.h"
#include "smp.h"
#include "vm.h"

#define STACKS_PER_HART 1200 /* 3 harts: about 56 fresh 2 MiB ranges, 56 MiB of stacks */

struct kstack_harts_run {
	uintptr_t top[MAGMA_MAX_HARTS][STACKS_PER_HART];
	int made[MAGMA_MAX_HARTS];
};

static void make_stacks_on_this_hart(void *arg)
{
	struct kstack_harts_run *run = arg;
	uint64_t id = this_hartid();
	int n = 0;
	while (n < STACKS_PER_HART && (run->top[id][n] = kstack_alloc()) != 0)
		n++;
	run->made[id] = n;
}

/* Pages of the stack below top that the kernel table does not map. */
static int unmapped_pages(uintptr_t top)
{
	int missing = 0;
	for (int i = 1; i <= KSTACK_PAGES; i++) {
		if (vm_kernel_translate(top - (uint64_t)i * PAGE_SIZE) == VM_NO_MAPPING)
			missing++;
	}
	return missing;
}

void kstack_selftest(void)
{
	static struct kstack_harts_run run;
	smp_call_all(make_stacks_on_this_hart, &run);
	int stacks = 0, missing = 0;
	uintptr_t first_bad = 0;
	for (int h = 0; h < smp.kernel_count; h++) {
		uint64_t id = smp.kernel[h];
		for (int i = 0; i < run.made[id]; i++) {
			int m = unmapped_pages(run.top[id][i]);
			if (m && !first_bad)
				first_bad = run.top[id][i];
			missing += m;
			stacks++;
		}
	}
	kprintf("magma: test kstack_harts: %d stacks made on %d harts at once, %d pages "
		"unmapped (first in the stack below 0x%lx)\n",
		stacks, smp.kernel_count, missing, first_bad);
	for (int h = 0; h < smp.kernel_count; h++) {
		uint64_t id = smp.kernel[h];
		for (int i = 0; i < run.made[id]; i++) {
			if (!unmapped_pages(run.top[id][i]))
				kstack_free(
					run.top[id]
					       [i]); /* one with a lost page would panic there */
		}
	}
	kprintf("magma: test kstack_harts: %s\n",
		missing == 0 && stacks == smp.kernel_count * STACKS_PER_HART ? "OK" : "FAIL");
}
