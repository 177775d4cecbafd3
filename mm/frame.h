/*
 * mm/frame.h - the physical frame allocator: 4096-byte frames, named by their
 * physical address, handed out on every hart from a small per-hart cache that
 * is refilled from (and drained to) one shared pool in batches.
 *
 * It relies on: a sorted list of page-aligned usable ranges (mm/memmap makes
 * it from the device tree), a metadata area from the caller (8 bytes per
 * frame, frame_meta_bytes()), and each hart's handle being used by one thread
 * at a time, never re-entered: in the kernel, interrupts stay off around a
 * call. Physical addresses are used as they are; in the kernel PA == VA, on
 * the host a test passes the addresses of an ordinary buffer.
 *
 * It never touches the frames' contents (free-list links live in the
 * metadata, so a stray write into a free frame cannot corrupt the allocator),
 * never panics and never includes kernel headers. A free of anything but an
 * allocated frame is refused with a negative FRAME_ERR_* code, and the hart
 * remembers the offending address (frame_last_error()).
 *
 *   frame_init(&fa, ranges, n, meta, meta_size_bytes, nharts);
 *   struct frame_hart *me = frame_hart(&fa, hartid);   once per hart
 *   uint64_t pa = frame_alloc(me);                     0: out of memory
 *   int err = frame_free(me, pa);                      any hart may free it
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "page.h"
#include "spin.h"

enum frame_error {
	FRAME_ERR_BADARG = -1,      /* NULL pointer, nharts or nranges out of bounds */
	FRAME_ERR_BADRANGE = -2,    /* range misaligned, empty, wrapping, at PA 0, or unsorted */
	FRAME_ERR_TOOMANY = -3,     /* more than FRAME_MAX_FRAMES frames */
	FRAME_ERR_METASIZE = -4,    /* metadata area too small or misaligned */
	FRAME_ERR_METAOVERLAP = -5, /* metadata area lies inside a usable range */
	FRAME_ERR_BADHART = -6,     /* hart >= the nharts given to frame_init() */
	FRAME_ERR_MISALIGNED = -7,  /* freed address is not a multiple of MM_PAGE_SIZE */
	FRAME_ERR_NOTMANAGED = -8,  /* freed address is in a hole or outside every range */
	FRAME_ERR_DOUBLEFREE = -9,  /* freed frame is already free */
	FRAME_ERR_NEVERALLOC = -10, /* freed frame was never handed out */
	FRAME_ERR_CORRUPT = -11,    /* frame_check(): a frame's state disagrees with its list */
};

#define FRAME_MAX_HARTS  16
#define FRAME_MAX_RANGES 64          /* as many as mm/memmap can produce */
#define FRAME_MAX_FRAMES 0xfffffffeu /* frames are indexed by uint32_t; ~0 ends a list */

/*
 * A hart's cache holds at most FRAME_CACHE_MAX frames. An alloc that finds it
 * empty refills FRAME_BATCH frames from the pool; a free that finds it full
 * drains FRAME_BATCH to the pool. Both leave it half full, so a hart that
 * alternates allocs and frees near either edge does not bounce against the
 * pool. At most FRAME_MAX_HARTS * FRAME_CACHE_MAX frames (4 MiB) sit in caches.
 */
#define FRAME_CACHE_MAX 64
#define FRAME_BATCH     32

/*
 * A usable physical range [base, base + size), both multiples of MM_PAGE_SIZE.
 * It may end exactly at 2^64 (base + size wraps to 0 there).
 */
struct frame_range {
	uint64_t base;
	uint64_t size;
};

/* Counts kept by each hart about its own calls. */
struct frame_stats {
	uint64_t allocs;         /* frames handed out */
	uint64_t frees;          /* frames taken back */
	uint64_t alloc_failures; /* allocs that returned 0 (out of memory) */
	uint64_t bad_frees;      /* frees refused with an error */
	uint64_t refills;        /* batches moved pool -> cache */
	uint64_t drains;         /* batches moved cache -> pool */
	uint64_t steals;         /* times this hart took frames from another hart's cache */
	uint64_t pool_locks;     /* times this hart took the shared pool's lock */
	uint64_t pool_contended; /* pool lock found held (trylock failed) before taking it */
	uint64_t hart_contended; /* a hart-cache lock found held: own (by a thief) or a victim's */
};

/* The rest of this block is private to mm/frame.c; it is here for sizeof. */
struct frame_meta; /* one per frame, in the caller's metadata area */
struct frame_allocator;

struct frame_hart {
	struct mm_spin lock; /* taken by the owner on every call, and by a thief */
	uint64_t count;      /* frames in cache[] */
	struct frame_allocator *fa;
	uint32_t id;    /* hart number */
	uint32_t place; /* the state value of a frame in this cache */
	uint32_t cache[FRAME_CACHE_MAX];
	struct frame_stats stats;
	int last_err;
	uint64_t last_err_pa;
} __attribute__((aligned(64))); /* harts share no cache line */

struct frame_span {
	uint64_t base_pfn; /* base / MM_PAGE_SIZE */
	uint64_t first;    /* index of the span's first frame */
	uint64_t nframes;
};

struct frame_allocator {
	uint32_t nharts, total_frames;
	struct frame_meta *meta;
	struct frame_span spans[FRAME_MAX_RANGES + 1]; /* largest first; ends with nframes 0 */
	struct {
		struct mm_spin lock;
		uint64_t count;
		uint32_t head; /* first frame of the list linked through frame_meta */
	} pool __attribute__((aligned(64)));
	struct frame_hart harts[FRAME_MAX_HARTS];
};

/* A short English description of a FRAME_ERR_* code. */
const char *frame_strerror(int err);

/* Bytes of metadata that frame_init() needs for nframes frames (8 each). */
size_t frame_meta_bytes(uint64_t nframes);

/*
 * Sets up fa over nranges ranges (sorted by base, not overlapping, each page
 * aligned and not containing address 0, which means "no frame"), for harts
 * 0..nharts-1 (1..FRAME_MAX_HARTS). meta is the caller's metadata area of
 * meta_size_bytes, 8-byte aligned, at least frame_meta_bytes(total frames),
 * outside every range (its address is compared as a physical address). All
 * frames start in the pool. Returns 0 or a negative FRAME_ERR_*; on error fa
 * must not be used.
 */
int frame_init(struct frame_allocator *fa, const struct frame_range *ranges, size_t nranges,
	       void *meta, size_t meta_size_bytes, uint32_t nharts);

/*
 * The handle through which hart allocates and frees (the kernel keeps it in
 * its per-hart state), or NULL when hart >= nharts.
 */
struct frame_hart *frame_hart(struct frame_allocator *fa, uint32_t hart);

/*
 * Hands out one frame on hart me: its physical address, or 0 when no frame
 * is free. Out of memory is not sticky: once frames are freed, allocs succeed
 * again. Under concurrency 0 means that one pass over the pool and the other
 * harts' caches found nothing.
 */
uint64_t frame_alloc(struct frame_hart *me);

/*
 * Takes back the frame at pa on hart me (any hart may free a frame any hart
 * allocated). Returns 0, or FRAME_ERR_MISALIGNED, _NOTMANAGED, _DOUBLEFREE
 * or _NEVERALLOC; a refused free changes nothing but the hart's bad_frees
 * count and last error.
 */
int frame_free(struct frame_hart *me, uint64_t pa);

/*
 * The last error a free on hart me was refused with (0 if none yet), and in
 * *pa, when pa is not NULL, the address it was given. Call it on that hart.
 */
int frame_last_error(const struct frame_hart *me, uint64_t *pa);

/* Copies hart's statistics into *out (any hart may ask). 0 or FRAME_ERR_BADHART. */
int frame_hart_stats(const struct frame_allocator *fa, uint32_t hart, struct frame_stats *out);

/* Frames under management (the usable ranges, in frames). */
uint64_t frame_count_total(const struct frame_allocator *fa);

/* Free frames, in the pool and all caches: exact when no call is in progress. */
/* Free frames in hart's cache now (a racy snapshot, for reports). */
uint64_t frame_hart_cached(const struct frame_allocator *fa, uint32_t hart);
uint64_t frame_count_free(const struct frame_allocator *fa);

/*
 * Verifies, under all locks, that every frame in the pool and in each cache
 * has the state of that list, appears once, and that no free frame is missing
 * from the lists. Slow (walks all metadata); for tests and self-checks.
 * Returns 0, or FRAME_ERR_CORRUPT with the first bad frame's address in
 * *bad_pa (when not NULL; 0 when a list holds an index that is no frame).
 */
int frame_check(struct frame_allocator *fa, uint64_t *bad_pa);

#endif
