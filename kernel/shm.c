/*
 * kernel/shm.c - named shared memory (shm.h) and its system calls.
 *
 * Every block is on one list, named or not: an unlinked block lives on
 * there, nameless, until its last attachment goes, so memstat sees it.
 * The list, each block's attachment count and its unlinked flag are under
 * shm_lock; a block's name, size and frames never change once it is on
 * the list. A process's own attachments need no lock: only the process
 * touches them (fork reads the parent's from the parent).
 *
 * Attaching maps every page at once: a block is memory already taken, so
 * there is nothing to give lazily, and a fault in an attachment can only
 * be a store into a read-only one (uvm_resolve refuses it: PTE_W is off).
 */
#include "shm.h"

#include "../include/shm.h"
#include "../include/user_layout.h"
#include "../lib/string.h"
#include "kalloc.h"
#include "kmalloc.h"
#include "mmap.h"
#include "panic.h"
#include "proc.h"
#include "riscv.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"

struct shm_block {
	struct shm_block *next; /* every block, under shm_lock */
	char name[SHM_NAME_MAX + 1];
	uint64_t size_bytes; /* as asked for */
	uint64_t npages;
	uint64_t *frames;  /* npages physical addresses, the block's own */
	uint32_t mappings; /* attachments in every process; under shm_lock */
	int unlinked;      /* the name is gone (under shm_lock): no new attachment */
};

/* One attachment of a block in one process (struct proc's shm list). */
struct shm_attach {
	struct shm_attach *next;
	struct shm_block *block;
	uint64_t start, end; /* [start, end): the whole block, page aligned */
	int readonly;
};

static struct spinlock shm_lock = SPINLOCK_INIT("shm");
static struct shm_block *blocks;

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Names are printed by memstat as one word: 1 to SHM_NAME_MAX printable, non-space bytes. */
static int name_ok(const char *name)
{
	uint64_t len = strlen(name);
	if (len == 0 || len > SHM_NAME_MAX)
		return 0;
	for (uint64_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return 0;
	return 1;
}

/* The named (not unlinked) block called name, or NULL. Caller holds shm_lock. */
static struct shm_block *named(const char *name)
{
	for (struct shm_block *b = blocks; b; b = b->next)
		if (!b->unlinked && strcmp(b->name, name) == 0)
			return b;
	return 0;
}

/* Gives back the first n frames of b, its frame array and b. b is on no list. */
static void block_free(struct shm_block *b, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		page_free((void *)b->frames[i]);
	kfree(b->frames);
	kfree(b);
}

/* Takes b off the list. Caller holds shm_lock. */
static void unlist(struct shm_block *b)
{
	struct shm_block **link = &blocks;
	while (*link != b)
		link = &(*link)->next;
	*link = b->next;
}

/* One attachment of b fewer; frees b when it was the last and the name is gone. */
static void block_put(struct shm_block *b)
{
	spin_lock(&shm_lock);
	int last = --b->mappings == 0 && b->unlinked;
	if (last)
		unlist(b);
	spin_unlock(&shm_lock);
	if (last)
		block_free(b, b->npages);
}

int shm_create(const char *name, uint64_t size_bytes)
{
	if (!name_ok(name) || size_bytes == 0 || size_bytes > SHM_SIZE_MAX)
		return SHM_ERR_INVALID;
	uint64_t npages = page_up(size_bytes) / PAGE_SIZE;
	uint64_t array_pages = page_up(npages * sizeof(uint64_t)) / PAGE_SIZE;
	/* Not the last frames: the kernel keeps what sbrk keeps for itself. */
	if (npages + array_pages + KERNEL_RESERVE_FRAMES > kalloc_free_frames())
		return SHM_ERR_NO_MEMORY;
	struct shm_block *b = kmalloc(sizeof *b);
	uint64_t *frames = b ? kmalloc(npages * sizeof *frames) : 0;
	if (!frames) {
		kfree(b);
		return SHM_ERR_NO_MEMORY;
	}
	memset(b, 0, sizeof *b);
	strlcpy(b->name, name, sizeof b->name);
	b->size_bytes = size_bytes;
	b->npages = npages;
	b->frames = frames;
	for (uint64_t i = 0; i < npages; i++) {
		void *page = page_alloc();
		if (!page) {
			block_free(b, i);
			return SHM_ERR_NO_MEMORY;
		}
		frames[i] = (uint64_t)page;
	}
	spin_lock(&shm_lock);
	int taken = named(name) != 0;
	if (!taken) {
		b->next = blocks;
		blocks = b;
	}
	spin_unlock(&shm_lock);
	if (taken) {
		block_free(b, npages);
		return SHM_ERR_EXISTS;
	}
	return 0;
}

uint64_t shm_lowest_in(struct proc *p, uint64_t from, uint64_t to)
{
	uint64_t lowest = to;
	for (struct shm_attach *a = p->shm; a; a = a->next)
		if (a->start < to && from < a->end && a->start < lowest)
			lowest = a->start;
	return lowest;
}

/* The lowest start of p's attachments and file mappings that meet [from, to), or `to`. */
static uint64_t lowest_mapping_in(struct proc *p, uint64_t from, uint64_t to)
{
	uint64_t lowest = shm_lowest_in(p, from, to);
	for (int i = 0; i < MMAP_MAX; i++) {
		const struct mmap_region *r = &p->mmaps[i];
		if (r->end && r->start < to && from < r->end && r->start < lowest)
			lowest = r->start;
	}
	return lowest;
}

/* Whether [va, va + len) is free for an attachment: above the break, below the stack, unmapped. */
static int range_free(struct proc *p, uint64_t va, uint64_t len)
{
	return va % PAGE_SIZE == 0 && va >= page_up(p->heap_end) && va < USER_STACK_GUARD &&
	       len <= USER_STACK_GUARD - va && lowest_mapping_in(p, va, va + len) == va + len;
}

/* The highest start below the stack's guard page where len bytes fit; 0 if none. */
static uint64_t find_room(struct proc *p, uint64_t len)
{
	uint64_t top = USER_STACK_GUARD, bottom = page_up(p->heap_end);
	while (top >= bottom + len) {
		uint64_t lowest = lowest_mapping_in(p, top - len, top);
		if (lowest == top)
			return top - len;
		top = lowest; /* strictly lower: the loop ends */
	}
	return 0;
}

/* Clears the entries of [from, to) in pagetable: borrowed frames, nothing to free. */
static void unmap_range(uint64_t *pagetable, uint64_t from, uint64_t to)
{
	for (uint64_t va = from; va < to; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(pagetable, va, 0);
		if (pte)
			*pte = 0;
	}
	sfence_vma_all();
}

/* Maps a's block into p's page table; 0, or SHM_ERR_NO_MEMORY with nothing left mapped. */
static int map_block(struct proc *p, const struct shm_attach *a)
{
	uint64_t perm = PTE_R | (a->readonly ? 0 : PTE_W) | PTE_SHM | PTE_V | PTE_U | PTE_A | PTE_D;
	for (uint64_t i = 0; i < a->block->npages; i++) {
		uint64_t va = a->start + i * PAGE_SIZE;
		pte_t *pte = vm_walk(p->pagetable, va, 1);
		if (!pte) {
			unmap_range(p->pagetable, a->start, va);
			return SHM_ERR_NO_MEMORY;
		}
		if (*pte & PTE_V)
			panic("shm: attaching %s at 0x%lx: 0x%lx is already mapped (pte 0x%lx)",
			      a->block->name, a->start, va, *pte);
		*pte = PA2PTE(a->block->frames[i]) | perm;
	}
	return 0;
}

int64_t shm_attach(struct proc *p, const char *name, uint64_t va, int flags)
{
	if (!name_ok(name) || (flags & ~SHM_RDONLY))
		return SHM_ERR_INVALID;
	struct shm_attach *a = kmalloc(sizeof *a);
	if (!a)
		return SHM_ERR_NO_MEMORY;
	spin_lock(&shm_lock);
	struct shm_block *b = named(name);
	if (b)
		b->mappings++; /* from here on b stays, even if it is unlinked meanwhile */
	spin_unlock(&shm_lock);
	if (!b) {
		kfree(a);
		return SHM_ERR_NOT_FOUND;
	}
	uint64_t len = b->npages * PAGE_SIZE;
	int err = 0;
	if (va && !range_free(p, va, len))
		err = SHM_ERR_INVALID;
	else if (!va && !(va = find_room(p, len)))
		err = SHM_ERR_NO_ROOM;
	*a = (struct shm_attach){ p->shm, b, va, va + len, flags & SHM_RDONLY };
	if (!err)
		err = map_block(p, a);
	if (err) {
		kfree(a);
		block_put(b);
		return err;
	}
	p->shm = a;
	return (int64_t)va;
}

/* Unmaps a (on p's list at *link), takes it off the list and drops its block. */
static void detach(struct proc *p, struct shm_attach **link)
{
	struct shm_attach *a = *link;
	unmap_range(p->pagetable, a->start, a->end);
	*link = a->next;
	block_put(a->block);
	kfree(a);
}

int shm_detach(struct proc *p, uint64_t va)
{
	for (struct shm_attach **link = &p->shm; *link; link = &(*link)->next) {
		if ((*link)->start == va) {
			detach(p, link);
			return 0;
		}
	}
	return SHM_ERR_NOT_FOUND;
}

void shm_release(struct proc *p)
{
	while (p->shm)
		detach(p, &p->shm);
}

int shm_unlink(const char *name)
{
	spin_lock(&shm_lock);
	struct shm_block *b = named(name);
	int unused = b && b->mappings == 0;
	if (b)
		b->unlinked = 1;
	if (unused)
		unlist(b);
	spin_unlock(&shm_lock);
	if (unused)
		block_free(b, b->npages);
	return b ? 0 : SHM_ERR_NOT_FOUND;
}

int shm_fork(struct proc *parent, struct proc *child)
{
	struct shm_attach **tail = &child->shm;
	for (struct shm_attach *a = parent->shm; a; a = a->next) {
		struct shm_attach *copy = kmalloc(sizeof *copy);
		if (!copy) {
			/* The child's entries stay for uvm_free, which leaves borrowed frames alone. */
			while (child->shm) {
				struct shm_attach *next = child->shm->next;
				block_put(child->shm->block);
				kfree(child->shm);
				child->shm = next;
			}
			return SHM_ERR_NO_MEMORY;
		}
		*copy = *a;
		copy->next = 0;
		spin_lock(&shm_lock);
		a->block->mappings++;
		spin_unlock(&shm_lock);
		*tail = copy;
		tail = &copy->next;
	}
	return 0;
}

uint64_t shm_floor(struct proc *p)
{
	return shm_lowest_in(p, 0, USER_STACK_GUARD);
}

int shm_list(struct shminfo *out, int max)
{
	int n = 0;
	spin_lock(&shm_lock);
	for (struct shm_block *b = blocks; b; b = b->next, n++) {
		if (n >= max)
			continue;
		struct shminfo *info = &out[n];
		memset(info, 0, sizeof *info);
		memcpy(info->name, b->name, sizeof info->name);
		info->size_bytes = b->size_bytes;
		info->mappings = b->mappings;
		info->unlinked = (uint32_t)b->unlinked;
	}
	spin_unlock(&shm_lock);
	return n;
}

/* shmcreate(name, size): 0, or -1. */
long sys_shmcreate(void)
{
	char name[SHM_NAME_MAX + 1];
	if (arg_str(0, name, sizeof name) < 0)
		return -1; /* a bad pointer, or no NUL within SHM_NAME_MAX + 1 bytes: too long */
	return shm_create(name, arg_u64(1)) < 0 ? -1 : 0;
}

/* shmattach(name, addr, flags): the address, or -1 (SHM_FAILED). */
long sys_shmattach(void)
{
	char name[SHM_NAME_MAX + 1];
	if (arg_str(0, name, sizeof name) < 0)
		return -1;
	int64_t va = shm_attach(myproc(), name, arg_u64(1), arg_int(2));
	return va < 0 ? -1 : va;
}

long sys_shmdetach(void)
{
	return shm_detach(myproc(), arg_u64(0)) < 0 ? -1 : 0;
}

long sys_shmunlink(void)
{
	char name[SHM_NAME_MAX + 1];
	if (arg_str(0, name, sizeof name) < 0)
		return -1;
	return shm_unlink(name) < 0 ? -1 : 0;
}

/* shmstat(out, max): copies up to max entries out; the number of blocks, or -1. */
long sys_shmstat(void)
{
	int max = arg_int(1);
	if (max < 0)
		return -1;
	if (max > SHMSTAT_MAX)
		max = SHMSTAT_MAX;
	struct shminfo *buf = kmalloc((uint64_t)(max ? max : 1) * sizeof *buf);
	if (!buf)
		return -1;
	int n = shm_list(buf, max);
	int filled = n < max ? n : max;
	long result = copyout(arg_u64(0), buf, (uint64_t)filled * sizeof *buf) < 0 ? -1 : n;
	kfree(buf);
	return result;
}
