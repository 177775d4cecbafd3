/*
 * lib/sha256.h - the SHA-256 hash (FIPS 180-4).
 *
 * The hash under HMAC-SHA256 (lib/hmac_sha256.h), which authenticates mailbox
 * requests to the guard. Streaming use: sha256_init, sha256_update any number
 * of times with pieces of any size, sha256_final. A context holds no pointers
 * and may be copied (HMAC relies on that).
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "md_block.h"

#define SHA256_DIGEST_BYTES 32
#define SHA256_BLOCK_BYTES  64

struct sha256_ctx {
	uint32_t state[8];      /* H0..H7 (FIPS 180-4 6.2) */
	struct md_block buffer; /* the partial block and the length */
};

/* Starts a new hash in ctx. */
void sha256_init(struct sha256_ctx *ctx);

/* Adds len bytes of data to the message. */
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);

/*
 * Pads the message, writes its hash to digest and wipes ctx; sha256_init it
 * again before reuse.
 */
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_BYTES]);

/* The hash of len bytes of data in one call. */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_BYTES]);

#endif
