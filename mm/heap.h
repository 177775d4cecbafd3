/*
 * mm/heap.h - the checked block heap: kmalloc in the kernel, malloc in user space.
 *
 * The NuummiteOS block design (shared/seeds/004). Memory comes in chunks from
 * a backing (struct heap_backing: page frames in the kernel, sbrk in user
 * space) and is cut into blocks that tile each chunk exactly:
 *
 *   offset 0          magic   u64  safety nibbles + flag nibbles (below)
 *          8          size    u64  the whole block in bytes, header to trailer:
 *                                  a multiple of 16, at least HEAP_MIN_BLOCK_BYTES
 *         16          next    u64  address of the following block of the chunk,
 *                                  0 for the chunk's last block
 *         24          payload      16-byte aligned, size - 32 bytes
 *   size - 8          trailer u64  HEAP_TRAILER_USED while used, GC-scheduled or quick,
 *                                  the block's own address while free
 *
 * Blocks start at 8 mod 16, so every payload is 16-byte aligned. The header is
 * the seed's 64-bit one; the trailer (a boundary tag, as in Knuth's TAOCP
 * 2.5) is magma's addition: it lets a free find the block before it without
 * reading user data, and a used trailer that changed is a payload overrun.
 * A free block keeps its free-list links in its payload (prev at 24, next at
 * 32); a GC-scheduled block keeps its remote-list link at 24; a quick-listed
 * block keeps nothing in its payload (its arena's quick list holds it).
 *
 * Magic. Each byte pairs a 4-bit safety nibble S (fixed) with a 4-bit flag
 * nibble F. "SF" means S in the high nibble and F in the low one, "FS" the
 * other way round. Bytes 0..3 are SF SF FS FS, bytes 4..7 FS FS SF SF (byte 0
 * is the least significant, the u64 is little-endian). magma's safety nibbles,
 * bytes 0..7, are A 5 C 3 9 6 E 7 (no 0 or F, so zeroed or erased memory never
 * passes). All eight flag nibbles of a valid header hold the same flag:
 *
 *   Init (free) 0x70E00609030C50A0   Used 0x71E11619131C51A1   GC 0x72E22629232C52A2
 *   Quick       0x73E33639333C53A3
 *
 * Size classes and quick lists (the fast path). A request of up to
 * HEAP_QUICK_MAX_BYTES is rounded up to one of HEAP_QUICK_CLASSES payload
 * sizes: 16..128 in steps of 16, then four per power of two (160, 192, 224,
 * 256, 320, ... 4096), so at most a quarter of a payload is rounding. A
 * block of a class size freed on its own arena's hart is not coalesced at
 * once: it is flagged Quick (magic, trailer and size stay valid, so
 * neighbours, heap_check and heap_stats see a whole block that is neither
 * used nor free) and pushed on its arena's quick list for that class, an
 * array of up to HEAP_QUICK_DEPTH addresses in the arena itself (LIFO; no
 * link is kept in the payload, so a write after free cannot forge one). An
 * alloc of that class pops the last one after one compare of its magic and
 * size. A full list, an empty one, a block of another size or arena, and
 * anything that does not look exactly right fall to the general path
 * (bins, splitting, coalescing), which validates everything and reports
 * precisely; before the general path grows an arena it flushes the arena's
 * quick lists (coalescing), so cached blocks never make the heap bigger.
 * What it costs, in RISC-V instructions per kmalloc+kfree pair (make bench:
 * QEMU -icount, kmalloc's own interrupt masking included, the benchmark
 * loop's own work not): one size freed at once 196; sizes 16..256 with 64
 * live 195; sizes 16..4096 with 1024 live 199, where about one call in 170
 * finds its list empty or full and takes the general path (about 900 a
 * pair, mostly validation: chunk lookups, neighbours' headers, free-list
 * links). The depth sets that share: with 16 blocks a list one call in 16
 * fell through, and the mixed pattern took 269; with 32, 208. Before the
 * quick lists every call took the general path: 1,698. A free finds its
 * block's chunk through a per-arena cache by address (HEAP_CHUNK_CACHE
 * granules) instead of searching the chunks. The price is memory: the
 * rounding (the mixed pattern uses 8% more), up to HEAP_QUICK_DEPTH blocks
 * per class held back from coalescing (there 566 KiB of a 4 MiB heap, given
 * back by the flush before any growth), and the lists themselves (14 KiB an
 * arena; a user program's heap has one arena).
 *
 * Checking. Every call validates each header it touches (magic, size, next
 * against size and the chunk, trailer, free-list links) before it follows a
 * pointer from it, and reports the first bad one as a struct heap_fault: the
 * block's address, the field, the value found and the value expected. The
 * library never panics: the kernel decides what a fault means.
 *
 * Concurrency: per-hart arenas. Each arena owns its chunks and free lists and
 * has a spinlock that only its owner takes on alloc and free (and
 * heap_check/heap_stats while they read it), so on the fast path the lock is
 * never contended and never written by another hart. A block freed by a hart
 * of another arena is marked GC-scheduled with one compare-and-swap and
 * pushed on the owner's lock-free remote-free list; the owner reclaims (and
 * coalesces) the list at its next allocation. A free therefore never takes
 * another hart's lock. The lock is still there so that the heap stays correct
 * if two threads pass the same hart number (user-space threads, a kernel
 * thread that migrated). Why arenas and not one lock: tests/bench/bench_heap.c
 * (x86-64 host, 2 cores shared with other jobs, hence ranges over several
 * runs; measured before the quick lists, which made one thread about 1.7
 * times faster there; wall time per alloc or free, all threads together;
 * each thread keeps 1024 live blocks of 16..4096 bytes and hands one in
 * eight to another thread to free):
 *
 *   threads   per-hart arenas   one locked arena
 *      2        26-43 ns/op       88-233 ns/op
 *      4        29-48 ns/op      177-441 ns/op
 *
 * With one lock every operation moves the lock's cache line between cores
 * and waiters spin; with arenas the harts share nothing but the rare remote
 * free. On one thread the heap takes 42-50 ns/op against 445-458 ns/op for
 * K&R first fit (whose free walks an address-ordered list).
 *
 * It relies on: the backing returning memory that nothing else uses; the
 * caller never re-entering the heap on the same hart (in the kernel, interrupts
 * off around a call); a 64-bit target (the seed's 64-bit layout).
 * It never: includes kernel headers, calls the C library (the compiler may
 * emit memset/memcpy, which every magma image has in lib/string.c), panics,
 * follows an unvalidated pointer, or returns memory to the backing.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "spin.h"

enum heap_error {
	HEAP_ERR_NOMEM = -1,       /* the backing has no more memory */
	HEAP_ERR_TOO_BIG = -2,     /* size above HEAP_MAX_ALLOC_BYTES (would overflow) */
	HEAP_ERR_BAD_ARG = -3,     /* NULL backing or grow, narenas not 1..HEAP_MAX_ARENAS */
	HEAP_ERR_BAD_POINTER = -4, /* not a payload start of this heap: outside every chunk,
				      misaligned, or no block header (magic) at ptr - 24 */
	HEAP_ERR_DOUBLE_FREE = -5, /* the block is already free, GC-scheduled or quick-listed */
	HEAP_ERR_MAGIC = -6,       /* a header's safety nibbles are wrong */
	HEAP_ERR_FLAGS = -7,       /* flag nibbles differ, or hold no valid flag */
	HEAP_ERR_SIZE = -8,        /* size misaligned, too small, or past the chunk's end */
	HEAP_ERR_NEXT = -9,        /* next is not the block that size says follows */
	HEAP_ERR_TRAILER = -10,    /* trailer changed (payload overrun) or inconsistent */
	HEAP_ERR_LINK = -11,       /* a free-list or remote-list link is bad, or the bins
				      or quick lists disagree with the blocks */
	HEAP_ERR_COALESCE = -12,   /* two neighbouring free blocks (coalescing missed) */
	HEAP_ERR_BACKING = -13,    /* grow() returned too little, a wrapping range or
				      memory the heap already has */
	HEAP_ERR_CHUNKS = -14,     /* the chunk table (HEAP_MAX_CHUNKS) is full */
};

/* Block layout (see the top comment). */
#define HEAP_HEADER_BYTES    24
#define HEAP_TRAILER_BYTES   8
#define HEAP_ALIGN_BYTES     16
#define HEAP_MIN_BLOCK_BYTES 48 /* header, two free-list links, trailer */
#define HEAP_TRAILER_USED    0x5afe5afe5afe5afeull

enum heap_flag {
	HEAP_FLAG_INIT = 0, /* free */
	HEAP_FLAG_USED = 1,
	HEAP_FLAG_GC = 2,    /* freed by a hart of another arena, not yet reclaimed */
	HEAP_FLAG_QUICK = 3, /* freed on its arena, cached on a quick list, not coalesced */
};

#define HEAP_MAGIC_SAFETY      0x70E00609030C50A0ull /* the safety nibbles, in place */
#define HEAP_MAGIC_SAFETY_MASK 0xF0F00F0F0F0FF0F0ull /* where the safety nibbles are */
#define HEAP_MAGIC_FLAG_SPREAD 0x0101101010100101ull /* a 1 in every flag nibble */
#define HEAP_MAGIC(flag)       (HEAP_MAGIC_SAFETY | (uint64_t)(flag)*HEAP_MAGIC_FLAG_SPREAD)

/* Larger requests are refused with HEAP_ERR_TOO_BIG before any arithmetic. */
#define HEAP_MAX_ALLOC_BYTES (SIZE_MAX / 2)
/* A user program, one thread, builds with 1: its struct heap is then an eighth of the size. */
#ifndef HEAP_MAX_ARENAS
#define HEAP_MAX_ARENAS 8
#endif
#define HEAP_MAX_CHUNKS 64
/* An arena asks the backing for at least this, and at least what it holds (doubling). */
#define HEAP_GROW_MIN_BYTES (64 * 1024)
#define HEAP_BINS           128
/* The fast path (see the top comment): size classes up to this payload, quick lists. */
#define HEAP_QUICK_MAX_BYTES 4096
#define HEAP_QUICK_CLASSES   28
#define HEAP_QUICK_DEPTH     64
#define HEAP_CHUNK_CACHE     64 /* granules a free finds its chunk in at once: 4 MiB */

/*
 * Where memory comes from. grow() returns at least min_bytes of memory
 * nobody else uses and stores the amount in *got_bytes, or returns NULL. The
 * heap never gives memory back. grow() is called with the heap's grow lock
 * held, so it need not be safe against itself, and with an arena lock held,
 * so it must not call the heap.
 */
struct heap_backing {
	void *(*grow)(void *ctx, size_t min_bytes, size_t *got_bytes);
	void *ctx;
};

/*
 * What went wrong, where. Every call that takes one sets err: 0 on success
 * (the other fields are then left as they were), else all fields.
 */
struct heap_fault {
	int err;           /* HEAP_ERR_* */
	uintptr_t block;   /* the block's address (header), or the bad pointer */
	const char *field; /* "magic", "magic flags", "size", "next", "trailer", ... */
	uint64_t found;    /* the value read */
	uint64_t expected; /* the value (or limit) it should have had */
	const char *op;    /* "heap_alloc", "heap_free", "heap_check", ... */
	unsigned hart;     /* the hart the call was made on (heap_check: the arena walked) */
};

/* Figures from one walk of the whole heap (heap_stats()). */
struct heap_stats {
	size_t total_bytes;        /* all chunks, as cut from the backing's memory */
	size_t used_bytes;         /* used blocks, header and trailer included */
	size_t used_payload_bytes; /* what the owners of the used blocks may use */
	size_t free_bytes;         /* free blocks, header and trailer included */
	size_t pending_bytes;      /* GC-scheduled blocks, reclaimed at the owner's next alloc */
	size_t quick_bytes;        /* quick-listed blocks, reused by allocs of their class */
	size_t used_blocks, free_blocks, pending_blocks, quick_blocks;
	size_t largest_free_bytes; /* the largest free block, header and trailer included */
	size_t chunks;             /* chunks obtained from the backing */
	size_t grow_calls;         /* calls of the backing's grow(), failed ones too */
};

/* The rest of this header is private to mm/heap*.c; it is here for sizeof. */
struct heap_chunk {
	uintptr_t base, end; /* blocks tile [base, end); base is 8 mod 16 */
	unsigned arena;
};

struct heap_arena {
	struct mm_spin lock;
	unsigned index;
	uintptr_t remote_head; /* lock-free stack of GC-scheduled blocks, pushed by others */
	/* the chunk last found for each HEAP_GROW_MIN_BYTES granule (by address, modulo the
	   cache size): a free looks there before it searches the chunks */
	const struct heap_chunk *chunk_cache[HEAP_CHUNK_CACHE];
	/* the quick lists: Quick blocks by class, the last pushed at quick_count - 1 */
	uint8_t quick_count[HEAP_QUICK_CLASSES];
	uintptr_t quick[HEAP_QUICK_CLASSES][HEAP_QUICK_DEPTH];
	size_t total_bytes; /* in this arena's chunks */
	size_t grow_calls;
	uint64_t bin_bits[HEAP_BINS / 64]; /* bit b set: bin_head[b] != 0 */
	uintptr_t bin_head[HEAP_BINS];     /* doubly linked lists of free blocks by size */
} __attribute__((aligned(64)));

struct heap {
	struct heap_backing backing;
	unsigned narenas;
	struct mm_spin grow_lock; /* serializes grow() and appends to chunks[] */
	unsigned nchunks;         /* published with release; entries below it never change */
	struct heap_chunk chunks[HEAP_MAX_CHUNKS];
	/* size classes, filled by heap_init: the class of a payload of 16 * u bytes, and
	   each class's block size */
	uint8_t quick_class[HEAP_QUICK_MAX_BYTES / HEAP_ALIGN_BYTES + 1];
	uint16_t quick_block_bytes[HEAP_QUICK_CLASSES];
	struct heap_arena *arena_at[HEAP_MAX_ARENAS]; /* &arenas[i]: one load, not a multiply */
	struct heap_arena arenas[HEAP_MAX_ARENAS];
};

/* A short English description of a HEAP_ERR_* code. */
const char *heap_strerror(int err);

/*
 * Sets up an empty heap over backing (copied) with narenas arenas
 * (1..HEAP_MAX_ARENAS; 1 makes a single-lock heap). Hart h uses arena
 * h % narenas. No memory is taken from the backing until the first alloc.
 * Returns 0 or HEAP_ERR_BAD_ARG.
 */
int heap_init(struct heap *heap, const struct heap_backing *backing, unsigned narenas);

/*
 * A payload of at least size_bytes (0 is allowed and gives a unique pointer;
 * up to HEAP_QUICK_MAX_BYTES rounded up to a size class), 16-byte aligned,
 * uninitialized, owned by hart's arena; NULL on failure with
 * *fault filled: HEAP_ERR_TOO_BIG, _NOMEM, _BACKING, _CHUNKS, or a corruption
 * found in a free block or the remote-free list. Grows the arena when no free
 * block fits. fault must not be NULL (here and below).
 */
void *heap_alloc(struct heap *heap, unsigned hart, size_t size_bytes, struct heap_fault *fault);

/*
 * Frees a payload returned by heap_alloc/heap_realloc, on any hart. NULL is
 * a no-op. A block of a size class freed on its own arena goes on a quick
 * list while there is room; other blocks of the arena are coalesced. A
 * block of another arena is GC-scheduled and handed to its owner without
 * taking the owner's lock. Returns 0, or HEAP_ERR_BAD_POINTER,
 * _DOUBLE_FREE, _TRAILER (the payload was overrun) or a corruption of the
 * block or its neighbours; on error nothing changed.
 */
int heap_free(struct heap *heap, unsigned hart, void *ptr, struct heap_fault *fault);

/*
 * C's realloc: ptr NULL allocates; size 0 keeps a smallest block (it does not
 * free). Otherwise the payload is resized in place when possible (the block
 * is of hart's arena and shrinks, or its free neighbour has room), else moved
 * to a new block of hart's arena with the old bytes copied. Returns the
 * payload, or NULL with *fault filled, in which case the old payload is
 * unchanged and still allocated.
 */
void *heap_realloc(struct heap *heap, unsigned hart, void *ptr, size_t size_bytes,
		   struct heap_fault *fault);

/*
 * Stores in *size_bytes how many bytes the payload at ptr may hold (at least
 * what was asked for, a multiple of 16). Returns 0 or an error as heap_free.
 */
int heap_usable_size(struct heap *heap, const void *ptr, size_t *size_bytes,
		     struct heap_fault *fault);

/*
 * Empties the quick lists of hart's arena: each block is freed the general
 * way, coalesced with its free neighbours. The heap does this itself before
 * it grows; heap_flush is for callers that want the free memory whole (a
 * test, a figure of fragmentation). Returns 0 or the fault found in a
 * quick-listed block (which then stays listed, with the ones below it).
 */
int heap_flush(struct heap *heap, unsigned hart, struct heap_fault *fault);

/*
 * Walks every block of every arena, and every bin, quick list and
 * remote-free list, and reports the first fault: a bad header (by block and field), a changed
 * trailer, two neighbouring free blocks, a bin or quick list whose entries
 * disagree with the blocks. Takes each arena's lock in turn. Returns 0 or
 * the HEAP_ERR_* code.
 */
int heap_check(struct heap *heap, struct heap_fault *fault);

/* heap_check() that also adds up *stats (zeroed first). Returns 0 or the fault's code. */
int heap_stats(struct heap *heap, struct heap_stats *stats, struct heap_fault *fault);

/* Fragmentation of the free memory, 1 - largest_free / free, in thousandths (0..1000). */
unsigned heap_fragmentation_permille(const struct heap_stats *stats);

#endif
