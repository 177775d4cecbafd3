/*
 * tests/test_crypto.c - host tests for lib/crc32c, lib/md5, lib/sha256 and
 * lib/hmac_sha256.
 *
 * Published vectors (RFC 3720 B.4, RFC 1321 A.5, FIPS 180-4 examples,
 * RFC 4231), then streaming against one-shot on random splits, and the CRC's
 * table and clmul fold against a bitwise CRC on random buffers of every length
 * 0..300 at every alignment. The real Zbc instructions cannot run here: the
 * fold runs with the software model of clmul/clmulh, and the model itself is
 * checked against products computed independently.
 * Randomness is a fixed-seed xorshift, so a failure reproduces.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../lib/crc32c.h"
#include "../lib/hmac_sha256.h"
#include "../lib/md5.h"
#include "../lib/sha256.h"
#include "check.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next();
}

/* Checks n bytes at got against the lowercase hex string want. */
#define CHECK_HEX(got, n, want)                                                                 \
	do {                                                                                    \
		char check_hex_[2 * 64 + 1];                                                    \
		hex_of(check_hex_, (got), (n));                                                 \
		if (strcmp(check_hex_, (want)) != 0) {                                          \
			check_current_failed = 1;                                               \
			fprintf(stderr, "  %s:%d: %s is %s, expected %s\n", __FILE__, __LINE__, \
				#got, check_hex_, (want));                                      \
		}                                                                               \
	} while (0)

static void hex_of(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* Splits [0, n) into random pieces of 0..max_piece bytes, calling feed on each. */
static void random_pieces(const uint8_t *data, size_t n, size_t max_piece,
			  void (*feed)(void *ctx, const uint8_t *p, size_t len), void *ctx)
{
	size_t done = 0;
	while (done < n) {
		size_t piece = (size_t)(rng_next() % (max_piece + 1));
		if (piece > n - done)
			piece = n - done;
		feed(ctx, data + done, piece);
		done += piece;
	}
}

/* ---------------------------------------------------------------- CRC-32C */

/* The CRC one bit at a time, straight from the definition: the reference. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ CRC32C_POLY_REFLECTED : crc >> 1;
	}
	return ~crc;
}

/* The implementations the host can run, each checked against every vector. */
static const struct {
	const char *name;
	crc32c_fn fn;
} crc_impls[] = {
	{ "table", crc32c_table },
	{ "clmul_model", crc32c_clmul_model },
};
enum { N_CRC_IMPLS = sizeof crc_impls / sizeof crc_impls[0] };

TEST(crc_check_value)
{
	for (int i = 0; i < N_CRC_IMPLS; i++) {
		uint32_t got = crc_impls[i].fn(0, "123456789", 9);
		if (got != 0xE3069283u)
			fprintf(stderr, "  (%s)\n", crc_impls[i].name);
		CHECK_EQ(got, 0xE3069283u);
	}
	CHECK_EQ(crc_bitwise(0, (const uint8_t *)"123456789", 9), 0xE3069283u);
}

TEST(crc_iscsi_vectors)
{
	/* RFC 3720 B.4: 32 bytes each. */
	uint8_t zeros[32], ones[32], up[32], down[32];
	for (int i = 0; i < 32; i++) {
		zeros[i] = 0;
		ones[i] = 0xff;
		up[i] = (uint8_t)i;
		down[i] = (uint8_t)(31 - i);
	}
	for (int i = 0; i < N_CRC_IMPLS; i++) {
		crc32c_fn f = crc_impls[i].fn;
		CHECK_EQ(f(0, zeros, 32), 0x8A9136AAu);
		CHECK_EQ(f(0, ones, 32), 0x62A8AB43u);
		CHECK_EQ(f(0, up, 32), 0x46DD794Eu);
		CHECK_EQ(f(0, down, 32), 0x113FDB5Cu);
	}
}

TEST(crc_empty_input_is_identity)
{
	for (int i = 0; i < N_CRC_IMPLS; i++) {
		CHECK_EQ(crc_impls[i].fn(0, NULL, 0), 0);
		CHECK_EQ(crc_impls[i].fn(0xE3069283u, "", 0), 0xE3069283u);
	}
}

/* Every table entry is reached by some single byte from the initial register. */
TEST(crc_table_matches_bitwise_for_every_byte)
{
	for (unsigned b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;
		uint32_t got = crc32c_table(0, &byte, 1);
		uint32_t want = crc_bitwise(0, &byte, 1);
		if (got != want) {
			CHECK_EQ(got, want);
			fprintf(stderr, "  (byte 0x%02x)\n", b);
		}
	}
}

static uint64_t rev_bits(uint64_t x, int nbits)
{
	uint64_t r = 0;
	for (int i = 0; i < nbits; i++)
		r |= ((x >> i) & 1) << (nbits - 1 - i);
	return r;
}

/* floor(x^n / P(x)) over GF(2) by long division, for 32 <= n < 96. */
static uint64_t gf2_quotient_x_pow(int n)
{
	const uint64_t p = (1ull << 32) | CRC32C_POLY;
	uint64_t rem = 0, q = 0;
	for (int i = n; i >= 0; i--) {
		rem = (rem << 1) | (i == n);
		q <<= 1;
		if (rem >> 32) {
			rem ^= p;
			q |= 1;
		}
	}
	return q;
}

TEST(crc_barrett_constants_derive_from_poly)
{
	CHECK_EQ(rev_bits(CRC32C_POLY, 32), CRC32C_POLY_REFLECTED);
	CHECK_EQ(rev_bits(gf2_quotient_x_pow(95), 64), CRC32C_BARRETT_MU);
	CHECK_EQ(rev_bits((1ull << 32) | CRC32C_POLY, 33), CRC32C_BARRETT_POLY);
}

TEST(crc_clmul_model_products)
{
	/* Products computed independently (Python, shift-and-xor on big integers). */
	CHECK_EQ(crc32c_model_clmul(3, 3), 5); /* (x + 1)^2 = x^2 + 1 */
	CHECK_EQ(crc32c_model_clmul(0x0123456789abcdefull, 0xfedcba9876543210ull),
		 0x40a0789828c810f0ull);
	CHECK_EQ(crc32c_model_clmulh(0x0123456789abcdefull, 0xfedcba9876543210ull),
		 0x00e038d8688850b0ull);
	CHECK_EQ(crc32c_model_clmul(~0ull, ~0ull), 0x5555555555555555ull);
	CHECK_EQ(crc32c_model_clmulh(~0ull, ~0ull), 0x5555555555555555ull);
	CHECK_EQ(crc32c_model_clmulh(1ull << 63, 1ull << 63), 1ull << 62);
	CHECK_EQ(crc32c_model_clmulh(~0ull, 1), 0);
	for (int i = 0; i < 1000; i++) {
		uint64_t a = rng_next(), b = rng_next(), c = rng_next();
		CHECK_EQ(crc32c_model_clmul(a, b), crc32c_model_clmul(b, a));
		CHECK_EQ(crc32c_model_clmulh(a, b), crc32c_model_clmulh(b, a));
		CHECK_EQ(crc32c_model_clmul(a ^ c, b),
			 crc32c_model_clmul(a, b) ^ crc32c_model_clmul(c, b));
		CHECK_EQ(crc32c_model_clmulh(a ^ c, b),
			 crc32c_model_clmulh(a, b) ^ crc32c_model_clmulh(c, b));
		/* a * x^k: low part is a << k, high part a >> (64 - k). */
		int k = 1 + (int)(rng_next() % 63);
		CHECK_EQ(crc32c_model_clmul(a, 1ull << k), a << k);
		CHECK_EQ(crc32c_model_clmulh(a, 1ull << k), a >> (64 - k));
	}
}

/* Lengths 0..300 at each of 8 alignments, fresh random bytes each time. */
TEST(crc_random_buffers_every_length_and_alignment)
{
	static uint8_t buf[300 + 8];
	int mismatches = 0;
	for (size_t len = 0; len <= 300; len++) {
		for (size_t align = 0; align < 8; align++) {
			rng_fill(buf, sizeof buf);
			const uint8_t *p = buf + align;
			uint32_t seed = (uint32_t)rng_next();
			uint32_t want = crc_bitwise(seed, p, len);
			for (int i = 0; i < N_CRC_IMPLS; i++) {
				uint32_t got = crc_impls[i].fn(seed, p, len);
				if (got != want && mismatches++ < 5) {
					CHECK_EQ(got, want);
					fprintf(stderr, "  (%s, len %zu, align %zu)\n",
						crc_impls[i].name, len, align);
				}
			}
		}
	}
	CHECK_EQ(mismatches, 0);
}

struct crc_feed {
	crc32c_fn fn;
	uint32_t crc;
};

static void crc_feed(void *ctx, const uint8_t *p, size_t len)
{
	struct crc_feed *f = ctx;
	f->crc = f->fn(f->crc, p, len);
}

TEST(crc_pieces_equal_whole)
{
	static uint8_t buf[4096];
	for (int trial = 0; trial < 100; trial++) {
		size_t n = (size_t)(rng_next() % sizeof buf);
		rng_fill(buf, n);
		uint32_t whole = crc32c_table(0, buf, n);
		for (int i = 0; i < N_CRC_IMPLS; i++) {
			struct crc_feed f = { crc_impls[i].fn, 0 };
			random_pieces(buf, n, 97, crc_feed, &f);
			CHECK_EQ(f.crc, whole);
		}
		/* The chaining rule holds across implementations too. */
		size_t cut = n ? (size_t)(rng_next() % n) : 0;
		uint32_t mixed = crc32c_clmul_model(crc32c_table(0, buf, cut), buf + cut, n - cut);
		CHECK_EQ(mixed, whole);
	}
}

TEST(crc_select)
{
	CHECK(crc32c_select(false) == crc32c_table);
#if defined(__riscv) && __riscv_xlen == 64
	CHECK(crc32c_select(true) == crc32c_clmul);
#else
	CHECK(crc32c_select(true) == crc32c_table);
#endif
}

/* -------------------------------------------------------------------- MD5 */

/* RFC 1321 A.5, the whole test suite. */
static const struct {
	const char *msg, *md5;
} md5_suite[] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	  "57edf4a22be3c955ac49da2e2107b67a" },
};

TEST(md5_rfc1321_suite)
{
	for (size_t i = 0; i < sizeof md5_suite / sizeof md5_suite[0]; i++) {
		uint8_t d[MD5_DIGEST_BYTES];
		md5(md5_suite[i].msg, strlen(md5_suite[i].msg), d);
		CHECK_HEX(d, sizeof d, md5_suite[i].md5);

		/* The same, one byte at a time. */
		struct md5_ctx ctx;
		md5_init(&ctx);
		for (const char *c = md5_suite[i].msg; *c; c++)
			md5_update(&ctx, c, 1);
		md5_final(&ctx, d);
		CHECK_HEX(d, sizeof d, md5_suite[i].md5);
	}
}

static void md5_feed(void *ctx, const uint8_t *p, size_t len)
{
	md5_update(ctx, p, len);
}

TEST(md5_pieces_equal_whole)
{
	static uint8_t buf[2048];
	for (int trial = 0; trial < 100; trial++) {
		size_t n = (size_t)(rng_next() % sizeof buf);
		rng_fill(buf, n);
		uint8_t whole[MD5_DIGEST_BYTES], pieces[MD5_DIGEST_BYTES];
		md5(buf, n, whole);
		struct md5_ctx ctx;
		md5_init(&ctx);
		random_pieces(buf, n, 150, md5_feed, &ctx);
		md5_final(&ctx, pieces);
		CHECK(memcmp(whole, pieces, sizeof whole) == 0);
	}
}

/* ---------------------------------------------------------------- SHA-256 */

TEST(sha256_fips_vectors)
{
	uint8_t d[SHA256_DIGEST_BYTES];
	sha256("", 0, d);
	CHECK_HEX(d, sizeof d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	CHECK_HEX(d, sizeof d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(m448, strlen(m448), d);
	CHECK_HEX(d, sizeof d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_million_a_in_odd_pieces)
{
	static const size_t sizes[] = { 1, 3, 5, 7, 63, 65, 127, 129, 333, 1001 };
	uint8_t a[1001];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = 'a';
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	size_t done = 0;
	for (size_t k = 0; done < 1000000; k++) {
		size_t piece = sizes[k % (sizeof sizes / sizeof sizes[0])];
		if (piece > 1000000 - done)
			piece = 1000000 - done;
		sha256_update(&ctx, a, piece);
		done += piece;
	}
	uint8_t d[SHA256_DIGEST_BYTES];
	sha256_final(&ctx, d);
	CHECK_HEX(d, sizeof d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void sha256_feed(void *ctx, const uint8_t *p, size_t len)
{
	sha256_update(ctx, p, len);
}

TEST(sha256_pieces_equal_whole)
{
	static uint8_t buf[2048];
	for (int trial = 0; trial < 100; trial++) {
		size_t n = (size_t)(rng_next() % sizeof buf);
		rng_fill(buf, n);
		uint8_t whole[SHA256_DIGEST_BYTES], pieces[SHA256_DIGEST_BYTES];
		sha256(buf, n, whole);
		struct sha256_ctx ctx;
		sha256_init(&ctx);
		random_pieces(buf, n, 150, sha256_feed, &ctx);
		sha256_final(&ctx, pieces);
		CHECK(memcmp(whole, pieces, sizeof whole) == 0);
	}
}

/* ----------------------------------------------------------- HMAC-SHA256 */

/* RFC 4231 section 4, test cases 1-7; mac_bytes is 16 for the truncated case 5. */
struct hmac_case {
	uint8_t key[131];
	size_t key_len;
	uint8_t data[160];
	size_t data_len;
	const char *mac;
	size_t mac_bytes;
};

static void fill(uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

static void set_text(uint8_t *p, size_t *len, const char *s)
{
	*len = strlen(s);
	memcpy(p, s, *len);
}

static int rfc4231_cases(struct hmac_case c[7])
{
	memset(c, 0, 7 * sizeof c[0]);
	fill(c[0].key, 0x0b, c[0].key_len = 20);
	set_text(c[0].data, &c[0].data_len, "Hi There");
	c[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";

	set_text(c[1].key, &c[1].key_len, "Jefe");
	set_text(c[1].data, &c[1].data_len, "what do ya want for nothing?");
	c[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

	fill(c[2].key, 0xaa, c[2].key_len = 20);
	fill(c[2].data, 0xdd, c[2].data_len = 50);
	c[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";

	for (int i = 0; i < 25; i++)
		c[3].key[i] = (uint8_t)(i + 1);
	c[3].key_len = 25;
	fill(c[3].data, 0xcd, c[3].data_len = 50);
	c[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";

	fill(c[4].key, 0x0c, c[4].key_len = 20);
	set_text(c[4].data, &c[4].data_len, "Test With Truncation");
	c[4].mac = "a3b6167473100ee06e0c796c2955552b";

	fill(c[5].key, 0xaa, c[5].key_len = 131);
	set_text(c[5].data, &c[5].data_len,
		 "Test Using Larger Than Block-Size Key - Hash Key First");
	c[5].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

	fill(c[6].key, 0xaa, c[6].key_len = 131);
	set_text(c[6].data, &c[6].data_len,
		 "This is a test using a larger than block-size key and a larger than "
		 "block-size data. The key needs to be hashed before being used by the "
		 "HMAC algorithm.");
	c[6].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";

	for (int i = 0; i < 7; i++)
		c[i].mac_bytes = strlen(c[i].mac) / 2;
	return 7;
}

TEST(hmac_rfc4231_cases)
{
	struct hmac_case c[7];
	int n = rfc4231_cases(c);
	for (int i = 0; i < n; i++) {
		uint8_t mac[HMAC_SHA256_BYTES];
		hmac_sha256(c[i].key, c[i].key_len, c[i].data, c[i].data_len, mac);
		CHECK_HEX(mac, c[i].mac_bytes, c[i].mac);

		/* Incremental, one byte at a time. */
		struct hmac_sha256_ctx ctx;
		hmac_sha256_init(&ctx, c[i].key, c[i].key_len);
		for (size_t k = 0; k < c[i].data_len; k++)
			hmac_sha256_update(&ctx, &c[i].data[k], 1);
		hmac_sha256_final(&ctx, mac);
		CHECK_HEX(mac, c[i].mac_bytes, c[i].mac);
	}
}

/* RFC 2104 section 2: a key longer than the block is replaced by its hash. */
TEST(hmac_long_key_is_hashed_first)
{
	uint8_t key[65], key_hash[SHA256_DIGEST_BYTES], msg[100];
	rng_fill(key, sizeof key);
	rng_fill(msg, sizeof msg);
	sha256(key, sizeof key, key_hash);
	uint8_t a[HMAC_SHA256_BYTES], b[HMAC_SHA256_BYTES];
	hmac_sha256(key, sizeof key, msg, sizeof msg, a);
	hmac_sha256(key_hash, sizeof key_hash, msg, sizeof msg, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	/* A 64-byte key is used as it is: different from its hash. */
	hmac_sha256(key, 64, msg, sizeof msg, a);
	sha256(key, 64, key_hash);
	hmac_sha256(key_hash, sizeof key_hash, msg, sizeof msg, b);
	CHECK(memcmp(a, b, sizeof a) != 0);
}

static void hmac_feed(void *ctx, const uint8_t *p, size_t len)
{
	hmac_sha256_update(ctx, p, len);
}

TEST(hmac_pieces_equal_whole)
{
	static uint8_t buf[2048];
	uint8_t key[100];
	for (int trial = 0; trial < 100; trial++) {
		size_t n = (size_t)(rng_next() % sizeof buf);
		size_t key_len = (size_t)(rng_next() % sizeof key);
		rng_fill(buf, n);
		rng_fill(key, key_len);
		uint8_t whole[HMAC_SHA256_BYTES], pieces[HMAC_SHA256_BYTES];
		hmac_sha256(key, key_len, buf, n, whole);
		struct hmac_sha256_ctx ctx;
		hmac_sha256_init(&ctx, key, key_len);
		random_pieces(buf, n, 150, hmac_feed, &ctx);
		hmac_sha256_final(&ctx, pieces);
		CHECK(memcmp(whole, pieces, sizeof whole) == 0);
	}
}

TEST(hmac_equal_compares_every_byte)
{
	uint8_t a[HMAC_SHA256_BYTES], b[HMAC_SHA256_BYTES];
	rng_fill(a, sizeof a);
	memcpy(b, a, sizeof b);
	CHECK(hmac_sha256_equal(a, b, sizeof a));
	CHECK(hmac_sha256_equal(a, b, 0));
	for (size_t i = 0; i < sizeof a; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			if (hmac_sha256_equal(a, b, sizeof a)) {
				CHECK(!hmac_sha256_equal(a, b, sizeof a));
				fprintf(stderr, "  (byte %zu bit %d)\n", i, bit);
			}
			/* Only the first len bytes count: a truncated tag. */
			CHECK(hmac_sha256_equal(a, b, i));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* RFC 4231 case 5, checked as a 128-bit truncated tag. */
	struct hmac_case c[7];
	rfc4231_cases(c);
	uint8_t mac[HMAC_SHA256_BYTES], want[16];
	hmac_sha256(c[4].key, c[4].key_len, c[4].data, c[4].data_len, mac);
	for (int i = 0; i < 16; i++)
		sscanf(c[4].mac + 2 * i, "%2hhx", &want[i]);
	CHECK(hmac_sha256_equal(mac, want, sizeof want));
}

int main(void)
{
	RUN(crc_check_value);
	RUN(crc_iscsi_vectors);
	RUN(crc_empty_input_is_identity);
	RUN(crc_table_matches_bitwise_for_every_byte);
	RUN(crc_barrett_constants_derive_from_poly);
	RUN(crc_clmul_model_products);
	RUN(crc_random_buffers_every_length_and_alignment);
	RUN(crc_pieces_equal_whole);
	RUN(crc_select);
	RUN(md5_rfc1321_suite);
	RUN(md5_pieces_equal_whole);
	RUN(sha256_fips_vectors);
	RUN(sha256_million_a_in_odd_pieces);
	RUN(sha256_pieces_equal_whole);
	RUN(hmac_rfc4231_cases);
	RUN(hmac_long_key_is_hashed_first);
	RUN(hmac_pieces_equal_whole);
	RUN(hmac_equal_compares_every_byte);
	return check_summary();
}
