/*
 * sbi/guard/entropy.c - the key pool (see entropy.h).
 */
#include "entropy.h"

#include "../../lib/counters.h"
#include "../../lib/sha256.h"
#include "../../include/layout.h"

static uint8_t pool[SHA256_DIGEST_BYTES];
static uint64_t draws;

/* Mixes 64 jitter samples into ctx: the cost of short busy loops, in cycles. */
static void add_jitter(struct sha256_ctx *ctx)
{
	for (int i = 0; i < 64; i++) {
		uint64_t start = rdcycle(), t = rdtime();
		for (volatile int spin = 0; spin < (int)(start & 31); spin++)
			;
		uint64_t sample[2] = { rdcycle() - start, rdtime() ^ t };
		sha256_update(ctx, sample, sizeof(sample));
	}
}

int entropy_init(const struct fdt *tree, size_t *rng_seed_bytes)
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	/* The boot's own random bytes, then wiped: nobody reads them twice. */
	volatile uint8_t *boot_seed = (volatile uint8_t *)MAGMA_GUARD_SEED_ADDR;
	uint8_t any = 0;
	for (int i = 0; i < MAGMA_GUARD_SEED_BYTES; i++) {
		uint8_t b = boot_seed[i];
		any |= b;
		sha256_update(&ctx, &b, 1);
		boot_seed[i] = 0;
	}
	size_t seed_bytes = 0;
	const void *seed;
	uint32_t len;
	int chosen = fdt_path(tree, "/chosen");
	if (chosen >= 0 && fdt_prop(tree, chosen, "rng-seed", &seed, &len) == 0) {
		sha256_update(&ctx, seed, len);
		seed_bytes = len;
	}
	add_jitter(&ctx);
	sha256_final(&ctx, pool);
	*rng_seed_bytes = seed_bytes;
	return any != 0;
}

void entropy_draw(uint8_t out[32])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, pool, sizeof(pool));
	draws++;
	sha256_update(&ctx, &draws, sizeof(draws));
	add_jitter(&ctx);
	sha256_final(&ctx, pool);
	/* The key is a hash of the pool, never the pool itself. */
	sha256_init(&ctx);
	sha256_update(&ctx, "magma key", 9);
	sha256_update(&ctx, pool, sizeof(pool));
	sha256_final(&ctx, out);
}
