/*
 * kernel/kmalloc.h - the kernel heap: mm/heap over page frames.
 *
 * mm/heap wants contiguous memory when it grows; frames come one page at a
 * time, anywhere. So the heap lives in its own virtual window
 * (KHEAP_VA_BASE), and each grow maps fresh frames one after another there:
 * contiguous to the heap, scattered in RAM. Interrupts are off inside each
 * call (a hart's arena is never re-entered); a corrupt block found by any
 * call is a panic that names the block, the field and the values.
 */
#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <stddef.h>
#include <stdint.h>

struct heap;

#define KHEAP_VA_BASE 0x3000000000ul /* 192 GiB: far from the identity map */
#define KHEAP_VA_SIZE 0x0800000000ul /* 32 GiB of address space, backed on demand */

/* Boot hart, once, after paging is on. */
void kmalloc_init(void);
/* size_bytes of uninitialized memory, 16-byte aligned; NULL when memory is exhausted. */
void *kmalloc(size_t size_bytes);
/* Frees what kmalloc returned (NULL is ignored); panics on a bad pointer or double free. */
void kfree(void *ptr);
/* Whether va lies in the heap window (the trap handler retries faults there). */
int kmalloc_in_window(uint64_t va);
/* The heap itself, for statistics, heap_check and benchmarks. */
struct heap *kmalloc_heap(void);
/* Frames the heap has mapped (it keeps them all for reuse): memstat's spare frames count them. */
uint64_t kmalloc_frames(void);

#endif
