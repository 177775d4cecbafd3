/*
 * kernel/kstack.c - kernel stack slots with guard pages (see kstack.h).
 *
 * Slots are handed out from a bump index and recycled through a free list
 * threaded through a kmalloc'd array. Unmapping needs no TLB shootdown:
 * every hart flushes its TLB whenever it switches page tables (kernel/
 * sched.c), and a freed stack's process has switched away for good.
 */
#include "kstack.h"

#include "kalloc.h"
#include "kmalloc.h"
#include "panic.h"
#include "riscv.h"
#include "spinlock.h"
#include "vm.h"

#define SLOT_COUNT (KSTACK_VA_SIZE / KSTACK_SLOT_BYTES)

static struct spinlock slots_lock = SPINLOCK_INIT("kstack slots");
static uint64_t next_fresh;   /* slots [0, next_fresh) have been used */
static uint32_t *free_slots;  /* a stack of recycled slot numbers */
static uint64_t free_count, free_capacity;

static uintptr_t slot_top(uint64_t slot)
{
	return KSTACK_VA_BASE + (slot + 1) * KSTACK_SLOT_BYTES;
}

static int take_slot(uint64_t *slot)
{
	spin_lock(&slots_lock);
	int ok = 1;
	if (free_count)
		*slot = free_slots[--free_count];
	else if (next_fresh < SLOT_COUNT)
		*slot = next_fresh++;
	else
		ok = 0;
	spin_unlock(&slots_lock);
	return ok;
}

/* Returns a slot to the free list; the list grows first, outside the lock. */
static void give_slot(uint64_t slot)
{
	for (;;) {
		spin_lock(&slots_lock);
		if (free_count < free_capacity) {
			free_slots[free_count++] = (uint32_t)slot;
			spin_unlock(&slots_lock);
			return;
		}
		uint64_t want = free_capacity ? 2 * free_capacity : 64;
		spin_unlock(&slots_lock);
		uint32_t *bigger = kmalloc(want * sizeof *bigger);
		if (!bigger)
			panic("kstack: no memory to recycle slot %lu (list of %lu)", slot, want);
		spin_lock(&slots_lock);
		uint32_t *old = 0;
		if (want > free_capacity) {
			for (uint64_t i = 0; i < free_count; i++)
				bigger[i] = free_slots[i];
			old = free_slots;
			free_slots = bigger;
			free_capacity = want;
		} else {
			old = bigger; /* another hart grew it meanwhile */
		}
		spin_unlock(&slots_lock);
		kfree(old);
	}
}

static void unmap_pages(uintptr_t top, int count)
{
	for (int i = 1; i <= count; i++) {
		uint64_t pa = vm_unmap_page(vm_kernel_root(), top - (uint64_t)i * PAGE_SIZE);
		if (pa == VM_NO_MAPPING)
			panic("kstack: page %d below 0x%lx was not mapped", i, top);
		page_free((void *)pa);
	}
}

uintptr_t kstack_alloc(void)
{
	uint64_t slot;
	if (!take_slot(&slot))
		return 0;
	uintptr_t top = slot_top(slot);
	for (int i = 1; i <= KSTACK_PAGES; i++) {
		void *page = page_alloc_dirty();
		if (!page || vm_map(vm_kernel_root(), top - (uint64_t)i * PAGE_SIZE, (uint64_t)page,
				    PAGE_SIZE, PTE_R | PTE_W)) {
			if (page)
				page_free(page);
			unmap_pages(top, i - 1);
			give_slot(slot);
			return 0;
		}
	}
	return top;
}

void kstack_free(uintptr_t top)
{
	if (top <= KSTACK_VA_BASE || (top - KSTACK_VA_BASE) % KSTACK_SLOT_BYTES)
		panic("kstack: 0x%lx is not the top of a stack slot", top);
	unmap_pages(top, KSTACK_PAGES);
	give_slot((top - KSTACK_VA_BASE) / KSTACK_SLOT_BYTES - 1);
}

int kstack_is_guard(uint64_t va)
{
	if (va - KSTACK_VA_BASE >= KSTACK_VA_SIZE)
		return 0;
	return (va - KSTACK_VA_BASE) % KSTACK_SLOT_BYTES < KSTACK_SLOT_BYTES - KSTACK_PAGES * PAGE_SIZE;
}
