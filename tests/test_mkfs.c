/*
 * tests/test_mkfs.c - host tests for mkfs: the images it builds, read back
 * byte by byte according to include/fs_format.h, and every refusal.
 *
 * Runs build/host/mkfs (mkfs with the sanitizers; $MKFS names another) as a
 * subprocess, from the repository root as tests/run_all.py does, on files
 * it generates in a temporary directory. An image is checked independently
 * of mkfs's own code: the superblock's fields and crc, the empty log
 * header, every inode's block tree (no block outside the data region, none
 * used twice, no holes, blocks handed out in the order mkfs.c's header
 * documents), the free map against exactly the metadata and the blocks the
 * inodes use, each directory's entries and nlink, each file's bytes; and
 * fsck's checks (tests/shim/fsck.c over mkfs/fsck_check.c) find nothing.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../include/fs_format.h"
#include "../kernel/param.h"
#include "../lib/crc32c.h"
#include "../lib/fs_layout.h"
#include "check.h"
#include "shim/fsck.h"

/* kernel/stat.h's inode types; its struct stat would clash with the host's. */
#define stat magma_stat
#include "../kernel/stat.h"
#undef stat

#define MAX_FILES 96
#define MAX_NODES (2 * MAX_FILES)

static const char *mkfs_path;
static char tmpdir[] = "/tmp/test_mkfs.XXXXXX";

/* A path in the temporary directory (one of a few rotating buffers). */
static const char *tmp(const char *name)
{
	static char paths[32][256];
	static int next;
	char *p = paths[next++ % 32];
	snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
	return p;
}

static uint64_t rng_state;

/* Writes size_bytes of pseudo-random bytes (from seed) to path; returns path. */
static const char *make_file(const char *path, uint64_t size_bytes, uint64_t seed)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	static uint8_t buf[1 << 16];
	for (uint64_t done = 0; done < size_bytes;) {
		size_t n =
			size_bytes - done < sizeof buf ? (size_t)(size_bytes - done) : sizeof buf;
		for (size_t i = 0; i < n; i++) {
			rng_state ^= rng_state << 13;
			rng_state ^= rng_state >> 7;
			rng_state ^= rng_state << 17;
			buf[i] = (uint8_t)(rng_state >> 32);
		}
		fwrite(buf, 1, n, f);
		done += n;
	}
	fclose(f);
	return path;
}

/* --- running mkfs --- */

struct result {
	int status; /* exit code, or -1 when killed by a signal */
	char err[4096];
};

/* Runs mkfs with the NULL-terminated args; stdout is discarded, stderr kept. */
static struct result run_mkfs_argv(const char *const *args)
{
	struct result r = { 0 };
	const char *argv[MAX_FILES + 16] = { mkfs_path };
	int argc = 1;
	while (args[argc - 1] && argc < MAX_FILES + 15) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	int fds[2];
	if (pipe(fds) != 0) {
		perror("pipe");
		exit(2);
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(mkfs_path, (char *const *)argv);
		fprintf(stderr, "cannot run %s\n", mkfs_path);
		_exit(127);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t n;
	while ((n = read(fds[0], r.err + got, sizeof r.err - 1 - got)) > 0)
		got += (size_t)n;
	r.err[got] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

#define run_mkfs(...) run_mkfs_argv((const char *const[]){ __VA_ARGS__, NULL })

/* mkfs succeeded, silently on stderr. */
#define CHECK_BUILT(r)                                                            \
	do {                                                                      \
		struct result r_ = (r);                                           \
		if (r_.status != 0 || r_.err[0])                                  \
			fprintf(stderr, "  mkfs exit %d: %s", r_.status, r_.err); \
		CHECK_EQ(r_.status, 0);                                           \
	} while (0)

/*
 * mkfs refused: exit 2, one line "mkfs: ...", containing what, and out not
 * created.
 */
static void check_refused(struct result r, const char *what, const char *out)
{
	size_t len = strlen(r.err);
	bool one_line = len > 0 && r.err[len - 1] == '\n' && strchr(r.err, '\n') == r.err + len - 1;
	if (r.status != 2 || !one_line || strncmp(r.err, "mkfs: ", 6) != 0 ||
	    !strstr(r.err, what)) {
		fprintf(stderr, "  wanted exit 2 and one line with \"%s\"; got exit %d: %s\n", what,
			r.status, r.err);
		CHECK(0);
	}
	if (out && access(out, F_OK) == 0) {
		fprintf(stderr, "  a refusal left %s behind\n", out);
		CHECK(0);
	}
}

/* --- reading an image --- */

struct image {
	const uint8_t *bytes;
	size_t size_bytes;
	struct fs_super sb;
	uint8_t *owner;      /* per block: 0 free, 1 metadata, 2 data of some inode */
	uint32_t next_block; /* the block mkfs hands out next, claimed in inode order */
};

static bool open_image(const char *path, struct image *img)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 2 * (off_t)FS_BLOCK_SIZE) {
		fprintf(stderr, "  %s: no image\n", path);
		CHECK(0);
		if (fd >= 0)
			close(fd);
		return false;
	}
	img->size_bytes = (size_t)st.st_size;
	img->bytes = mmap(NULL, img->size_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(img->bytes != MAP_FAILED);
	memcpy(&img->sb, img->bytes + FS_SUPER_BLOCK * FS_BLOCK_SIZE, sizeof img->sb);
	img->owner = NULL;
	return img->bytes != MAP_FAILED;
}

static void close_image(struct image *img)
{
	munmap((void *)img->bytes, img->size_bytes);
	free(img->owner);
}

static const uint8_t *block(const struct image *img, uint32_t b)
{
	return img->bytes + (size_t)b * FS_BLOCK_SIZE;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static struct fs_dinode inode(const struct image *img, uint32_t inum)
{
	struct fs_dinode d;
	const uint8_t *b = block(img, img->sb.inodestart + inum / FS_INODES_PER_BLOCK);
	memcpy(&d, b + (inum % FS_INODES_PER_BLOCK) * sizeof d, sizeof d);
	return d;
}

static uint32_t addr_in(const struct image *img, uint32_t indirect, uint32_t i)
{
	uint32_t a;
	memcpy(&a, block(img, indirect) + 4 * i, 4);
	return a;
}

/* Claims block b for an inode: inside the data region, used once. */
static bool claim(struct image *img, uint32_t b, uint32_t inum)
{
	if (b < img->sb.datastart || b >= img->sb.size || img->owner[b]) {
		fprintf(stderr, "  inode %u: block %u is %s\n", inum, b,
			b == 0                                       ? "missing (a hole)"
			: b < img->sb.datastart || b >= img->sb.size ? "outside the data blocks"
								     : "used twice");
		CHECK(0);
		return false;
	}
	img->owner[b] = 2;
	if (b != img->next_block) {
		fprintf(stderr, "  inode %u: block %u where mkfs's order has block %u\n", inum, b,
			img->next_block);
		CHECK(0);
	}
	img->next_block = b + 1;
	return true;
}

/*
 * Address i of a table of n (the inode's direct ones, or an indirect block's)
 * that maps file blocks first .. first+n-1: claimed and recorded in blocks[]
 * when the file has that block, 0 when it does not.
 */
static bool table_entry(struct image *img, uint32_t inum, uint32_t a, uint64_t fblock,
			uint64_t nblocks, uint32_t *blocks)
{
	if (fblock >= nblocks) {
		if (a != 0)
			fprintf(stderr, "  inode %u: address %u past the end of the file\n", inum,
				a);
		return a == 0;
	}
	blocks[fblock] = a;
	return claim(img, a, inum);
}

/*
 * The block numbers of inode inum's data, in order, into blocks[] (nblocks
 * of them); claims them and its indirect blocks, and checks that every
 * address past the file's end is 0. False (with a failed check) on a hole
 * or a bad block.
 */
static bool walk(struct image *img, uint32_t inum, uint32_t *blocks, uint64_t nblocks)
{
	struct fs_dinode d = inode(img, inum);
	const uint64_t n1 = FS_NINDIRECT, single_end = FS_NDIRECT + n1;
	bool ok = true;
	for (uint64_t i = 0; ok && i < FS_NDIRECT; i++)
		ok = table_entry(img, inum, d.addrs[i], i, nblocks, blocks);
	/* The single-indirect block exists iff the file goes past the direct blocks. */
	uint32_t single = d.addrs[FS_ADDR_SINGLE];
	ok = ok && (nblocks > FS_NDIRECT ? claim(img, single, inum) : single == 0);
	for (uint64_t i = 0; ok && single && i < n1; i++)
		ok = table_entry(img, inum, addr_in(img, single, (uint32_t)i), FS_NDIRECT + i,
				 nblocks, blocks);
	uint32_t dbl = d.addrs[FS_ADDR_DOUBLE];
	ok = ok && (nblocks > single_end ? claim(img, dbl, inum) : dbl == 0);
	for (uint64_t j = 0; ok && dbl && j < n1; j++) {
		uint64_t first = single_end + j * n1;
		uint32_t mid = addr_in(img, dbl, (uint32_t)j);
		ok = first < nblocks ? claim(img, mid, inum) : mid == 0;
		for (uint64_t i = 0; ok && mid && i < n1; i++)
			ok = table_entry(img, inum, addr_in(img, mid, (uint32_t)i), first + i,
					 nblocks, blocks);
	}
	if (!ok) {
		fprintf(stderr, "  inode %u: bad block tree for %llu blocks\n", inum,
			(unsigned long long)nblocks);
		CHECK(0);
	}
	return ok;
}

/* Inode inum's bytes equal want (size bytes), block by block through its tree. */
static void check_content(struct image *img, uint32_t inum, const uint8_t *want, uint64_t size)
{
	struct fs_dinode d = inode(img, inum);
	CHECK_EQ(d.size, size);
	uint64_t nblocks = (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;
	uint32_t *blocks = calloc(nblocks + 1, sizeof *blocks);
	if (walk(img, inum, blocks, nblocks)) {
		for (uint64_t i = 0; i < nblocks; i++) {
			uint64_t off = i * FS_BLOCK_SIZE;
			size_t n =
				size - off < FS_BLOCK_SIZE ? (size_t)(size - off) : FS_BLOCK_SIZE;
			if (memcmp(block(img, blocks[i]), want + off, n) != 0 ||
			    !all_zero(block(img, blocks[i]) + n, FS_BLOCK_SIZE - n)) {
				fprintf(stderr, "  inode %u: block %llu (disk block %u) differs\n",
					inum, (unsigned long long)i, blocks[i]);
				CHECK(0);
				break;
			}
		}
	}
	free(blocks);
}

/*
 * What an image should hold: files (host paths) at names (image paths
 * without the leading '/'), in argument order.
 */
struct expect {
	int nfiles;
	const char *path[MAX_FILES];
	const char *name[MAX_FILES];
	uint32_t size_blocks, ninodes;
};

/*
 * The files and directories of an expect, in the order mkfs numbers their
 * inodes from FS_ROOT_INUM: the root, then each in the order the names
 * first reach it.
 */
struct tree {
	int n;
	char path[MAX_NODES][256]; /* image path; "" for the root */
	int file[MAX_NODES];       /* index into the expect's files; -1 for a directory */
	int parent[MAX_NODES];     /* the directory's index; the root's is 0 */
};

static int tree_find(const struct tree *t, const char *path, size_t len)
{
	for (int k = 1; k < t->n; k++) {
		if (strlen(t->path[k]) == len && memcmp(t->path[k], path, len) == 0)
			return k;
	}
	return -1;
}

static void expected_tree(const struct expect *e, struct tree *t)
{
	t->n = 1;
	t->path[0][0] = '\0';
	t->file[0] = -1;
	t->parent[0] = 0;
	for (int i = 0; i < e->nfiles; i++) {
		const char *name = e->name[i];
		int dir = 0;
		for (const char *p = name;; p++) {
			if (*p && *p != '/')
				continue;
			size_t len = (size_t)(p - name);
			int k = tree_find(t, name, len);
			if (k < 0 && t->n < MAX_NODES) {
				k = t->n++;
				snprintf(t->path[k], sizeof t->path[k], "%.*s", (int)len, name);
				t->file[k] = *p ? -1 : i;
				t->parent[k] = dir;
			}
			if (!*p || k < 0)
				break;
			dir = k;
		}
	}
}

/* Node k's entry name: its path's last component. */
static const char *entry_name(const struct tree *t, int k)
{
	const char *slash = strrchr(t->path[k], '/');
	return slash ? slash + 1 : t->path[k];
}

static void check_super_and_log(struct image *img, const struct expect *e)
{
	const struct fs_super *sb = &img->sb;
	CHECK_EQ(img->size_bytes, (uint64_t)e->size_blocks * FS_BLOCK_SIZE);
	CHECK_EQ(sb->magic, FS_MAGIC);
	CHECK_EQ(sb->version, FS_VERSION);
	CHECK_EQ(sb->size, e->size_blocks);
	CHECK_EQ(sb->ninodes, e->ninodes);
	CHECK_EQ(sb->nlog, LOGSIZE + 1);
	CHECK_EQ(sb->logstart, 2);
	CHECK_EQ(sb->inodestart, 2 + sb->nlog);
	CHECK_EQ(sb->bmapstart, sb->inodestart + (e->ninodes + 63) / 64);
	CHECK_EQ(sb->datastart, sb->bmapstart + (e->size_blocks + 32767) / 32768);
	CHECK_EQ(sb->nblocks, sb->size - sb->datastart);
	CHECK_EQ(sb->crc, crc32c_table(0, block(img, FS_SUPER_BLOCK), 40));
	CHECK(all_zero(block(img, FS_SUPER_BLOCK) + sizeof *sb, FS_BLOCK_SIZE - sizeof *sb));
	char why[160];
	CHECK_EQ(fs_super_check(sb, img->size_bytes / FS_BLOCK_SIZE, why, sizeof why), 0);
	CHECK(all_zero(block(img, 0), FS_BLOCK_SIZE));

	struct fs_log_header h;
	memcpy(&h, block(img, sb->logstart), sizeof h);
	CHECK_EQ(h.magic, FS_LOG_MAGIC);
	CHECK_EQ(h.n, 0);
	CHECK_EQ(h.crc, crc32c_table(0, &h, 12));
	CHECK(all_zero(block(img, sb->logstart) + 16, FS_BLOCK_SIZE - 16));
	CHECK_EQ(fs_log_check(&h, sb, why, sizeof why), 0);
	for (uint32_t b = sb->logstart + 1; b < sb->inodestart; b++)
		CHECK(all_zero(block(img, b), FS_BLOCK_SIZE));
}

/*
 * Directory k: ".", "..", then its entries in inode order; nlink its entry
 * in its parent (the root: its own "..") and each subdirectory's "..".
 */
static void check_dir(struct image *img, const struct tree *t, int k)
{
	struct fs_dinode d = inode(img, FS_ROOT_INUM + (uint32_t)k);
	CHECK_EQ(d.type, T_DIR);
	static struct fs_dirent want[2 + MAX_NODES];
	memset(want, 0, sizeof want);
	want[0].inum = FS_ROOT_INUM + (uint32_t)k;
	strcpy(want[0].name, ".");
	want[1].inum = FS_ROOT_INUM + (uint32_t)t->parent[k];
	strcpy(want[1].name, "..");
	int nentries = 2, nsubdirs = 0;
	for (int j = 1; j < t->n; j++) {
		if (t->parent[j] != k)
			continue;
		want[nentries].inum = FS_ROOT_INUM + (uint32_t)j;
		memcpy(want[nentries].name, entry_name(t, j),
		       strnlen(entry_name(t, j), FS_NAME_MAX));
		nentries++;
		nsubdirs += t->file[j] < 0;
	}
	CHECK_EQ(d.nlink, 1 + nsubdirs);
	check_content(img, FS_ROOT_INUM + (uint32_t)k, (const uint8_t *)want,
		      (uint64_t)nentries * sizeof want[0]);
}

static void check_file(struct image *img, const struct expect *e, const struct tree *t, int k)
{
	uint32_t inum = FS_ROOT_INUM + (uint32_t)k;
	struct fs_dinode d = inode(img, inum);
	CHECK_EQ(d.type, T_FILE);
	CHECK_EQ(d.nlink, 1);
	CHECK_EQ(d.major, 0);
	CHECK_EQ(d.minor, 0);
	size_t size;
	uint8_t *want = check_read_file(e->path[t->file[k]], &size);
	check_content(img, inum, want, size);
	free(want);
}

/* Every inode in mkfs's order (so its blocks are claimed in that order); the rest free. */
static void check_inodes(struct image *img, const struct expect *e)
{
	static struct tree t;
	expected_tree(e, &t);
	for (int k = 0; k < t.n; k++) {
		if (t.file[k] < 0)
			check_dir(img, &t, k);
		else
			check_file(img, e, &t, k);
	}
	/* Inode 0 and every inode past the tree's are free and zero. */
	CHECK(all_zero(block(img, img->sb.inodestart), sizeof(struct fs_dinode)));
	for (uint32_t inum = FS_ROOT_INUM + (uint32_t)t.n; inum < img->sb.ninodes; inum++) {
		struct fs_dinode d = inode(img, inum);
		if (!all_zero((const uint8_t *)&d, sizeof d)) {
			fprintf(stderr, "  inode %u should be free\n", inum);
			CHECK(0);
			break;
		}
	}
}

/* Every block's bit: set exactly for the metadata and the blocks the inodes claimed. */
static void check_bitmap(struct image *img)
{
	const struct fs_super *sb = &img->sb;
	for (uint32_t b = 0; b < sb->size; b++) {
		bool in_use = b < sb->datastart || img->owner[b];
		bool bit = block(img, sb->bmapstart + b / 32768)[(b % 32768) / 8] >> (b % 8) & 1;
		if (bit != in_use) {
			fprintf(stderr, "  block %u: bitmap says %s, it is %s\n", b,
				bit ? "used" : "free", in_use ? "used" : "free");
			CHECK(0);
			return;
		}
		/* A free block was never written. */
		if (!in_use && !all_zero(block(img, b), FS_BLOCK_SIZE)) {
			fprintf(stderr, "  free block %u is not zero\n", b);
			CHECK(0);
			return;
		}
	}
	for (uint32_t b = sb->size; b < (sb->datastart - sb->bmapstart) * 32768; b++)
		CHECK(!(block(img, sb->bmapstart + b / 32768)[(b % 32768) / 8] >> (b % 8) & 1));
}

static void check_image(const char *path, const struct expect *e)
{
	struct image img;
	if (!open_image(path, &img))
		return;
	check_super_and_log(&img, e);
	if (img.sb.size * (uint64_t)FS_BLOCK_SIZE == img.size_bytes &&
	    img.sb.datastart < img.sb.size) {
		img.owner = calloc(img.sb.size, 1);
		img.next_block = img.sb.datastart;
		check_inodes(&img, e);
		check_bitmap(&img);
		CHECK_EQ(fsck_image(img.bytes, NULL), 0);
	}
	close_image(&img);
}

/* --- images --- */

TEST(image_of_the_readme_with_default_sizes)
{
	const char *out = tmp("readme.img");
	CHECK_BUILT(run_mkfs(out, "README.md"));
	struct expect e = { 1, { "README.md" }, { "README.md" }, FSSIZE, 2048 };
	check_image(out, &e);
}

/*
 * Sizes at each edge of the block tree: direct only, single-indirect,
 * double-indirect; big ones before small ones, so an indirect block left
 * over from the file before shows as addresses past a file's end.
 */
TEST(files_of_every_block_tree_shape)
{
	static const uint64_t sizes[] = {
		9u << 20, /* 9 MiB: two blocks under the double-indirect one */
		(FS_NDIRECT + FS_NINDIRECT) * FS_BLOCK_SIZE + 1,
		(FS_NDIRECT + FS_NINDIRECT) * FS_BLOCK_SIZE,
		FS_NDIRECT * FS_BLOCK_SIZE + 1,
		FS_NDIRECT * FS_BLOCK_SIZE,
		FS_BLOCK_SIZE,
		1,
		0,
		FS_NDIRECT * FS_BLOCK_SIZE + 2 * FS_BLOCK_SIZE + 7,
	};
	struct expect e = { 0, { 0 }, { 0 }, 8192, 64 };
	static char names[MAX_FILES][32];
	const char *args[MAX_FILES + 8] = { tmp("shapes.img"), "--inodes", "64", "--size-blocks",
					    "8192" };
	int nargs = 5;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(names[i], sizeof names[i], "file%zu", i);
		e.path[i] = make_file(tmp(names[i]), sizes[i], i);
		e.name[i] = names[i];
		e.nfiles++;
		args[nargs++] = e.path[i];
	}
	args[nargs] = NULL;
	CHECK_BUILT(run_mkfs_argv(args));
	check_image(args[0], &e);
}

TEST(a_file_of_over_64_mib_goes_in)
{
	const uint64_t size = (65u << 20) + 123;
	struct expect e = { 1, { make_file(tmp("big"), size, 99) }, { "big" }, 18000, 16 };
	const char *out = tmp("big.img");
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "18000", "--inodes", "16", e.path[0]));
	check_image(out, &e);
	unlink(e.path[0]);
	unlink(out);
}

/* Names: a leading "_" dropped, directories dropped, exactly FS_NAME_MAX bytes kept whole. */
TEST(names_are_base_names)
{
	char longest[FS_NAME_MAX + 1];
	memset(longest, 'n', FS_NAME_MAX);
	longest[FS_NAME_MAX] = '\0';
	mkdir(tmp("sub"), 0755);
	char sub_longest[300];
	snprintf(sub_longest, sizeof sub_longest, "sub/%s", longest);
	struct expect e = { 3,
			    { make_file(tmp("_sh"), 100, 1), make_file(tmp("sub/cat"), 5000, 2),
			      make_file(tmp(sub_longest), 3, 3) },
			    { "sh", "cat", longest },
			    512,
			    8 };
	const char *out = tmp("names.img");
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "512", "--inodes", "8", e.path[0], e.path[1],
			     e.path[2]));
	check_image(out, &e);
}

/* "IMAGEPATH=HOST", in one of a few rotating buffers. */
static const char *at(const char *image_path, const char *host)
{
	static char args[2 * MAX_FILES][512];
	static int next;
	char *p = args[next++ % (2 * MAX_FILES)];
	snprintf(p, sizeof args[0], "%s=%s", image_path, host);
	return p;
}

/*
 * IMAGEPATH=FILE: directories made on the way, shared, nested; a leading
 * '/' optional; names of FS_NAME_MAX bytes; plain FILEs beside them.
 */
TEST(files_in_nested_directories)
{
	char longest[FS_NAME_MAX + 1], deep_long[2 * FS_NAME_MAX + 2];
	memset(longest, 'd', FS_NAME_MAX);
	longest[FS_NAME_MAX] = '\0';
	snprintf(deep_long, sizeof deep_long, "%s/%s", longest, longest);
	struct expect e = { 9,
			    { make_file(tmp("modules"), 30, 1), make_file(tmp("_sh"), 100, 2),
			      make_file(tmp("rc"), 5000, 3),
			      make_file(tmp("net"), (FS_NDIRECT + 3) * FS_BLOCK_SIZE + 5, 4),
			      make_file(tmp("empty"), 0, 5), make_file(tmp("x"), 7, 6),
			      make_file(tmp("leaf"), 1, 7), make_file(tmp("long"), 2, 8),
			      make_file(tmp("last"), 3, 9) },
			    { "etc/modules", "sh", "etc/rc", "lib/modules/net/virtio_net",
			      "lib/modules/fs", "lib/x", "etc/deep/er/leaf", deep_long, "last" },
			    1024,
			    32 };
	const char *out = tmp("nested.img");
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "1024", "--inodes", "32",
			     at(e.name[0], e.path[0]), e.path[1], at("/etc/rc", e.path[2]),
			     at(e.name[3], e.path[3]), at(e.name[4], e.path[4]),
			     at(e.name[5], e.path[5]), at(e.name[6], e.path[6]),
			     at(e.name[7], e.path[7]), at(e.name[8], e.path[8])));
	check_image(out, &e);
}

/* 70 entries and "." and "..": a directory of two blocks, before the files in it. */
TEST(a_directory_of_many_entries_spans_blocks)
{
	/* More paths than tmp() has buffers: the host files' are kept here. */
	static char names[70][24], hosts[70][300];
	struct expect e = { 0, { 0 }, { 0 }, 512, 96 };
	const char *args[MAX_FILES + 8] = { tmp("many.img"), "--size-blocks", "512", "--inodes",
					    "96" };
	int nargs = 5;
	mkdir(tmp("many"), 0755);
	for (int i = 0; i < 70; i++) {
		snprintf(names[i], sizeof names[i], "many/f%02d", i);
		snprintf(hosts[i], sizeof hosts[i], "%s/%s", tmpdir, names[i]);
		e.path[i] = make_file(hosts[i], (uint64_t)i, (uint64_t)i);
		e.name[i] = names[i];
		args[nargs++] = at(e.name[i], e.path[i]);
	}
	e.nfiles = 70;
	args[nargs] = NULL;
	CHECK_BUILT(run_mkfs_argv(args));
	check_image(args[0], &e);
}

/* The full-size image is written sparse: only the blocks in use take host disk space. */
TEST(image_is_sparse)
{
	const char *out = tmp("sparse.img");
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "100000", "README.md"));
	struct stat st;
	CHECK_EQ(stat(out, &st), 0);
	CHECK_EQ(st.st_size, 100000ll * FS_BLOCK_SIZE);
	if ((uint64_t)st.st_blocks * 512 > (1u << 20)) {
		fprintf(stderr, "  %lld bytes allocated for a 400 MB image of one small file\n",
			(long long)st.st_blocks * 512);
		CHECK(0);
	}
}

/* --- refusals --- */

TEST(refuses_a_missing_file)
{
	const char *out = tmp("r1.img");
	check_refused(run_mkfs(out, "README.md", tmp("no-such-file")), "No such file", out);
	check_refused(run_mkfs(out, tmpdir), "not a regular file", out);
}

TEST(refuses_a_name_longer_than_fs_name_max)
{
	char name[FS_NAME_MAX + 2];
	memset(name, 'x', FS_NAME_MAX + 1);
	name[FS_NAME_MAX + 1] = '\0';
	const char *out = tmp("r2.img");
	check_refused(run_mkfs(out, make_file(tmp(name), 10, 0)), "longer than FS_NAME_MAX", out);
	/* The "_" is dropped before the length counts: 61 bytes with it is 60 without. */
	name[0] = '_';
	CHECK_BUILT(run_mkfs(out, make_file(tmp(name), 10, 0)));
}

TEST(refuses_duplicate_names)
{
	const char *out = tmp("r3.img");
	mkdir(tmp("d"), 0755);
	const char *a = make_file(tmp("dup"), 10, 0), *b = make_file(tmp("d/dup"), 10, 0);
	check_refused(run_mkfs(out, a, b), "would both be /dup", out);
	check_refused(run_mkfs(out, a, make_file(tmp("_dup"), 1, 0)), "would both be /dup", out);
	check_refused(run_mkfs(out, a, "README.md", a), "would both be /dup", out);
	check_refused(run_mkfs(out, make_file(tmp("_.."), 1, 0)), "reserved", out);
	check_refused(run_mkfs(out, make_file(tmp("_"), 1, 0)), "an empty file name in /", out);
}

/* Every component of an image path is checked as a name; the host file as a FILE is. */
TEST(refuses_bad_image_paths)
{
	const char *out = tmp("r8.img"), *f = make_file(tmp("pf"), 5, 1);
	check_refused(run_mkfs(out, at("etc//x", f)), "an empty file name in /etc//x", out);
	check_refused(run_mkfs(out, at("etc/", f)), "an empty file name in /etc/", out);
	check_refused(run_mkfs(out, at("", f)), "an empty file name in /", out);
	check_refused(run_mkfs(out, at("/", f)), "an empty file name in /", out);
	check_refused(run_mkfs(out, at("//etc", f)), "an empty file name in //etc", out);
	check_refused(run_mkfs(out, at("etc/./x", f)), "\".\" is reserved", out);
	check_refused(run_mkfs(out, at("../x", f)), "\"..\" is reserved", out);
	check_refused(run_mkfs(out, at("etc/..", f)), "\"..\" is reserved", out);
	char path[FS_NAME_MAX + 16];
	memset(path, 'x', sizeof path);
	memcpy(path, "etc/", 4);
	memcpy(path + 4 + FS_NAME_MAX + 1, "/x", 3);
	check_refused(run_mkfs(out, at(path, f)), "is 61 bytes, longer than FS_NAME_MAX", out);
	check_refused(run_mkfs(out, f, at("etc/x", tmpdir)), "not a regular file", out);
	check_refused(run_mkfs(out, at("etc/x", tmp("no-such-file"))), "No such file", out);
	check_refused(run_mkfs(out, "etc/x="), "No such file", out);
	/* The "_" of a plain FILE is dropped; an image path is taken as written. */
	const char *under = make_file(tmp("_u"), 1, 2);
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "400", under, at("_u", under)));
	struct expect e = { 2, { under, under }, { "u", "_u" }, 400, 2048 };
	check_image(out, &e);
}

/* A name is one file, or one directory that several paths share; never both or two files. */
TEST(refuses_a_name_taken_twice)
{
	const char *out = tmp("r9.img");
	const char *f = make_file(tmp("pf"), 5, 1), *g = make_file(tmp("pg"), 6, 2);
	check_refused(run_mkfs(out, at("etc/x", f), at("etc/x", g)), "would both be /etc/x", out);
	check_refused(run_mkfs(out, at("/etc/x", f), at("etc/x", g)), "would both be /etc/x", out);
	check_refused(run_mkfs(out, f, at("pf", g)), "would both be /pf", out);
	check_refused(run_mkfs(out, at("etc", f), at("etc/x", g)),
		      "/etc would be both a file and a directory", out);
	check_refused(run_mkfs(out, at("etc/x", g), at("etc", f)),
		      "/etc would be both a file and a directory", out);
	check_refused(run_mkfs(out, at("a/b/c", f), at("a/b", g)),
		      "/a/b would be both a file and a directory", out);
	check_refused(run_mkfs(out, at("a/b", g), at("a/b/c/d", f)),
		      "/a/b would be both a file and a directory", out);
}

/*
 * The directories take inodes and blocks too: a/b/F needs inode 0, the
 * root, a, b and F; and 516 data blocks, F's 512 and its single-indirect
 * one, and one each for the root, a and b (69 blocks of metadata).
 */
TEST(space_checks_count_the_directories)
{
	const char *out = tmp("r10.img"), *f = make_file(tmp("two-mib"), 2u << 20, 5);
	const char *arg = at("a/b/F", f);
	check_refused(run_mkfs(out, "--size-blocks", "600", "--inodes", "4", arg),
		      "1 files and 3 directories (the root included) need 5 inode slots", out);
	check_refused(run_mkfs(out, "--size-blocks", "584", "--inodes", "64", arg),
		      "need 516 data blocks", out);
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "585", "--inodes", "64", arg));
	struct expect e = { 1, { f }, { "a/b/F" }, 585, 64 };
	check_image(out, &e);
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "600", "--inodes", "5", arg));
}

TEST(refuses_a_size_too_small_for_the_files)
{
	const char *out = tmp("r4.img");
	/*
	 * 69 blocks of metadata (2, 65 log, 1 inode, 1 bitmap); the root takes 1
	 * data block, a 2 MiB file 512 and 1 single-indirect: 514 in all.
	 */
	const char *f = make_file(tmp("two-mib"), 2u << 20, 5);
	check_refused(run_mkfs(out, "--size-blocks", "512", "--inodes", "64", f),
		      "need 514 data blocks", out);
	check_refused(run_mkfs(out, "--size-blocks", "582", "--inodes", "64", f),
		      "need 514 data blocks", out);
	CHECK_BUILT(run_mkfs(out, "--size-blocks", "583", "--inodes", "64", f));
	/* Too small even for the metadata. */
	check_refused(run_mkfs(tmp("r4b.img"), "--size-blocks", "50"), "hold no data block",
		      tmp("r4b.img"));
}

TEST(refuses_too_many_inodes_for_the_size)
{
	const char *out = tmp("r5.img");
	check_refused(run_mkfs(out, "--size-blocks", "1000", "--inodes", "100000"),
		      "hold no data block", out);
	/* And too few for the files. */
	check_refused(run_mkfs(out, "--inodes", "2", "README.md"), "need 3 inode slots", out);
}

TEST(refuses_a_file_beyond_the_formats_maximum)
{
	const char *out = tmp("r6.img");
	const char *f = tmp("huge");
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	/* Sparse: no byte of it is ever written. */
	CHECK_EQ(ftruncate(fd, (off_t)(FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE + 1)), 0);
	close(fd);
	check_refused(run_mkfs(out, f), "over the format's maximum file size", out);
	unlink(f);
}

TEST(refuses_bad_options)
{
	const char *out = tmp("r7.img");
	check_refused(run_mkfs(out, "--bogus", "README.md"), "unknown option --bogus", out);
	check_refused(run_mkfs(out, "-s", "README.md"), "unknown option -s", out);
	check_refused(run_mkfs(out, "--size-blocks", "12x"), "not a count", out);
	check_refused(run_mkfs(out, "--size-blocks", "0"), "not a count", out);
	check_refused(run_mkfs(out, "--inodes", "4294967296"), "not a count", out);
	check_refused(run_mkfs(out, "--inodes", ""), "not a count", out);
	check_refused(run_mkfs(out, "--inodes"), "needs a number", out);
	check_refused(run_mkfs_argv((const char *const[]){ NULL }), "no output image", NULL);
	check_refused(run_mkfs(tmp("no-dir/x.img"), "README.md"), "No such file", NULL);
}

/* A refusal leaves an existing image as it was. */
TEST(a_refusal_leaves_the_old_image)
{
	const char *out = make_file(tmp("old.img"), 1000, 7);
	check_refused(run_mkfs(out, tmp("no-such-file")), "No such file", NULL);
	struct stat st;
	CHECK_EQ(stat(out, &st), 0);
	CHECK_EQ(st.st_size, 1000);
}

int main(void)
{
	mkfs_path = getenv("MKFS") ? getenv("MKFS") : "build/host/mkfs";
	if (access(mkfs_path, X_OK) != 0) {
		fprintf(stderr, "%s: not built (make build/host/mkfs)\n", mkfs_path);
		return 2;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(image_of_the_readme_with_default_sizes);
	RUN(files_of_every_block_tree_shape);
	RUN(a_file_of_over_64_mib_goes_in);
	RUN(names_are_base_names);
	RUN(files_in_nested_directories);
	RUN(a_directory_of_many_entries_spans_blocks);
	RUN(image_is_sparse);
	RUN(refuses_a_missing_file);
	RUN(refuses_a_name_longer_than_fs_name_max);
	RUN(refuses_duplicate_names);
	RUN(refuses_bad_image_paths);
	RUN(refuses_a_name_taken_twice);
	RUN(space_checks_count_the_directories);
	RUN(refuses_a_size_too_small_for_the_files);
	RUN(refuses_too_many_inodes_for_the_size);
	RUN(refuses_a_file_beyond_the_formats_maximum);
	RUN(refuses_bad_options);
	RUN(a_refusal_leaves_the_old_image);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_summary();
}
