/*
 * kernel/shm.h - named shared memory (include/shm.h has the system calls).
 *
 * A block's frames are its own, taken from the page allocator at create
 * and given back when the block has neither a name nor an attachment. An
 * attachment maps the whole block into one process with PTE_SHM entries
 * (kernel/uvm.h): the page table borrows the frames, so fork copies those
 * entries as they are (the child sees the same frames) and uvm_free never
 * counts or frees them. What a process has attached is a list of its own
 * (struct proc's shm), kmalloc'd like the blocks: memory is the only limit
 * on either. Attachments and file mappings (kernel/mmap.c) never overlap:
 * each side's address search steps over the other's ranges.
 */
#ifndef KERNEL_SHM_H
#define KERNEL_SHM_H

#include <stdint.h>

struct proc;
struct shminfo;

/* Why a shm call refused (the system calls return -1 for each). */
#define SHM_ERR_INVALID   -320 /* a bad name, size, address or flags */
#define SHM_ERR_EXISTS    -321 /* create: the name is taken */
#define SHM_ERR_NOT_FOUND -322 /* no block has that name (or no attachment starts there) */
#define SHM_ERR_NO_MEMORY -323 /* free memory cannot back the block, or its page tables */
#define SHM_ERR_NO_ROOM   -324 /* no address range of the process fits the block */

/* A block of size_bytes under name (NUL-ended), zero-filled. 0 or SHM_ERR_*. */
int shm_create(const char *name, uint64_t size_bytes);
/*
 * Maps block name into p at va (0: the kernel picks), read-only if flags
 * has SHM_RDONLY. The address, or SHM_ERR_*.
 */
int64_t shm_attach(struct proc *p, const char *name, uint64_t va, int flags);
/* Unmaps p's attachment starting at va. 0 or SHM_ERR_NOT_FOUND. */
int shm_detach(struct proc *p, uint64_t va);
/* Removes the name; the block goes with its last attachment. 0 or SHM_ERR_NOT_FOUND. */
int shm_unlink(const char *name);
/*
 * The child gets a record of each of the parent's attachments (their page
 * entries were copied by uvm_share_cow). 0, or SHM_ERR_NO_MEMORY with the
 * child given none (the caller frees the child).
 */
int shm_fork(struct proc *parent, struct proc *child);
/* Detaches everything p has attached (exit, and exec before the switch). */
void shm_release(struct proc *p);
/* The lowest address of p's attachments, or USER_STACK_GUARD with none: where the heap must end. */
uint64_t shm_floor(struct proc *p);
/* The lowest start of p's attachments that meet [from, to), or `to` when none does. */
uint64_t shm_lowest_in(struct proc *p, uint64_t from, uint64_t to);
/* Fills up to max entries, one per block; the number of blocks (which may be more than max). */
int shm_list(struct shminfo *out, int max);

#endif
