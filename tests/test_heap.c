/*
 * tests/test_heap.c - host tests for mm/heap, the checked block heap.
 *
 * The backing hands out separate aligned_alloc() chunks (so a heap is made
 * of non-contiguous chunks, as with page frames) under a byte budget, and
 * can be told to misbehave. Harts are hart numbers in one thread (scripted
 * and model-checked tests) or one pthread per hart (concurrency tests).
 * Corruption tests write straight into headers and expect the heap to name
 * the block and the field.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../mm/heap.h"
#include "check.h"

/* --- the backing --- */

struct backing {
	size_t budget_bytes; /* refuse what would exceed this in total */
	size_t given_bytes;
	size_t max_request_bytes; /* refuse bigger requests (0: no limit) */
	size_t calls;
	unsigned misalign; /* chunks start this many bytes after a page */
	bool short_change; /* report 16 bytes fewer than asked (a buggy backing) */
	bool repeat;       /* hand out the previous chunk again (a buggy backing) */
	void *chunks[4 * HEAP_MAX_CHUNKS];
	size_t nchunks;
};

static void *test_grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	struct backing *bk = ctx;
	bk->calls++;
	if (bk->repeat && bk->nchunks) {
		*got_bytes = min_bytes;
		return (char *)bk->chunks[bk->nchunks - 1] + bk->misalign;
	}
	if ((bk->max_request_bytes && min_bytes > bk->max_request_bytes) ||
	    min_bytes > bk->budget_bytes - bk->given_bytes || bk->nchunks == 4 * HEAP_MAX_CHUNKS)
		return NULL;
	size_t bytes = (min_bytes + bk->misalign + 4095) / 4096 * 4096;
	char *mem = aligned_alloc(4096, bytes);
	if (!mem)
		return NULL;
	bk->chunks[bk->nchunks++] = mem;
	bk->given_bytes += min_bytes;
	*got_bytes = bk->short_change ? min_bytes - 16 : bytes - bk->misalign;
	return mem + bk->misalign;
}

static struct heap the_heap;
static struct backing bk;

static struct heap *setup(unsigned narenas, size_t budget_bytes)
{
	bk = (struct backing){ .budget_bytes = budget_bytes };
	struct heap_backing backing = { test_grow, &bk };
	CHECK_EQ(heap_init(&the_heap, &backing, narenas), 0);
	return &the_heap;
}

static void teardown(void)
{
	for (size_t i = 0; i < bk.nchunks; i++)
		free(bk.chunks[i]);
	bk.nchunks = 0;
}

/* --- helpers --- */

static struct heap_stats stats_of(struct heap *h)
{
	struct heap_stats st;
	struct heap_fault f;
	int err = heap_stats(h, &st, &f);
	if (err)
		fprintf(stderr,
			"  heap_stats: %s: block 0x%lx field %s found 0x%llx expected 0x%llx\n",
			heap_strerror(err), (unsigned long)f.block, f.field,
			(unsigned long long)f.found, (unsigned long long)f.expected);
	CHECK_EQ(err, 0);
	return st;
}

static bool stats_add_up(const struct heap_stats *st)
{
	return st->used_bytes + st->free_bytes + st->pending_bytes + st->quick_bytes ==
	       st->total_bytes;
}

/* Empties the quick lists of every arena, so that freed blocks are coalesced. */
static void flush_all(struct heap *h)
{
	struct heap_fault f;
	for (unsigned hart = 0; hart < h->narenas; hart++)
		CHECK_EQ(heap_flush(h, hart, &f), 0);
}

static void *must_alloc(struct heap *h, unsigned hart, size_t size_bytes)
{
	struct heap_fault f;
	void *p = heap_alloc(h, hart, size_bytes, &f);
	CHECK(p != NULL);
	CHECK_EQ(f.err, 0);
	return p;
}

static void must_free(struct heap *h, unsigned hart, void *p)
{
	struct heap_fault f;
	CHECK_EQ(heap_free(h, hart, p, &f), 0);
}

static uintptr_t block_of(const void *payload)
{
	return (uintptr_t)payload - HEAP_HEADER_BYTES;
}

static uint64_t *field(const void *payload, unsigned offset)
{
	return (uint64_t *)(block_of(payload) + offset);
}

static size_t usable(struct heap *h, const void *p)
{
	size_t n = 0;
	struct heap_fault f;
	CHECK_EQ(heap_usable_size(h, p, &n, &f), 0);
	return n;
}

/* --- layout --- */

TEST(magic_layout)
{
	/* bytes 0..7: SF SF FS FS FS FS SF SF with safety nibbles A 5 C 3 9 6 E 7 */
	static const uint8_t safety[8] = { 0xa, 0x5, 0xc, 0x3, 0x9, 0x6, 0xe, 0x7 };
	static const bool safety_high[8] = { true, true, false, false, false, false, true, true };
	for (uint64_t flag = 0; flag <= HEAP_FLAG_QUICK; flag++) {
		uint64_t magic = HEAP_MAGIC(flag);
		for (int i = 0; i < 8; i++) {
			uint8_t byte = (uint8_t)(magic >> (8 * i));
			uint8_t s = safety_high[i] ? byte >> 4 : byte & 0xf;
			uint8_t fl = safety_high[i] ? byte & 0xf : byte >> 4;
			CHECK_EQ(s, safety[i]);
			CHECK_EQ(fl, flag);
		}
	}
	CHECK_EQ(HEAP_MAGIC(HEAP_FLAG_INIT), 0x70E00609030C50A0ull);
	CHECK_EQ(HEAP_MAGIC(HEAP_FLAG_USED), 0x71E11619131C51A1ull);
	CHECK_EQ(HEAP_MAGIC(HEAP_FLAG_GC), 0x72E22629232C52A2ull);
	CHECK_EQ(HEAP_MAGIC(HEAP_FLAG_QUICK), 0x73E33639333C53A3ull);
	CHECK_EQ(HEAP_MAGIC_SAFETY_MASK & HEAP_MAGIC_FLAG_SPREAD * 0xf, 0);
	CHECK_EQ(HEAP_MAGIC_SAFETY_MASK | HEAP_MAGIC_FLAG_SPREAD * 0xf, UINT64_MAX);
}

TEST(strerror_names_every_code)
{
	for (int err = HEAP_ERR_CHUNKS; err < 0; err++) {
		CHECK(strcmp(heap_strerror(err), "unknown error") != 0);
		for (int other = err + 1; other < 0; other++)
			CHECK(strcmp(heap_strerror(err), heap_strerror(other)) != 0);
	}
	CHECK(strcmp(heap_strerror(-100), "unknown error") == 0);
}

TEST(init_rejects_bad_arguments)
{
	struct heap_backing good = { test_grow, &bk }, no_grow = { NULL, &bk };
	CHECK_EQ(heap_init(&the_heap, &good, 0), HEAP_ERR_BAD_ARG);
	CHECK_EQ(heap_init(&the_heap, &good, HEAP_MAX_ARENAS + 1), HEAP_ERR_BAD_ARG);
	CHECK_EQ(heap_init(&the_heap, &no_grow, 1), HEAP_ERR_BAD_ARG);
	CHECK_EQ(heap_init(&the_heap, NULL, 1), HEAP_ERR_BAD_ARG);
	CHECK_EQ(heap_init(NULL, &good, 1), HEAP_ERR_BAD_ARG);
	CHECK_EQ(heap_init(&the_heap, &good, HEAP_MAX_ARENAS), 0);
}

TEST(alignment_and_sizes)
{
	static const struct {
		size_t ask, usable;
	} cases[] = { { 0, 16 },      { 1, 16 },         { 15, 16 },     { 16, 16 },
		      { 17, 32 },     { 128, 128 },      { 129, 160 },   { 257, 320 },
		      { 1000, 1024 }, { 3000, 3072 },    { 4095, 4096 }, { 4096, 4096 },
		      { 4097, 4112 }, { 100000, 100000 } };
	struct heap *h = setup(1, 1 << 24);
	bk.misalign = 3; /* the heap must align the chunks itself */
	void *p[sizeof(cases) / sizeof(cases[0])];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p[i] = must_alloc(h, 0, cases[i].ask);
		CHECK_EQ((uintptr_t)p[i] % 16, 0);
		CHECK_EQ(block_of(p[i]) % 16, 8);
		CHECK_EQ(usable(h, p[i]), cases[i].usable);
		CHECK_EQ(*field(p[i], 0), HEAP_MAGIC(HEAP_FLAG_USED));
		CHECK_EQ(*field(p[i], 8), cases[i].usable + 32);
		uint64_t next = *field(p[i], 16); /* 0 when last in its chunk */
		CHECK(next == 0 || next == block_of(p[i]) + cases[i].usable + 32);
		memset(p[i], 0xa5, cases[i].usable);
	}
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.used_blocks, sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		must_free(h, 0, p[i]);
	flush_all(h);
	st = stats_of(h);
	CHECK_EQ(st.used_blocks, 0);
	CHECK_EQ(st.free_blocks, st.chunks);
	teardown();
}

TEST(huge_sizes_fail_cleanly)
{
	static const size_t too_big[] = { SIZE_MAX, SIZE_MAX - 15, SIZE_MAX - 47,
					  HEAP_MAX_ALLOC_BYTES + 1 };
	struct heap *h = setup(1, 1 << 24);
	struct heap_fault f;
	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
		CHECK(heap_alloc(h, 0, too_big[i], &f) == NULL);
		CHECK_EQ(f.err, HEAP_ERR_TOO_BIG);
		CHECK(strcmp(f.field, "size") == 0);
		CHECK_EQ(f.found, too_big[i]);
	}
	CHECK_EQ(bk.calls, 0); /* refused before asking the backing */
	CHECK(heap_alloc(h, 0, HEAP_MAX_ALLOC_BYTES, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NOMEM);
	CHECK(heap_alloc(h, 0, (size_t)1 << 40, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NOMEM);

	char *p = must_alloc(h, 0, 100);
	memset(p, 7, 100);
	CHECK(heap_realloc(h, 0, p, SIZE_MAX, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_TOO_BIG);
	CHECK(heap_realloc(h, 0, p, (size_t)1 << 40, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NOMEM);
	CHECK_EQ(p[99], 7); /* still allocated, unchanged */
	must_free(h, 0, p);
	CHECK(stats_of(h).used_blocks == 0);
	teardown();
}

/* --- coalescing --- */

TEST(coalescing_three_neighbours_in_every_order)
{
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					  { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	/* beyond the size classes a free coalesces at once; within, heap_flush does */
	static const size_t sizes[2][3] = { { 4200, 5000, 9000 }, { 40, 200, 1000 } };
	for (int o = 0; o < 12; o++) {
		const size_t *size = sizes[o / 6];
		struct heap *h = setup(1, 1 << 24);
		void *guard0 = must_alloc(h, 0, 16);
		void *p[3];
		uint64_t total = 0;
		for (int i = 0; i < 3; i++) {
			p[i] = must_alloc(h, 0, size[i]);
			total += *field(p[i], 8);
		}
		void *guard1 = must_alloc(h, 0, 16);
		struct heap_stats before = stats_of(h);
		for (int i = 0; i < 3; i++)
			must_free(h, 0, p[orders[o % 6][i]]);
		if (o >= 6) {
			CHECK_EQ(stats_of(h).quick_blocks, 3);
			flush_all(h);
		}
		struct heap_stats st = stats_of(h);
		CHECK_EQ(st.free_blocks, before.free_blocks + 1);
		CHECK_EQ(*field(p[0], 0), HEAP_MAGIC(HEAP_FLAG_INIT));
		CHECK_EQ(*field(p[0], 8), total);
		CHECK_EQ(*field(p[0], 16), block_of(guard1));
		CHECK_EQ(st.largest_free_bytes >= total, 1);
		/* the absorbed headers are gone */
		CHECK_EQ(*field(p[1], 0), 0);
		CHECK_EQ(*field(p[2], 0), 0);
		must_free(h, 0, guard0);
		must_free(h, 0, guard1);
		flush_all(h);
		st = stats_of(h);
		CHECK_EQ(st.free_blocks, 1);
		CHECK_EQ(st.free_bytes, st.total_bytes);
		CHECK_EQ(heap_fragmentation_permille(&st), 0);
		teardown();
	}
}

TEST(growth_across_chunks)
{
	struct heap *h = setup(1, 1 << 26);
	enum { N = 64 };
	char *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = must_alloc(h, 0, 8000);
		memset(p[i], i, 8000);
	}
	struct heap_stats st = stats_of(h);
	CHECK(st.chunks >= 3);
	CHECK_EQ(st.chunks, bk.nchunks);
	CHECK_EQ(st.grow_calls, bk.calls);
	CHECK_EQ(st.used_blocks, N);
	CHECK(stats_add_up(&st));
	/* doubling: each chunk at least as big as the arena was */
	CHECK(st.chunks <= 6);
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++)
			CHECK(i == j || p[i] + 8000 <= p[j] || p[j] + 8000 <= p[i]);
		CHECK(p[i][0] == (char)i && p[i][7999] == (char)i);
	}
	for (int i = 0; i < N; i++)
		must_free(h, 0, p[i]);
	st = stats_of(h);
	CHECK_EQ(st.free_blocks, st.chunks);
	CHECK_EQ(st.free_bytes, st.total_bytes);
	teardown();
}

TEST(growth_falls_back_to_the_minimum)
{
	struct heap *h = setup(1, 1 << 26);
	bk.max_request_bytes = 20000; /* a backing that cannot give big chunks */
	void *p = must_alloc(h, 0, 16);
	void *q = must_alloc(h, 0, 19000);
	CHECK_EQ(bk.nchunks, 2);
	CHECK_EQ(bk.calls, 4); /* each time: 64 KiB refused, then just enough */
	struct heap_fault f;
	CHECK(heap_alloc(h, 0, 30000, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NOMEM);
	must_free(h, 0, p);
	must_free(h, 0, q);
	teardown();
}

TEST(bad_backing_is_reported)
{
	struct heap *h = setup(1, 1 << 26);
	struct heap_fault f;
	bk.short_change = true;
	CHECK(heap_alloc(h, 0, 16, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_BACKING);
	bk.short_change = false;
	void *p = must_alloc(h, 0, 16);
	bk.repeat = true;
	CHECK(heap_alloc(h, 0, 100000, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_BACKING);
	CHECK(strcmp(f.field, "backing overlap") == 0);
	bk.repeat = false;
	must_free(h, 0, p);
	CHECK_EQ(stats_of(h).chunks, 1); /* the short and the repeated one are not used */
	teardown();

	h = setup(1, SIZE_MAX);
	bk.max_request_bytes = 4096; /* every chunk just big enough: fills the table */
	int err = 0;
	for (int i = 0; i <= HEAP_MAX_CHUNKS && !err; i++)
		err = heap_alloc(h, 0, 3000, &f) ? 0 : f.err;
	CHECK_EQ(err, HEAP_ERR_CHUNKS);
	CHECK_EQ(stats_of(h).chunks, HEAP_MAX_CHUNKS);
	teardown();
}

TEST(stats_and_fragmentation)
{
	struct heap *h = setup(1, 1 << 24);
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.total_bytes, 0);
	CHECK_EQ(heap_fragmentation_permille(&st), 0);

	void *a = must_alloc(h, 0, 1000), *g1 = must_alloc(h, 0, 16);
	void *b = must_alloc(h, 0, 3000), *g2 = must_alloc(h, 0, 16);
	st = stats_of(h);
	CHECK_EQ(st.used_blocks, 4);
	CHECK_EQ(st.used_bytes, (1024 + 32) + 48 + (3072 + 32) + 48); /* classes 1024, 3072 */
	CHECK_EQ(st.used_payload_bytes, 1024 + 16 + 3072 + 16);
	CHECK_EQ(st.free_blocks, 1);
	CHECK_EQ(st.chunks, 1);
	CHECK_EQ(st.grow_calls, 1);
	CHECK(stats_add_up(&st));
	size_t tail = st.free_bytes;
	CHECK_EQ(st.largest_free_bytes, tail);

	must_free(h, 0, a);
	must_free(h, 0, b);
	st = stats_of(h); /* on the quick lists: neither used nor free */
	CHECK_EQ(st.quick_blocks, 2);
	CHECK_EQ(st.quick_bytes, 1056 + 3104);
	CHECK_EQ(st.used_blocks, 2);
	CHECK_EQ(st.free_blocks, 1);
	CHECK(stats_add_up(&st));
	flush_all(h);
	st = stats_of(h);
	CHECK_EQ(st.quick_blocks + st.quick_bytes, 0);
	CHECK_EQ(st.free_blocks, 3);
	CHECK_EQ(st.free_bytes, tail + 1056 + 3104);
	CHECK_EQ(st.largest_free_bytes, tail);
	CHECK_EQ(heap_fragmentation_permille(&st), 1000 - tail * 1000 / (tail + 4160));
	CHECK(stats_add_up(&st));

	struct heap_stats made = { .free_bytes = 4000, .largest_free_bytes = 1000 };
	CHECK_EQ(heap_fragmentation_permille(&made), 750);
	made = (struct heap_stats){ .free_bytes = SIZE_MAX, .largest_free_bytes = SIZE_MAX / 2 };
	unsigned half = heap_fragmentation_permille(&made);
	CHECK(half >= 499 && half <= 501);
	must_free(h, 0, g1);
	must_free(h, 0, g2);
	teardown();
}

/* --- model-checked random sequence --- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Sizes 1..4096: mostly small, some up to a page. */
static size_t random_size(uint64_t r)
{
	return 1 + (size_t)((r >> 8) % ((r & 3) == 0 ? 4096 : 256));
}

struct live {
	unsigned char *p;
	size_t size_bytes; /* asked for */
	size_t usable_bytes;
	unsigned char fill;
};

static void fill(struct live *l, unsigned char byte)
{
	l->fill = byte;
	memset(l->p, byte, l->size_bytes);
}

static bool intact(const struct live *l, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++) {
		if (l->p[i] != l->fill)
			return false;
	}
	return true;
}

static bool overlaps_another(const struct live *slots, size_t nslots, size_t me)
{
	uintptr_t a = (uintptr_t)slots[me].p, a_end = a + slots[me].usable_bytes;
	for (size_t i = 0; i < nslots; i++) {
		uintptr_t b = (uintptr_t)slots[i].p, b_end = b + slots[i].usable_bytes;
		if (i != me && slots[i].p && a < b_end && b < a_end)
			return true;
	}
	return false;
}

/* One random step on a random slot and hart; false when the model and the heap disagree. */
static bool model_step(struct heap *h, struct live *slots, size_t nslots, uint64_t *seed)
{
	uint64_t r = xorshift(seed);
	struct live *l = &slots[r % nslots];
	unsigned hart = (unsigned)(r >> 40) % 3;
	struct heap_fault f;
	if (!l->p) {
		l->size_bytes = random_size(xorshift(seed));
		l->p = heap_alloc(h, hart, l->size_bytes, &f);
		if (!l->p)
			return false;
		l->usable_bytes = usable(h, l->p);
		fill(l, (unsigned char)r);
		return l->usable_bytes >= l->size_bytes &&
		       !overlaps_another(slots, nslots, l - slots);
	}
	if (!intact(l, l->size_bytes))
		return false;
	if ((r >> 20) % 3 == 0) {
		size_t size = random_size(xorshift(seed));
		unsigned char *q = heap_realloc(h, hart, l->p, size, &f);
		if (!q || q[0] != l->fill)
			return false;
		size_t kept = size < l->size_bytes ? size : l->size_bytes;
		l->p = q;
		if (!intact(l, kept))
			return false;
		l->size_bytes = size;
		l->usable_bytes = usable(h, q);
		fill(l, (unsigned char)(r >> 32));
		return l->usable_bytes >= size && !overlaps_another(slots, nslots, l - slots);
	}
	int err = heap_free(h, hart, l->p, &f);
	l->p = NULL;
	return err == 0;
}

/* The heap's own figures agree with the model. */
static bool model_agrees(struct heap *h, const struct live *slots, size_t nslots)
{
	struct heap_stats st;
	struct heap_fault f;
	if (heap_stats(h, &st, &f)) {
		fprintf(stderr, "  heap_stats: %s at 0x%lx (%s)\n", heap_strerror(f.err),
			(unsigned long)f.block, f.field);
		return false;
	}
	size_t live = 0, payload = 0;
	for (size_t i = 0; i < nslots; i++) {
		live += slots[i].p != NULL;
		payload += slots[i].p ? slots[i].usable_bytes : 0;
	}
	/* 64 slots of at most 4 KiB: a heap that keeps its free blocks stays small */
	return st.used_blocks == live && st.used_payload_bytes == payload && stats_add_up(&st) &&
	       st.used_bytes == payload + live * 32 && st.total_bytes <= 4u << 20;
}

TEST(random_sequence_matches_model)
{
	enum { SLOTS = 64, STEPS = 200000 };
	static struct live slots[SLOTS];
	struct heap *h = setup(2, 1 << 26); /* harts 0..2 over 2 arenas: remote frees too */
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int bad_steps = 0;
	for (int step = 0; step < STEPS && bad_steps < 5; step++) {
		if (!model_step(h, slots, SLOTS, &seed) || !model_agrees(h, slots, SLOTS)) {
			fprintf(stderr, "  step %d disagrees with the model\n", step);
			bad_steps++;
		}
	}
	CHECK_EQ(bad_steps, 0);
	for (size_t i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			CHECK(intact(&slots[i], slots[i].size_bytes));
			must_free(h, 0, slots[i].p);
			slots[i].p = NULL;
		}
	}
	teardown();
}

/* --- corruption --- */

/* The field a change of header byte i by xor_mask must be reported as. */
static const char *expected_field(unsigned i, uint8_t xor_mask)
{
	if (i >= 16)
		return "next";
	if (i >= 8)
		return "size";
	bool safety_high = i < 2 || i >= 6;
	return (xor_mask & (safety_high ? 0xf0 : 0x0f)) ? "magic" : "magic flags";
}

static int expected_err(const char *name)
{
	if (!strcmp(name, "magic"))
		return HEAP_ERR_MAGIC;
	if (!strcmp(name, "magic flags"))
		return HEAP_ERR_FLAGS;
	return !strcmp(name, "size") ? HEAP_ERR_SIZE : HEAP_ERR_NEXT;
}

/* Flips bits of each of the 24 header bytes of victim in turn; heap_check must name it. */
static void corrupt_each_header_byte(struct heap *h, void *victim)
{
	static const uint8_t masks[] = { 0x01, 0x02, 0x10, 0x80, 0x0f, 0xf0, 0xff };
	unsigned char *hdr = (unsigned char *)block_of(victim);
	for (unsigned i = 0; i < HEAP_HEADER_BYTES; i++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			struct heap_fault f;
			const char *want = expected_field(i, masks[m]);
			hdr[i] ^= masks[m];
			int err = heap_check(h, &f);
			hdr[i] ^= masks[m];
			CHECK_EQ(err, expected_err(want));
			CHECK_EQ(f.block, (uintptr_t)hdr);
			if (strcmp(f.field, want) != 0) {
				fprintf(stderr, "  byte %u ^ 0x%02x: field %s, expected %s\n", i,
					masks[m], f.field, want);
				CHECK(0);
			}
			CHECK(strcmp(f.op, "heap_check") == 0);
		}
	}
	struct heap_fault f;
	CHECK_EQ(heap_check(h, &f), 0);
}

TEST(every_header_byte_corruption_is_named)
{
	struct heap *h = setup(1, 1 << 24);
	void *a = must_alloc(h, 0, 100), *b = must_alloc(h, 0, 300);
	void *c = must_alloc(h, 0, 200), *d = must_alloc(h, 0, 5000);
	(void)a;
	corrupt_each_header_byte(h, b); /* a used block */
	must_free(h, 0, c);
	corrupt_each_header_byte(h, c); /* a quick-listed block */
	flush_all(h);
	corrupt_each_header_byte(h, c); /* a free block */
	corrupt_each_header_byte(h, d); /* a used block before the free tail */
	must_free(h, 0, d);
	corrupt_each_header_byte(h, c); /* c, d and the tail merged: the chunk's last block */
	teardown();
}

/* Size and next that agree, but leave less than a block before the chunk's end. */
TEST(no_room_after_a_block_is_caught)
{
	struct heap *h = setup(1, 1 << 24);
	void *a = must_alloc(h, 0, 100);
	uintptr_t tail = block_of(a) + *field(a, 8);
	uint64_t *tail_size = (uint64_t *)(tail + 8), *tail_next = (uint64_t *)(tail + 16);
	uint64_t room = *tail_size;
	CHECK_EQ(*tail_next, 0);
	for (uint64_t short_by = 16; short_by < HEAP_MIN_BLOCK_BYTES; short_by += 16) {
		struct heap_fault f;
		*tail_size = room - short_by;
		*tail_next = tail + room - short_by;
		CHECK_EQ(heap_check(h, &f), HEAP_ERR_SIZE);
		CHECK_EQ(f.block, tail);
		CHECK_EQ(f.expected, room);
		CHECK(heap_alloc(h, 0, 16, &f) == NULL); /* the tail is where 16 bytes come from */
		CHECK_EQ(f.err, HEAP_ERR_SIZE);
		*tail_size = room;
		*tail_next = 0;
	}
	must_free(h, 0, a);
	CHECK(stats_of(h).free_blocks == 1);
	teardown();
}

/* Beyond the size classes (the general path): a free validates the neighbours it merges with. */
TEST(corrupt_used_header_refused_by_free)
{
	struct heap *h = setup(1, 1 << 24);
	void *a = must_alloc(h, 0, 5000), *b = must_alloc(h, 0, 5000);
	struct heap_fault f;
	struct heap_stats before = stats_of(h);

	*field(a, 8) += 16; /* size no longer matches next */
	CHECK_EQ(heap_free(h, 0, a, &f), HEAP_ERR_SIZE);
	CHECK_EQ(f.block, block_of(a));
	CHECK(strcmp(f.op, "heap_free") == 0);
	*field(a, 8) -= 16;

	*field(a, 0) ^= 0x0100; /* one flag nibble */
	CHECK_EQ(heap_free(h, 0, a, &f), HEAP_ERR_FLAGS);
	CHECK(strcmp(f.field, "magic flags") == 0);
	*field(a, 0) ^= 0x0100;

	*field(b, 0) = 0; /* b's header gone: freeing a must not merge into it blindly */
	CHECK_EQ(heap_free(h, 0, a, &f), HEAP_ERR_MAGIC);
	CHECK_EQ(f.block, block_of(b));
	*field(b, 0) = HEAP_MAGIC(HEAP_FLAG_USED);

	struct heap_stats after = stats_of(h);
	CHECK_EQ(after.used_blocks, before.used_blocks); /* nothing changed */
	CHECK_EQ(after.free_blocks, before.free_blocks);
	must_free(h, 0, a);
	must_free(h, 0, b);
	teardown();
}

TEST(corrupt_next_is_caught_not_followed)
{
	static const uint64_t wild[] = { 0xdead0008ull, 8, 0xfffffffffffffff8ull,
					 0x7ff0000000000008ull };
	struct heap *h = setup(1, 1 << 24);
	/* a is beyond the size classes: its free (the general path) looks at b */
	void *a = must_alloc(h, 0, 5000), *b = must_alloc(h, 0, 64);
	void *c = must_alloc(h, 0, 64); /* keeps b off the free tail */
	void *other_chunk_block = NULL;
	struct heap_fault f;
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		uint64_t good = *field(b, 16);
		*field(b, 16) = wild[i];
		CHECK_EQ(heap_free(h, 0, b, &f), HEAP_ERR_NEXT);
		CHECK_EQ(f.block, block_of(b));
		CHECK_EQ(f.found, wild[i]);
		CHECK_EQ(f.expected, good);
		/* freeing a validates b, its neighbour, before deciding not to merge */
		CHECK_EQ(heap_free(h, 0, a, &f), HEAP_ERR_NEXT);
		CHECK_EQ(f.block, block_of(b));
		CHECK_EQ(*field(a, 0), HEAP_MAGIC(HEAP_FLAG_USED));
		*field(b, 16) = good;
	}
	/* a free block with a wild next: alloc that picks it reports it */
	must_free(h, 0, b);
	flush_all(h); /* from the quick list into a bin */
	uint64_t good = *field(b, 16);
	*field(b, 16) = wild[0];
	CHECK(heap_alloc(h, 0, 64, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NEXT);
	CHECK_EQ(f.block, block_of(b));
	CHECK(strcmp(f.op, "heap_alloc") == 0);
	*field(b, 16) = good;

	/* a next pointing into another chunk: still not followed */
	other_chunk_block = must_alloc(h, 0, 200000);
	*field(b, 16) = block_of(other_chunk_block);
	CHECK(heap_alloc(h, 0, 64, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_NEXT);
	*field(b, 16) = good;
	CHECK(heap_alloc(h, 0, 64, &f) == b);
	must_free(h, 0, other_chunk_block);
	must_free(h, 0, c);
	CHECK_EQ(heap_check(h, &f), 0);
	teardown();
}

TEST(double_free_is_caught)
{
	struct heap *h = setup(2, 1 << 24);
	void *a = must_alloc(h, 0, 64), *b = must_alloc(h, 0, 64), *c = must_alloc(h, 0, 64);
	struct heap_fault f;
	must_free(h, 0, b);
	for (int listed = 1; listed >= 0; listed--) { /* quick-listed, then free */
		struct heap_stats before = stats_of(h);
		CHECK_EQ(heap_free(h, 0, b, &f), HEAP_ERR_DOUBLE_FREE);
		CHECK_EQ(f.block, block_of(b));
		CHECK_EQ(f.found, listed ? HEAP_FLAG_QUICK : HEAP_FLAG_INIT);
		CHECK_EQ(heap_free(h, 1, b, &f), HEAP_ERR_DOUBLE_FREE); /* from another arena too */
		struct heap_stats after = stats_of(h);
		CHECK_EQ(after.free_blocks, before.free_blocks);
		CHECK_EQ(after.quick_blocks, before.quick_blocks);
		flush_all(h);
	}

	/* b merged into a free a: its header is scrubbed, so it is no block at all */
	must_free(h, 0, a);
	flush_all(h);
	CHECK_EQ(heap_free(h, 0, b, &f), HEAP_ERR_BAD_POINTER);
	CHECK(strcmp(f.field, "magic") == 0);

	/* GC-scheduled by another arena, then freed again */
	CHECK_EQ(heap_free(h, 1, c, &f), 0);
	CHECK_EQ(stats_of(h).pending_blocks, 1);
	CHECK_EQ(heap_free(h, 1, c, &f), HEAP_ERR_DOUBLE_FREE);
	CHECK_EQ(f.found, HEAP_FLAG_GC);
	CHECK_EQ(heap_free(h, 0, c, &f), HEAP_ERR_DOUBLE_FREE);
	CHECK_EQ(heap_check(h, &f), 0);
	teardown();
}

TEST(bad_pointers_are_refused)
{
	struct heap *h = setup(1, 1 << 24);
	char *p = must_alloc(h, 0, 256);
	char *free_one = must_alloc(h, 0, 256);
	void *keep = must_alloc(h, 0, 16);
	must_free(h, 0, free_one);
	int on_stack[8];
	char *outside = malloc(64);
	void *bad[] = { p + 16,
			p + 1,
			p + 8,
			p - 16,
			p + 240,
			on_stack,
			outside + 32,
			free_one + 32,
			(void *)(uintptr_t)16,
			(void *)(uintptr_t)0xdead0000 };
	struct heap_stats before = stats_of(h);
	struct heap_fault f;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(heap_free(h, 0, bad[i], &f), HEAP_ERR_BAD_POINTER);
		CHECK(heap_realloc(h, 0, bad[i], 10, &f) == NULL);
		CHECK_EQ(f.err, HEAP_ERR_BAD_POINTER);
		size_t n;
		CHECK_EQ(heap_usable_size(h, bad[i], &n, &f), HEAP_ERR_BAD_POINTER);
	}
	CHECK_EQ(heap_free(h, 0, NULL, &f), 0);
	struct heap_stats after = stats_of(h);
	CHECK_EQ(after.used_blocks, before.used_blocks);
	CHECK_EQ(after.free_blocks, before.free_blocks);
	free(outside);
	must_free(h, 0, p);
	must_free(h, 0, keep);
	teardown();
}

TEST(payload_overrun_is_caught)
{
	struct heap *h = setup(1, 1 << 24);
	/* b is beyond the size classes, so its free looks at a, the block before */
	char *a = must_alloc(h, 0, 32), *b = must_alloc(h, 0, 5000);
	struct heap_fault f;
	a[32] ^= 1; /* one byte past the usable size: the trailer */
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_TRAILER);
	CHECK_EQ(f.block, block_of(a));
	CHECK(strcmp(f.field, "trailer") == 0);
	CHECK_EQ(heap_free(h, 0, a, &f), HEAP_ERR_TRAILER);
	CHECK_EQ(heap_free(h, 0, b, &f), HEAP_ERR_TRAILER); /* b's boundary tag lookup */
	CHECK(strcmp(f.field, "previous trailer") == 0);
	a[32] ^= 1;
	must_free(h, 0, a);
	must_free(h, 0, b);
	teardown();
}

TEST(free_list_corruption_is_caught)
{
	struct heap *h = setup(1, 1 << 24);
	/* beyond the size classes: freed straight into a bin */
	void *a = must_alloc(h, 0, 5000), *g = must_alloc(h, 0, 16);
	void *b = must_alloc(h, 0, 5000), *g2 = must_alloc(h, 0, 16);
	struct heap_fault f;
	must_free(h, 0, a);
	must_free(h, 0, b);             /* b is the bin head, a after it */
	uint64_t *link = (uint64_t *)a; /* a's prev free link (a write after free) */
	uint64_t good = *link;
	CHECK_EQ(good, block_of(b));
	*link = 0xdead0008;
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_LINK);
	CHECK_EQ(f.block, block_of(a));
	CHECK(strcmp(f.field, "free list prev") == 0);
	CHECK(heap_alloc(h, 0, 64, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_LINK);
	*link = good;
	CHECK_EQ(heap_check(h, &f), 0);
	must_free(h, 0, g);
	must_free(h, 0, g2);
	teardown();
}

/* --- size classes and quick lists (the fast path) --- */

TEST(size_classes_cover_every_small_size)
{
	struct heap *h = setup(1, 1 << 24);
	size_t last = 0;
	for (size_t size = 0; size <= HEAP_QUICK_MAX_BYTES; size++) {
		unsigned cls = h->quick_class[(size + 15) / 16];
		size_t payload = h->quick_block_bytes[cls] - 32u;
		CHECK(cls < HEAP_QUICK_CLASSES);
		CHECK(payload >= size && payload % 16 == 0);
		CHECK(payload >= last); /* classes grow with the size */
		size_t asked = size ? size : 1, waste = payload - asked;
		CHECK(asked <= 128 ? waste < 16 : waste * 4 < payload); /* at most a quarter */
		last = payload;
	}
	CHECK_EQ(h->quick_block_bytes[HEAP_QUICK_CLASSES - 1], HEAP_QUICK_MAX_BYTES + 32);
	for (unsigned cls = 1; cls < HEAP_QUICK_CLASSES; cls++)
		CHECK(h->quick_block_bytes[cls] > h->quick_block_bytes[cls - 1]);
}

TEST(quick_list_is_lifo_and_accounted)
{
	struct heap *h = setup(1, 1 << 24);
	void *p[3], *wall = must_alloc(h, 0, 16);
	for (int i = 0; i < 3; i++)
		p[i] = must_alloc(h, 0, 100);
	struct heap_stats before = stats_of(h);
	for (int i = 0; i < 3; i++)
		must_free(h, 0, p[i]);
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.quick_blocks, 3);
	CHECK_EQ(st.quick_bytes, 3 * (112 + 32));
	CHECK_EQ(st.used_blocks, before.used_blocks - 3);
	CHECK_EQ(st.used_bytes, before.used_bytes - 3 * (112 + 32));
	CHECK_EQ(st.free_blocks, before.free_blocks); /* not coalesced */
	CHECK_EQ(st.free_bytes, before.free_bytes);
	CHECK(stats_add_up(&st));
	for (int i = 0; i < 3; i++) { /* the header stays a valid block's */
		CHECK_EQ(*field(p[i], 0), HEAP_MAGIC(HEAP_FLAG_QUICK));
		CHECK_EQ(*field(p[i], 8), 112 + 32);
		CHECK_EQ(*field(p[i], 16), block_of(p[i]) + 112 + 32);
		CHECK_EQ(*(uint64_t *)((char *)p[i] + 112), HEAP_TRAILER_USED);
	}
	/* any size of the class takes them back, last freed first */
	CHECK(must_alloc(h, 0, 97) == p[2]);
	CHECK(must_alloc(h, 0, 112) == p[1]);
	CHECK(must_alloc(h, 0, 100) == p[0]);
	CHECK_EQ(*field(p[0], 0), HEAP_MAGIC(HEAP_FLAG_USED));
	st = stats_of(h);
	CHECK_EQ(st.quick_blocks, 0);
	CHECK_EQ(st.used_blocks, before.used_blocks);
	CHECK_EQ(st.free_bytes, before.free_bytes);
	for (int i = 0; i < 3; i++)
		must_free(h, 0, p[i]);
	must_free(h, 0, wall);
	flush_all(h);
	st = stats_of(h);
	CHECK_EQ(st.quick_blocks + st.used_blocks, 0);
	CHECK_EQ(st.free_blocks, 1);
	CHECK_EQ(st.free_bytes, st.total_bytes);
	teardown();
}

/* A chunk's last block (next 0) is never quick-listed: an alloc could not tell its next from a wiped one. */
TEST(chunk_last_block_is_not_quick_listed)
{
	struct heap *h = setup(1, 1 << 24);
	void *last = must_alloc(h, 0, 16);
	size_t n = stats_of(h).total_bytes / 48; /* the whole chunk in 48-byte blocks */
	for (size_t i = 1; i < n; i++)
		last = must_alloc(h, 0, 16);
	CHECK_EQ(stats_of(h).chunks, 1);
	CHECK_EQ(*field(last, 16), 0);
	must_free(h, 0, last);
	CHECK_EQ(*field(last, 0), HEAP_MAGIC(HEAP_FLAG_INIT));
	CHECK_EQ(stats_of(h).quick_blocks, 0);
	CHECK(must_alloc(h, 0, 16) == last); /* from its bin */
	teardown();
}

TEST(full_quick_list_falls_back_to_coalescing)
{
	struct heap *h = setup(1, 1 << 24);
	enum { N = HEAP_QUICK_DEPTH + 2 };
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = must_alloc(h, 0, 64);
	void *wall = must_alloc(h, 0, 16);
	for (int i = 0; i < N; i++)
		must_free(h, 0, p[i]);
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.quick_blocks, HEAP_QUICK_DEPTH);
	CHECK_EQ(st.free_blocks, 2); /* the last two, merged, and the tail */
	CHECK_EQ(*field(p[N - 2], 0), HEAP_MAGIC(HEAP_FLAG_INIT));
	CHECK_EQ(*field(p[N - 2], 8), 2 * (64 + 32));
	CHECK_EQ(*field(p[N - 1], 0), 0); /* absorbed */
	CHECK(stats_add_up(&st));
	must_free(h, 0, wall);
	teardown();
}

TEST(quick_listed_double_free_is_caught)
{
	struct heap *h = setup(2, 1 << 24);
	void *a = must_alloc(h, 0, 64), *b = must_alloc(h, 0, 64);
	struct heap_fault f;
	must_free(h, 0, a);
	struct heap_stats before = stats_of(h);
	for (unsigned hart = 0; hart < 2; hart++) { /* its own arena, then another */
		CHECK_EQ(heap_free(h, hart, a, &f), HEAP_ERR_DOUBLE_FREE);
		CHECK_EQ(f.block, block_of(a));
		CHECK(strcmp(f.field, "magic flags") == 0);
		CHECK_EQ(f.found, HEAP_FLAG_QUICK);
		CHECK_EQ(f.expected, HEAP_FLAG_USED);
		CHECK(heap_realloc(h, hart, a, 10, &f) == NULL);
		CHECK_EQ(f.err, HEAP_ERR_DOUBLE_FREE);
	}
	struct heap_stats after = stats_of(h);
	CHECK_EQ(after.quick_blocks, before.quick_blocks);
	CHECK_EQ(after.used_blocks, before.used_blocks);
	CHECK_EQ(h->arenas[0].quick_count[h->quick_class[4]], 1); /* listed once */
	CHECK(must_alloc(h, 0, 64) == a);
	CHECK(must_alloc(h, 0, 64) != a);
	must_free(h, 0, b);
	teardown();
}

/* A fast free touches only its own block: a corrupt neighbour is found later, not merged. */
TEST(quick_free_leaves_neighbours_alone)
{
	struct heap *h = setup(1, 1 << 24);
	void *a = must_alloc(h, 0, 64), *b = must_alloc(h, 0, 64), *c = must_alloc(h, 0, 64);
	struct heap_fault f;
	*field(b, 0) = 0;
	must_free(h, 0, a);
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_MAGIC);
	CHECK_EQ(f.block, block_of(b));
	CHECK_EQ(heap_flush(h, 0, &f), HEAP_ERR_MAGIC); /* merging a would look at b */
	CHECK_EQ(f.block, block_of(b));
	CHECK(strcmp(f.op, "heap_flush") == 0);
	CHECK_EQ(*field(a, 0), HEAP_MAGIC(HEAP_FLAG_QUICK)); /* still listed */
	*field(b, 0) = HEAP_MAGIC(HEAP_FLAG_USED);
	flush_all(h);
	CHECK_EQ(*field(a, 0), HEAP_MAGIC(HEAP_FLAG_INIT));
	must_free(h, 0, b);
	must_free(h, 0, c);
	CHECK_EQ(heap_check(h, &f), 0);
	teardown();
}

/* One header field of a quick-listed block changed: the alloc that would take it names it. */
TEST(corrupt_quick_block_is_reported_by_the_alloc_that_takes_it)
{
	static const struct {
		unsigned offset;
		uint64_t xor_mask;
		int err;
		const char *field;
	} cases[] = {
		{ 0, 0x10, HEAP_ERR_MAGIC, "magic" },       /* byte 0's safety nibble */
		{ 0, 0x01, HEAP_ERR_FLAGS, "magic flags" }, /* byte 0's flag nibble */
		{ 0, HEAP_MAGIC(HEAP_FLAG_QUICK) ^ HEAP_MAGIC(HEAP_FLAG_INIT), HEAP_ERR_FLAGS,
		  "magic flags" }, /* a whole valid magic, but free, not quick */
		{ 8, 0x10, HEAP_ERR_SIZE, "size" },
		{ 8, 0x100, HEAP_ERR_SIZE, "size" },
		{ 16, 0xdead0000, HEAP_ERR_NEXT, "next" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct heap *h = setup(1, 1 << 24);
		void *a = must_alloc(h, 0, 64), *wall = must_alloc(h, 0, 64);
		struct heap_fault f = { .field = "", .op = "" }; /* kept when nothing fails */
		must_free(h, 0, a);
		*field(a, cases[i].offset) ^= cases[i].xor_mask;
		CHECK(heap_alloc(h, 0, 64, &f) == NULL);
		CHECK_EQ(f.err, cases[i].err);
		CHECK_EQ(f.block, block_of(a));
		CHECK(strcmp(f.op, "heap_alloc") == 0);
		if (strcmp(f.field, cases[i].field) != 0) {
			fprintf(stderr, "  case %zu: field %s, expected %s\n", i, f.field,
				cases[i].field);
			CHECK(0);
		}
		CHECK(heap_check(h, &f) != 0); /* and heap_check */
		CHECK_EQ(f.block, block_of(a));
		*field(a, cases[i].offset) ^= cases[i].xor_mask;
		CHECK_EQ(stats_of(h).quick_blocks, 1); /* repaired: the alloc takes it */
		CHECK(must_alloc(h, 0, 64) == a);
		must_free(h, 0, a);
		must_free(h, 0, wall);
		teardown();
	}
}

/* What heap_check finds wrong in the quick lists themselves. */
TEST(heap_check_validates_the_quick_lists)
{
	struct heap *h = setup(1, 1 << 24);
	void *a = must_alloc(h, 0, 64), *b = must_alloc(h, 0, 64), *c = must_alloc(h, 0, 100);
	struct heap_arena *ar = &h->arenas[0];
	unsigned cls = h->quick_class[4], other = h->quick_class[7];
	struct heap_fault f;
	must_free(h, 0, a);
	must_free(h, 0, b);
	CHECK_EQ(heap_check(h, &f), 0);
	ar->quick[cls][1] = block_of(a); /* listed twice, b not at all */
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_LINK);
	CHECK(strcmp(f.field, "quick list twice") == 0);
	ar->quick[cls][1] = block_of(b);
	ar->quick[other][ar->quick_count[other]++] = block_of(c); /* a used block listed */
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_FLAGS);
	CHECK_EQ(f.block, block_of(c));
	ar->quick_count[other]--;
	ar->quick_count[cls]--; /* b flagged Quick but listed nowhere */
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_LINK);
	CHECK(strcmp(f.field, "quick list") == 0);
	ar->quick_count[cls]++;
	ar->quick[other][ar->quick_count[other]++] = block_of(b); /* in the wrong class */
	ar->quick_count[cls]--;
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_LINK);
	CHECK_EQ(f.block, block_of(b));
	ar->quick_count[other]--;
	ar->quick_count[cls]++;
	ar->quick[cls][0] = 0xdead0008; /* not a block of the arena */
	CHECK_EQ(heap_check(h, &f), HEAP_ERR_LINK);
	ar->quick[cls][0] = block_of(a);
	CHECK_EQ(heap_check(h, &f), 0);
	must_free(h, 0, c);
	teardown();
}

/* Quick-listed memory never makes the heap grow: the general path flushes first. */
TEST(quick_lists_are_flushed_before_growing)
{
	struct heap *h = setup(1, 1 << 24);
	enum { N = HEAP_QUICK_DEPTH }; /* a full list of 768-byte blocks, in the first chunk */
	_Static_assert(N * (768 + 32) < HEAP_GROW_MIN_BYTES, "the blocks fit one chunk");
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = must_alloc(h, 0, 700);
	struct heap_stats st = stats_of(h);
	size_t chunks = st.chunks, calls = bk.calls;
	for (int i = 0; i < N; i++)
		must_free(h, 0, p[i]);
	CHECK_EQ(stats_of(h).quick_blocks, HEAP_QUICK_DEPTH);
	/* only the flushed, coalesced blocks have room for this */
	void *big = must_alloc(h, 0, st.total_bytes - 100);
	st = stats_of(h);
	CHECK_EQ(st.chunks, chunks);
	CHECK_EQ(bk.calls, calls);
	CHECK_EQ(st.quick_blocks, 0);
	must_free(h, 0, big);
	teardown();
}

/* --- realloc --- */

TEST(realloc_in_place_and_moved)
{
	struct heap *h = setup(2, 1 << 24);
	struct heap_fault f;
	unsigned char *p = heap_realloc(h, 0, NULL, 100, &f);
	CHECK(p != NULL);
	memset(p, 0x3c, 100);
	/* grows into the free tail */
	unsigned char *q = heap_realloc(h, 0, p, 1000, &f);
	CHECK(q == p);
	CHECK(q[99] == 0x3c);
	CHECK_EQ(usable(h, q), 1024); /* the class of 1000 bytes */
	/* shrinks, giving the tail back */
	struct heap_stats before = stats_of(h);
	q = heap_realloc(h, 0, p, 10, &f);
	CHECK(q == p);
	CHECK_EQ(usable(h, q), 16);
	CHECK_EQ(stats_of(h).free_bytes, before.free_bytes + 1008);
	/* blocked by a used neighbour: moves, keeping the bytes */
	q = heap_realloc(h, 0, p, 100, &f);
	void *wall = must_alloc(h, 0, 16);
	memset(q, 0x5d, 100);
	unsigned char *moved = heap_realloc(h, 0, q, 5000, &f);
	CHECK(moved != NULL && moved != q);
	CHECK(moved[0] == 0x5d && moved[99] == 0x5d);
	/* on another arena's hart: moved to that arena, the old block GC-scheduled */
	unsigned char *there = heap_realloc(h, 1, moved, 200, &f);
	CHECK(there != NULL && there != moved);
	CHECK(there[0] == 0x5d && there[99] == 0x5d);
	CHECK_EQ(stats_of(h).pending_blocks, 1);
	must_free(h, 1, there);
	must_free(h, 0, wall);
	must_free(h, 0, must_alloc(h, 0, 16)); /* reclaims */
	flush_all(h);
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.used_blocks + st.pending_blocks, 0);
	CHECK_EQ(st.free_blocks, st.chunks);
	teardown();
}

/* --- other arenas --- */

TEST(remote_free_is_scheduled_then_reclaimed)
{
	struct heap *h = setup(2, 1 << 24);
	void *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = must_alloc(h, 0, 100);
	void *guard = must_alloc(h, 0, 100);
	struct heap_fault f;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(heap_free(h, 1, p[i], &f), 0); /* hart 1: another arena */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(*field(p[i], 0), HEAP_MAGIC(HEAP_FLAG_GC));
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.pending_blocks, 3);
	CHECK_EQ(st.used_blocks, 1);
	CHECK_EQ(h->arenas[0].remote_head, block_of(p[2])); /* on the owner's list */
	CHECK(stats_add_up(&st));
	void *again = must_alloc(h, 2, 300); /* hart 2 is arena 0: reclaims, coalesced */
	CHECK(again == p[0]);
	st = stats_of(h);
	CHECK_EQ(st.pending_blocks, 0);
	CHECK_EQ(h->arenas[0].remote_head, 0);
	must_free(h, 1, again);
	must_free(h, 1, guard);
	must_free(h, 0, must_alloc(h, 0, 16));
	flush_all(h);
	st = stats_of(h);
	CHECK_EQ(st.free_blocks, 1);
	CHECK_EQ(st.free_bytes, st.total_bytes);

	/* a corrupted GC block is reported by the owner's next alloc */
	void *x = must_alloc(h, 0, 100), *y = must_alloc(h, 0, 100);
	must_free(h, 1, x);
	*field(x, 8) ^= 0x40;
	CHECK(heap_alloc(h, 0, 16, &f) == NULL);
	CHECK_EQ(f.err, HEAP_ERR_SIZE);
	CHECK_EQ(f.block, block_of(x));
	*field(x, 8) ^= 0x40;
	must_free(h, 0, y);
	teardown();
}

enum { THREADS = 4, THREAD_STEPS = 20000, THREAD_SLOTS = 32, MAILBOX = 64, RACE_ROUNDS = 2000 };

struct shared {
	struct heap *heap;
	void *mailbox[MAILBOX]; /* blocks handed to other threads, atomically exchanged */
	int failures;
};

struct worker {
	struct shared *sh;
	unsigned hart;
};

/* Each payload carries its size and owner in its first bytes and a fill byte after. */
static void stamp(unsigned char *p, size_t size, unsigned char byte)
{
	memcpy(p, &size, sizeof(size));
	memset(p + sizeof(size), byte, size - sizeof(size));
}

static bool stamp_intact(const unsigned char *p)
{
	size_t size;
	memcpy(&size, p, sizeof(size));
	for (size_t i = sizeof(size); i < size; i++) {
		if (p[i] != p[sizeof(size)])
			return false;
	}
	return true;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct heap *h = w->sh->heap;
	unsigned char *mine[THREAD_SLOTS] = { 0 };
	uint64_t seed = 0x1234567 + w->hart * 0x9e3779b97f4a7c15ull;
	struct heap_fault f;
	int bad = 0;
	for (int step = 0; step < THREAD_STEPS; step++) {
		uint64_t r = xorshift(&seed);
		unsigned slot = r % THREAD_SLOTS;
		if (mine[slot]) {
			bad += !stamp_intact(mine[slot]);
			/* a third of the blocks go to whichever thread takes them */
			void *out = mine[slot];
			if ((r >> 16) % 3 == 0)
				out = __atomic_exchange_n(&w->sh->mailbox[(r >> 24) % MAILBOX], out,
							  __ATOMIC_ACQ_REL);
			if (out) {
				bad += !stamp_intact(out);
				bad += heap_free(h, w->hart, out, &f) != 0;
			}
			mine[slot] = NULL;
		} else {
			size_t size = 16 + (r >> 32) % 2000;
			mine[slot] = heap_alloc(h, w->hart, size, &f);
			if (!mine[slot]) {
				bad++;
				continue;
			}
			stamp(mine[slot], size, (unsigned char)(r >> 8 | 1));
		}
	}
	for (unsigned i = 0; i < THREAD_SLOTS; i++)
		bad += heap_free(h, w->hart, mine[i], &f) != 0;
	__atomic_fetch_add(&w->sh->failures, bad, __ATOMIC_RELAXED);
	return NULL;
}

/* THREADS threads, one per hart, then everything freed: the heap must be whole again. */
static void run_threads(unsigned narenas)
{
	static struct shared sh;
	sh = (struct shared){ .heap = setup(narenas, 1 << 28) };
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ &sh, i };
		CHECK_EQ(pthread_create(&tid[i], NULL, worker_run, &w[i]), 0);
	}
	/* heap_check while they run: takes each arena's lock, must see no fault */
	struct heap_fault f;
	for (int i = 0; i < 20; i++)
		CHECK_EQ(heap_check(sh.heap, &f), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	CHECK_EQ(sh.failures, 0);
	for (unsigned i = 0; i < MAILBOX; i++)
		must_free(sh.heap, 0, sh.mailbox[i]);
	for (unsigned hart = 0; hart < narenas; hart++) /* each owner reclaims its list */
		must_free(sh.heap, hart, must_alloc(sh.heap, hart, 16));
	flush_all(sh.heap);
	struct heap_stats st = stats_of(sh.heap);
	CHECK_EQ(st.used_blocks, 0);
	CHECK_EQ(st.pending_blocks, 0);
	CHECK_EQ(st.free_blocks, st.chunks);
	CHECK_EQ(st.free_bytes, st.total_bytes);
	teardown();
}

struct racer {
	pthread_barrier_t *start;
	void *volatile *victim;
	unsigned hart;
	int wins;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct heap_fault f;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		pthread_barrier_wait(r->start);
		r->wins += heap_free(&the_heap, r->hart, *r->victim, &f) == 0;
		pthread_barrier_wait(r->start);
	}
	return NULL;
}

/*
 * Two harts of other arenas free the same block at once: exactly one may win
 * (the claim is one compare-and-swap). The window of a non-atomic claim is a
 * few nanoseconds, so this shows the design holds, not that every race is hit.
 */
TEST(racing_double_free_has_one_winner)
{
	struct heap *h = setup(3, 1 << 26);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 3);
	void *volatile victim = NULL;
	struct racer r[2] = { { &start, &victim, 1, 0 }, { &start, &victim, 2, 0 } };
	pthread_t tid[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&tid[i], NULL, racer_run, &r[i]), 0);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		victim = must_alloc(h, 0, 64);
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&start);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	CHECK_EQ(r[0].wins + r[1].wins, RACE_ROUNDS);
	must_free(h, 0, must_alloc(h, 0, 16)); /* reclaims them all */
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.used_blocks + st.pending_blocks, 0);
	teardown();
}

/*
 * The owner's fast free and another arena's free of one block at once:
 * exactly one wins (both take the block with a compare-and-swap of the
 * magic), and the block ends up quick-listed or GC-scheduled, once.
 */
TEST(racing_owner_and_remote_free_have_one_winner)
{
	struct heap *h = setup(2, 1 << 26);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 3);
	void *volatile victim = NULL;
	struct racer r[2] = { { &start, &victim, 0, 0 }, { &start, &victim, 1, 0 } };
	pthread_t tid[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&tid[i], NULL, racer_run, &r[i]), 0);
	int bad = 0;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		struct heap_fault f;
		victim = heap_alloc(h, 0, 64, &f);
		bad += victim == NULL;
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&start);
		bad += heap_check(h, &f) != 0;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	CHECK_EQ(bad, 0);
	CHECK_EQ(r[0].wins + r[1].wins, RACE_ROUNDS);
	must_free(h, 0, must_alloc(h, 0, 16)); /* reclaims */
	struct heap_stats st = stats_of(h);
	CHECK_EQ(st.used_blocks + st.pending_blocks, 0);
	teardown();
}

TEST(threads_with_per_hart_arenas)
{
	run_threads(THREADS);
}

TEST(threads_sharing_one_locked_arena)
{
	run_threads(1);
}

int main(void)
{
	RUN(magic_layout);
	RUN(strerror_names_every_code);
	RUN(init_rejects_bad_arguments);
	RUN(alignment_and_sizes);
	RUN(huge_sizes_fail_cleanly);
	RUN(coalescing_three_neighbours_in_every_order);
	RUN(growth_across_chunks);
	RUN(growth_falls_back_to_the_minimum);
	RUN(bad_backing_is_reported);
	RUN(stats_and_fragmentation);
	RUN(random_sequence_matches_model);
	RUN(every_header_byte_corruption_is_named);
	RUN(no_room_after_a_block_is_caught);
	RUN(corrupt_used_header_refused_by_free);
	RUN(corrupt_next_is_caught_not_followed);
	RUN(double_free_is_caught);
	RUN(bad_pointers_are_refused);
	RUN(payload_overrun_is_caught);
	RUN(free_list_corruption_is_caught);
	RUN(size_classes_cover_every_small_size);
	RUN(quick_list_is_lifo_and_accounted);
	RUN(chunk_last_block_is_not_quick_listed);
	RUN(full_quick_list_falls_back_to_coalescing);
	RUN(quick_listed_double_free_is_caught);
	RUN(quick_free_leaves_neighbours_alone);
	RUN(corrupt_quick_block_is_reported_by_the_alloc_that_takes_it);
	RUN(heap_check_validates_the_quick_lists);
	RUN(quick_lists_are_flushed_before_growing);
	RUN(realloc_in_place_and_moved);
	RUN(remote_free_is_scheduled_then_reclaimed);
	RUN(racing_double_free_has_one_winner);
	RUN(racing_owner_and_remote_free_have_one_winner);
	RUN(threads_with_per_hart_arenas);
	RUN(threads_sharing_one_locked_arena);
	return check_summary();
}
