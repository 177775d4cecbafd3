/*
 * sbi/guard/entropy.h - where session keys come from.
 *
 * A 32-byte pool in guard private, seeded from 64 random bytes QEMU's loader
 * puts in guard private at every boot (MAGMA_GUARD_SEED_ADDR, from the
 * host's /dev/urandom), the tree's /chosen/rng-seed, and timer jitter (rdcycle and rdtime sampled around busy loops: under
 * QEMU without -icount they follow host time and scheduling), and stirred
 * with SHA-256 on every draw together with a counter and fresh jitter. No
 * key is ever a constant compiled into an image.
 */
#ifndef GUARD_ENTROPY_H
#define GUARD_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

#include "../../mm/fdt.h"

/* Seeds the pool; returns how many bytes of rng-seed the tree gave. */
size_t entropy_init(const struct fdt *tree);
/* Fills out[0..32) with fresh key material. */
void entropy_draw(uint8_t out[32]);

#endif
