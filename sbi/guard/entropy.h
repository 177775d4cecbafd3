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

/*
 * Seeds the pool and wipes the boot seed page. Returns 1 if the boot seed
 * was there (any byte nonzero), 0 if the page was all zero (nothing loaded
 * it: keys would rest on jitter alone). *rng_seed_bytes: what the tree gave.
 */
int entropy_init(const struct fdt *tree, size_t *rng_seed_bytes);
/* Fills out[0..32) with fresh key material. */
void entropy_draw(uint8_t out[32]);

#endif
