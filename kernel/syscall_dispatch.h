/*
 * kernel/syscall_dispatch.h - from an ecall to its handler.
 */
#ifndef KERNEL_SYSCALL_DISPATCH_H
#define KERNEL_SYSCALL_DISPATCH_H

struct proc;
struct trap_frame;

/* Runs the call numbered frame->a7 with frame's a0..a5; its result goes to frame->a0. */
void syscall_dispatch(struct proc *p, struct trap_frame *frame);

#endif
