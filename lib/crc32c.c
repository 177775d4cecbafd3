/*
 * lib/crc32c.c - CRC-32C, by table and by carry-less multiplication (Zbc).
 *
 * Both work in the reflected (LSB-first) domain: a byte's bit 0 is its first
 * bit, the highest-degree coefficient. Both keep the register inverted inside
 * and return it inverted, so results chain (see crc32c.h).
 *
 * The table. Entry b is the register b after eight steps of the bitwise
 * algorithm (shift right one bit; if a 1 fell out, xor the reflected
 * polynomial): the remainder of b(x)*x^32 mod P. The compiler evaluates it:
 * CRC32C_TABLE_ENTRY expands to eight nested steps on a constant, so there are
 * no hand-copied numbers to get wrong. tests/test_crypto.c checks every entry
 * against a bitwise CRC.
 *
 * The clmul fold, 8 bytes per step, over a little-endian 64-bit word w (bit i
 * of w is the coefficient of x^(63-i), so the register xored into its low half
 * is the remainder times x^32):
 *   A  = w ^ crc                   the next 64 message bits plus the remainder
 *   crc' = A(x)*x^32 mod P(x)      what eight table steps compute
 * Barrett reduction, exact over GF(2) (no correction step, unlike integers):
 *   mu = floor(x^96 / P)           degree 64
 *   q  = floor(A*x^32 / P) = floor(A*mu / x^64)
 *   crc' = (A*x^32 + q*P) mod x^32 = (q*P) mod x^32
 * On reflected operands Zbc gives, for polynomials a and b of degree < 64:
 *   clmul (rev64 a, rev64 b) bit k = coefficient of x^(126-k) in a*b
 *   clmulh(rev64 a, rev64 b) bit k = coefficient of x^(62-k)  in a*b
 * so with X = rev64(A) = w ^ crc:
 *   rev64(q)   = clmul(X, rev64(floor(x^95 / P)))   = clmul(X, MU)
 *     (floor(x^95/P) is mu/x: the x^0 term of mu only touches product bits
 *      below x^64, which q drops anyway)
 *   rev32(crc') = clmulh(rev64(q), rev64(P*x^31))   = clmulh(Q, POLY)
 *     (bit k holds the x^(31-k) coefficient of q*P for k < 32; bits 32..63
 *      come out zero because P*x^31 has no terms below x^31)
 * and rev64(P*x^31) is P reversed over 33 bits. The constants
 * (CRC32C_BARRETT_MU = 0x4869EC38DEA713F1, CRC32C_BARRETT_POLY = 0x105EC76F1)
 * come from a GF(2) long division of x^95 by P; tests/test_crypto.c redoes it.
 * Bytes before the first 8-aligned address and the last len % 8 bytes go
 * through the table, so the 64-bit loads are always aligned.
 *
 * The fold is written once (crc32c_fold) and instantiated twice: with the Zbc
 * instructions on rv64, and with the portable models of them everywhere.
 * Freestanding: no libc, no kernel headers.
 */
#include "crc32c.h"

/* One bitwise step: shift out the low bit, reduce if it was a 1. */
#define CRC32C_STEP(c)        (((c) >> 1) ^ (CRC32C_POLY_REFLECTED & (0u - ((c)&1u))))
#define CRC32C_STEP2(c)       CRC32C_STEP(CRC32C_STEP(c))
#define CRC32C_STEP4(c)       CRC32C_STEP2(CRC32C_STEP2(c))
#define CRC32C_TABLE_ENTRY(b) CRC32C_STEP4(CRC32C_STEP4((uint32_t)(b)))
#define CRC32C_ROW4(b)                                                                   \
	CRC32C_TABLE_ENTRY(b), CRC32C_TABLE_ENTRY((b) + 1), CRC32C_TABLE_ENTRY((b) + 2), \
		CRC32C_TABLE_ENTRY((b) + 3)
#define CRC32C_ROW16(b) \
	CRC32C_ROW4(b), CRC32C_ROW4((b) + 4), CRC32C_ROW4((b) + 8), CRC32C_ROW4((b) + 12)
#define CRC32C_ROW64(b) \
	CRC32C_ROW16(b), CRC32C_ROW16((b) + 16), CRC32C_ROW16((b) + 32), CRC32C_ROW16((b) + 48)

static const uint32_t crc32c_lut[256] = {
	CRC32C_ROW64(0),
	CRC32C_ROW64(64),
	CRC32C_ROW64(128),
	CRC32C_ROW64(192),
};

/* Runs the (already inverted) register c over n bytes, one lookup each. */
static uint32_t crc32c_bytes(uint32_t c, const uint8_t *p, size_t n)
{
	while (n--)
		c = (c >> 8) ^ crc32c_lut[(c ^ *p++) & 0xff];
	return c;
}

uint32_t crc32c_table(uint32_t crc, const void *data, size_t len)
{
	return ~crc32c_bytes(~crc, data, len);
}

/* The 64-bit little-endian word at an 8-aligned p (one ld on RISC-V). */
static inline uint64_t crc32c_load_le64(const uint8_t *p)
{
	uint64_t w;
	__builtin_memcpy(&w, __builtin_assume_aligned(p, 8), sizeof w);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

typedef uint64_t (*crc32c_clmul_op)(uint64_t a, uint64_t b);

/*
 * The Barrett fold described at the top, with lo computing clmul and hi
 * clmulh. Always inlined so each caller gets the operations inlined, not
 * called through pointers.
 */
static inline __attribute__((always_inline)) uint32_t
crc32c_fold(uint32_t crc, const void *data, size_t len, crc32c_clmul_op lo, crc32c_clmul_op hi)
{
	if (len == 0)
		return crc; /* data may be NULL, and NULL + 0 is undefined in C */
	const uint8_t *p = data;
	uint32_t c = ~crc;
	size_t head = (size_t)(-(uintptr_t)p & 7);
	if (head > len)
		head = len;
	c = crc32c_bytes(c, p, head);
	p += head;
	len -= head;
	/* clmulh leaves bits 32..63 of r zero (see above), so r needs no masking. */
	uint64_t r = c;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t q = lo(crc32c_load_le64(p) ^ r, CRC32C_BARRETT_MU);
		r = hi(q, CRC32C_BARRETT_POLY);
	}
	return ~crc32c_bytes((uint32_t)r, p, len);
}

/* Zbc clmul, rd = bits 63..0 of the product; xor of a << i for each set bit i of b. */
uint64_t crc32c_model_clmul(uint64_t a, uint64_t b)
{
	uint64_t r = 0;
	for (unsigned i = 0; i < 64; i++)
		r ^= (a << i) & (0 - ((b >> i) & 1));
	return r;
}

/* Zbc clmulh, rd = bits 127..64 of the product; xor of a >> (64 - i) for each set bit i > 0. */
uint64_t crc32c_model_clmulh(uint64_t a, uint64_t b)
{
	uint64_t r = 0;
	for (unsigned i = 1; i < 64; i++)
		r ^= (a >> (64 - i)) & (0 - ((b >> i) & 1));
	return r;
}

uint32_t crc32c_clmul_model(uint32_t crc, const void *data, size_t len)
{
	return crc32c_fold(crc, data, len, crc32c_model_clmul, crc32c_model_clmulh);
}

#if defined(__riscv) && __riscv_xlen == 64
/*
 * The kernel is built with -march=rv64imac, so Zbc is enabled for these single
 * instructions only. `.option arch` needs GNU as 2.38 or later (2.40 here);
 * clang 14's assembler rejects it, and would need the raw encodings
 * `.insn r 0x33, 1, 5, rd, rs1, rs2` (clmul) and `.insn r 0x33, 3, 5, ...`
 * (clmulh), which objdump then shows as .4byte instead of mnemonics.
 */
static inline uint64_t crc32c_zbc_clmul(uint64_t a, uint64_t b)
{
	uint64_t r;
	__asm__(".option push\n\t.option arch, +zbc\n\tclmul %0, %1, %2\n\t.option pop"
		: "=r"(r)
		: "r"(a), "r"(b));
	return r;
}

static inline uint64_t crc32c_zbc_clmulh(uint64_t a, uint64_t b)
{
	uint64_t r;
	__asm__(".option push\n\t.option arch, +zbc\n\tclmulh %0, %1, %2\n\t.option pop"
		: "=r"(r)
		: "r"(a), "r"(b));
	return r;
}

uint32_t crc32c_clmul(uint32_t crc, const void *data, size_t len)
{
	return crc32c_fold(crc, data, len, crc32c_zbc_clmul, crc32c_zbc_clmulh);
}
#endif

crc32c_fn crc32c_select(bool has_zbc)
{
#if defined(__riscv) && __riscv_xlen == 64
	if (has_zbc)
		return crc32c_clmul;
#else
	(void)has_zbc;
#endif
	return crc32c_table;
}
