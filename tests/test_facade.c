/*
 * tests/test_facade.c - host tests for mm/facade, the seed's bounds-checked views.
 *
 * The seed's example is reproduced: a RootFacade over reference[0x00:0xFF]
 * and a ShareMemoryFacade over reference[0x100:0xFFF]; each access outside
 * a facade, misaligned, or writing through a read-only one is refused and
 * leaves memory untouched.
 */
#include <string.h>

#include "../mm/facade.h"
#include "check.h"

static uint8_t reference[0x1000] __attribute__((aligned(64)));

static void fresh(void)
{
	memset(reference, 0, sizeof(reference));
	reference[0x00] = 3; /* Bits(Major, Minor, Inc, Protected) == [3, 8, 1, 0] */
	reference[0x01] = 8;
	reference[0x02] = 1;
	reference[0x100] = 2; /* registered cpus */
}

TEST(seed_example)
{
	fresh();
	struct facade root, prots, share;
	CHECK_EQ(facade_init(&root, reference, sizeof(reference), FACADE_WRITE, "root"), 0);
	CHECK_EQ(facade_sub(&root, 0x00, 0x100, FACADE_READ, "protected bits", &prots), 0);
	CHECK_EQ(facade_sub(&root, 0x100, 0xF00, FACADE_WRITE, "shared bits", &share), 0);
	uint8_t v = 0xee;
	CHECK_EQ(facade_read8(&prots, 0x03, &v), 0);
	CHECK_EQ(v, 0); /* prots.protected == reference[0x03] == 0 */
	CHECK_EQ(facade_read8(&prots, 0x00, &v), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(facade_read8(&share, 0x00, &v), 0);
	CHECK_EQ(v, 2); /* share.registered_cpus == reference[0x100] == 2 */
}

TEST(bounds)
{
	fresh();
	struct facade root, share;
	facade_init(&root, reference, sizeof(reference), FACADE_WRITE, "root");
	facade_sub(&root, 0x100, 0xF00, FACADE_WRITE, "shared", &share);
	uint64_t v64 = 7;
	uint8_t v8 = 7;
	CHECK_EQ(facade_read8(&share, 0xEFF, &v8), 0);
	CHECK_EQ(facade_read8(&share, 0xF00, &v8), FACADE_ERR_RANGE);
	CHECK_EQ(facade_read64(&share, 0xEF8, &v64), 0);
	CHECK_EQ(facade_read64(&share, 0xF00, &v64), FACADE_ERR_RANGE);
	CHECK_EQ(facade_read64(&share, (size_t)-8, &v64), FACADE_ERR_RANGE); /* no wraparound */
	CHECK_EQ(facade_write8(&share, 0xF00, 1), FACADE_ERR_RANGE);
	CHECK_EQ(reference[0x1000 - 1], 0);
	struct facade child;
	CHECK_EQ(facade_sub(&share, 0xE00, 0x101, FACADE_WRITE, "too big", &child),
		 FACADE_ERR_RANGE);
	CHECK_EQ(facade_sub(&share, (size_t)-1, 2, FACADE_WRITE, "wraps", &child),
		 FACADE_ERR_RANGE);
	CHECK_EQ(facade_sub(&share, 0xF00, 0, FACADE_WRITE, "empty at end", &child), 0);
	CHECK_EQ(facade_read8(&child, 0, &v8), FACADE_ERR_RANGE);
}

TEST(alignment)
{
	fresh();
	struct facade root;
	facade_init(&root, reference, sizeof(reference), FACADE_WRITE, "root");
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	CHECK_EQ(facade_read16(&root, 1, &v16), FACADE_ERR_ALIGN);
	CHECK_EQ(facade_read32(&root, 2, &v32), FACADE_ERR_ALIGN);
	CHECK_EQ(facade_read64(&root, 4, &v64), FACADE_ERR_ALIGN);
	CHECK_EQ(facade_write64(&root, 12, 1), FACADE_ERR_ALIGN);
	CHECK_EQ(facade_write64(&root, 16, 0x1122334455667788ull), 0);
	CHECK_EQ(reference[16], 0x88); /* little-endian */
	CHECK_EQ(facade_read32(&root, 20, &v32), 0);
	CHECK_EQ(v32, 0x11223344);
	/* Alignment is of the address, not the offset: a sub-facade at +1 shifts it. */
	struct facade odd;
	facade_sub(&root, 1, 0x20, FACADE_WRITE, "odd", &odd);
	CHECK_EQ(facade_read16(&odd, 1, &v16), 0);
	CHECK_EQ(facade_read16(&odd, 0, &v16), FACADE_ERR_ALIGN);
}

TEST(read_only_facades_stay_read_only)
{
	fresh();
	struct facade root, prots, inner;
	facade_init(&root, reference, sizeof(reference), FACADE_WRITE, "root");
	facade_sub(&root, 0, 0x100, FACADE_READ, "protected bits", &prots);
	CHECK_EQ(facade_write8(&prots, 3, 1), FACADE_ERR_READONLY);
	CHECK_EQ(facade_write32(&prots, 4, 1), FACADE_ERR_READONLY);
	CHECK_EQ(facade_write_bytes(&prots, 0, "xx", 2), FACADE_ERR_READONLY);
	CHECK_EQ(reference[3], 0);
	CHECK_EQ(reference[0], 3);
	/* A child of a read-only facade cannot ask for write access back. */
	CHECK_EQ(facade_sub(&prots, 0, 0x10, FACADE_WRITE, "inner", &inner), 0);
	CHECK_EQ(inner.writable, 0);
	CHECK_EQ(facade_write8(&inner, 0, 9), FACADE_ERR_READONLY);
	CHECK_EQ(reference[0], 3);
}

TEST(byte_copies_are_all_or_nothing)
{
	fresh();
	struct facade root, share;
	facade_init(&root, reference, sizeof(reference), FACADE_WRITE, "root");
	facade_sub(&root, 0x100, 0xF00, FACADE_WRITE, "shared", &share);
	char buf[8] = "magma!!";
	CHECK_EQ(facade_write_bytes(&share, 0xEFC, buf, 8), FACADE_ERR_RANGE);
	CHECK_EQ(reference[0xFFC], 0);
	CHECK_EQ(facade_write_bytes(&share, 0x10, buf, 8), 0);
	char back[8] = { 0 };
	CHECK_EQ(facade_read_bytes(&share, 0x10, back, 8), 0);
	CHECK(memcmp(back, buf, 8) == 0);
	CHECK_EQ(facade_read_bytes(&share, 0xEF9, back, 8), FACADE_ERR_RANGE);
}

TEST(bad_arguments)
{
	struct facade f;
	CHECK_EQ(facade_init(&f, NULL, 16, FACADE_READ, "null"), FACADE_ERR_BADARG);
	CHECK_EQ(facade_init(&f, (void *)(uintptr_t)-16, 32, FACADE_READ, "wraps"),
		 FACADE_ERR_BADARG);
	CHECK(strcmp(facade_strerror(FACADE_ERR_ALIGN), facade_strerror(FACADE_ERR_RANGE)) != 0);
}

int main(void)
{
	RUN(seed_example);
	RUN(bounds);
	RUN(alignment);
	RUN(read_only_facades_stay_read_only);
	RUN(byte_copies_are_all_or_nothing);
	RUN(bad_arguments);
	return check_summary();
}
