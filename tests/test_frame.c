/*
 * tests/test_frame.c - host tests for mm/frame, the physical frame allocator.
 *
 * "Physical memory" is a 4096-aligned malloc'd buffer whose addresses are
 * used as physical addresses; the usable ranges are page runs inside it with
 * holes between them. Harts are simulated by hart numbers in one thread
 * (scripted and model-checked tests) or by one pthread per hart.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../mm/frame.h"
#include "check.h"

#define PAGE MM_PAGE_SIZE

/* A range in pages of the arena. */
struct page_run {
	size_t first, npages;
};

struct fixture {
	uint8_t *mem; /* fake physical memory, mem_pages long */
	size_t mem_pages;
	struct frame_range ranges[FRAME_MAX_RANGES];
	size_t nranges;
	void *meta;
	struct frame_allocator fa;
};

static uint64_t page_pa(const struct fixture *f, size_t page)
{
	return (uint64_t)(uintptr_t)(f->mem + page * PAGE);
}

/* Page number of pa in the arena, or SIZE_MAX outside it. */
static size_t pa_page(const struct fixture *f, uint64_t pa)
{
	uint64_t base = page_pa(f, 0);
	return pa >= base && pa < base + f->mem_pages * PAGE ? (size_t)((pa - base) / PAGE)
							     : SIZE_MAX;
}

static bool page_in_ranges(const struct fixture *f, size_t page)
{
	uint64_t pa = page_pa(f, page);
	for (size_t i = 0; i < f->nranges; i++) {
		if (pa >= f->ranges[i].base && pa - f->ranges[i].base < f->ranges[i].size)
			return true;
	}
	return false;
}

/* The handle of hart h (which must exist). */
static struct frame_hart *hart_of(struct fixture *f, uint32_t h)
{
	struct frame_hart *me = frame_hart(&f->fa, h);
	if (!me) {
		fprintf(stderr, "no hart %u\n", h);
		exit(2);
	}
	return me;
}

/* Builds ranges from runs over a fresh arena of mem_pages and inits the allocator. */
static struct fixture *fixture_new(size_t mem_pages, const struct page_run *runs, size_t nruns,
				   uint32_t nharts)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = aligned_alloc(PAGE, mem_pages * PAGE);
	f->mem_pages = mem_pages;
	uint64_t nframes = 0;
	for (size_t i = 0; i < nruns; i++) {
		f->ranges[i].base = page_pa(f, runs[i].first);
		f->ranges[i].size = runs[i].npages * PAGE;
		nframes += runs[i].npages;
	}
	f->nranges = nruns;
	size_t meta_bytes = frame_meta_bytes(nframes);
	f->meta = malloc(meta_bytes);
	int err = frame_init(&f->fa, f->ranges, nruns, f->meta, meta_bytes, nharts);
	CHECK_EQ(err, 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->meta);
	free(f->mem);
	free(f);
}

/*
 * Three ranges with holes before, between and after them: 10 + 20 + 370
 * frames, more than the harts' caches can hold, so the pool is used.
 */
static const struct page_run holey_runs[] = { { 1, 10 }, { 14, 20 }, { 40, 370 } };
#define HOLEY_PAGES  416
#define HOLEY_FRAMES 400

/* Sum of every hart's statistics. */
static struct frame_stats stats_sum(const struct frame_allocator *fa, uint32_t nharts)
{
	struct frame_stats sum = { 0 }, s;
	for (uint32_t h = 0; h < nharts; h++) {
		CHECK_EQ(frame_hart_stats(fa, h, &s), 0);
		sum.allocs += s.allocs;
		sum.frees += s.frees;
		sum.alloc_failures += s.alloc_failures;
		sum.bad_frees += s.bad_frees;
		sum.refills += s.refills;
		sum.drains += s.drains;
		sum.steals += s.steals;
		sum.pool_contended += s.pool_contended;
		sum.hart_contended += s.hart_contended;
	}
	return sum;
}

static struct frame_stats hart_stats(const struct frame_allocator *fa, uint32_t hart)
{
	struct frame_stats s = { 0 };
	CHECK_EQ(frame_hart_stats(fa, hart, &s), 0);
	return s;
}

TEST(meta_bytes_and_strerror)
{
	CHECK_EQ(frame_meta_bytes(0), 0);
	CHECK_EQ(frame_meta_bytes(1000), 8000);
	CHECK_EQ(frame_meta_bytes((uint64_t)FRAME_MAX_FRAMES + 1), SIZE_MAX);
	for (int err = FRAME_ERR_CORRUPT; err < 0; err++) {
		CHECK(strcmp(frame_strerror(err), "unknown error") != 0);
		for (int other = err + 1; other < 0; other++)
			CHECK(strcmp(frame_strerror(err), frame_strerror(other)) != 0);
	}
	CHECK(strcmp(frame_strerror(-100), "unknown error") == 0);
}

TEST(init_rejects_bad_input)
{
	static struct frame_allocator fa;
	uint8_t *mem = aligned_alloc(PAGE, 8 * PAGE);
	uint64_t base = (uint64_t)(uintptr_t)mem;
	uint64_t meta[64];
	struct frame_range one = { base, 4 * PAGE };
	struct frame_range r[2];

	CHECK_EQ(frame_init(&fa, &one, 1, meta, sizeof(meta), 1), 0);
	CHECK_EQ(frame_init(NULL, &one, 1, meta, sizeof(meta), 1), FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, NULL, 1, meta, sizeof(meta), 1), FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, &one, 1, NULL, sizeof(meta), 1), FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, &one, 0, meta, sizeof(meta), 1), FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, &one, FRAME_MAX_RANGES + 1, meta, sizeof(meta), 1),
		 FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, &one, 1, meta, sizeof(meta), 0), FRAME_ERR_BADARG);
	CHECK_EQ(frame_init(&fa, &one, 1, meta, sizeof(meta), FRAME_MAX_HARTS + 1),
		 FRAME_ERR_BADARG);

	struct frame_range bad[] = {
		{ base + 8, 4 * PAGE },                           /* misaligned base */
		{ base, 4 * PAGE + 1 },                           /* misaligned size */
		{ base, 0 },                                      /* empty */
		{ 0, 4 * PAGE },                                  /* contains address 0 */
		{ UINT64_MAX & ~(uint64_t)(PAGE - 1), 2 * PAGE }, /* wraps */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(frame_init(&fa, &bad[i], 1, meta, sizeof(meta), 1), FRAME_ERR_BADRANGE);

	r[0] = (struct frame_range){ base + 4 * PAGE, PAGE };
	r[1] = (struct frame_range){ base, PAGE };
	CHECK_EQ(frame_init(&fa, r, 2, meta, sizeof(meta), 1), FRAME_ERR_BADRANGE); /* unsorted */
	r[0] = (struct frame_range){ base, 2 * PAGE };
	r[1] = (struct frame_range){ base + PAGE, PAGE };
	CHECK_EQ(frame_init(&fa, r, 2, meta, sizeof(meta), 1), FRAME_ERR_BADRANGE); /* overlap */
	r[1] = (struct frame_range){ base + 2 * PAGE, PAGE };
	CHECK_EQ(frame_init(&fa, r, 2, meta, sizeof(meta), 1), 0); /* touching is fine */

	/* A range may end exactly at 2^64: its top frame is handed out and taken back. */
	struct frame_range top = { UINT64_MAX - 2 * PAGE + 1, 2 * PAGE };
	CHECK_EQ(frame_init(&fa, &top, 1, meta, sizeof(meta), 1), 0);
	struct frame_hart *h = frame_hart(&fa, 0);
	uint64_t got[2] = { frame_alloc(h), frame_alloc(h) };
	CHECK(got[0] != got[1]);
	CHECK(got[0] == top.base || got[0] == UINT64_MAX - PAGE + 1);
	CHECK(got[1] == top.base || got[1] == UINT64_MAX - PAGE + 1);
	CHECK_EQ(frame_alloc(h), 0);
	CHECK_EQ(frame_free(h, UINT64_MAX - PAGE + 1), 0);
	CHECK_EQ(frame_free(h, UINT64_MAX - PAGE + 1), FRAME_ERR_DOUBLEFREE);
	CHECK_EQ(frame_check(&fa, NULL), 0);
	r[0] = (struct frame_range){ base, PAGE };
	r[1] = top;
	CHECK_EQ(frame_init(&fa, r, 2, meta, sizeof(meta), 1), 0);
	r[0] = (struct frame_range){ UINT64_MAX - PAGE + 1, PAGE };
	CHECK_EQ(frame_init(&fa, r, 2, meta, sizeof(meta), 1), FRAME_ERR_BADRANGE); /* unsorted */

	struct frame_range huge = { PAGE, ((uint64_t)FRAME_MAX_FRAMES + 1) * PAGE };
	CHECK_EQ(frame_init(&fa, &huge, 1, meta, sizeof(meta), 1), FRAME_ERR_TOOMANY);

	CHECK_EQ(frame_init(&fa, &one, 1, meta, frame_meta_bytes(4) - 1, 1), FRAME_ERR_METASIZE);
	CHECK_EQ(frame_init(&fa, &one, 1, (uint8_t *)meta + 1, 64, 1), FRAME_ERR_METASIZE);
	/* metadata carved from the range but the range not shrunk */
	CHECK_EQ(frame_init(&fa, &one, 1, mem + 3 * PAGE, PAGE, 1), FRAME_ERR_METAOVERLAP);
	one.size = 3 * PAGE;
	CHECK_EQ(frame_init(&fa, &one, 1, mem + 3 * PAGE, PAGE, 1), 0);
	free(mem);
}

TEST(every_frame_once_until_oom)
{
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, 2);
	bool handed[HOLEY_PAGES] = { false };
	uint64_t pas[HOLEY_FRAMES];
	CHECK_EQ(frame_count_total(&f->fa), HOLEY_FRAMES);
	CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES);

	size_t n = 0;
	for (uint64_t pa; (pa = frame_alloc(hart_of(f, n % 2))) != 0; n++) {
		size_t page = pa_page(f, pa);
		CHECK(pa % PAGE == 0);
		CHECK(page != SIZE_MAX && page_in_ranges(f, page));
		if (page == SIZE_MAX || n >= HOLEY_FRAMES || handed[page])
			break;
		handed[page] = true;
		pas[n] = pa;
		CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES - n - 1);
	}
	CHECK_EQ(n, HOLEY_FRAMES);
	CHECK_EQ(frame_alloc(hart_of(f, 0)), 0); /* out of memory stays NULL-ish: 0 */
	CHECK_EQ(frame_alloc(hart_of(f, 1)), 0);
	CHECK_EQ(frame_count_free(&f->fa), 0);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);

	for (size_t i = 0; i < n; i++)
		CHECK_EQ(frame_free(hart_of(f, (i / 3) % 2), pas[i]), 0);
	CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	struct frame_stats sum = stats_sum(&f->fa, 2);
	CHECK_EQ(sum.allocs, HOLEY_FRAMES);
	CHECK_EQ(sum.frees, HOLEY_FRAMES);
	CHECK_EQ(sum.alloc_failures, 3); /* the one that ended the loop, and two more */
	CHECK_EQ(sum.bad_frees, 0);
	fixture_free(f);
}

/*
 * FRAME_MAX_RANGES ranges of 1 to 7 frames in no size order, a one-page hole
 * after each: every frame is found in its own range, every hole refused.
 */
TEST(many_ranges_any_sizes)
{
	static struct page_run runs[FRAME_MAX_RANGES];
	size_t page = 0, nframes = 0;
	for (size_t i = 0; i < FRAME_MAX_RANGES; i++) {
		runs[i] = (struct page_run){ page, 1 + (i * 5) % 7 };
		page += runs[i].npages + 1;
		nframes += runs[i].npages;
	}
	struct fixture *f = fixture_new(page, runs, FRAME_MAX_RANGES, 1);
	CHECK_EQ(f->fa.spans[0].nframes, 7); /* the largest is tried first */
	static bool handed[FRAME_MAX_RANGES * 8];
	static uint64_t pas[FRAME_MAX_RANGES * 8];
	size_t n = 0;
	for (uint64_t pa; (pa = frame_alloc(hart_of(f, 0))) != 0 && n < nframes; n++) {
		size_t p = pa_page(f, pa);
		CHECK(p != SIZE_MAX && page_in_ranges(f, p) && !handed[p]);
		if (p == SIZE_MAX || handed[p])
			break;
		handed[p] = true;
		pas[n] = pa;
	}
	CHECK_EQ(n, nframes);
	for (size_t i = 0; i < FRAME_MAX_RANGES; i++) {
		size_t hole = runs[i].first + runs[i].npages;
		CHECK_EQ(frame_free(hart_of(f, 0), page_pa(f, hole)), FRAME_ERR_NOTMANAGED);
	}
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(frame_free(hart_of(f, 0), pas[i]), 0);
	CHECK_EQ(frame_count_free(&f->fa), nframes);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	fixture_free(f);
}

TEST(recovers_after_oom)
{
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, 2);
	uint64_t pas[HOLEY_FRAMES];
	for (size_t i = 0; i < HOLEY_FRAMES; i++)
		pas[i] = frame_alloc(hart_of(f, 0));
	CHECK_EQ(frame_alloc(hart_of(f, 1)), 0);
	CHECK_EQ(frame_free(hart_of(f, 1), pas[57]), 0);
	CHECK_EQ(frame_alloc(hart_of(f, 0)), pas[57]); /* stolen back from hart 1 */
	CHECK_EQ(frame_alloc(hart_of(f, 0)), 0);
	for (size_t i = 0; i < HOLEY_FRAMES; i++)
		CHECK_EQ(frame_free(hart_of(f, 0), pas[i]), 0);
	for (size_t i = 0; i < HOLEY_FRAMES; i++)
		CHECK(frame_alloc(hart_of(f, 1)) != 0); /* the whole memory, again */
	CHECK_EQ(frame_alloc(hart_of(f, 1)), 0);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	fixture_free(f);
}

/* Frees pa on hart expecting err; checks the hart's last error and that nothing moved. */
static void expect_refused(struct fixture *f, uint32_t hart, uint64_t pa, int err)
{
	uint64_t free_before = frame_count_free(&f->fa),
		 bad_before = hart_stats(&f->fa, hart).bad_frees;
	uint64_t last_pa = 0;
	CHECK_EQ(frame_free(hart_of(f, hart), pa), err);
	CHECK_EQ(frame_last_error(hart_of(f, hart), &last_pa), err);
	CHECK_EQ(last_pa, pa);
	CHECK_EQ(frame_count_free(&f->fa), free_before);
	CHECK_EQ(hart_stats(&f->fa, hart).bad_frees, bad_before + 1);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
}

TEST(bad_frees_are_caught_with_the_address)
{
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, 2);
	CHECK_EQ(frame_last_error(hart_of(f, 0), NULL), 0);
	uint64_t a = frame_alloc(hart_of(f, 0)), b = frame_alloc(hart_of(f, 0));
	CHECK_EQ(frame_free(hart_of(f, 0), a), 0);
	expect_refused(f, 0, a, FRAME_ERR_DOUBLEFREE);
	expect_refused(f, 1, a, FRAME_ERR_DOUBLEFREE); /* already in hart 0's cache */
	CHECK_EQ(frame_free(hart_of(f, 1), b), 0);
	expect_refused(f, 0, b, FRAME_ERR_DOUBLEFREE);

	expect_refused(f, 0, page_pa(f, 60), FRAME_ERR_NEVERALLOC); /* in the pool */
	expect_refused(f, 1, b + 8, FRAME_ERR_MISALIGNED);
	expect_refused(f, 1, b + PAGE - 1, FRAME_ERR_MISALIGNED);
	expect_refused(f, 0, page_pa(f, 12), FRAME_ERR_NOTMANAGED);  /* hole between ranges */
	expect_refused(f, 0, page_pa(f, 34), FRAME_ERR_NOTMANAGED);  /* just past range 2 */
	expect_refused(f, 0, page_pa(f, 0), FRAME_ERR_NOTMANAGED);   /* below every range */
	expect_refused(f, 0, page_pa(f, 410), FRAME_ERR_NOTMANAGED); /* above every range */
	expect_refused(f, 1, 0, FRAME_ERR_NOTMANAGED);
	expect_refused(f, 1, UINT64_MAX & ~(uint64_t)(PAGE - 1), FRAME_ERR_NOTMANAGED);

	CHECK(frame_hart(&f->fa, 2) == NULL);
	CHECK(frame_hart(&f->fa, UINT32_MAX) == NULL);
	struct frame_stats s;
	CHECK_EQ(frame_hart_stats(&f->fa, 2, &s), FRAME_ERR_BADHART);

	/* refusals changed nothing: the frames still come and go */
	CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES);
	CHECK_EQ(stats_sum(&f->fa, 2).frees, 2);
	fixture_free(f);
}

TEST(check_finds_corruption)
{
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, 1);
	uint64_t a = frame_alloc(hart_of(f, 0)), b = frame_alloc(hart_of(f, 0)), bad = 0;
	CHECK_EQ(frame_free(hart_of(f, 0), a), 0);
	CHECK_EQ(frame_free(hart_of(f, 0), b), 0);
	CHECK_EQ(frame_check(&f->fa, &bad), 0);

	struct frame_hart *h = &f->fa.harts[0];
	uint32_t saved = h->cache[h->count - 2];
	h->cache[h->count - 2] = h->cache[h->count - 1]; /* b twice, a nowhere */
	CHECK_EQ(frame_check(&f->fa, &bad), FRAME_ERR_CORRUPT);
	CHECK_EQ(bad, b);
	h->cache[h->count - 2] = saved;
	CHECK_EQ(frame_check(&f->fa, NULL), 0); /* the marks were cleared */

	h->count--; /* b dropped from the cache: free but on no list */
	CHECK_EQ(frame_check(&f->fa, &bad), FRAME_ERR_CORRUPT);
	CHECK_EQ(bad, b);
	h->count++;

	f->fa.pool.count++; /* the pool claims one more than it links */
	CHECK_EQ(frame_check(&f->fa, &bad), FRAME_ERR_CORRUPT);
	CHECK_EQ(bad, 0);
	f->fa.pool.count--;
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	fixture_free(f);
}

/*
 * One range of 100 frames, 3 harts. Each step forces one mechanism and the
 * statistics must show exactly it.
 */
TEST(refill_drain_steal_happen)
{
	static const struct page_run run = { 0, 100 };
	struct fixture *f = fixture_new(100, &run, 1, 3);
	uint64_t held[100];
	size_t nheld = 0;

	held[nheld++] = frame_alloc(hart_of(f, 0)); /* refill: hart 0 caches 32, keeps 31 */
	CHECK_EQ(hart_stats(&f->fa, 0).refills, 1);
	CHECK_EQ(frame_count_free(&f->fa), 99);

	for (int i = 0; i < 100 - FRAME_BATCH; i++) /* hart 1 empties the pool: 32 + 32 + 4 */
		held[nheld++] = frame_alloc(hart_of(f, 1));
	CHECK_EQ(hart_stats(&f->fa, 1).refills, 3);
	CHECK_EQ(hart_stats(&f->fa, 1).steals, 0);
	CHECK_EQ(frame_count_free(&f->fa), FRAME_BATCH - 1);

	held[nheld++] = frame_alloc(hart_of(f, 1)); /* pool dry: steals half of hart 0's 31 */
	CHECK(held[nheld - 1] != 0);
	CHECK_EQ(hart_stats(&f->fa, 1).steals, 1);
	CHECK_EQ(hart_stats(&f->fa, 1).refills, 3);
	CHECK_EQ(hart_stats(&f->fa, 0).steals, 0);
	CHECK_EQ(frame_count_free(&f->fa), FRAME_BATCH - 2);
	CHECK_EQ(f->fa.harts[0].count, 15);
	CHECK_EQ(f->fa.harts[1].count, 15);

	for (int i = 0; i < FRAME_CACHE_MAX; i++) /* hart 2 fills its cache: no drain yet */
		CHECK_EQ(frame_free(hart_of(f, 2), held[--nheld]), 0);
	CHECK_EQ(hart_stats(&f->fa, 2).drains, 0);
	CHECK_EQ(frame_free(hart_of(f, 2), held[--nheld]), 0); /* one more: drains a batch */
	CHECK_EQ(hart_stats(&f->fa, 2).drains, 1);
	CHECK_EQ(f->fa.pool.count, FRAME_BATCH);
	CHECK_EQ(f->fa.harts[2].count, FRAME_CACHE_MAX - FRAME_BATCH + 1);

	held[nheld++] = frame_alloc(hart_of(f, 0)); /* hart 0 still has frames: fast path */
	CHECK_EQ(hart_stats(&f->fa, 0).refills, 1);
	CHECK_EQ(frame_check(&f->fa, NULL), 0);

	struct frame_stats sum = stats_sum(&f->fa, 3);
	CHECK_EQ(sum.allocs, 100 - FRAME_BATCH + 3);
	CHECK_EQ(sum.frees, FRAME_CACHE_MAX + 1);
	CHECK_EQ(sum.pool_contended, 0); /* one thread: nothing is ever contended */
	CHECK_EQ(sum.hart_contended, 0);
	fixture_free(f);
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

enum { MODEL_NEVER, MODEL_ALLOCATED, MODEL_FREED };

/* The model: each arena page's state, and the allocated frames (for picking one). */
struct model {
	uint8_t state[HOLEY_PAGES];
	uint64_t held[HOLEY_FRAMES];
	size_t nheld;
	uint64_t allocs, frees;
};

/* Which error a free of pa must get, from the model (0: it is allocated). */
static int model_free_error(const struct fixture *f, const struct model *m, uint64_t pa)
{
	if (pa % PAGE)
		return FRAME_ERR_MISALIGNED;
	size_t page = pa_page(f, pa);
	if (page == SIZE_MAX || !page_in_ranges(f, page))
		return FRAME_ERR_NOTMANAGED;
	static const int by_state[] = { FRAME_ERR_NEVERALLOC, 0, FRAME_ERR_DOUBLEFREE };
	return by_state[m->state[page]];
}

static void model_step_alloc(struct fixture *f, struct model *m, uint32_t hart)
{
	uint64_t pa = frame_alloc(hart_of(f, hart));
	if (m->nheld == HOLEY_FRAMES) {
		CHECK_EQ(pa, 0);
		return;
	}
	size_t page = pa_page(f, pa);
	CHECK(pa != 0 && page != SIZE_MAX && model_free_error(f, m, pa) != 0);
	if (pa == 0 || page == SIZE_MAX || model_free_error(f, m, pa) == 0)
		return; /* already failed: keep the model sane */
	m->state[page] = MODEL_ALLOCATED;
	m->held[m->nheld++] = pa;
	m->allocs++;
}

static void model_step_free(struct fixture *f, struct model *m, uint32_t hart, uint64_t r)
{
	size_t i = (size_t)(r % m->nheld);
	uint64_t pa = m->held[i];
	CHECK_EQ(frame_free(hart_of(f, hart), pa), 0);
	m->held[i] = m->held[--m->nheld];
	m->state[pa_page(f, pa)] = MODEL_FREED;
	m->frees++;
}

/* A free the model says is wrong: a random address near or in the arena. */
static void model_step_bad_free(struct fixture *f, struct model *m, uint32_t hart, uint64_t r)
{
	uint64_t pa = page_pa(f, 0) + (r % (HOLEY_PAGES + 8)) * PAGE - 4 * PAGE;
	if (r & 0x10000)
		pa += (r >> 20) % PAGE; /* mostly misaligned then */
	int want = model_free_error(f, m, pa);
	if (want == 0)
		return; /* happens to be allocated: a valid free, not this step's business */
	uint64_t last_pa = 0;
	CHECK_EQ(frame_free(hart_of(f, hart), pa), want);
	CHECK_EQ(frame_last_error(hart_of(f, hart), &last_pa), want);
	CHECK_EQ(last_pa, pa);
}

/*
 * 500k random steps on 4 simulated harts, in phases that lean towards
 * allocating (so memory runs out) or freeing (so it all comes back). After
 * every step the free count must equal the model's; allocs must never return
 * a frame the model holds, and must fail exactly when the model holds all.
 */
TEST(random_steps_match_model)
{
	enum { STEPS = 500000, NHARTS = 4 };
	static const unsigned alloc_percent[] = { 20, 45, 75 };
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, NHARTS);
	static struct model m;
	memset(&m, 0, sizeof(m));
	uint64_t seed = 0x9e3779b97f4a7c15u;

	for (int step = 0; step < STEPS && !check_current_failed; step++) {
		uint64_t r = xorshift64(&seed);
		uint32_t hart = (uint32_t)(r % NHARTS);
		unsigned roll = (unsigned)((r >> 8) % 100);
		if (roll < alloc_percent[(step / 7000) % 3])
			model_step_alloc(f, &m, hart);
		else if (roll < 97 && m.nheld > 0)
			model_step_free(f, &m, hart, r >> 16);
		else
			model_step_bad_free(f, &m, hart, r >> 16);
		CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES - m.nheld);
		if (step % 4096 == 0)
			CHECK_EQ(frame_check(&f->fa, NULL), 0);
	}
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	struct frame_stats sum = stats_sum(&f->fa, NHARTS);
	CHECK_EQ(sum.allocs, m.allocs);
	CHECK_EQ(sum.frees, m.frees);
	CHECK(sum.refills > 0 && sum.drains > 0 && sum.steals > 0 && sum.alloc_failures > 0);
	printf("  model: %llu allocs, %llu frees, %llu failed, %llu refills, %llu drains, "
	       "%llu steals, %llu bad frees\n",
	       (unsigned long long)sum.allocs, (unsigned long long)sum.frees,
	       (unsigned long long)sum.alloc_failures, (unsigned long long)sum.refills,
	       (unsigned long long)sum.drains, (unsigned long long)sum.steals,
	       (unsigned long long)sum.bad_frees);
	fixture_free(f);
}

/* --- one pthread per hart --- */

enum { THREADS = 4, ROUNDS = 100, MIXED_STEPS = 3000, MIXED_HOLD_MAX = 150, INBOX = 8 };
#define LENT_FRAMES (FRAME_CACHE_MAX - 16) /* stays in the lender's cache: no drain */

struct shared {
	struct fixture *f;
	pthread_barrier_t barrier;
	bool stop;
	uint8_t owned[HOLEY_PAGES];     /* 1 while some thread holds the frame */
	uint64_t inbox[THREADS][INBOX]; /* frames handed to a thread for it to free */
};

struct worker {
	struct shared *sh;
	struct frame_hart *me;
	uint32_t hart;
	uint64_t seed;
	uint64_t held[HOLEY_FRAMES];
	size_t nheld;
	uint64_t allocs, frees, failures, errors;
};

static void worker_free(struct worker *w, uint64_t pa)
{
	struct shared *sh = w->sh;
	__atomic_store_n(&sh->owned[pa_page(sh->f, pa)], 0, __ATOMIC_RELAXED);
	if (frame_free(w->me, pa) != 0)
		w->errors++;
	w->frees++;
}

static bool worker_alloc(struct worker *w)
{
	struct shared *sh = w->sh;
	uint64_t pa = frame_alloc(w->me);
	if (pa == 0) {
		w->failures++;
		return false;
	}
	size_t page = pa_page(sh->f, pa);
	if (page == SIZE_MAX || __atomic_exchange_n(&sh->owned[page], 1, __ATOMIC_RELAXED)) {
		w->errors++; /* outside the arena, or handed out twice */
		return false;
	}
	memset((void *)(uintptr_t)pa, (int)w->hart, 64); /* ASan: must be real memory */
	w->held[w->nheld++] = pa;
	w->allocs++;
	return true;
}

static uint64_t worker_take_held(struct worker *w, uint64_t r)
{
	size_t i = (size_t)(r % w->nheld);
	uint64_t pa = w->held[i];
	w->held[i] = w->held[--w->nheld];
	return pa;
}

/* Gives pa to another thread to free; frees it here if that inbox slot is taken. */
static void worker_give(struct worker *w, uint64_t pa, uint64_t r)
{
	uint32_t to = (w->hart + 1 + (uint32_t)(r % (THREADS - 1))) % THREADS;
	uint64_t expected = 0;
	if (!__atomic_compare_exchange_n(&w->sh->inbox[to][(r >> 8) % INBOX], &expected, pa, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		worker_free(w, pa);
}

static void worker_empty_inbox(struct worker *w)
{
	for (int i = 0; i < INBOX; i++) {
		uint64_t pa = __atomic_exchange_n(&w->sh->inbox[w->hart][i], 0, __ATOMIC_ACQ_REL);
		if (pa)
			worker_free(w, pa);
	}
}

/* Random allocs and frees; a quarter of the frees go to another hart. */
static void worker_mixed(struct worker *w)
{
	for (int step = 0; step < MIXED_STEPS; step++) {
		uint64_t r = xorshift64(&w->seed);
		worker_empty_inbox(w);
		if (r % 100 < 50 && w->nheld < MIXED_HOLD_MAX)
			worker_alloc(w);
		else if (w->nheld > 0 && (r & 0x300000))
			worker_free(w, worker_take_held(w, r >> 8));
		else if (w->nheld > 0)
			worker_give(w, worker_take_held(w, r >> 8), r >> 24);
	}
}

static void worker_free_all(struct worker *w, size_t keep)
{
	while (w->nheld > keep)
		worker_free(w, w->held[--w->nheld]);
}

static void worker_alloc_until_oom(struct worker *w)
{
	while (w->nheld < HOLEY_FRAMES && worker_alloc(w))
		;
}

/*
 * A round: mixed traffic; everything freed; the lender, alone, allocates
 * every frame (the pool runs dry), then puts LENT_FRAMES back in its cache;
 * the others allocate until out of memory - only by stealing from the lender,
 * which meanwhile allocates and frees on its fast path - and all free again.
 */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	for (uint32_t round = 0; round < ROUNDS; round++) {
		bool lender = w->hart == round % THREADS;
		worker_mixed(w);
		pthread_barrier_wait(&sh->barrier);
		worker_empty_inbox(w);
		worker_free_all(w, 0);
		pthread_barrier_wait(&sh->barrier);
		if (lender) {
			worker_alloc_until_oom(w);
			if (w->nheld != HOLEY_FRAMES || frame_count_free(&sh->f->fa) != 0)
				w->errors++;
			worker_free_all(w, HOLEY_FRAMES - LENT_FRAMES);
		}
		pthread_barrier_wait(&sh->barrier);
		if (lender) {
			for (int i = 0; i < 1000; i++) {
				if (worker_alloc(w))
					worker_free(w, w->held[--w->nheld]);
			}
		} else {
			worker_alloc_until_oom(w);
		}
		pthread_barrier_wait(&sh->barrier);
		worker_free_all(w, 0);
	}
	return NULL;
}

/*
 * At the end every frame is back, none was ever held twice, and the per-hart
 * statistics add up to what the threads counted themselves. Each round forces
 * a dry pool, steals and out-of-memory, so those counts cannot be zero.
 */
TEST(threads_share_and_steal)
{
	static struct shared sh;
	static struct worker w[THREADS];
	memset(&sh, 0, sizeof(sh));
	sh.f = fixture_new(HOLEY_PAGES, holey_runs, 3, THREADS);
	pthread_barrier_init(&sh.barrier, NULL, THREADS);
	pthread_t tid[THREADS];
	for (uint32_t h = 0; h < THREADS; h++) {
		w[h] = (struct worker){ .sh = &sh,
					.me = hart_of(sh.f, h),
					.hart = h,
					.seed = 0x2545f4914f6cdd1du * (h + 1) };
		CHECK_EQ(pthread_create(&tid[h], NULL, worker_run, &w[h]), 0);
	}
	for (uint32_t h = 0; h < THREADS; h++)
		pthread_join(tid[h], NULL);
	pthread_barrier_destroy(&sh.barrier);

	struct frame_stats sum = stats_sum(&sh.f->fa, THREADS);
	uint64_t allocs = 0, frees = 0, failures = 0;
	for (uint32_t h = 0; h < THREADS; h++) {
		CHECK_EQ(w[h].errors, 0);
		allocs += w[h].allocs;
		frees += w[h].frees;
		failures += w[h].failures;
	}
	CHECK_EQ(frame_count_free(&sh.f->fa), HOLEY_FRAMES);
	CHECK_EQ(frame_check(&sh.f->fa, NULL), 0);
	CHECK_EQ(sum.allocs, allocs);
	CHECK_EQ(sum.frees, frees);
	CHECK_EQ(allocs, frees);
	CHECK_EQ(sum.alloc_failures, failures);
	CHECK_EQ(sum.bad_frees, 0);
	CHECK(sum.refills >= ROUNDS && sum.drains >= ROUNDS);
	CHECK(sum.steals >= ROUNDS && failures >= ROUNDS * (THREADS - 1));
	printf("  threads: %llu allocs, %llu failed, %llu refills, %llu drains, %llu steals, "
	       "contended: pool %llu, hart %llu\n",
	       (unsigned long long)sum.allocs, (unsigned long long)sum.alloc_failures,
	       (unsigned long long)sum.refills, (unsigned long long)sum.drains,
	       (unsigned long long)sum.steals, (unsigned long long)sum.pool_contended,
	       (unsigned long long)sum.hart_contended);
	fixture_free(sh.f);
}

struct racer {
	struct frame_hart *me;
	pthread_barrier_t *start;
	const uint64_t *pas;
	uint8_t *wins; /* per frame: how many frees of it succeeded */
	uint64_t refused, errors;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->start);
	for (size_t i = 0; i < HOLEY_FRAMES; i++) {
		int err = frame_free(r->me, r->pas[i]);
		if (err == 0)
			__atomic_fetch_add(&r->wins[i], 1, __ATOMIC_RELAXED);
		else if (err == FRAME_ERR_DOUBLEFREE)
			r->refused++;
		else
			r->errors++;
	}
	return NULL;
}

/* THREADS harts free the same frames at the same time: each frame once, the rest refused. */
TEST(racing_frees_one_wins)
{
	enum { RACES = 50 };
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, THREADS);
	static uint64_t pas[HOLEY_FRAMES];
	static uint8_t wins[HOLEY_FRAMES];
	struct racer racers[THREADS];
	pthread_barrier_t start;
	pthread_t tid[THREADS];
	uint64_t refused = 0;

	for (int race = 0; race < RACES && !check_current_failed; race++) {
		for (size_t i = 0; i < HOLEY_FRAMES; i++)
			pas[i] = frame_alloc(hart_of(f, (uint32_t)race % THREADS));
		memset(wins, 0, sizeof(wins));
		pthread_barrier_init(&start, NULL, THREADS);
		for (uint32_t h = 0; h < THREADS; h++) {
			racers[h] = (struct racer){ hart_of(f, h), &start, pas, wins, 0, 0 };
			CHECK_EQ(pthread_create(&tid[h], NULL, racer_run, &racers[h]), 0);
		}
		for (uint32_t h = 0; h < THREADS; h++) {
			pthread_join(tid[h], NULL);
			CHECK_EQ(racers[h].errors, 0);
			refused += racers[h].refused;
		}
		pthread_barrier_destroy(&start);
		for (size_t i = 0; i < HOLEY_FRAMES; i++)
			CHECK_EQ(wins[i], 1);
		CHECK_EQ(frame_count_free(&f->fa), HOLEY_FRAMES);
	}
	CHECK_EQ(refused, (uint64_t)RACES * HOLEY_FRAMES * (THREADS - 1));
	CHECK_EQ(frame_check(&f->fa, NULL), 0);
	fixture_free(f);
}

static void *owner_run(void *arg)
{
	struct worker *w = arg;
	while (!__atomic_load_n(&w->sh->stop, __ATOMIC_ACQUIRE)) { /* never yields: */
		if (worker_alloc(w))                               /* busy threads get */
			worker_free(w, w->held[--w->nheld]);       /* their own CPUs */
		worker_empty_inbox(w);
	}
	return NULL;
}

static double seconds_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Waits until hart 0 has emptied slot: spins a while, then lets others run. */
static void wait_slot_empty(const uint64_t *slot)
{
	for (int spins = 0; __atomic_load_n(slot, __ATOMIC_ACQUIRE); spins++) {
		if (spins % 10000 == 9999)
			sched_yield();
	}
}

/*
 * The race the per-hart lock exists for: hart 0 allocates and frees on its
 * fast path while hart 1, with the pool dry, keeps stealing from hart 0's
 * cache, and hands every frame back for hart 0 to free. 64 frames: hart 0's
 * cache can never overflow, so frames only come back to hart 1 by stealing.
 * Runs STEPS thief allocations, or 2 seconds on a machine too busy for that.
 */
TEST(thief_races_owner)
{
	enum { STEPS = 200000 };
	static const struct page_run run = { 0, 64 };
	static struct shared sh;
	static struct worker owner, thief;
	memset(&sh, 0, sizeof(sh));
	sh.f = fixture_new(64, &run, 1, 2);
	owner = (struct worker){ .sh = &sh, .me = hart_of(sh.f, 0), .hart = 0 };
	thief = (struct worker){ .sh = &sh, .me = hart_of(sh.f, 1), .hart = 1 };
	pthread_t tid;
	CHECK_EQ(pthread_create(&tid, NULL, owner_run, &owner), 0);

	double deadline = seconds_now() + 2.0;
	int step = 0;
	for (; step < STEPS && (step % 1024 || seconds_now() < deadline); step++) {
		if (!worker_alloc(&thief))
			continue;
		uint64_t *slot = &sh.inbox[0][step % INBOX];
		wait_slot_empty(slot);
		__atomic_store_n(slot, thief.held[--thief.nheld], __ATOMIC_RELEASE);
	}
	__atomic_store_n(&sh.stop, true, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	worker_empty_inbox(&owner);

	struct frame_stats sum = stats_sum(&sh.f->fa, 2);
	CHECK_EQ(owner.errors + thief.errors, 0);
	CHECK_EQ(frame_count_free(&sh.f->fa), 64);
	CHECK_EQ(frame_check(&sh.f->fa, NULL), 0);
	CHECK_EQ(sum.allocs, owner.allocs + thief.allocs);
	CHECK_EQ(sum.frees, sum.allocs);
	CHECK_EQ(sum.drains, 0);
	CHECK(hart_stats(&sh.f->fa, 1).steals > 0);
	printf("  duel: %d thief steps, %llu allocs, %llu failed, %llu steals, contended: hart %llu\n",
	       step, (unsigned long long)sum.allocs, (unsigned long long)sum.alloc_failures,
	       (unsigned long long)sum.steals, (unsigned long long)sum.hart_contended);
	fixture_free(sh.f);
}

static void *release_later(void *lock)
{
	usleep(20000);
	mm_spin_unlock(lock);
	return NULL;
}

/* Calls alloc on hart while another thread holds *lock for a while. */
static uint64_t alloc_against_held_lock(struct fixture *f, uint32_t hart, struct mm_spin *lock)
{
	pthread_t tid;
	CHECK(mm_spin_try(lock));
	CHECK_EQ(pthread_create(&tid, NULL, release_later, lock), 0);
	uint64_t pa = frame_alloc(hart_of(f, hart));
	pthread_join(tid, NULL);
	return pa;
}

/* A lock found held is counted once, on the hart that wanted it, by kind. */
TEST(contention_is_counted)
{
	struct fixture *f = fixture_new(HOLEY_PAGES, holey_runs, 3, 2);
	CHECK(alloc_against_held_lock(f, 0, &f->fa.harts[0].lock) != 0); /* a thief has it */
	CHECK_EQ(hart_stats(&f->fa, 0).hart_contended, 1);
	CHECK_EQ(hart_stats(&f->fa, 0).pool_contended, 0);

	CHECK(alloc_against_held_lock(f, 1, &f->fa.pool.lock) != 0); /* hart 1 refills */
	CHECK_EQ(hart_stats(&f->fa, 1).pool_contended, 1);
	CHECK_EQ(hart_stats(&f->fa, 1).hart_contended, 0);

	static uint64_t pas[HOLEY_FRAMES];
	size_t n = 0;
	while ((pas[n] = frame_alloc(hart_of(f, 1))) != 0) /* pool and caches dry */
		n++;
	CHECK_EQ(n, HOLEY_FRAMES - 2);
	CHECK_EQ(frame_free(hart_of(f, 0), pas[--n]), 0);
	CHECK(alloc_against_held_lock(f, 1, &f->fa.harts[0].lock) != 0); /* hart 1 steals */
	CHECK_EQ(hart_stats(&f->fa, 1).hart_contended, 1);
	CHECK(hart_stats(&f->fa, 1).steals > 0);
	fixture_free(f);
}

int main(void)
{
	RUN(meta_bytes_and_strerror);
	RUN(init_rejects_bad_input);
	RUN(every_frame_once_until_oom);
	RUN(many_ranges_any_sizes);
	RUN(recovers_after_oom);
	RUN(bad_frees_are_caught_with_the_address);
	RUN(check_finds_corruption);
	RUN(refill_drain_steal_happen);
	RUN(random_steps_match_model);
	RUN(threads_share_and_steal);
	RUN(racing_frees_one_wins);
	RUN(thief_races_owner);
	RUN(contention_is_counted);
	return check_summary();
}
