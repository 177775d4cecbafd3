/*
 * tests/fuzz/fuzz_heap.c - libFuzzer target: input bytes as a program for mm/heap.
 *
 * Each operation is an opcode byte and its operand bytes (missing bytes read
 * as 0): alloc, free, realloc, a free of a bad pointer, a double free, one
 * flipped header or trailer byte of a live block or of a quick-listed one,
 * a flush of the quick lists, a stats comparison. Three harts share two
 * arenas, so frees and reallocs cross arenas. A model of the live payloads
 * (pointer, size, fill byte) is checked along the way: payloads keep their
 * bytes, never overlap the heap's own words, and the heap's figures match.
 * After every operation heap_check() must be clean, and every corruption
 * must be reported with the right block and field and then be repaired.
 * The backing is a static pool whose unused parts are poisoned for
 * AddressSanitizer, so a heap read outside its chunks stops the run.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_heap.c mm/heap*.c \
 *         -o build/fuzz/fuzz_heap && build/fuzz/fuzz_heap -max_total_time=60
 */
#include <sanitizer/asan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../mm/heap.h"

#define POOL_BYTES      (4u << 20)
#define CHUNK_GAP_BYTES 64 /* chunks are not contiguous */
#define SLOTS           32
#define HARTS           3
#define ARENAS          2

static unsigned char pool[POOL_BYTES] __attribute__((aligned(4096)));
static size_t pool_used;
static struct heap heap;

struct slot {
	unsigned char *p; /* NULL: empty */
	size_t size_bytes;
	size_t usable_bytes;
	unsigned char fill;
};
static struct slot slots[SLOTS];

struct program {
	const uint8_t *next;
	size_t left;
};

static unsigned byte(struct program *prog)
{
	if (!prog->left)
		return 0;
	prog->left--;
	return *prog->next++;
}

static void *pool_grow(void *ctx, size_t min_bytes, size_t *got_bytes)
{
	(void)ctx;
	size_t start = pool_used + CHUNK_GAP_BYTES;
	if (start > POOL_BYTES || min_bytes > POOL_BYTES - start)
		return NULL;
	pool_used = start + min_bytes;
	ASAN_UNPOISON_MEMORY_REGION(pool + start, min_bytes);
	*got_bytes = min_bytes;
	return pool + start;
}

static void die(const char *what, const struct heap_fault *f)
{
	fprintf(stderr, "fuzz_heap: %s: %s (%d) in %s, block 0x%lx field %s found 0x%llx", what,
		heap_strerror(f->err), f->err, f->op, (unsigned long)f->block, f->field,
		(unsigned long long)f->found);
	fprintf(stderr, " expected 0x%llx\n", (unsigned long long)f->expected);
	abort();
}

static size_t usable(const void *p)
{
	size_t n;
	struct heap_fault f;
	if (heap_usable_size(&heap, p, &n, &f))
		die("usable size of a live payload", &f);
	return n;
}

/* Sizes: mostly below 64 KiB, sometimes huge (must fail cleanly). */
static size_t read_size(struct program *prog)
{
	unsigned mode = byte(prog);
	size_t size = byte(prog) | (size_t)byte(prog) << 8;
	if (mode % 16 == 0)
		return SIZE_MAX - size;
	if (mode % 16 == 1)
		return size << 12;
	return mode & 0x80 ? size : size % 512;
}

static bool overlaps_another(size_t me)
{
	/* the payload plus the heap's words around it: header before, trailer after */
	uintptr_t a = (uintptr_t)slots[me].p - HEAP_HEADER_BYTES;
	uintptr_t a_end = (uintptr_t)slots[me].p + slots[me].usable_bytes + HEAP_TRAILER_BYTES;
	for (size_t i = 0; i < SLOTS; i++) {
		uintptr_t b = (uintptr_t)slots[i].p, b_end = b + slots[i].usable_bytes;
		if (i != me && slots[i].p && a < b_end && b < a_end)
			return true;
	}
	return false;
}

static void refill(struct slot *s, unsigned char fill)
{
	s->fill = fill;
	memset(s->p, fill, s->size_bytes);
}

static void verify(const struct slot *s, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++) {
		if (s->p[i] != s->fill) {
			fprintf(stderr, "fuzz_heap: payload %p byte %zu changed\n", (void *)s->p,
				i);
			abort();
		}
	}
}

/* A failed alloc or realloc must be for want of memory or a too-big size. */
static void expect_no_memory(const struct heap_fault *f)
{
	if (f->err != HEAP_ERR_NOMEM && f->err != HEAP_ERR_TOO_BIG)
		die("alloc failed", f);
}

static void op_alloc(struct program *prog, struct slot *s, unsigned hart)
{
	struct heap_fault f;
	size_t size = read_size(prog);
	if (s->p)
		return;
	s->p = heap_alloc(&heap, hart, size, &f);
	if (!s->p) {
		expect_no_memory(&f);
		return;
	}
	s->size_bytes = size;
	s->usable_bytes = usable(s->p);
	if ((uintptr_t)s->p % 16 || s->usable_bytes < size || overlaps_another(s - slots))
		die("bad payload", &f);
	refill(s, (unsigned char)(byte(prog) | 1));
}

static void op_free(struct slot *s, unsigned hart, bool twice)
{
	struct heap_fault f;
	if (!s->p)
		return;
	verify(s, s->size_bytes);
	if (heap_free(&heap, hart, s->p, &f))
		die("free of a live payload", &f);
	if (twice) {
		int err = heap_free(&heap, (hart + 1) % HARTS, s->p, &f);
		if (err != HEAP_ERR_DOUBLE_FREE && err != HEAP_ERR_BAD_POINTER)
			die("double free not caught", &f);
	}
	s->p = NULL;
}

static void op_realloc(struct program *prog, struct slot *s, unsigned hart)
{
	struct heap_fault f;
	size_t size = read_size(prog);
	if (!s->p)
		return;
	unsigned char *q = heap_realloc(&heap, hart, s->p, size, &f);
	if (!q) {
		expect_no_memory(&f);
		verify(s, s->size_bytes);
		return;
	}
	s->p = q;
	verify(s, size < s->size_bytes ? size : s->size_bytes);
	s->size_bytes = size;
	s->usable_bytes = usable(q);
	if ((uintptr_t)q % 16 || s->usable_bytes < size || overlaps_another(s - slots))
		die("bad payload after realloc", &f);
	refill(s, (unsigned char)(byte(prog) | 1));
}

/* Pointers that are no payload start: every call must refuse them. */
static void op_bad_pointer(struct program *prog, const struct slot *s, unsigned hart)
{
	int on_stack[4];
	unsigned k = byte(prog);
	unsigned char *bad;
	if (k % 4 == 0 && s->p && s->usable_bytes > 16)
		bad = s->p + 16 + 16 * (k / 4 % (s->usable_bytes / 16 - 1)); /* inside a payload */
	else if (k % 4 == 1 && s->p)
		bad = s->p + 1 + k / 4 % 15; /* misaligned */
	else if (k % 4 == 2)
		bad = pool + CHUNK_GAP_BYTES / 2; /* the backing's, before the first chunk */
	else
		bad = (unsigned char *)on_stack;
	struct heap_fault f;
	size_t n;
	if (heap_free(&heap, hart, bad, &f) != HEAP_ERR_BAD_POINTER ||
	    heap_realloc(&heap, hart, bad, 1, &f) || f.err != HEAP_ERR_BAD_POINTER ||
	    heap_usable_size(&heap, bad, &n, &f) != HEAP_ERR_BAD_POINTER)
		die("bad pointer not refused", &f);
}

/* The field a flip of header byte i by mask must be reported as. */
static const char *header_field(unsigned i, uint8_t mask)
{
	if (i >= 16)
		return "next";
	if (i >= 8)
		return "size";
	bool safety_high = i < 2 || i >= 6;
	return mask & (safety_high ? 0xf0 : 0x0f) ? "magic" : "magic flags";
}

/* Flips one byte of a live block's header or trailer: it must be found, then repaired. */
static void op_corrupt(struct program *prog, const struct slot *s, unsigned hart)
{
	unsigned where = byte(prog) % (HEAP_HEADER_BYTES + HEAP_TRAILER_BYTES);
	uint8_t mask = (uint8_t)byte(prog);
	if (!s->p || !mask)
		return;
	unsigned char *block = s->p - HEAP_HEADER_BYTES;
	unsigned char *target = where < HEAP_HEADER_BYTES
					? block + where
					: s->p + s->usable_bytes + (where - HEAP_HEADER_BYTES);
	const char *want = where < HEAP_HEADER_BYTES ? header_field(where, mask) : "trailer";
	struct heap_fault f;
	*target ^= mask;
	int check_err = heap_check(&heap, &f);
	bool named = check_err && f.block == (uintptr_t)block && !strcmp(f.field, want);
	struct heap_fault check_fault = f;
	int free_err = heap_free(&heap, hart, s->p, &f);
	*target ^= mask;
	if (!named)
		die(want, &check_fault);
	if (!free_err)
		die("free of a corrupted block succeeded", &f);
}

/*
 * Flips one header byte of a block on an arena's quick list: heap_check must
 * name the block, and so must the alloc of its class that would take it
 * (the top of its list) or a flush (any of them); then it is repaired.
 */
static void op_corrupt_quick(struct program *prog, unsigned hart)
{
	struct heap_arena *a = &heap.arenas[hart % ARENAS];
	unsigned cls = byte(prog) % HEAP_QUICK_CLASSES, n = a->quick_count[cls];
	unsigned pick = byte(prog), where = byte(prog) % HEAP_HEADER_BYTES;
	uint8_t mask = (uint8_t)byte(prog);
	if (!n || !mask)
		return;
	unsigned i = pick % n;
	unsigned char *target = (unsigned char *)a->quick[cls][i] + where;
	struct heap_fault f;
	*target ^= mask;
	int check_err = heap_check(&heap, &f);
	bool named = check_err && f.block == a->quick[cls][i];
	struct heap_fault check_fault = f;
	size_t size = (size_t)heap.quick_block_bytes[cls] - HEAP_HEADER_BYTES - HEAP_TRAILER_BYTES;
	int take_err = 0;
	if (i == n - 1) { /* the top: the next alloc of the class takes it */
		void *p = heap_alloc(&heap, hart, size, &f);
		take_err = p ? 0 : f.err;
		if (!take_err || f.block != a->quick[cls][i])
			named = false;
	} else {
		take_err = heap_flush(&heap, hart, &f);
	}
	*target ^= mask;
	if (!named)
		die("quick-listed block corruption", &check_fault);
	if (!take_err)
		die("corrupt quick-listed block taken", &f);
}

static void op_flush(unsigned hart)
{
	struct heap_fault f;
	if (heap_flush(&heap, hart, &f))
		die("heap_flush", &f);
}

static void compare_stats(void)
{
	struct heap_stats st;
	struct heap_fault f;
	if (heap_stats(&heap, &st, &f))
		die("heap_stats", &f);
	size_t live = 0, payload = 0;
	for (size_t i = 0; i < SLOTS; i++) {
		live += slots[i].p != NULL;
		payload += slots[i].p ? slots[i].usable_bytes : 0;
	}
	if (st.used_blocks != live || st.used_payload_bytes != payload ||
	    st.used_bytes + st.free_bytes + st.pending_bytes + st.quick_bytes != st.total_bytes ||
	    st.total_bytes > POOL_BYTES || st.largest_free_bytes > st.free_bytes ||
	    heap_fragmentation_permille(&st) > 1000)
		die("stats disagree with the model", &f);
}

/*
 * Frees what is left; once every owner has reclaimed and flushed its quick
 * lists, each chunk is one free block.
 */
static void finish(void)
{
	struct heap_fault f;
	for (size_t i = 0; i < SLOTS; i++)
		op_free(&slots[i], (unsigned)i % HARTS, false);
	for (unsigned hart = 0; hart < ARENAS; hart++) {
		heap_free(&heap, hart, heap_alloc(&heap, hart, 0, &f), &f);
		op_flush(hart);
	}
	struct heap_stats st;
	if (heap_stats(&heap, &st, &f))
		die("heap_stats at the end", &f);
	if (st.used_blocks || st.pending_blocks || st.free_blocks != st.chunks)
		die("heap not whole at the end", &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct program prog = { data, size };
	struct heap_backing backing = { pool_grow, NULL };
	struct heap_fault f;
	/* no stale headers from the last input: the heap only vouches for its own */
	ASAN_UNPOISON_MEMORY_REGION(pool, pool_used);
	memset(pool, 0, pool_used);
	ASAN_POISON_MEMORY_REGION(pool, POOL_BYTES);
	pool_used = 0;
	memset(slots, 0, sizeof(slots));
	if (heap_init(&heap, &backing, ARENAS))
		abort();
	while (prog.left) {
		unsigned op = byte(&prog), arg = byte(&prog);
		struct slot *s = &slots[arg % SLOTS];
		unsigned hart = arg / SLOTS % HARTS;
		switch (op % 10) {
		case 0:
		case 1: op_alloc(&prog, s, hart); break;
		case 2: op_free(s, hart, false); break;
		case 3: op_realloc(&prog, s, hart); break;
		case 4: op_bad_pointer(&prog, s, hart); break;
		case 5: op_free(s, hart, true); break;
		case 6: op_corrupt(&prog, s, hart); break;
		case 7: op_corrupt_quick(&prog, hart); break;
		case 8: op_flush(hart); break;
		default: compare_stats(); break;
		}
		if (heap_check(&heap, &f))
			die("heap_check after an operation", &f);
	}
	finish();
	return 0;
}
