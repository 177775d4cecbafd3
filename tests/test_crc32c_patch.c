/*
 * tests/test_crc32c_patch.c - host tests for lib/crc32c_patch: the patched
 * CRC always equals a CRC recomputed over the whole changed message.
 */
#include <string.h>

#include "../lib/crc32c.h"
#include "../lib/crc32c_patch.h"
#include "check.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(mulmod_identity_and_commutes)
{
	for (int i = 0; i < 1000; i++) {
		uint32_t a = (uint32_t)next_random(), b = (uint32_t)next_random();
		uint32_t c = (uint32_t)next_random();
		CHECK_EQ(crc32c_mulmod(a, CRC32C_X0), a);
		CHECK_EQ(crc32c_mulmod(a, b), crc32c_mulmod(b, a));
		CHECK_EQ(crc32c_mulmod(a ^ c, b), crc32c_mulmod(a, b) ^ crc32c_mulmod(c, b));
		CHECK_EQ(crc32c_mulmod(crc32c_mulmod(a, b), c),
			 crc32c_mulmod(a, crc32c_mulmod(b, c)));
	}
}

/* n zero bytes through the raw register is multiplication by x^(8n). */
TEST(xpow8n_matches_zero_bytes)
{
	static const uint8_t zeros[4096];
	for (size_t n = 0; n <= sizeof zeros; n += n < 40 ? 1 : 97) {
		uint32_t reg = (uint32_t)next_random();
		CHECK_EQ(crc32c_raw(reg, zeros, n), crc32c_mulmod(reg, crc32c_xpow8n(n)));
	}
	CHECK_EQ(crc32c_xpow8n(0), CRC32C_X0);
	CHECK_EQ(crc32c_xpow8n(1), CRC32C_X0 >> 8);
}

/* CRC is R(m) ^ K(len): raw registers differ exactly by the CRC's difference. */
TEST(raw_is_linear)
{
	uint8_t a[300], b[300], x[300];
	for (size_t i = 0; i < sizeof a; i++) {
		a[i] = (uint8_t)next_random();
		b[i] = (uint8_t)next_random();
		x[i] = a[i] ^ b[i];
	}
	CHECK_EQ(crc32c_raw(0, a, sizeof a) ^ crc32c_raw(0, b, sizeof b),
		 crc32c_raw(0, x, sizeof x));
	CHECK_EQ(crc32c_table(0, a, sizeof a) ^ crc32c_table(0, b, sizeof b),
		 crc32c_raw(0, x, sizeof x));
}

/* Random patches of a 64 KiB message, checked against a full recompute each time. */
TEST(patch_equals_recompute)
{
	enum { LEN = 65536 };
	static uint8_t msg[LEN];
	for (size_t i = 0; i < LEN; i++)
		msg[i] = (uint8_t)next_random();
	uint32_t crc = crc32c_table(0, msg, LEN);
	for (int round = 0; round < 300; round++) {
		size_t len = 1 + next_random() % 64;
		size_t off = round % 7 == 0    ? LEN - len
			     : round % 11 == 0 ? 0
					       : next_random() % (LEN - len);
		uint8_t fresh[64];
		for (size_t i = 0; i < len; i++)
			fresh[i] = (uint8_t)next_random();
		crc = crc32c_patch(crc, LEN, off, msg + off, fresh, len);
		memcpy(msg + off, fresh, len);
		if (round % 30 == 0)
			CHECK_EQ(crc, crc32c_table(0, msg, LEN));
	}
	CHECK_EQ(crc, crc32c_table(0, msg, LEN));
}

/* A patch that changes nothing, and ranges outside the message, leave the CRC alone. */
TEST(patch_edges)
{
	uint8_t msg[64] = { 1, 2, 3 };
	uint32_t crc = crc32c_table(0, msg, sizeof msg);
	CHECK_EQ(crc32c_patch(crc, sizeof msg, 10, msg + 10, msg + 10, 5), crc);
	CHECK_EQ(crc32c_patch(crc, sizeof msg, 60, msg, msg + 1, 5), crc);
	CHECK_EQ(crc32c_patch(crc, sizeof msg, 65, msg, msg + 1, 0), crc);
	CHECK_EQ(crc32c_patch(crc, sizeof msg, (size_t)-1, msg, msg + 1, 2), crc);
	uint8_t b = 0x77;
	uint32_t patched = crc32c_patch(crc, sizeof msg, 63, msg + 63, &b, 1);
	msg[63] = b;
	CHECK_EQ(patched, crc32c_table(0, msg, sizeof msg));
}

int main(void)
{
	RUN(mulmod_identity_and_commutes);
	RUN(xpow8n_matches_zero_bytes);
	RUN(raw_is_linear);
	RUN(patch_equals_recompute);
	RUN(patch_edges);
	return check_summary();
}
