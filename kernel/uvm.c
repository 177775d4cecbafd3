/*
 * kernel/uvm.c - user page tables, copy-on-write and lazy pages (uvm.h).
 *
 * Each user page is a level-0 leaf with PTE_U and A/D set up front. A
 * writable page shared by fork loses PTE_W and gains PTE_COW in both
 * tables; the first write fault copies it (or just takes it back, when
 * the other side has already gone). The root range's pages are mapped but
 * never counted or freed: they are not frames.
 */
#include "uvm.h"

#include "../include/layout.h"
#include "../include/sysinfo.h"
#include "../include/user_layout.h"
#include "../lib/string.h"
#include "console.h"
#include "kalloc.h"
#include "mmap.h"
#include "pageref.h"
#include "panic.h"
#include "proc.h"
#include "riscv.h"
#include "vm.h"

#define USER_PTE (PTE_V | PTE_U | PTE_A | PTE_D)

static uint64_t lazy_faults, cow_copies;

const char *uvm_strerror(int err)
{
	switch (err) {
	case UVM_ERR_BAD_ADDRESS: return "not an address of this process";
	case UVM_ERR_NO_MEMORY: return "out of memory";
	case UVM_ERR_PROTECTION: return "not allowed by the page's permissions";
	case UVM_ERR_CANNOT_SLEEP: return "a mapped file's page was due under a lock";
	}
	return "unknown uvm error";
}

static int in_root_range(uint64_t va)
{
	return va - USER_ROOT_VA < MAGMA_ROOT_SIZE;
}

uint64_t *uvm_create(void)
{
	pte_t *root = page_alloc();
	if (!root)
		return 0;
	vm_share_kernel_half(root);
	// LAB(pgtbl) begin
	/* The guard's root, read-only, so user code reads the clock with no system call. */
	if (vm_map(root, USER_ROOT_VA, MAGMA_ROOT_BASE, MAGMA_ROOT_SIZE, PTE_R | PTE_U)) {
		uvm_free(root);
		return 0;
	}
	// LAB(pgtbl) stub
	// /* TODO(lab pgtbl): map the root range read-only for user code at USER_ROOT_VA. */
	// LAB(pgtbl) end
	return root;
}

/*
 * Calls fn on every valid user leaf (level 0, below USER_TOP). The root
 * range is skipped unless with_root. Tables are walked directly: the user
 * half is at most 2 root entries.
 */
static int for_each_user_leaf(pte_t *root, int with_root,
			      int (*fn)(void *ctx, uint64_t va, pte_t *pte), void *ctx)
{
	for (uint64_t i2 = 0; i2 < PX(2, USER_TOP); i2++) {
		if (!(root[i2] & PTE_V))
			continue;
		pte_t *l1 = (pte_t *)PTE2PA(root[i2]);
		for (uint64_t i1 = 0; i1 < 512; i1++) {
			if (!(l1[i1] & PTE_V))
				continue;
			pte_t *l0 = (pte_t *)PTE2PA(l1[i1]);
			for (uint64_t i0 = 0; i0 < 512; i0++) {
				if (!(l0[i0] & PTE_V))
					continue;
				uint64_t va = (i2 << 30) | (i1 << 21) | (i0 << 12);
				if (!with_root && in_root_range(va))
					continue;
				int err = fn(ctx, va, &l0[i0]);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

static int drop_leaf(void *ctx, uint64_t va, pte_t *pte)
{
	(void)ctx;
	(void)va;
	if (!pte_is_shm(*pte)) /* a shared-memory block's frame is the block's (kernel/shm.c) */
		pageref_dec_and_free(PTE2PA(*pte));
	*pte = 0;
	return 0;
}

void uvm_free(uint64_t *root)
{
	for_each_user_leaf(root, 0, drop_leaf, 0);
	for (uint64_t i2 = 0; i2 < PX(2, USER_TOP); i2++) {
		if (!(root[i2] & PTE_V))
			continue;
		pte_t *l1 = (pte_t *)PTE2PA(root[i2]);
		for (uint64_t i1 = 0; i1 < 512; i1++)
			if (l1[i1] & PTE_V)
				page_free((void *)PTE2PA(l1[i1]));
		page_free(l1);
	}
	page_free(root);
}

static int share_leaf(void *ctx, uint64_t va, pte_t *pte)
{
	pte_t *child = ctx;
	if (va == USER_INFO_VA)
		return 0; /* each process has its own (uvm_set_info) */
	pte_t *dst = vm_walk(child, va, 1);
	if (!dst)
		return UVM_ERR_NO_MEMORY;
	/* MAP_SHARED (kernel/mmap.c) or shm: one frame, as it is in both */
	if (*pte & PTE_SHARED) {
		*dst = *pte;
		if (!pte_is_shm(*pte)) /* a block's frame is counted by its attachments instead */
			pageref_inc(PTE2PA(*pte));
		return 0;
	}
	// LAB(cow) begin
	if (*pte & PTE_W)
		*pte = (*pte & ~PTE_W) | PTE_COW;
	*dst = *pte;
	pageref_inc(PTE2PA(*pte));
	// LAB(cow) stub
	// /* TODO(lab cow): share the frame copy-on-write instead of copying it. */
	// void *copy = page_alloc_dirty();
	// if (!copy)
	// 	return UVM_ERR_NO_MEMORY;
	// memcpy(copy, (void *)PTE2PA(*pte), PAGE_SIZE);
	// pageref_set_one((uint64_t)copy);
	// *dst = PA2PTE(copy) | (*pte & PTE_FLAGS_MASK);
	// LAB(cow) end
	return 0;
}

int uvm_share_cow(uint64_t *parent, uint64_t *child)
{
	return for_each_user_leaf(parent, 0, share_leaf, child);
}

int uvm_is_lazy(struct proc *p, uint64_t va)
{
	// LAB(lazy) begin
	if (va >= p->image_end && va < p->heap_end)
		return 1;
	// LAB(lazy) stub
	// /* TODO(lab lazy): the heap beyond the image is lazy too, once sbrk stops mapping it. */
	// (void)p;
	// LAB(lazy) end
	return va >= USER_STACK_TOP - USER_STACK_SIZE && va < USER_STACK_TOP;
}

static int allowed(pte_t pte, int access)
{
	if (!(pte & PTE_U))
		return 0;
	if ((access & UVM_READ) && !(pte & PTE_R))
		return 0;
	if ((access & UVM_WRITE) && !(pte & PTE_W) && !pte_is_cow(pte))
		return 0;
	if ((access & UVM_EXEC) && !(pte & PTE_X))
		return 0;
	return 1;
}

// LAB(cow) begin
/* A write to a copy-on-write page: take it back, or copy it. */
static int break_cow(struct proc *p, uint64_t va, pte_t *pte)
{
	uint64_t old = PTE2PA(*pte);
	uint64_t flags = (*pte & PTE_FLAGS_MASK & ~PTE_COW) | PTE_W;
	if (pageref_get(old) == 1) {
		*pte = PA2PTE(old) | flags;
	} else {
		void *copy = page_alloc_dirty();
		if (!copy)
			return UVM_ERR_NO_MEMORY;
		memcpy(copy, (void *)old, PAGE_SIZE);
		pageref_set_one((uint64_t)copy);
		*pte = PA2PTE(copy) | flags;
		pageref_dec_and_free(old);
		__atomic_fetch_add(&cow_copies, 1, __ATOMIC_RELAXED);
	}
	(void)p;
	sfence_vma_page(va);
	return 0;
}
// LAB(cow) end

/* The first touch of page va of p: a page of a mapped file, or a zeroed heap or stack page. */
static int give_page(struct proc *p, uint64_t va, int access)
{
	int err = mmap_fault(p, va, access);
	if (err != UVM_ERR_BAD_ADDRESS)
		return err; /* a mapped file's page, or why it could not be given */
	if (!uvm_is_lazy(p, va))
		return UVM_ERR_BAD_ADDRESS;
	if (access & UVM_EXEC)
		return UVM_ERR_PROTECTION; /* heap and stack are never executable */
	pte_t *pte = vm_walk(p->pagetable, va, 1);
	void *page = pte ? page_alloc() : 0;
	if (!page)
		return UVM_ERR_NO_MEMORY;
	pageref_set_one((uint64_t)page);
	*pte = PA2PTE(page) | PTE_R | PTE_W | USER_PTE;
	p->resident++;
	if (va >= p->image_end && va < p->heap_end)
		p->heap_resident++;
	__atomic_fetch_add(&lazy_faults, 1, __ATOMIC_RELAXED);
	return 0;
}

int uvm_resolve(struct proc *p, uint64_t va, int access, uint64_t *pa_out)
{
	if (va >= USER_TOP || va < PAGE_SIZE)
		return UVM_ERR_BAD_ADDRESS;
	uint64_t page_va = va & ~(PAGE_SIZE - 1);
	pte_t *pte = vm_walk(p->pagetable, page_va, 0);
	if (!pte || !(*pte & PTE_V)) {
		int err = give_page(p, page_va, access);
		if (err)
			return err;
		pte = vm_walk(p->pagetable, page_va, 0);
	} else if (!allowed(*pte, access)) {
		return UVM_ERR_PROTECTION;
	}
	// LAB(cow) begin
	if ((access & UVM_WRITE) && pte_is_cow(*pte)) {
		int err = break_cow(p, page_va, pte);
		if (err)
			return err;
	}
	// LAB(cow) stub
	// /*
	//  * TODO(lab cow): a write to a copy-on-write page gets a page of its own
	//  * (test with pte_is_cow: a shared-memory page has PTE_COW too, and is never copied).
	//  */
	// LAB(cow) end
	if (pa_out)
		*pa_out = PTE2PA(*pte) + (va - page_va);
	return 0;
}

void uvm_unmap_range(struct proc *p, uint64_t from, uint64_t to)
{
	from = (from + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (uint64_t va = from; va < to; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(p->pagetable, va, 0);
		if (!pte || !(*pte & PTE_V))
			continue;
		pageref_dec_and_free(PTE2PA(*pte));
		*pte = 0;
		p->resident--;
		p->heap_resident--;
	}
	/* Page tables whose whole 2 MiB lies in the range are empty now: free them too. */
	uint64_t table_span = VM_LEVEL_SIZE(1);
	for (uint64_t va = (from + table_span - 1) & ~(table_span - 1); va + table_span <= to;
	     va += table_span) {
		pte_t *l2 = &p->pagetable[PX(2, va)];
		if (!(*l2 & PTE_V))
			continue;
		pte_t *l1 = &((pte_t *)PTE2PA(*l2))[PX(1, va)];
		if (*l1 & PTE_V) {
			page_free((void *)PTE2PA(*l1));
			*l1 = 0;
		}
	}
}

void *uvm_map_fresh(uint64_t *pagetable, uint64_t va, uint64_t perm)
{
	pte_t *pte = vm_walk(pagetable, va, 1);
	if (!pte)
		return 0;
	if (*pte & PTE_V)
		panic("uvm: 0x%lx is already mapped (pte 0x%lx)", va, *pte);
	void *page = page_alloc();
	if (!page)
		return 0;
	pageref_set_one((uint64_t)page);
	*pte = PA2PTE(page) | perm | USER_PTE;
	return page;
}

int uvm_set_info(uint64_t *pagetable, int pid, const char *name)
{
	pte_t *pte = vm_walk(pagetable, USER_INFO_VA, 0);
	struct user_info *info = pte && (*pte & PTE_V)
					 ? (struct user_info *)PTE2PA(*pte)
					 : uvm_map_fresh(pagetable, USER_INFO_VA, PTE_R);
	if (!info)
		return UVM_ERR_NO_MEMORY;
	info->pid = pid;
	strlcpy(info->name, name, sizeof info->name);
	return 0;
}

// LAB(pgtbl) begin
/* What each level's lines start with: one " .." per level below the root, plus one. */
static const char *const print_indent[VM_LEVELS] = { " .. .. ..", " .. ..", " .." };

/*
 * Prints the first `slots` entries of table, a table at `level` whose
 * first entry maps va, and the tables under them, depth first. The
 * kernel's own tables are never reached: the caller passes only the
 * user half of a root, and a user table points only to user tables.
 */
static void print_table(const pte_t *table, int level, uint64_t va, uint64_t slots)
{
	for (uint64_t i = 0; i < slots; i++) {
		pte_t pte = table[i];
		if (!(pte & PTE_V))
			continue;
		uint64_t at = va + i * VM_LEVEL_SIZE(level);
		if (!(pte & PTE_LEAF)) {
			kprintf("%s[%lu] pte 0x%lx pa 0x%lx\n", print_indent[level], i, pte,
				PTE2PA(pte));
			if (level == 0)
				continue; /* a level-0 entry that is no leaf is reserved: nothing below */
			print_table((const pte_t *)PTE2PA(pte), level - 1, at, 512);
			continue;
		}
		kprintf("%s[%lu] pte 0x%lx pa 0x%lx va 0x%lx %c%c%c%c\n", print_indent[level], i,
			pte, PTE2PA(pte), at, pte & PTE_R ? 'r' : '-', pte & PTE_W ? 'w' : '-',
			pte & PTE_X ? 'x' : '-', pte & PTE_U ? 'u' : '-');
	}
}

void uvm_print(uint64_t *pagetable, int pid, const char *name)
{
	kprintf("vmprint: pid %d (%s): page table 0x%lx, user half\n", pid, name,
		(uint64_t)pagetable);
	print_table(pagetable, VM_LEVELS - 1, 0, PX(VM_LEVELS - 1, USER_TOP));
}
// LAB(pgtbl) stub
// void uvm_print(uint64_t *pagetable, int pid, const char *name)
// {
// 	/* TODO(lab pgtbl): print the user half of pagetable, a line per valid PTE. */
// 	(void)pagetable;
// 	kprintf("vmprint: pid %d (%s): not implemented (lab pgtbl)\n", pid, name);
// }
// LAB(pgtbl) end

uint64_t uvm_lazy_faults(void)
{
	return __atomic_load_n(&lazy_faults, __ATOMIC_RELAXED);
}

uint64_t uvm_cow_copies(void)
{
	return __atomic_load_n(&cow_copies, __ATOMIC_RELAXED);
}
