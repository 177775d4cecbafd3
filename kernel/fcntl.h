/*
 * kernel/fcntl.h - open() flags and mmap() protections, with xv6's names and values.
 */
#ifndef KERNEL_FCNTL_H
#define KERNEL_FCNTL_H

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR   0x002
#define O_CREATE 0x200
#define O_TRUNC  0x400
#define O_APPEND 0x800 /* magma: every write goes to the end (the shell's >>) */

/* mmap()'s prot and flags, with the values of xv6's mmap lab (and Linux). */
#define PROT_NONE  0x0
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

#define MAP_SHARED  0x01 /* stores reach the file (at munmap or exit) and fork's child */
#define MAP_PRIVATE 0x02 /* stores stay in this process */

#endif
