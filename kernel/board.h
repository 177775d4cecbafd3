/*
 * kernel/board.h - what the device tree says about this machine.
 *
 * Filled once at boot by board_init() from the tree OpenSBI hands over in
 * a1; nothing about the machine (RAM size, hart count, device addresses)
 * is compiled into the kernel.
 */
#ifndef KERNEL_BOARD_H
#define KERNEL_BOARD_H

#include <stdint.h>

#include "../include/layout.h"

struct fdt;

#define BOARD_MAX_MEMORY 8
#define BOARD_MAX_VIRTIO 8 /* QEMU virt has 8 virtio-mmio slots */

struct board_range {
	uint64_t base;
	uint64_t size;
};

/* A virtio-mmio slot: its registers and its wired interrupt. */
struct board_virtio {
	uint64_t base;
	uint64_t size;
	uint32_t irq, trigger;
};

struct board {
	const struct fdt *fdt; /* the opened tree (mm/fdt), for drivers that read more */
	uintptr_t fdt_pa;
	uint32_t fdt_size; /* the tree's total size in bytes, from its header */
	struct board_range memory[BOARD_MAX_MEMORY];
	int memory_count;
	uint64_t cpu_hartids[MAGMA_MAX_HARTS]; /* every cpu node, whatever its status */
	int cpu_enabled[MAGMA_MAX_HARTS];      /* its status after OpenSBI's fix-ups */
	int cpu_count;
	uint64_t timebase_hz;
	uintptr_t uart_base;
	uint64_t uart_size;
	uint32_t uart_irq, uart_trigger;
	/* enabled "virtio,mmio" nodes: the disk is the one whose DeviceID is 2 */
	struct board_virtio virtio[BOARD_MAX_VIRTIO];
	int virtio_count;
	const char *bootargs;
	/* magma's reserved-memory nodes, found by their compatible strings */
	struct board_range guard_private, root, mailbox;
	/* QEMU's fw_cfg: the kernel must not reach it (its DMA writes anywhere); size 0 if absent */
	struct board_range fw_cfg;
};

extern struct board board;

/* Validates the tree at fdt_pa and fills `board`; panics with the reason if unusable. */
void board_init(uintptr_t fdt_pa);

#endif
