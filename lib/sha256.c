/*
 * lib/sha256.c - SHA-256 (FIPS 180-4), written from the standard.
 *
 * Words are big-endian (3.1), the message is padded with a 1 bit, zeros and
 * the 64-bit big-endian bit length (5.1.1), and each 512-bit block goes
 * through the 64-round compression of 6.2.2 with a 16-word rolling schedule
 * (W[t] for t >= 16 overwrites W[t - 16], which is no longer needed).
 * Freestanding: no libc, no kernel headers.
 */
#include "sha256.h"

/*
 * K[t]: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (4.2.2); printed exactly with integer arithmetic
 * (integer cube root of p * 2^96, low 32 bits).
 */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t sha256_rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* Processes one 64-byte block into state (6.2.2). */
static void sha256_compress(uint32_t *state, const uint8_t block[MD_BLOCK_BYTES])
{
	uint32_t w[16];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
		       (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];

	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
	for (int t = 0; t < 64; t++) {
		if (t >= 16) {
			/* W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16] (6.2.2 step 1) */
			uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint32_t s0 = sha256_rotr(w15, 7) ^ sha256_rotr(w15, 18) ^ (w15 >> 3);
			uint32_t s1 = sha256_rotr(w2, 17) ^ sha256_rotr(w2, 19) ^ (w2 >> 10);
			w[t & 15] += s1 + w[(t - 7) & 15] + s0;
		}
		uint32_t sum1 = sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^ sha256_rotr(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + sum1 + ch + sha256_k[t] + w[t & 15];
		uint32_t sum0 = sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^ sha256_rotr(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = sum0 + maj;
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
	md_wipe(w, sizeof w);
}

void sha256_init(struct sha256_ctx *ctx)
{
	/*
	 * H(0): the first 32 bits of the fractional parts of the square roots of
	 * the first 8 primes (5.3.3).
	 */
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	for (int i = 0; i < 8; i++)
		ctx->state[i] = h0[i];
	md_block_init(&ctx->buffer);
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	md_block_update(&ctx->buffer, ctx->state, sha256_compress, data, len);
}

void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_BYTES])
{
	/* 5.1.1: the bit length goes in big-endian. */
	md_block_final(&ctx->buffer, ctx->state, sha256_compress, 1);

	for (int i = 0; i < SHA256_DIGEST_BYTES; i++)
		digest[i] = (uint8_t)(ctx->state[i / 4] >> (24 - 8 * (i % 4)));
	md_wipe(ctx, sizeof *ctx);
}

void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_BYTES])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, digest);
}
