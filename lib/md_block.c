/*
 * lib/md_block.c - block buffering and padding for MD5 and SHA-256 (see md_block.h).
 *
 * Padding (RFC 1321 3.1-3.2, FIPS 180-4 5.1.1): append 0x80, then zeros up to
 * 56 bytes into a block (a whole extra block if fewer than 8 bytes are left),
 * then the bit length in the last 8 bytes.
 */
#include "md_block.h"

void md_block_init(struct md_block *b)
{
	b->total_bytes = 0;
	b->used = 0;
}

void md_block_update(struct md_block *b, uint32_t *state, md_compress_fn compress, const void *data,
		     size_t len)
{
	const uint8_t *p = data;
	b->total_bytes += len;
	while (len) {
		if (b->used == 0 && len >= MD_BLOCK_BYTES) {
			compress(state, p);
			p += MD_BLOCK_BYTES;
			len -= MD_BLOCK_BYTES;
			continue;
		}
		size_t take = MD_BLOCK_BYTES - b->used;
		if (take > len)
			take = len;
		for (size_t i = 0; i < take; i++)
			b->block[b->used + i] = p[i];
		b->used += take;
		p += take;
		len -= take;
		if (b->used == MD_BLOCK_BYTES) {
			compress(state, b->block);
			b->used = 0;
		}
	}
}

void md_block_final(struct md_block *b, uint32_t *state, md_compress_fn compress,
		    int length_big_endian)
{
	uint64_t bits = b->total_bytes << 3;
	size_t used = b->used;
	b->block[used++] = 0x80;
	if (used > MD_BLOCK_BYTES - 8) {
		while (used < MD_BLOCK_BYTES)
			b->block[used++] = 0;
		compress(state, b->block);
		used = 0;
	}
	while (used < MD_BLOCK_BYTES - 8)
		b->block[used++] = 0;
	for (int i = 0; i < 8; i++) {
		int shift = length_big_endian ? 56 - 8 * i : 8 * i;
		b->block[MD_BLOCK_BYTES - 8 + i] = (uint8_t)(bits >> shift);
	}
	compress(state, b->block);
}

void md_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}
