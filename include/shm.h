/*
 * include/shm.h - named shared memory: what the kernel (kernel/shm.c) and
 * user programs share.
 *
 * A block is some pages of memory under a name. The system calls (user/user.h):
 *
 *   int shmcreate(const char *name, uint64 size)   0, or -1
 *       a new block of size bytes (rounded up to pages), zero-filled; -1 for
 *       a bad name, a size of 0 or over SHM_SIZE_MAX or more than free
 *       memory can back, or a name that is taken
 *   void *shmattach(const char *name, void *addr, int flags)
 *       maps the whole block into the caller: at addr (page aligned, above
 *       the break, below the stack, over no other mapping) or, with addr 0,
 *       where the kernel picks (top down below the stack, like mmap); flags
 *       0 or SHM_RDONLY (a store kills the process). The address, or
 *       SHM_FAILED (an unknown or unlinked name, a bad address or flags)
 *   int shmdetach(void *addr)                      0, or -1
 *       unmaps the attachment that starts at addr
 *   int shmunlink(const char *name)                0, or -1 (no such name)
 *       removes the name; the block lives on until its last attachment goes
 *   int shmstat(struct shminfo *out, int max)      how many, or -1
 *       fills up to max entries, one per block (memstat lists them)
 *
 * A block is freed when it has no name and no attachment. fork's child
 * shares the parent's attachments (the same frames, not a copy); exit and
 * exec detach every attachment of the process.
 *
 * Plain header: no dependencies beyond <stdint.h>.
 */
#ifndef MAGMA_SHM_H
#define MAGMA_SHM_H

#include <stdint.h>

#define SHM_NAME_MAX 63 /* bytes of a name, the NUL not counted; printable ASCII, no space */
/* The largest block: half the user half, so a program and its heap still fit beside it. */
#define SHM_SIZE_MAX (1ul << 30)

#define SHM_RDONLY 0x1 /* shmattach: map the block read-only */

#define SHM_FAILED ((void *)-1) /* what shmattach returns on error */

#define SHMSTAT_MAX 256 /* entries one shmstat call fills at most */

/* One block, as shmstat reports it. */
struct shminfo {
	char name[SHM_NAME_MAX + 1];
	uint64_t size_bytes; /* as asked for at create */
	uint32_t mappings;   /* attachments in all processes */
	uint32_t unlinked;   /* 1 once the name is gone: freed at the last detach */
};

#endif
