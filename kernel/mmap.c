/*
 * kernel/mmap.c - file-backed mappings (mmap.h) and their system calls.
 *
 * A page of a region is read from the file on its first touch and mapped
 * with the region's permissions (always readable: RISC-V has no
 * write-only pages); a MAP_SHARED page also carries PTE_SHARED, so fork
 * shares it writable instead of copy-on-write. Dirty pages are not
 * tracked: unmapping a writable MAP_SHARED page writes it back whole (but
 * never past the file's size: a mapping does not grow its file).
 */
#include "mmap.h"

#include "../include/user_layout.h"
#include "../lib/string.h"
#include "console.h"
#include "fcntl.h"
#include "file.h"
#include "fsys.h"
#include "hart.h"
#include "kalloc.h"
#include "pageref.h"
#include "proc.h"
#include "riscv.h"
#include "shm.h"
#include "syscall.h"
#include "uvm.h"
#include "vm.h"

const char *mmap_strerror(int err)
{
	switch (err) {
	case MMAP_ERR_INVALID: return "bad address, length, offset, prot or flags";
	case MMAP_ERR_NOT_A_FILE: return "not a file (a pipe or a device)";
	case MMAP_ERR_ACCESS: return "the file is not open for that access";
	case MMAP_ERR_NO_ROOM: return "no free region or address range";
	case MMAP_ERR_NOT_IMPLEMENTED: return "mmap is not implemented (lab lazy)";
	}
	return "unknown mmap error";
}

/* mmap(addr, len, prot, flags, fd, offset): addr must be 0 (the kernel picks); -1 on error. */
long sys_mmap(void)
{
	struct file *f;
	if (arg_u64(0) != 0 || arg_fd(4, NULL, &f) < 0)
		return -1;
	int64_t va = mmap_map(myproc(), arg_u64(1), arg_int(2), arg_int(3), f, arg_u64(5));
	return va < 0 ? -1 : va;
}

long sys_munmap(void)
{
	return mmap_unmap(myproc(), arg_u64(0), arg_u64(1)) < 0 ? -1 : 0;
}

// LAB(lazy) begin
#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* A region of p that overlaps [from, to), or NULL. */
static struct mmap_region *overlapping(struct proc *p, uint64_t from, uint64_t to)
{
	for (int i = 0; i < MMAP_MAX; i++) {
		struct mmap_region *r = &p->mmaps[i];
		if (r->end && r->start < to && from < r->end)
			return r;
	}
	return 0;
}

static struct mmap_region *free_slot(struct proc *p)
{
	for (int i = 0; i < MMAP_MAX; i++)
		if (!p->mmaps[i].end)
			return &p->mmaps[i];
	return 0;
}

uint64_t mmap_floor(struct proc *p)
{
	uint64_t floor = USER_STACK_GUARD;
	for (int i = 0; i < MMAP_MAX; i++)
		if (p->mmaps[i].end && p->mmaps[i].start < floor)
			floor = p->mmaps[i].start;
	return floor;
}

/*
 * The highest start below the guard page where len bytes fit above the
 * break, clear of regions and of shared-memory attachments; 0 if none.
 */
static uint64_t find_room(struct proc *p, uint64_t len)
{
	uint64_t top = USER_STACK_GUARD, bottom = page_up(p->heap_end);
	while (top >= bottom + len) {
		struct mmap_region *in_the_way = overlapping(p, top - len, top);
		uint64_t attached = shm_lowest_in(p, top - len, top); /* top: none */
		if (!in_the_way && attached == top)
			return top - len;
		/* strictly lower: the loop ends */
		top = in_the_way && in_the_way->start < attached ? in_the_way->start : attached;
	}
	return 0;
}

int64_t mmap_map(struct proc *p, uint64_t len, int prot, int flags, struct file *f, uint64_t offset)
{
	if (len == 0 || len > USER_STACK_GUARD || (prot & ~PROT_ALL) ||
	    (flags != MAP_SHARED && flags != MAP_PRIVATE) || offset % PAGE_SIZE)
		return MMAP_ERR_INVALID;
	if (f->type != FILE_INODE)
		return MMAP_ERR_NOT_A_FILE;
	/* Pages are read from the file; a shared writable one is written back to it. */
	if (!f->readable || (flags == MAP_SHARED && (prot & PROT_WRITE) && !f->writable))
		return MMAP_ERR_ACCESS;
	len = page_up(len);
	struct mmap_region *r = free_slot(p);
	uint64_t start = r ? find_room(p, len) : 0;
	if (!start)
		return MMAP_ERR_NO_ROOM;
	*r = (struct mmap_region){ start, start + len, offset, prot, flags, file_dup(f) };
	return (int64_t)start;
}

static uint64_t pte_perm(const struct mmap_region *r)
{
	uint64_t perm = PTE_R;
	if (r->prot & PROT_WRITE)
		perm |= PTE_W;
	if (r->prot & PROT_EXEC)
		perm |= PTE_X;
	if (r->flags == MAP_SHARED)
		perm |= PTE_SHARED;
	return perm;
}

static int prot_allows(int prot, int access)
{
	if ((access & UVM_READ) && !(prot & (PROT_READ | PROT_WRITE)))
		return 0;
	if ((access & UVM_WRITE) && !(prot & PROT_WRITE))
		return 0;
	return !(access & UVM_EXEC) || (prot & PROT_EXEC);
}

int mmap_fault(struct proc *p, uint64_t va, int access)
{
	struct mmap_region *r = overlapping(p, va, va + 1);
	if (!r)
		return UVM_ERR_BAD_ADDRESS;
	if (!prot_allows(r->prot, access))
		return UVM_ERR_PROTECTION;
	struct inode *ip = r->file->ip;
	/*
	 * Reading the file sleeps. A copy made under a spinlock (a pipe's, the
	 * wait lock) or under this file's own locks (read() of a file into a
	 * mapping of it) must not wait here: that copy fails instead. read()
	 * and write() touch their buffer's mapped pages first (mmap_prefault).
	 */
	if (this_hart()->push_depth || sleeplock_held(&ip->lock))
		return UVM_ERR_CANNOT_SLEEP;
	pte_t *pte = vm_walk(p->pagetable, va, 1);
	void *page = pte ? page_alloc() : 0;
	if (!page)
		return UVM_ERR_NO_MEMORY;
	inode_lock(ip);
	int got = inode_read(ip, 0, (uint64_t)page, r->offset + (va - r->start), PAGE_SIZE);
	inode_unlock(ip);
	if (got < 0) {
		page_free(page);
		return UVM_ERR_BAD_ADDRESS; /* a corrupt file (fs_corrupt said which) */
	}
	pageref_set_one((uint64_t)page);
	*pte = PA2PTE(page) | pte_perm(r) | PTE_V | PTE_U | PTE_A | PTE_D;
	p->resident++;
	return 0;
}

/* Writes page pa, mapped at va of shared region r, back to its file, within the file's size. */
static void write_back(struct proc *p, const struct mmap_region *r, uint64_t va, uint64_t pa)
{
	struct inode *ip = r->file->ip;
	uint64_t off = r->offset + (va - r->start);
	log_begin_op();
	inode_lock(ip);
	uint64_t left = off < ip->size ? ip->size - off : 0;
	int want = (int)(left < PAGE_SIZE ? left : PAGE_SIZE);
	int wrote = want ? inode_write(ip, 0, pa, off, (uint32_t)want) : 0;
	inode_unlock(ip);
	log_end_op();
	if (wrote != want)
		kprintf("magma: pid %d (%s): writing a shared mapping back to inode %u at %lu "
			"failed (%d of %d bytes)\n",
			p->pid, p->name, ip->inum, off, wrote, want);
}

/* Unmaps r's resident pages in [from, to), writing them back if r is shared and writable. */
static void unmap_pages(struct proc *p, const struct mmap_region *r, uint64_t from, uint64_t to)
{
	int back = r->flags == MAP_SHARED && (r->prot & PROT_WRITE);
	for (uint64_t va = from; va < to; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(p->pagetable, va, 0);
		if (!pte || !(*pte & PTE_V))
			continue;
		if (back)
			write_back(p, r, va, PTE2PA(*pte));
		pageref_dec_and_free(PTE2PA(*pte));
		*pte = 0;
		p->resident--;
	}
	sfence_vma_all();
}

int mmap_unmap(struct proc *p, uint64_t addr, uint64_t len)
{
	if (addr % PAGE_SIZE || len == 0 || addr >= USER_TOP || len > USER_TOP - addr)
		return MMAP_ERR_INVALID;
	uint64_t end = page_up(addr + len);
	/* A cut inside a region splits it: check there is a slot for the upper part first. */
	int splits = 0;
	for (int i = 0; i < MMAP_MAX; i++) {
		struct mmap_region *r = &p->mmaps[i];
		splits += r->end && r->start < addr && end < r->end;
	}
	if (splits && !free_slot(p))
		return MMAP_ERR_NO_ROOM;
	for (int i = 0; i < MMAP_MAX; i++) {
		struct mmap_region *r = &p->mmaps[i];
		if (!r->end || r->end <= addr || end <= r->start)
			continue;
		uint64_t from = r->start > addr ? r->start : addr;
		uint64_t to = r->end < end ? r->end : end;
		unmap_pages(p, r, from, to);
		if (from == r->start && to == r->end) {
			file_close(r->file);
			memset(r, 0, sizeof *r);
		} else if (from == r->start) {
			r->offset += to - r->start;
			r->start = to;
		} else if (to == r->end) {
			r->end = from;
		} else {
			struct mmap_region *upper = free_slot(p);
			*upper = *r;
			upper->start = to;
			upper->offset += to - r->start;
			file_dup(upper->file);
			r->end = from;
		}
	}
	return 0;
}

void mmap_prefault(struct proc *p, uint64_t va, uint64_t len, int access)
{
	uint64_t end = va + len;
	if (end < va)
		return; /* wraps: the copy itself fails */
	for (int i = 0; i < MMAP_MAX; i++) {
		struct mmap_region *r = &p->mmaps[i];
		if (!r->end || r->end <= va || end <= r->start)
			continue;
		uint64_t from = r->start > va ? r->start : va & ~(PAGE_SIZE - 1);
		uint64_t to = r->end < end ? r->end : end;
		for (uint64_t page = from; page < to; page += PAGE_SIZE)
			uvm_resolve(p, page, access, 0); /* a page it cannot give fails the copy */
	}
}

void mmap_fork(struct proc *parent, struct proc *child)
{
	for (int i = 0; i < MMAP_MAX; i++) {
		child->mmaps[i] = parent->mmaps[i];
		if (child->mmaps[i].end)
			file_dup(child->mmaps[i].file);
	}
}

void mmap_release(struct proc *p)
{
	for (int i = 0; i < MMAP_MAX; i++) {
		struct mmap_region *r = &p->mmaps[i];
		if (!r->end)
			continue;
		unmap_pages(p, r, r->start, r->end);
		file_close(r->file);
		memset(r, 0, sizeof *r);
	}
}
// LAB(lazy) stub
// /*
//  * TODO(lab lazy): file-backed mappings (LAB.md: the tasks). Until then a
//  * process has no regions: mmap fails, and nothing else has work to do.
//  */
// int64_t mmap_map(struct proc *p, uint64_t len, int prot, int flags, struct file *f,
// 		 uint64_t offset)
// {
// 	(void)p;
// 	(void)len;
// 	(void)prot;
// 	(void)flags;
// 	(void)f;
// 	(void)offset;
// 	return MMAP_ERR_NOT_IMPLEMENTED;
// }
//
// int mmap_unmap(struct proc *p, uint64_t addr, uint64_t len)
// {
// 	(void)p;
// 	(void)addr;
// 	(void)len;
// 	return MMAP_ERR_NOT_IMPLEMENTED;
// }
//
// int mmap_fault(struct proc *p, uint64_t va, int access)
// {
// 	(void)p;
// 	(void)va;
// 	(void)access;
// 	return UVM_ERR_BAD_ADDRESS;
// }
//
// void mmap_prefault(struct proc *p, uint64_t va, uint64_t len, int access)
// {
// 	(void)p;
// 	(void)va;
// 	(void)len;
// 	(void)access;
// }
//
// void mmap_fork(struct proc *parent, struct proc *child)
// {
// 	(void)parent;
// 	(void)child;
// }
//
// void mmap_release(struct proc *p)
// {
// 	(void)p;
// }
//
// uint64_t mmap_floor(struct proc *p)
// {
// 	(void)p;
// 	return USER_STACK_GUARD;
// }
// LAB(lazy) end
