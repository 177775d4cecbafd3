/*
 * lib/md5.h - the MD5 message digest (RFC 1321).
 *
 * The guard keeps an MD5 of its stored root CRC, so a flipped bit in the CRC
 * store is told apart from a change to the root range. MD5 is broken for
 * collision resistance: use it to detect accidents, never to authenticate
 * (that is HMAC-SHA256, lib/hmac_sha256.h).
 *
 * Streaming use: md5_init, md5_update any number of times with pieces of any
 * size, md5_final. A context holds no pointers and may be copied.
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_MD5_H
#define LIB_MD5_H

#include <stddef.h>
#include <stdint.h>

#include "md_block.h"

#define MD5_DIGEST_BYTES 16
#define MD5_BLOCK_BYTES  64

struct md5_ctx {
	uint32_t state[4];      /* A, B, C, D (RFC 1321 3.3) */
	struct md_block buffer; /* the partial block and the length */
};

/* Starts a new digest in ctx. */
void md5_init(struct md5_ctx *ctx);

/* Adds len bytes of data to the message. */
void md5_update(struct md5_ctx *ctx, const void *data, size_t len);

/*
 * Pads the message, writes its digest to digest and wipes ctx; md5_init it
 * again before reuse.
 */
void md5_final(struct md5_ctx *ctx, uint8_t digest[MD5_DIGEST_BYTES]);

/* The digest of len bytes of data in one call. */
void md5(const void *data, size_t len, uint8_t digest[MD5_DIGEST_BYTES]);

#endif
