/*
 * lib/crc32c_patch.c - folding changed bytes into a CRC-32C (see crc32c_patch.h).
 */
#include "crc32c_patch.h"

#include "crc32c.h"

uint32_t crc32c_raw(uint32_t reg, const void *data, size_t len)
{
	/* crc32c_table inverts on the way in and out; undo both. */
	return ~crc32c_table(~reg, data, len);
}

/*
 * Shift-and-add over GF(2): for each coefficient of a, from x^0 (bit 31)
 * up, add b * x^i; b is multiplied by x (one bitwise CRC step) as i grows.
 */
uint32_t crc32c_mulmod(uint32_t a, uint32_t b)
{
	uint32_t product = 0;
	for (uint32_t bit = CRC32C_X0; bit; bit >>= 1) {
		if (a & bit)
			product ^= b;
		b = (b >> 1) ^ (CRC32C_POLY_REFLECTED & (0u - (b & 1u)));
	}
	return product;
}

/* Square and multiply, starting from x^8 (one zero byte). */
uint32_t crc32c_xpow8n(uint64_t n)
{
	uint32_t result = CRC32C_X0, power = CRC32C_X0 >> 8;
	for (; n; n >>= 1) {
		if (n & 1)
			result = crc32c_mulmod(result, power);
		power = crc32c_mulmod(power, power);
	}
	return result;
}

uint32_t crc32c_patch(uint32_t crc, size_t msg_len, size_t offset, const void *old_bytes,
		      const void *new_bytes, size_t len)
{
	if (offset > msg_len || len > msg_len - offset)
		return crc;
	const uint8_t *o = old_bytes, *n = new_bytes;
	uint32_t reg = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t delta = o[i] ^ n[i];
		reg = crc32c_raw(reg, &delta, 1);
	}
	return crc ^ crc32c_mulmod(reg, crc32c_xpow8n(msg_len - offset - len));
}
