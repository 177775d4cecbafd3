/*
 * lib/crc32c.h - CRC-32C (Castagnoli), the checksum the guard keeps over the
 * root range.
 *
 * Polynomial 0x1EDC6F41 (x^32 implied), bits processed least significant
 * first, so the working constant is the reflected polynomial 0x82F63B78; the
 * register starts at all ones and the result is inverted (RFC 3720 B.4).
 * Check value: "123456789" -> 0xE3069283.
 *
 * Every implementation has the crc32c_fn signature and the same chaining rule:
 * start with crc = 0, and pass a result back in to continue, so
 *   f(f(0, a, n), b, m) == f(0, a followed by b, n + m).
 * The pre- and post-inversion happen inside; callers never see them. data
 * may be NULL when len is 0.
 *
 * Implementations:
 *   crc32c_table        byte at a time with a 256-entry table; runs anywhere.
 *   crc32c_clmul        RISC-V harts with Zbc only: 8 bytes per carry-less
 *                       multiply pair (Barrett reduction). Illegal instruction
 *                       on a hart without Zbc.
 *   crc32c_clmul_model  the same folding algorithm with clmul/clmulh computed
 *                       in portable C: slow, for testing the algorithm on the
 *                       host and comparing against the hardware.
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_CRC32C_H
#define LIB_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRC32C_POLY           0x1EDC6F41u /* P(x) without the x^32 term */
#define CRC32C_POLY_REFLECTED 0x82F63B78u /* the same, bit-reversed */

/*
 * Barrett constants for the clmul fold, in the reflected (LSB-first) domain;
 * derived in crc32c.c and re-derived by tests/test_crypto.c.
 *   CRC32C_BARRETT_MU   = rev64(floor(x^95 / P(x)))
 *   CRC32C_BARRETT_POLY = rev33(P(x)), P with its x^32 term, 33 bits
 */
#define CRC32C_BARRETT_MU   0x4869EC38DEA713F1ull
#define CRC32C_BARRETT_POLY 0x105EC76F1ull

/* One CRC-32C implementation: returns crc continued over len bytes of data. */
typedef uint32_t (*crc32c_fn)(uint32_t crc, const void *data, size_t len);

/* CRC-32C of data continued from crc (0 to start), one table lookup per byte. */
uint32_t crc32c_table(uint32_t crc, const void *data, size_t len);

/*
 * CRC-32C as crc32c_clmul computes it, with the carry-less products done by
 * crc32c_model_clmul/_clmulh. Same result as crc32c_table, much slower.
 */
uint32_t crc32c_clmul_model(uint32_t crc, const void *data, size_t len);

#if defined(__riscv) && __riscv_xlen == 64
/*
 * CRC-32C with the Zbc instructions clmul and clmulh. Call it only on a hart
 * whose ISA string (device tree riscv,isa) lists zbc.
 */
uint32_t crc32c_clmul(uint32_t crc, const void *data, size_t len);
#endif

/*
 * The fastest implementation this build can run on a hart: crc32c_clmul when
 * has_zbc is true and this is an rv64 build, crc32c_table otherwise.
 */
crc32c_fn crc32c_select(bool has_zbc);

/* Software model of Zbc clmul: the low 64 bits of the carry-less product a*b. */
uint64_t crc32c_model_clmul(uint64_t a, uint64_t b);

/* Software model of Zbc clmulh: the high 64 bits of the carry-less product a*b. */
uint64_t crc32c_model_clmulh(uint64_t a, uint64_t b);

#endif
