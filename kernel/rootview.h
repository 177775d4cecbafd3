/*
 * kernel/rootview.h - the kernel's read-only view of the root, through facades.
 *
 * The root is the guard's: PMP lets the kernel read it and nothing more.
 * Everything in the kernel reads it through these facades (mm/facade), so an
 * offset outside the root is a clear panic, never a stray load.
 */
#ifndef KERNEL_ROOTVIEW_H
#define KERNEL_ROOTVIEW_H

#include <stddef.h>
#include <stdint.h>

struct facade;
struct root_clock;

/* Builds the facades over the root the tree names; boot hart, before any reader. */
void rootview_init(void);
/* The facade over the whole root (for mm/ readers such as blockzero and root_clock). */
const struct facade *rootview(void);
/* One naturally aligned field; panics naming the offset if it is not inside the root. */
uint8_t root_u8(size_t offset);
uint32_t root_u32(size_t offset);
uint64_t root_u64(size_t offset);
/* The guard's clock, never torn (mm/root_clock); 0 or a ROOT_CLOCK_ERR_* / facade error. */
int root_clock(struct root_clock *out);

#endif
