/*
 * lib/hmac_sha256.c - HMAC-SHA256 (RFC 2104) over lib/sha256.
 *
 *   HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m))
 * where K0 is the key zero-padded to the 64-byte block, or its hash
 * zero-padded when the key is longer than the block; ipad is 0x36 and opad
 * 0x5c repeated. init absorbs both padded keys once, so update is plain
 * SHA-256 and final adds only the outer hash of the inner digest.
 * Key material on the stack is wiped before returning.
 * Freestanding: no libc, no kernel headers.
 */
#include "hmac_sha256.h"

#include "md_block.h"

enum { HMAC_IPAD = 0x36, HMAC_OPAD = 0x5c };

void hmac_sha256_init(struct hmac_sha256_ctx *ctx, const void *key, size_t key_len)
{
	uint8_t k0[SHA256_BLOCK_BYTES];
	uint8_t pad[SHA256_BLOCK_BYTES];
	size_t used = 0;
	if (key_len > SHA256_BLOCK_BYTES) {
		sha256(key, key_len, k0);
		used = SHA256_DIGEST_BYTES;
	} else {
		const uint8_t *k = key;
		for (; used < key_len; used++)
			k0[used] = k[used];
	}
	for (; used < SHA256_BLOCK_BYTES; used++)
		k0[used] = 0;

	for (int i = 0; i < SHA256_BLOCK_BYTES; i++)
		pad[i] = k0[i] ^ HMAC_IPAD;
	sha256_init(&ctx->inner);
	sha256_update(&ctx->inner, pad, sizeof pad);
	for (int i = 0; i < SHA256_BLOCK_BYTES; i++)
		pad[i] = k0[i] ^ HMAC_OPAD;
	sha256_init(&ctx->outer);
	sha256_update(&ctx->outer, pad, sizeof pad);

	md_wipe(k0, sizeof k0);
	md_wipe(pad, sizeof pad);
}

void hmac_sha256_update(struct hmac_sha256_ctx *ctx, const void *data, size_t len)
{
	sha256_update(&ctx->inner, data, len);
}

void hmac_sha256_final(struct hmac_sha256_ctx *ctx, uint8_t mac[HMAC_SHA256_BYTES])
{
	uint8_t inner_hash[SHA256_DIGEST_BYTES];
	sha256_final(&ctx->inner, inner_hash);
	sha256_update(&ctx->outer, inner_hash, sizeof inner_hash);
	sha256_final(&ctx->outer, mac);
	md_wipe(inner_hash, sizeof inner_hash);
}

void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t mac[HMAC_SHA256_BYTES])
{
	struct hmac_sha256_ctx ctx;
	hmac_sha256_init(&ctx, key, key_len);
	hmac_sha256_update(&ctx, data, len);
	hmac_sha256_final(&ctx, mac);
}

bool hmac_sha256_equal(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	/* volatile: every iteration's store must happen, so no early exit. */
	volatile uint8_t diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
