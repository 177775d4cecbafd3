/*
 * kernel/uvm.h - user address spaces: Sv39 page tables for processes.
 *
 * The user half (below USER_TOP, include/user_layout.h) is private to each
 * process; the kernel half is shared with the kernel's own table
 * (vm_share_kernel_half). Frames come from the hart that needs them
 * (page_alloc) and are counted in kernel/pageref.c, so fork can share them
 * copy-on-write. Heap and stack pages are given on first touch.
 */
#ifndef KERNEL_UVM_H
#define KERNEL_UVM_H

#include <stdint.h>

struct proc;

#define PTE_COW (1ul << 8) /* an RSW bit: writable once copied (or once no longer shared) */
/* An RSW bit: a MAP_SHARED page (kernel/mmap.c), which fork shares writable, never copies. */
#define PTE_SHARED (1ul << 9)
/*
 * Both RSW bits: a page of a named shared-memory block (kernel/shm.c). The
 * block owns the frame; a page table only borrows it, so fork copies the
 * entry as it is and uvm_free clears it without counting. Never
 * copy-on-write, though PTE_COW is one of its bits: test with pte_is_cow.
 */
#define PTE_SHM        (PTE_COW | PTE_SHARED)
#define PTE_FLAGS_MASK 0x3fful /* a leaf's flag bits, V to RSW */

/* Whether pte is copy-on-write (PTE_COW alone), or a shared-memory block's page (PTE_SHM). */
static inline int pte_is_cow(uint64_t pte)
{
	return (pte & PTE_SHM) == PTE_COW;
}
static inline int pte_is_shm(uint64_t pte)
{
	return (pte & PTE_SHM) == PTE_SHM;
}

/* Why an access to user memory failed. */
#define UVM_ERR_BAD_ADDRESS  -300 /* not user memory: unmapped and not heap or stack */
#define UVM_ERR_NO_MEMORY    -301 /* a page was due but no frame was free */
#define UVM_ERR_PROTECTION   -302 /* mapped, but not for this kind of access */
#define UVM_ERR_CANNOT_SLEEP -303 /* a mapped file's page was due under a lock: no disk wait */

/* Kinds of access to resolve. */
#define UVM_READ  1
#define UVM_WRITE 2
#define UVM_EXEC  4

const char *uvm_strerror(int err);

/* A new user page table: the kernel half shared, the root range at USER_ROOT_VA. 0 if no memory. */
uint64_t *uvm_create(void);
/* Frees every user page (dropping shared ones' counts) and the tables themselves. */
void uvm_free(uint64_t *pagetable);
/*
 * Makes child share every user page of parent copy-on-write (writable pages
 * become read-only in both, marked PTE_COW; a PTE_SHARED page stays writable
 * in both, and a PTE_SHM entry is copied as it is). 0, or UVM_ERR_NO_MEMORY (the caller frees child). The caller
 * flushes the parent's TLB.
 */
int uvm_share_cow(uint64_t *parent, uint64_t *child);
/*
 * Makes the page holding va usable for access by process p: gives a lazy
 * heap or stack page, copies a shared copy-on-write page on a write. On
 * success *pa_out (if not NULL) is the physical address of va. 0 or UVM_ERR_*.
 */
int uvm_resolve(struct proc *p, uint64_t va, int access, uint64_t *pa_out);
/* Unmaps and frees the user pages in [from, to) (sbrk shrinking). The caller flushes. */
void uvm_unmap_range(struct proc *p, uint64_t from, uint64_t to);
/*
 * Maps a fresh zeroed page at va with perm (PTE_R/W/X; PTE_U is added) in
 * pagetable; its kernel address, or 0 when out of memory (exec).
 */
void *uvm_map_fresh(uint64_t *pagetable, uint64_t va, uint64_t perm);
/*
 * Writes the read-only page at USER_INFO_VA (mapping it first if need be):
 * pid and name, for debuggers and the user library. 0 or UVM_ERR_NO_MEMORY.
 */
int uvm_set_info(uint64_t *pagetable, int pid, const char *name);
/*
 * vmprint: prints the user half of pagetable (root slots below USER_TOP),
 * a header line naming the process, then a line per valid PTE, depth
 * first, indented one " .." per level: its slot, the PTE, the physical
 * address it names and, for a leaf, the virtual address and r/w/x/u.
 */
void uvm_print(uint64_t *pagetable, int pid, const char *name);
/* Whether va is a lazily backed address of p (heap beyond the image, or stack). */
int uvm_is_lazy(struct proc *p, uint64_t va);
/* Counters for memstat. */
uint64_t uvm_lazy_faults(void);
uint64_t uvm_cow_copies(void);

#endif
