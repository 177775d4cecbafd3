/*
 * kernel/usertrap.h - traps from user mode, and the way back.
 */
#ifndef KERNEL_USERTRAP_H
#define KERNEL_USERTRAP_H

struct trap_frame;

/* Called by trapvec.S for every trap from U-mode; leaves through user_return. */
void user_trap(struct trap_frame *frame) __attribute__((noreturn));
/* Returns the current process to user mode with the registers of its user frame. */
void user_return(void) __attribute__((noreturn));

#endif
