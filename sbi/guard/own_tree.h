/*
 * sbi/guard/own_tree.h - the guard's own copy of the device tree.
 *
 * The kernel's tree sits in kernel RAM, where the kernel can rewrite it at
 * any time (the timebase, device addresses, bootargs), so the guard never
 * reads it, and its domain cannot. QEMU's loader puts a copy in guard
 * private instead (MAGMA_GUARD_TREE_ADDR), with this boot's bootargs and a
 * fresh rng-seed written in by the build. The guard ignores its a1: OpenSBI
 * hands every domain the kernel's tree there, because its cold-boot hart
 * fixes up the tree at its own domain's next-arg1.
 */
#ifndef GUARD_OWN_TREE_H
#define GUARD_OWN_TREE_H

#include "../../mm/fdt.h"

/*
 * Opens the copy. Returns only with a valid tree that names a UART.
 * Otherwise it says why on OpenSBI's console (the guard has no UART yet)
 * and parks the hart: the guard does not come up, and the kernel stops
 * when the root never reaches ON state 2.
 */
void own_tree_open(struct fdt *tree);

#endif
