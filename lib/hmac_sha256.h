/*
 * lib/hmac_sha256.h - HMAC with SHA-256 (RFC 2104), the MAC on mailbox
 * requests to the guard.
 *
 * Streaming use: hmac_sha256_init with the key, hmac_sha256_update any number
 * of times, hmac_sha256_final. Keys longer than the 64-byte block are hashed
 * first, as RFC 2104 section 2 says. Compare tags only with
 * hmac_sha256_equal, never with a loop that stops at the first difference: an
 * early exit tells an attacker how many leading bytes of a forged tag were
 * right.
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_HMAC_SHA256_H
#define LIB_HMAC_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define HMAC_SHA256_BYTES SHA256_DIGEST_BYTES

struct hmac_sha256_ctx {
	struct sha256_ctx inner; /* has absorbed K ^ ipad, then the message */
	struct sha256_ctx outer; /* has absorbed K ^ opad */
};

/* Starts a MAC under key (key_len bytes, any length, 0 allowed). */
void hmac_sha256_init(struct hmac_sha256_ctx *ctx, const void *key, size_t key_len);

/* Adds len bytes of data to the message. */
void hmac_sha256_update(struct hmac_sha256_ctx *ctx, const void *data, size_t len);

/* Writes the 32-byte MAC to mac and wipes ctx; init it again before reuse. */
void hmac_sha256_final(struct hmac_sha256_ctx *ctx, uint8_t mac[HMAC_SHA256_BYTES]);

/* The MAC of len bytes of data under key in one call. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t mac[HMAC_SHA256_BYTES]);

/*
 * True when the len bytes at a and b are equal. Reads every byte of both
 * whatever they hold, so its time depends on len only. To check a tag
 * truncated to n bytes, pass n.
 */
bool hmac_sha256_equal(const void *a, const void *b, size_t len);

#endif
