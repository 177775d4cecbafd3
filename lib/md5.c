/*
 * lib/md5.c - MD5 (RFC 1321), written from the RFC's section 3.
 *
 * Words are little-endian (3.4), the length is appended as a little-endian
 * 64-bit bit count (3.2). The 64 steps run as one loop: step i uses round
 * function F, G, H or I (i / 16), message word g(i) and shift s[i / 16][i % 4],
 * then rotates the roles of A, B, C, D, which is what the RFC's
 * [ABCD k s i] [DABC k s i] ... listing spells out by hand.
 * Freestanding: no libc, no kernel headers.
 */
#include "md5.h"

/*
 * T[i] = floor(2^32 * |sin(i + 1)|), sine in radians (RFC 1321 3.4), printed
 * by a few lines of Python (int(abs(math.sin(i + 1)) * 2**32)).
 */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

/* Left-rotation amounts, per round and step within the round (3.4). */
static const uint8_t md5_shift[4][4] = {
	{ 7, 12, 17, 22 },
	{ 5, 9, 14, 20 },
	{ 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

static inline uint32_t md5_rotl(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

/* Processes one 64-byte block into state (3.4). */
static void md5_compress(uint32_t *state, const uint8_t block[MD_BLOCK_BYTES])
{
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 |
		       (uint32_t)block[4 * i + 2] << 16 | (uint32_t)block[4 * i + 3] << 24;

	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	for (unsigned i = 0; i < 64; i++) {
		unsigned round = i / 16;
		uint32_t f;
		unsigned g;
		switch (round) {
		case 0:
			f = (b & c) | (~b & d); /* F */
			g = i;
			break;
		case 1:
			f = (b & d) | (c & ~d); /* G */
			g = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d; /* H */
			g = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d); /* I */
			g = (7 * i) % 16;
			break;
		}
		uint32_t next = b + md5_rotl(a + f + x[g] + md5_t[i], md5_shift[round][i % 4]);
		a = d;
		d = c;
		c = b;
		b = next;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	md_wipe(x, sizeof x);
}

void md5_init(struct md5_ctx *ctx)
{
	/* Initial words 01 23 45 67, 89 ab cd ef, ... read little-endian (3.3). */
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
	md_block_init(&ctx->buffer);
}

void md5_update(struct md5_ctx *ctx, const void *data, size_t len)
{
	md_block_update(&ctx->buffer, ctx->state, md5_compress, data, len);
}

void md5_final(struct md5_ctx *ctx, uint8_t digest[MD5_DIGEST_BYTES])
{
	/* 3.1-3.2: the bit length goes in little-endian. */
	md_block_final(&ctx->buffer, ctx->state, md5_compress, 0);

	for (int i = 0; i < MD5_DIGEST_BYTES; i++)
		digest[i] = (uint8_t)(ctx->state[i / 4] >> (8 * (i % 4)));
	md_wipe(ctx, sizeof *ctx);
}

void md5(const void *data, size_t len, uint8_t digest[MD5_DIGEST_BYTES])
{
	struct md5_ctx ctx;
	md5_init(&ctx);
	md5_update(&ctx, data, len);
	md5_final(&ctx, digest);
}
