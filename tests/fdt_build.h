/*
 * tests/fdt_build.h - device-tree blobs built in memory, for host tests.
 *
 * For shapes dtc will not produce (two roots, a stray END_NODE, deep
 * nesting, hostile reg values) and for trees too big to keep as .dts files
 * (tens of thousands of nodes). The builder writes tokens as they come,
 * with no checks of its own, so a test can build a broken stream on
 * purpose; bld_blob() lays the blob out as dtc does (tests/test_fdt.c shows
 * the output byte-identical to dtc's).
 *
 *   struct builder b = { 0 };
 *   bld_begin(&b, ""); bld_prop_u32(&b, "#size-cells", 1); bld_end_node(&b);
 *   bld_word(&b, TOK_END);
 *   struct blob blob = bld_blob(&b);   (malloc'd, exactly blob.size bytes)
 *
 * The structure block holds BLD_STRUCT_BYTES (define it larger before the
 * include for big trees, and keep such a builder static).
 */
#ifndef TESTS_FDT_BUILD_H
#define TESTS_FDT_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BLD_STRUCT_BYTES
#define BLD_STRUCT_BYTES 4096
#endif
#define BLD_MAX_RSV 8 /* entries of the memory-reservation block */

/* Header fields: byte offsets in the 40-byte header (Devicetree Spec 5.2). */
enum {
	H_MAGIC = 0,
	H_TOTALSIZE = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_BOOT_CPU = 28,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
	HEADER_SIZE = 40,
};

enum { TOK_BEGIN = 1, TOK_END_NODE = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_END = 9 };

struct blob {
	uint8_t *data;
	size_t size;
};

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t align4(uint32_t n)
{
	return (n + 3) & ~3u;
}

static inline uint32_t hdr(const struct blob *b, int field)
{
	return rd32(b->data + field);
}

static inline void set_hdr(struct blob *b, int field, uint32_t value)
{
	wr32(b->data + field, value);
}

struct builder {
	uint8_t st[BLD_STRUCT_BYTES]; /* structure block */
	uint32_t st_len;
	char strings[512];
	uint32_t strings_len;
	bool strings_first; /* lay out the strings before the structure block, which then ends the blob */
	uint64_t rsv[BLD_MAX_RSV][2]; /* memory-reservation entries (address, size) */
	uint32_t rsv_count;
};

static inline void bld_bytes(struct builder *b, const void *p, uint32_t n)
{
	if (b->st_len + align4(n) > sizeof(b->st)) {
		fprintf(stderr, "builder: structure block full\n");
		exit(2);
	}
	memcpy(b->st + b->st_len, p, n);
	memset(b->st + b->st_len + n, 0, align4(n) - n);
	b->st_len += align4(n);
}

static inline void bld_word(struct builder *b, uint32_t v)
{
	uint8_t w[4];
	wr32(w, v);
	bld_bytes(b, w, 4);
}

static inline void bld_begin(struct builder *b, const char *name)
{
	bld_word(b, TOK_BEGIN);
	bld_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static inline void bld_end_node(struct builder *b)
{
	bld_word(b, TOK_END_NODE);
}

/* A name's offset in the strings block; like dtc, reuses any existing match, even a suffix. */
static inline uint32_t bld_string(struct builder *b, const char *name)
{
	uint32_t n = (uint32_t)strlen(name) + 1;
	for (uint32_t i = 0; i + n <= b->strings_len; i++) {
		if (memcmp(b->strings + i, name, n) == 0)
			return i;
	}
	if (b->strings_len + n > sizeof(b->strings)) {
		fprintf(stderr, "builder: strings block full\n");
		exit(2);
	}
	memcpy(b->strings + b->strings_len, name, n);
	b->strings_len += n;
	return b->strings_len - n;
}

static inline void bld_prop(struct builder *b, const char *name, const void *value, uint32_t len)
{
	bld_word(b, TOK_PROP);
	bld_word(b, len);
	bld_word(b, bld_string(b, name));
	if (len)
		bld_bytes(b, value, len);
}

static inline void bld_prop_u32(struct builder *b, const char *name, uint32_t v)
{
	uint8_t w[4];
	wr32(w, v);
	bld_prop(b, name, w, 4);
}

/* A property of n big-endian cells. */
static inline void bld_prop_cells(struct builder *b, const char *name, const uint32_t *cells,
				  uint32_t n)
{
	uint8_t w[64 * 4];
	if (n > 64) {
		fprintf(stderr, "builder: more than 64 cells\n");
		exit(2);
	}
	for (uint32_t i = 0; i < n; i++)
		wr32(w + 4 * i, cells[i]);
	bld_prop(b, name, w, 4 * n);
}

/* A property holding one NUL-terminated string. */
static inline void bld_prop_string(struct builder *b, const char *name, const char *value)
{
	bld_prop(b, name, value, (uint32_t)strlen(value) + 1);
}

/* An entry of the header's memory-reservation block (the blob adds the terminator). */
static inline void bld_rsv(struct builder *b, uint64_t addr, uint64_t size)
{
	if (b->rsv_count == BLD_MAX_RSV) {
		fprintf(stderr, "builder: reservation block full\n");
		exit(2);
	}
	b->rsv[b->rsv_count][0] = addr;
	b->rsv[b->rsv_count][1] = size;
	b->rsv_count++;
}

/*
 * The finished blob, in a malloc'd buffer of exactly its size, laid out as
 * dtc does: header, reservation block, structure, strings.
 */
static inline struct blob bld_blob(const struct builder *b)
{
	uint32_t rsv_off = HEADER_SIZE, st_off = rsv_off + 16 * (b->rsv_count + 1);
	uint32_t str_off = st_off + b->st_len;
	if (b->strings_first) {
		str_off = st_off;
		st_off = align4(str_off + b->strings_len);
	}
	uint32_t total = b->strings_first ? st_off + b->st_len : str_off + b->strings_len;
	struct blob c = { calloc(1, total), total };
	if (!c.data) {
		fprintf(stderr, "builder: out of memory\n");
		exit(2);
	}
	set_hdr(&c, H_MAGIC, 0xd00dfeed);
	set_hdr(&c, H_TOTALSIZE, total);
	set_hdr(&c, H_OFF_STRUCT, st_off);
	set_hdr(&c, H_OFF_STRINGS, str_off);
	set_hdr(&c, H_OFF_RSVMAP, rsv_off);
	set_hdr(&c, H_VERSION, 17);
	set_hdr(&c, H_LAST_COMP, 16);
	set_hdr(&c, H_BOOT_CPU, 0);
	set_hdr(&c, H_SIZE_STRINGS, b->strings_len);
	set_hdr(&c, H_SIZE_STRUCT, b->st_len);
	for (uint32_t i = 0; i < b->rsv_count; i++) {
		for (int half = 0; half < 2; half++) {
			uint8_t *p = c.data + rsv_off + 16 * i + 8 * half;
			wr32(p, (uint32_t)(b->rsv[i][half] >> 32));
			wr32(p + 4, (uint32_t)b->rsv[i][half]);
		}
	}
	memcpy(c.data + st_off, b->st, b->st_len);
	memcpy(c.data + str_off, b->strings, b->strings_len);
	return c;
}

#endif
