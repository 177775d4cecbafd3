/*
 * kernel/syscall.h - system call numbers and argument fetching.
 *
 * The numbers are shared with user/usys.S (generated from this list by the
 * Makefile), so they are plain defines. Arguments arrive in a0..a5 of the
 * saved user registers; the handler's return value goes back in a0.
 * 31 is left free: bit 31 of trace()'s int mask is its sign, and calls from
 * 32 on are past the mask's reach (the syscall lab says so).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

/* xv6's calls, with xv6's numbers */
#define SYS_fork   1
#define SYS_exit   2
#define SYS_wait   3
#define SYS_pipe   4
#define SYS_read   5
#define SYS_kill   6
#define SYS_exec   7
#define SYS_fstat  8
#define SYS_chdir  9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_sleep  13
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
/* magma's own */
#define SYS_pause    22 /* the newer xv6 name of sleep */
#define SYS_setpgid  23 /* setpgid(pid): pid (0: self) leads a new group */
#define SYS_fgset    24 /* fgset(pgid): the console's foreground group (0: none) */
#define SYS_memstat  25 /* memstat(struct memstat *) */
#define SYS_procinfo 26 /* procinfo(struct procinfo *, int max): for ps */
#define SYS_lsdev    27 /* reserved */
#define SYS_getppid  28
#define SYS_trace    29 /* lab syscall: trace(mask), print the calls whose bit 1 << n is set */
#define SYS_sysinfo  30 /* lab syscall: sysinfo(struct sysinfo *), free memory and processes */
#define SYS_mmap     32 /* mmap(addr, len, prot, flags, fd, offset): kernel/mmap.h */
#define SYS_munmap   33 /* munmap(addr, len) */
/* named shared memory: include/shm.h */
#define SYS_shmcreate 34 /* shmcreate(name, size) */
#define SYS_shmattach 35 /* shmattach(name, addr, flags) */
#define SYS_shmdetach 36 /* shmdetach(addr) */
#define SYS_shmunlink 37 /* shmunlink(name) */
#define SYS_shmstat   38 /* shmstat(struct shminfo *, int max): for memstat */
#define SYS_COUNT     39

#ifndef __ASSEMBLER__
#include <stdint.h>

struct file;

/* The n-th argument (0..5) as an int, a 64-bit value or a user address. */
int arg_int(int n);
uint64_t arg_u64(int n);
/* Copies the n-th argument, a user string, into buf (max bytes); its length or -1. */
int arg_str(int n, char *buf, int max);
/* The n-th argument as an open file descriptor of the current process; 0 or -1. */
int arg_fd(int n, int *fd_out, struct file **file_out);
#endif

#endif
