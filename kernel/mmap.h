/*
 * kernel/mmap.h - file-backed mappings: mmap and munmap.
 *
 * A process has up to MMAP_MAX regions, each a page-aligned range of its
 * address space showing an open file from a page-aligned offset. Nothing
 * is read at mmap: a page is read from the file on its first touch
 * (uvm_resolve calls mmap_fault). A MAP_SHARED region's pages are written
 * back to the file when they are unmapped (munmap, exit, exec) and are
 * shared writable by fork; a MAP_PRIVATE region's are never written back
 * and are copy-on-write across fork, like any other page. A region holds a
 * reference to its file, so closing the descriptor does not end it.
 *
 * Regions are placed top down from the stack's guard page; the heap may
 * not grow into them (mmap_floor) and a region is never placed below the
 * break. A process only touches its own regions (fork reads the parent's
 * from the parent), so they need no lock.
 */
#ifndef KERNEL_MMAP_H
#define KERNEL_MMAP_H

#include <stdint.h>

struct file;
struct proc;

#define MMAP_MAX 16 /* regions per process */

struct mmap_region {
	uint64_t start, end; /* [start, end), page aligned; end == 0: the slot is free */
	uint64_t offset;     /* the file offset shown at start (page aligned) */
	int prot;            /* PROT_* (kernel/fcntl.h) */
	int flags;           /* MAP_SHARED or MAP_PRIVATE */
	struct file *file;   /* a reference of the region's own */
};

/* Why mmap or munmap refused (the system calls return -1 for each). */
#define MMAP_ERR_INVALID         -310 /* bad address, length, offset, prot or flags */
#define MMAP_ERR_NOT_A_FILE      -311 /* the descriptor is a pipe or a device */
#define MMAP_ERR_ACCESS          -312 /* the file is not open for what prot and flags need */
#define MMAP_ERR_NO_ROOM         -313 /* every region slot is in use, or no address range fits */
#define MMAP_ERR_NOT_IMPLEMENTED -314 /* the starter of lab lazy: there are no mappings yet */

const char *mmap_strerror(int err);

/*
 * Maps len bytes of f from offset into p, at an address the kernel picks;
 * that address, or MMAP_ERR_*. The pages come on first touch.
 */
int64_t mmap_map(struct proc *p, uint64_t len, int prot, int flags, struct file *f,
		 uint64_t offset);
/*
 * Unmaps the pages of [addr, addr + len) that lie in regions, writing a
 * MAP_SHARED region's back first; a region may lose its front, its back, a
 * middle part (it splits in two) or all of it. 0, or MMAP_ERR_* (addr not
 * page aligned, len 0, no slot for the second half of a split).
 */
int mmap_unmap(struct proc *p, uint64_t addr, uint64_t len);
/*
 * The first touch of page va: if a region holds it, reads the page from the
 * file and maps it. 0; UVM_ERR_BAD_ADDRESS when no region holds va;
 * UVM_ERR_PROTECTION when the region's prot forbids the access;
 * UVM_ERR_NO_MEMORY; UVM_ERR_CANNOT_SLEEP when the caller holds a spinlock
 * or the file's inode lock. Sleeps (the disk).
 */
int mmap_fault(struct proc *p, uint64_t va, int access);
/*
 * Gives the pages of [va, va + len) that lie in p's regions now, for
 * access (UVM_READ or UVM_WRITE): read() and write() call it before they
 * take any lock, since a mapped page cannot be read from its file under
 * one (mmap_fault refuses). Pages it cannot give are left to the copy,
 * which then fails.
 */
void mmap_prefault(struct proc *p, uint64_t va, uint64_t len, int access);
/* The child gets the parent's regions, each with a reference to its file (fork). */
void mmap_fork(struct proc *parent, struct proc *child);
/* Unmaps every region of p, writing MAP_SHARED pages back (exit, and exec before the switch). */
void mmap_release(struct proc *p);
/* The lowest address of p's regions, or USER_STACK_GUARD with none: where the heap must end. */
uint64_t mmap_floor(struct proc *p);

#endif
