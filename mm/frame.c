/*
 * mm/frame.c - physical frame allocator: per-hart caches over a shared pool.
 *
 * Frames are numbered 0..total-1 in address order across the ranges (spans
 * map an index to its address and back). Each frame has 8 bytes of metadata:
 * `next`, the pool's list link, and `state`, which says where the frame is:
 *
 *   ALLOCATED           handed out; only frame_free() may change it
 *   POOL                in the shared pool (a list linked through `next`)
 *   HART0 + h           in hart h's cache (a stack of indices in frame_hart)
 *   + USED (flag)       handed out at least once: a double free is told apart
 *                       from a free of a frame that was never allocated
 *
 * A free changes ALLOCATED to "in my cache" with one compare-and-swap, so of
 * two concurrent frees of one frame exactly one wins; the other is refused.
 *
 * Locking. Each hart's cache has its own spinlock, taken by the owner on
 * every call; nobody else takes it except a thief, so on the fast path
 * (cache neither empty nor full) the owner's acquire never waits and never
 * touches a line another hart writes. The pool has one lock, taken only to
 * move a batch. A hart whose cache and the pool are empty steals: it drops
 * its own lock, then takes its lock and a victim's together, lower index
 * first, and moves half the victim's cache to its own. Lock order: hart locks
 * by index, then the pool lock; nobody holds the pool lock while taking a hart
 * lock, so no cycle can form. Every lock is tried once first and a failure is
 * counted in the caller's stats before it spins.
 *
 * Every state change of a free frame happens under the lock of the list it
 * leaves or joins, so frame_check(), holding all locks, sees no frame in
 * transit. Counters and list lengths that other harts read without a lock are
 * written with relaxed atomic stores and read with atomic loads.
 *
 * Never include kernel headers or call the C library: this file is also built
 * into the guard and into host tests.
 */
#include "frame.h"

#include <stdbool.h>

struct frame_meta {
	uint32_t state; /* PLACE_* | flags */
	uint32_t next;  /* next frame in the pool, or NO_FRAME */
};

#define NO_FRAME 0xffffffffu

#define PLACE_MASK      0xffu
#define PLACE_ALLOCATED 1u
#define PLACE_POOL      2u
#define PLACE_HART0     16u
#define FLAG_USED       0x100u /* handed out at least once */
#define FLAG_SEEN       0x200u /* frame_check() found it on a list */
#define ST_ALLOCATED    (PLACE_ALLOCATED | FLAG_USED)

/* Keeps a slow path out of its caller, so the fast path needs no stack frame. */
#define SLOW_PATH __attribute__((noinline))

const char *frame_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case FRAME_ERR_BADARG: return "bad argument (NULL, nharts or nranges out of bounds)";
	case FRAME_ERR_BADRANGE:
		return "range misaligned, empty, wrapping, at address 0 or unsorted";
	case FRAME_ERR_TOOMANY: return "more frames than the allocator can index";
	case FRAME_ERR_METASIZE: return "metadata area too small or misaligned";
	case FRAME_ERR_METAOVERLAP: return "metadata area overlaps a usable range";
	case FRAME_ERR_BADHART: return "hart number out of range";
	case FRAME_ERR_MISALIGNED: return "address is not frame aligned";
	case FRAME_ERR_NOTMANAGED: return "address is not in any usable range";
	case FRAME_ERR_DOUBLEFREE: return "double free: frame is already free";
	case FRAME_ERR_NEVERALLOC: return "frame was never allocated";
	case FRAME_ERR_CORRUPT: return "frame state disagrees with the free lists";
	default: return "unknown error";
	}
}

/* --- locks and counters --- */

/* Only the hart itself writes its counters; others read them with atomic loads. */
static void stat_inc(uint64_t *counter)
{
	__atomic_store_n(counter, *counter + 1, __ATOMIC_RELAXED);
}

/* Called after a failed first try: counts one contention, then waits for the lock. */
static SLOW_PATH void lock_wait(struct mm_spin *lock, uint64_t *contended)
{
	stat_inc(contended);
	mm_spin_lock(lock);
}

static void lock_take(struct mm_spin *lock, uint64_t *contended)
{
	if (!mm_spin_try(lock))
		lock_wait(lock, contended);
}

/*
 * Every taking of the pool's lock on behalf of a hart goes through here, so
 * its pool_locks counts them all (the frames lab's grader reads it).
 */
static void pool_lock(struct frame_hart *hc)
{
	stat_inc(&hc->stats.pool_locks);
	lock_take(&hc->fa->pool.lock, &hc->stats.pool_contended);
}

// LAB(frames) begin
/* Takes two hart locks, lower index first, so two thieves cannot deadlock. */
static void lock_two(struct frame_hart *a, struct frame_hart *b, uint64_t *contended)
{
	lock_take(a < b ? &a->lock : &b->lock, contended);
	lock_take(a < b ? &b->lock : &a->lock, contended);
}
// LAB(frames) end

/* List lengths are read by other harts without the lock (peeks, counts). */
static void set_count(uint64_t *count, uint64_t n)
{
	__atomic_store_n(count, n, __ATOMIC_RELAXED);
}

/* --- frame numbering and state --- */

static uint32_t state_get(const struct frame_allocator *fa, uint64_t idx)
{
	return __atomic_load_n(&fa->meta[idx].state, __ATOMIC_RELAXED);
}

static void state_set(struct frame_allocator *fa, uint64_t idx, uint32_t state)
{
	__atomic_store_n(&fa->meta[idx].state, state, __ATOMIC_RELAXED);
}

// LAB(frames) begin
/* Moves a free frame to another list's place, keeping its flags. */
static void set_place(struct frame_allocator *fa, uint64_t idx, uint32_t place)
{
	state_set(fa, idx, (state_get(fa, idx) & ~PLACE_MASK) | place);
}
// LAB(frames) end

static int pa_to_index(const struct frame_allocator *fa, uint64_t pa, uint64_t *idx)
{
	if (pa % MM_PAGE_SIZE)
		return FRAME_ERR_MISALIGNED;
	uint64_t pfn = pa / MM_PAGE_SIZE;
	for (const struct frame_span *s = fa->spans; s->nframes; s++) {
		if (pfn - s->base_pfn < s->nframes) { /* also false below base_pfn */
			*idx = s->first + (pfn - s->base_pfn);
			return 0;
		}
	}
	return FRAME_ERR_NOTMANAGED;
}

/* idx must be below total_frames. */
static uint64_t index_to_pa(const struct frame_allocator *fa, uint64_t idx)
{
	const struct frame_span *s = fa->spans;
	while (idx - s->first >= s->nframes)
		s++;
	return (s->base_pfn + (idx - s->first)) * MM_PAGE_SIZE;
}

/* --- init --- */

size_t frame_meta_bytes(uint64_t nframes)
{
	if (nframes > FRAME_MAX_FRAMES)
		return SIZE_MAX; /* more than frame_init() accepts */
	return (size_t)nframes * sizeof(struct frame_meta);
}

/* The last byte of a range, which may be 2^64 - 1 (size >= 1 and checked not to wrap). */
static uint64_t range_last(const struct frame_range *r)
{
	return r->base + (r->size - 1);
}

/* Validates the ranges and counts their frames. */
static int check_ranges(const struct frame_range *ranges, size_t nranges, uint64_t *nframes)
{
	uint64_t total = 0;
	for (size_t i = 0; i < nranges; i++) {
		uint64_t base = ranges[i].base, size = ranges[i].size;
		if (base % MM_PAGE_SIZE || size % MM_PAGE_SIZE || size == 0 || base == 0)
			return FRAME_ERR_BADRANGE;
		if (size - 1 > UINT64_MAX - base)
			return FRAME_ERR_BADRANGE; /* wraps past 2^64 (ending at 2^64 is fine) */
		if (i && base <= range_last(&ranges[i - 1]))
			return FRAME_ERR_BADRANGE; /* unsorted or overlapping */
		total += size / MM_PAGE_SIZE; /* < 2^52 each: no overflow in FRAME_MAX_RANGES */
	}
	if (total > FRAME_MAX_FRAMES)
		return FRAME_ERR_TOOMANY;
	*nframes = total;
	return 0;
}

static int check_meta(const struct frame_range *ranges, size_t nranges, const void *meta,
		      size_t meta_size_bytes, uint64_t nframes)
{
	uint64_t need = frame_meta_bytes(nframes);
	uint64_t start = (uintptr_t)meta, end = start + need;
	if (start % _Alignof(struct frame_meta) || meta_size_bytes < need)
		return FRAME_ERR_METASIZE;
	for (size_t i = 0; i < nranges; i++) {
		if (start <= range_last(&ranges[i]) && ranges[i].base < end)
			return FRAME_ERR_METAOVERLAP;
	}
	return 0;
}

/*
 * Numbers the frames in address order, then puts the largest span first:
 * both lookups try the spans in turn, and most frames live in the largest
 * range (the kernel's reservations cut off small pieces), so the common case
 * costs one comparison.
 */
static void init_spans(struct frame_allocator *fa, const struct frame_range *ranges, size_t nranges)
{
	uint64_t first = 0;
	for (size_t i = 0; i < nranges; i++) {
		struct frame_span s = { ranges[i].base / MM_PAGE_SIZE, first,
					ranges[i].size / MM_PAGE_SIZE };
		size_t j = i; /* insertion sort, largest first */
		for (; j > 0 && fa->spans[j - 1].nframes < s.nframes; j--)
			fa->spans[j] = fa->spans[j - 1];
		fa->spans[j] = s;
		first += s.nframes;
	}
	fa->spans[nranges].nframes = 0;
}

static void init_harts(struct frame_allocator *fa)
{
	for (uint32_t h = 0; h < FRAME_MAX_HARTS; h++) {
		struct frame_hart *hc = &fa->harts[h];
		hc->lock = MM_SPIN_INIT;
		hc->count = 0;
		hc->fa = fa;
		hc->id = h;
		hc->place = PLACE_HART0 + h;
		hc->stats = (struct frame_stats){ 0 };
		hc->last_err = 0;
		hc->last_err_pa = 0;
	}
}

/*
 * Puts every frame in the pool, span by span in the order of fa->spans
 * (largest first), each span in address order: the frames handed out first
 * are those both lookups find at the first comparison.
 */
static void init_pool(struct frame_allocator *fa)
{
	uint32_t *link = &fa->pool.head;
	for (const struct frame_span *sp = fa->spans; sp->nframes; sp++) {
		for (uint32_t i = sp->first; i < sp->first + sp->nframes; i++) {
			fa->meta[i].state = PLACE_POOL;
			*link = i;
			link = &fa->meta[i].next;
		}
	}
	*link = NO_FRAME;
	fa->pool.lock = MM_SPIN_INIT;
	fa->pool.count = fa->total_frames;
}

int frame_init(struct frame_allocator *fa, const struct frame_range *ranges, size_t nranges,
	       void *meta, size_t meta_size_bytes, uint32_t nharts)
{
	if (!fa || !ranges || !meta || nharts == 0 || nharts > FRAME_MAX_HARTS || nranges == 0 ||
	    nranges > FRAME_MAX_RANGES)
		return FRAME_ERR_BADARG;
	uint64_t nframes;
	int err = check_ranges(ranges, nranges, &nframes);
	if (!err)
		err = check_meta(ranges, nranges, meta, meta_size_bytes, nframes);
	if (err)
		return err;

	fa->nharts = nharts;
	fa->total_frames = (uint32_t)nframes;
	fa->meta = meta;
	init_spans(fa, ranges, nranges);
	init_harts(fa);
	init_pool(fa);
	return 0;
}

struct frame_hart *frame_hart(struct frame_allocator *fa, uint32_t hart)
{
	return hart < fa->nharts ? &fa->harts[hart] : NULL;
}

static SLOW_PATH int refuse(struct frame_hart *hc, int err, uint64_t pa)
{
	hc->last_err = err;
	hc->last_err_pa = pa;
	stat_inc(&hc->stats.bad_frees);
	return err;
}

// LAB(frames) begin
/* --- moving batches (all with the cache's lock held) --- */

/* Moves up to FRAME_BATCH frames from the pool into hc's empty cache. */
static SLOW_PATH bool refill(struct frame_hart *hc)
{
	struct frame_allocator *fa = hc->fa;
	if (__atomic_load_n(&fa->pool.count, __ATOMIC_RELAXED) == 0)
		return false; /* dry: do not queue on the pool lock for nothing */
	pool_lock(hc);
	uint32_t n = fa->pool.count < FRAME_BATCH ? (uint32_t)fa->pool.count : FRAME_BATCH;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx = fa->pool.head;
		fa->pool.head = fa->meta[idx].next;
		set_place(fa, idx, hc->place);
		hc->cache[n - 1 - i] = idx; /* the pool's first frame ends on top */
	}
	set_count(&fa->pool.count, fa->pool.count - n);
	mm_spin_unlock(&fa->pool.lock);
	set_count(&hc->count, n);
	if (n > 0)
		stat_inc(&hc->stats.refills);
	return n > 0;
}

/* Moves the top FRAME_BATCH frames of hc's full cache to the pool. */
static SLOW_PATH void drain(struct frame_hart *hc)
{
	struct frame_allocator *fa = hc->fa;
	pool_lock(hc);
	for (uint32_t i = 1; i <= FRAME_BATCH; i++) {
		uint32_t idx = hc->cache[hc->count - i];
		set_place(fa, idx, PLACE_POOL);
		fa->meta[idx].next = fa->pool.head;
		fa->pool.head = idx;
	}
	set_count(&fa->pool.count, fa->pool.count + FRAME_BATCH);
	mm_spin_unlock(&fa->pool.lock);
	set_count(&hc->count, hc->count - FRAME_BATCH);
	stat_inc(&hc->stats.drains);
}

/* Moves the top n frames of from's cache to to's (both locked). */
static void move_frames(struct frame_hart *from, struct frame_hart *to, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint32_t idx = from->cache[from->count - 1 - i];
		set_place(to->fa, idx, to->place);
		to->cache[to->count + i] = idx;
	}
	set_count(&from->count, from->count - n);
	set_count(&to->count, to->count + n);
}

/*
 * Fills the thief's empty cache with half of the first non-empty cache found
 * after it (victims in order id+1, id+2, ... so thieves spread out). Called
 * with the thief's lock held; drops it while looking and returns with it held
 * again, cache still empty if every other cache was.
 */
static SLOW_PATH void steal(struct frame_hart *thief)
{
	struct frame_allocator *fa = thief->fa;
	mm_spin_unlock(&thief->lock);
	for (uint32_t i = 1; i < fa->nharts; i++) {
		struct frame_hart *victim = &fa->harts[(thief->id + i) % fa->nharts];
		if (__atomic_load_n(&victim->count, __ATOMIC_RELAXED) == 0)
			continue;
		lock_two(thief, victim, &thief->stats.hart_contended);
		uint64_t n = (victim->count + 1) / 2;
		move_frames(victim, thief, n);
		mm_spin_unlock(&victim->lock);
		if (n > 0) {
			stat_inc(&thief->stats.steals);
			return;
		}
		mm_spin_unlock(&thief->lock); /* emptied meanwhile: try the next one */
	}
	lock_take(&thief->lock, &thief->stats.hart_contended);
}

/*
 * --- alloc and free ---
 * Each is a fast path (own lock free at the first try, cache neither empty
 * on alloc nor full on free) that otherwise ends in a tail call to its slow
 * path; the steps both share (take_top; claim, push_top) are written once.
 */

/* Pops the top frame of hc's non-empty cache and unlocks hc. */
static inline uint64_t take_top(struct frame_hart *hc)
{
	uint64_t top = hc->count - 1;
	uint64_t idx = hc->cache[top];
	set_count(&hc->count, top);
	state_set(hc->fa, idx, ST_ALLOCATED);
	stat_inc(&hc->stats.allocs);
	mm_spin_unlock(&hc->lock);
	return index_to_pa(hc->fa, idx);
}

/* Waits for hc's lock unless locked, refills or steals, then takes a frame. */
static SLOW_PATH uint64_t alloc_slow(struct frame_hart *hc, bool locked)
{
	if (!locked)
		lock_wait(&hc->lock, &hc->stats.hart_contended);
	if (hc->count == 0 && !refill(hc))
		steal(hc);
	if (hc->count > 0)
		return take_top(hc);
	stat_inc(&hc->stats.alloc_failures);
	mm_spin_unlock(&hc->lock);
	return 0;
}

uint64_t frame_alloc(struct frame_hart *me)
{
	if (!mm_spin_try(&me->lock))
		return alloc_slow(me, false);
	if (me->count == 0)
		return alloc_slow(me, true);
	return take_top(me);
}

/*
 * With hc locked: claims frame idx for hc's cache, ALLOCATED -> here in one
 * compare-and-swap, so of two racing frees one wins. On failure *seen is the
 * state found.
 */
static inline bool claim(struct frame_hart *hc, uint64_t idx, uint32_t *seen)
{
	*seen = ST_ALLOCATED;
	return __atomic_compare_exchange_n(&hc->fa->meta[idx].state, seen, hc->place | FLAG_USED,
					   false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Unlocks hc and refuses the free of pa, whose frame was found in state seen. */
static SLOW_PATH int refuse_claim(struct frame_hart *hc, uint32_t seen, uint64_t pa)
{
	mm_spin_unlock(&hc->lock);
	return refuse(hc, seen & FLAG_USED ? FRAME_ERR_DOUBLEFREE : FRAME_ERR_NEVERALLOC, pa);
}

/* Pushes claimed frame idx on hc's cache, which has room, and unlocks hc. */
static inline int push_top(struct frame_hart *hc, uint64_t idx)
{
	uint64_t n = hc->count;
	hc->cache[n] = (uint32_t)idx;
	set_count(&hc->count, n + 1);
	stat_inc(&hc->stats.frees);
	mm_spin_unlock(&hc->lock);
	return 0;
}

/* Waits for hc's lock unless locked, claims idx, drains a full cache, pushes. */
static SLOW_PATH int free_slow(struct frame_hart *hc, uint64_t idx, uint64_t pa, bool locked)
{
	if (!locked)
		lock_wait(&hc->lock, &hc->stats.hart_contended);
	uint32_t seen;
	if (!claim(hc, idx, &seen))
		return refuse_claim(hc, seen, pa);
	if (hc->count == FRAME_CACHE_MAX)
		drain(hc);
	return push_top(hc, idx);
}

int frame_free(struct frame_hart *me, uint64_t pa)
{
	uint64_t idx;
	int err = pa_to_index(me->fa, pa, &idx);
	if (err)
		return refuse(me, err, pa);
	if (!mm_spin_try(&me->lock))
		return free_slow(me, idx, pa, false);
	if (me->count == FRAME_CACHE_MAX)
		return free_slow(me, idx, pa, true);
	uint32_t seen;
	if (!claim(me, idx, &seen))
		return refuse_claim(me, seen, pa);
	return push_top(me, idx);
}
// LAB(frames) stub
// /*
//  * TODO(lab frames): the simple allocator. Every alloc and every free takes
//  * the shared pool's lock, so on several harts they all queue on it. Give
//  * each hart a cache (frame_hart's cache[] and count) in front of the pool:
//  * refill and drain it in batches of FRAME_BATCH, and when the pool is dry,
//  * steal from the other harts' caches (frame.h and LAB.md say how).
//  */
// uint64_t frame_alloc(struct frame_hart *me)
// {
// 	struct frame_allocator *fa = me->fa;
// 	pool_lock(me);
// 	if (fa->pool.count == 0) {
// 		mm_spin_unlock(&fa->pool.lock);
// 		stat_inc(&me->stats.alloc_failures);
// 		return 0;
// 	}
// 	uint32_t idx = fa->pool.head;
// 	fa->pool.head = fa->meta[idx].next;
// 	set_count(&fa->pool.count, fa->pool.count - 1);
// 	state_set(fa, idx, ST_ALLOCATED);
// 	mm_spin_unlock(&fa->pool.lock);
// 	stat_inc(&me->stats.allocs);
// 	return index_to_pa(fa, idx);
// }
//
// int frame_free(struct frame_hart *me, uint64_t pa)
// {
// 	struct frame_allocator *fa = me->fa;
// 	uint64_t idx;
// 	int err = pa_to_index(fa, pa, &idx);
// 	if (err)
// 		return refuse(me, err, pa);
// 	pool_lock(me);
// 	uint32_t seen = ST_ALLOCATED; /* of two racing frees of one frame, one wins */
// 	if (!__atomic_compare_exchange_n(&fa->meta[idx].state, &seen, PLACE_POOL | FLAG_USED,
// 					 false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
// 		mm_spin_unlock(&fa->pool.lock);
// 		return refuse(me, seen & FLAG_USED ? FRAME_ERR_DOUBLEFREE : FRAME_ERR_NEVERALLOC,
// 			      pa);
// 	}
// 	fa->meta[idx].next = fa->pool.head;
// 	fa->pool.head = (uint32_t)idx;
// 	set_count(&fa->pool.count, fa->pool.count + 1);
// 	mm_spin_unlock(&fa->pool.lock);
// 	stat_inc(&me->stats.frees);
// 	return 0;
// }
// LAB(frames) end

/* --- reports --- */

int frame_last_error(const struct frame_hart *me, uint64_t *pa)
{
	if (pa)
		*pa = me->last_err_pa;
	return me->last_err;
}

static uint64_t stat_get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

int frame_hart_stats(const struct frame_allocator *fa, uint32_t hart, struct frame_stats *out)
{
	if (hart >= fa->nharts)
		return FRAME_ERR_BADHART;
	const struct frame_stats *s = &fa->harts[hart].stats;
	out->allocs = stat_get(&s->allocs);
	out->frees = stat_get(&s->frees);
	out->alloc_failures = stat_get(&s->alloc_failures);
	out->bad_frees = stat_get(&s->bad_frees);
	out->refills = stat_get(&s->refills);
	out->drains = stat_get(&s->drains);
	out->steals = stat_get(&s->steals);
	out->pool_locks = stat_get(&s->pool_locks);
	out->pool_contended = stat_get(&s->pool_contended);
	out->hart_contended = stat_get(&s->hart_contended);
	return 0;
}

uint64_t frame_count_total(const struct frame_allocator *fa)
{
	return fa->total_frames;
}

uint64_t frame_hart_cached(const struct frame_allocator *fa, uint32_t hart)
{
	return hart < fa->nharts ? __atomic_load_n(&fa->harts[hart].count, __ATOMIC_RELAXED) : 0;
}

uint64_t frame_count_free(const struct frame_allocator *fa)
{
	uint64_t n = __atomic_load_n(&fa->pool.count, __ATOMIC_RELAXED);
	for (uint32_t h = 0; h < fa->nharts; h++)
		n += __atomic_load_n(&fa->harts[h].count, __ATOMIC_RELAXED);
	return n;
}

/* --- consistency check --- */

/* Marks idx as found on the list of place; false if it is no frame, or belongs elsewhere. */
static bool mark_seen(struct frame_allocator *fa, uint64_t idx, uint32_t place)
{
	if (idx >= fa->total_frames)
		return false;
	uint32_t state = state_get(fa, idx);
	if ((state & PLACE_MASK) != place || (state & FLAG_SEEN))
		return false;
	state_set(fa, idx, state | FLAG_SEEN);
	return true;
}

/* Walks the pool and the caches; *bad is the first misplaced index. */
static bool lists_ok(struct frame_allocator *fa, uint64_t *bad)
{
	uint64_t idx = fa->pool.head;
	for (uint64_t i = 0; i < fa->pool.count; i++, idx = fa->meta[idx].next) {
		if (!mark_seen(fa, idx, PLACE_POOL)) {
			*bad = idx;
			return false;
		}
	}
	if (idx != NO_FRAME) { /* longer than its count */
		*bad = idx;
		return false;
	}
	for (uint32_t h = 0; h < fa->nharts; h++) {
		const struct frame_hart *hc = &fa->harts[h];
		for (uint64_t i = 0; i < hc->count; i++) {
			if (!mark_seen(fa, hc->cache[i], hc->place)) {
				*bad = hc->cache[i];
				return false;
			}
		}
	}
	return true;
}

/* Clears the marks; true unless a free frame was on no list (*bad: the first). */
static bool unmark_all(struct frame_allocator *fa, uint64_t *bad)
{
	bool ok = true;
	for (uint64_t idx = 0; idx < fa->total_frames; idx++) {
		uint32_t state = state_get(fa, idx);
		if (!(state & FLAG_SEEN) && state != ST_ALLOCATED && ok) {
			*bad = idx;
			ok = false;
		}
		state_set(fa, idx, state & ~FLAG_SEEN);
	}
	return ok;
}

int frame_check(struct frame_allocator *fa, uint64_t *bad_pa)
{
	uint64_t contended = 0; /* not any hart's: nowhere to count it */
	for (uint32_t h = 0; h < fa->nharts; h++)
		lock_take(&fa->harts[h].lock, &contended);
	lock_take(&fa->pool.lock, &contended);

	uint64_t bad = NO_FRAME, stray = NO_FRAME;
	bool lists = lists_ok(fa, &bad);
	bool all_listed = unmark_all(fa, &stray);
	if (lists)
		bad = stray;

	mm_spin_unlock(&fa->pool.lock);
	for (uint32_t h = 0; h < fa->nharts; h++)
		mm_spin_unlock(&fa->harts[h].lock);
	if (lists && all_listed)
		return 0;
	if (bad_pa)
		*bad_pa = bad < fa->total_frames ? index_to_pa(fa, bad) : 0;
	return FRAME_ERR_CORRUPT;
}
