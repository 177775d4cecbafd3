/*
 * kernel/kmalloc.c - the kernel heap over frames mapped into one window.
 *
 * Growing maps new pages only at addresses no hart has touched yet, so no
 * other hart can hold a stale translation for them - unless its TLB cached
 * the invalid entry, which the privileged spec allows. The trap handler
 * covers that case: a page fault inside the window on a page that is mapped
 * now is answered with sfence.vma and a retry (see kernel/trap.c).
 */
#include "kmalloc.h"

#include "../mm/heap.h"
#include "hart.h"
#include "kalloc.h"
#include "panic.h"
#include "riscv.h"
#include "spinlock.h"
#include "vm.h"

static struct heap kheap;
static struct spinlock window_lock = SPINLOCK_INIT("kheap window");
static uint64_t window_used; /* bytes mapped from KHEAP_VA_BASE up */

/* Undoes a partial grow: unmaps and frees the pages mapped at [va, va + bytes). */
static void unwind(uint64_t va, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE) {
		uint64_t pa = vm_unmap_page(vm_kernel_root(), va + off);
		if (pa != VM_NO_MAPPING)
			page_free((void *)pa);
	}
	sfence_vma_all();
}

/* heap_backing.grow: maps enough fresh frames at the end of the window. */
static void *grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	(void)ctx;
	uint64_t bytes = ((uint64_t)min_bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	spin_lock(&window_lock);
	uint64_t va = KHEAP_VA_BASE + window_used;
	void *result = 0;
	if (bytes && bytes <= KHEAP_VA_SIZE - window_used) {
		uint64_t mapped = 0;
		for (; mapped < bytes; mapped += PAGE_SIZE) {
			void *page = page_alloc();
			if (!page)
				break;
			if (vm_map(vm_kernel_root(), va + mapped, (uint64_t)page, PAGE_SIZE,
				   PTE_R | PTE_W)) {
				page_free(page);
				break;
			}
		}
		if (mapped == bytes) {
			sfence_vma_all();
			window_used += bytes;
			*got_bytes = bytes;
			result = (void *)va;
		} else {
			unwind(va, mapped);
		}
	}
	spin_unlock(&window_lock);
	return result;
}

void kmalloc_init(void)
{
	static const struct heap_backing backing = { grow, 0 };
	unsigned narenas = MAGMA_MAX_HARTS < HEAP_MAX_ARENAS ? MAGMA_MAX_HARTS : HEAP_MAX_ARENAS;
	int err = heap_init(&kheap, &backing, narenas);
	if (err)
		panic("kmalloc: heap_init: %s", heap_strerror(err));
}

static void report(const struct heap_fault *fault, const char *what)
{
	panic("heap: %s: %s in block 0x%lx, field %s: found 0x%lx, expected 0x%lx (hart %u, %s)",
	      what, heap_strerror(fault->err), fault->block, fault->field ? fault->field : "-",
	      fault->found, fault->expected, fault->hart, fault->op ? fault->op : what);
}

/*
 * Interrupts are off around every heap call: mm/heap must not be re-entered
 * on a hart. Saved and restored here, not with push_intr_off/pop_intr_off,
 * which take longer than the heap's fast path; a lock taken inside (grow's
 * window lock) nests on top, as with any spinlock taken with interrupts off.
 */
static inline int heap_enter(void)
{
	int was_on = intr_enabled();
	intr_off();
	return was_on;
}

static inline void heap_leave(int was_on)
{
	if (was_on)
		intr_on();
}

void *kmalloc(size_t size_bytes)
{
	struct heap_fault fault; /* the heap sets fault.err on every call */
	int was_on = heap_enter();
	void *p = heap_alloc(&kheap, (unsigned)this_hartid(), size_bytes, &fault);
	heap_leave(was_on);
	if (!p && fault.err != HEAP_ERR_NOMEM && fault.err != HEAP_ERR_TOO_BIG &&
	    fault.err != HEAP_ERR_BACKING)
		report(&fault, "kmalloc");
	return p;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	struct heap_fault fault;
	int was_on = heap_enter();
	int err = heap_free(&kheap, (unsigned)this_hartid(), ptr, &fault);
	heap_leave(was_on);
	if (err)
		report(&fault, "kfree");
}

int kmalloc_in_window(uint64_t va)
{
	return va - KHEAP_VA_BASE < KHEAP_VA_SIZE;
}

struct heap *kmalloc_heap(void)
{
	return &kheap;
}

uint64_t kmalloc_frames(void)
{
	return __atomic_load_n(&window_used, __ATOMIC_RELAXED) / PAGE_SIZE;
}
