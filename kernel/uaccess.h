/*
 * kernel/uaccess.h - moving bytes between the kernel and the current
 * process's user memory.
 *
 * Every user address is checked: it must lie in the process's user memory
 * (below USER_TOP, mapped or lazily mappable); a write to a copy-on-write
 * page copies it first. A bad address returns -1 and never faults the
 * kernel.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stdint.h>

/* Copies len bytes from kernel src to user dst_va; 0, or -1 on a bad address. */
int copyout(uint64_t dst_va, const void *src, uint64_t len);
/* Copies len bytes from user src_va to kernel dst; 0, or -1 on a bad address. */
int copyin(void *dst, uint64_t src_va, uint64_t len);
/*
 * Copies a NUL-terminated string of at most max bytes (NUL included) from
 * user src_va; its length, or -1 on a bad address or no NUL within max.
 */
int copyinstr(char *dst, uint64_t src_va, uint64_t max);

/* copyout when user_dst, else memmove to the kernel address dst. */
int either_copyout(int user_dst, uint64_t dst, const void *src, uint64_t len);
/* copyin when user_src, else memmove from the kernel address src. */
int either_copyin(void *dst, int user_src, uint64_t src, uint64_t len);

#endif
