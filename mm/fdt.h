/*
 * mm/fdt.h - a validated reader for flattened device trees (DTB).
 *
 * The tree comes from firmware and is untrusted input: fdt_open() checks the
 * header and walks the whole structure block once, so every later call works
 * on a tree known to be well formed, and each call still bounds-checks what
 * it reads. Nothing here allocates or writes to the blob.
 *
 * Nodes are named by their offset inside the structure block (the root is 0),
 * as returned by the navigation calls. An offset that is not the start of a
 * node (say, a word inside a property value that looks like a node token) is
 * FDT_ERR_BADOFFSET: each call walks the token stream to the offset it is
 * given, so it costs time linear in that offset, and a loop over n nodes
 * with these calls costs n^2. Code that visits many nodes uses a cursor
 * (struct fdt_cursor, at the end), which is proved once by the walk that
 * reaches it. Negative return values are FDT_ERR_*.
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_FDT_H
#define MM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fdt_error {
	FDT_ERR_NOTFOUND = -1,   /* no such node, property or entry */
	FDT_ERR_TRUNCATED = -2,  /* buffer smaller than the header or totalsize */
	FDT_ERR_BADMAGIC = -3,   /* not 0xd00dfeed */
	FDT_ERR_BADVERSION = -4, /* version < 17 or last_comp_version > 17 */
	FDT_ERR_BADLAYOUT = -5,  /* blocks out of bounds, misaligned or overlapping */
	FDT_ERR_BADTOKEN = -6,   /* unknown token, or a token where it may not be */
	FDT_ERR_BADNAME = -7,    /* node name unterminated or past the block */
	FDT_ERR_BADPROPLEN = -8, /* property value runs past the structure block */
	FDT_ERR_BADSTRING = -9,  /* property name outside the strings block or unterminated */
	FDT_ERR_TOODEEP = -10,   /* nesting deeper than FDT_MAX_DEPTH */
	FDT_ERR_BADCELLS = -11,  /* #address-cells / #size-cells outside 1..2 (0..2 for size) */
	FDT_ERR_BADREG = -12,    /* reg length not a whole number of entries */
	FDT_ERR_BADVALUE = -13,  /* property value of the wrong size or form */
	FDT_ERR_BADOFFSET = -14, /* a node offset that is not a node in this tree */
};

#define FDT_MAX_DEPTH 16

struct fdt {
	const uint8_t *blob;
	uint32_t total_size;
	uint32_t struct_off, struct_size;
	uint32_t strings_off, strings_size;
	uint32_t rsvmap_off;
	uint32_t rsvmap_count; /* entries before the reservation block's terminator */
	uint32_t boot_cpuid;
};

/* A short English description of an FDT_ERR_* code. */
const char *fdt_strerror(int err);

/*
 * Validates the blob (buf_size bytes available at blob) and fills *fdt.
 * Returns 0 or a negative FDT_ERR_*. On error *fdt must not be used.
 */
int fdt_open(struct fdt *fdt, const void *blob, size_t buf_size);

/* The first child of node, or FDT_ERR_NOTFOUND. */
int fdt_first_child(const struct fdt *fdt, int node);
/* The next sibling of node, or FDT_ERR_NOTFOUND. */
int fdt_next_sibling(const struct fdt *fdt, int node);
/* The parent of node (found by a walk from the root), or FDT_ERR_NOTFOUND for the root. */
int fdt_parent(const struct fdt *fdt, int node);
/* The next node in document order after node (-1 starts at the root; other negatives are errors). */
int fdt_next_node(const struct fdt *fdt, int node);

/* A node's full name, "cpu@0"; "" for the root, NULL for a bad offset. */
const char *fdt_name(const struct fdt *fdt, int node);
/*
 * Whether a node called node_name answers to want: exactly, or, when want
 * has no '@', as want@<unit> ("memory" matches "memory@80000000").
 */
bool fdt_name_matches(const char *node_name, const char *want);
/* The child of parent whose name matches name (fdt_name_matches); the first match wins. */
int fdt_subnode(const struct fdt *fdt, int parent, const char *name);
/* The node at an absolute path such as "/cpus/cpu@1". */
int fdt_path(const struct fdt *fdt, const char *path);
/* The next node after `from` (-1: from the start) compatible with compat. */
int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat);
/* The node whose phandle property equals phandle. */
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);

/* Finds a property: *value points into the blob, *len is its length in bytes. */
int fdt_prop(const struct fdt *fdt, int node, const char *name, const void **value, uint32_t *len);
/* A one-cell property. FDT_ERR_BADVALUE unless it is exactly 4 bytes. */
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);
/* The idx-th cell (big-endian u32) of a property. */
int fdt_prop_cell(const struct fdt *fdt, int node, const char *name, uint32_t idx, uint32_t *out);
/* A string property. FDT_ERR_BADVALUE unless NUL-terminated inside its length. */
int fdt_prop_string(const struct fdt *fdt, int node, const char *name, const char **out);

/* Whether one of the node's compatible strings is exactly compat. */
bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat);
/* Whether the node's status is absent, "okay" or "ok". */
bool fdt_is_enabled(const struct fdt *fdt, int node);

/*
 * #address-cells / #size-cells that node declares for its children
 * (defaults 2 and 1 when absent). FDT_ERR_BADCELLS outside 1..2 / 0..2.
 */
int fdt_address_cells(const struct fdt *fdt, int node);
int fdt_size_cells(const struct fdt *fdt, int node);

/*
 * Decodes entry idx of node's "reg", using the cells its parent declares.
 * Returns 0, FDT_ERR_NOTFOUND past the last entry, or another error: the
 * parent's FDT_ERR_BADCELLS (#address-cells first), then the property's own
 * (FDT_ERR_NOTFOUND when there is no reg, FDT_ERR_BADREG).
 * *size is 0 when the parent's #size-cells is 0. The root has no parent to
 * give it cells, so fdt_reg on the root is FDT_ERR_BADOFFSET.
 */
int fdt_reg(const struct fdt *fdt, int node, uint32_t idx, uint64_t *addr, uint64_t *size);

/* A node's reg, found once (fdt_cursor_reg), with the cells that decode it. */
struct fdt_reg {
	const uint8_t *cells; /* into the blob */
	uint32_t count;       /* entries */
	int address_cells;    /* 1..2, the parent's */
	int size_cells;       /* 0..2, the parent's; 0: every size reads as 0 */
};

/* Entry idx of reg: 0, or FDT_ERR_NOTFOUND past the last. */
int fdt_reg_entry(const struct fdt_reg *reg, uint32_t idx, uint64_t *addr, uint64_t *size);

/* Entry idx of the header's memory-reservation block; FDT_ERR_NOTFOUND at its end. */
int fdt_reserved_entry(const struct fdt *fdt, uint32_t idx, uint64_t *addr, uint64_t *size);

/* Reads the big-endian u32 / u64 at p (which may be unaligned). */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

/*
 * Cursors: visiting many nodes in time linear in the tree.
 *
 * A cursor is a node reached by walking from the root, so it needs no
 * proof: moving to the first child costs the parent's properties, to the
 * next sibling the current node's subtree, and a property lookup the node's
 * own properties. A cursor also carries its parent's #address-cells and
 * #size-cells (read once, when the walk went down), so reg needs no parent
 * lookup. Its node offset is valid for every call above.
 */
struct fdt_cursor {
	int node;          /* the node's offset */
	const char *name;  /* its full name, "" for the root */
	uint32_t body;     /* offset of the token after its BEGIN_NODE */
	int address_cells; /* the parent's, or FDT_ERR_BADCELLS; FDT_ERR_BADOFFSET at the root */
	int size_cells;    /* likewise */
};

/* Sets c at the root of an opened tree. 0, or FDT_ERR_BADOFFSET if fdt was never opened. */
int fdt_cursor_root(const struct fdt *fdt, struct fdt_cursor *c);
/* Sets child at parent's first child: 0, FDT_ERR_NOTFOUND when it has none, or an error. */
int fdt_cursor_first_child(const struct fdt *fdt, const struct fdt_cursor *parent,
			   struct fdt_cursor *child);
/* Moves c to its next sibling: 0, FDT_ERR_NOTFOUND after the last (c unchanged), or an error. */
int fdt_cursor_next_sibling(const struct fdt *fdt, struct fdt_cursor *c);
/* fdt_prop, fdt_prop_string and fdt_is_enabled on c's node. */
int fdt_cursor_prop(const struct fdt *fdt, const struct fdt_cursor *c, const char *name,
		    const void **value, uint32_t *len);
int fdt_cursor_prop_string(const struct fdt *fdt, const struct fdt_cursor *c, const char *name,
			   const char **out);
bool fdt_cursor_is_enabled(const struct fdt *fdt, const struct fdt_cursor *c);
/*
 * Finds c's reg and the cells to decode it: 0, or the error fdt_reg would
 * give (the parent's cells first, then FDT_ERR_NOTFOUND or FDT_ERR_BADREG).
 */
int fdt_cursor_reg(const struct fdt *fdt, const struct fdt_cursor *c, struct fdt_reg *reg);

#endif
