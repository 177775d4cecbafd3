/*
 * kernel/types.h - the short integer names xv6 programs use.
 *
 * Here so that a program written for an xv6 lab, which starts with
 * #include "kernel/types.h", compiles against magma unchanged. magma's own
 * code uses <stdint.h> names.
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

#endif
