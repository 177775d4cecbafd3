/*
 * tests/test_fdt.c - host unit tests for mm/fdt, the validated device-tree reader.
 *
 * 1. Hand-written trees (tests/dts/NAME.dts, compiled by the Makefile into
 *    build/host/dts/NAME.dtb): navigation (paths, subnodes, children,
 *    parents, document order), property accessors, #address-cells /
 *    #size-cells, reg decoding, status, compatible, phandles and the
 *    header's memory-reservation map, all against exact values and codes.
 * 2. Malformed blobs: each is a valid blob with one deliberate change (a
 *    header field, a token, a block boundary) and must get its own
 *    FDT_ERR_* code from fdt_open(). Shapes dtc cannot produce (two roots,
 *    a stray END_NODE, deep nesting) come from a small in-memory builder
 *    (tests/fdt_build.h) whose output is first shown to be byte-identical
 *    to dtc's.
 * 3. Robustness: every byte of every valid tree flipped in turn, then a
 *    fixed-seed random mutation loop; whenever fdt_open() accepts the
 *    result every reader runs on every node, and a cursor walk of the whole
 *    tree must agree with the offset calls node by node. Only ASan/UBSan (or a broken
 *    invariant such as an iteration going backwards) can fail these.
 * 4. fdt_strerror() names every code distinctly.
 *
 * Every blob given to fdt_open() sits in a malloc'd buffer of exactly its
 * size, so AddressSanitizer reports any read past its end.
 * Run from the repository root: build/host/test_fdt.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../mm/fdt.h"
#include "check.h"
#include "fdt_build.h"

#define DTB_DIR       "build/host/dts/"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every tree in tests/dts, for the tests that run over all of them. */
static const char *const all_trees[] = {
	"memory", "cells32", "cpus", "reserved", "nomem", "props", "tiny",
};

/* ------------------------------------------------------------------ */
/* Blob helpers: loading, copying, reading and patching big-endian words */

#define NO_TOKEN UINT32_MAX

static volatile uint32_t sink; /* keeps the robustness walks from being optimised away */

/* A copy of b in a malloc'd buffer of exactly size bytes: cut short, or padded with zeros. */
static struct blob blob_dup_size(const struct blob *b, size_t size)
{
	struct blob c = { malloc(size), size };
	if (size && !c.data) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (size)
		memset(c.data, 0, size);
	if (size && b->size)
		memcpy(c.data, b->data, size < b->size ? size : b->size);
	return c;
}

static struct blob blob_dup(const struct blob *b)
{
	return blob_dup_size(b, b->size);
}

static void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}

/*
 * Reads build/host/dts/NAME.dtb. A missing file fails the current test with a
 * hint, and the caller skips its checks, rather than aborting the whole run.
 */
static bool load_dtb(const char *name, struct blob *b)
{
	char path[256];
	snprintf(path, sizeof(path), DTB_DIR "%s.dtb", name);
	b->data = NULL;
	b->size = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr,
			"  missing %s: run from the repository root after "
			"compiling tests/dts/%s.dts (make host-test-build)\n",
			path, name);
		check_current_failed = 1;
		return false;
	}
	fclose(f);
	b->data = check_read_file(path, &b->size);
	return true;
}

/* Loads and opens NAME.dtb; false (the test already marked failed) if either step fails. */
static bool open_dtb(const char *name, struct blob *b, struct fdt *f)
{
	if (!load_dtb(name, b))
		return false;
	int err = fdt_open(f, b->data, b->size);
	if (err) {
		fprintf(stderr, "  fdt_open(%s.dtb) = %d (%s)\n", name, err, fdt_strerror(err));
		check_current_failed = 1;
		blob_free(b);
		return false;
	}
	return true;
}

/* The structure block of a well-formed blob. */
static const uint8_t *struct_block(const struct blob *b)
{
	return b->data + hdr(b, H_OFF_STRUCT);
}

/* Size in bytes of the token at off, in a blob known to be well formed. */
static uint32_t token_size(const struct blob *b, uint32_t off)
{
	const uint8_t *t = struct_block(b) + off;
	switch (rd32(t)) {
	case TOK_BEGIN: return 4 + align4((uint32_t)strlen((const char *)t + 4) + 1);
	case TOK_PROP: return 12 + align4(rd32(t + 4));
	default: return 4;
	}
}

/* Offset in the structure block of the n-th (from 0) token of type, or NO_TOKEN. */
static uint32_t find_token(const struct blob *b, uint32_t type, int n)
{
	uint32_t size = hdr(b, H_SIZE_STRUCT);
	for (uint32_t off = 0; off + 4 <= size; off += token_size(b, off)) {
		uint32_t t = rd32(struct_block(b) + off);
		if (t == type && n-- == 0)
			return off;
		if (t == TOK_END)
			break;
	}
	return NO_TOKEN;
}

/* Offset of the first PROP token called name, or NO_TOKEN. */
static uint32_t find_prop_token(const struct blob *b, const char *name)
{
	const char *strings = (const char *)b->data + hdr(b, H_OFF_STRINGS);
	for (int i = 0;; i++) {
		uint32_t off = find_token(b, TOK_PROP, i);
		if (off == NO_TOKEN || strcmp(strings + rd32(struct_block(b) + off + 8), name) == 0)
			return off;
	}
}

/* Overwrites the word at offset off of the structure block. */
static void set_struct_word(struct blob *b, uint32_t off, uint32_t value)
{
	wr32(b->data + hdr(b, H_OFF_STRUCT) + off, value);
}

/* ------------------------------------------------------------------ */
/* Exercising an opened tree: every reader on every node               */

static const char *const prop_names[] = {
	"reg",      "compatible",     "status",           "device_type",
	"phandle",  "#address-cells", "#size-cells",      "model",
	"bootargs", "interrupts",     "interrupt-parent", "no-map",
};

/* Reads every byte of a property value, so ASan sees any bad pointer or length. */
static void touch(const void *value, uint32_t len)
{
	const uint8_t *p = value;
	uint32_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	sink += sum;
}

static void exercise_node(const struct fdt *f, int node)
{
	const char *name = fdt_name(f, node);
	CHECK(name != NULL);
	if (name)
		sink += (uint32_t)strlen(name);

	int parent = fdt_parent(f, node);
	CHECK(parent < node); /* the parent comes first, or it is an error */
	int child = fdt_first_child(f, node);
	for (int i = 0; child >= 0 && i < 100000; i++) {
		int next = fdt_next_sibling(f, child);
		CHECK(child > node);
		CHECK(next < 0 || next > child);
		if (next >= 0 && next <= child)
			break;
		child = next;
	}
	sink += (uint32_t)fdt_subnode(f, node, "cpu") +
		(uint32_t)fdt_subnode(f, node, "memory@80000000");

	for (size_t i = 0; i < ARRAY_SIZE(prop_names); i++) {
		const void *value;
		uint32_t len, u;
		const char *s;
		if (fdt_prop(f, node, prop_names[i], &value, &len) == 0)
			touch(value, len);
		if (fdt_prop_u32(f, node, prop_names[i], &u) == 0)
			sink += u;
		for (uint32_t idx = 0;
		     idx < 64 && fdt_prop_cell(f, node, prop_names[i], idx, &u) == 0; idx++)
			sink += u;
		if (fdt_prop_string(f, node, prop_names[i], &s) == 0)
			sink += (uint32_t)strlen(s);
	}
	sink += fdt_is_compatible(f, node, "riscv") + fdt_is_compatible(f, node, "ns16550a") +
		fdt_is_compatible(f, node, "") + fdt_is_enabled(f, node);
	sink += (uint32_t)fdt_address_cells(f, node) + (uint32_t)fdt_size_cells(f, node);
	for (uint32_t idx = 0; idx < 64; idx++) {
		uint64_t addr, size;
		if (fdt_reg(f, node, idx, &addr, &size))
			break;
		sink += (uint32_t)(addr ^ size);
	}
}

static int reg_err(const struct fdt *f, int node, uint32_t idx)
{
	uint64_t a, s;
	return fdt_reg(f, node, idx, &a, &s);
}

static bool str_is(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

/* Checks that the cursor c and the offset calls on c.node agree on everything a cursor reads. */
static void cursor_agrees(const struct fdt *f, const struct fdt_cursor *c)
{
	CHECK(str_is(fdt_name(f, c->node), c->name));
	for (size_t i = 0; i < ARRAY_SIZE(prop_names); i++) {
		const void *v1 = NULL, *v2 = NULL;
		uint32_t l1 = 0, l2 = 0;
		CHECK_EQ(fdt_cursor_prop(f, c, prop_names[i], &v1, &l1),
			 fdt_prop(f, c->node, prop_names[i], &v2, &l2));
		CHECK(v1 == v2 && l1 == l2);
		const char *s1 = NULL, *s2 = NULL;
		CHECK_EQ(fdt_cursor_prop_string(f, c, prop_names[i], &s1),
			 fdt_prop_string(f, c->node, prop_names[i], &s2));
		CHECK(s1 == s2);
	}
	CHECK_EQ(fdt_cursor_is_enabled(f, c), fdt_is_enabled(f, c->node));
	struct fdt_reg reg;
	int err = fdt_cursor_reg(f, c, &reg);
	if (err) {
		CHECK_EQ(err, reg_err(f, c->node, 0));
		return;
	}
	for (uint32_t idx = 0; idx <= reg.count && idx < 64; idx++) {
		uint64_t a1 = 1, s1 = 1, a2 = 2, s2 = 2;
		int e1 = fdt_reg_entry(&reg, idx, &a1, &s1);
		CHECK_EQ(e1, idx < reg.count ? 0 : FDT_ERR_NOTFOUND);
		CHECK_EQ(e1, fdt_reg(f, c->node, idx, &a2, &s2));
		if (e1 == 0)
			CHECK(a1 == a2 && s1 == s2);
	}
}

/*
 * Walks the subtree under c with cursors, checking each node against the
 * offset calls and against the preorder list order[] from *at on.
 */
static void cursor_walk(const struct fdt *f, const struct fdt_cursor *c, const int *order, int n,
			int *at)
{
	CHECK(*at < n && order[*at] == c->node);
	(*at)++;
	cursor_agrees(f, c);
	struct fdt_cursor child;
	int err = fdt_cursor_first_child(f, c, &child);
	CHECK_EQ(err < 0 ? err : child.node, fdt_first_child(f, c->node));
	for (; err == 0; err = fdt_cursor_next_sibling(f, &child)) {
		CHECK_EQ(child.address_cells, fdt_address_cells(f, c->node));
		CHECK_EQ(child.size_cells, fdt_size_cells(f, c->node));
		int prev = child.node;
		cursor_walk(f, &child, order, n, at);
		CHECK_EQ(child.node, prev);
		int next = fdt_next_sibling(f, child.node);
		struct fdt_cursor peek = child;
		int moved = fdt_cursor_next_sibling(f, &peek);
		CHECK_EQ(moved < 0 ? moved : peek.node, next);
	}
	CHECK_EQ(err, FDT_ERR_NOTFOUND);
}

/* The cursor walk of a whole tree visits the nodes fdt_next_node does, in its order. */
static void exercise_cursors(const struct fdt *f)
{
	enum { MAX_NODES = 4096 };
	static int order[MAX_NODES];
	int n = 0;
	for (int node = fdt_next_node(f, -1); node >= 0 && n < MAX_NODES;
	     node = fdt_next_node(f, node))
		order[n++] = node;
	struct fdt_cursor root;
	CHECK_EQ(fdt_cursor_root(f, &root), 0);
	CHECK_EQ(root.node, 0);
	CHECK_EQ(root.address_cells, FDT_ERR_BADOFFSET);
	struct fdt_reg reg;
	CHECK_EQ(fdt_cursor_reg(f, &root, &reg), FDT_ERR_BADOFFSET);
	int at = 0;
	if (n < MAX_NODES)
		cursor_walk(f, &root, order, n, &at);
	CHECK_EQ(at, n < MAX_NODES ? n : 0);
}

/* Runs every reader over an opened tree. Returns the number of nodes visited. */
static int exercise(const struct fdt *f)
{
	exercise_cursors(f);
	int count = 0;
	for (int node = fdt_next_node(f, -1); node >= 0 && count < 100000; count++) {
		exercise_node(f, node);
		int next = fdt_next_node(f, node);
		CHECK(next < 0 || next > node); /* document order only moves forward */
		if (next >= 0 && next <= node)
			break;
		node = next;
	}
	uint64_t addr, size;
	for (uint32_t i = 0; i < 100000 && fdt_reserved_entry(f, i, &addr, &size) == 0; i++)
		sink += (uint32_t)(addr ^ size);
	static const char *const paths[] = { "/", "/cpus/cpu@0", "/memory", "/soc/serial",
					     "/chosen" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		sink += (uint32_t)fdt_path(f, paths[i]);
	int found = 0;
	for (int n = fdt_find_compatible(f, -1, "riscv"); n >= 0 && found < 100000;
	     n = fdt_find_compatible(f, n, "riscv"))
		found++;
	for (uint32_t ph = 1; ph < 8; ph++)
		sink += (uint32_t)fdt_node_by_phandle(f, ph);
	return count;
}

/* fdt_open's verdict on an exact-size copy of b; on success every reader runs over it. */
static int open_copy(const struct blob *b)
{
	struct blob c = blob_dup(b);
	struct fdt f;
	int err = fdt_open(&f, c.data, c.size);
	if (err == 0)
		exercise(&f);
	blob_free(&c);
	return err;
}

/* fdt_open's verdict on b with one header field replaced. */
static int open_with_hdr(const struct blob *b, int field, uint32_t value)
{
	struct blob c = blob_dup(b);
	set_hdr(&c, field, value);
	int err = open_copy(&c);
	blob_free(&c);
	return err;
}

/* fdt_open's verdict on b with the structure-block word at off replaced. */
static int open_with_struct_word(const struct blob *b, uint32_t off, uint32_t value)
{
	struct blob c = blob_dup(b);
	set_struct_word(&c, off, value);
	int err = open_copy(&c);
	blob_free(&c);
	return err;
}

/*
 * A copy of b with n zero bytes inserted at byte offset at; the header's
 * block offsets and totalsize follow, so only alignment changes.
 */
static struct blob insert_gap(const struct blob *b, uint32_t at, uint32_t n)
{
	struct blob c = blob_dup_size(b, b->size + n);
	memset(c.data + at, 0, n);
	memcpy(c.data + at + n, b->data + at, b->size - at);
	static const int fields[] = { H_OFF_STRUCT, H_OFF_STRINGS, H_OFF_RSVMAP };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (hdr(&c, fields[i]) >= at)
			set_hdr(&c, fields[i], hdr(&c, fields[i]) + n);
	}
	set_hdr(&c, H_TOTALSIZE, hdr(&c, H_TOTALSIZE) + n);
	return c;
}

/* Moves the structure-block bytes [mid, end) in front of [start, mid). */
static void rotate_struct(struct blob *b, uint32_t start, uint32_t mid, uint32_t end)
{
	uint8_t *s = b->data + hdr(b, H_OFF_STRUCT);
	uint8_t tmp[512];
	if (mid - start > sizeof(tmp)) {
		fprintf(stderr, "rotate_struct: range too large\n");
		exit(2);
	}
	memcpy(tmp, s + start, mid - start);
	memmove(s + start, s + mid, end - mid);
	memcpy(s + start + (end - mid), tmp, mid - start);
}

/* fdt_open's verdict on what the builder holds. */
static int bld_open(const struct builder *b)
{
	struct blob c = bld_blob(b);
	int err = open_copy(&c);
	blob_free(&c);
	return err;
}

/* ------------------------------------------------------------------ */
/* Small helpers for the checks themselves                             */

/* The names of node's children, in order, joined with spaces. */
static void child_names(const struct fdt *f, int node, char *out, size_t out_size)
{
	out[0] = '\0';
	for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c)) {
		const char *name = fdt_name(f, c);
		size_t used = strlen(out);
		snprintf(out + used, out_size - used, "%s%s", used ? " " : "",
			 name ? name : "(null)");
	}
}

/* Checks fdt_reg(node, idx) gives exactly (addr, size). */
#define CHECK_REG(f, node, idx, want_addr, want_size)                       \
	do {                                                                \
		uint64_t reg_a_ = 0xbad, reg_s_ = 0xbad;                    \
		CHECK_EQ(fdt_reg((f), (node), (idx), &reg_a_, &reg_s_), 0); \
		CHECK_EQ(reg_a_, (want_addr));                              \
		CHECK_EQ(reg_s_, (want_size));                              \
	} while (0)

/* Depth-first preorder via first_child/next_sibling, for comparison with fdt_next_node. */
static void preorder(const struct fdt *f, int node, int *out, int *n, int max)
{
	if (*n < max)
		out[(*n)++] = node;
	for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
		preorder(f, c, out, n, max);
}

/* ------------------------------------------------------------------ */
/* 1. Hand-written trees                                               */

TEST(memory_nodes)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("memory", &b, &f))
		return;

	CHECK_EQ(fdt_path(&f, "/"), 0);
	CHECK_EQ(fdt_address_cells(&f, 0), 2);
	CHECK_EQ(fdt_size_cells(&f, 0), 2);

	/* "memory" skips memory-controller@2000000 and picks the first memory@... */
	int m0 = fdt_subnode(&f, 0, "memory");
	CHECK(m0 > 0);
	CHECK(str_is(fdt_name(&f, m0), "memory@80000000"));
	CHECK_EQ(fdt_path(&f, "/memory"), m0);
	int m1 = fdt_path(&f, "/memory@100000000");
	int m2 = fdt_path(&f, "/memory@300000000");
	int ctl = fdt_path(&f, "/memory-controller@2000000");
	CHECK(m1 > m0 && m2 > m1 && ctl > 0 && ctl < m0);

	/* Every node with device_type "memory", in document order. */
	int mem[8], n_mem = 0;
	for (int n = fdt_next_node(&f, -1); n >= 0; n = fdt_next_node(&f, n)) {
		const char *type;
		if (fdt_prop_string(&f, n, "device_type", &type) == 0 &&
		    strcmp(type, "memory") == 0 && n_mem < 8)
			mem[n_mem++] = n;
	}
	CHECK_EQ(n_mem, 3);
	if (n_mem == 3) {
		CHECK_EQ(mem[0], m0);
		CHECK_EQ(mem[1], m1);
		CHECK_EQ(mem[2], m2);
	}

	CHECK_REG(&f, m0, 0, 0x80000000ull, 0x4000000ull);
	CHECK_EQ(reg_err(&f, m0, 1), FDT_ERR_NOTFOUND);

	CHECK_REG(&f, m1, 0, 0x100000000ull, 0x8000000ull);
	CHECK_REG(&f, m1, 1, 0x200000000ull, 0x100000000ull);
	CHECK_REG(&f, m1, 2, 0xc0000000ull, 0x1000ull);
	CHECK_EQ(reg_err(&f, m1, 3), FDT_ERR_NOTFOUND);
	CHECK_EQ(reg_err(&f, m1, UINT32_MAX), FDT_ERR_NOTFOUND);

	CHECK_REG(&f, m2, 0, 0x300000000ull, 0x100000ull);
	CHECK(!fdt_is_enabled(&f, m2));
	CHECK(fdt_is_enabled(&f, m0));

	const char *type;
	CHECK_EQ(fdt_prop_string(&f, ctl, "device_type", &type), FDT_ERR_NOTFOUND);
	CHECK_REG(&f, ctl, 0, 0x2000000ull, 0x1000ull);

	const char *bootargs, *model;
	CHECK_EQ(fdt_prop_string(&f, fdt_path(&f, "/chosen"), "bootargs", &bootargs), 0);
	CHECK(str_is(bootargs, "console=ttyS0 quiet"));
	CHECK_EQ(fdt_prop_string(&f, 0, "model", &model), 0);
	CHECK(str_is(model, "magma test: memory"));
	blob_free(&b);
}

TEST(memreserve_entries)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("memory", &b, &f))
		return;
	uint64_t a = 0, s = 0;
	CHECK_EQ(fdt_reserved_entry(&f, 0, &a, &s), 0);
	CHECK_EQ(a, 0x80000000ull);
	CHECK_EQ(s, 0x10000ull);
	/* Address 0 with a non-zero size is an entry, not the terminator. */
	CHECK_EQ(fdt_reserved_entry(&f, 1, &a, &s), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(s, 0x1000);
	CHECK_EQ(fdt_reserved_entry(&f, 2, &a, &s), 0);
	CHECK_EQ(a, 0x123456789a000ull);
	CHECK_EQ(s, 0x2000);
	CHECK_EQ(fdt_reserved_entry(&f, 3, &a, &s), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_reserved_entry(&f, 100, &a, &s), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_reserved_entry(&f, UINT32_MAX, &a, &s), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(cells_32bit_root_and_defaults)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cells32", &b, &f))
		return;
	CHECK_EQ(fdt_address_cells(&f, 0), 1);
	CHECK_EQ(fdt_size_cells(&f, 0), 1);

	int mem = fdt_path(&f, "/memory@80000000");
	CHECK_REG(&f, mem, 0, 0x80000000ull, 0x08000000ull);
	CHECK_REG(&f, mem, 1, 0x90000000ull, 0x1000ull);
	CHECK_EQ(reg_err(&f, mem, 2), FDT_ERR_NOTFOUND);

	/* No #cells: defaults 2 and 1 for the node's children. */
	int def = fdt_path(&f, "/defaults");
	CHECK_EQ(fdt_address_cells(&f, def), 2);
	CHECK_EQ(fdt_size_cells(&f, def), 1);
	int dc = fdt_subnode(&f, def, "child");
	CHECK_REG(&f, dc, 0, 0x100000000ull, 0x2000ull);
	CHECK_EQ(reg_err(&f, dc, 1), FDT_ERR_NOTFOUND);

	/* #size-cells = <2> with #address-cells = <1>. */
	CHECK_EQ(fdt_size_cells(&f, fdt_path(&f, "/size-two")), 2);
	CHECK_REG(&f, fdt_path(&f, "/size-two/child@1000"), 0, 0x1000ull, 0x100000002ull);
	blob_free(&b);
}

TEST(cells_zero_size)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cells32", &b, &f))
		return;
	int p = fdt_path(&f, "/size-zero");
	CHECK_EQ(fdt_address_cells(&f, p), 1);
	CHECK_EQ(fdt_size_cells(&f, p), 0);
	int c = fdt_path(&f, "/size-zero/child@7");
	CHECK_REG(&f, c, 0, 7, 0); /* CHECK_REG starts size at 0xbad: it must be set to 0 */
	CHECK_REG(&f, c, 1, 8, 0);
	CHECK_EQ(reg_err(&f, c, 2), FDT_ERR_NOTFOUND);
	blob_free(&b);

	if (!open_dtb("cpus", &b, &f))
		return;
	int cpus = fdt_path(&f, "/cpus");
	CHECK_EQ(fdt_address_cells(&f, cpus), 1);
	CHECK_EQ(fdt_size_cells(&f, cpus), 0);
	static const char *const cpu_paths[] = { "/cpus/cpu@0", "/cpus/cpu@1", "/cpus/cpu@2",
						 "/cpus/cpu@3", "/cpus/cpu@4" };
	for (uint32_t i = 0; i < ARRAY_SIZE(cpu_paths); i++) {
		int cpu = fdt_path(&f, cpu_paths[i]);
		CHECK_REG(&f, cpu, 0, i, 0);
		CHECK_EQ(reg_err(&f, cpu, 1), FDT_ERR_NOTFOUND);
	}
	uint32_t tb = 0;
	CHECK_EQ(fdt_prop_u32(&f, cpus, "timebase-frequency", &tb), 0);
	CHECK_EQ(tb, 10000000);
	blob_free(&b);
}

TEST(cells_out_of_range)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cells32", &b, &f))
		return;
	int a3 = fdt_path(&f, "/address-three");
	CHECK_EQ(fdt_address_cells(&f, a3), FDT_ERR_BADCELLS);
	CHECK_EQ(fdt_size_cells(&f, a3), 1);
	CHECK_EQ(reg_err(&f, fdt_subnode(&f, a3, "child"), 0), FDT_ERR_BADCELLS);

	int a0 = fdt_path(&f, "/address-zero");
	CHECK_EQ(fdt_address_cells(&f, a0), FDT_ERR_BADCELLS);
	CHECK_EQ(reg_err(&f, fdt_subnode(&f, a0, "child"), 0), FDT_ERR_BADCELLS);

	int s3 = fdt_path(&f, "/size-three");
	CHECK_EQ(fdt_address_cells(&f, s3), 1);
	CHECK_EQ(fdt_size_cells(&f, s3), FDT_ERR_BADCELLS);
	CHECK_EQ(reg_err(&f, fdt_subnode(&f, s3, "child"), 0), FDT_ERR_BADCELLS);

	/* #address-cells of 8 bytes, #size-cells of 1 byte. */
	int wl = fdt_path(&f, "/cells-wrong-length");
	CHECK_EQ(fdt_address_cells(&f, wl), FDT_ERR_BADCELLS);
	CHECK_EQ(fdt_size_cells(&f, wl), FDT_ERR_BADCELLS);
	CHECK_EQ(reg_err(&f, fdt_subnode(&f, wl, "child"), 0), FDT_ERR_BADCELLS);
	blob_free(&b);
}

TEST(reg_lengths)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cells32", &b, &f))
		return;
	/* Entries are 2 cells (8 bytes) under the root. */
	CHECK_EQ(reg_err(&f, fdt_path(&f, "/bad-reg@1000"), 0), FDT_ERR_BADREG); /* 12 bytes */
	CHECK_EQ(reg_err(&f, fdt_path(&f, "/bad-reg@1000"), 5), FDT_ERR_BADREG);
	CHECK_EQ(reg_err(&f, fdt_path(&f, "/bytes-reg@1000"), 0), FDT_ERR_BADREG); /* 6 bytes */
	CHECK_EQ(reg_err(&f, fdt_path(&f, "/empty-reg"), 0), FDT_ERR_NOTFOUND);    /* 0 entries */
	CHECK_EQ(reg_err(&f, fdt_path(&f, "/no-reg"), 0), FDT_ERR_NOTFOUND);
	/* The root has no parent whose cells would apply; a non-node is not a node. */
	CHECK_EQ(reg_err(&f, 0, 0), FDT_ERR_BADOFFSET);
	CHECK_EQ(reg_err(&f, 2, 0), FDT_ERR_BADOFFSET);
	CHECK_EQ(reg_err(&f, -1, 0), FDT_ERR_BADOFFSET);
	blob_free(&b);
}

/* Document order of cpus.dts. */
static const char *const cpus_paths[] = {
	"/",
	"/cpus",
	"/cpus/cpu@0",
	"/cpus/cpu@0/interrupt-controller",
	"/cpus/cpu@1",
	"/cpus/cpu@2",
	"/cpus/cpu@3",
	"/cpus/cpu@4",
	"/cpus/cpu-map",
	"/cpus/cpu-map/cluster0",
	"/cpus/cpu-map/cluster0/core0",
	"/soc",
	"/soc/interrupt-controller@c000000",
	"/soc/serial@10000000",
	"/soc/serial@10001000",
	"/soc/rtc@101000",
	"/soc/gpio@10060000",
};

TEST(next_node_visits_each_node_once)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	enum { N = ARRAY_SIZE(cpus_paths) };
	int seen[N + 4], n = 0, last = -1;
	for (int node = fdt_next_node(&f, -1); node >= 0; node = fdt_next_node(&f, node)) {
		CHECK(node > last); /* strictly increasing, so no node comes twice */
		last = node;
		if (n < N + 4)
			seen[n] = node;
		n++;
		if (n > 1000)
			break;
	}
	CHECK_EQ(n, N);
	for (int i = 0; i < N && i < n; i++) {
		if (seen[i] != fdt_path(&f, cpus_paths[i])) {
			fprintf(stderr, "  node %d: fdt_next_node gave %d, fdt_path(%s) = %d\n", i,
				seen[i], cpus_paths[i], fdt_path(&f, cpus_paths[i]));
			check_current_failed = 1;
		}
	}
	CHECK_EQ(fdt_next_node(&f, fdt_path(&f, "/soc/gpio@10060000")), FDT_ERR_NOTFOUND);

	/* The same order as a depth-first walk with first_child/next_sibling. */
	int pre[N + 4], n_pre = 0;
	preorder(&f, 0, pre, &n_pre, N + 4);
	CHECK_EQ(n_pre, N);
	for (int i = 0; i < N && i < n_pre && i < n; i++)
		CHECK_EQ(pre[i], seen[i]);
	blob_free(&b);
}

TEST(children_parent_and_names)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	char names[256];
	child_names(&f, 0, names, sizeof(names));
	CHECK(str_is(names, "cpus soc"));
	int cpus = fdt_path(&f, "/cpus");
	child_names(&f, cpus, names, sizeof(names));
	CHECK(str_is(names, "cpu@0 cpu@1 cpu@2 cpu@3 cpu@4 cpu-map"));
	child_names(&f, fdt_path(&f, "/soc"), names, sizeof(names));
	CHECK(str_is(names, "interrupt-controller@c000000 serial@10000000 serial@10001000 "
			    "rtc@101000 gpio@10060000"));

	CHECK_EQ(fdt_first_child(&f, fdt_path(&f, "/cpus/cpu@1")), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_next_sibling(&f, 0), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_next_sibling(&f, fdt_path(&f, "/soc/gpio@10060000")), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_next_sibling(&f, fdt_path(&f, "/cpus/cpu-map")), FDT_ERR_NOTFOUND);
	/* The sibling after a node with children skips its whole subtree. */
	CHECK_EQ(fdt_next_sibling(&f, fdt_path(&f, "/cpus/cpu@0")), fdt_path(&f, "/cpus/cpu@1"));
	CHECK_EQ(fdt_next_sibling(&f, cpus), fdt_path(&f, "/soc"));

	/* Each node's parent is the node at its path minus the last component. */
	CHECK_EQ(fdt_parent(&f, 0), FDT_ERR_NOTFOUND);
	for (size_t i = 1; i < ARRAY_SIZE(cpus_paths); i++) {
		char parent_path[128];
		snprintf(parent_path, sizeof(parent_path), "%s", cpus_paths[i]);
		char *slash = strrchr(parent_path, '/');
		slash[slash == parent_path ? 1 : 0] = '\0';
		int node = fdt_path(&f, cpus_paths[i]);
		CHECK(node > 0);
		if (fdt_parent(&f, node) != fdt_path(&f, parent_path)) {
			fprintf(stderr, "  fdt_parent(%s) = %d, expected %s\n", cpus_paths[i],
				fdt_parent(&f, node), parent_path);
			check_current_failed = 1;
		}
		const char *name = fdt_name(&f, node);
		CHECK(str_is(name, strrchr(cpus_paths[i], '/') + 1));
	}
	CHECK(str_is(fdt_name(&f, 0), ""));
	blob_free(&b);
}

TEST(path_and_subnode_lookup)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	int cpus = fdt_path(&f, "/cpus");
	int cpu0 = fdt_path(&f, "/cpus/cpu@0");
	int cpu1 = fdt_path(&f, "/cpus/cpu@1");
	int intc = fdt_path(&f, "/cpus/cpu@0/interrupt-controller");
	int soc = fdt_path(&f, "/soc");
	int plic = fdt_path(&f, "/soc/interrupt-controller@c000000");
	int uart0 = fdt_path(&f, "/soc/serial@10000000");
	int uart1 = fdt_path(&f, "/soc/serial@10001000");
	CHECK(cpus > 0 && cpu0 > cpus && cpu1 > cpu0 && intc > cpu0 && intc < cpu1);
	CHECK(soc > cpu1 && plic > soc && uart0 > plic && uart1 > uart0);

	/* Paths: redundant slashes are fine, relative and empty paths are not. */
	CHECK_EQ(fdt_path(&f, "/"), 0);
	CHECK_EQ(fdt_path(&f, "//"), 0);
	CHECK_EQ(fdt_path(&f, "/cpus/"), cpus);
	CHECK_EQ(fdt_path(&f, "//cpus//cpu@1/"), cpu1);
	CHECK_EQ(fdt_path(&f, ""), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "cpus"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu"), cpu0); /* without unit address: first match */
	CHECK_EQ(fdt_path(&f, "/soc/serial"), uart0);
	CHECK_EQ(fdt_path(&f, "/soc/serial@10001000"), uart1);
	CHECK_EQ(fdt_path(&f, "/soc/serial@1000"), FDT_ERR_NOTFOUND); /* no unit prefixes */
	CHECK_EQ(fdt_path(&f, "/cpu"), FDT_ERR_NOTFOUND);             /* not "cpus" */
	CHECK_EQ(fdt_path(&f, "/cpus/cpu@9"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu@"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu@0/interrupt-controller"), intc);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu@0/interrupt-controller/x"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/nonexistent/cpu@0"), FDT_ERR_NOTFOUND);
	char long_path[160];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_EQ(fdt_path(&f, long_path), FDT_ERR_NOTFOUND);

	/* Subnodes, with and without unit address. */
	CHECK_EQ(fdt_subnode(&f, 0, "cpus"), cpus);
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu"), cpu0);
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu@1"), cpu1);
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu-map"), fdt_path(&f, "/cpus/cpu-map"));
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu-"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu@"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, cpus, "cpu@10"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, cpus, ""), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, cpu0, "interrupt-controller"), intc);
	CHECK_EQ(fdt_subnode(&f, soc, "interrupt-controller"), plic);
	/* Grandchildren do not count. */
	CHECK_EQ(fdt_subnode(&f, 0, "interrupt-controller"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, cpu1, "cpu"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, 2, "cpus"), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(subnode_with_two_at_signs)
{
	/* dtc refuses such names, so build the tree: /node@1@2 and /node@1. */
	struct builder bl = { 0 };
	bld_begin(&bl, "");
	bld_begin(&bl, "node@1@2");
	bld_end_node(&bl);
	bld_begin(&bl, "node@1");
	bld_end_node(&bl);
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	struct blob c = bld_blob(&bl);
	struct fdt f;
	CHECK_EQ(fdt_open(&f, c.data, c.size), 0);
	int first = fdt_first_child(&f, 0), second = fdt_next_sibling(&f, first);
	CHECK(str_is(fdt_name(&f, first), "node@1@2"));
	CHECK(str_is(fdt_name(&f, second), "node@1"));
	CHECK_EQ(fdt_subnode(&f, 0, "node"), first);    /* no unit address: prefix match */
	CHECK_EQ(fdt_subnode(&f, 0, "node@1"), second); /* with one: exact match only */
	CHECK_EQ(fdt_subnode(&f, 0, "node@1@2"), first);
	CHECK_EQ(fdt_path(&f, "/node@1"), second);
	blob_free(&c);
}

TEST(bad_node_offsets)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	/* Offset 4 is the root name's padding, 8 the root's first PROP token. */
	CHECK_EQ(find_token(&b, TOK_PROP, 0), 8);
	const int bad[] = {
		-1, -4, 1, 2, 3, 4, 8, (int)f.struct_size, (int)f.struct_size + 4, 0x7ffffffc
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int n = bad[i];
		const void *v;
		uint32_t len, u;
		const char *s;
		CHECK(fdt_name(&f, n) == NULL);
		CHECK_EQ(fdt_first_child(&f, n), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_next_sibling(&f, n), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_parent(&f, n), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_prop(&f, n, "reg", &v, &len), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_prop_u32(&f, n, "reg", &u), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_prop_cell(&f, n, "reg", 0, &u), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_prop_string(&f, n, "status", &s), FDT_ERR_BADOFFSET);
		CHECK_EQ(reg_err(&f, n, 0), FDT_ERR_BADOFFSET);
		CHECK_EQ(fdt_subnode(&f, n, "cpus"), FDT_ERR_NOTFOUND);
		CHECK(!fdt_is_compatible(&f, n, "riscv"));
		CHECK(!fdt_is_enabled(&f, n));
		if (n != -1) /* only -1 means "from the root" */
			CHECK_EQ(fdt_next_node(&f, n), FDT_ERR_BADOFFSET);
	}
	CHECK_EQ(fdt_next_node(&f, -1), 0);
	blob_free(&b);
}

TEST(value_lookalike_of_a_node_is_no_node)
{
	/* cpus.dts: the reg value <1> of /cpus/cpu@1 is the word of a BEGIN_NODE token. */
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	int cpu1 = fdt_path(&f, "/cpus/cpu@1");
	const void *v;
	uint32_t len;
	CHECK_EQ(fdt_prop(&f, cpu1, "reg", &v, &len), 0);
	int lookalike = (int)((const uint8_t *)v - struct_block(&b));
	CHECK_EQ(rd32(struct_block(&b) + lookalike), TOK_BEGIN);
	CHECK(fdt_name(&f, lookalike) == NULL);
	CHECK_EQ(fdt_first_child(&f, lookalike), FDT_ERR_BADOFFSET);
	CHECK_EQ(fdt_next_sibling(&f, lookalike), FDT_ERR_BADOFFSET);
	CHECK_EQ(fdt_next_node(&f, lookalike), FDT_ERR_BADOFFSET);
	CHECK_EQ(fdt_find_compatible(&f, FDT_ERR_BADOFFSET, "riscv"), FDT_ERR_BADOFFSET);
	blob_free(&b);
}

TEST(nop_before_root_is_rejected)
{
	struct builder b = { .st_len = 0 };
	bld_word(&b, TOK_NOP);
	bld_begin(&b, "");
	bld_begin(&b, "a");
	bld_end_node(&b);
	bld_end_node(&b);
	bld_word(&b, TOK_END);
	CHECK_EQ(bld_open(&b), FDT_ERR_BADTOKEN);
}

TEST(made_up_offsets_never_escape)
{
	/* Every offset around the structure block, on every tree: errors, never bad reads. */
	for (size_t t = 0; t < ARRAY_SIZE(all_trees); t++) {
		struct blob b;
		struct fdt f;
		if (!open_dtb(all_trees[t], &b, &f))
			continue;
		for (int n = -9; n < (int)f.struct_size + 9; n++) {
			bool real = false;
			for (int m = fdt_next_node(&f, -1); m >= 0; m = fdt_next_node(&f, m))
				real |= m == n;
			if (!real) {
				/* Even a word inside a value that reads as BEGIN_NODE is no node. */
				CHECK(fdt_name(&f, n) == NULL);
				CHECK_EQ(fdt_parent(&f, n), FDT_ERR_BADOFFSET);
				if (n != -1) {
					CHECK_EQ(fdt_first_child(&f, n), FDT_ERR_BADOFFSET);
					CHECK_EQ(fdt_next_sibling(&f, n), FDT_ERR_BADOFFSET);
					CHECK_EQ(fdt_next_node(&f, n), FDT_ERR_BADOFFSET);
					CHECK_EQ(fdt_find_compatible(&f, n, "riscv"),
						 FDT_ERR_BADOFFSET);
					CHECK_EQ(fdt_address_cells(&f, n), FDT_ERR_BADOFFSET);
					CHECK_EQ(fdt_size_cells(&f, n), FDT_ERR_BADOFFSET);
				}
			}
			sink += (uint32_t)fdt_first_child(&f, n) +
				(uint32_t)fdt_next_sibling(&f, n) + (uint32_t)fdt_next_node(&f, n) +
				(uint32_t)fdt_subnode(&f, n, "cpu");
			exercise_node(&f, n >= 0 && fdt_name(&f, n) ? n : 0);
		}
		blob_free(&b);
	}
}

TEST(property_accessors)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("props", &b, &f))
		return;
	int v = fdt_path(&f, "/values");
	CHECK(v > 0);
	const void *val;
	uint32_t len = 0xbad, u = 0;
	const char *s = NULL;

	CHECK_EQ(fdt_prop(&f, v, "u32", &val, &len), 0);
	CHECK_EQ(len, 4);
	CHECK(memcmp(val, "\x12\x34\x56\x78", 4) == 0);
	CHECK_EQ(fdt_prop(&f, v, "empty", &val, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(fdt_prop(&f, v, "six-bytes", &val, &len), 0);
	CHECK_EQ(len, 6);
	CHECK(memcmp(val, "\x01\x02\x03\x04\x05\x06", 6) == 0);
	CHECK_EQ(fdt_prop(&f, v, "missing", &val, &len), FDT_ERR_NOTFOUND);
	/* Names must match whole: "stat" and "status-x" exist, "status" and "u3" do not. */
	CHECK_EQ(fdt_prop(&f, v, "status", &val, &len), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop(&f, v, "u3", &val, &len), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop(&f, v, "u32x", &val, &len), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop_string(&f, v, "stat", &s), 0);
	CHECK(str_is(s, "short"));
	CHECK_EQ(fdt_prop_string(&f, v, "status-x", &s), 0);
	CHECK(str_is(s, "long"));
	/* Properties of a child are not the parent's. */
	CHECK_EQ(fdt_prop(&f, 0, "u32", &val, &len), FDT_ERR_NOTFOUND);

	/* fdt_prop_u32: exactly 4 bytes. */
	CHECK_EQ(fdt_prop_u32(&f, v, "u32", &u), 0);
	CHECK_EQ(u, 0x12345678);
	CHECK_EQ(fdt_prop_u32(&f, v, "two-cells", &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, v, "u64", &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, v, "empty", &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, v, "one-byte", &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, v, "six-bytes", &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, v, "missing", &u), FDT_ERR_NOTFOUND);

	/* fdt_prop_cell: a whole number of cells, NOTFOUND past the last. */
	CHECK_EQ(fdt_prop_cell(&f, v, "two-cells", 0, &u), 0);
	CHECK_EQ(u, 0xdeadbeef);
	CHECK_EQ(fdt_prop_cell(&f, v, "two-cells", 1, &u), 0);
	CHECK_EQ(u, 1);
	CHECK_EQ(fdt_prop_cell(&f, v, "two-cells", 2, &u), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop_cell(&f, v, "two-cells", UINT32_MAX, &u), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop_cell(&f, v, "u64", 0, &u), 0);
	CHECK_EQ(u, 0x01234567);
	CHECK_EQ(fdt_prop_cell(&f, v, "u64", 1, &u), 0);
	CHECK_EQ(u, 0x89abcdef);
	CHECK_EQ(fdt_prop_cell(&f, v, "u32", 0, &u), 0);
	CHECK_EQ(u, 0x12345678);
	CHECK_EQ(fdt_prop_cell(&f, v, "six-bytes", 0, &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_cell(&f, v, "one-byte", 0, &u), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_cell(&f, v, "empty", 0, &u), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop_cell(&f, v, "missing", 0, &u), FDT_ERR_NOTFOUND);

	/* fdt_prop_string: NUL-terminated inside the value. */
	CHECK_EQ(fdt_prop_string(&f, v, "string", &s), 0);
	CHECK(str_is(s, "hello"));
	CHECK_EQ(fdt_prop_string(&f, v, "strings", &s), 0);
	CHECK(str_is(s, "first"));
	CHECK_EQ(fdt_prop_string(&f, v, "empty-string", &s), 0);
	CHECK(str_is(s, ""));
	CHECK_EQ(fdt_prop_string(&f, v, "unterminated", &s), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_string(&f, v, "empty", &s), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_string(&f, v, "u32", &s), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_string(&f, v, "one-byte", &s), FDT_ERR_BADVALUE);
	CHECK_EQ(fdt_prop_string(&f, v, "missing", &s), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(status_values)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	CHECK(fdt_is_enabled(&f, fdt_path(&f, "/cpus/cpu@0")));  /* "okay" */
	CHECK(fdt_is_enabled(&f, fdt_path(&f, "/cpus/cpu@1")));  /* "ok" */
	CHECK(!fdt_is_enabled(&f, fdt_path(&f, "/cpus/cpu@2"))); /* "disabled" */
	CHECK(fdt_is_enabled(&f, fdt_path(&f, "/cpus/cpu@3")));  /* absent */
	CHECK(!fdt_is_enabled(&f, fdt_path(&f, "/cpus/cpu@4"))); /* "fail" */
	CHECK(fdt_is_enabled(&f, 0));
	CHECK(fdt_is_enabled(&f, fdt_path(&f, "/soc/serial@10000000")));
	CHECK(!fdt_is_enabled(&f, fdt_path(&f, "/soc/serial@10001000")));
	blob_free(&b);

	if (!open_dtb("props", &b, &f))
		return;
	static const char *const not_enabled[] = {
		"/status-no-nul", "/status-empty", "/status-okayx",
		"/status-o",      "/status-oka",   "/status-cell",
	};
	for (size_t i = 0; i < ARRAY_SIZE(not_enabled); i++) {
		int n = fdt_path(&f, not_enabled[i]);
		CHECK(n > 0);
		if (fdt_is_enabled(&f, n)) {
			fprintf(stderr, "  %s counts as enabled\n", not_enabled[i]);
			check_current_failed = 1;
		}
	}
	blob_free(&b);
}

TEST(compatible_lists)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	CHECK(fdt_is_compatible(&f, 0, "magma,test-cpus"));
	CHECK(fdt_is_compatible(&f, 0, "riscv-virtio")); /* the last string */
	CHECK(!fdt_is_compatible(&f, 0, "riscv"));
	CHECK(!fdt_is_compatible(&f, 0, "magma"));
	CHECK(!fdt_is_compatible(&f, 0, "riscv-virtio-extra"));
	CHECK(!fdt_is_compatible(&f, 0, ""));
	int cpu0 = fdt_path(&f, "/cpus/cpu@0");
	CHECK(fdt_is_compatible(&f, cpu0, "sifive,u54"));
	CHECK(fdt_is_compatible(&f, cpu0, "riscv"));
	CHECK(!fdt_is_compatible(&f, cpu0, "sifive"));
	CHECK(!fdt_is_compatible(&f, cpu0, "riscv,cpu-intc"));
	int plic = fdt_path(&f, "/soc/interrupt-controller@c000000");
	CHECK(fdt_is_compatible(&f, plic, "sifive,plic-1.0.0"));
	CHECK(fdt_is_compatible(&f, plic, "riscv,plic0"));
	CHECK(!fdt_is_compatible(&f, fdt_path(&f, "/cpus"), "riscv")); /* no compatible at all */
	int gpio = fdt_path(&f, "/soc/gpio@10060000");
	CHECK(!fdt_is_compatible(&f, gpio, "ns16550a")); /* it has "ns16550a-not" */
	CHECK(!fdt_is_compatible(&f, 2, "riscv"));

	/* fdt_find_compatible walks forward in document order. */
	int u0 = fdt_find_compatible(&f, -1, "ns16550a");
	CHECK_EQ(u0, fdt_path(&f, "/soc/serial@10000000"));
	int u1 = fdt_find_compatible(&f, u0, "ns16550a");
	CHECK_EQ(u1, fdt_path(&f, "/soc/serial@10001000"));
	CHECK_EQ(fdt_find_compatible(&f, u1, "ns16550a"), FDT_ERR_NOTFOUND);
	int n_riscv = 0;
	for (int n = fdt_find_compatible(&f, -1, "riscv"); n >= 0 && n_riscv < 100;
	     n = fdt_find_compatible(&f, n, "riscv")) {
		char path[32];
		snprintf(path, sizeof(path), "/cpus/cpu@%d", n_riscv);
		CHECK_EQ(n, fdt_path(&f, path));
		n_riscv++;
	}
	CHECK_EQ(n_riscv, 5);
	CHECK_EQ(fdt_find_compatible(&f, -1, "magma,test-cpus"), 0); /* the root itself */
	CHECK_EQ(fdt_find_compatible(&f, 0, "magma,test-cpus"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_find_compatible(&f, -1, "riscv,cpu-intc"),
		 fdt_path(&f, "/cpus/cpu@0/interrupt-controller"));
	CHECK_EQ(fdt_find_compatible(&f, -1, "nope"), FDT_ERR_NOTFOUND);
	CHECK(fdt_find_compatible(&f, 2, "riscv") < 0);
	blob_free(&b);

	if (!open_dtb("props", &b, &f))
		return;
	int tail = fdt_path(&f, "/compat-tail");
	CHECK(fdt_is_compatible(&f, tail, "good"));
	CHECK(!fdt_is_compatible(&f, tail, "bad")); /* unterminated: never matches */
	CHECK(!fdt_is_compatible(&f, tail, "ba"));
	CHECK(fdt_is_compatible(&f, fdt_path(&f, "/compat-empty-entry"), "after-empty"));
	CHECK(!fdt_is_compatible(&f, fdt_path(&f, "/compat-empty-prop"), ""));
	CHECK(!fdt_is_compatible(&f, fdt_path(&f, "/compat-empty-prop"), "x"));
	blob_free(&b);
}

TEST(phandles)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("cpus", &b, &f))
		return;
	int cpu0 = fdt_path(&f, "/cpus/cpu@0");
	int intc = fdt_path(&f, "/cpus/cpu@0/interrupt-controller");
	int plic = fdt_path(&f, "/soc/interrupt-controller@c000000");
	int gpio = fdt_path(&f, "/soc/gpio@10060000");
	uint32_t ph_cpu0 = 0, ph_intc = 0, ph_plic = 0, ph = 0;

	/* dtc gave the referenced labels phandles; follow the references back. */
	CHECK_EQ(fdt_prop_u32(&f, fdt_path(&f, "/cpus/cpu-map/cluster0/core0"), "cpu", &ph_cpu0),
		 0);
	CHECK_EQ(fdt_node_by_phandle(&f, ph_cpu0), cpu0);
	CHECK_EQ(fdt_prop_u32(&f, cpu0, "phandle", &ph), 0);
	CHECK_EQ(ph, ph_cpu0);

	CHECK_EQ(fdt_prop_u32(&f, fdt_path(&f, "/soc/serial@10000000"), "interrupt-parent",
			      &ph_plic),
		 0);
	CHECK_EQ(fdt_node_by_phandle(&f, ph_plic), plic);

	CHECK_EQ(fdt_prop_cell(&f, plic, "interrupts-extended", 0, &ph_intc), 0);
	CHECK_EQ(fdt_node_by_phandle(&f, ph_intc), intc);
	CHECK_EQ(fdt_prop_cell(&f, plic, "interrupts-extended", 2, &ph), 0);
	CHECK_EQ(ph, ph_intc);
	CHECK(ph_cpu0 != ph_intc && ph_intc != ph_plic && ph_cpu0 != ph_plic);

	/* A phandle written out in the source. */
	CHECK_EQ(fdt_node_by_phandle(&f, 0x4d41), gpio);
	/* 0 and ~0 are never phandles; an unused value finds nothing. */
	CHECK_EQ(fdt_node_by_phandle(&f, 0), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_node_by_phandle(&f, 0xffffffffu), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_node_by_phandle(&f, 0x1234), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(reserved_memory_children)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("reserved", &b, &f))
		return;
	int rm = fdt_path(&f, "/reserved-memory");
	CHECK(rm > 0);
	CHECK_EQ(fdt_address_cells(&f, rm), 2);
	CHECK_EQ(fdt_size_cells(&f, rm), 2);
	char names[256];
	child_names(&f, rm, names, sizeof(names));
	CHECK(str_is(names, "mmode_resv0@80000000 guard@80200000 shared@87000000 dynamic"));

	int c = fdt_first_child(&f, rm);
	CHECK_REG(&f, c, 0, 0x80000000ull, 0x40000ull);
	c = fdt_next_sibling(&f, c);
	CHECK_EQ(c, fdt_subnode(&f, rm, "guard"));
	CHECK_REG(&f, c, 0, 0x80200000ull, 0x100000ull);
	CHECK_EQ(reg_err(&f, c, 1), FDT_ERR_NOTFOUND);
	const void *v;
	uint32_t len = 0xbad;
	CHECK_EQ(fdt_prop(&f, c, "no-map", &v, &len), 0);
	CHECK_EQ(len, 0);
	c = fdt_next_sibling(&f, c);
	CHECK_REG(&f, c, 0, 0x87000000ull, 0x800000ull);
	CHECK_EQ(fdt_prop(&f, c, "no-map", &v, &len), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_prop(&f, c, "reusable", &v, &len), 0);
	c = fdt_next_sibling(&f, c);
	CHECK(str_is(fdt_name(&f, c), "dynamic"));
	CHECK_EQ(reg_err(&f, c, 0), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_next_sibling(&f, c), FDT_ERR_NOTFOUND);

	int pool = fdt_find_compatible(&f, -1, "shared-dma-pool");
	CHECK_EQ(pool, fdt_path(&f, "/reserved-memory/shared@87000000"));
	CHECK_EQ(fdt_find_compatible(&f, pool, "shared-dma-pool"), c);

	/* No /memreserve/ in this tree: the map holds only its terminator. */
	uint64_t a, s;
	CHECK_EQ(fdt_reserved_entry(&f, 0, &a, &s), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(no_memory_node)
{
	struct blob b;
	struct fdt f;
	if (!open_dtb("nomem", &b, &f))
		return;
	CHECK_EQ(fdt_path(&f, "/memory"), FDT_ERR_NOTFOUND);
	CHECK_EQ(fdt_subnode(&f, 0, "memory"), FDT_ERR_NOTFOUND);
	int nodes = 0, memories = 0;
	for (int n = fdt_next_node(&f, -1); n >= 0; n = fdt_next_node(&f, n)) {
		const char *type;
		nodes++;
		if (fdt_prop_string(&f, n, "device_type", &type) == 0 &&
		    strcmp(type, "memory") == 0)
			memories++;
	}
	CHECK_EQ(nodes, 4);
	CHECK_EQ(memories, 0);
	CHECK_EQ(fdt_first_child(&f, fdt_path(&f, "/chosen")), FDT_ERR_NOTFOUND);
	CHECK_REG(&f, fdt_path(&f, "/cpus/cpu@0"), 0, 0, 0);
	uint64_t a, s;
	CHECK_EQ(fdt_reserved_entry(&f, 0, &a, &s), FDT_ERR_NOTFOUND);
	blob_free(&b);
}

TEST(byte_order_helpers)
{
	const uint8_t bytes[] = { 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	CHECK_EQ(fdt_be32(bytes + 1), 0x01234567); /* unaligned */
	CHECK_EQ(fdt_be32(bytes), 0xff012345u);
	CHECK(fdt_be64(bytes + 1) == 0x0123456789abcdefull);
}

/* ------------------------------------------------------------------ */
/* 2. Malformed trees                                                  */

TEST(valid_trees_open)
{
	for (size_t t = 0; t < ARRAY_SIZE(all_trees); t++) {
		struct blob b;
		if (!load_dtb(all_trees[t], &b))
			continue;
		CHECK_EQ(open_copy(&b), 0);
		/* A buffer larger than totalsize is fine: the tree ends where it says. */
		struct blob big = blob_dup_size(&b, b.size + 64);
		struct fdt f;
		CHECK_EQ(fdt_open(&f, big.data, big.size), 0);
		CHECK_EQ(f.total_size, b.size);
		CHECK_EQ(f.struct_off, hdr(&b, H_OFF_STRUCT));
		CHECK_EQ(f.struct_size, hdr(&b, H_SIZE_STRUCT));
		CHECK_EQ(f.strings_off, hdr(&b, H_OFF_STRINGS));
		CHECK_EQ(f.strings_size, hdr(&b, H_SIZE_STRINGS));
		CHECK_EQ(f.rsvmap_off, hdr(&b, H_OFF_RSVMAP));
		CHECK_EQ(f.boot_cpuid, 0);
		blob_free(&big);
		blob_free(&b);
	}
}

/* The in-memory builder reproduces dtc byte for byte, so its trees are real trees. */
TEST(builder_matches_dtc)
{
	struct blob dtc;
	if (!load_dtb("tiny", &dtc))
		return;
	struct builder bl = { 0 };
	static const uint8_t reg[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };
	bld_begin(&bl, "");
	bld_prop(&bl, "compatible", "magma,tiny", sizeof("magma,tiny"));
	bld_begin(&bl, "node@1");
	bld_prop(&bl, "reg", reg, sizeof(reg));
	bld_end_node(&bl);
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	struct blob mine = bld_blob(&bl);
	CHECK_EQ(mine.size, dtc.size);
	CHECK(mine.size == dtc.size && memcmp(mine.data, dtc.data, dtc.size) == 0);
	CHECK_EQ(open_copy(&mine), 0);
	blob_free(&mine);
	blob_free(&dtc);
}

TEST(truncated_at_every_length)
{
	for (size_t t = 0; t < ARRAY_SIZE(all_trees); t++) {
		struct blob b;
		if (!load_dtb(all_trees[t], &b))
			continue;
		int wrong = 0;
		for (size_t n = 0; n <= b.size; n++) {
			struct blob c = blob_dup_size(&b, n);
			struct fdt f;
			int err = fdt_open(&f, c.data, c.size);
			int want = n == b.size ? 0 : FDT_ERR_TRUNCATED;
			if (err != want && wrong++ < 3)
				fprintf(stderr,
					"  %s.dtb cut to %zu of %zu bytes: %d, expected %d\n",
					all_trees[t], n, b.size, err, want);
			/* The same cut, with totalsize saying so: now the strings block sticks out. */
			if (n >= HEADER_SIZE && n < b.size) {
				set_hdr(&c, H_TOTALSIZE, (uint32_t)n);
				err = fdt_open(&f, c.data, c.size);
				if (err != FDT_ERR_BADLAYOUT && wrong++ < 3)
					fprintf(stderr,
						"  %s.dtb cut to %zu bytes, totalsize %zu: %d, "
						"expected FDT_ERR_BADLAYOUT\n",
						all_trees[t], n, n, err);
			}
			blob_free(&c);
		}
		CHECK_EQ(wrong, 0);
		blob_free(&b);
	}
}

TEST(bad_magic)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	CHECK_EQ(open_with_hdr(&b, H_MAGIC, 0xd00dfeee), FDT_ERR_BADMAGIC);
	CHECK_EQ(open_with_hdr(&b, H_MAGIC, 0xedfe0dd0), FDT_ERR_BADMAGIC); /* little-endian */
	CHECK_EQ(open_with_hdr(&b, H_MAGIC, 0), FDT_ERR_BADMAGIC);
	blob_free(&b);
}

TEST(bad_version)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	CHECK_EQ(hdr(&b, H_VERSION), 17);
	CHECK_EQ(hdr(&b, H_LAST_COMP), 16);
	CHECK_EQ(open_with_hdr(&b, H_VERSION, 16), FDT_ERR_BADVERSION);
	CHECK_EQ(open_with_hdr(&b, H_VERSION, 1), FDT_ERR_BADVERSION);
	CHECK_EQ(open_with_hdr(&b, H_VERSION, 0), FDT_ERR_BADVERSION);
	CHECK_EQ(open_with_hdr(&b, H_LAST_COMP, 18), FDT_ERR_BADVERSION);
	CHECK_EQ(open_with_hdr(&b, H_LAST_COMP, 0xffffffff), FDT_ERR_BADVERSION);
	/* Newer trees that stay compatible with 17 are fine. */
	CHECK_EQ(open_with_hdr(&b, H_VERSION, 18), 0);
	CHECK_EQ(open_with_hdr(&b, H_LAST_COMP, 17), 0);
	blob_free(&b);
}

TEST(totalsize_beyond_buffer)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t total = (uint32_t)b.size;
	CHECK_EQ(open_with_hdr(&b, H_TOTALSIZE, total + 1), FDT_ERR_TRUNCATED);
	CHECK_EQ(open_with_hdr(&b, H_TOTALSIZE, 0xffffffff), FDT_ERR_TRUNCATED);
	CHECK_EQ(open_with_hdr(&b, H_TOTALSIZE, HEADER_SIZE - 1), FDT_ERR_TRUNCATED);
	CHECK_EQ(open_with_hdr(&b, H_TOTALSIZE, 0), FDT_ERR_TRUNCATED);
	blob_free(&b);
}

TEST(blocks_out_of_bounds)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t total = (uint32_t)b.size;
	uint32_t str_off = hdr(&b, H_OFF_STRINGS), str_size = hdr(&b, H_SIZE_STRINGS);
	CHECK_EQ(str_off + str_size, total); /* dtc puts the strings last */

	CHECK_EQ(open_with_hdr(&b, H_OFF_STRUCT, total), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRUCT, total + 8), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRUCT, 0xfffffffc), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, total), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, 0xfffffffc), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRINGS, total), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRINGS, str_off + 1), FDT_ERR_BADLAYOUT); /* 1 byte out */
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRINGS, 0xffffffff), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRINGS, str_size + 1), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRINGS, 0xffffffff), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_RSVMAP, total), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_RSVMAP, 0xfffffff8), FDT_ERR_BADLAYOUT);
	/* Blocks inside the header. */
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRUCT, 36), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRINGS, 0), FDT_ERR_BADLAYOUT);
	CHECK_EQ(open_with_hdr(&b, H_OFF_RSVMAP, 32), FDT_ERR_BADLAYOUT);
	blob_free(&b);
}

TEST(blocks_inside_header)
{
	/*
	 * Blocks placed over the header but otherwise consistent, so that only
	 * the "not inside the header" check can refuse them.
	 */
	struct builder bl = { 0 };
	bld_begin(&bl, "");
	bld_prop_u32(&bl, "", 1); /* an empty name: any zero byte can hold it */
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	struct blob base = bld_blob(&bl);
	CHECK_EQ(open_copy(&base), 0);

	/* The strings block on boot_cpuid_phys, whose four zero bytes make a valid name. */
	struct blob c = blob_dup(&base);
	set_hdr(&c, H_OFF_STRINGS, H_BOOT_CPU);
	set_hdr(&c, H_SIZE_STRINGS, 4);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT);
	blob_free(&c);

	/* The reservation map at byte 32: an entry made of header fields, then zeros. */
	c = insert_gap(&base, hdr(&base, H_OFF_STRUCT), 8);
	set_hdr(&c, H_OFF_RSVMAP, 32);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT);
	blob_free(&c);
	blob_free(&base);
}

TEST(misaligned_blocks)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	/* Two bytes in front of the structure block: everything intact but its alignment. */
	struct blob c = insert_gap(&b, hdr(&b, H_OFF_STRUCT), 2);
	CHECK_EQ(hdr(&c, H_OFF_STRUCT) % 4, 2);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT);
	blob_free(&c);
	c = insert_gap(&b, hdr(&b, H_OFF_STRUCT), 4); /* control: 4 bytes keep it aligned */
	CHECK_EQ(open_copy(&c), 0);
	blob_free(&c);

	/* The reservation map must be 8-byte aligned. */
	c = insert_gap(&b, HEADER_SIZE, 4);
	CHECK_EQ(hdr(&c, H_OFF_RSVMAP), 44);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT);
	blob_free(&c);
	c = insert_gap(&b, HEADER_SIZE, 8);
	CHECK_EQ(open_copy(&c), 0);
	blob_free(&c);
	blob_free(&b);
}

TEST(overlapping_blocks)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t st_off = hdr(&b, H_OFF_STRUCT), st_size = hdr(&b, H_SIZE_STRUCT);
	uint32_t str_off = hdr(&b, H_OFF_STRINGS), str_size = hdr(&b, H_SIZE_STRINGS);

	/* The strings block starts inside the structure block's last word. */
	CHECK_EQ(open_with_hdr(&b, H_OFF_STRINGS, st_off + st_size - 4), FDT_ERR_BADLAYOUT);

	/*
	 * The strings block grows back over the whole structure block, every
	 * name offset adjusted: names still resolve, only the overlap is wrong.
	 */
	struct blob c = blob_dup(&b);
	uint32_t shift = str_off - st_off;
	set_hdr(&c, H_OFF_STRINGS, st_off);
	set_hdr(&c, H_SIZE_STRINGS, shift + str_size);
	for (int i = 0;; i++) {
		uint32_t off = find_token(&b, TOK_PROP, i);
		if (off == NO_TOKEN)
			break;
		set_struct_word(&c, off + 8, rd32(struct_block(&b) + off + 8) + shift);
	}
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT);
	blob_free(&c);

	/* The reservation map moved onto the structure block (8-aligned there). */
	CHECK_EQ(st_off % 8, 0);
	CHECK_EQ(open_with_hdr(&b, H_OFF_RSVMAP, st_off), FDT_ERR_BADLAYOUT);
	blob_free(&b);

	/*
	 * The map moved onto 16 zero bytes inside a property value: read as a
	 * map they are a lone terminator, so only the overlap itself is wrong.
	 */
	static const uint8_t zeros[24];
	struct builder bl = { 0 };
	bld_begin(&bl, "");
	bld_prop(&bl, "zeros", zeros, sizeof(zeros));
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	struct blob z = bld_blob(&bl);
	CHECK_EQ(open_copy(&z), 0);
	uint32_t value = hdr(&z, H_OFF_STRUCT) + find_prop_token(&z, "zeros") + 12;
	uint32_t inside = (value + 7) / 8 * 8;
	CHECK(inside + 16 <= value + sizeof(zeros));
	set_hdr(&z, H_OFF_RSVMAP, inside);
	CHECK_EQ(open_copy(&z), FDT_ERR_BADLAYOUT);
	blob_free(&z);
}

TEST(rsvmap_without_terminator)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	/* memory.dts has three entries; the fourth is the (0, 0) terminator. */
	uint32_t term = hdr(&b, H_OFF_RSVMAP) + 3 * 16;
	struct blob c = blob_dup(&b);
	wr32(c.data + term + 12, 1);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT); /* runs into the structure block */
	blob_free(&c);

	/* A map at the very end of the blob: one entry, then totalsize. */
	c = blob_dup_size(&b, (b.size + 7) / 8 * 8 + 16);
	uint32_t at = (uint32_t)c.size - 16;
	set_hdr(&c, H_OFF_RSVMAP, at);
	set_hdr(&c, H_TOTALSIZE, (uint32_t)c.size);
	wr32(c.data + at + 4, 0x80000000);
	wr32(c.data + at + 12, 0x1000);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADLAYOUT); /* runs past totalsize */
	wr32(c.data + at + 4, 0);
	wr32(c.data + at + 12, 0);
	CHECK_EQ(open_copy(&c), 0); /* control: the same place holding just a terminator */
	blob_free(&c);
	blob_free(&b);
}

TEST(unterminated_node_name)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	/* The last node, memory@300000000: end the structure block inside its name. */
	uint32_t last = find_token(&b, TOK_BEGIN, 5);
	CHECK(last != NO_TOKEN &&
	      str_is((const char *)struct_block(&b) + last + 4, "memory@300000000"));
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, last + 4 + 5), FDT_ERR_BADNAME);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, last + 4), FDT_ERR_BADNAME); /* no name at all */
	/* The name fits with its NUL, but the padding does not: the block ends, no BADNAME. */
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, last + 4 + 17), FDT_ERR_BADTOKEN);
	blob_free(&b);

	/* The same at the very end of the buffer, so ASan sees any read past the name. */
	struct builder bl = { .strings_first = true };
	bld_begin(&bl, "");
	bld_prop_u32(&bl, "x", 1);
	bld_word(&bl, TOK_BEGIN);
	bld_bytes(&bl, "abcdefgh", 8); /* no NUL, and nothing after it */
	CHECK_EQ(bld_open(&bl), FDT_ERR_BADNAME);
}

TEST(property_runs_past_block)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t st_size = hdr(&b, H_SIZE_STRUCT);
	uint32_t p = find_prop_token(&b, "#address-cells");
	CHECK_EQ(p, 8);
	uint32_t room = st_size - (p + 12); /* bytes left after the PROP header */
	CHECK_EQ(open_with_struct_word(&b, p + 4, room + 1), FDT_ERR_BADPROPLEN);
	CHECK_EQ(open_with_struct_word(&b, p + 4, 0xffffffff), FDT_ERR_BADPROPLEN);
	CHECK_EQ(open_with_struct_word(&b, p + 4, 0xfffffff4 - p),
		 FDT_ERR_BADPROPLEN); /* wraps to 0 */
	CHECK_EQ(open_with_struct_word(&b, p + 4, 0x80000000), FDT_ERR_BADPROPLEN);
	/* A value ending exactly at the block's end leaves no room for FDT_END. */
	CHECK_EQ(open_with_struct_word(&b, p + 4, room), FDT_ERR_BADTOKEN);

	/* The block ends inside the last PROP token's header. */
	uint32_t last = find_prop_token(&b, "status");
	CHECK(last != NO_TOKEN);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, last + 8), FDT_ERR_BADPROPLEN);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, last + 4), FDT_ERR_BADPROPLEN);
	blob_free(&b);

	/* The same with the structure block last in the buffer (ASan guards the end). */
	struct builder cut = { .strings_first = true };
	bld_begin(&cut, "");
	bld_word(&cut, TOK_PROP);
	bld_word(&cut, 4); /* a length, but no name offset */
	CHECK_EQ(bld_open(&cut), FDT_ERR_BADPROPLEN);
}

TEST(property_name_outside_strings)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t p = find_prop_token(&b, "#address-cells");
	uint32_t str_size = hdr(&b, H_SIZE_STRINGS);
	CHECK_EQ(open_with_struct_word(&b, p + 8, str_size), FDT_ERR_BADSTRING);
	CHECK_EQ(open_with_struct_word(&b, p + 8, str_size + 100), FDT_ERR_BADSTRING);
	CHECK_EQ(open_with_struct_word(&b, p + 8, 0xffffffff), FDT_ERR_BADSTRING);
	/* Control: the block's last byte is its final NUL, an (empty) name in bounds. */
	CHECK_EQ(open_with_struct_word(&b, p + 8, str_size - 1), 0);
	blob_free(&b);
}

TEST(unterminated_string)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	/* The strings block ends the blob; its last byte is the NUL of "status". */
	CHECK_EQ(b.data[b.size - 1], 0);
	CHECK(str_is((const char *)b.data + b.size - 7, "status"));
	struct blob c = blob_dup(&b);
	c.data[c.size - 1] = 'x';
	CHECK_EQ(open_copy(&c), FDT_ERR_BADSTRING);
	blob_free(&c);
	/* Or the block is declared one byte short, cutting that NUL off. */
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRINGS, hdr(&b, H_SIZE_STRINGS) - 1), FDT_ERR_BADSTRING);
	blob_free(&b);
}

TEST(unknown_token)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	static const uint32_t bad[] = { 0, 5, 6, 7, 8, 10, 0x100, 0x01000000, 0xffffffff };
	uint32_t end_node = find_token(&b, TOK_END_NODE, 0); /* closes /chosen */
	uint32_t prop = find_token(&b, TOK_PROP, 0);
	CHECK(end_node != NO_TOKEN && prop != NO_TOKEN);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(open_with_struct_word(&b, end_node, bad[i]), FDT_ERR_BADTOKEN);
		CHECK_EQ(open_with_struct_word(&b, prop, bad[i]), FDT_ERR_BADTOKEN);
	}
	blob_free(&b);
}

TEST(property_after_child)
{
	struct blob b;
	if (!load_dtb("tiny", &b))
		return;
	/* tiny: BEGIN "" | PROP compatible | BEGIN node@1 | PROP reg | END_NODE | END_NODE | END */
	uint32_t compat = find_token(&b, TOK_PROP, 0);
	uint32_t child = find_token(&b, TOK_BEGIN, 1);
	uint32_t child_end = find_token(&b, TOK_END_NODE, 0) + 4;
	CHECK(child == compat + token_size(&b, compat));
	/* Move node@1 in front of the root's property. */
	struct blob c = blob_dup(&b);
	rotate_struct(&c, compat, child, child_end);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADTOKEN);
	blob_free(&c);
	/* Move node@1's property after its END_NODE: now the root's, after a child. */
	c = blob_dup(&b);
	uint32_t reg = find_token(&b, TOK_PROP, 1);
	rotate_struct(&c, reg, child_end - 4, child_end);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADTOKEN);
	blob_free(&c);
	blob_free(&b);

	/* Deeper: a property of /a after /a/b, with a NOP in between. */
	struct builder bl = { 0 };
	bld_begin(&bl, "");
	bld_begin(&bl, "a");
	bld_prop_u32(&bl, "x", 1);
	bld_begin(&bl, "b");
	bld_end_node(&bl);
	bld_word(&bl, TOK_NOP);
	bld_prop_u32(&bl, "y", 2);
	bld_end_node(&bl);
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	CHECK_EQ(bld_open(&bl), FDT_ERR_BADTOKEN);
}

TEST(end_node_without_open_node)
{
	struct blob b;
	if (!load_dtb("tiny", &b))
		return;
	/* Turn "BEGIN node@1" into NOPs: its END_NODE closes the root, the root's has nothing to close. */
	uint32_t child = find_token(&b, TOK_BEGIN, 1);
	struct blob c = blob_dup(&b);
	for (uint32_t off = child; off < child + token_size(&b, child); off += 4)
		set_struct_word(&c, off, TOK_NOP);
	CHECK_EQ(open_copy(&c), FDT_ERR_BADTOKEN);
	blob_free(&c);
	blob_free(&b);

	/* A stray END_NODE after the root, followed by a property and a node. */
	struct builder bl = { 0 };
	bld_begin(&bl, "");
	bld_end_node(&bl);
	bld_end_node(&bl);
	bld_prop_u32(&bl, "x", 1);
	bld_begin(&bl, "n");
	bld_end_node(&bl);
	bld_word(&bl, TOK_END);
	CHECK_EQ(bld_open(&bl), FDT_ERR_BADTOKEN);

	/* END_NODE as the very first token. */
	struct builder first = { 0 };
	bld_end_node(&first);
	bld_begin(&first, "");
	bld_end_node(&first);
	bld_word(&first, TOK_END);
	CHECK_EQ(bld_open(&first), FDT_ERR_BADTOKEN);
}

TEST(missing_end_token)
{
	struct blob b;
	if (!load_dtb("memory", &b))
		return;
	uint32_t st_size = hdr(&b, H_SIZE_STRUCT);
	CHECK_EQ(rd32(struct_block(&b) + st_size - 4), TOK_END);
	CHECK_EQ(open_with_struct_word(&b, st_size - 4, TOK_NOP), FDT_ERR_BADTOKEN);
	CHECK_EQ(open_with_hdr(&b, H_SIZE_STRUCT, st_size - 4), FDT_ERR_BADTOKEN);
	/* The root left open: FDT_END while a node is open. */
	CHECK_EQ(open_with_struct_word(&b, st_size - 8, TOK_NOP), FDT_ERR_BADTOKEN);
	blob_free(&b);

	/* A structure block that ends the buffer without FDT_END (ASan guards the end). */
	struct builder bl = { .strings_first = true };
	bld_begin(&bl, "");
	bld_prop_u32(&bl, "x", 1);
	bld_end_node(&bl);
	CHECK_EQ(bld_open(&bl), FDT_ERR_BADTOKEN);
	bld_word(&bl, TOK_END);
	CHECK_EQ(bld_open(&bl), 0); /* control */
}

TEST(no_root_or_two_roots)
{
	struct builder empty = { 0 };
	CHECK_EQ(bld_open(&empty), FDT_ERR_BADTOKEN); /* an empty structure block */

	struct builder none = { 0 };
	bld_word(&none, TOK_NOP);
	bld_word(&none, TOK_END);
	CHECK_EQ(bld_open(&none), FDT_ERR_BADTOKEN);

	struct builder prop_first = { 0 };
	bld_prop_u32(&prop_first, "x", 1);
	bld_begin(&prop_first, "");
	bld_end_node(&prop_first);
	bld_word(&prop_first, TOK_END);
	CHECK_EQ(bld_open(&prop_first), FDT_ERR_BADTOKEN);

	struct builder one = { 0 }; /* control: one root, a NOP, END */
	bld_begin(&one, "");
	bld_end_node(&one);
	bld_word(&one, TOK_NOP);
	struct builder two = one;
	bld_word(&one, TOK_END);
	CHECK_EQ(bld_open(&one), 0);

	bld_begin(&two, "");
	bld_end_node(&two);
	bld_word(&two, TOK_END);
	CHECK_EQ(bld_open(&two), FDT_ERR_BADTOKEN);
}

/* A chain of depth nested nodes "n" (the root counts as 1), with a property at the bottom. */
static void build_chain(struct builder *bl, int depth)
{
	memset(bl, 0, sizeof(*bl));
	for (int i = 0; i < depth; i++)
		bld_begin(bl, i ? "n" : "");
	bld_prop_u32(bl, "reg", 7);
	for (int i = 0; i < depth; i++)
		bld_end_node(bl);
	bld_word(bl, TOK_END);
}

TEST(nesting_too_deep)
{
	struct builder bl;
	build_chain(&bl, FDT_MAX_DEPTH);
	struct blob c = bld_blob(&bl);
	struct fdt f;
	int err = fdt_open(&f, c.data, c.size);
	CHECK_EQ(err, 0);
	if (err == 0) {
		char path[2 * FDT_MAX_DEPTH + 1] = "";
		for (int i = 1; i < FDT_MAX_DEPTH; i++)
			strcat(path, "/n");
		int deepest = fdt_path(&f, path);
		CHECK(deepest > 0);
		path[strlen(path) - 2] = '\0';
		CHECK_EQ(fdt_parent(&f, deepest), fdt_path(&f, path));
		uint32_t v = 0;
		CHECK_EQ(fdt_prop_u32(&f, deepest, "reg", &v), 0);
		CHECK_EQ(v, 7);
		CHECK_EQ(exercise(&f), FDT_MAX_DEPTH);
	}
	blob_free(&c);

	build_chain(&bl, FDT_MAX_DEPTH + 1);
	CHECK_EQ(bld_open(&bl), FDT_ERR_TOODEEP);
	build_chain(&bl, 100);
	CHECK_EQ(bld_open(&bl), FDT_ERR_TOODEEP);
}

/* ------------------------------------------------------------------ */
/* 3. Robustness sweeps                                                */

/* Whether err is something fdt_open may return. */
static bool is_open_error(int err)
{
	switch (err) {
	case 0:
	case FDT_ERR_TRUNCATED:
	case FDT_ERR_BADMAGIC:
	case FDT_ERR_BADVERSION:
	case FDT_ERR_BADLAYOUT:
	case FDT_ERR_BADTOKEN:
	case FDT_ERR_BADNAME:
	case FDT_ERR_BADPROPLEN:
	case FDT_ERR_BADSTRING:
	case FDT_ERR_TOODEEP: return true;
	default: return false;
	}
}

TEST(every_byte_flipped)
{
	int accepted = 0, tried = 0;
	for (size_t t = 0; t < ARRAY_SIZE(all_trees); t++) {
		struct blob b;
		if (!load_dtb(all_trees[t], &b))
			continue;
		for (size_t i = 0; i < b.size; i++) {
			struct blob c = blob_dup(&b);
			c.data[i] ^= 0xff;
			int err = open_copy(&c);
			if (!is_open_error(err)) {
				fprintf(stderr, "  %s.dtb byte %zu flipped: fdt_open = %d\n",
					all_trees[t], i, err);
				check_current_failed = 1;
			}
			if (i < 4)
				CHECK_EQ(err, FDT_ERR_BADMAGIC);
			accepted += err == 0;
			tried++;
			blob_free(&c);
		}
		blob_free(&b);
	}
	printf("  %d flipped trees, %d accepted and walked\n", tried, accepted);
	CHECK(accepted > 0);
}

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* One random change: a byte, a bit, a structure-block word or a header field. */
static void mutate(struct blob *c, uint32_t *rng)
{
	static const uint32_t interesting[] = {
		0,  1,    2,    3,    4,          8,          9,          16,         17,
		40, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xfffffffe, 0xffffffff,
	};
	uint32_t kind = xorshift32(rng) % 4;
	uint32_t where = xorshift32(rng);
	uint32_t value = xorshift32(rng) % 2
				 ? interesting[xorshift32(rng) % ARRAY_SIZE(interesting)]
				 : 1 + xorshift32(rng) % 4; /* a token type */
	switch (kind) {
	case 0: c->data[where % c->size] = (uint8_t)xorshift32(rng); break;
	case 1: c->data[where % c->size] ^= (uint8_t)(1u << (xorshift32(rng) % 8)); break;
	case 2: { /* a word of the structure block: a token, a length, a name offset */
		uint32_t words = (uint32_t)(c->size / 4);
		uint32_t first = hdr(c, H_OFF_STRUCT) / 4, n = hdr(c, H_SIZE_STRUCT) / 4;
		uint32_t w = n ? first + where % n : where;
		wr32(c->data + 4 * (w % words), value);
		break;
	}
	default: { /* a header field (not the magic), replaced or nudged by a few bytes */
		int field = 4 * (int)(1 + where % 9);
		set_hdr(c, field,
			xorshift32(rng) % 2 ? value : hdr(c, field) + xorshift32(rng) % 17 - 8);
		break;
	}
	}
}

TEST(random_mutations)
{
	struct blob trees[ARRAY_SIZE(all_trees)];
	size_t n_trees = 0;
	for (size_t t = 0; t < ARRAY_SIZE(all_trees); t++) {
		if (load_dtb(all_trees[t], &trees[n_trees]))
			n_trees++;
	}
	if (n_trees == 0)
		return;
	uint32_t rng = 0x6d61676d; /* fixed seed: every run mutates the same way */
	int accepted = 0, bad_codes = 0;
	const int iterations = 6000;
	for (int i = 0; i < iterations; i++) {
		const struct blob *base = &trees[(size_t)i % n_trees];
		struct blob c = blob_dup(base);
		int changes = 1 + (int)(xorshift32(&rng) % 4);
		for (int k = 0; k < changes; k++)
			mutate(&c, &rng);
		int err = open_copy(&c);
		if (!is_open_error(err) && bad_codes++ < 3)
			fprintf(stderr, "  iteration %d: fdt_open = %d\n", i, err);
		accepted += err == 0;
		blob_free(&c);
	}
	printf("  %d mutated trees, %d accepted and walked\n", iterations, accepted);
	CHECK_EQ(bad_codes, 0);
	CHECK(accepted > 0);
	for (size_t t = 0; t < n_trees; t++)
		blob_free(&trees[t]);
}

/* ------------------------------------------------------------------ */
/* 4. Error strings                                                    */

TEST(strerror_distinct)
{
	const int codes[] = {
		0,
		FDT_ERR_NOTFOUND,
		FDT_ERR_TRUNCATED,
		FDT_ERR_BADMAGIC,
		FDT_ERR_BADVERSION,
		FDT_ERR_BADLAYOUT,
		FDT_ERR_BADTOKEN,
		FDT_ERR_BADNAME,
		FDT_ERR_BADPROPLEN,
		FDT_ERR_BADSTRING,
		FDT_ERR_TOODEEP,
		FDT_ERR_BADCELLS,
		FDT_ERR_BADREG,
		FDT_ERR_BADVALUE,
		FDT_ERR_BADOFFSET,
	};
	const char *unknown = fdt_strerror(-1000);
	CHECK(unknown != NULL && unknown[0] != '\0');
	CHECK(str_is(fdt_strerror(1), unknown));
	CHECK(str_is(fdt_strerror(FDT_ERR_BADOFFSET - 1), unknown));
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		const char *s = fdt_strerror(codes[i]);
		CHECK(s != NULL && s[0] != '\0');
		if (!s)
			continue;
		if (str_is(s, unknown)) {
			fprintf(stderr, "  code %d has no description of its own\n", codes[i]);
			check_current_failed = 1;
		}
		for (size_t j = 0; j < i; j++) {
			if (str_is(fdt_strerror(codes[j]), s)) {
				fprintf(stderr, "  codes %d and %d share \"%s\"\n", codes[j],
					codes[i], s);
				check_current_failed = 1;
			}
		}
	}
}

int main(void)
{
	/* 1. Hand-written trees */
	RUN(memory_nodes);
	RUN(memreserve_entries);
	RUN(cells_32bit_root_and_defaults);
	RUN(cells_zero_size);
	RUN(cells_out_of_range);
	RUN(reg_lengths);
	RUN(next_node_visits_each_node_once);
	RUN(children_parent_and_names);
	RUN(path_and_subnode_lookup);
	RUN(subnode_with_two_at_signs);
	RUN(bad_node_offsets);
	RUN(made_up_offsets_never_escape);
	RUN(property_accessors);
	RUN(status_values);
	RUN(compatible_lists);
	RUN(phandles);
	RUN(reserved_memory_children);
	RUN(no_memory_node);
	RUN(byte_order_helpers);

	/* 2. Malformed trees */
	RUN(valid_trees_open);
	RUN(builder_matches_dtc);
	RUN(truncated_at_every_length);
	RUN(bad_magic);
	RUN(bad_version);
	RUN(totalsize_beyond_buffer);
	RUN(blocks_out_of_bounds);
	RUN(blocks_inside_header);
	RUN(misaligned_blocks);
	RUN(overlapping_blocks);
	RUN(rsvmap_without_terminator);
	RUN(unterminated_node_name);
	RUN(property_runs_past_block);
	RUN(property_name_outside_strings);
	RUN(unterminated_string);
	RUN(unknown_token);
	RUN(property_after_child);
	RUN(end_node_without_open_node);
	RUN(missing_end_token);
	RUN(no_root_or_two_roots);
	RUN(nesting_too_deep);

	/* 3. Robustness */
	RUN(every_byte_flipped);
	RUN(random_mutations);

	/* 4. Error strings */
	RUN(strerror_distinct);
	RUN(value_lookalike_of_a_node_is_no_node);
	RUN(nop_before_root_is_rejected);
	return check_summary();
}
