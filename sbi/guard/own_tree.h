/*
 * sbi/guard/own_tree.h - the guard's own copy of the device tree.
 *
 * The kernel's tree sits in kernel RAM, where the kernel can rewrite it at
 * any time (the timebase, device addresses, bootargs), so the guard never
 * reads it. QEMU's loader puts a copy in guard private instead
 * (MAGMA_GUARD_TREE_ADDR, the guard domain's next-arg1), with this boot's
 * bootargs and a fresh rng-seed written in by the build.
 */
#ifndef GUARD_OWN_TREE_H
#define GUARD_OWN_TREE_H

#include <stdint.h>

#include "../../mm/fdt.h"

/*
 * Opens the copy; arg1 is what OpenSBI passed in a1. Returns only with a
 * valid tree that names a UART. Otherwise it says why on OpenSBI's console
 * (the guard has no UART yet) and parks the hart: the guard does not come
 * up, and the kernel stops when the root never reaches ON state 2.
 */
void own_tree_open(struct fdt *tree, uintptr_t arg1);

#endif
