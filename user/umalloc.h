/*
 * user/umalloc.h - what the user heap tells beyond malloc and free.
 *
 * malloc, free, realloc and calloc (user/user.h) are mm/heap, the kernel's
 * checked block heap, over sbrk. A corrupt block found by any of them is
 * reported on fd 2, naming the block, the field and the values, and the
 * program exits with status -1: it never runs on with a broken heap.
 */
#ifndef USER_UMALLOC_H
#define USER_UMALLOC_H

struct heap_stats;

/*
 * Walks this process's heap (mm/heap's heap_stats: every header checked)
 * and fills *stats. 0, or a HEAP_ERR_* code after reporting the fault on
 * fd 2 (the heap is not touched after that; the caller decides to exit).
 */
int malloc_stats(struct heap_stats *stats);

#endif
