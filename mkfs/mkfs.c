/*
 * mkfs/mkfs.c - builds magma's disk image on the host.
 *
 *   mkfs OUT.img [--size-blocks N] [--inodes N] FILE...
 *
 * Lays out a file system of N blocks (default FSSIZE, kernel/param.h) with N
 * inode slots (default MKFS_DEFAULT_INODES) and a log of LOGSIZE blocks plus
 * its header (lib/fs_layout.h), in the format of include/fs_format.h: a root
 * directory holding ".", ".." and each FILE under its base name, a leading
 * "_" dropped as xv6 does (build/user/_sh -> /sh). Nothing else: init makes
 * the console device node itself.
 *
 * Blocks are handed out in order from datastart: the root directory's, then
 * each file's in the order given, a file's indirect block just before the
 * first data block it addresses. The free map marks the metadata blocks and
 * every block handed out. The image is the full size but only the blocks
 * that hold something are written, so it is sparse where the host allows.
 *
 * Every check on the arguments comes before the image is opened: a refusal
 * is one line on stderr and exit code 2, and leaves OUT as it was. An I/O
 * error while writing removes the half-written image and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../include/fs_format.h"
#include "../kernel/param.h"
/* kernel/stat.h gives the inode types; its struct stat would clash with the host's. */
#define stat magma_stat
#include "../kernel/stat.h"
#undef stat
#include "../lib/fs_layout.h"

#define MKFS_DEFAULT_INODES 2048 /* 32 inode blocks: plenty for usertests on FSSIZE */
#define MKFS_NLOG           (LOGSIZE + 1)
#define EXIT_REFUSED        2
#define USAGE               "usage: mkfs OUT.img [--size-blocks N] [--inodes N] FILE..."

/* A FILE to copy in. */
struct input {
	const char *path;
	char name[FS_NAME_MAX + 1];
	uint64_t size_bytes;
};

/* Where the bytes of an inode's content come from: a host file or memory. */
struct source {
	const char *path; /* for messages */
	int fd;           /* -1 when the bytes are in mem */
	const uint8_t *mem;
	uint64_t size_bytes;
};

/* The image being written. */
struct image {
	const char *path;
	int fd;
	struct fs_super sb;
	uint32_t next_free; /* the next data block to hand out */
};

/* The image to remove if writing fails, once it exists. */
static const char *partial_image;

static void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "mkfs: " and the message, one line on stderr. */
static void say(const char *fmt, va_list args)
{
	fputs("mkfs: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

static void refuse(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	say(fmt, args);
	va_end(args);
	exit(EXIT_REFUSED);
}

/* An I/O error after the image was created: say what, remove it, exit 1. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	say(fmt, args);
	va_end(args);
	if (partial_image)
		unlink(partial_image);
	exit(1);
}

/* A decimal count in 1 .. UINT32_MAX, the value of option opt. */
static uint32_t parse_count(const char *opt, const char *text)
{
	if (!text)
		refuse("%s needs a number (" USAGE ")", opt);
	uint64_t v = 0;
	const char *p = text;
	for (; *p >= '0' && *p <= '9' && v <= UINT32_MAX; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == text || *p || v == 0 || v > UINT32_MAX)
		refuse("%s %s: not a count from 1 to %u", opt, text, UINT32_MAX);
	return (uint32_t)v;
}

/* The name FILE gets in /: its base name, a leading '_' dropped. */
static void name_of(struct input *in)
{
	const char *base = strrchr(in->path, '/');
	base = base ? base + 1 : in->path;
	if (base[0] == '_')
		base++;
	size_t len = strlen(base);
	if (len == 0)
		refuse("%s: no file name left to use in /", in->path);
	if (len > FS_NAME_MAX)
		refuse("%s: name \"%s\" is %zu bytes, longer than FS_NAME_MAX (%u)", in->path, base,
		       len, FS_NAME_MAX);
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		refuse("%s: \"%s\" is reserved in a directory", in->path, base);
	memcpy(in->name, base, len + 1);
}

static void check_input(struct input *in, const struct input *earlier, int nearlier)
{
	struct stat st;
	if (stat(in->path, &st) != 0)
		refuse("%s: %s", in->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		refuse("%s: not a regular file", in->path);
	in->size_bytes = (uint64_t)st.st_size;
	if (fs_file_blocks(in->size_bytes) == UINT64_MAX)
		refuse("%s: %llu bytes, over the format's maximum file size of %llu bytes",
		       in->path, (unsigned long long)in->size_bytes,
		       (unsigned long long)(FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE));
	name_of(in);
	for (int i = 0; i < nearlier; i++) {
		if (strcmp(earlier[i].name, in->name) == 0)
			refuse("%s and %s would both be /%s", earlier[i].path, in->path, in->name);
	}
}

static void write_block(struct image *img, uint32_t bno, const void *data)
{
	off_t at = (off_t)bno * FS_BLOCK_SIZE;
	ssize_t n = pwrite(img->fd, data, FS_BLOCK_SIZE, at);
	if (n != (ssize_t)FS_BLOCK_SIZE)
		fail("%s: writing block %u: %s", img->path, bno,
		     n < 0 ? strerror(errno) : "short write");
}

static uint32_t alloc_block(struct image *img)
{
	/* The space was counted before anything was written; running out is a bug here. */
	if (img->next_free >= img->sb.size)
		fail("internal error: data block %u past the image's %u blocks", img->next_free,
		     img->sb.size);
	return img->next_free++;
}

/* Block index of src into buf, zero-padded past the end. */
static void source_block(const struct source *src, uint64_t index, uint8_t *buf)
{
	uint64_t off = index * FS_BLOCK_SIZE;
	size_t want = src->size_bytes - off < FS_BLOCK_SIZE ? (size_t)(src->size_bytes - off)
							    : FS_BLOCK_SIZE;
	memset(buf, 0, FS_BLOCK_SIZE);
	if (src->mem) {
		memcpy(buf, src->mem + off, want);
		return;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t n = pread(src->fd, buf + got, want - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("%s: reading at byte %llu: %s", src->path,
			     (unsigned long long)(off + got),
			     n < 0 ? strerror(errno) : "the file shrank while being copied");
		got += (size_t)n;
	}
}

/*
 * Copies src into freshly allocated blocks and records them in ip->addrs,
 * through the single- and double-indirect blocks past FS_NDIRECT.
 */
static void write_content(struct image *img, struct fs_dinode *ip, const struct source *src)
{
	static uint32_t single[FS_NINDIRECT], dbl[FS_NINDIRECT], mid[FS_NINDIRECT];
	static uint8_t buf[FS_BLOCK_SIZE];
	uint32_t mid_bno = 0;
	uint64_t nblocks = (src->size_bytes + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;
	memset(single, 0, sizeof single);
	memset(dbl, 0, sizeof dbl);
	ip->size = src->size_bytes;
	for (uint64_t i = 0; i < nblocks; i++) {
		uint32_t *slot;
		if (i < FS_NDIRECT) {
			slot = &ip->addrs[i];
		} else if (i < FS_NDIRECT + FS_NINDIRECT) {
			if (i == FS_NDIRECT)
				ip->addrs[FS_ADDR_SINGLE] = alloc_block(img);
			slot = &single[i - FS_NDIRECT];
		} else {
			uint64_t deep = i - FS_NDIRECT - FS_NINDIRECT;
			if (deep == 0)
				ip->addrs[FS_ADDR_DOUBLE] = alloc_block(img);
			if (deep % FS_NINDIRECT == 0) {
				if (mid_bno)
					write_block(img, mid_bno, mid);
				mid_bno = alloc_block(img);
				memset(mid, 0, sizeof mid);
				dbl[deep / FS_NINDIRECT] = mid_bno;
			}
			slot = &mid[deep % FS_NINDIRECT];
		}
		*slot = alloc_block(img);
		source_block(src, i, buf);
		write_block(img, *slot, buf);
	}
	if (ip->addrs[FS_ADDR_SINGLE])
		write_block(img, ip->addrs[FS_ADDR_SINGLE], single);
	if (mid_bno)
		write_block(img, mid_bno, mid);
	if (ip->addrs[FS_ADDR_DOUBLE])
		write_block(img, ip->addrs[FS_ADDR_DOUBLE], dbl);
}

static void copy_file(struct image *img, struct fs_dinode *ip, const struct input *in)
{
	struct source src = { in->path, open(in->path, O_RDONLY), NULL, in->size_bytes };
	if (src.fd < 0)
		fail("%s: %s", in->path, strerror(errno));
	ip->type = T_FILE;
	ip->nlink = 1;
	write_content(img, ip, &src);
	close(src.fd);
}

/* The root directory: ".", ".." and one entry per file, inodes from FS_ROOT_INUM + 1. */
static void write_root(struct image *img, struct fs_dinode *root, const struct input *in,
		       int nfiles)
{
	size_t nentries = 2 + (size_t)nfiles;
	struct fs_dirent *dir = calloc(nentries, sizeof *dir);
	if (!dir)
		fail("out of memory for %zu directory entries", nentries);
	dir[0].inum = FS_ROOT_INUM;
	strcpy(dir[0].name, ".");
	dir[1].inum = FS_ROOT_INUM;
	strcpy(dir[1].name, "..");
	for (int i = 0; i < nfiles; i++) {
		dir[2 + i].inum = FS_ROOT_INUM + 1 + (uint32_t)i;
		/* A name of exactly FS_NAME_MAX bytes fills the field with no NUL. */
		memcpy(dir[2 + i].name, in[i].name, strnlen(in[i].name, FS_NAME_MAX));
	}
	struct source src = { "/", -1, (const uint8_t *)dir, nentries * sizeof *dir };
	root->type = T_DIR;
	root->nlink = 1; /* its own ".."; "." is never counted (as in xv6) */
	write_content(img, root, &src);
	free(dir);
}

/* The inode blocks holding inodes 0 .. ninodes_used-1; the rest stay zero (free). */
static void write_inodes(struct image *img, const struct fs_dinode *inodes, uint32_t ninodes_used)
{
	static struct fs_dinode block[FS_INODES_PER_BLOCK];
	for (uint32_t first = 0; first < ninodes_used; first += FS_INODES_PER_BLOCK) {
		uint32_t n = ninodes_used - first < FS_INODES_PER_BLOCK ? ninodes_used - first
									: FS_INODES_PER_BLOCK;
		memset(block, 0, sizeof block);
		memcpy(block, inodes + first, n * sizeof *inodes);
		write_block(img, FS_INODE_BLOCK(first, &img->sb), block);
	}
}

/* The free map: blocks 0 .. next_free-1 are in use, everything after is free. */
static void write_bitmap(struct image *img)
{
	static uint8_t map[FS_BLOCK_SIZE];
	for (uint32_t first = 0; first < img->next_free; first += FS_BITS_PER_BLOCK) {
		memset(map, 0, sizeof map);
		for (uint32_t b = first; b < img->next_free && b - first < FS_BITS_PER_BLOCK; b++)
			map[FS_BITMAP_BYTE(b)] |= FS_BITMAP_MASK(b);
		write_block(img, FS_BITMAP_BLOCK(first, &img->sb), map);
	}
}

static void write_image(struct image *img, const struct input *in, int nfiles)
{
	static union {
		struct fs_super sb;
		struct fs_log_header log;
		uint8_t bytes[FS_BLOCK_SIZE];
	} block;
	img->fd = open(img->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (img->fd < 0)
		refuse("%s: %s", img->path, strerror(errno));
	partial_image = img->path;
	if (ftruncate(img->fd, (off_t)img->sb.size * FS_BLOCK_SIZE) != 0)
		fail("%s: cannot make it %u blocks long: %s", img->path, img->sb.size,
		     strerror(errno));

	memset(&block, 0, sizeof block);
	block.sb = img->sb;
	write_block(img, FS_SUPER_BLOCK, &block);
	memset(&block, 0, sizeof block);
	block.log.magic = FS_LOG_MAGIC;
	block.log.crc = fs_log_crc(&block.log);
	write_block(img, img->sb.logstart, &block);

	uint32_t ninodes_used = FS_ROOT_INUM + 1 + (uint32_t)nfiles;
	struct fs_dinode *inodes = calloc(ninodes_used, sizeof *inodes);
	if (!inodes)
		fail("out of memory for %u inodes", ninodes_used);
	img->next_free = img->sb.datastart;
	write_root(img, &inodes[FS_ROOT_INUM], in, nfiles);
	for (int i = 0; i < nfiles; i++)
		copy_file(img, &inodes[FS_ROOT_INUM + 1 + i], &in[i]);
	write_inodes(img, inodes, ninodes_used);
	free(inodes);
	write_bitmap(img);
	if (close(img->fd) != 0)
		fail("%s: %s", img->path, strerror(errno));
}

int main(int argc, char **argv)
{
	uint32_t size_blocks = FSSIZE, ninodes = MKFS_DEFAULT_INODES;
	const char *out = NULL;
	struct input *in = calloc((size_t)argc, sizeof *in);
	int nfiles = 0;
	if (!in)
		refuse("out of memory for %d arguments", argc);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size-blocks") == 0) {
			size_blocks = parse_count(argv[i], argv[i + 1]);
			i++;
		} else if (strcmp(argv[i], "--inodes") == 0) {
			ninodes = parse_count(argv[i], argv[i + 1]);
			i++;
		} else if (argv[i][0] == '-') {
			refuse("unknown option %s (" USAGE ")", argv[i]);
		} else if (!out) {
			out = argv[i];
		} else {
			in[nfiles++].path = argv[i];
		}
	}
	if (!out)
		refuse("no output image named (" USAGE ")");
	for (int i = 0; i < nfiles; i++)
		check_input(&in[i], in, i);

	struct image img = { .path = out, .fd = -1 };
	char why[200];
	if (fs_layout_compute(size_blocks, ninodes, MKFS_NLOG, &img.sb, why, sizeof why) != 0)
		refuse("--size-blocks %u --inodes %u: %s", size_blocks, ninodes, why);
	if (fs_super_check(&img.sb, size_blocks, why, sizeof why) != 0)
		refuse("internal error: the layout fails its own check: %s", why);
	uint64_t inodes_needed = FS_ROOT_INUM + 1 + (uint64_t)nfiles;
	if (inodes_needed > ninodes)
		refuse("%d files need %llu inode slots (inode 0 and the root included), "
		       "--inodes is %u",
		       nfiles, (unsigned long long)inodes_needed, ninodes);
	uint64_t blocks_needed = fs_file_blocks((2 + (uint64_t)nfiles) * sizeof(struct fs_dirent));
	for (int i = 0; i < nfiles; i++)
		blocks_needed += fs_file_blocks(in[i].size_bytes);
	if (blocks_needed > img.sb.nblocks)
		refuse("the root directory and %d files need %llu data blocks (indirect blocks "
		       "included), --size-blocks %u leaves %u after the metadata",
		       nfiles, (unsigned long long)blocks_needed, size_blocks, img.sb.nblocks);

	write_image(&img, in, nfiles);
	printf("mkfs: %s: %u blocks (%u data from block %u), %u inodes, %d files, %u blocks used\n",
	       out, img.sb.size, img.sb.nblocks, img.sb.datastart, img.sb.ninodes, nfiles,
	       img.next_free);
	free(in);
	return 0;
}
