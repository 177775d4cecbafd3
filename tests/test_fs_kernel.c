/*
 * tests/test_fs_kernel.c - the kernel's file system (kernel/bio.c, log.c, fs.c,
 * file.c, pipe.c, sysfile.c) on the host, over a memory disk (tests/shim/).
 *
 * Images are formatted here (a minimal mkfs: superblock, empty log, root
 * directory) and filled through the kernel's own system call handlers.
 * After the interesting steps, an independent checker (fsck below, which
 * reads the image with include/fs_format.h only) walks the tree: every
 * block used once and marked in the free map, every free block clear,
 * link counts right, no orphan inode. Crash tests record every disk write
 * and flush of a workload, rebuild the disk as a crash could have left it
 * (any prefix of the flushed writes, any subset of the unflushed ones, a
 * torn header), mount it and require one of the states between commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/fs_format.h"
#include "../kernel/bio.h"
#include "../kernel/fcntl.h"
#include "../kernel/file.h"
#include "../kernel/fsys.h"
#include "../kernel/log.h"
#include "../kernel/param.h"
#include "../kernel/pipe.h"
#include "../kernel/proc.h"
#include "../kernel/stat.h"
#include "../lib/fs_layout.h"
#include "check.h"
#include "shim/fsck.h"
#include "shim/mount.h"
#include "shim/shim.h"

/* <unistd.h>'s, which cannot be included: its sleep() is not the kernel's */
unsigned int alarm(unsigned int seconds);

/* kernel/sysfile.c, called through shim_syscall */
long sys_read(void);
long sys_write(void);
long sys_close(void);
long sys_dup(void);
long sys_pipe(void);
long sys_fstat(void);
long sys_open(void);
long sys_mkdir(void);
long sys_mknod(void);
long sys_link(void);
long sys_unlink(void);
long sys_chdir(void);

#define BS FS_BLOCK_SIZE

/* --- a minimal mkfs (the layout and checksums from lib/fs_layout, as mkfs/ has them) --- */

/* The superblock of a file system of size blocks, sealed; exits if the numbers do not fit. */
static struct fs_super layout(uint32_t size, uint32_t ninodes, uint32_t nlog)
{
	struct fs_super s;
	char why[160];
	if (fs_layout_compute(size, ninodes, nlog, &s, why, sizeof(why)) != 0) {
		fprintf(stderr, "layout: %s\n", why);
		exit(2);
	}
	return s;
}

static void seal_super(struct fs_super *s)
{
	s->crc = fs_super_crc(s);
}

static uint8_t *block_at(uint8_t *image, uint32_t b)
{
	return image + (uint64_t)b * BS;
}

static void seal_log_header(struct fs_log_header *h)
{
	h->crc = fs_log_crc(h);
}

/* A fresh disk of disk_blocks holding a file system of size blocks with an empty root. */
static struct fs_super format_disk(uint64_t disk_blocks, uint32_t size, uint32_t ninodes)
{
	shim_disk_create(disk_blocks);
	struct fs_super s = layout(size, ninodes, LOGSIZE + 1);
	memcpy(block_at(shim_disk, FS_SUPER_BLOCK), &s, sizeof(s));
	struct fs_log_header *h = (struct fs_log_header *)block_at(shim_disk, s.logstart);
	h->magic = FS_LOG_MAGIC;
	seal_log_header(h);
	uint32_t root_block = s.datastart;
	for (uint32_t b = 0; b <= root_block; b++)
		block_at(shim_disk, FS_BITMAP_BLOCK(b, &s))[(b % FS_BITS_PER_BLOCK) / 8] |=
			1u << (b % 8);
	struct fs_dinode *root = (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(1, &s)) +
				 FS_ROOT_INUM % FS_INODES_PER_BLOCK;
	root->type = T_DIR;
	root->nlink = 1;
	root->size = 2 * sizeof(struct fs_dirent);
	root->addrs[0] = root_block;
	struct fs_dirent *de = (struct fs_dirent *)block_at(shim_disk, root_block);
	de[0].inum = FS_ROOT_INUM;
	strcpy(de[0].name, ".");
	de[1].inum = FS_ROOT_INUM;
	strcpy(de[1].name, "..");
	return s;
}

static struct fs_super format(uint32_t size, uint32_t ninodes)
{
	return format_disk(size, size, ninodes);
}

/* Drops every reference the process holds: what a crash (or fs_init again) needs. */
static void unmount(void)
{
	shim_unmount();
}

/* fs_init (after dropping what an earlier mount left), and the root as the current directory. */
static int mount(void)
{
	return shim_mount();
}

/* --- system calls, with their arguments in the shim's user memory --- */

#define U_PATH0      0
#define U_PATH1      1024
#define U_MISC       2048 /* stat, pipe fds */
#define U_DATA       4096
#define U_DATA_BYTES (SHIM_USER_BYTES - U_DATA)

static long u_open(const char *path, int flags)
{
	return shim_syscall(sys_open, shim_ustr(U_PATH0, path), (uint64_t)flags, 0);
}

static long u_path(long (*call)(void), const char *path)
{
	return shim_syscall(call, shim_ustr(U_PATH0, path), 0, 0);
}

static long u_link(const char *old, const char *new)
{
	return shim_syscall(sys_link, shim_ustr(U_PATH0, old), shim_ustr(U_PATH1, new), 0);
}

static long u_mknod(const char *path, int major, int minor)
{
	return shim_syscall(sys_mknod, shim_ustr(U_PATH0, path), (uint64_t)major, (uint64_t)minor);
}

static long u_write(long fd, const void *data, size_t n)
{
	memcpy(shim_user + U_DATA, data, n);
	return shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), n);
}

static long u_read(long fd, void *data, size_t n)
{
	long got = shim_syscall(sys_read, (uint64_t)fd, shim_uva(U_DATA), n);
	if (got > 0)
		memcpy(data, shim_user + U_DATA, (size_t)got);
	return got;
}

static long u_close(long fd)
{
	return shim_syscall(sys_close, (uint64_t)fd, 0, 0);
}

static long u_fstat(long fd, struct stat *st)
{
	long r = shim_syscall(sys_fstat, (uint64_t)fd, shim_uva(U_MISC), 0);
	memcpy(st, shim_user + U_MISC, sizeof(*st));
	return r;
}

/* stat(path) as ulib does it: open, fstat, close. */
static long u_stat(const char *path, struct stat *st)
{
	long fd = u_open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long r = u_fstat(fd, st);
	u_close(fd);
	return r;
}

/* Creates path holding n bytes of data; 0 or -1. */
static long u_put_file(const char *path, const void *data, size_t n)
{
	long fd = u_open(path, O_CREATE | O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	long wrote = u_write(fd, data, n);
	u_close(fd);
	return wrote == (long)n ? 0 : -1;
}

static int fsck_clean(void)
{
	return fsck_image(shim_disk, NULL) == 0;
}

/* Clear bits in the free map. */
static uint32_t free_blocks(void)
{
	struct fs_super sb;
	memcpy(&sb, shim_disk + FS_SUPER_BLOCK * BS, sizeof(sb));
	uint32_t nfree = 0;
	for (uint32_t b = 0; b < sb.size; b++) {
		const uint8_t *map = shim_disk + (uint64_t)FS_BITMAP_BLOCK(b, &sb) * BS;
		nfree += !((map[(b % FS_BITS_PER_BLOCK) / 8] >> (b % 8)) & 1);
	}
	return nfree;
}

/* --- mounting and simple files --- */

#define SMALL_FS 2048 /* blocks: 8 MiB */

/* A formatted, mounted small file system. */
static void fresh(void)
{
	unmount();
	format(SMALL_FS, 200);
	if (mount() != 0) {
		fprintf(stderr, "mount of a fresh image failed:\n%s", shim_log());
		exit(1);
	}
}

TEST(mounts_a_fresh_image)
{
	fresh();
	CHECK(shim_log_has("fs: mounted 2048 blocks"));
	struct stat st;
	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.type, T_DIR);
	CHECK_EQ(st.ino, FS_ROOT_INUM);
	CHECK_EQ(st.nlink, 1);
	CHECK(fsck_clean());
}

TEST(fsck_finds_planted_damage)
{
	fresh();
	CHECK_EQ(u_put_file("f", "data", 4), 0);
	struct stat st;
	CHECK_EQ(u_stat("f", &st), 0);
	CHECK(fsck_clean());
	struct fs_super s;
	memcpy(&s, block_at(shim_disk, FS_SUPER_BLOCK), sizeof(s));
	struct fs_dinode *d = (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(st.ino, &s)) +
			      st.ino % FS_INODES_PER_BLOCK;
	uint8_t *map = block_at(shim_disk, s.bmapstart) + d->addrs[0] / 8;
	uint8_t bit = 1u << (d->addrs[0] % 8);

	*map ^= bit; /* a used block marked free */
	CHECK(!fsck_clean());
	*map ^= bit;
	d->nlink = 2;
	CHECK(!fsck_clean());
	d->nlink = 1;
	d->size = BS + 1; /* a block missing inside the size */
	CHECK(!fsck_clean());
	d->size = 4;
	struct fs_dinode *orphan = d + 1;
	orphan->type = T_FILE;
	CHECK(!fsck_clean());
	orphan->type = 0;
	CHECK(fsck_clean());
}

TEST(create_write_read_unlink)
{
	fresh();
	uint32_t free0 = free_blocks();
	long fd = u_open("hello", O_CREATE | O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(u_write(fd, "hello, world", 12), 12);
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.type, T_FILE);
	CHECK_EQ(st.size, 12);
	CHECK_EQ(st.nlink, 1);
	CHECK_EQ(u_close(fd), 0);

	char buf[32] = { 0 };
	fd = u_open("/hello", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 12);
	CHECK(memcmp(buf, "hello, world", 12) == 0);
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 0); /* end of file */
	CHECK_EQ(u_close(fd), 0);
	CHECK(fsck_clean());
	CHECK_EQ(free_blocks(), free0 - 1);

	CHECK_EQ(u_path(sys_unlink, "hello"), 0);
	CHECK_EQ(u_open("hello", O_RDONLY), -1);
	CHECK_EQ(u_path(sys_unlink, "hello"), -1);
	CHECK(fsck_clean());
	CHECK_EQ(free_blocks(), free0);
}

TEST(open_file_survives_unlink_until_closed)
{
	fresh();
	uint32_t free0 = free_blocks();
	long fd = u_open("f", O_CREATE | O_RDWR);
	CHECK_EQ(u_write(fd, "data", 4), 4);
	CHECK_EQ(u_path(sys_unlink, "f"), 0);
	CHECK_EQ(free_blocks(), free0 - 1); /* still held by fd */
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.nlink, 0);
	CHECK_EQ(u_close(fd), 0);
	CHECK_EQ(free_blocks(), free0);
	CHECK(fsck_clean());
}

TEST(offsets_dup_append_trunc)
{
	fresh();
	long fd = u_open("f", O_CREATE | O_RDWR);
	long fd2 = shim_syscall(sys_dup, (uint64_t)fd, 0, 0);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK_EQ(u_write(fd, "abc", 3), 3);
	CHECK_EQ(u_write(fd2, "def", 3), 3); /* shares the offset: appends after abc */
	u_close(fd);
	u_close(fd2);
	char buf[16] = { 0 };
	fd = u_open("f", O_RDONLY);
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "abcdef", 6) == 0);
	CHECK_EQ(u_write(fd, "x", 1), -1); /* read-only */
	u_close(fd);

	fd = u_open("f", O_WRONLY | O_APPEND);
	CHECK_EQ(u_write(fd, "gh", 2), 2);
	CHECK_EQ(u_read(fd, buf, 1), -1); /* write-only */
	u_close(fd);
	fd = u_open("f", O_RDWR);
	CHECK_EQ(u_write(fd, "AB", 2), 2); /* no O_APPEND: overwrites from 0 */
	u_close(fd);
	fd = u_open("f", O_RDONLY);
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "ABcdefgh", 8) == 0);
	u_close(fd);

	fd = u_open("f", O_WRONLY | O_TRUNC);
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.size, 0);
	u_close(fd);
	CHECK(fsck_clean());
}

/* --- big files --- */

/* Fills the user buffer with n blocks stamped with their file block numbers from first. */
static void stamp_blocks(uint64_t first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *words = (uint64_t *)(shim_user + U_DATA + i * BS);
		for (size_t w = 0; w < BS / 8; w++)
			words[w] = (first + i) * 0x10001ull + w;
	}
}

static int block_has_stamp(const uint8_t *block, uint64_t bn)
{
	const uint64_t *words = (const uint64_t *)block;
	for (size_t w = 0; w < BS / 8; w++)
		if (words[w] != bn * 0x10001ull + w)
			return 0;
	return 1;
}

TEST(big_file_through_double_indirect)
{
	unmount();
	format(24000, 200); /* 94 MiB */
	CHECK_EQ(mount(), 0);
	uint32_t free0 = free_blocks();

	/* 64 MiB and a bit: 16384 + 5 blocks, far into the double-indirect range. */
	const uint64_t nblocks = 16384 + 5, tail = 100;
	const uint64_t size = nblocks * BS + tail;
	long fd = u_open("big", O_CREATE | O_WRONLY);
	CHECK(fd >= 0);
	const size_t chunk = U_DATA_BYTES / BS; /* blocks per write */
	for (uint64_t bn = 0; bn < nblocks; bn += chunk) {
		size_t n = nblocks - bn < chunk ? nblocks - bn : chunk;
		stamp_blocks(bn, n);
		long wrote = shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), n * BS);
		if (wrote != (long)(n * BS)) {
			CHECK_EQ(wrote, n * BS);
			break;
		}
	}
	stamp_blocks(nblocks, 1);
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), tail), tail);
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.size, size);
	u_close(fd);

	/* data, one single-indirect, one double, and its second-level blocks */
	uint64_t deep = nblocks + 1 - FS_NDIRECT - FS_NINDIRECT;
	uint64_t expect = nblocks + 1 + 1 + 1 + (deep + FS_NINDIRECT - 1) / FS_NINDIRECT;
	CHECK(fsck_clean());
	CHECK_EQ(free_blocks(), free0 - expect);

	/* Read back blocks at each edge: direct, single, double and its second level. */
	uint64_t probes[] = { 0,    9,           10,          1033, 1034,
			      1035, 1034 + 1023, 1034 + 1024, 8000, nblocks - 1 };
	fd = u_open("big", O_RDONLY);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct file *f = shim_proc.ofile[fd];
		f->off = probes[i] * BS;
		CHECK_EQ(shim_syscall(sys_read, (uint64_t)fd, shim_uva(U_DATA), BS), BS);
		CHECK(block_has_stamp(shim_user + U_DATA, probes[i]));
	}
	shim_proc.ofile[fd]->off = nblocks * BS;
	CHECK_EQ(shim_syscall(sys_read, (uint64_t)fd, shim_uva(U_DATA), BS), tail);
	u_close(fd);

	/* O_TRUNC frees every block, the indirect ones included. */
	fd = u_open("big", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	u_close(fd);
	CHECK_EQ(free_blocks(), free0);
	CHECK(fsck_clean());
	CHECK_EQ(u_path(sys_unlink, "big"), 0);
	CHECK_EQ(free_blocks(), free0);
	CHECK(fsck_clean());
}

/* --- names and directories --- */

TEST(names_of_60_bytes)
{
	fresh();
	char name60[FS_NAME_MAX + 1], name61[FS_NAME_MAX + 2];
	memset(name60, 'n', FS_NAME_MAX);
	name60[FS_NAME_MAX] = '\0';
	memset(name61, 'n', FS_NAME_MAX + 1);
	name61[FS_NAME_MAX + 1] = '\0';
	CHECK_EQ(u_put_file(name60, "sixty", 5), 0);
	char twin[FS_NAME_MAX + 1];
	memcpy(twin, name60, sizeof(twin));
	twin[FS_NAME_MAX - 1] = 'm'; /* differs only in the last byte */
	CHECK_EQ(u_put_file(twin, "twin", 4), 0);

	char buf[8] = { 0 };
	long fd = u_open(name60, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "sixty", 5) == 0);
	u_close(fd);

	/* 61 bytes: refused, not cut to 60 (which would find name60). */
	CHECK_EQ(u_open(name61, O_RDONLY), -1);
	CHECK_EQ(u_open(name61, O_CREATE | O_RDWR), -1);
	CHECK_EQ(u_path(sys_mkdir, name61), -1);
	char path[200];
	snprintf(path, sizeof(path), "/%s/x", name61);
	CHECK_EQ(u_open(path, O_CREATE | O_RDWR), -1);

	/* On disk the entry has all 60 bytes and no NUL. */
	fd = u_open(".", O_RDONLY);
	struct fs_dirent de;
	int found = 0;
	while (u_read(fd, &de, sizeof(de)) == sizeof(de))
		found |= de.inum != 0 && memcmp(de.name, name60, FS_NAME_MAX) == 0;
	u_close(fd);
	CHECK(found);

	/* A 60-byte directory name works as a path element too. */
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	snprintf(path, sizeof(path), "d/%s", name60);
	CHECK_EQ(u_path(sys_mkdir, path), 0);
	snprintf(path, sizeof(path), "/d/%s/f", name60);
	CHECK_EQ(u_put_file(path, "deep", 4), 0);
	CHECK(fsck_clean());
}

TEST(deep_directories)
{
	fresh();
	const int depth = 150;
	for (int i = 0; i < depth; i++) {
		CHECK_EQ(u_path(sys_mkdir, "sub"), 0);
		CHECK_EQ(u_path(sys_chdir, "sub"), 0);
	}
	CHECK_EQ(u_put_file("leaf", "bottom", 6), 0);
	for (int i = 0; i < depth; i++)
		CHECK_EQ(u_path(sys_chdir, ".."), 0);
	struct stat st;
	CHECK_EQ(u_stat(".", &st), 0);
	CHECK_EQ(st.ino, FS_ROOT_INUM);
	CHECK_EQ(st.nlink, 2); /* its own "..", and sub's */

	/* An absolute path as long as MAXPATH allows: "/sub" * 63 + "/xy" is 255 bytes. */
	char path[MAXPATH + 8] = "";
	for (int i = 0; i < 63; i++)
		strcat(path, "/sub");
	strcat(path, "/xy");
	CHECK_EQ(strlen(path), MAXPATH - 1);
	CHECK_EQ(u_put_file(path, "long", 4), 0);
	strcat(path, "z"); /* 256 bytes and the NUL: over MAXPATH */
	CHECK_EQ(u_open(path, O_CREATE | O_RDWR), -1);
	CHECK(fsck_clean());

	/* Remove it all, bottom up, through relative paths. */
	for (int i = 0; i < depth; i++)
		CHECK_EQ(u_path(sys_chdir, "sub"), 0);
	CHECK_EQ(u_path(sys_unlink, "leaf"), 0);
	for (int i = 0; i < depth; i++) {
		CHECK_EQ(u_path(sys_chdir, ".."), 0);
		if (i == depth - 63)
			CHECK_EQ(u_path(sys_unlink, "sub/xy"), 0);
		CHECK_EQ(u_path(sys_unlink, "sub"), 0);
	}
	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.nlink, 1);
	CHECK(fsck_clean());
}

TEST(directory_rules)
{
	fresh();
	CHECK_EQ(u_path(sys_mkdir, "a"), 0);
	CHECK_EQ(u_path(sys_mkdir, "a"), -1); /* exists */
	CHECK_EQ(u_put_file("a/f", "x", 1), 0);
	CHECK_EQ(u_path(sys_unlink, "a"), -1); /* not empty */
	CHECK_EQ(u_path(sys_unlink, "a/."), -1);
	CHECK_EQ(u_path(sys_unlink, "a/.."), -1);
	CHECK_EQ(u_path(sys_unlink, "."), -1);
	CHECK_EQ(u_path(sys_unlink, "/"), -1);
	CHECK_EQ(u_path(sys_unlink, ""), -1);

	/* Directories open read-only only, and never by O_CREATE. */
	long fd = u_open("a", O_RDONLY);
	CHECK(fd >= 0);
	u_close(fd);
	CHECK_EQ(u_open("a", O_WRONLY), -1);
	CHECK_EQ(u_open("a", O_RDWR), -1);
	CHECK_EQ(u_open("a", O_CREATE | O_RDONLY), -1);
	CHECK_EQ(u_open("a/f/g", O_CREATE | O_RDWR), -1); /* f is not a directory */
	CHECK_EQ(u_path(sys_chdir, "a/f"), -1);

	/* Links: to files only, never over an existing name. */
	CHECK_EQ(u_link("a", "b"), -1);
	CHECK_EQ(u_link("a/f", "a/f"), -1);
	CHECK_EQ(u_link("nothing", "c"), -1);
	CHECK_EQ(u_link("a/f", "g"), 0);
	struct stat st;
	CHECK_EQ(u_stat("g", &st), 0);
	CHECK_EQ(st.nlink, 2);
	CHECK_EQ(u_path(sys_unlink, "a/f"), 0);
	CHECK_EQ(u_stat("g", &st), 0);
	CHECK_EQ(st.nlink, 1);
	CHECK_EQ(st.size, 1);

	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.nlink, 2);
	CHECK_EQ(u_path(sys_unlink, "a"), 0); /* empty now */
	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.nlink, 1);
	CHECK(fsck_clean());

	/* A removed current directory takes no new entries (they would be lost with it). */
	CHECK_EQ(u_path(sys_mkdir, "gone"), 0);
	CHECK_EQ(u_path(sys_chdir, "gone"), 0);
	CHECK_EQ(u_path(sys_unlink, "/gone"), 0);
	CHECK_EQ(u_open("new", O_CREATE | O_RDWR), -1);
	CHECK_EQ(u_path(sys_mkdir, "newdir"), -1);
	CHECK_EQ(u_path(sys_chdir, "/"), 0);
	CHECK(fsck_clean());
}

/* The dinode of inum on the shim disk. */
static struct fs_dinode *disk_dinode(uint32_t inum)
{
	struct fs_super s;
	memcpy(&s, block_at(shim_disk, FS_SUPER_BLOCK), sizeof(s));
	return (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(inum, &s)) +
	       inum % FS_INODES_PER_BLOCK;
}

TEST(link_counts_never_wrap)
{
	fresh();
	CHECK_EQ(u_put_file("f", "x", 1), 0);
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	struct stat f, d;
	CHECK_EQ(u_stat("f", &f), 0);
	CHECK_EQ(u_stat("d", &d), 0);
	unmount();
	disk_dinode(f.ino)->nlink = 0xffff;
	disk_dinode(d.ino)->nlink = 0xffff;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(u_link("f", "g"), -1);           /* a 65536th name for f */
	CHECK_EQ(u_path(sys_mkdir, "d/sub"), -1); /* its ".." would be d's 65536th */
	CHECK_EQ(u_put_file("d/file", "y", 1), 0);
	CHECK_EQ(u_stat("d", &d), 0);
	CHECK_EQ((unsigned short)d.nlink, 0xffff); /* struct stat has xv6's short */
	unmount();
}

/* --- an image from mkfs --- */

/* Writes n bytes of data to path; exits if it cannot. */
static void write_host_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* Whether path holds exactly n bytes of want, read through the kernel. */
static int reads_back(const char *path, const void *want, size_t n)
{
	static uint8_t got[U_DATA_BYTES];
	long fd = u_open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	long r = u_read(fd, got, sizeof got);
	u_close(fd);
	return r == (long)n && memcmp(got, want, n) == 0;
}

/*
 * build/host/mkfs's directories (IMAGEPATH=FILE) as the kernel sees them:
 * paths resolve through them and their "..", their link counts let the
 * kernel add and remove entries and then the directories themselves.
 */
TEST(mounts_an_mkfs_image_with_directories)
{
	const char *mkfs = getenv("MKFS") ? getenv("MKFS") : "build/host/mkfs";
	char dir[] = "/tmp/test_fs_kernel.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		CHECK(0);
		return;
	}
	static const char modules[] = "virtio_net\nramfs\n";
	static uint8_t big[(FS_NDIRECT + 2) * BS + 9]; /* past the direct blocks */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + i / BS);
	char path[300], cmd[1500];
	snprintf(path, sizeof(path), "%s/modules", dir);
	write_host_file(path, modules, sizeof(modules) - 1);
	snprintf(path, sizeof(path), "%s/big", dir);
	write_host_file(path, big, sizeof(big));
	snprintf(path, sizeof(path), "%s/_sh", dir);
	write_host_file(path, "sh", 2);
	snprintf(cmd, sizeof(cmd),
		 "%s %s/fs.img --size-blocks %u --inodes 200 etc/modules=%s/modules "
		 "/lib/m/big=%s/big %s/_sh lib/x=%s/_sh >/dev/null",
		 mkfs, dir, SMALL_FS, dir, dir, dir, dir);
	int built = system(cmd) == 0;
	CHECK(built);
	if (built) {
		snprintf(path, sizeof(path), "%s/fs.img", dir);
		size_t image_bytes;
		uint8_t *image = check_read_file(path, &image_bytes);
		unmount();
		shim_disk_create(image_bytes / BS);
		shim_disk_load(image);
		free(image);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	if (!built || mount() != 0) {
		CHECK(0);
		return;
	}
	CHECK(fsck_clean());

	CHECK(reads_back("/etc/modules", modules, sizeof(modules) - 1));
	CHECK(reads_back("/lib/m/big", big, sizeof(big)));
	CHECK(reads_back("/sh", "sh", 2));
	struct stat st;
	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.nlink, 3); /* its own "..", etc's and lib's */
	CHECK_EQ(u_stat("/etc", &st), 0);
	CHECK_EQ(st.type, T_DIR);
	CHECK_EQ(st.nlink, 1);
	CHECK_EQ(u_stat("/lib", &st), 0);
	CHECK_EQ(st.nlink, 2); /* its entry in /, and m's ".." */
	CHECK_EQ(u_path(sys_chdir, "/lib/m"), 0);
	CHECK(reads_back("../../etc/modules", modules, sizeof(modules) - 1));
	CHECK_EQ(u_path(sys_chdir, "/"), 0);

	/* The kernel adds to mkfs's directories and then takes everything away. */
	CHECK_EQ(u_put_file("/etc/new", "new", 3), 0);
	CHECK_EQ(u_path(sys_mkdir, "/etc/sub"), 0);
	CHECK(fsck_clean());
	static const char *const gone[] = { "/etc/sub",   "/etc/new", "/etc/modules", "/etc",
					    "/lib/m/big", "/lib/m",   "/lib/x",       "/lib" };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		CHECK_EQ(u_path(sys_unlink, gone[i]), 0);
	CHECK_EQ(u_stat("/", &st), 0);
	CHECK_EQ(st.nlink, 1);
	CHECK(!shim_log_has("corrupt"));
	CHECK(fsck_clean());
	unmount();
}

/* --- system call arguments --- */

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < NOFILE; fd++)
		n += shim_proc.ofile[fd] != NULL;
	return n;
}

TEST(bad_arguments_return_minus_one)
{
	fresh();
	long fd = u_open("f", O_CREATE | O_RDWR);
	CHECK_EQ(u_write(fd, "abc", 3), 3);
	long allocs = shim_live_allocs;
	uint64_t end = shim_uva(SHIM_USER_BYTES);

	/* descriptors */
	long bad_fds[] = { -1, NOFILE, NOFILE + 1, 7, -100000 };
	for (size_t i = 0; i < sizeof(bad_fds) / sizeof(bad_fds[0]); i++) {
		uint64_t bfd = (uint64_t)bad_fds[i];
		CHECK_EQ(shim_syscall(sys_read, bfd, shim_uva(U_DATA), 1), -1);
		CHECK_EQ(shim_syscall(sys_write, bfd, shim_uva(U_DATA), 1), -1);
		CHECK_EQ(shim_syscall(sys_close, bfd, 0, 0), -1);
		CHECK_EQ(shim_syscall(sys_dup, bfd, 0, 0), -1);
		CHECK_EQ(shim_syscall(sys_fstat, bfd, shim_uva(U_MISC), 0), -1);
	}

	/* buffers: NULL, a kernel address, past the end, straddling the end; negative counts */
	uint64_t bad_ptrs[] = { 0, (uint64_t)(uintptr_t)&fd, end, end - 2 };
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++) {
		shim_proc.ofile[fd]->off = 0;
		CHECK_EQ(shim_syscall(sys_read, (uint64_t)fd, bad_ptrs[i], 3), -1);
		CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, bad_ptrs[i], 3), -1);
		CHECK_EQ(shim_syscall(sys_fstat, (uint64_t)fd, bad_ptrs[i], 0), -1);
		CHECK_EQ(shim_syscall(sys_open, bad_ptrs[i], O_RDONLY, 0), -1);
		CHECK_EQ(shim_syscall(sys_mkdir, bad_ptrs[i], 0, 0), -1);
		CHECK_EQ(shim_syscall(sys_unlink, bad_ptrs[i], 0, 0), -1);
		CHECK_EQ(shim_syscall(sys_chdir, bad_ptrs[i], 0, 0), -1);
		CHECK_EQ(shim_syscall(sys_link, bad_ptrs[i], shim_ustr(U_PATH1, "x"), 0), -1);
		CHECK_EQ(shim_syscall(sys_link, shim_ustr(U_PATH0, "f"), bad_ptrs[i], 0), -1);
		CHECK_EQ(shim_syscall(sys_mknod, bad_ptrs[i], CONSOLE, 0), -1);
	}
	CHECK_EQ(shim_syscall(sys_read, (uint64_t)fd, shim_uva(U_DATA), (uint64_t)-1), -1);
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), (uint64_t)-5), -1);

	/* paths: no NUL within MAXPATH, a NUL right at the end of user memory, unknown flags */
	memset(shim_user + U_DATA, 'a', MAXPATH + 10);
	CHECK_EQ(shim_syscall(sys_open, shim_uva(U_DATA), O_CREATE | O_RDWR, 0), -1);
	shim_user[SHIM_USER_BYTES - 1] = 'z';
	CHECK_EQ(shim_syscall(sys_open, end - 1, O_RDONLY, 0), -1);
	CHECK_EQ(u_open("f", 0x1000), -1);
	CHECK_EQ(u_open("f", O_RDONLY | 0x80000000), -1);
	CHECK_EQ(u_open("", O_RDONLY), -1);
	CHECK_EQ(u_mknod("dev", -1, 0), -1);
	CHECK_EQ(u_mknod("dev", NDEV, 0), -1);
	CHECK_EQ(u_mknod("dev", CONSOLE, 0x10000), -1);

	/* pipe: a bad array gives no descriptors and leaks nothing */
	int fds_before = open_fds();
	CHECK_EQ(shim_syscall(sys_pipe, 0, 0, 0), -1);
	CHECK_EQ(shim_syscall(sys_pipe, end - 4, 0, 0), -1);
	CHECK_EQ(open_fds(), fds_before);
	CHECK_EQ(shim_live_allocs, allocs);

	/* the file is untouched */
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.size, 3);
	u_close(fd);
	CHECK(fsck_clean());
}

TEST(descriptor_table_fills_cleanly)
{
	fresh();
	CHECK_EQ(u_put_file("f", "x", 1), 0);
	long allocs = shim_live_allocs;
	int opened = 0;
	while (u_open("f", O_RDONLY) >= 0)
		opened++;
	CHECK_EQ(opened, NOFILE);
	CHECK_EQ(shim_syscall(sys_dup, 0, 0, 0), -1);
	CHECK_EQ(shim_syscall(sys_pipe, shim_uva(U_MISC), 0, 0), -1);
	for (int fd = 0; fd < NOFILE; fd++)
		CHECK_EQ(u_close(fd), 0);
	CHECK_EQ(shim_live_allocs, allocs - 0);
	CHECK(fsck_clean());
}

/* --- pipes --- */

static long pipe_fds[2];

static void open_pipe(void)
{
	CHECK_EQ(shim_syscall(sys_pipe, shim_uva(U_MISC), 0, 0), 0);
	int fds[2];
	memcpy(fds, shim_user + U_MISC, sizeof(fds));
	pipe_fds[0] = fds[0];
	pipe_fds[1] = fds[1];
}

/* Sleep hook: the other end drains the pipe (a reader scheduled while the writer sleeps). */
static size_t drained;
static void drain_reader(const void *chan)
{
	(void)chan;
	struct file *r = shim_proc.ofile[pipe_fds[0]];
	uint8_t *spare = shim_user + U_DATA + U_DATA_BYTES / 2;
	int got = pipe_read(r->pipe, (uint64_t)(uintptr_t)spare, 1000);
	for (int i = 0; i < got; i++)
		if (spare[i] != (uint8_t)(drained + (size_t)i))
			fprintf(stderr, "  pipe byte %zu is %u\n", drained + (size_t)i, spare[i]);
	drained += (size_t)got;
}

TEST(pipes_move_bytes_and_wake_only_sleepers)
{
	fresh();
	long allocs = shim_live_allocs;
	open_pipe();
	CHECK(pipe_fds[0] >= 0 && pipe_fds[1] >= 0 && pipe_fds[0] != pipe_fds[1]);
	CHECK_EQ(u_write(pipe_fds[0], "x", 1), -1); /* wrong ends */
	char c;
	CHECK_EQ(u_read(pipe_fds[1], &c, 1), -1);

	/* The 1-byte round trip: nobody sleeps, so no wakeup at all. */
	uint64_t wakeups = shim_wakeups;
	CHECK_EQ(u_write(pipe_fds[1], "p", 1), 1);
	CHECK_EQ(u_read(pipe_fds[0], &c, 1), 1);
	CHECK_EQ(c, 'p');
	CHECK_EQ(shim_wakeups, wakeups);
	struct stat st;
	CHECK_EQ(u_fstat(pipe_fds[0], &st), -1);

	/* More than the pipe holds: the writer sleeps, the reader drains, bytes arrive in order. */
	const size_t big = 10000;
	for (size_t i = 0; i < big; i++)
		shim_user[U_DATA + i] = (uint8_t)i;
	drained = 0;
	shim_sleep_hook = drain_reader;
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)pipe_fds[1], shim_uva(U_DATA), big), big);
	shim_sleep_hook = NULL;
	CHECK(shim_wakeups > wakeups); /* the sleeping writer was woken */
	while (drained < big) {
		size_t before = drained;
		drain_reader(NULL);
		if (drained == before)
			break;
	}
	CHECK_EQ(drained, big);

	/* A closed write end reads as end of file; a closed read end fails writes. */
	CHECK_EQ(u_write(pipe_fds[1], "ab", 2), 2);
	CHECK_EQ(u_close(pipe_fds[1]), 0);
	char two[4];
	CHECK_EQ(u_read(pipe_fds[0], two, 4), 2);
	CHECK_EQ(u_read(pipe_fds[0], two, 4), 0);
	CHECK_EQ(u_close(pipe_fds[0]), 0);
	CHECK_EQ(shim_live_allocs, allocs);

	open_pipe();
	CHECK_EQ(u_close(pipe_fds[0]), 0);
	CHECK_EQ(u_write(pipe_fds[1], "x", 1), -1);
	CHECK_EQ(u_close(pipe_fds[1]), 0);
	CHECK_EQ(shim_live_allocs, allocs);
}

/* Sleep hook: the process is killed while it waits; it must give up at its next wakeup. */
static int kill_wakeups;
static void kill_sleeper(const void *chan)
{
	(void)chan;
	shim_proc.killed = 1;
	if (++kill_wakeups > 10) {
		fprintf(stderr, "  a killed process slept on %p 10 times without giving up\n",
			chan);
		exit(1);
	}
}

TEST(killed_process_leaves_a_blocked_pipe)
{
	fresh();
	open_pipe();
	shim_sleep_hook = kill_sleeper;
	kill_wakeups = 0;
	char c;
	CHECK_EQ(u_read(pipe_fds[0], &c, 1), -1); /* empty: sleeps, is killed, gives up */
	shim_proc.killed = 0;
	kill_wakeups = 0;
	memset(shim_user + U_DATA, 'w', 5000);
	/* The pipe takes 4096 bytes, then the writer sleeps, is killed and says what it wrote. */
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)pipe_fds[1], shim_uva(U_DATA), 5000), 4096);
	CHECK_EQ(u_read(pipe_fds[0], shim_user + U_DATA + 8192, 5000), 4096);
	shim_proc.killed = 1;
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)pipe_fds[1], shim_uva(U_DATA), 1), -1);
	shim_sleep_hook = NULL;
	shim_proc.killed = 0;
	u_close(pipe_fds[0]);
	u_close(pipe_fds[1]);
}

/* --- devices --- */

TEST(console_is_a_device_file)
{
	fresh();
	CHECK_EQ(u_mknod("console", CONSOLE, 0), 0);
	CHECK_EQ(u_mknod("nodriver", 5, 1), 0);
	long fd = u_open("console", O_RDWR);
	CHECK(fd >= 0);
	shim_console_out_len = 0;
	CHECK_EQ(u_write(fd, "hi\n", 3), 3);
	CHECK_EQ(shim_console_out_len, 3);
	CHECK(memcmp(shim_console_out, "hi\n", 3) == 0);
	char buf[16] = { 0 };
	CHECK_EQ(u_read(fd, buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "typed\n", 6) == 0);
	struct stat st;
	CHECK_EQ(u_fstat(fd, &st), 0);
	CHECK_EQ(st.type, T_DEVICE);
	CHECK_EQ(st.size, 0);
	u_close(fd);

	fd = u_open("nodriver", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(u_read(fd, buf, 1), -1);
	CHECK_EQ(u_write(fd, "x", 1), -1);
	u_close(fd);
	/* O_CREATE on an existing device opens it */
	fd = u_open("console", O_CREATE | O_WRONLY);
	CHECK(fd >= 0);
	u_close(fd);
	CHECK(fsck_clean());
}

/* --- running out --- */

/* Writes blocks of 'w' to a new file path until the disk is full; the bytes written. */
static long fill_disk(const char *path)
{
	long fd = u_open(path, O_CREATE | O_WRONLY);
	memset(shim_user + U_DATA, 'w', 64 * BS);
	long wrote = 0, r;
	while ((r = shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), 64 * BS)) > 0)
		wrote += r;
	struct stat st;
	u_fstat(fd, &st);
	u_close(fd);
	return (long)st.size;
}

TEST(full_disk_and_no_inodes_fail_cleanly)
{
	unmount();
	format(300, 100); /* 1.2 MiB: about 220 data blocks */
	CHECK_EQ(mount(), 0);
	uint32_t free0 = free_blocks();
	CHECK(fill_disk("fill") > 200 * (long)BS);
	CHECK(shim_log_has("disk full"));
	CHECK_EQ(free_blocks(), 0);
	CHECK(fsck_clean());
	CHECK_EQ(u_path(sys_mkdir, "nospace"), -1); /* needs a block */
	CHECK(fsck_clean());
	CHECK_EQ(u_path(sys_unlink, "fill"), 0);
	CHECK_EQ(free_blocks(), free0);

	int made = 0;
	char name[16];
	for (;; made++) {
		snprintf(name, sizeof(name), "i%d", made);
		if (u_put_file(name, "", 0) < 0)
			break;
	}
	CHECK_EQ(made, 100 - 2); /* inode 0 unused, 1 is the root */
	CHECK(shim_log_has("out of inodes"));
	CHECK(fsck_clean());
	for (int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		CHECK_EQ(u_path(sys_unlink, name), 0);
	}
	CHECK(fsck_clean());
	CHECK_EQ(free_blocks(),
		 free0 - 1); /* the root directory grew to 2 blocks for 100 entries */
}

/*
 * A write that stops early (a bad user buffer, here) keeps no block past
 * the file's size: not the data block it stopped in, nor an indirect block
 * given for it.
 */
TEST(failed_writes_leave_no_block_past_the_size)
{
	unmount();
	format(300, 100);
	CHECK_EQ(mount(), 0);
	long fd = u_open("f", O_CREATE | O_WRONLY);
	CHECK(fd >= 0);
	uint32_t free0 = free_blocks();
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, 1, 100), -1);
	CHECK_EQ(free_blocks(), free0);
	CHECK(fsck_clean());

	/* the buffer runs off the end of user memory after one block */
	uint64_t tail = shim_uva(SHIM_USER_BYTES - BS);
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, tail, BS + 100), (long)BS);
	CHECK_EQ(free_blocks(), free0 - 1);
	CHECK(fsck_clean());

	/* the direct blocks full, a bad buffer: no single-indirect block stays either */
	for (int i = 1; i < (int)FS_NDIRECT; i++)
		CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), BS), (long)BS);
	CHECK_EQ(free_blocks(), free0 - FS_NDIRECT);
	CHECK_EQ(shim_syscall(sys_write, (uint64_t)fd, 1, 100), -1);
	CHECK_EQ(free_blocks(), free0 - FS_NDIRECT);
	CHECK(fsck_clean());
	u_close(fd);
}

TEST(allocation_wraps_around_to_a_freed_block)
{
	unmount();
	format(300, 100);
	CHECK_EQ(mount(), 0);
	memset(shim_user + U_DATA, 'x', 4 * BS);
	CHECK_EQ(u_put_file("x", shim_user + U_DATA, 4 * BS), 0); /* at the start of the data */
	fill_disk("y");
	CHECK_EQ(u_path(sys_unlink, "x"), 0);
	CHECK_EQ(free_blocks(), 4);
	CHECK_EQ(u_put_file("z", "z", 1), 0);                     /* x's first block */
	CHECK_EQ(u_put_file("w", shim_user + U_DATA, 3 * BS), 0); /* the rest: full again */
	CHECK_EQ(free_blocks(), 0);
	CHECK_EQ(u_path(sys_unlink, "z"), 0);
	/* The next search starts after w's blocks, finds the end full and must wrap. */
	CHECK_EQ(u_put_file("v", "v", 1), 0);
	CHECK_EQ(free_blocks(), 0);
	CHECK(fsck_clean());
}

TEST(no_memory_fails_cleanly)
{
	fresh();
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	long allocs = shim_live_allocs;
	/* Fail each allocation in turn of: create in a directory, write, pipe. */
	for (long k = 1; k <= 8; k++) {
		shim_kmalloc_fail_at(k);
		long fd = u_open("d/f", O_CREATE | O_RDWR);
		if (fd >= 0) {
			u_write(fd, "abc", 3);
			u_close(fd);
		}
		long p = shim_syscall(sys_pipe, shim_uva(U_MISC), 0, 0);
		shim_kmalloc_fail_at(0);
		if (p == 0) {
			int fds[2];
			memcpy(fds, shim_user + U_MISC, sizeof(fds));
			u_close(fds[0]);
			u_close(fds[1]);
		}
		CHECK_EQ(open_fds(), 0);
		CHECK_EQ(shim_live_allocs, allocs);
		CHECK(fsck_clean());
		u_path(sys_unlink, "d/f");
	}
	CHECK(fsck_clean());
}

/* --- refusing disks --- */

/* Mounts the small image after edit() changed its superblock (resealed if reseal). */
static int mount_edited(void (*edit)(struct fs_super *), int reseal)
{
	unmount();
	format(SMALL_FS, 200);
	struct fs_super *s = (struct fs_super *)block_at(shim_disk, FS_SUPER_BLOCK);
	edit(s);
	if (reseal)
		seal_super(s);
	return mount();
}

static void edit_magic(struct fs_super *s)
{
	s->magic = 0xef53;
}
static void edit_version(struct fs_super *s)
{
	s->version = 2;
}
static void edit_crc(struct fs_super *s)
{
	s->crc ^= 1;
}
static void edit_size_over_disk(struct fs_super *s)
{
	s->size = SMALL_FS + 1;
}
static void edit_size_small(struct fs_super *s)
{
	s->size = s->datastart;
}
static void edit_nblocks(struct fs_super *s)
{
	s->nblocks++;
}
static void edit_ninodes(struct fs_super *s)
{
	s->ninodes = 1;
}
static void edit_ninodes_big(struct fs_super *s)
{
	s->ninodes = 100000;
}
static void edit_nlog(struct fs_super *s)
{
	s->nlog = 8;
}
static void edit_nlog_big(struct fs_super *s)
{
	s->nlog = 0xfffffff0u;
}
static void edit_logstart(struct fs_super *s)
{
	s->logstart = 1;
}
static void edit_inodestart(struct fs_super *s)
{
	s->inodestart--;
}
static void edit_bmapstart(struct fs_super *s)
{
	s->bmapstart = s->inodestart;
}
static void edit_datastart(struct fs_super *s)
{
	s->datastart = s->bmapstart;
}
static void edit_datastart_end(struct fs_super *s)
{
	s->datastart = 0xffffffffu;
}

/* A well-formed layout whose log is smaller than this kernel's LOGSIZE. */
static void edit_small_log(struct fs_super *s)
{
	*s = layout(SMALL_FS, 200, LOGSIZE);
}

TEST(corrupt_superblock_fields_are_refused)
{
	static const struct {
		void (*edit)(struct fs_super *);
		int reseal;
		int err;
		const char *message;
	} cases[] = {
		{ edit_magic, 1, FS_EFOREIGN, "superblock magic 0x0000ef53" },
		{ edit_version, 1, FS_EFOREIGN, "file system version 2" },
		{ edit_crc, 0, FS_ECORRUPT, "superblock crc" },
		{ edit_nblocks, 0, FS_ECORRUPT, "superblock crc" }, /* any field, not resealed */
		{ edit_size_over_disk, 1, FS_ECORRUPT,
		  "file system of 2049 blocks on a disk of 2048" },
		{ edit_size_small, 1, FS_ECORRUPT, "72 blocks hold no data block" },
		{ edit_nblocks, 1, FS_ECORRUPT, "nblocks 1977, expected 1976" },
		{ edit_ninodes, 1, FS_ECORRUPT, "ninodes 1 leaves no root inode" },
		{ edit_ninodes_big, 1, FS_ECORRUPT, "bmapstart 71, expected 1630" },
		{ edit_nlog, 1, FS_ECORRUPT, "inodestart 67, expected 10" },
		{ edit_small_log, 1, FS_ECORRUPT, "a log of 64 blocks, this kernel needs 65" },
		{ edit_nlog_big, 1, FS_ECORRUPT, "nlog 4294967280 out of range" },
		{ edit_logstart, 1, FS_ECORRUPT, "logstart 1, expected 2" },
		{ edit_inodestart, 1, FS_ECORRUPT, "inodestart 66, expected 67" },
		{ edit_bmapstart, 1, FS_ECORRUPT, "bmapstart 67, expected 71" },
		{ edit_datastart, 1, FS_ECORRUPT, "datastart 71, expected 72" },
		{ edit_datastart_end, 1, FS_ECORRUPT, "datastart 4294967295, expected 72" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = mount_edited(cases[i].edit, cases[i].reseal);
		if (err != cases[i].err || !shim_log_has(cases[i].message)) {
			CHECK_EQ(err, cases[i].err);
			fprintf(stderr, "  case %zu: want \"%s\" in: %s", i, cases[i].message,
				shim_log());
			check_current_failed = 1;
		}
		CHECK(shim_log_has("disk refused"));
		struct inode *root = namei("/");
		CHECK(root == NULL); /* nothing mounted */
		if (root)
			inode_put(root);
		CHECK_EQ(u_open("/x", O_CREATE | O_RDWR), -1);
	}
}

TEST(foreign_and_missing_disks_are_refused)
{
	unmount();
	shim_disk_create(SMALL_FS); /* all zeros */
	CHECK_EQ(mount(), FS_EFOREIGN);
	CHECK(shim_log_has("not a magma file system"));

	srand(42);
	for (uint64_t i = 0; i < SMALL_FS * BS; i++)
		shim_disk[i] = (uint8_t)rand();
	CHECK_EQ(mount(), FS_EFOREIGN);

	/* an ext2-like disk: its superblock at byte 1024, magic 0xef53 at 1024 + 56 */
	memset(shim_disk, 0, 2 * BS);
	shim_disk[1024 + 56] = 0x53;
	shim_disk[1024 + 57] = 0xef;
	CHECK_EQ(mount(), FS_EFOREIGN);

	shim_disk_create(1); /* no superblock at all */
	CHECK_EQ(mount(), FS_ENODISK);
	CHECK(shim_log_has("no disk"));

	/* a good file system on a disk too small for it */
	format_disk(1000, SMALL_FS, 200);
	CHECK_EQ(mount(), FS_ECORRUPT);
	CHECK(shim_log_has("on a disk of 1000 blocks"));

	/* bigger than one operation can free: refused, not risked */
	format_disk(13 * FS_BITS_PER_BLOCK, 13 * FS_BITS_PER_BLOCK, 200);
	CHECK_EQ(mount(), FS_ETOOBIG);

	/* the root inode is not a directory */
	struct fs_super s = format(SMALL_FS, 200);
	struct fs_dinode *root = (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(1, &s)) + 1;
	root->type = T_FILE;
	CHECK_EQ(mount(), FS_ENOROOT);
	CHECK(shim_log_has("not a directory"));
	root->type = 0;
	CHECK_EQ(mount(), FS_ENOROOT);
	root->type = T_DIR;
	root->nlink = 0; /* refused, and not freed by a last inode_put */
	CHECK_EQ(mount(), FS_ENOROOT);
	CHECK_EQ(root->addrs[0], s.datastart);
}

TEST(corrupt_inodes_and_directories_fail_calls)
{
	fresh();
	CHECK_EQ(u_put_file("f", "0123456789", 10), 0);
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	CHECK_EQ(u_put_file("d/g", "x", 1), 0);
	struct stat st;
	CHECK_EQ(u_stat("f", &st), 0);
	uint32_t f_inum = st.ino;
	CHECK_EQ(u_stat("d", &st), 0);
	uint32_t d_inum = st.ino;
	unmount();

	struct fs_super s;
	memcpy(&s, block_at(shim_disk, FS_SUPER_BLOCK), sizeof(s));
	struct fs_dinode *f = (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(f_inum, &s)) +
			      f_inum % FS_INODES_PER_BLOCK;
	struct fs_dinode *d = (struct fs_dinode *)block_at(shim_disk, FS_INODE_BLOCK(d_inum, &s)) +
			      d_inum % FS_INODES_PER_BLOCK;
	/* f's block points into the log; d's entry "g" names an inode past the end */
	f->addrs[0] = s.logstart + 1;
	struct fs_dirent *de = (struct fs_dirent *)block_at(shim_disk, d->addrs[0]);
	for (int i = 0; i < 4; i++)
		if (strcmp(de[i].name, "g") == 0)
			de[i].inum = 5000;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(u_open("f", O_RDWR), -1); /* refused when loaded */
	CHECK(shim_log_has("addrs[0] = 3 is outside the data blocks [72, 2048)"));
	CHECK_EQ(u_open("d/g", O_RDONLY), -1);
	CHECK(shim_log_has("names inode 5000"));
	CHECK_EQ(u_path(sys_unlink, "d/g"), -1);

	/* an inode of a type no inode has: not opened, not linked, not removed */
	unmount();
	f->type = 9;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(u_open("f", O_RDONLY), -1);
	CHECK(shim_log_has("type 9 is no inode type"));
	CHECK_EQ(u_link("f", "f2"), -1);
	CHECK_EQ(u_path(sys_unlink, "f"), -1);
	/* a directory whose size is past its blocks */
	unmount();
	f->type = T_FILE;
	d->size = 3 * BS;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(u_open("d/nothing", O_RDONLY), -1);
	CHECK_EQ(u_open("d/new", O_CREATE | O_RDWR), -1);
	unmount();
}

/* --- hostile images: planted damage of every kind, through the kernel's real code --- */

/*
 * Each test below builds a small tree, plants damage in the image, mounts
 * it and checks that the calls reaching the damage fail with -1, that the
 * kernel's log names the object, and that the kernel stays usable. The
 * file system is HOSTILE_SPARE blocks smaller than its disk, and the shim
 * aborts on any request past the file system's end (shim_disk_limit), so a
 * read or write outside the image fails the run; an alarm catches a loop.
 */
#define HOSTILE_SPARE 16

static struct fs_super hostile_sb;

/* A mounted small file system on a disk a little larger, with requests past it refused. */
static void hostile_fresh(void)
{
	unmount();
	hostile_sb = format_disk(SMALL_FS + HOSTILE_SPARE, SMALL_FS, 200);
	shim_disk_limit = SMALL_FS;
	if (mount() != 0) {
		fprintf(stderr, "mount of a fresh image failed:\n%s", shim_log());
		exit(1);
	}
	alarm(60); /* a loop in the file system fails the run rather than hanging it */
}

static void hostile_done(void)
{
	unmount();
	shim_disk_limit = 0;
	alarm(300);
}

/* Creates path holding blocks blocks of byte fill, written a few blocks per call; 0 or -1. */
static long put_blocks(const char *path, uint32_t blocks, uint8_t fill)
{
	long fd = u_open(path, O_CREATE | O_WRONLY | O_TRUNC);
	uint8_t chunk[16 * BS];
	memset(chunk, fill, sizeof(chunk));
	long wrote = 0;
	for (uint32_t b = 0; fd >= 0 && b < blocks; b += 16) {
		size_t n = (blocks - b < 16 ? blocks - b : 16) * BS;
		wrote += u_write(fd, chunk, n) == (long)n;
	}
	u_close(fd);
	return fd >= 0 && wrote == (long)(blocks + 15) / 16 ? 0 : -1;
}

static uint32_t inum_of(const char *path)
{
	struct stat st;
	return u_stat(path, &st) == 0 ? st.ino : 0;
}

/* Entry i of directory block 0 of inode inum on the disk. */
static struct fs_dirent *disk_dirent(uint32_t inum, uint32_t i)
{
	return (struct fs_dirent *)block_at(shim_disk, disk_dinode(inum)->addrs[0]) + i;
}

/* The entry named name in the first block of directory inum on the disk (exits if none). */
static struct fs_dirent *disk_entry(uint32_t inum, const char *name)
{
	for (uint32_t i = 0; i < BS / sizeof(struct fs_dirent); i++)
		if (disk_dirent(inum, i)->inum && strcmp(disk_dirent(inum, i)->name, name) == 0)
			return disk_dirent(inum, i);
	fprintf(stderr, "no entry %s in directory %u\n", name, inum);
	exit(1);
}

/* How many times needle occurs in the kernel's log since the mount. */
static int log_count(const char *needle)
{
	int n = 0;
	for (const char *p = shim_log(); (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Whether the tree still works: a new file written, read back and removed. */
static int still_usable(void)
{
	char buf[8];
	if (u_put_file("/alive", "alive", 5) < 0)
		return 0;
	long fd = u_open("/alive", O_RDONLY);
	long got = fd < 0 ? -1 : u_read(fd, buf, sizeof(buf));
	u_close(fd);
	return got == 5 && memcmp(buf, "alive", 5) == 0 && u_path(sys_unlink, "/alive") == 0;
}

/* Remounts after the planted damage (the disk edited between unmount and mount). */
static void remount(void)
{
	unmount();
	if (mount() != 0) {
		fprintf(stderr, "remount failed:\n%s", shim_log());
		exit(1);
	}
}

TEST(hostile_inodes_are_refused_and_reported_once)
{
	hostile_fresh();
	static const char *const names[] = { "type", "nlink", "size", "dsize", "major", "free" };
	uint32_t inum[6];
	for (int i = 0; i < 6; i++) {
		if (i == 3) {
			CHECK_EQ(u_path(sys_mkdir, names[i]), 0);
		} else if (i == 4) {
			CHECK_EQ(u_mknod(names[i], CONSOLE, 0), 0);
		} else {
			CHECK_EQ(u_put_file(names[i], "data", 4), 0);
		}
		inum[i] = inum_of(names[i]);
	}
	unmount();
	disk_dinode(inum[0])->type = 7;
	disk_dinode(inum[1])->nlink = 0; /* named by "/nlink", yet no link */
	disk_dinode(inum[2])->size = FS_MAXFILE_BLOCKS * BS + 1;
	disk_dinode(inum[3])->size = 2 * sizeof(struct fs_dirent) + 1;
	disk_dinode(inum[4])->major = 99;
	memset(disk_dinode(inum[5]), 0, sizeof(struct fs_dinode)); /* a free inode, still named */
	remount();
	static const char *const messages[] = {
		"type 7 is no inode type",
		"in use with nlink 0",
		"size 4299202561 is over the largest file",
		"directory size 129 is not whole 64-byte entries",
		"device major 99, this kernel has",
		"is free (type 0)",
	};
	for (int i = 0; i < 6; i++) {
		for (int round = 0; round < 50; round++) /* a program looping on the bad file */
			CHECK_EQ(u_open(names[i], O_RDONLY), -1);
		if (log_count(messages[i]) != 1) {
			fprintf(stderr, "  %s: \"%s\" logged %d times in:\n%s", names[i],
				messages[i], log_count(messages[i]), shim_log());
			check_current_failed = 1;
		}
		char message[64];
		snprintf(message, sizeof(message), "inode %u", inum[i]);
		CHECK(shim_log_has(message));
		CHECK_EQ(u_link(names[i], "other"), -1);
		CHECK_EQ(u_path(sys_unlink, names[i]), -1); /* refused inodes are left alone */
		CHECK_EQ(u_path(sys_chdir, names[i]), -1);
	}
	CHECK_EQ(u_open("dsize/x", O_CREATE | O_RDWR), -1);
	CHECK(still_usable());
	unmount();
	/* refused inodes were not written back or freed */
	CHECK_EQ(disk_dinode(inum[0])->type, 7);
	CHECK_EQ(disk_dinode(inum[1])->type, T_FILE);
	CHECK(disk_dinode(inum[1])->addrs[0] != 0);
	hostile_done();
}

TEST(hostile_block_addresses_fail_reads_and_writes)
{
	hostile_fresh();
	static uint8_t big[(FS_NDIRECT + 4) * BS];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	CHECK_EQ(u_put_file("direct", "0123456789", 10), 0);
	CHECK_EQ(u_put_file("meta", "0123456789", 10), 0);
	CHECK_EQ(u_put_file("single", big, sizeof(big)), 0);
	uint32_t direct = inum_of("direct"), meta = inum_of("meta"), single = inum_of("single");
	unmount();
	disk_dinode(direct)->addrs[3] = 99999;
	disk_dinode(meta)->addrs[0] = hostile_sb.inodestart; /* the inode table, as data */
	uint32_t ind = disk_dinode(single)->addrs[FS_ADDR_SINGLE];
	((uint32_t *)block_at(shim_disk, ind))[2] = SMALL_FS + 3; /* inside the disk, past the fs */
	remount();

	CHECK_EQ(u_open("direct", O_RDONLY), -1);
	char want[96];
	snprintf(want, sizeof(want),
		 "inode %u: addrs[3] = 99999 is outside the data blocks [%u, %u)", direct,
		 hostile_sb.datastart, SMALL_FS);
	CHECK(shim_log_has(want));
	CHECK_EQ(u_open("meta", O_RDWR), -1);
	snprintf(want, sizeof(want), "addrs[0] = %u is outside", hostile_sb.inodestart);
	CHECK(shim_log_has(want));

	/* an indirect entry is found when followed: the blocks before it read, it fails */
	long fd = u_open("single", O_RDWR);
	CHECK(fd >= 0);
	static uint8_t got[sizeof(big)];
	CHECK_EQ(u_read(fd, got, (FS_NDIRECT + 2) * BS), (FS_NDIRECT + 2) * BS);
	CHECK(memcmp(got, big, (FS_NDIRECT + 2) * BS) == 0);
	CHECK_EQ(u_read(fd, got, BS), -1);
	snprintf(want, sizeof(want), "inode %u: indirect block %u entry 2 = %u is outside", single,
		 ind, SMALL_FS + 3);
	CHECK(shim_log_has(want));
	u_close(fd);
	fd = u_open("single", O_WRONLY | O_APPEND);
	CHECK_EQ(u_write(fd, "x", 1), 1); /* past the bad entry, in a good block */
	u_close(fd);
	/* removing it frees its good blocks (10 direct, 4 of 5 indirect entries, the indirect) */
	uint32_t free_before = free_blocks();
	CHECK_EQ(u_path(sys_unlink, "single"), 0);
	CHECK_EQ(free_blocks(), free_before + FS_NDIRECT + 5);
	CHECK(still_usable());
	hostile_done();
}

TEST(hostile_indirect_trees_do_not_deadlock_or_loop)
{
	hostile_fresh();
	static uint8_t big[BS];
	CHECK_EQ(put_blocks("dbl", FS_NDIRECT + FS_NINDIRECT + 2, 'b'), 0);
	CHECK_EQ(put_blocks("grow", FS_NDIRECT + 1, 'g'), 0);
	uint32_t dbl = inum_of("dbl"), grow = inum_of("grow");
	unmount();
	/* dbl's double-indirect block names itself (where a tree walk would wait on itself) ... */
	uint32_t top = disk_dinode(dbl)->addrs[FS_ADDR_DOUBLE];
	uint32_t *top_entries = (uint32_t *)block_at(shim_disk, top);
	top_entries[1] = top;
	top_entries[2] = top_entries[0];                 /* ... and names one block twice */
	disk_dinode(dbl)->size = FS_MAXFILE_BLOCKS * BS; /* the largest file: a long walk */
	/* grow's single-indirect block shows as free in the free map */
	uint32_t ind = disk_dinode(grow)->addrs[FS_ADDR_SINGLE];
	block_at(shim_disk, FS_BITMAP_BLOCK(ind, &hostile_sb))[FS_BITMAP_BYTE(ind)] &=
		(uint8_t)~FS_BITMAP_MASK(ind);
	remount();
	/* the allocator's next free block is grow's indirect block: it must not wait on itself */
	long fd = u_open("grow", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(u_write(fd, big, BS), BS);
	u_close(fd);
	snprintf((char *)big, 64, "inode %u: block %u is in use but free in the free map", grow,
		 ind);
	CHECK(shim_log_has((char *)big));

	fd = u_open("dbl", O_RDONLY);
	CHECK(fd >= 0);
	uint64_t reads = shim_disk_reads;
	uint8_t buf[BS];
	long n, total = 0;
	while ((n = u_read(fd, buf, sizeof(buf))) > 0)
		total += n;
	CHECK_EQ(n, -1); /* its size says 4 GiB; the first hole ends it */
	CHECK_EQ(total, (FS_NDIRECT + FS_NINDIRECT + 2) * BS);
	u_close(fd);
	CHECK(shim_disk_reads - reads < 2 * (FS_NDIRECT + FS_NINDIRECT)); /* each block once */
	snprintf((char *)big, 80, "inode %u has no block %lu inside its size", dbl,
		 (unsigned long)(FS_NDIRECT + FS_NINDIRECT + 2));
	CHECK(shim_log_has((char *)big));
	remount();                              /* reports are once per inode and mount */
	CHECK_EQ(u_path(sys_unlink, "dbl"), 0); /* frees its tree, the self-reference reported */
	snprintf((char *)big, 80, "inode %u names block %u, its own double-indirect block", dbl,
		 top);
	CHECK(shim_log_has((char *)big));
	CHECK(still_usable());
	hostile_done();
}

TEST(hostile_directories_do_not_loop_or_corrupt)
{
	hostile_fresh();
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	CHECK_EQ(u_path(sys_mkdir, "d/e"), 0);
	CHECK_EQ(u_put_file("d/self", "x", 1), 0);
	CHECK_EQ(u_put_file("d/root", "x", 1), 0);
	CHECK_EQ(u_put_file("d/big", "x", 1), 0);
	CHECK_EQ(u_put_file("d/slash", "x", 1), 0);
	CHECK_EQ(u_path(sys_mkdir, "p"), 0);
	CHECK_EQ(u_path(sys_mkdir, "p/q"), 0);
	CHECK_EQ(u_path(sys_mkdir, "z"), 0);
	uint32_t d = inum_of("d"), e = inum_of("d/e"), p = inum_of("p"), z = inum_of("z");
	unmount();
	disk_entry(d, "self")->inum = d;                      /* d/self is d again */
	disk_entry(d, "root")->inum = FS_ROOT_INUM;           /* d/root is / : a loop of the tree */
	disk_entry(d, "big")->inum = 0x7fffffff;              /* past the inodes */
	strcpy(disk_entry(d, "slash")->name, "a/b");          /* never found by a path */
	disk_entry(e, "..")->inum = z;                        /* e's ".." is z, not d */
	disk_dinode(p)->nlink = 1;                            /* p holds q, yet counts no ".." */
	disk_dinode(z)->addrs[FS_ADDR_DOUBLE] = 2 * SMALL_FS; /* and z is corrupt itself */
	remount();

	CHECK_EQ(u_open("d/self", O_RDONLY), -1);
	CHECK_EQ(u_path(sys_unlink, "d/self"), -1); /* would lock d twice */
	CHECK_EQ(u_open("d/self/x", O_CREATE | O_RDWR), -1);
	char want[80];
	snprintf(want, sizeof(want), "directory %u: entry \"self\" names the directory itself", d);
	CHECK(shim_log_has(want));
	CHECK_EQ(u_open("d/big", O_RDONLY), -1);
	CHECK_EQ(u_open("d/slash", O_RDONLY), -1);

	/* a loop in the tree: every path is bounded by MAXPATH, and each step by the directory */
	char path[MAXPATH];
	size_t len = 0;
	while (len + 8 < sizeof(path))
		len += (size_t)snprintf(path + len, sizeof(path) - len, "d/root/");
	path[len - 1] = '\0';
	struct stat st;
	CHECK_EQ(u_stat(path, &st), 0);
	CHECK_EQ(st.ino, FS_ROOT_INUM);
	CHECK_EQ(u_path(sys_mkdir, "d/root/d/root/n"), 0);
	CHECK_EQ(inum_of("n") != 0, 1);
	CHECK_EQ(u_path(sys_unlink, "d/root/n"), 0);

	/* e's ".." elsewhere: walking up goes there (z, refused); removing e fixes only d's count */
	CHECK_EQ(u_open("d/e/../x", O_RDONLY), -1);
	CHECK_EQ(u_stat("d", &st), 0);
	uint16_t d_links = (uint16_t)st.nlink;
	CHECK_EQ(u_path(sys_unlink, "d/e"), 0);
	CHECK_EQ(u_stat("d", &st), 0);
	CHECK_EQ((uint16_t)st.nlink, d_links - 1);
	/* p's count does not cover q: removing q would free p while / names it */
	CHECK_EQ(u_path(sys_unlink, "p/q"), -1);
	snprintf(want, sizeof(want), "directory %u has nlink 1 yet holds directory", p);
	CHECK(shim_log_has(want));
	CHECK_EQ(u_stat("p", &st), 0);
	CHECK(still_usable());
	hostile_done();
}

TEST(hostile_free_map_and_log_header)
{
	hostile_fresh();
	CHECK_EQ(u_put_file("a", "aaaa", 4), 0);
	uint32_t a = inum_of("a");
	unmount();
	/* a's block shows as free: the next file gets it too (undetected, but no crash) */
	uint32_t blk = disk_dinode(a)->addrs[0];
	block_at(shim_disk, FS_BITMAP_BLOCK(blk, &hostile_sb))[FS_BITMAP_BYTE(blk)] &=
		(uint8_t)~FS_BITMAP_MASK(blk);
	remount();
	CHECK_EQ(u_put_file("b", "bbbb", 4), 0);
	CHECK_EQ(disk_dinode(inum_of("b"))->addrs[0], blk);
	CHECK_EQ(u_path(sys_unlink, "a"), 0);
	CHECK_EQ(u_path(sys_unlink, "b"), 0); /* its block was freed with a */
	CHECK(shim_log_has("freed twice"));
	CHECK(still_usable());

	/* a sealed header whose count is past the log, or names the superblock: not replayed */
	unmount();
	struct fs_log_header *h = (struct fs_log_header *)block_at(shim_disk, hostile_sb.logstart);
	h->n = hostile_sb.nlog;
	seal_log_header(h);
	CHECK_EQ(mount(), 0);
	CHECK(shim_log_has("log: header ignored, nothing replayed"));
	unmount();
	h->n = 1;
	h->block[0] = FS_SUPER_BLOCK;
	seal_log_header(h);
	CHECK_EQ(mount(), 0);
	CHECK(shim_log_has("log: header ignored, nothing replayed"));
	CHECK(still_usable());
	hostile_done();
}

/* --- the log and crashes --- */

#define CRASH_FS 300 /* blocks */

static uint8_t *copy_disk(void)
{
	uint8_t *copy = malloc(shim_disk_blocks * BS);
	memcpy(copy, shim_disk, shim_disk_blocks * BS);
	return copy;
}

static uint32_t header_n(const struct shim_disk_event *e)
{
	return ((const struct fs_log_header *)e->data)->n;
}

/* What the crash test knows of a recorded workload. */
struct crash {
	uint8_t *base;              /* the disk before the workload */
	struct shim_disk_event *ev; /* its writes and flushes */
	size_t nev;
	uint32_t logstart;
	char *clean[64]; /* the tree after 0, 1, 2 ... commits */
	size_t nclean;
	long candidates, failures;
};

/* The tree on the shim disk, which must be clean; malloc'd. */
static char *clean_state(const char *when)
{
	char *state;
	if (fsck_image(shim_disk, &state) != 0) {
		fprintf(stderr, "  (fsck problems %s)\n", when);
		check_current_failed = 1;
	}
	return state;
}

/* Replays the recording on the base: the tree after each commit, once its header is cleared. */
static void crash_clean_states(struct crash *c)
{
	shim_disk_load(c->base);
	c->clean[c->nclean++] = clean_state("before the workload");
	for (size_t i = 0; i < c->nev; i++) {
		const struct shim_disk_event *e = &c->ev[i];
		if (e->is_flush)
			continue;
		shim_disk_put(e->blockno, e->data, BS);
		if (e->blockno == c->logstart && header_n(e) == 0 &&
		    c->nclean < sizeof(c->clean) / sizeof(c->clean[0]))
			c->clean[c->nclean++] = clean_state("after a commit");
	}
}

/*
 * Mounts the disk as a crash left it, with `durable` commits known to have
 * reached it: it must mount, be clean, show the tree after `durable`
 * commits (or one more, if the crash let the next commit's header through),
 * and take a new file.
 */
static void crash_check(struct crash *c, size_t durable, int may_advance, const char *what,
			size_t at)
{
	c->candidates++;
	if (durable >= c->nclean) { /* the recording has fewer commits than were made durable */
		if (c->failures++ < 3)
			fprintf(stderr, "  crash at event %zu: %zu commits durable, %zu recorded\n",
				at, durable, c->nclean - 1);
		return;
	}
	int ok = mount() == 0;
	char *state = NULL;
	int problems = ok ? fsck_image(shim_disk, &state) : -1;
	int match = ok && problems == 0 &&
		    (strcmp(state, c->clean[durable]) == 0 ||
		     (may_advance && durable + 1 < c->nclean &&
		      strcmp(state, c->clean[durable + 1]) == 0));
	if (ok && match)
		match = u_put_file("/after", "ok", 2) == 0 && fsck_image(shim_disk, NULL) == 0;
	if (!match && c->failures++ < 3) {
		fprintf(stderr, "  crash %s at event %zu (%zu commits durable): %s\n", what, at,
			durable,
			!ok        ? "no mount"
			: problems ? "fsck problems"
				   : "wrong tree");
		if (ok && state)
			fprintf(stderr, "  got:\n%s  want:\n%s", state, c->clean[durable]);
		fprintf(stderr, "  kernel said: %s", shim_log());
	}
	free(state);
	unmount();
}

static int is_commit_header(const struct crash *c, const struct shim_disk_event *e)
{
	return !e->is_flush && e->blockno == c->logstart && header_n(e) > 0;
}

/*
 * Applies the writes of ev[first .. first + n) that keep[i] chooses onto
 * the disk; whether a commit header was among them.
 */
static int apply_subset(const struct crash *c, size_t first, size_t n, const uint8_t *keep)
{
	int header = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i]) {
			shim_disk_put(c->ev[first + i].blockno, c->ev[first + i].data, BS);
			header |= is_commit_header(c, &c->ev[first + i]);
		}
	}
	return header;
}

/*
 * Every crash point: for each stretch of writes between two flushes, the
 * writes before it and any subset of it (all subsets when few, else
 * prefixes, all-but-one, singles and random ones), plus each write torn
 * after 1, 4 or 7 of its 8 sectors.
 */
static void crash_all_points(struct crash *c)
{
	uint8_t *epoch_image = malloc(shim_disk_blocks * BS);
	memcpy(epoch_image, c->base, shim_disk_blocks * BS);
	size_t durable = 0;
	int header_pending = 0; /* a commit header written, not yet flushed */
	uint8_t keep[256];
	srand(7);
	for (size_t start = 0; start <= c->nev;) {
		size_t end = start;
		while (end < c->nev && !c->ev[end].is_flush)
			end++;
		size_t n = end - start;
		if (n > sizeof(keep))
			n = sizeof(keep);
		shim_disk_load(epoch_image);
		unmount();
		size_t tries = n <= 9 ? (size_t)1 << n : 4 * n + 3 + 64;
		for (size_t t = 0; t < tries; t++) {
			for (size_t i = 0; i < n; i++) {
				if (n <= 9)
					keep[i] = (t >> i) & 1;
				else if (t <= n) /* prefixes */
					keep[i] = i < t;
				else if (t <= 2 * n) /* all but one */
					keep[i] = i != t - n - 1;
				else if (t <= 3 * n) /* one */
					keep[i] = i == t - 2 * n - 1;
				else
					keep[i] = rand() & 1;
			}
			shim_disk_revert(epoch_image);
			int header = apply_subset(c, start, n, keep);
			crash_check(c, durable, header, "subset", start);
		}
		for (size_t i = 0; i < n; i++) {
			for (int sectors = 1; sectors < 8; sectors += 3) {
				shim_disk_revert(epoch_image);
				memset(keep, 1, i);
				int header = apply_subset(c, start, i, keep);
				shim_disk_put(c->ev[start + i].blockno, c->ev[start + i].data,
					      (size_t)sectors * FS_SECTOR_SIZE);
				/* a torn header may still hold all its crc covers (one sector) */
				header |= is_commit_header(c, &c->ev[start + i]);
				crash_check(c, durable, header, "torn write", start + i);
			}
		}
		/* On to the next stretch: these writes are durable now. */
		for (size_t i = start; i < end; i++) {
			memcpy(epoch_image + (uint64_t)c->ev[i].blockno * BS, c->ev[i].data, BS);
			header_pending |= is_commit_header(c, &c->ev[i]);
		}
		if (end < c->nev && header_pending) {
			durable++;
			header_pending = 0;
		}
		start = end + 1;
	}
	free(epoch_image);
}

/* The workload: creation, writes into the single-indirect range, links, removal, truncation. */
static void crash_workload(void)
{
	long fd = u_open("b", O_CREATE | O_WRONLY);
	stamp_blocks(0, 5);
	shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), 5 * BS + 100);
	u_path(sys_mkdir, "d/e");
	u_path(sys_unlink, "a");
	u_link("b", "d/e/c");
	stamp_blocks(5, 16);
	shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), 16 * BS); /* two operations */
	u_close(fd);
	u_path(sys_unlink, "b");
	fd = u_open("d/e/c", O_WRONLY | O_TRUNC);
	u_close(fd);
	u_path(sys_unlink, "d/e/c");
}

TEST(crash_at_every_point_is_all_or_nothing)
{
	unmount();
	struct fs_super s = format(CRASH_FS, 64);
	CHECK_EQ(mount(), 0);
	stamp_blocks(100, 3);
	CHECK_EQ(u_put_file("a", shim_user + U_DATA, 3 * BS), 0);
	CHECK_EQ(u_path(sys_mkdir, "d"), 0);
	unmount();

	struct crash c = { .logstart = s.logstart };
	c.base = copy_disk();
	CHECK_EQ(mount(), 0);
	shim_disk_record();
	crash_workload();
	unmount();
	c.ev = shim_disk_recorded(&c.nev);
	crash_clean_states(&c);
	CHECK(c.nclean >= 9);
	CHECK(strstr(c.clean[c.nclean - 1], "/d/e t1") != NULL);
	crash_all_points(&c);
	printf("  %zu events, %zu commits, %ld crash images mounted, %ld wrong\n", c.nev,
	       c.nclean - 1, c.candidates, c.failures);
	CHECK_EQ(c.failures, 0);
	for (size_t i = 0; i < c.nclean; i++)
		free(c.clean[i]);
	free(c.base);
}

TEST(each_commit_flushes_four_times)
{
	fresh();
	CHECK_EQ(u_put_file("f", "x", 1), 0);
	uint64_t flushes = shim_disk_flushes;
	long fd = u_open("f", O_WRONLY);
	CHECK_EQ(u_write(fd, "y", 1), 1); /* one operation, one commit */
	CHECK_EQ(shim_disk_flushes - flushes, 4);
	u_close(fd);
	CHECK_EQ(shim_disk_flushes - flushes, 4); /* a close that frees nothing writes nothing */
}

TEST(group_commit_writes_once_for_many_operations)
{
	fresh();
	uint64_t flushes = shim_disk_flushes;
	log_begin_op(); /* another process's operation, still running */
	CHECK_EQ(u_put_file("x", "1", 1), 0);
	CHECK_EQ(u_put_file("y", "2", 1), 0);
	CHECK_EQ(shim_disk_flushes, flushes); /* nothing committed while it runs */
	struct stat st;
	CHECK_EQ(u_stat("y", &st), 0); /* but the cache already has it */
	log_end_op();
	CHECK_EQ(shim_disk_flushes - flushes, 4); /* one commit for both files */
	char *state;
	CHECK(fsck_image(shim_disk, &state) == 0);
	CHECK(strstr(state, "/x t2 s1") && strstr(state, "/y t2 s1"));
	free(state);
}

/*
 * An image with a commit record in its log: the workload's events up to and
 * including the flush after the header with n > 0, and the header's index.
 */
static size_t committed_image(struct crash *c)
{
	size_t i = 0;
	shim_disk_load(c->base);
	for (; i < c->nev; i++) {
		if (!c->ev[i].is_flush)
			shim_disk_put(c->ev[i].blockno, c->ev[i].data, BS);
		if (is_commit_header(c, &c->ev[i]))
			break;
	}
	return i;
}

TEST(torn_or_invalid_log_headers_are_ignored)
{
	unmount();
	struct fs_super s = format(CRASH_FS, 64);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(u_put_file("a", "old", 3), 0);
	unmount();
	struct crash c = { .logstart = s.logstart };
	c.base = copy_disk();
	CHECK_EQ(mount(), 0);
	shim_disk_record();
	long fd = u_open("a", O_WRONLY);
	CHECK_EQ(u_write(fd, "new", 3), 3);
	u_close(fd);
	unmount();
	c.ev = shim_disk_recorded(&c.nev);
	crash_clean_states(&c);
	CHECK_EQ(c.nclean, 2);
	if (c.nclean != 2)
		return;

	/* The commit record as written: replayed. */
	committed_image(&c);
	CHECK_EQ(mount(), 0);
	CHECK(shim_log_has("replaying commit"));
	char *state;
	CHECK(fsck_image(shim_disk, &state) == 0);
	CHECK(strcmp(state, c.clean[1]) == 0);
	free(state);
	unmount();
	CHECK_EQ(mount(), 0); /* the log was cleared: nothing to say the second time */
	CHECK(!shim_log_has("log:"));
	unmount();

	struct fs_log_header *h = (struct fs_log_header *)block_at(shim_disk, s.logstart);
	static const struct {
		const char *message;
	} cases[] = { { "log header crc" },
		      { "log header crc" },
		      { "log header names 65 blocks, the log holds 64" },
		      { "log entry 0 names block 1, outside" },
		      { "log entry 0 names block 300, outside" },
		      { "log header magic 0x12345678" } };
	for (int k = 0; k < 6; k++) {
		committed_image(&c);
		switch (k) {
		case 0: h->crc ^= 0x100; break; /* a flipped bit */
		case 1:
			h->block[0] = s.logstart + 1;
			break; /* torn: a new first word, an old rest */
		case 2: h->n = s.nlog; break;
		case 3: h->block[0] = FS_SUPER_BLOCK; break;
		case 4: h->block[0] = CRASH_FS; break;
		case 5: h->magic = 0x12345678; break;
		}
		if (k >= 2 && k <= 4)
			seal_log_header(h); /* a well-formed header saying something impossible */
		CHECK_EQ(mount(), 0);
		if (!shim_log_has(cases[k].message) || !shim_log_has("header ignored")) {
			fprintf(stderr, "  case %d: want \"%s\" in: %s", k, cases[k].message,
				shim_log());
			check_current_failed = 1;
		}
		CHECK(fsck_image(shim_disk, &state) == 0);
		CHECK(strcmp(state, c.clean[0]) == 0); /* nothing replayed */
		free(state);
		unmount();
		CHECK_EQ(mount(), 0);
		CHECK(!shim_log_has("log:"));
		unmount();
	}
	for (size_t i = 0; i < c.nclean; i++)
		free(c.clean[i]);
	free(c.base);
}

/* --- the buffer cache --- */

TEST(buffer_cache_keeps_recent_and_pinned_blocks)
{
	fresh();
	unmount();
	uint64_t reads = shim_disk_reads;
	struct buf *b = bio_read(100);
	bio_release(b);
	b = bio_read(100);
	bio_release(b);
	CHECK_EQ(shim_disk_reads - reads, 1);
	CHECK_EQ(b->blockno, 100);

	bio_pin(b);
	for (uint32_t i = 0; i < NBUF; i++)
		bio_release(bio_read(200 + i));
	reads = shim_disk_reads;
	for (uint32_t i = 0; i < NBUF; i++) /* at least NBUF stay cached */
		bio_release(bio_read(200 + i));
	CHECK_EQ(shim_disk_reads - reads, 0);
	for (uint32_t i = 0; i < 4 * NBUF; i++)
		bio_release(bio_read(400 + i));
	reads = shim_disk_reads;
	bio_release(bio_read(100)); /* pinned: never evicted */
	CHECK_EQ(shim_disk_reads - reads, 0);
	bio_unpin(b);
	bio_release(bio_read(200)); /* evicted by the 4 * NBUF others */
	CHECK_EQ(shim_disk_reads - reads, 1);

	b = bio_zero(500);
	CHECK_EQ(b->data[0], 0);
	bio_release(b);
	CHECK_EQ(shim_disk_reads - reads, 1); /* a zeroed buffer reads nothing */
}

int main(void)
{
	alarm(300); /* a file system that loops forever fails the run rather than hanging it */
	RUN(mounts_a_fresh_image);
	RUN(fsck_finds_planted_damage);
	RUN(create_write_read_unlink);
	RUN(open_file_survives_unlink_until_closed);
	RUN(offsets_dup_append_trunc);
	RUN(big_file_through_double_indirect);
	RUN(names_of_60_bytes);
	RUN(deep_directories);
	RUN(directory_rules);
	RUN(link_counts_never_wrap);
	RUN(mounts_an_mkfs_image_with_directories);
	RUN(bad_arguments_return_minus_one);
	RUN(descriptor_table_fills_cleanly);
	RUN(pipes_move_bytes_and_wake_only_sleepers);
	RUN(killed_process_leaves_a_blocked_pipe);
	RUN(console_is_a_device_file);
	RUN(full_disk_and_no_inodes_fail_cleanly);
	RUN(failed_writes_leave_no_block_past_the_size);
	RUN(allocation_wraps_around_to_a_freed_block);
	RUN(no_memory_fails_cleanly);
	RUN(corrupt_superblock_fields_are_refused);
	RUN(foreign_and_missing_disks_are_refused);
	RUN(corrupt_inodes_and_directories_fail_calls);
	RUN(hostile_inodes_are_refused_and_reported_once);
	RUN(hostile_block_addresses_fail_reads_and_writes);
	RUN(hostile_indirect_trees_do_not_deadlock_or_loop);
	RUN(hostile_directories_do_not_loop_or_corrupt);
	RUN(hostile_free_map_and_log_header);
	RUN(crash_at_every_point_is_all_or_nothing);
	RUN(each_commit_flushes_four_times);
	RUN(group_commit_writes_once_for_many_operations);
	RUN(torn_or_invalid_log_headers_are_ignored);
	RUN(buffer_cache_keeps_recent_and_pinned_blocks);
	unmount();
	return check_summary();
}
