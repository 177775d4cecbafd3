/*
 * mkfs/fsck_check.c - the checks and repairs of fsck_check.h.
 *
 * Reads the image with include/fs_format.h and lib/fs_layout alone, never
 * the kernel's code, so a bug in kernel/fs.c cannot hide itself from it.
 * Every multi-byte value is copied out with memcpy: the image may sit at
 * any alignment and hold anything.
 *
 * The passes:
 *   1. ownership  every inode in use, in number order, claims its blocks;
 *                 the first claim wins, a later one is a problem and is not
 *                 followed (so a shared indirect block is read once).
 *   2. tree       from the root, depth first with an explicit stack: each
 *                 directory's entries are read (through the blocks it owns
 *                 only), checked, counted and followed.
 *   3. links      nlink against the counts, and orphans.
 *   4. free map   against ownership.
 * Repair then changes the image and runs pass 1 again to redo the free map.
 */
#include "fsck_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/fs_format.h"
#include "../kernel/param.h"
/* kernel/stat.h gives the inode types; its struct stat would clash with the host's. */
#define stat magma_stat
#include "../kernel/stat.h"
#undef stat
#include "../lib/crc32c.h"
#include "../lib/fs_decode.h"
#include "../lib/fs_layout.h"

#define BS             FS_BLOCK_SIZE
#define DIRENT_BYTES   ((uint32_t)sizeof(struct fs_dirent))
#define PATH_CAP       1024 /* longer paths are cut to "..." in lines and states */
#define PATH_PREFIX    (PATH_CAP - FS_NAME_MAX - 8)
#define LINE_BYTES     (4 * PATH_CAP + 512)
#define DIRENTS_PER_BS (BS / DIRENT_BYTES)

/* A directory entry as read: its name NUL-terminated. */
struct entry {
	uint32_t inum;
	uint64_t offset; /* bytes into the directory */
	char name[FS_NAME_MAX + 1];
	int padding_bad; /* bytes other than NUL after the name's end */
};

/* A directory on the walk's stack: its entries and how far the walk has come. */
struct frame {
	uint32_t inum;
	struct entry *entries;
	size_t n, next;
	size_t path_len; /* of its path in fsck.path */
};

struct fsck {
	const uint8_t *image;
	uint8_t *writable; /* the same bytes when repairing */
	struct fs_super sb;
	const struct fsck_options *opt;
	struct fsck_result *res;
	int quiet; /* pass 1 run again after a repair: no lines, no counts */
	int nomem;

	uint32_t
		*remap; /* per block: the log slot replaying over it, 0 for none; NULL: no commit */
	uint32_t *owner;  /* per block: the inode that claimed it first, 0 for none */
	uint32_t *stamp;  /* per block: the last read walk that followed it (indirect blocks) */
	uint32_t walks;   /* read walks so far */
	uint32_t *links;  /* per inode: entries of reached directories naming it, "." aside */
	uint32_t *nowned; /* per inode: blocks it claimed first */
	uint8_t *reached; /* per inode */
	int root_ok;

	char path[PATH_CAP + 1]; /* of the directory or entry being looked at */
	size_t path_len;
	char shown[4 * PATH_CAP + 40]; /* the path as a line shows it */
	char *state;
	size_t state_len, state_cap;
};

/* --- reading the image --- */

/* Block b (below sb.size, so inside the image), as a mount that replayed the log would see it. */
static const uint8_t *block(const struct fsck *c, uint32_t b)
{
	uint32_t from = c->remap && c->remap[b] ? c->remap[b] : b;
	return c->image + (size_t)from * BS;
}

static uint32_t word_at(const uint8_t *p, uint32_t index)
{
	uint32_t w;
	memcpy(&w, p + (size_t)index * sizeof w, sizeof w);
	return w;
}

/* Where inode inum (below ninodes) lies in the image. */
static size_t dinode_offset(const struct fsck *c, uint32_t inum)
{
	return (size_t)(block(c, FS_INODE_BLOCK(inum, &c->sb)) - c->image) +
	       (size_t)(inum % FS_INODES_PER_BLOCK) * sizeof(struct fs_dinode);
}

static struct fs_dinode dinode(const struct fsck *c, uint32_t inum)
{
	struct fs_dinode d;
	memcpy(&d, c->image + dinode_offset(c, inum), sizeof d);
	return d;
}

/* The free-map bit of block b (below sb.size). */
static int bit_of(const struct fsck *c, uint32_t b)
{
	return (block(c, FS_BITMAP_BLOCK(b, &c->sb))[FS_BITMAP_BYTE(b)] & FS_BITMAP_MASK(b)) != 0;
}

static int type_known(uint16_t type)
{
	return type == T_DIR || type == T_FILE || type == T_DEVICE;
}

/* "s" unless n is 1. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static const char *type_name(uint16_t type)
{
	switch (type) {
	case T_DIR: return "directory";
	case T_FILE: return "file";
	case T_DEVICE: return "device";
	default: return "unknown type";
	}
}

/* --- lines --- */

static void say(struct fsck *c, enum fsck_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct fsck *c, enum fsck_kind kind, const char *fmt, ...)
{
	if (c->quiet)
		return;
	if (kind == FSCK_PROBLEM)
		c->res->problems++;
	else if (kind == FSCK_REPAIR)
		c->res->repairs++;
	if (!c->opt->report)
		return;
	char line[LINE_BYTES];
	va_list args;
	va_start(args, fmt);
	vsnprintf(line, sizeof line, fmt, args);
	va_end(args);
	c->opt->report(c->opt->arg, kind, line);
}

/* c->path for a line: bytes outside printable ASCII as \xNN. Valid until the next call. */
static const char *shown_path(struct fsck *c)
{
	char *out = c->shown;
	size_t o = 0;
	for (size_t i = 0; i < c->path_len && o + 5 < sizeof c->shown; i++) {
		unsigned char ch = (unsigned char)c->path[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, sizeof c->shown - o, "\\x%02x", ch);
	}
	out[o] = '\0';
	return out;
}

/*
 * Appends "/name" to c->path (no second slash after the root's). A path
 * that would pass PATH_CAP keeps its first PATH_PREFIX bytes, then "/...",
 * then the name: a line still names the entry.
 */
static void path_push(struct fsck *c, const char *name)
{
	size_t len = strlen(name);
	if (c->path_len + 1 + len > PATH_CAP) {
		c->path_len = PATH_PREFIX;
		memcpy(c->path + c->path_len, "/...", 4);
		c->path_len += 4;
	}
	if (!(c->path_len == 1 && c->path[0] == '/'))
		c->path[c->path_len++] = '/';
	memcpy(c->path + c->path_len, name, len);
	c->path_len += len;
	c->path[c->path_len] = '\0';
}

static void path_cut(struct fsck *c, size_t len)
{
	c->path_len = len;
	c->path[len] = '\0';
}

/* The state line of the inode at c->path. */
static void state_add(struct fsck *c, const struct fs_dinode *d, uint32_t crc)
{
	if (!c->opt->want_state || c->nomem)
		return;
	const char *fmt = "%s t%u s%llu n%u c%08x\n";
	int n = snprintf(NULL, 0, fmt, c->path, d->type, (unsigned long long)d->size, d->nlink,
			 crc);
	if (c->state_len + (size_t)n + 1 > c->state_cap) {
		size_t cap = (c->state_len + (size_t)n + 1) * 2;
		char *grown = realloc(c->state, cap);
		if (!grown) {
			c->nomem = 1;
			return;
		}
		c->state = grown;
		c->state_cap = cap;
	}
	snprintf(c->state + c->state_len, (size_t)n + 1, fmt, c->path, d->type,
		 (unsigned long long)d->size, d->nlink, crc);
	c->state_len += (size_t)n;
}

/* --- walking an inode's blocks --- */

/* Where an address sits in the tree: addrs[top], then entry i, then entry j. */
struct slot {
	uint32_t top, i, j;
	int depth;
};

static const char *slot_text(const struct slot *s, char *buf, size_t n)
{
	if (s->depth == 0)
		snprintf(buf, n, "addrs[%u]", s->top);
	else if (s->depth == 1)
		snprintf(buf, n, "addrs[%u][%u]", s->top, s->i);
	else
		snprintf(buf, n, "addrs[%u][%u][%u]", s->top, s->i, s->j);
	return buf;
}

struct walk;
/* Called for each data block bn (inside the size) a read walk finds, at addr inside the data. */
typedef void (*data_fn)(struct walk *w, uint64_t bn, uint32_t addr);

struct walk {
	struct fsck *c;
	uint32_t inum;
	struct fs_dinode d;
	uint64_t need;    /* data blocks the size covers */
	int claim;        /* pass 1: claim and report; else read what the inode owns */
	uint32_t id;      /* of a read walk, for fsck.stamp */
	uint64_t next_bn; /* pass 1: the first data block not yet met */
	int holes_quiet;  /* a hole was reported, or part of the tree was not followed */
	data_fn data;
	void *arg;
};

/* Pass 1: addr joins w's blocks. Whether w owns it now (and may follow it). */
static int claim(struct walk *w, uint32_t addr, const struct slot *s)
{
	struct fsck *c = w->c;
	char where[48];
	if (addr < c->sb.datastart || addr >= c->sb.size) {
		say(c, FSCK_PROBLEM, "inode %u: block %u (%s) is outside the data blocks %u .. %u",
		    w->inum, addr, slot_text(s, where, sizeof where), c->sb.datastart,
		    c->sb.size - 1);
		return 0;
	}
	uint32_t owner = c->owner[addr];
	if (owner == 0) {
		c->owner[addr] = w->inum;
		c->nowned[w->inum]++;
		return 1;
	}
	if (owner == w->inum)
		say(c, FSCK_PROBLEM, "inode %u: block %u (%s) is named twice by this inode",
		    w->inum, addr, slot_text(s, where, sizeof where));
	else
		say(c, FSCK_PROBLEM, "inode %u: block %u (%s) is also owned by inode %u", w->inum,
		    addr, slot_text(s, where, sizeof where), owner);
	return 0;
}

/* Pass 1: a data block's place against the size. */
static void check_data_place(struct walk *w, uint64_t bn, uint32_t addr, const struct slot *s,
			     int past_said)
{
	struct fsck *c = w->c;
	char where[48];
	if (bn >= w->need) {
		if (!past_said)
			say(c, FSCK_PROBLEM,
			    "inode %u: block %u (%s) holds data block %llu, past the size %llu",
			    w->inum, addr, slot_text(s, where, sizeof where),
			    (unsigned long long)bn, (unsigned long long)w->d.size);
		return;
	}
	if (bn > w->next_bn && !w->holes_quiet) {
		say(c, FSCK_PROBLEM, "inode %u: no block for data block %llu, inside the size %llu",
		    w->inum, (unsigned long long)w->next_bn, (unsigned long long)w->d.size);
		w->holes_quiet = 1;
	}
	w->next_bn = bn + 1;
}

/*
 * The address at slot s: a data block (level 0) or an indirect block of
 * level 1 or 2 whose first data block is bn. past_said: an indirect block
 * above was already reported as past the size.
 */
static void walk_addr(struct walk *w, uint32_t addr, int level, uint64_t bn, struct slot s,
		      int past_said)
{
	struct fsck *c = w->c;
	if (addr == 0)
		return;
	int in_data = addr >= c->sb.datastart && addr < c->sb.size;
	if (w->claim) {
		int owned = claim(w, addr, &s);
		if (level == 0) {
			check_data_place(w, bn, addr, &s, past_said);
			return;
		}
		if (bn >= w->need && !past_said) {
			char where[48];
			say(c, FSCK_PROBLEM,
			    "inode %u: block %u (%s) is an indirect block past the size %llu",
			    w->inum, addr, slot_text(&s, where, sizeof where),
			    (unsigned long long)w->d.size);
			past_said = 1;
		}
		if (!owned) {
			w->holes_quiet = 1;
			return;
		}
	} else {
		if (level == 0) {
			if (in_data && bn < w->need)
				w->data(w, bn, addr);
			return;
		}
		if (!in_data || c->owner[addr] != w->inum || c->stamp[addr] == w->id ||
		    bn >= w->need)
			return;
		c->stamp[addr] = w->id;
	}
	const uint8_t *b = block(c, addr);
	uint64_t span = level == 1 ? 1 : FS_NINDIRECT;
	for (uint32_t i = 0; i < FS_NINDIRECT; i++) {
		struct slot child = s;
		if (s.depth == 0)
			child.i = i;
		else
			child.j = i;
		child.depth = s.depth + 1;
		walk_addr(w, word_at(b, i), level - 1, bn + i * span, child, past_said);
	}
}

static void walk_inode(struct walk *w)
{
	uint64_t max_bytes = FS_MAXFILE_BLOCKS * BS;
	w->need = w->d.size > max_bytes ? FS_MAXFILE_BLOCKS : (w->d.size + BS - 1) / BS;
	w->holes_quiet = w->d.size > max_bytes; /* said once, as the size */
	for (uint32_t k = 0; k < FS_NDIRECT; k++)
		walk_addr(w, w->d.addrs[k], 0, k, (struct slot){ .top = k }, 0);
	walk_addr(w, w->d.addrs[FS_ADDR_SINGLE], 1, FS_NDIRECT,
		  (struct slot){ .top = FS_ADDR_SINGLE }, 0);
	walk_addr(w, w->d.addrs[FS_ADDR_DOUBLE], 2, FS_NDIRECT + FS_NINDIRECT,
		  (struct slot){ .top = FS_ADDR_DOUBLE }, 0);
	if (w->claim && w->next_bn < w->need && !w->holes_quiet)
		say(w->c, FSCK_PROBLEM,
		    "inode %u: no block for data block %llu, inside the size %llu", w->inum,
		    (unsigned long long)w->next_bn, (unsigned long long)w->d.size);
}

/* A read walk of inode inum: data gets each data block it owns inside its size, in order. */
static void read_inode(struct fsck *c, uint32_t inum, const struct fs_dinode *d, data_fn data,
		       void *arg)
{
	struct walk w = {
		.c = c, .inum = inum, .d = *d, .id = ++c->walks, .data = data, .arg = arg
	};
	walk_inode(&w);
}

/* --- pass 1: every inode in use and its blocks --- */

static void check_inode_fields(struct fsck *c, uint32_t inum, const struct fs_dinode *d)
{
	if (!type_known(d->type))
		say(c, FSCK_PROBLEM,
		    "inode %u: type %u is not free (0), a directory (%u), a file (%u) or a device "
		    "(%u)",
		    inum, d->type, T_DIR, T_FILE, T_DEVICE);
	if (d->type == T_DEVICE && d->major >= NDEV)
		say(c, FSCK_PROBLEM, "inode %u: device major %u, past the last driver (%u)", inum,
		    d->major, NDEV - 1);
	if (d->type == T_DIR && d->size % DIRENT_BYTES)
		say(c, FSCK_PROBLEM,
		    "inode %u: directory size %llu is not a multiple of the entry size %u", inum,
		    (unsigned long long)d->size, DIRENT_BYTES);
	if (d->type == T_DIR && d->size > FS_DIR_MAX_BYTES)
		say(c, FSCK_PROBLEM,
		    "inode %u: directory size %llu is over a directory's maximum %llu", inum,
		    (unsigned long long)d->size, (unsigned long long)FS_DIR_MAX_BYTES);
	if (d->size > FS_MAXFILE_BLOCKS * BS)
		say(c, FSCK_PROBLEM, "inode %u: size %llu is over the format's maximum %llu", inum,
		    (unsigned long long)d->size, (unsigned long long)(FS_MAXFILE_BLOCKS * BS));
}

/* Pass 1: fills owner and nowned, reporting each inode's own problems. */
static void claim_all(struct fsck *c)
{
	memset(c->owner, 0, (size_t)c->sb.size * sizeof *c->owner);
	memset(c->nowned, 0, (size_t)c->sb.ninodes * sizeof *c->nowned);
	struct fs_dinode zero = dinode(c, 0);
	if (zero.type != 0)
		say(c, FSCK_PROBLEM, "inode 0: type %u, but inode 0 is never used", zero.type);
	for (uint32_t inum = FS_ROOT_INUM; inum < c->sb.ninodes; inum++) {
		struct fs_dinode d = dinode(c, inum);
		if (d.type == 0)
			continue;
		c->res->inodes_in_use += !c->quiet; /* the count of the image as checked */
		check_inode_fields(c, inum, &d);
		/* An inode of unknown type still claims its blocks: it may be a damaged real one. */
		struct walk w = { .c = c, .inum = inum, .d = d, .claim = 1 };
		walk_inode(&w);
	}
}

/* --- pass 2: the tree --- */

struct entries {
	const struct fs_dinode *d;
	struct entry *e;
	size_t n, cap;
	int nomem;
};

static void collect_entries(struct walk *w, uint64_t bn, uint32_t addr)
{
	struct entries *es = w->arg;
	const uint8_t *b = block(w->c, addr);
	uint64_t left = (es->d->size - bn * BS) / DIRENT_BYTES;
	uint32_t count = left < DIRENTS_PER_BS ? (uint32_t)left : DIRENTS_PER_BS;
	for (uint32_t i = 0; i < count; i++) {
		struct fs_dirent de;
		memcpy(&de, b + (size_t)i * DIRENT_BYTES, sizeof de);
		if (de.inum == 0)
			continue;
		if (es->n == es->cap) {
			size_t cap = es->cap ? es->cap * 2 : 16;
			struct entry *grown = realloc(es->e, cap * sizeof *grown);
			if (!grown) {
				es->nomem = 1;
				return;
			}
			es->e = grown;
			es->cap = cap;
		}
		struct entry *e = &es->e[es->n++];
		e->inum = de.inum;
		e->offset = bn * BS + (uint64_t)i * DIRENT_BYTES;
		size_t len = strnlen(de.name, FS_NAME_MAX);
		memcpy(e->name, de.name, len);
		e->name[len] = '\0';
		e->padding_bad = 0;
		for (size_t k = len; k < FS_NAME_MAX; k++)
			e->padding_bad |= de.name[k] != 0;
	}
}

static int by_name(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a,
			   *y = *(const struct entry *const *)b;
	int order = strcmp(x->name, y->name);
	return order ? order : (x->offset > y->offset) - (x->offset < y->offset);
}

/* Names non-empty, without '/', padded with NULs, unique; c->path is the directory's. */
static void check_names(struct fsck *c, struct entry *e, size_t n)
{
	size_t dir_len = c->path_len;
	for (size_t i = 0; i < n; i++) {
		if (e[i].name[0] == '\0') {
			say(c, FSCK_PROBLEM,
			    "%s: the entry at byte %llu (inode %u) has an empty name",
			    shown_path(c), (unsigned long long)e[i].offset, e[i].inum);
			continue;
		}
		path_push(c, e[i].name);
		if (strchr(e[i].name, '/'))
			say(c, FSCK_PROBLEM, "%s: the entry's name holds a '/'", shown_path(c));
		if (e[i].padding_bad)
			say(c, FSCK_PROBLEM, "%s: bytes other than NUL follow the entry's name",
			    shown_path(c));
		path_cut(c, dir_len);
	}
	struct entry **sorted = malloc((n ? n : 1) * sizeof *sorted);
	if (!sorted) {
		c->nomem = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = &e[i];
	qsort(sorted, n, sizeof *sorted, by_name);
	for (size_t i = 1; i < n; i++) {
		if (sorted[i]->name[0] && strcmp(sorted[i]->name, sorted[i - 1]->name) == 0) {
			path_push(c, sorted[i]->name);
			say(c, FSCK_PROBLEM,
			    "%s: a second entry of this name (bytes %llu and %llu)", shown_path(c),
			    (unsigned long long)sorted[i - 1]->offset,
			    (unsigned long long)sorted[i]->offset);
			path_cut(c, dir_len);
		}
	}
	free(sorted);
}

/* "." names the directory, ".." the parent; c->path is the directory's. */
static void check_dots(struct fsck *c, uint32_t inum, uint32_t parent, const struct entry *e,
		       size_t n)
{
	int dot = 0, dotdot = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].name, ".") == 0) {
			dot = 1;
			if (e[i].inum != inum)
				say(c, FSCK_PROBLEM,
				    "%s: '.' names inode %u, not the directory (%u)", shown_path(c),
				    e[i].inum, inum);
		} else if (strcmp(e[i].name, "..") == 0) {
			dotdot = 1;
			if (e[i].inum != parent)
				say(c, FSCK_PROBLEM, "%s: '..' names inode %u, not the parent (%u)",
				    shown_path(c), e[i].inum, parent);
		}
	}
	if (!dot)
		say(c, FSCK_PROBLEM, "%s: no '.' entry", shown_path(c));
	if (!dotdot)
		say(c, FSCK_PROBLEM, "%s: no '..' entry", shown_path(c));
}

/* Reads and checks directory inum (at c->path) into a frame; 0, or -1 without memory. */
static int enter_dir(struct fsck *c, uint32_t inum, uint32_t parent, const struct fs_dinode *d,
		     struct frame *f)
{
	struct entries es = { .d = d };
	read_inode(c, inum, d, collect_entries, &es);
	if (es.nomem) {
		free(es.e);
		return -1;
	}
	check_dots(c, inum, parent, es.e, es.n);
	check_names(c, es.e, es.n);
	*f = (struct frame){ .inum = inum, .entries = es.e, .n = es.n, .path_len = c->path_len };
	return c->nomem ? -1 : 0;
}

static void crc_data(struct walk *w, uint64_t bn, uint32_t addr)
{
	uint32_t *crc = w->arg;
	uint64_t left = w->d.size - bn * BS;
	*crc = crc32c_table(*crc, block(w->c, addr), left < BS ? (size_t)left : BS);
}

/* The CRC-32C of a file's bytes (a block it does not own or lacks counts as absent). */
static uint32_t file_crc(struct fsck *c, uint32_t inum, const struct fs_dinode *d)
{
	uint32_t crc = 0;
	if (d->type == T_FILE)
		read_inode(c, inum, d, crc_data, &crc);
	return crc;
}

/*
 * The entry e of the directory on top of the walk, at c->path: counted,
 * checked and followed. A directory to enter next is returned in *d.
 */
static int follow(struct fsck *c, const struct entry *e, struct fs_dinode *d)
{
	if (e->inum >= c->sb.ninodes) {
		say(c, FSCK_PROBLEM, "%s: entry names inode %u, past the last inode %u",
		    shown_path(c), e->inum, c->sb.ninodes - 1);
		return 0;
	}
	c->links[e->inum]++;
	*d = dinode(c, e->inum);
	if (d->type == 0) {
		say(c, FSCK_PROBLEM, "%s: entry names inode %u, which is free", shown_path(c),
		    e->inum);
		return 0;
	}
	if (!type_known(d->type)) {
		say(c, FSCK_PROBLEM, "%s: entry names inode %u, of unknown type %u", shown_path(c),
		    e->inum, d->type);
		return 0;
	}
	if (c->reached[e->inum]) {
		if (d->type == T_DIR)
			say(c, FSCK_PROBLEM,
			    "%s: entry names directory %u, which another entry already names (a "
			    "directory has one parent; not followed)",
			    shown_path(c), e->inum);
		return 0;
	}
	c->reached[e->inum] = 1;
	state_add(c, d, file_crc(c, e->inum, d));
	return d->type == T_DIR;
}

/* Pass 2: the tree from the root, depth first, each directory entered once. */
static void walk_tree(struct fsck *c)
{
	struct fs_dinode root = dinode(c, FS_ROOT_INUM);
	c->root_ok = root.type == T_DIR;
	if (!c->root_ok) {
		say(c, FSCK_PROBLEM,
		    "inode %u: the root is not a directory (type %u): the tree, link counts and "
		    "orphans are not checked",
		    FS_ROOT_INUM, root.type);
		return;
	}
	size_t depth = 0, cap = 16;
	struct frame *stack = malloc(cap * sizeof *stack);
	if (!stack) {
		c->nomem = 1;
		return;
	}
	path_cut(c, 0);
	c->path[c->path_len++] = '/';
	c->path[c->path_len] = '\0';
	c->reached[FS_ROOT_INUM] = 1;
	state_add(c, &root, 0);
	if (enter_dir(c, FS_ROOT_INUM, FS_ROOT_INUM, &root, &stack[depth]) == 0)
		depth++;
	else
		c->nomem = 1;
	while (depth > 0 && !c->nomem) {
		struct frame *f = &stack[depth - 1];
		if (f->next == f->n) {
			free(f->entries);
			depth--;
			continue;
		}
		const struct entry *e = &f->entries[f->next++];
		path_cut(c, f->path_len);
		if (strcmp(e->name, ".") == 0)
			continue; /* never counted: checked by check_dots */
		if (strcmp(e->name, "..") == 0) {
			if (e->inum < c->sb.ninodes)
				c->links[e->inum]++;
			continue;
		}
		path_push(c, e->name);
		struct fs_dinode d;
		if (!follow(c, e, &d))
			continue;
		if (depth == cap) {
			struct frame *grown = realloc(stack, cap * 2 * sizeof *stack);
			if (!grown) {
				c->nomem = 1;
				break;
			}
			stack = grown;
			cap *= 2;
			f = &stack[depth - 1];
		}
		if (enter_dir(c, e->inum, f->inum, &d, &stack[depth]) == 0)
			depth++;
		else
			c->nomem = 1;
	}
	while (depth > 0)
		free(stack[--depth].entries);
	free(stack);
}

/* --- passes 3 and 4 --- */

/* An orphan fsck_repair frees: unreachable, of a known type, with no links left. */
static int repairable_orphan(const struct fsck *c, uint32_t inum, const struct fs_dinode *d)
{
	return c->root_ok && !c->reached[inum] && type_known(d->type) && d->nlink == 0;
}

static void check_links(struct fsck *c)
{
	if (!c->root_ok)
		return;
	for (uint32_t inum = FS_ROOT_INUM; inum < c->sb.ninodes; inum++) {
		struct fs_dinode d = dinode(c, inum);
		if (d.type == 0)
			continue;
		if (!c->reached[inum])
			say(c, FSCK_PROBLEM,
			    "inode %u: %s (%s, nlink %u) but no directory entry reaches it", inum,
			    repairable_orphan(c, inum, &d) ? "orphan" : "allocated",
			    type_name(d.type), d.nlink);
		else if (d.nlink != c->links[inum])
			say(c, FSCK_PROBLEM, "inode %u: nlink %u but %u directory %s it", inum,
			    d.nlink, c->links[inum],
			    c->links[inum] == 1 ? "entry names" : "entries name");
	}
}

static const char *metadata_name(const struct fs_super *sb, uint32_t b)
{
	if (b < FS_SUPER_BLOCK)
		return "the boot block";
	if (b < sb->logstart)
		return "the superblock";
	if (b < sb->inodestart)
		return "the log";
	if (b < sb->bmapstart)
		return "an inode block";
	return "a bitmap block";
}

/* The bits of byte i of the last bitmap block that stand for blocks at or past sb.size. */
static uint8_t past_end_mask(const struct fsck *c, uint32_t i)
{
	uint32_t first = c->sb.size % FS_BITS_PER_BLOCK; /* 0: the last map block is all used */
	if (first == 0 || i < first / 8)
		return 0;
	return i == first / 8 ? (uint8_t)(0xffu << (first % 8)) : 0xffu;
}

/* Bits set for blocks at or past sb.size (in the last bitmap block). */
static uint32_t bits_past_end(const struct fsck *c)
{
	const uint8_t *map = block(c, c->sb.datastart - 1);
	uint32_t set = 0;
	for (uint32_t i = 0; i < BS; i++)
		set += (uint32_t)__builtin_popcount(map[i] & past_end_mask(c, i));
	return set;
}

static void check_bitmap(struct fsck *c)
{
	for (uint32_t b = 0; b < c->sb.size; b++) {
		int set = bit_of(c, b);
		if (b < c->sb.datastart) {
			if (!set)
				say(c, FSCK_PROBLEM, "block %u: %s, but free in the bitmap", b,
				    metadata_name(&c->sb, b));
		} else if (c->owner[b] && !set) {
			say(c, FSCK_PROBLEM, "block %u: owned by inode %u but free in the bitmap",
			    b, c->owner[b]);
		} else if (!c->owner[b] && set) {
			say(c, FSCK_PROBLEM, "block %u: in use in the bitmap but owned by nothing",
			    b);
		}
	}
	uint32_t past = bits_past_end(c);
	if (past)
		say(c, FSCK_PROBLEM, "bitmap: %u bit%s set for blocks past the last (%u)", past,
		    plural(past), c->sb.size - 1);
}

/* --- the log --- */

/* Replays a committed log: into the image when repairing, else as a view through remap. */
static int check_log(struct fsck *c)
{
	struct fs_log_header h;
	memcpy(&h, c->image + (size_t)c->sb.logstart * BS, sizeof h);
	char why[160];
	if (fs_log_check(&h, &c->sb, why, sizeof why) != 0) {
		say(c, FSCK_NOTE, "log: header ignored, as a mount would: %s", why);
		return 0;
	}
	if (h.n == 0)
		return 0;
	if (c->writable) {
		for (uint32_t i = 0; i < h.n; i++)
			memmove(c->writable + (size_t)h.block[i] * BS,
				c->writable + (size_t)(c->sb.logstart + 1 + i) * BS, BS);
		say(c, FSCK_NOTE,
		    "log: replayed commit %u (%u block%s) into the image, as a mount would", h.seq,
		    h.n, plural(h.n));
		uint32_t seq =
			h.seq; /* an empty header keeps the last commit's seq, as the kernel's */
		memset(&h, 0, sizeof h);
		h.magic = FS_LOG_MAGIC;
		h.seq = seq;
		h.crc = fs_log_crc(&h);
		memcpy(c->writable + (size_t)c->sb.logstart * BS, &h, sizeof h);
		return 0;
	}
	c->remap = calloc(c->sb.size, sizeof *c->remap);
	if (!c->remap)
		return -1;
	for (uint32_t i = 0; i < h.n; i++)
		c->remap[h.block[i]] = c->sb.logstart + 1 + i;
	say(c, FSCK_NOTE,
	    "log holds an unreplayed commit %u of %u block%s: a mount replays it; checking the "
	    "image as replayed",
	    h.seq, h.n, plural(h.n));
	return 0;
}

/* --- repair --- */

static void repair(struct fsck *c)
{
	uint32_t *old_owner = c->owner;
	if (c->root_ok) {
		for (uint32_t inum = FS_ROOT_INUM; inum < c->sb.ninodes; inum++) {
			struct fs_dinode d = dinode(c, inum);
			if (d.type == 0 || !repairable_orphan(c, inum, &d))
				continue;
			memset(c->writable + dinode_offset(c, inum), 0, sizeof d);
			say(c, FSCK_REPAIR, "inode %u: freed the orphan (%s) and its %u block%s",
			    inum, type_name(d.type), c->nowned[inum], plural(c->nowned[inum]));
		}
	}
	c->owner = calloc(c->sb.size, sizeof *c->owner);
	if (!c->owner) {
		c->owner = old_owner;
		c->nomem = 1;
		return;
	}
	c->quiet = 1;
	claim_all(c);
	c->quiet = 0;
	for (uint32_t b = 0; b < c->sb.size; b++) {
		int want = b < c->sb.datastart || c->owner[b];
		if (bit_of(c, b) == want)
			continue;
		c->writable[(size_t)FS_BITMAP_BLOCK(b, &c->sb) * BS + FS_BITMAP_BYTE(b)] ^=
			(uint8_t)FS_BITMAP_MASK(b);
		uint32_t was = b < c->sb.datastart ? 0 : old_owner[b];
		if (was && !want && dinode(c, was).type == 0)
			continue; /* a freed orphan's block: said with the orphan */
		say(c, FSCK_REPAIR, "block %u: marked %s in the bitmap", b,
		    want ? "in use" : "free");
	}
	uint32_t past = bits_past_end(c);
	if (past) {
		uint8_t *map = c->writable + (size_t)(c->sb.datastart - 1) * BS;
		for (uint32_t i = 0; i < BS; i++)
			map[i] &= (uint8_t)~past_end_mask(c, i);
		say(c, FSCK_REPAIR, "bitmap: cleared %u bit%s past the last block", past,
		    plural(past));
	}
	free(old_owner);
}

/* --- the whole check --- */

static int refuse(struct fsck_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct fsck_result *res, int err, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(res->refusal, sizeof res->refusal, fmt, args);
	va_end(args);
	return err;
}

static int run(const uint8_t *image, uint8_t *writable, size_t image_bytes,
	       const struct fsck_options *opt, struct fsck_result *res)
{
	static const struct fsck_options none = { 0 };
	memset(res, 0, sizeof *res);
	if (image_bytes < 2 * (size_t)BS)
		return refuse(res, FSCK_ERR_SHORT,
			      "%zu bytes, under the two blocks (%u bytes) that "
			      "hold a superblock",
			      image_bytes, 2 * BS);
	struct fsck *c = calloc(1, sizeof *c);
	if (!c)
		return refuse(res, FSCK_ERR_NOMEM, "no memory");
	c->image = image;
	c->writable = writable;
	c->opt = opt ? opt : &none;
	c->res = res;
	memcpy(&c->sb, image + (size_t)FS_SUPER_BLOCK * BS, sizeof c->sb);
	char why[160];
	if (fs_super_check(&c->sb, image_bytes / BS, why, sizeof why) != 0) {
		free(c);
		return refuse(res, FSCK_ERR_SUPER, "superblock refused: %s", why);
	}
	res->blocks = c->sb.size;
	c->owner = calloc(c->sb.size, sizeof *c->owner);
	c->stamp = calloc(c->sb.size, sizeof *c->stamp);
	c->links = calloc(c->sb.ninodes, sizeof *c->links);
	c->nowned = calloc(c->sb.ninodes, sizeof *c->nowned);
	c->reached = calloc(c->sb.ninodes, 1);
	int err = 0;
	if (!c->owner || !c->stamp || !c->links || !c->nowned || !c->reached || check_log(c) != 0)
		err = FSCK_ERR_NOMEM;
	if (!err) {
		claim_all(c);
		walk_tree(c);
		check_links(c);
		check_bitmap(c);
		if (writable && !c->nomem)
			repair(c);
		if (c->nomem)
			err = FSCK_ERR_NOMEM;
	}
	if (!err && c->opt->want_state)
		res->state = c->state ? c->state : strdup("");
	else
		free(c->state);
	if (!err && c->opt->want_state && !res->state)
		err = FSCK_ERR_NOMEM;
	free(c->remap);
	free(c->owner);
	free(c->stamp);
	free(c->links);
	free(c->nowned);
	free(c->reached);
	free(c);
	if (err)
		return refuse(res, err, "no memory for the check's tables");
	return 0;
}

int fsck_check(const uint8_t *image, size_t image_bytes, const struct fsck_options *opt,
	       struct fsck_result *res)
{
	return run(image, NULL, image_bytes, opt, res);
}

int fsck_repair(uint8_t *image, size_t image_bytes, const struct fsck_options *opt,
		struct fsck_result *res)
{
	return run(image, image, image_bytes, opt, res);
}
