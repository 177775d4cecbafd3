/*
 * tests/test_fsck.c - host tests for fsck: mkfs/fsck_check (linked in) and
 * the fsck program (build/host/fsck, or $FSCK, run as a subprocess from the
 * repository root as tests/run_all.py does).
 *
 * Images are built here by a small model of the format (new_image, make_file,
 * make_dir, ...), independent of mkfs and the checker, then damaged one way
 * per test; each test wants the exact line the damage must produce. Clean
 * images from mkfs (build/host/mkfs) and build/fs.img, when it exists, must
 * be clean. Garbage (random blocks, truncation, loops, huge counts) must be
 * checked to the end under the sanitizers.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../include/fs_format.h"
#include "../kernel/param.h"
#include "../lib/crc32c.h"
#include "../lib/fs_decode.h"
#include "../lib/fs_layout.h"
#include "../mkfs/fsck_check.h"
#include "check.h"

/* kernel/stat.h's inode types; its struct stat would clash with the host's. */
#define stat magma_stat
#include "../kernel/stat.h"
#undef stat

#define BS        FS_BLOCK_SIZE
#define SMALL     300 /* blocks */
#define SMALL_INO 64

/* --- a model of the format, to build images with --- */

static struct {
	uint8_t *b;
	size_t bytes;
	struct fs_super sb;
	uint32_t next; /* next data block to hand out */
} img;

static uint8_t *blk(uint32_t b)
{
	return img.b + (size_t)b * BS;
}

static struct fs_dinode *ino(uint32_t inum)
{
	return (struct fs_dinode *)blk(FS_INODE_BLOCK(inum, &img.sb)) + inum % FS_INODES_PER_BLOCK;
}

static uint8_t *map_byte(uint32_t b)
{
	return blk(FS_BITMAP_BLOCK(b, &img.sb)) + FS_BITMAP_BYTE(b);
}

static void set_bit(uint32_t b, bool on)
{
	if (on)
		*map_byte(b) |= FS_BITMAP_MASK(b);
	else
		*map_byte(b) &= (uint8_t)~FS_BITMAP_MASK(b);
}

static uint32_t alloc_block(void)
{
	set_bit(img.next, true);
	return img.next++;
}

static uint32_t alloc_inode(uint16_t type, uint16_t nlink)
{
	for (uint32_t inum = FS_ROOT_INUM; inum < img.sb.ninodes; inum++) {
		if (ino(inum)->type == 0) {
			ino(inum)->type = type;
			ino(inum)->nlink = nlink;
			return inum;
		}
	}
	fprintf(stderr, "test image out of inodes\n");
	exit(2);
}

/* The address slot of data block bn of inum (direct or single-indirect), allocating the indirect. */
static uint32_t *slot_of(uint32_t inum, uint32_t bn)
{
	struct fs_dinode *d = ino(inum);
	if (bn < FS_NDIRECT)
		return &d->addrs[bn];
	if (!d->addrs[FS_ADDR_SINGLE])
		d->addrs[FS_ADDR_SINGLE] = alloc_block();
	return (uint32_t *)blk(d->addrs[FS_ADDR_SINGLE]) + (bn - FS_NDIRECT);
}

static void append(uint32_t inum, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t done = 0; done < n;) {
		uint64_t off = ino(inum)->size;
		uint32_t *slot = slot_of(inum, (uint32_t)(off / BS));
		if (!*slot)
			*slot = alloc_block();
		size_t m = BS - off % BS < n - done ? BS - off % BS : n - done;
		memcpy(blk(*slot) + off % BS, p + done, m);
		ino(inum)->size += m;
		done += m;
	}
}

static void add_entry(uint32_t dir, const char *name, uint32_t inum)
{
	struct fs_dirent de = { .inum = inum };
	memcpy(de.name, name, strnlen(name, FS_NAME_MAX));
	append(dir, &de, sizeof de);
}

static uint32_t make_file(uint32_t dir, const char *name, size_t nbytes)
{
	uint32_t inum = alloc_inode(T_FILE, 1);
	for (size_t i = 0; i < nbytes; i++) {
		uint8_t byte = (uint8_t)(i * 7 + inum);
		append(inum, &byte, 1);
	}
	add_entry(dir, name, inum);
	return inum;
}

static uint32_t make_dir(uint32_t parent, const char *name)
{
	uint32_t inum = alloc_inode(T_DIR, 1);
	add_entry(inum, ".", inum);
	add_entry(inum, "..", parent);
	add_entry(parent, name, inum);
	ino(parent)->nlink++;
	return inum;
}

static void seal_log(struct fs_log_header *h)
{
	h->crc = fs_log_crc(h);
}

/* An empty file system: the root with "." and "..", every metadata bit set. */
static void new_image(uint32_t size, uint32_t ninodes)
{
	free(img.b);
	img.bytes = (size_t)size * BS;
	img.b = calloc(size, BS);
	char why[200];
	if (fs_layout_compute(size, ninodes, LOGSIZE + 1, &img.sb, why, sizeof why) != 0) {
		fprintf(stderr, "test layout: %s\n", why);
		exit(2);
	}
	memcpy(blk(FS_SUPER_BLOCK), &img.sb, sizeof img.sb);
	struct fs_log_header *h = (struct fs_log_header *)blk(img.sb.logstart);
	h->magic = FS_LOG_MAGIC;
	seal_log(h);
	for (uint32_t b = 0; b < img.sb.datastart; b++)
		set_bit(b, true);
	img.next = img.sb.datastart;
	uint32_t root = alloc_inode(T_DIR, 1);
	add_entry(root, ".", root);
	add_entry(root, "..", root);
}

/* The tree most tests damage. */
static uint32_t A, BIG, D, X, E, CONS;

static void standard_tree(void)
{
	new_image(SMALL, SMALL_INO);
	A = make_file(FS_ROOT_INUM, "a", 3 * BS - 100);
	BIG = make_file(FS_ROOT_INUM, "big", 12 * BS);
	D = make_dir(FS_ROOT_INUM, "d");
	X = make_file(D, "x", 100);
	E = make_dir(D, "e");
	add_entry(D, "link", A);
	ino(A)->nlink++;
	CONS = alloc_inode(T_DEVICE, 1);
	ino(CONS)->major = CONSOLE;
	add_entry(FS_ROOT_INUM, "console", CONS);
}

/* The entry named name in directory dir (in its first block). */
static struct fs_dirent *entry(uint32_t dir, const char *name)
{
	struct fs_dirent *de = (struct fs_dirent *)blk(ino(dir)->addrs[0]);
	for (uint32_t i = 0; i < ino(dir)->size / sizeof *de; i++)
		if (de[i].inum && strncmp(de[i].name, name, FS_NAME_MAX) == 0)
			return &de[i];
	fprintf(stderr, "test image has no entry %s in %u\n", name, dir);
	exit(2);
}

/* --- running the check --- */

static char lines[1 << 18];
static size_t lines_len;

static void collect(void *arg, enum fsck_kind kind, const char *line)
{
	(void)arg;
	static const char tag[] = { [FSCK_PROBLEM] = 'P', [FSCK_NOTE] = 'N', [FSCK_REPAIR] = 'R' };
	int n = snprintf(lines + lines_len, sizeof lines - lines_len, "%c %s\n", tag[kind], line);
	if (n > 0 && (size_t)n < sizeof lines - lines_len)
		lines_len += (size_t)n;
}

static struct fsck_result res;

/* fsck_check (or fsck_repair) of the image; its error code. */
static int run_check(bool repair, bool want_state)
{
	lines_len = 0;
	lines[0] = '\0';
	struct fsck_options opt = { collect, NULL, want_state };
	return repair ? fsck_repair(img.b, img.bytes, &opt, &res)
		      : fsck_check(img.b, img.bytes, &opt, &res);
}

/* Whether the last check gave the line "K text" exactly (K = P, N or R). */
static bool said(char kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool said(char kind, const char *fmt, ...)
{
	char want[1024];
	want[0] = kind;
	want[1] = ' ';
	va_list args;
	va_start(args, fmt);
	vsnprintf(want + 2, sizeof want - 3, fmt, args);
	va_end(args);
	strcat(want, "\n");
	for (const char *p = lines; (p = strstr(p, want)); p++)
		if (p == lines || p[-1] == '\n')
			return true;
	fprintf(stderr, "  wanted the line \"%.*s\"; got:\n%s", (int)strlen(want) - 1, want, lines);
	return false;
}

#define CHECK_SAID(kind, ...) CHECK(said(kind, __VA_ARGS__))

/* The check of the image finds exactly the problems it should: nothing unexpected. */
static void check_clean(void)
{
	CHECK_EQ(run_check(false, false), 0);
	if (res.problems)
		fprintf(stderr, "  wanted a clean image; got:\n%s", lines);
	CHECK_EQ(res.problems, 0);
}

/* --- clean images --- */

TEST(a_built_tree_is_clean_and_described)
{
	standard_tree();
	CHECK_EQ(run_check(false, true), 0);
	CHECK_EQ(res.problems, 0);
	CHECK_EQ(lines_len, 0);
	CHECK_EQ(res.blocks, SMALL);
	CHECK_EQ(res.inodes_in_use, 7);
	uint8_t bytes[100];
	for (int i = 0; i < 100; i++)
		bytes[i] = (uint8_t)(i * 7 + X);
	char want[512];
	/* The CRCs of a and big: computed over the model's bytes, block by block. */
	uint32_t crc_a = 0, crc_big = 0;
	for (uint32_t bn = 0; bn < 3; bn++)
		crc_a = crc32c_table(crc_a, blk(*slot_of(A, bn)), bn < 2 ? BS : BS - 100);
	for (uint32_t bn = 0; bn < 12; bn++)
		crc_big = crc32c_table(crc_big, blk(*slot_of(BIG, bn)), BS);
	snprintf(want, sizeof want,
		 "/ t1 s384 n2 c00000000\n/a t2 s%u n2 c%08x\n/big t2 s%u n1 c%08x\n"
		 "/d t1 s320 n2 c00000000\n/d/x t2 s100 n1 c%08x\n/d/e t1 s128 n1 c00000000\n"
		 "/console t3 s0 n1 c00000000\n",
		 3 * BS - 100, crc_a, 12 * BS, crc_big, crc32c_table(0, bytes, 100));
	CHECK(res.state && strcmp(res.state, want) == 0);
	if (res.state && strcmp(res.state, want) != 0)
		fprintf(stderr, "  state:\n%s  want:\n%s", res.state, want);
	free(res.state);
}

/* --- running programs --- */

static char tmpdir[] = "/tmp/test_fsck.XXXXXX";
static const char *mkfs_path, *fsck_path;

static const char *tmp(const char *name)
{
	static char paths[8][256];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
	return p;
}

struct output {
	int status; /* exit code, -1 when killed */
	char out[1 << 14], err[4096];
};

/* Runs argv (NULL-terminated), keeping stdout and stderr (each read whole, after the exit). */
static struct output run_program(const char *const *argv)
{
	static struct output o;
	memset(&o, 0, sizeof o);
	char out_path[300], err_path[300];
	snprintf(out_path, sizeof out_path, "%s/stdout", tmpdir);
	snprintf(err_path, sizeof err_path, "%s/stderr", tmpdir);
	pid_t pid = fork();
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s\n", argv[0]);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	FILE *f = fopen(out_path, "r");
	if (f) {
		o.out[fread(o.out, 1, sizeof o.out - 1, f)] = '\0';
		fclose(f);
	}
	f = fopen(err_path, "r");
	if (f) {
		o.err[fread(o.err, 1, sizeof o.err - 1, f)] = '\0';
		fclose(f);
	}
	return o;
}

#define run_prog(...) run_program((const char *const[]){ __VA_ARGS__, NULL })

static void write_image(const char *path, const uint8_t *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* Loads path as the image. */
static bool load_image(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	free(img.b);
	img.b = check_read_file(path, &img.bytes);
	memcpy(&img.sb, blk(FS_SUPER_BLOCK), sizeof img.sb);
	return true;
}

TEST(mkfs_images_are_clean)
{
	const char *f1 = tmp("one"), *f2 = tmp("_two"), *out = tmp("mkfs.img");
	static uint8_t data[40 * 4096 + 5];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13);
	write_image(f1, data, 10);
	write_image(f2, data, sizeof data); /* past the direct blocks */
	struct output o =
		run_prog(mkfs_path, out, "--size-blocks", "400", "--inodes", "32", f1, f2);
	CHECK_EQ(o.status, 0);
	CHECK(load_image(out));
	check_clean();
	CHECK_EQ(res.inodes_in_use, 3);
	/* The user programs' image, when it is built. */
	if (load_image("build/fs.img")) {
		check_clean();
		CHECK(res.inodes_in_use > 10);
	} else {
		printf("  (no build/fs.img: only the small mkfs image checked)\n");
	}
}

/* --- one kind of damage per test --- */

TEST(a_block_owned_twice)
{
	standard_tree();
	uint32_t lost = ino(X)->addrs[0];
	ino(X)->addrs[0] = ino(A)->addrs[1];
	run_check(false, false);
	CHECK_SAID('P', "inode %u: block %u (addrs[0]) is also owned by inode %u", X,
		   ino(A)->addrs[1], A);
	CHECK_SAID('P', "block %u: in use in the bitmap but owned by nothing", lost);
	CHECK_EQ(res.problems, 2);
	/* Twice in one inode, and through the single-indirect block. */
	standard_tree();
	uint32_t *second = slot_of(BIG, FS_NDIRECT + 1);
	lost = *second;
	*second = ino(BIG)->addrs[2];
	run_check(false, false);
	CHECK_SAID('P', "inode %u: block %u (addrs[10][1]) is named twice by this inode", BIG,
		   ino(BIG)->addrs[2]);
	CHECK_SAID('P', "block %u: in use in the bitmap but owned by nothing", lost);
	CHECK_EQ(res.problems, 2);
}

TEST(an_address_outside_the_data)
{
	standard_tree();
	uint32_t lost = ino(X)->addrs[0];
	ino(X)->addrs[0] = img.sb.inodestart;
	run_check(false, false);
	CHECK_SAID('P', "inode %u: block %u (addrs[0]) is outside the data blocks %u .. %u", X,
		   img.sb.inodestart, img.sb.datastart, SMALL - 1);
	CHECK_SAID('P', "block %u: in use in the bitmap but owned by nothing", lost);
	CHECK_EQ(res.problems, 2);
	standard_tree();
	*slot_of(BIG, FS_NDIRECT) = SMALL + 5; /* past the end: an indirect entry */
	run_check(false, false);
	CHECK_SAID('P', "inode %u: block %u (addrs[10][0]) is outside the data blocks %u .. %u",
		   BIG, SMALL + 5, img.sb.datastart, SMALL - 1);
}

TEST(bitmap_bits_against_ownership)
{
	standard_tree();
	uint32_t used = ino(X)->addrs[0];
	set_bit(used, false);
	set_bit(SMALL - 1, true);
	set_bit(img.sb.logstart, false);
	set_bit(SMALL + 3, true); /* past the end, in the last bitmap block */
	run_check(false, false);
	CHECK_SAID('P', "block %u: owned by inode %u but free in the bitmap", used, X);
	CHECK_SAID('P', "block %u: in use in the bitmap but owned by nothing", SMALL - 1);
	CHECK_SAID('P', "block %u: the log, but free in the bitmap", img.sb.logstart);
	CHECK_SAID('P', "bitmap: 1 bit set for blocks past the last (%u)", SMALL - 1);
	CHECK_EQ(res.problems, 4);
}

TEST(link_counts)
{
	standard_tree();
	ino(X)->nlink = 2;
	ino(A)->nlink = 1; /* two entries name it */
	ino(D)->nlink = 1; /* its entry and e's ".." */
	run_check(false, false);
	CHECK_SAID('P', "inode %u: nlink 2 but 1 directory entry names it", X);
	CHECK_SAID('P', "inode %u: nlink 1 but 2 directory entries name it", A);
	CHECK_SAID('P', "inode %u: nlink 1 but 2 directory entries name it", D);
	CHECK_EQ(res.problems, 3);
}

TEST(entries_name_free_or_missing_inodes)
{
	standard_tree();
	entry(D, "x")->inum = 40;
	entry(FS_ROOT_INUM, "a")->inum = SMALL_INO + 7;
	ino(A)->nlink = 1; /* only /d/link names it now */
	run_check(false, false);
	CHECK_SAID('P', "/d/x: entry names inode 40, which is free");
	CHECK_SAID('P', "/a: entry names inode %u, past the last inode %u", SMALL_INO + 7,
		   SMALL_INO - 1);
	CHECK_SAID('P', "inode %u: allocated (file, nlink 1) but no directory entry reaches it", X);
	CHECK_EQ(res.problems, 3);
}

TEST(dot_and_dotdot)
{
	standard_tree();
	entry(E, ".")->inum = D;
	entry(E, "..")->inum = FS_ROOT_INUM;
	run_check(false, false);
	CHECK_SAID('P', "/d/e: '.' names inode %u, not the directory (%u)", D, E);
	CHECK_SAID('P', "/d/e: '..' names inode %u, not the parent (%u)", FS_ROOT_INUM, D);
	/* The moved ".." counts for the root and no longer for d. */
	CHECK_SAID('P', "inode %u: nlink 2 but 3 directory entries name it", FS_ROOT_INUM);
	CHECK_SAID('P', "inode %u: nlink 2 but 1 directory entry names it", D);
	CHECK_EQ(res.problems, 4);

	standard_tree();
	entry(FS_ROOT_INUM, "..")->inum = D; /* the root's ".." is itself */
	memset(entry(E, ".")->name, 0, FS_NAME_MAX);
	memcpy(entry(E, "")->name, "dot", 3);
	memcpy(entry(E, "..")->name, "up", 2);
	ino(FS_ROOT_INUM)->nlink = 1; /* d's ".." */
	ino(D)->nlink = 3;            /* its entry, the root's "..", e's "up" */
	run_check(false, false);
	CHECK_SAID('P', "/: '..' names inode %u, not the parent (%u)", D, FS_ROOT_INUM);
	CHECK_SAID('P', "/d/e: no '.' entry");
	CHECK_SAID('P', "/d/e: no '..' entry");
	CHECK_SAID('P',
		   "/d/e/dot: entry names directory %u, which another entry already names (a "
		   "directory has one parent; not followed)",
		   E);
	CHECK_SAID('P',
		   "/d/e/up: entry names directory %u, which another entry already names (a "
		   "directory has one parent; not followed)",
		   D);
	CHECK_SAID('P', "inode %u: nlink 1 but 2 directory entries name it", E);
	CHECK_EQ(res.problems, 6);
}

TEST(directory_sizes)
{
	standard_tree();
	ino(E)->size += 10;
	run_check(false, false);
	CHECK_SAID('P', "inode %u: directory size 138 is not a multiple of the entry size 64", E);
	CHECK_EQ(res.problems, 1);

	/* past FS_DIR_MAX_BLOCKS (lib/fs_decode.h): the kernel refuses to read such a directory */
	standard_tree();
	ino(E)->size = FS_DIR_MAX_BYTES + 64;
	run_check(false, false);
	CHECK_SAID('P', "inode %u: directory size %llu is over a directory's maximum %llu", E,
		   (unsigned long long)(FS_DIR_MAX_BYTES + 64),
		   (unsigned long long)FS_DIR_MAX_BYTES);
}

TEST(names)
{
	standard_tree();
	memset(entry(D, "x")->name, 0, FS_NAME_MAX);
	memcpy(entry(D, "link")->name, "li/nk", 5);
	memcpy(entry(FS_ROOT_INUM, "big")->name, "big\0junk", 8);
	memcpy(entry(FS_ROOT_INUM, "a")->name, "console", 7);
	run_check(false, false);
	CHECK_SAID('P', "/d: the entry at byte 128 (inode %u) has an empty name", X);
	CHECK_SAID('P', "/d/li/nk: the entry's name holds a '/'");
	CHECK_SAID('P', "/big: bytes other than NUL follow the entry's name");
	CHECK_SAID('P', "/console: a second entry of this name (bytes 128 and 320)");
	CHECK_EQ(res.problems, 4);
	/* A name of exactly FS_NAME_MAX bytes needs no NUL; odd bytes are shown escaped. */
	standard_tree();
	char longest[FS_NAME_MAX + 1];
	memset(longest, 'n', FS_NAME_MAX);
	longest[FS_NAME_MAX] = '\0';
	longest[3] = '\n';
	make_file(E, longest, 1);
	make_file(E, longest, 2); /* twice: the line names it */
	run_check(false, false);
	CHECK_SAID('P', "/d/e/nnn\\x0a%.*s: a second entry of this name (bytes 128 and 192)",
		   FS_NAME_MAX - 4, longest + 4);
	CHECK_EQ(res.problems, 1);
}

TEST(sizes_against_blocks)
{
	standard_tree();
	ino(A)->size = 5 * BS; /* blocks 3 and 4 missing */
	ino(X)->size = 0;      /* its block past the size */
	uint32_t single = ino(BIG)->addrs[FS_ADDR_SINGLE];
	ino(BIG)->size = 10 * BS; /* the single-indirect block past the size */
	run_check(false, false);
	CHECK_SAID('P', "inode %u: no block for data block 3, inside the size %u", A, 5 * BS);
	CHECK_SAID('P', "inode %u: block %u (addrs[0]) holds data block 0, past the size 0", X,
		   ino(X)->addrs[0]);
	CHECK_SAID('P', "inode %u: block %u (addrs[10]) is an indirect block past the size %u", BIG,
		   single, 10 * BS);
	CHECK_EQ(res.problems, 3);
	/* A hole in the middle; a size over the format's maximum. */
	standard_tree();
	ino(BIG)->addrs[4] = 0;
	ino(X)->size = FS_MAXFILE_BLOCKS * BS + 1;
	run_check(false, false);
	CHECK_SAID('P', "inode %u: no block for data block 4, inside the size %u", BIG, 12 * BS);
	CHECK_SAID('P', "inode %u: size %llu is over the format's maximum %llu", X,
		   (unsigned long long)(FS_MAXFILE_BLOCKS * BS + 1),
		   (unsigned long long)(FS_MAXFILE_BLOCKS * BS));
	CHECK_EQ(res.problems, 3); /* and the block in use in the bitmap */
}

TEST(inode_types_and_devices)
{
	standard_tree();
	ino(X)->type = 7;
	ino(CONS)->major = NDEV;
	ino(0)->type = T_FILE;
	run_check(false, false);
	CHECK_SAID('P',
		   "inode %u: type 7 is not free (0), a directory (1), a file (2) or a "
		   "device (3)",
		   X);
	CHECK_SAID('P', "inode %u: device major %u, past the last driver (%u)", CONS, NDEV,
		   NDEV - 1);
	CHECK_SAID('P', "inode 0: type 2, but inode 0 is never used");
	CHECK_SAID('P', "/d/x: entry names inode %u, of unknown type 7", X);
	CHECK_SAID('P',
		   "inode %u: allocated (unknown type, nlink 1) but no directory entry reaches "
		   "it",
		   X);
	CHECK_EQ(res.problems, 5);
	/* A root that is no directory: nothing below it can be checked. */
	standard_tree();
	ino(FS_ROOT_INUM)->type = T_FILE;
	run_check(false, false);
	CHECK_SAID('P', "inode 1: the root is not a directory (type 2): the tree, link counts and "
			"orphans are not checked");
}

TEST(directory_loops_end)
{
	standard_tree();
	add_entry(E, "loop", D); /* /d/e/loop is /d again */
	add_entry(E, "self", E);
	add_entry(E, "root", FS_ROOT_INUM);
	ino(D)->nlink++;
	ino(E)->nlink++;
	ino(FS_ROOT_INUM)->nlink++;
	run_check(false, false);
	const char *again = "which another entry already names (a directory has one parent; not "
			    "followed)";
	CHECK_SAID('P', "/d/e/loop: entry names directory %u, %s", D, again);
	CHECK_SAID('P', "/d/e/self: entry names directory %u, %s", E, again);
	CHECK_SAID('P', "/d/e/root: entry names directory %u, %s", FS_ROOT_INUM, again);
	CHECK_EQ(res.problems, 3);
}

TEST(orphans)
{
	standard_tree();
	uint32_t orphan = alloc_inode(T_FILE, 0); /* unlinked while open, then a crash */
	append(orphan, "gone", 4);
	uint32_t gone_dir = alloc_inode(T_DIR, 0);
	add_entry(gone_dir, ".", gone_dir);
	add_entry(gone_dir, "..", D);
	uint32_t lost = alloc_inode(T_FILE, 1); /* not a crash's doing */
	run_check(false, false);
	CHECK_SAID('P', "inode %u: orphan (file, nlink 0) but no directory entry reaches it",
		   orphan);
	CHECK_SAID('P', "inode %u: orphan (directory, nlink 0) but no directory entry reaches it",
		   gone_dir);
	CHECK_SAID('P', "inode %u: allocated (file, nlink 1) but no directory entry reaches it",
		   lost);
	CHECK_EQ(res.problems, 3);
}

/* A log naming one block, its slot holding new; the old block stays home. */
static void commit_one(uint32_t home, const void *new_bytes)
{
	struct fs_log_header *h = (struct fs_log_header *)blk(img.sb.logstart);
	h->n = 1;
	h->seq = 7;
	h->block[0] = home;
	seal_log(h);
	memcpy(blk(img.sb.logstart + 1), new_bytes, BS);
}

TEST(a_committed_log_is_checked_as_replayed)
{
	standard_tree();
	uint32_t home = FS_INODE_BLOCK(X, &img.sb);
	static uint8_t replayed[BS];
	memcpy(replayed, blk(home), BS);
	ino(X)->nlink = 5; /* wrong at home, right in the log */
	commit_one(home, replayed);
	CHECK_EQ(run_check(false, true), 0);
	CHECK_EQ(res.problems, 0);
	CHECK_SAID('N', "log holds an unreplayed commit 7 of 1 block: a mount replays it; "
			"checking the image as replayed");
	free(res.state);
	/* The other way round: the replayed view is wrong. */
	((struct fs_dinode *)replayed + X % FS_INODES_PER_BLOCK)->nlink = 3;
	commit_one(home, replayed);
	ino(X)->nlink = 1;
	run_check(false, false);
	CHECK_SAID('P', "inode %u: nlink 3 but 1 directory entry names it", X);
	CHECK_EQ(res.problems, 1);
	/* A torn header: a mount ignores it, and so does fsck. */
	struct fs_log_header *h = (struct fs_log_header *)blk(img.sb.logstart);
	h->crc ^= 1;
	run_check(false, false);
	CHECK_EQ(res.problems, 0);
	CHECK(strstr(lines, "N log: header ignored, as a mount would: log header crc") != NULL);
	/* -y replays it into the image, as a mount would. */
	h->crc ^= 1;
	CHECK_EQ(run_check(true, false), 0);
	CHECK_SAID('N', "log: replayed commit 7 (1 block) into the image, as a mount would");
	CHECK_EQ(ino(X)->nlink, 3);
	CHECK_EQ(h->n, 0);
	CHECK_EQ(h->seq, 7);
	CHECK_EQ(h->crc, fs_log_crc(h));
}

TEST(unreadable_images_are_refused)
{
	standard_tree();
	CHECK_EQ(fsck_check(img.b, 2 * BS - 1, NULL, &res), FSCK_ERR_SHORT);
	CHECK(strstr(res.refusal, "under the two blocks") != NULL);
	CHECK_EQ(fsck_check(img.b, (SMALL - 1) * (size_t)BS, NULL, &res), FSCK_ERR_SUPER);
	CHECK(strstr(res.refusal, "file system of 300 blocks on a disk of 299 blocks") != NULL);
	img.b[FS_SUPER_BLOCK * BS + 8] ^= 1; /* size: the crc no longer matches */
	CHECK_EQ(fsck_check(img.b, img.bytes, NULL, &res), FSCK_ERR_SUPER);
	CHECK(strstr(res.refusal, "superblock refused: superblock crc") != NULL);
}

/* --- garbage --- */

static uint64_t rng = 88172645463325252ull;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

TEST(garbage_is_checked_to_the_end)
{
	for (int round = 0; round < 40; round++) {
		standard_tree();
		/* Random bytes over the inode blocks, the bitmap, the data; the superblock kept. */
		uint32_t from = round % 2 ? img.sb.inodestart : img.sb.datastart;
		for (size_t i = (size_t)from * BS; i < img.bytes; i += 1 + next_random() % 64)
			img.b[i] = (uint8_t)next_random();
		if (round % 4 == 0) {
			/* Addresses that are mostly plausible, sizes and counts that are not. */
			for (uint32_t inum = 1; inum < SMALL_INO; inum++) {
				struct fs_dinode *d = ino(inum);
				d->type = 1 + next_random() % 3;
				d->size =
					next_random() % 3 ? next_random() % (40 * BS) : UINT64_MAX;
				for (uint32_t k = 0; k < FS_NADDRS; k++)
					d->addrs[k] = img.sb.datastart + next_random() % 240;
			}
		}
		CHECK_EQ(run_check(round % 3 == 0, true), 0);
		CHECK(res.problems > 0);
		free(res.state);
	}
	/* Random bytes for a whole image: no superblock. */
	for (size_t i = 0; i < img.bytes; i++)
		img.b[i] = (uint8_t)next_random();
	CHECK_EQ(run_check(false, false), FSCK_ERR_SUPER);
	/* A long chain of directories: no recursion to overflow, paths cut short. */
	new_image(2000, 1024);
	uint32_t dir = FS_ROOT_INUM;
	for (int i = 0; i < 1000; i++)
		dir = make_dir(dir, "deep-directory-name");
	check_clean();
	add_entry(dir, "top", FS_ROOT_INUM);
	run_check(false, false);
	CHECK_EQ(res.problems, 2); /* the second parent, the root's count */
	CHECK(strstr(lines, "/.../deep-directory-name/top: entry names directory 1, which") !=
	      NULL);
}

/* --- repair --- */

TEST(repair_frees_orphans_and_fixes_bits)
{
	standard_tree();
	uint32_t orphan = alloc_inode(T_FILE, 0);
	append(orphan, "gone", 4);
	uint32_t orphan_block = ino(orphan)->addrs[0];
	uint32_t used = ino(X)->addrs[0];
	set_bit(used, false);
	set_bit(SMALL - 2, true);
	set_bit(SMALL + 1, true);
	CHECK_EQ(run_check(true, false), 0);
	CHECK_EQ(res.problems, 4);
	CHECK_SAID('R', "inode %u: freed the orphan (file) and its 1 block", orphan);
	CHECK_SAID('R', "block %u: marked in use in the bitmap", used);
	CHECK_SAID('R', "block %u: marked free in the bitmap", SMALL - 2);
	CHECK_SAID('R', "bitmap: cleared 1 bit past the last block");
	CHECK_EQ(res.repairs, 4); /* the orphan's block went with it */
	CHECK_EQ(ino(orphan)->type, 0);
	CHECK_EQ(*map_byte(orphan_block) & FS_BITMAP_MASK(orphan_block), 0);
	check_clean();
}

TEST(repair_leaves_other_damage_alone)
{
	standard_tree();
	uint32_t orphan = alloc_inode(T_FILE, 0);
	append(orphan, "gone", 4);
	ino(X)->nlink = 4;
	ino(A)->addrs[2] = ino(BIG)->addrs[0];
	uint32_t lost = alloc_inode(T_FILE, 1);
	uint8_t *before = malloc(img.bytes);
	memcpy(before, img.b, img.bytes);
	CHECK_EQ(run_check(true, false), 0);
	CHECK_SAID('R', "inode %u: freed the orphan (file) and its 1 block", orphan);
	/* a's lost block: owned by nothing now, its bit cleared */
	CHECK_EQ(res.repairs, 2);
	CHECK_EQ(ino(orphan)->type, 0);
	/* Only the orphan's inode and the bitmap changed. */
	size_t orphan_at = (size_t)((uint8_t *)ino(orphan) - img.b);
	for (size_t i = 0; i < img.bytes; i++) {
		bool allowed = (i >= orphan_at && i < orphan_at + sizeof(struct fs_dinode)) ||
			       i / BS == img.sb.bmapstart;
		if (!allowed && before[i] != img.b[i]) {
			fprintf(stderr, "  byte %zu (block %zu) changed\n", i, i / BS);
			CHECK(0);
			break;
		}
	}
	free(before);
	run_check(false, false);
	CHECK_SAID('P', "inode %u: nlink 4 but 1 directory entry names it", X);
	CHECK_SAID('P', "inode %u: block %u (addrs[0]) is also owned by inode %u", BIG,
		   ino(BIG)->addrs[0], A); /* the first to claim it owns it */
	CHECK_SAID('P', "inode %u: allocated (file, nlink 1) but no directory entry reaches it",
		   lost);
	CHECK_EQ(res.problems, 3);
}

/* --- the program --- */

TEST(fsck_program_exit_codes)
{
	const char *path = tmp("prog.img");
	standard_tree();
	write_image(path, img.b, img.bytes);
	struct output o = run_prog(fsck_path, path);
	CHECK_EQ(o.status, 0);
	char want[512];
	snprintf(want, sizeof want, "fsck: %s: 300 blocks, 7 inodes in use, 0 problems\n", path);
	CHECK(strcmp(o.out, want) == 0);

	uint32_t orphan = alloc_inode(T_FILE, 0);
	set_bit(SMALL - 1, true);
	write_image(path, img.b, img.bytes);
	o = run_prog(fsck_path, path);
	CHECK_EQ(o.status, 1);
	snprintf(want, sizeof want,
		 "inode %u: orphan (file, nlink 0) but no directory entry reaches it\n"
		 "block %u: in use in the bitmap but owned by nothing\n"
		 "fsck: %s: 300 blocks, 8 inodes in use, 2 problems\n",
		 orphan, SMALL - 1, path);
	CHECK(strcmp(o.out, want) == 0);
	if (strcmp(o.out, want) != 0)
		fprintf(stderr, "  got:\n%s", o.out);
	o = run_prog(fsck_path, "-y", path);
	CHECK_EQ(o.status, 1); /* problems were found, though all are repaired */
	CHECK(strstr(o.out, "repaired: block 299: marked free in the bitmap\n") != NULL);
	CHECK(strstr(o.out, "8 inodes in use, 2 problems, 2 repaired, 0 left\n") != NULL);
	if (!strstr(o.out, "2 repaired, 0 left"))
		fprintf(stderr, "  got:\n%s", o.out);
	o = run_prog(fsck_path, path);
	CHECK_EQ(o.status, 0);

	o = run_prog(fsck_path, tmp("missing.img"));
	CHECK_EQ(o.status, 2);
	CHECK(strstr(o.err, "missing.img: cannot check: No such file or directory") != NULL);
	write_image(path, img.b, BS + 10);
	o = run_prog(fsck_path, path);
	CHECK_EQ(o.status, 2);
	CHECK(strstr(o.err, "cannot check: 4106 bytes, under the two blocks") != NULL);
	img.b[FS_SUPER_BLOCK * BS] ^= 0xff;
	write_image(path, img.b, img.bytes);
	o = run_prog(fsck_path, path);
	CHECK_EQ(o.status, 2);
	CHECK(strstr(o.err, "not a magma file system") != NULL);
	o = run_prog(fsck_path);
	CHECK_EQ(o.status, 2);
	CHECK(strstr(o.err, "usage: fsck [-y] IMAGE") != NULL);
}

int main(void)
{
	mkfs_path = getenv("MKFS") ? getenv("MKFS") : "build/host/mkfs";
	fsck_path = getenv("FSCK") ? getenv("FSCK") : "build/host/fsck";
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(a_built_tree_is_clean_and_described);
	RUN(mkfs_images_are_clean);
	RUN(a_block_owned_twice);
	RUN(an_address_outside_the_data);
	RUN(bitmap_bits_against_ownership);
	RUN(link_counts);
	RUN(entries_name_free_or_missing_inodes);
	RUN(dot_and_dotdot);
	RUN(directory_sizes);
	RUN(names);
	RUN(sizes_against_blocks);
	RUN(inode_types_and_devices);
	RUN(directory_loops_end);
	RUN(orphans);
	RUN(a_committed_log_is_checked_as_replayed);
	RUN(unreadable_images_are_refused);
	RUN(garbage_is_checked_to_the_end);
	RUN(repair_frees_orphans_and_fixes_bits);
	RUN(repair_leaves_other_damage_alone);
	RUN(fsck_program_exit_codes);
	free(img.b);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_summary();
}
