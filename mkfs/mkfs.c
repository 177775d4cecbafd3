/*
 * mkfs/mkfs.c - builds magma's disk image on the host.
 *
 *   mkfs OUT.img [--size-blocks N] [--inodes N] [IMAGEPATH=]FILE...
 *
 * Lays out a file system of N blocks (default FSSIZE, kernel/param.h) with N
 * inode slots (default MKFS_DEFAULT_INODES) and a log of LOGSIZE blocks plus
 * its header (lib/fs_layout.h), in the format of include/fs_format.h. A plain
 * FILE goes into the root directory under its base name, a leading "_"
 * dropped as xv6 does (build/user/_sh -> /sh). IMAGEPATH=FILE puts FILE at
 * IMAGEPATH, taken as written ("etc/modules" or "/etc/modules"), creating
 * each directory on the way. The first '=' splits the two, so a FILE whose
 * path holds one is given as IMAGEPATH=FILE. Every name is checked as a
 * directory entry: not empty, at most FS_NAME_MAX bytes, not "." or "..",
 * and used once in its directory (a file and a directory of one name
 * clash too). A directory holds ".", ".." and its entries in the order the
 * arguments first name them; its nlink counts its entry in its parent (the
 * root: its own "..") and each subdirectory's "..". Nothing else goes in:
 * init makes the console device node itself.
 *
 * Inodes are numbered from FS_ROOT_INUM in the order the arguments first
 * name each file or directory, the root first (so a directory comes just
 * before the first thing in it). Blocks are handed out in order from
 * datastart, inode by inode in that order, a file's or directory's
 * indirect block just before the first data block it addresses. The free
 * map marks the metadata blocks and every block handed out. The image is
 * the full size but only the blocks that hold something are written, so it
 * is sparse where the host allows.
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
#define USAGE               "usage: mkfs OUT.img [--size-blocks N] [--inodes N] [IMAGEPATH=]FILE..."

/* A file or directory of the image; tree.nodes[i] becomes inode FS_ROOT_INUM + i. */
struct node {
	const char *arg;            /* the argument that named it first, for messages */
	const char *host_path;      /* the file whose bytes it gets; NULL for a directory */
	const char *ipath;          /* its path in the image, without the leading '/' ... */
	int ipath_len;              /* ... of this many bytes (ipath is not NUL-terminated) */
	char name[FS_NAME_MAX + 1]; /* its entry in its parent */
	uint32_t parent;            /* index of its directory; the root's is 0, itself */
	uint32_t nsubdirs;          /* a directory's subdirectories, whose ".." name it */
	uint64_t size_bytes;        /* a directory's: its entries, "." and ".." included */
};

/* What goes into the image, in the order the arguments first name each node. */
struct tree {
	struct node *nodes;
	uint32_t n, capacity, nfiles;
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

/*
 * Splits an argument into the image path (*ipath, *ipath_len bytes, no
 * leading '/') and the host file it names (*host_path).
 */
static void split_argument(const char *arg, const char **ipath, int *ipath_len,
			   const char **host_path)
{
	const char *eq = strchr(arg, '=');
	if (eq) {
		*ipath = arg[0] == '/' ? arg + 1 : arg;
		*ipath_len = (int)(eq - *ipath);
		*host_path = eq + 1;
		return;
	}
	const char *base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	if (base[0] == '_')
		base++;
	*ipath = base;
	*ipath_len = (int)strlen(base);
	*host_path = arg;
}

/* The size of the regular file path, within the format's maximum. */
static uint64_t check_host_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		refuse("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		refuse("%s: not a regular file", path);
	uint64_t size_bytes = (uint64_t)st.st_size;
	if (fs_file_blocks(size_bytes) == UINT64_MAX)
		refuse("%s: %llu bytes, over the format's maximum file size of %llu bytes", path,
		       (unsigned long long)size_bytes,
		       (unsigned long long)(FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE));
	return size_bytes;
}

/* Name (len bytes), a component of arg's image path, can be a directory entry. */
static void check_name(const char *arg, const char *name, int len, const char *ipath, int ipath_len)
{
	if (len == 0)
		refuse("%s: an empty file name in /%.*s", arg, ipath_len, ipath);
	if (len > (int)FS_NAME_MAX)
		refuse("%s: name \"%.*s\" is %d bytes, longer than FS_NAME_MAX (%u)", arg, len,
		       name, len, FS_NAME_MAX);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		refuse("%s: \"%.*s\" is reserved in a directory", arg, len, name);
}

/* The index of the entry name (len bytes) in directory dir; 0 (the root: no entry) when none. */
static uint32_t find_child(const struct tree *t, uint32_t dir, const char *name, int len)
{
	for (uint32_t i = 1; i < t->n; i++) {
		const struct node *nd = &t->nodes[i];
		if (nd->parent == dir && strncmp(nd->name, name, (size_t)len) == 0 &&
		    nd->name[len] == '\0')
			return i;
	}
	return 0;
}

/* A fresh zeroed node at the end of t. */
static struct node *append_node(struct tree *t)
{
	if (t->n == t->capacity) {
		t->capacity = t->capacity ? 2 * t->capacity : 64;
		t->nodes = realloc(t->nodes, t->capacity * sizeof *t->nodes);
		if (!t->nodes)
			refuse("out of memory for %u files and directories", t->capacity);
	}
	struct node *nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof *nd);
	return nd;
}

/* A copy of proto as the entry name (len bytes) of directory parent; its index. */
static uint32_t add_node(struct tree *t, uint32_t parent, const struct node *proto,
			 const char *name, int len)
{
	struct node *nd = append_node(t);
	*nd = *proto;
	nd->parent = parent;
	memcpy(nd->name, name, (size_t)len);
	nd->name[len] = '\0';
	struct node *dir = &t->nodes[parent];
	if (!nd->host_path && dir->nsubdirs + 1 >= UINT16_MAX)
		refuse("%s: /%.*s would hold over %u directories, more than its 16-bit nlink "
		       "counts",
		       nd->arg, dir->ipath_len, dir->ipath, UINT16_MAX - 1);
	dir->size_bytes += sizeof(struct fs_dirent);
	dir->nsubdirs += !nd->host_path;
	t->nfiles += nd->host_path != NULL;
	return t->n - 1;
}

/*
 * Adds file at its image path with the directories on the way that are not
 * there yet. A name already taken is refused, unless both are directories.
 */
static void add_path(struct tree *t, const struct node *file)
{
	const char *ipath = file->ipath;
	struct node dir_proto = { .arg = file->arg,
				  .ipath = ipath,
				  .size_bytes = 2 * sizeof(struct fs_dirent) /* "." and ".." */ };
	uint32_t dir = 0;
	for (int start = 0;;) {
		const char *name = ipath + start;
		const char *slash = memchr(name, '/', (size_t)(file->ipath_len - start));
		int end = slash ? (int)(slash - ipath) : file->ipath_len;
		check_name(file->arg, name, end - start, ipath, file->ipath_len);
		uint32_t found = find_child(t, dir, name, end - start);
		if (!slash && !found) {
			add_node(t, dir, file, name, end - start);
			return;
		}
		if (found && (!slash || t->nodes[found].host_path)) {
			const struct node *other = &t->nodes[found];
			if (!slash && other->host_path)
				refuse("%s and %s would both be /%.*s", other->arg, file->arg, end,
				       ipath);
			refuse("%s and %s: /%.*s would be both a file and a directory", other->arg,
			       file->arg, end, ipath);
		}
		dir_proto.ipath_len = end;
		dir = found ? found : add_node(t, dir, &dir_proto, name, end - start);
		start = end + 1;
	}
}

/* The tree the FILE arguments describe, every one checked; nodes[0] is the root. */
static struct tree build_tree(char *const *args, int nargs)
{
	struct tree t = { 0 };
	struct node *root = append_node(&t);
	root->arg = "/";
	root->ipath = "";
	root->size_bytes = 2 * sizeof(struct fs_dirent); /* "." and ".." */
	for (int i = 0; i < nargs; i++) {
		struct node file = { .arg = args[i] };
		split_argument(args[i], &file.ipath, &file.ipath_len, &file.host_path);
		file.size_bytes = check_host_file(file.host_path);
		add_path(&t, &file);
	}
	return t;
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

static void copy_file(struct image *img, struct fs_dinode *ip, const struct node *file)
{
	const char *path = file->host_path;
	struct source src = { path, open(path, O_RDONLY), NULL, file->size_bytes };
	if (src.fd < 0)
		fail("%s: %s", path, strerror(errno));
	ip->type = T_FILE;
	ip->nlink = 1;
	write_content(img, ip, &src);
	close(src.fd);
}

/* Directory nodes[index]: ".", "..", then its entries in node order. */
static void write_dir(struct image *img, struct fs_dinode *ip, const struct tree *t, uint32_t index)
{
	const struct node *dir = &t->nodes[index];
	size_t nentries = dir->size_bytes / sizeof(struct fs_dirent);
	struct fs_dirent *entries = calloc(nentries, sizeof *entries);
	if (!entries)
		fail("out of memory for %zu directory entries", nentries);
	entries[0].inum = FS_ROOT_INUM + index;
	strcpy(entries[0].name, ".");
	entries[1].inum = FS_ROOT_INUM + dir->parent;
	strcpy(entries[1].name, "..");
	size_t next = 2;
	/* A node comes after its directory, so its entries are all past index. */
	for (uint32_t i = index + 1; i < t->n; i++) {
		if (t->nodes[i].parent != index)
			continue;
		entries[next].inum = FS_ROOT_INUM + i;
		/* A name of exactly FS_NAME_MAX bytes fills the field with no NUL. */
		memcpy(entries[next].name, t->nodes[i].name,
		       strnlen(t->nodes[i].name, FS_NAME_MAX));
		next++;
	}
	struct source src = { dir->arg, -1, (const uint8_t *)entries, dir->size_bytes };
	ip->type = T_DIR;
	/* Its entry in its parent (the root: its own ".."), and each subdirectory's "..". */
	ip->nlink = (uint16_t)(1 + dir->nsubdirs);
	write_content(img, ip, &src);
	free(entries);
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

/* Superblock, empty log, each node in inode order, the inode blocks and the free map. */
static void write_image(struct image *img, const struct tree *t)
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

	uint32_t ninodes_used = FS_ROOT_INUM + t->n;
	struct fs_dinode *inodes = calloc(ninodes_used, sizeof *inodes);
	if (!inodes)
		fail("out of memory for %u inodes", ninodes_used);
	img->next_free = img->sb.datastart;
	for (uint32_t i = 0; i < t->n; i++) {
		struct fs_dinode *ip = &inodes[FS_ROOT_INUM + i];
		if (t->nodes[i].host_path)
			copy_file(img, ip, &t->nodes[i]);
		else
			write_dir(img, ip, t, i);
	}
	write_inodes(img, inodes, ninodes_used);
	free(inodes);
	write_bitmap(img);
	if (close(img->fd) != 0)
		fail("%s: %s", img->path, strerror(errno));
}

/* The image has inode slots and data blocks for every node (indirect blocks included). */
static void check_space(const struct tree *t, const struct fs_super *sb)
{
	uint32_t ndirs = t->n - t->nfiles;
	uint64_t inodes_needed = FS_ROOT_INUM + (uint64_t)t->n;
	if (inodes_needed > sb->ninodes)
		refuse("%u files and %u directories (the root included) need %llu inode slots "
		       "(inode 0 included), --inodes is %u",
		       t->nfiles, ndirs, (unsigned long long)inodes_needed, sb->ninodes);
	uint64_t blocks_needed = 0;
	for (uint32_t i = 0; i < t->n; i++)
		blocks_needed += fs_file_blocks(t->nodes[i].size_bytes);
	if (blocks_needed > sb->nblocks)
		refuse("%u files and %u directories (the root included) need %llu data blocks "
		       "(indirect blocks included), --size-blocks %u leaves %u after the metadata",
		       t->nfiles, ndirs, (unsigned long long)blocks_needed, sb->size, sb->nblocks);
}

int main(int argc, char **argv)
{
	uint32_t size_blocks = FSSIZE, ninodes = MKFS_DEFAULT_INODES;
	const char *out = NULL;
	char **files = calloc((size_t)argc, sizeof *files);
	int nfiles = 0;
	if (!files)
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
			files[nfiles++] = argv[i];
		}
	}
	if (!out)
		refuse("no output image named (" USAGE ")");
	struct tree tree = build_tree(files, nfiles);

	struct image img = { .path = out, .fd = -1 };
	char why[200];
	if (fs_layout_compute(size_blocks, ninodes, MKFS_NLOG, &img.sb, why, sizeof why) != 0)
		refuse("--size-blocks %u --inodes %u: %s", size_blocks, ninodes, why);
	if (fs_super_check(&img.sb, size_blocks, why, sizeof why) != 0)
		refuse("internal error: the layout fails its own check: %s", why);
	check_space(&tree, &img.sb);

	write_image(&img, &tree);
	printf("mkfs: %s: %u blocks (%u data from block %u), %u inodes, %u files, %u directories, "
	       "%u blocks used\n",
	       out, img.sb.size, img.sb.nblocks, img.sb.datastart, img.sb.ninodes, tree.nfiles,
	       tree.n - tree.nfiles, img.next_free);
	free(tree.nodes);
	free(files);
	return 0;
}
