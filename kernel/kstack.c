/*
 * kernel/kstack.c - kernel stack slots with guard pages (see kstack.h).
 *
 * A bitmap (in bss, sized for the whole window) says which slots are in
 * use; a hint remembers the lowest slot that may be free, so slots are
 * reused lowest first and the window's page tables stay few. Nothing here
 * grows with the number of processes but the stacks themselves. Unmapping
 * needs no TLB shootdown: every hart flushes its TLB whenever it switches
 * page tables (kernel/sched.c), and a freed stack's process has switched
 * away for good. Mapping does need a lock: vm_map makes the window's page
 * tables on demand and takes none, so two harts mapping the first stacks of
 * one 2 MiB range at once would each install a table, and one stack's pages
 * would be lost (a store fault at its top on the first use).
 */
#include "kstack.h"

#include "kalloc.h"
#include "panic.h"
#include "riscv.h"
#include "spinlock.h"
#include "vm.h"

#define SLOT_COUNT (KSTACK_VA_SIZE / KSTACK_SLOT_BYTES)
#define WORD_BITS  64

static struct spinlock slots_lock = SPINLOCK_INIT("kstack slots");
static uint64_t used[SLOT_COUNT / WORD_BITS]; /* bit set: the slot holds a stack */
static uint64_t lowest_free_word;             /* no word below it has a free bit */
static struct spinlock map_lock = SPINLOCK_INIT("kstack map");

static uintptr_t slot_top(uint64_t slot)
{
	return KSTACK_VA_BASE + (slot + 1) * KSTACK_SLOT_BYTES;
}

static int take_slot(uint64_t *slot)
{
	spin_lock(&slots_lock);
	uint64_t w = lowest_free_word;
	while (w < SLOT_COUNT / WORD_BITS && used[w] == ~0ul)
		w++;
	lowest_free_word = w;
	int ok = w < SLOT_COUNT / WORD_BITS;
	if (ok) {
		uint64_t bit = (uint64_t)__builtin_ctzl(~used[w]);
		used[w] |= 1ul << bit;
		*slot = w * WORD_BITS + bit;
	}
	spin_unlock(&slots_lock);
	return ok;
}

static void give_slot(uint64_t slot)
{
	spin_lock(&slots_lock);
	uint64_t w = slot / WORD_BITS, bit = 1ul << (slot % WORD_BITS);
	if (!(used[w] & bit))
		panic("kstack: slot %lu freed twice", slot);
	used[w] &= ~bit;
	if (w < lowest_free_word)
		lowest_free_word = w;
	spin_unlock(&slots_lock);
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
	spin_lock(&map_lock);
	for (int i = 1; i <= KSTACK_PAGES; i++) {
		void *page = page_alloc_dirty();
		if (!page || vm_map(vm_kernel_root(), top - (uint64_t)i * PAGE_SIZE, (uint64_t)page,
				    PAGE_SIZE, PTE_R | PTE_W)) {
			if (page)
				page_free(page);
			unmap_pages(top, i - 1);
			spin_unlock(&map_lock);
			give_slot(slot);
			return 0;
		}
	}
	spin_unlock(&map_lock);
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
	return (va - KSTACK_VA_BASE) % KSTACK_SLOT_BYTES <
	       KSTACK_SLOT_BYTES - KSTACK_PAGES * PAGE_SIZE;
}
