/*
 * lib/crc32c_patch.h - keeping a CRC-32C right while its message changes in place.
 *
 * The guard keeps one CRC-32C over the whole 64 KiB root and changes a few
 * bytes of the root per request. Recomputing the CRC each time costs the
 * whole root; these functions fold just the changed bytes in, so the stored
 * CRC stays correct by construction (it is never recomputed from a copy that
 * might itself be damaged).
 *
 * Why it works: CRC-32C is linear over GF(2). With R(m) the register run over
 * m from 0 with no inversions, crc(m) = R(m) ^ K(len) for a constant K that
 * depends only on the length, and R(a ^ b) = R(a) ^ R(b). Changing bytes
 * [off, off+n) by delta d therefore changes the CRC by
 *   R(zeros(off) . d . zeros(k)) = R(d) * x^(8k) mod P,   k = len - off - n
 * (leading zeros leave a zero register alone; each trailing zero byte
 * multiplies by x^8). Registers are in the reflected domain of crc32c.h:
 * bit 31 holds the coefficient of x^0, bit 0 that of x^31.
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_CRC32C_PATCH_H
#define LIB_CRC32C_PATCH_H

#include <stddef.h>
#include <stdint.h>

/* x^0 in the reflected domain: the multiplicative identity. */
#define CRC32C_X0 0x80000000u

/* The raw register reg run over len bytes: no inversions, linear in (reg, data). */
uint32_t crc32c_raw(uint32_t reg, const void *data, size_t len);

/* a(x) * b(x) mod P(x), reflected domain. */
uint32_t crc32c_mulmod(uint32_t a, uint32_t b);

/* x^(8 n) mod P(x), reflected: what n zero bytes do to a raw register. */
uint32_t crc32c_xpow8n(uint64_t n);

/*
 * The CRC-32C of a msg_len-byte message after its bytes [offset, offset+len)
 * change from old_bytes to new_bytes, given crc, its CRC-32C before.
 * The range must lie inside the message (offset + len <= msg_len); a range
 * that does not is ignored and crc comes back unchanged.
 */
uint32_t crc32c_patch(uint32_t crc, size_t msg_len, size_t offset, const void *old_bytes,
		      const void *new_bytes, size_t len);

#endif
