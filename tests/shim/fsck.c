/*
 * tests/shim/fsck.c - an independent check of a magma image in memory (see fsck.h).
 *
 * Reads the image with include/fs_format.h alone, never the kernel's code,
 * so a bug in kernel/fs.c cannot hide itself from it.
 */
#include "fsck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/stat.h"
#include "../../lib/crc32c.h"

#define BS FS_BLOCK_SIZE

struct fsck {
	const uint8_t *image;
	struct fs_super sb;
	uint8_t *used;   /* per block: referenced by an inode */
	uint32_t *links; /* per inode: directory entries naming it (not "." ) */
	uint8_t *seen;   /* per inode: reached from the root */
	int problems;
	char *state; /* one line per file: path type size nlink crc */
	size_t state_len, state_cap;
};

static void problem(struct fsck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct fsck *c, const char *fmt, ...)
{
	if (c->problems++ < 10) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "  fsck: ");
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		va_end(ap);
	}
}

static const struct fs_dinode *fsck_dinode(struct fsck *c, uint32_t inum)
{
	return (const struct fs_dinode *)(c->image + (uint64_t)FS_INODE_BLOCK(inum, &c->sb) * BS) +
	       inum % FS_INODES_PER_BLOCK;
}

/* Marks block addr used (checking it), returning whether it may be read. */
static int fsck_mark(struct fsck *c, uint32_t inum, uint32_t addr)
{
	if (addr < c->sb.datastart || addr >= c->sb.size) {
		problem(c, "inode %u names block %u outside the data", inum, addr);
		return 0;
	}
	if (c->used[addr]++)
		problem(c, "block %u used twice (inode %u)", addr, inum);
	return 1;
}

static const uint32_t *fsck_entries(struct fsck *c, uint32_t addr)
{
	return (const uint32_t *)(c->image + (uint64_t)addr * BS);
}

/* The address of block bn of d, 0 if none (no marking). */
static uint32_t fsck_bmap(struct fsck *c, const struct fs_dinode *d, uint64_t bn)
{
	if (bn < FS_NDIRECT)
		return d->addrs[bn];
	bn -= FS_NDIRECT;
	uint32_t in_range_single = d->addrs[FS_ADDR_SINGLE];
	if (bn < FS_NINDIRECT)
		return in_range_single && in_range_single < c->sb.size
			       ? fsck_entries(c, in_range_single)[bn]
			       : 0;
	bn -= FS_NINDIRECT;
	uint32_t top = d->addrs[FS_ADDR_DOUBLE];
	if (!top || top >= c->sb.size)
		return 0;
	uint32_t mid = fsck_entries(c, top)[bn / FS_NINDIRECT];
	return mid && mid < c->sb.size ? fsck_entries(c, mid)[bn % FS_NINDIRECT] : 0;
}

/* Marks every block of inode inum; the data blocks must be exactly those its size needs. */
static void fsck_blocks(struct fsck *c, uint32_t inum, const struct fs_dinode *d)
{
	uint64_t need = (d->size + BS - 1) / BS;
	for (uint64_t bn = 0; bn < need && bn < FS_MAXFILE_BLOCKS; bn++)
		if (fsck_bmap(c, d, bn) == 0)
			problem(c, "inode %u: no block %lu inside size %lu", inum,
				(unsigned long)bn, (unsigned long)d->size);
	uint64_t data = 0;
	for (uint32_t i = 0; i < FS_NDIRECT; i++)
		if (d->addrs[i] && fsck_mark(c, inum, d->addrs[i]))
			data++;
	uint32_t single = d->addrs[FS_ADDR_SINGLE];
	if (single && fsck_mark(c, inum, single))
		for (uint32_t i = 0; i < FS_NINDIRECT; i++)
			if (fsck_entries(c, single)[i] &&
			    fsck_mark(c, inum, fsck_entries(c, single)[i]))
				data++;
	uint32_t top = d->addrs[FS_ADDR_DOUBLE];
	if (top && fsck_mark(c, inum, top)) {
		for (uint32_t i = 0; i < FS_NINDIRECT; i++) {
			uint32_t mid = fsck_entries(c, top)[i];
			if (mid && fsck_mark(c, inum, mid))
				for (uint32_t j = 0; j < FS_NINDIRECT; j++)
					if (fsck_entries(c, mid)[j] &&
					    fsck_mark(c, inum, fsck_entries(c, mid)[j]))
						data++;
		}
	}
	if (data != need)
		problem(c, "inode %u: %lu data blocks for size %lu", inum, (unsigned long)data,
			(unsigned long)d->size);
}

/* The bytes [off, off + n) of d (n within one block), or NULL. */
static const uint8_t *fsck_bytes(struct fsck *c, const struct fs_dinode *d, uint64_t off)
{
	uint32_t addr = fsck_bmap(c, d, off / BS);
	if (!addr || addr >= c->sb.size)
		return NULL;
	return c->image + (uint64_t)addr * BS + off % BS;
}

static void fsck_state_line(struct fsck *c, const char *path, const struct fs_dinode *d)
{
	uint32_t crc = 0;
	for (uint64_t off = 0; d->type == T_FILE && off < d->size; off += BS) {
		const uint8_t *bytes = fsck_bytes(c, d, off);
		uint64_t n = d->size - off < BS ? d->size - off : BS;
		if (bytes)
			crc = crc32c_table(crc, bytes, n);
	}
	const char *fmt = "%s t%u s%lu n%u c%08x\n";
	int n = snprintf(NULL, 0, fmt, path, d->type, (unsigned long)d->size, d->nlink, crc);
	if (c->state_len + (size_t)n + 1 > c->state_cap) {
		c->state_cap = (c->state_len + (size_t)n + 1) * 2;
		c->state = realloc(c->state, c->state_cap);
	}
	snprintf(c->state + c->state_len, (size_t)n + 1, fmt, path, d->type, (unsigned long)d->size,
		 d->nlink, crc);
	c->state_len += (size_t)n;
}

static void fsck_inode(struct fsck *c, uint32_t inum, uint32_t parent, const char *path)
{
	if (inum == 0 || inum >= c->sb.ninodes) {
		problem(c, "%s: inode number %u out of range", path, inum);
		return;
	}
	const struct fs_dinode *d = fsck_dinode(c, inum);
	if (d->type != T_DIR && d->type != T_FILE && d->type != T_DEVICE) {
		problem(c, "%s: inode %u has type %u", path, inum, d->type);
		return;
	}
	if (c->seen[inum]++) {
		if (d->type == T_DIR)
			problem(c, "%s: directory %u reached twice", path, inum);
		return;
	}
	fsck_blocks(c, inum, d);
	fsck_state_line(c, path, d);
	if (d->type != T_DIR)
		return;
	if (d->size % sizeof(struct fs_dirent))
		problem(c, "%s: directory size %lu", path, (unsigned long)d->size);
	for (uint64_t off = 0; off + sizeof(struct fs_dirent) <= d->size;
	     off += sizeof(struct fs_dirent)) {
		const struct fs_dirent *de = (const struct fs_dirent *)fsck_bytes(c, d, off);
		if (!de || de->inum == 0)
			continue;
		char name[FS_NAME_MAX + 1];
		memcpy(name, de->name, FS_NAME_MAX);
		name[FS_NAME_MAX] = '\0';
		if (strcmp(name, ".") == 0) {
			if (de->inum != inum)
				problem(c, "%s: '.' names %u", path, de->inum);
			continue;
		}
		if (de->inum < c->sb.ninodes)
			c->links[de->inum]++;
		if (strcmp(name, "..") == 0) {
			if (de->inum != parent)
				problem(c, "%s: '..' names %u, not %u", path, de->inum, parent);
			continue;
		}
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", inum == FS_ROOT_INUM ? "" : path, name);
		fsck_inode(c, de->inum, inum, child);
	}
}

int fsck_image(const uint8_t *image, char **state)
{
	struct fsck c = { .image = image };
	memcpy(&c.sb, image + FS_SUPER_BLOCK * BS, sizeof(c.sb));
	c.used = calloc(c.sb.size, 1);
	c.links = calloc(c.sb.ninodes, sizeof(uint32_t));
	c.seen = calloc(c.sb.ninodes, 1);
	const struct fs_log_header *h = (const void *)(c.image + (uint64_t)c.sb.logstart * BS);
	if (h->n != 0)
		problem(&c, "log header has n %u when quiet", h->n);
	fsck_inode(&c, FS_ROOT_INUM, FS_ROOT_INUM, "/");
	for (uint32_t inum = 1; inum < c.sb.ninodes; inum++) {
		const struct fs_dinode *d = fsck_dinode(&c, inum);
		if (d->type == 0)
			continue;
		if (!c.seen[inum])
			problem(&c, "inode %u (type %u) allocated but unreachable", inum, d->type);
		else if (d->nlink != c.links[inum])
			problem(&c, "inode %u has nlink %u, %u entries name it", inum, d->nlink,
				c.links[inum]);
	}
	for (uint32_t b = 0; b < c.sb.size; b++) {
		const uint8_t *map = c.image + (uint64_t)FS_BITMAP_BLOCK(b, &c.sb) * BS;
		int set = (map[(b % FS_BITS_PER_BLOCK) / 8] >> (b % 8)) & 1;
		int want = b < c.sb.datastart || c.used[b];
		if (set != want)
			problem(&c, "block %u is %s in the free map but %s", b,
				set ? "used" : "free", want ? "used" : "unused");
	}
	free(c.used);
	free(c.links);
	free(c.seen);
	if (state)
		*state = c.state ? c.state : strdup("");
	else
		free(c.state);
	return c.problems;
}
