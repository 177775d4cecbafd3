/*
 * mm/fdt.c - validated flattened-device-tree reader (Devicetree Spec v0.4, ch. 5).
 *
 * Layout of a blob: a 40-byte header, the memory-reservation block, the
 * structure block (a token stream: BEGIN_NODE name, PROP len nameoff value,
 * END_NODE, NOP, END; all 4-byte aligned, big-endian) and the strings block
 * holding property names. fdt_open() proves the whole stream well formed
 * once; tok_read() still checks every token it decodes, so a caller that
 * passes a made-up offset gets an error, never a read outside the blob.
 *
 * Never include kernel headers here: this file is also built on the host.
 */
#include "fdt.h"

#define FDT_MAGIC       0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_BEGIN_NODE  1u
#define FDT_END_NODE    2u
#define FDT_PROP        3u
#define FDT_NOP         4u
#define FDT_END         9u

struct token {
	uint32_t type;
	uint32_t next;     /* offset of the following token */
	const char *name;  /* node name (BEGIN_NODE) or property name (PROP) */
	const void *value; /* PROP only */
	uint32_t len;      /* PROP only */
};

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4);
}

const char *fdt_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case FDT_ERR_NOTFOUND: return "not found";
	case FDT_ERR_TRUNCATED: return "truncated (buffer smaller than the tree says)";
	case FDT_ERR_BADMAGIC: return "bad magic";
	case FDT_ERR_BADVERSION: return "unsupported version";
	case FDT_ERR_BADLAYOUT: return "blocks out of bounds, misaligned or overlapping";
	case FDT_ERR_BADTOKEN: return "bad or misplaced token in the structure block";
	case FDT_ERR_BADNAME: return "node name unterminated";
	case FDT_ERR_BADPROPLEN: return "property length runs past the structure block";
	case FDT_ERR_BADSTRING: return "property name outside the strings block";
	case FDT_ERR_TOODEEP: return "nodes nested too deep";
	case FDT_ERR_BADCELLS: return "bad #address-cells or #size-cells";
	case FDT_ERR_BADREG: return "reg is not a whole number of entries";
	case FDT_ERR_BADVALUE: return "property value of the wrong size or form";
	case FDT_ERR_BADOFFSET: return "offset is not a node";
	default: return "unknown error";
	}
}

/* Length of the NUL-terminated string at s within max bytes, or -1 if unterminated. */
static int64_t bounded_strlen(const uint8_t *s, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++) {
		if (s[i] == '\0')
			return i;
	}
	return -1;
}

static uint32_t align4(uint64_t off)
{
	return (uint32_t)((off + 3) & ~(uint64_t)3);
}

/* Decodes the token at off (relative to the structure block). */
static int tok_read(const struct fdt *fdt, uint32_t off, struct token *t)
{
	const uint8_t *base = fdt->blob + fdt->struct_off;
	uint32_t size = fdt->struct_size;

	if (off % 4 || (uint64_t)off + 4 > size)
		return FDT_ERR_BADTOKEN;
	t->type = fdt_be32(base + off);
	t->name = NULL;
	t->value = NULL;
	t->len = 0;
	switch (t->type) {
	case FDT_BEGIN_NODE: {
		int64_t n = bounded_strlen(base + off + 4, size - off - 4);
		if (n < 0)
			return FDT_ERR_BADNAME;
		t->name = (const char *)base + off + 4;
		t->next = align4((uint64_t)off + 4 + (uint64_t)n + 1);
		break;
	}
	case FDT_PROP: {
		if ((uint64_t)off + 12 > size)
			return FDT_ERR_BADPROPLEN;
		uint32_t len = fdt_be32(base + off + 4);
		uint32_t nameoff = fdt_be32(base + off + 8);
		if ((uint64_t)off + 12 + len > size)
			return FDT_ERR_BADPROPLEN;
		if (nameoff >= fdt->strings_size)
			return FDT_ERR_BADSTRING;
		const uint8_t *name = fdt->blob + fdt->strings_off + nameoff;
		if (bounded_strlen(name, fdt->strings_size - nameoff) < 0)
			return FDT_ERR_BADSTRING;
		t->name = (const char *)name;
		t->value = base + off + 12;
		t->len = len;
		t->next = align4((uint64_t)off + 12 + len);
		break;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END: t->next = off + 4; break;
	default: return FDT_ERR_BADTOKEN;
	}
	if (t->next > size && t->type != FDT_END)
		return FDT_ERR_BADTOKEN;
	return 0;
}

static int check_header(struct fdt *fdt, const uint8_t *b, size_t buf_size)
{
	if (buf_size < FDT_HEADER_SIZE)
		return FDT_ERR_TRUNCATED;
	if (fdt_be32(b) != FDT_MAGIC)
		return FDT_ERR_BADMAGIC;
	uint32_t total = fdt_be32(b + 4);
	uint32_t version = fdt_be32(b + 20), last_comp = fdt_be32(b + 24);
	if (version < 17 || last_comp > 17)
		return FDT_ERR_BADVERSION;
	if (total < FDT_HEADER_SIZE || total > buf_size)
		return FDT_ERR_TRUNCATED;

	fdt->blob = b;
	fdt->total_size = total;
	fdt->struct_off = fdt_be32(b + 8);
	fdt->strings_off = fdt_be32(b + 12);
	fdt->rsvmap_off = fdt_be32(b + 16);
	fdt->boot_cpuid = fdt_be32(b + 28);
	fdt->strings_size = fdt_be32(b + 32);
	fdt->struct_size = fdt_be32(b + 36);

	uint64_t struct_end = (uint64_t)fdt->struct_off + fdt->struct_size;
	uint64_t strings_end = (uint64_t)fdt->strings_off + fdt->strings_size;
	if (fdt->struct_off % 4 || fdt->rsvmap_off % 8)
		return FDT_ERR_BADLAYOUT;
	if (fdt->struct_off < FDT_HEADER_SIZE || fdt->strings_off < FDT_HEADER_SIZE ||
	    fdt->rsvmap_off < FDT_HEADER_SIZE)
		return FDT_ERR_BADLAYOUT;
	if (struct_end > total || strings_end > total)
		return FDT_ERR_BADLAYOUT;
	if (fdt->struct_off < strings_end && fdt->strings_off < struct_end && fdt->struct_size &&
	    fdt->strings_size)
		return FDT_ERR_BADLAYOUT;
	return 0;
}

/* Does [off, off+len) overlap the structure or strings block? */
static bool overlaps_blocks(const struct fdt *fdt, uint64_t off, uint64_t len)
{
	uint64_t s0 = fdt->struct_off, s1 = s0 + fdt->struct_size;
	uint64_t t0 = fdt->strings_off, t1 = t0 + fdt->strings_size;
	return (off < s1 && s0 < off + len) || (off < t1 && t0 < off + len);
}

/*
 * The reservation block is a list of (address, size) pairs ending with (0, 0).
 * Counts the pairs before the terminator, so fdt_reserved_entry() is one read.
 */
static int check_rsvmap(struct fdt *fdt)
{
	fdt->rsvmap_count = 0;
	for (uint64_t off = fdt->rsvmap_off;; off += 16, fdt->rsvmap_count++) {
		if (off + 16 > fdt->total_size || overlaps_blocks(fdt, off, 16))
			return FDT_ERR_BADLAYOUT;
		const uint8_t *e = fdt->blob + off;
		if (fdt_be64(e) == 0 && fdt_be64(e + 8) == 0)
			return 0;
	}
}

/* Walks the whole token stream: one root, balanced nodes, properties first. */
static int check_structure(const struct fdt *fdt)
{
	int depth = 0;
	bool root_seen = false, children_started[FDT_MAX_DEPTH + 1] = { false };
	struct token t;

	for (uint32_t off = 0;; off = t.next) {
		int err = tok_read(fdt, off, &t);
		if (err)
			return err;
		if (off == 0 && t.type != FDT_BEGIN_NODE)
			return FDT_ERR_BADTOKEN; /* the root must be the first token */
		switch (t.type) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && root_seen)
				return FDT_ERR_BADTOKEN; /* a second root */
			if (depth > 0)
				children_started[depth] = true;
			if (++depth > FDT_MAX_DEPTH)
				return FDT_ERR_TOODEEP;
			children_started[depth] = false;
			root_seen = true;
			break;
		case FDT_PROP:
			if (depth == 0 || children_started[depth])
				return FDT_ERR_BADTOKEN;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return FDT_ERR_BADTOKEN;
			depth--;
			break;
		case FDT_NOP: break;
		case FDT_END: return depth == 0 && root_seen ? 0 : FDT_ERR_BADTOKEN;
		}
	}
}

int fdt_open(struct fdt *fdt, const void *blob, size_t buf_size)
{
	int err = check_header(fdt, blob, buf_size);
	if (!err)
		err = check_rsvmap(fdt);
	if (!err)
		err = check_structure(fdt);
	return err;
}

/*
 * Reads the BEGIN_NODE token at node. The offset must be reached by walking
 * the stream from the root, so bytes inside a property value that happen to
 * look like a BEGIN_NODE token are rejected.
 */
static int node_token(const struct fdt *fdt, int node, struct token *t)
{
	if (node < 0)
		return FDT_ERR_BADOFFSET;
	uint32_t off = 0;
	while (off < (uint32_t)node) {
		if (tok_read(fdt, off, t) || t->type == FDT_END)
			return FDT_ERR_BADOFFSET;
		off = t->next;
	}
	if (off != (uint32_t)node || tok_read(fdt, off, t))
		return FDT_ERR_BADOFFSET;
	return t->type == FDT_BEGIN_NODE ? 0 : FDT_ERR_BADOFFSET;
}

/* The first BEGIN_NODE at or after token offset off (a token boundary). */
static int node_at_or_after(const struct fdt *fdt, uint32_t off)
{
	struct token t;
	for (;; off = t.next) {
		int err = tok_read(fdt, off, &t);
		if (err)
			return err;
		if (t.type == FDT_BEGIN_NODE)
			return (int)off;
		if (t.type == FDT_END)
			return FDT_ERR_NOTFOUND;
	}
}

/* Offset of the token after node's BEGIN_NODE; -1 (as from) means the start. */
static int walk_start(const struct fdt *fdt, int from, uint32_t *off)
{
	struct token t;
	if (from == -1) {
		*off = 0;
		return 0;
	}
	int err = node_token(fdt, from, &t);
	if (err)
		return err;
	*off = t.next;
	return 0;
}

/* Skips NOPs from off; returns the offset of the next real token or an error. */
static int skip_nops(const struct fdt *fdt, uint32_t off, struct token *t)
{
	for (;;) {
		int err = tok_read(fdt, off, t);
		if (err)
			return err;
		if (t->type != FDT_NOP)
			return (int)off;
		off = t->next;
	}
}

/*
 * Everything below that starts from a node's body (the token after its
 * BEGIN_NODE) costs time linear in that node's own size: the public calls
 * that take an offset pay for node_token() first, cursors do not.
 */

/* Offset just past the END_NODE that closes the node whose body starts at body. */
static int subtree_end(const struct fdt *fdt, uint32_t body)
{
	struct token t;
	int depth = 1;
	for (uint32_t off = body;; off = t.next) {
		int err = tok_read(fdt, off, &t);
		if (err)
			return err;
		if (t.type == FDT_BEGIN_NODE)
			depth++;
		else if (t.type == FDT_END_NODE && --depth == 0)
			return (int)t.next;
		else if (t.type == FDT_END)
			return FDT_ERR_BADTOKEN;
	}
}

/* The first child of the node whose body starts at body; *t is the child's BEGIN_NODE. */
static int first_child_at(const struct fdt *fdt, uint32_t body, struct token *t)
{
	for (uint32_t off = body;; off = t->next) {
		int err = tok_read(fdt, off, t);
		if (err)
			return err;
		if (t->type == FDT_BEGIN_NODE)
			return (int)off;
		if (t->type != FDT_PROP && t->type != FDT_NOP)
			return FDT_ERR_NOTFOUND;
	}
}

/* The next sibling of the node whose body starts at body; *t is the sibling's BEGIN_NODE. */
static int sibling_after(const struct fdt *fdt, uint32_t body, struct token *t)
{
	int off = subtree_end(fdt, body);
	if (off < 0)
		return off;
	off = skip_nops(fdt, (uint32_t)off, t);
	if (off < 0)
		return off;
	return t->type == FDT_BEGIN_NODE ? off : FDT_ERR_NOTFOUND;
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	return err ? err : first_child_at(fdt, t.next, &t);
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	return err ? err : sibling_after(fdt, t.next, &t);
}

int fdt_next_node(const struct fdt *fdt, int node)
{
	uint32_t off;
	int err = walk_start(fdt, node, &off);
	return err ? err : node_at_or_after(fdt, off);
}

int fdt_parent(const struct fdt *fdt, int node)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	if (err)
		return err;
	int stack[FDT_MAX_DEPTH + 1];
	int depth = 0;
	for (uint32_t off = 0;; off = t.next) {
		err = tok_read(fdt, off, &t);
		if (err)
			return err;
		if (t.type == FDT_BEGIN_NODE) {
			if ((int)off == node)
				return depth ? stack[depth - 1] : FDT_ERR_NOTFOUND;
			if (depth > FDT_MAX_DEPTH)
				return FDT_ERR_TOODEEP;
			stack[depth++] = (int)off;
		} else if (t.type == FDT_END_NODE) {
			if (depth-- == 0)
				return FDT_ERR_BADTOKEN;
		} else if (t.type == FDT_END) {
			return FDT_ERR_BADOFFSET;
		}
	}
}

const char *fdt_name(const struct fdt *fdt, int node)
{
	struct token t;
	return node_token(fdt, node, &t) ? NULL : t.name;
}

bool fdt_name_matches(const char *node_name, const char *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		if (node_name[i] != want[i])
			return false;
	}
	if (node_name[i] == '\0')
		return true;
	/* "cpu" matches "cpu@0" unless the caller named a unit address itself. */
	for (size_t j = 0; j < i; j++) {
		if (want[j] == '@')
			return false;
	}
	return node_name[i] == '@';
}

int fdt_subnode(const struct fdt *fdt, int parent, const char *name)
{
	for (int child = fdt_first_child(fdt, parent); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		if (fdt_name_matches(fdt_name(fdt, child), name))
			return child;
	}
	return FDT_ERR_NOTFOUND;
}

int fdt_path(const struct fdt *fdt, const char *path)
{
	if (path[0] != '/')
		return FDT_ERR_NOTFOUND;
	int node = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char component[64];
		size_t n = 0;
		while (p[n] && p[n] != '/') {
			if (n + 1 >= sizeof(component))
				return FDT_ERR_NOTFOUND;
			component[n] = p[n];
			n++;
		}
		component[n] = '\0';
		node = fdt_subnode(fdt, node, component);
		if (node < 0)
			return node;
		p += n;
	}
	return node;
}

/* Finds a property of the node whose body starts at body. */
static int prop_after(const struct fdt *fdt, uint32_t body, const char *name, const void **value,
		      uint32_t *len)
{
	struct token t;
	for (uint32_t off = body;; off = t.next) {
		int err = tok_read(fdt, off, &t);
		if (err)
			return err;
		if (t.type == FDT_PROP) {
			const char *a = t.name, *b = name;
			while (*a && *a == *b)
				a++, b++;
			if (*a == *b) {
				*value = t.value;
				*len = t.len;
				return 0;
			}
		} else if (t.type != FDT_NOP) {
			return FDT_ERR_NOTFOUND;
		}
	}
}

int fdt_prop(const struct fdt *fdt, int node, const char *name, const void **value, uint32_t *len)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	return err ? err : prop_after(fdt, t.next, name, value, len);
}

int fdt_prop_cell(const struct fdt *fdt, int node, const char *name, uint32_t idx, uint32_t *out)
{
	const void *v;
	uint32_t len;
	int err = fdt_prop(fdt, node, name, &v, &len);
	if (err)
		return err;
	if (len % 4)
		return FDT_ERR_BADVALUE;
	if (idx >= len / 4)
		return FDT_ERR_NOTFOUND;
	*out = fdt_be32((const uint8_t *)v + 4 * idx);
	return 0;
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	const void *v;
	uint32_t len;
	int err = fdt_prop(fdt, node, name, &v, &len);
	if (err)
		return err;
	if (len != 4)
		return FDT_ERR_BADVALUE;
	*out = fdt_be32(v);
	return 0;
}

/* A property value as a string: FDT_ERR_BADVALUE unless NUL-terminated inside len. */
static int string_value(int err, const void *v, uint32_t len, const char **out)
{
	if (err)
		return err;
	if (len == 0 || bounded_strlen(v, len) < 0)
		return FDT_ERR_BADVALUE;
	*out = v;
	return 0;
}

int fdt_prop_string(const struct fdt *fdt, int node, const char *name, const char **out)
{
	const void *v;
	uint32_t len;
	int err = fdt_prop(fdt, node, name, &v, &len);
	return string_value(err, v, len, out);
}

/* Whether a compatible list (NUL-separated strings) holds compat exactly. */
static bool list_has(const void *v, uint32_t len, const char *compat)
{
	/* An unterminated tail never matches. */
	const uint8_t *s = v;
	for (uint32_t off = 0; off < len;) {
		int64_t n = bounded_strlen(s + off, len - off);
		if (n < 0)
			return false;
		const char *a = (const char *)s + off, *b = compat;
		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return true;
		off += (uint32_t)n + 1;
	}
	return false;
}

bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
	const void *v;
	uint32_t len;
	return fdt_prop(fdt, node, "compatible", &v, &len) == 0 && list_has(v, len, compat);
}

/* Whether a status property read with error err (NOTFOUND: none) says "enabled". */
static bool status_enabled(int err, const char *status)
{
	if (err == FDT_ERR_NOTFOUND)
		return true;
	if (err)
		return false;
	return (status[0] == 'o' && status[1] == 'k' &&
		(status[2] == '\0' || (status[2] == 'a' && status[3] == 'y' && status[4] == '\0')));
}

bool fdt_is_enabled(const struct fdt *fdt, int node)
{
	const char *status = NULL;
	int err = fdt_prop_string(fdt, node, "status", &status);
	return status_enabled(err, status);
}

/*
 * Walks every node after `from` (-1: all) in document order and returns the
 * first for which match(token, arg) holds. One pass: the walk itself proves
 * each node offset, so no per-node revalidation is needed.
 */
static int find_node(const struct fdt *fdt, int from,
		     bool (*match)(const struct fdt *, const struct token *, const void *),
		     const void *arg)
{
	uint32_t off;
	int err = walk_start(fdt, from, &off);
	if (err)
		return err;
	struct token t;
	for (int node = node_at_or_after(fdt, off); node >= 0;
	     node = node_at_or_after(fdt, t.next)) {
		if (tok_read(fdt, (uint32_t)node, &t))
			return FDT_ERR_BADTOKEN;
		if (match(fdt, &t, arg))
			return node;
	}
	return FDT_ERR_NOTFOUND;
}

static bool match_compatible(const struct fdt *fdt, const struct token *node, const void *arg)
{
	const void *v;
	uint32_t len;
	return prop_after(fdt, node->next, "compatible", &v, &len) == 0 && list_has(v, len, arg);
}

static bool match_phandle(const struct fdt *fdt, const struct token *node, const void *arg)
{
	const void *v;
	uint32_t len;
	return prop_after(fdt, node->next, "phandle", &v, &len) == 0 && len == 4 &&
	       fdt_be32(v) == *(const uint32_t *)arg;
}

int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat)
{
	return find_node(fdt, from, match_compatible, compat);
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
	if (phandle == 0 || phandle == 0xffffffffu)
		return FDT_ERR_NOTFOUND;
	return find_node(fdt, -1, match_phandle, &phandle);
}

/* A #address-cells / #size-cells value read with error err, checked against min..2. */
static int cells_value(int err, const void *v, uint32_t len, uint32_t dflt, uint32_t min)
{
	if (err == FDT_ERR_NOTFOUND)
		return (int)dflt;
	if (err || len != 4)
		return FDT_ERR_BADCELLS;
	uint32_t value = fdt_be32(v);
	return value >= min && value <= 2 ? (int)value : FDT_ERR_BADCELLS;
}

static int address_cells_at(const struct fdt *fdt, uint32_t body)
{
	const void *v = NULL;
	uint32_t len = 0;
	int err = prop_after(fdt, body, "#address-cells", &v, &len);
	return cells_value(err, v, len, 2, 1);
}

static int size_cells_at(const struct fdt *fdt, uint32_t body)
{
	const void *v = NULL;
	uint32_t len = 0;
	int err = prop_after(fdt, body, "#size-cells", &v, &len);
	return cells_value(err, v, len, 1, 0);
}

int fdt_address_cells(const struct fdt *fdt, int node)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	return err ? err : address_cells_at(fdt, t.next);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
	struct token t;
	int err = node_token(fdt, node, &t);
	return err ? err : size_cells_at(fdt, t.next);
}

/*
 * A reg value (read with error err) decoded with ac / sc cells, which may be
 * errors themselves: the first error wins, in the order fdt_reg() documents.
 */
static int reg_view(int ac, int sc, int err, const void *v, uint32_t len, struct fdt_reg *reg)
{
	if (ac < 0)
		return ac;
	if (sc < 0)
		return sc;
	if (err)
		return err;
	uint32_t entry = 4u * (uint32_t)(ac + sc);
	if (len % entry)
		return FDT_ERR_BADREG;
	*reg = (struct fdt_reg){ v, len / entry, ac, sc };
	return 0;
}

static uint64_t read_cells(const uint8_t *p, int n)
{
	return n == 2 ? fdt_be64(p) : fdt_be32(p);
}

int fdt_reg_entry(const struct fdt_reg *reg, uint32_t idx, uint64_t *addr, uint64_t *size)
{
	if (idx >= reg->count)
		return FDT_ERR_NOTFOUND;
	int ac = reg->address_cells, sc = reg->size_cells;
	const uint8_t *p = reg->cells + (uint64_t)idx * 4u * (uint32_t)(ac + sc);
	*addr = read_cells(p, ac);
	*size = sc ? read_cells(p + 4 * ac, sc) : 0;
	return 0;
}

int fdt_reg(const struct fdt *fdt, int node, uint32_t idx, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent(fdt, node);
	if (parent < 0)
		return parent == FDT_ERR_NOTFOUND ? FDT_ERR_BADOFFSET : parent;
	int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
	const void *v = NULL;
	uint32_t len = 0;
	int err = fdt_prop(fdt, node, "reg", &v, &len);
	struct fdt_reg reg;
	err = reg_view(ac, sc, err, v, len, &reg);
	return err ? err : fdt_reg_entry(&reg, idx, addr, size);
}

int fdt_reserved_entry(const struct fdt *fdt, uint32_t idx, uint64_t *addr, uint64_t *size)
{
	/* fdt_open counted the entries before the terminator, all in bounds. */
	if (idx >= fdt->rsvmap_count)
		return FDT_ERR_NOTFOUND;
	const uint8_t *e = fdt->blob + fdt->rsvmap_off + (uint64_t)idx * 16;
	*addr = fdt_be64(e);
	*size = fdt_be64(e + 8);
	return 0;
}

/* --- cursors --- */

int fdt_cursor_root(const struct fdt *fdt, struct fdt_cursor *c)
{
	struct token t;
	if (tok_read(fdt, 0, &t) || t.type != FDT_BEGIN_NODE)
		return FDT_ERR_BADOFFSET;
	*c = (struct fdt_cursor){ 0, t.name, t.next, FDT_ERR_BADOFFSET, FDT_ERR_BADOFFSET };
	return 0;
}

int fdt_cursor_first_child(const struct fdt *fdt, const struct fdt_cursor *parent,
			   struct fdt_cursor *child)
{
	struct token t;
	int off = first_child_at(fdt, parent->body, &t);
	if (off < 0)
		return off;
	*child = (struct fdt_cursor){ off, t.name, t.next, address_cells_at(fdt, parent->body),
				      size_cells_at(fdt, parent->body) };
	return 0;
}

int fdt_cursor_next_sibling(const struct fdt *fdt, struct fdt_cursor *c)
{
	struct token t;
	int off = sibling_after(fdt, c->body, &t);
	if (off < 0)
		return off;
	c->node = off;
	c->name = t.name;
	c->body = t.next;
	return 0;
}

int fdt_cursor_prop(const struct fdt *fdt, const struct fdt_cursor *c, const char *name,
		    const void **value, uint32_t *len)
{
	return prop_after(fdt, c->body, name, value, len);
}

int fdt_cursor_prop_string(const struct fdt *fdt, const struct fdt_cursor *c, const char *name,
			   const char **out)
{
	const void *v = NULL;
	uint32_t len = 0;
	int err = prop_after(fdt, c->body, name, &v, &len);
	return string_value(err, v, len, out);
}

bool fdt_cursor_is_enabled(const struct fdt *fdt, const struct fdt_cursor *c)
{
	const char *status = NULL;
	int err = fdt_cursor_prop_string(fdt, c, "status", &status);
	return status_enabled(err, status);
}

int fdt_cursor_reg(const struct fdt *fdt, const struct fdt_cursor *c, struct fdt_reg *reg)
{
	const void *v = NULL;
	uint32_t len = 0;
	int err = prop_after(fdt, c->body, "reg", &v, &len);
	return reg_view(c->address_cells, c->size_cells, err, v, len, reg);
}
