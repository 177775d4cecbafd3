/*
 * lib/md_block.h - the block buffer and padding that MD5 and SHA-256 share.
 *
 * Both hashes are Merkle-Damgard constructions over 64-byte blocks: input is
 * gathered into blocks, each block is fed to the hash's compression function,
 * and the message ends with a 1 bit, zeros, and the message length in bits
 * as a 64-bit number. They differ only in the compression function and in the
 * byte order of that length (little-endian for MD5, big-endian for SHA-256).
 * Freestanding: no libc, no kernel headers.
 */
#ifndef LIB_MD_BLOCK_H
#define LIB_MD_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define MD_BLOCK_BYTES 64

/* Mixes one 64-byte block into the hash state. */
typedef void (*md_compress_fn)(uint32_t *state, const uint8_t block[MD_BLOCK_BYTES]);

struct md_block {
	uint64_t total_bytes;          /* message length so far */
	uint8_t block[MD_BLOCK_BYTES]; /* a partial block awaiting more input */
	size_t used;                   /* bytes of block filled, < MD_BLOCK_BYTES */
};

/* Empties the buffer for a new message. */
void md_block_init(struct md_block *b);

/* Adds len bytes, compressing each block as it fills (whole blocks straight from data). */
void md_block_update(struct md_block *b, uint32_t *state, md_compress_fn compress, const void *data,
		     size_t len);

/* Pads the message and compresses the last block or two; the length's byte order as named. */
void md_block_final(struct md_block *b, uint32_t *state, md_compress_fn compress,
		    int length_big_endian);

/* Overwrites n bytes at p with zeros in a way the compiler may not drop. */
void md_wipe(void *p, size_t n);

#endif
