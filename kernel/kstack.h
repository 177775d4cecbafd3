/*
 * kernel/kstack.h - kernel stacks for processes, each with a guard page.
 *
 * Stacks live in their own window of the kernel half (KSTACK_VA_BASE,
 * kernel/vm.h), one slot each: KSTACK_PAGES mapped pages with unmapped
 * addresses below them, so a kernel stack overflow is a page fault that
 * kernel/trap.c reports as one, not a silent overwrite of a neighbour.
 */
#ifndef KERNEL_KSTACK_H
#define KERNEL_KSTACK_H

#include <stdint.h>

#define KSTACK_PAGES      4                           /* 16 KiB */
#define KSTACK_SLOT_BYTES (2 * KSTACK_PAGES * 4096ul) /* the lower half of a slot stays unmapped */
/* The top 16 bytes of a process's stack hold its struct proc pointer (kernel/proc.c). */
#define KSTACK_OWNER_BYTES 16

_Static_assert((KSTACK_SLOT_BYTES & (KSTACK_SLOT_BYTES - 1)) == 0, "slots are a power of two");

/* A fresh stack; its top address, or 0 when memory or slots run out. */
uintptr_t kstack_alloc(void);
/* Unmaps and frees the stack whose top is top (no hart may still run on it). */
void kstack_free(uintptr_t top);
/* Whether va lies in a kstack slot's unmapped guard area (for the fault report). */
int kstack_is_guard(uint64_t va);

/* test=kstack_harts (kernel/kstack_selftest.c): stacks made on every kernel hart at once. */
void kstack_selftest(void);

#endif
