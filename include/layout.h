/*
 * include/layout.h - magma's fixed physical memory layout.
 *
 * One source of truth for the kernel, the guard, the linker scripts and the
 * device-tree generator (sbi/mkdts.py reads the MAGMA_* defines below), so the
 * PMP regions OpenSBI programs and the addresses the code uses cannot drift.
 * Every range is naturally aligned to its size, as PMP NAPOT entries need.
 * Nothing here depends on the amount of RAM: the end of memory always comes
 * from the device tree.
 *
 * Plain constants only: included from C, assembly and linker scripts.
 */
#ifndef MAGMA_LAYOUT_H
#define MAGMA_LAYOUT_H

#define MAGMA_FIRMWARE_BASE      0x80000000 /* OpenSBI, M-mode only */
#define MAGMA_FIRMWARE_SIZE      0x00080000 /* 512 KiB */
#define MAGMA_GUARD_PRIVATE_BASE 0x80080000 /* guard code, stack, secrets */
#define MAGMA_GUARD_PRIVATE_SIZE 0x00080000 /* 512 KiB */
#define MAGMA_ROOT_BASE          0x80100000 /* root range: only the guard writes */
#define MAGMA_ROOT_SIZE          0x00010000 /* 64 KiB */
#define MAGMA_MAILBOX_BASE       0x80110000 /* request slots and event ring */
#define MAGMA_MAILBOX_SIZE       0x00010000 /* 64 KiB */
#define MAGMA_KERNEL_BASE        0x80200000 /* kernel image, then free memory */

/* The guard keeps its stack at the top of guard private ... */
#define MAGMA_GUARD_STACK_SIZE 0x00004000 /* 16 KiB */
/*
 * ... and, just below it, a page where QEMU's loader puts fresh random bytes
 * at every boot (the Makefile writes build/guard-seed.bin from /dev/urandom):
 * entropy for session keys that no image contains and the kernel cannot read.
 */
#define MAGMA_GUARD_SEED_ADDR  0x800fb000
#define MAGMA_GUARD_SEED_BYTES 64
/*
 * Below the seed page, the loader puts the guard's own copy of the device
 * tree: the build's tree plus this boot's bootargs and a fresh rng-seed
 * (the Makefile's guard-tree). The guard parses only this copy: the kernel's
 * copy sits in kernel RAM, where the kernel can rewrite it at any time. The
 * guard's image must end below it (sbi/guard/guard.ld.in checks).
 */
#define MAGMA_GUARD_TREE_ADDR      0x800f0000
#define MAGMA_GUARD_TREE_MAX_BYTES 0x0000b000 /* 44 KiB, up to the seed page */

/* The kernel supports hart ids below this; QEMU virt has at most 8 per socket. */
#define MAGMA_MAX_HARTS         16
#define MAGMA_KERNEL_STACK_SIZE 0x00004000 /* 16 KiB per hart */

#endif
