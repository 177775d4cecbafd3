/*
 * tests/test_fs_decode.c - lib/fs_decode: the checks on inodes, block
 * addresses and directory entries read from a disk, one per rule, with the
 * reason each gives.
 */
#include <string.h>

#include "../lib/fs_decode.h"
#include "../lib/fs_layout.h"
#include "check.h"

/* The small file system of the kernel tests: 2048 blocks, 200 inodes, data from 72. */
static struct fs_super super(void)
{
	struct fs_super sb;
	if (fs_layout_compute(2048, 200, 65, &sb, NULL, 0) != 0)
		abort();
	return sb;
}

static struct fs_dinode file_inode(void)
{
	struct fs_dinode d;
	memset(&d, 0, sizeof(d));
	d.type = FS_TYPE_FILE;
	d.nlink = 1;
	d.size = 5000;
	d.addrs[0] = 72;
	d.addrs[1] = 2047;
	return d;
}

/* Whether the check of d as inode 37 gives err with why containing text. */
static int dinode_gives(const struct fs_dinode *d, int err, const char *text)
{
	struct fs_super sb = super();
	char why[160] = "";
	int got = fs_dinode_check(d, &sb, 37, why, sizeof(why));
	if (got != err || !strstr(why, text)) {
		fprintf(stderr, "  got %d \"%s\", expected %d \"%s\"\n", got, why, err, text);
		return 0;
	}
	return 1;
}

TEST(good_inodes_pass)
{
	struct fs_super sb = super();
	struct fs_dinode d = file_inode();
	CHECK_EQ(fs_dinode_check(&d, &sb, 37, NULL, 0), 0);
	d.type = FS_TYPE_DIR;
	d.size = 2 * sizeof(struct fs_dirent);
	CHECK_EQ(fs_dinode_check(&d, &sb, 37, NULL, 0), 0);
	d.size = FS_DIR_MAX_BYTES;
	CHECK_EQ(fs_dinode_check(&d, &sb, 37, NULL, 0), 0);
	d.type = FS_TYPE_DEVICE;
	d.size = 0;
	memset(d.addrs, 0, sizeof(d.addrs));
	CHECK_EQ(fs_dinode_check(&d, &sb, 37, NULL, 0), 0);
	d = file_inode();
	d.size = FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE; /* the largest file */
	d.addrs[FS_ADDR_SINGLE] = 100;
	d.addrs[FS_ADDR_DOUBLE] = 101;
	CHECK_EQ(fs_dinode_check(&d, &sb, 37, NULL, 0), 0);
}

TEST(bad_inodes_are_named)
{
	struct fs_dinode d = file_inode();
	d.type = 0;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_FREE, "inode 37 is free (type 0)"));
	d.type = 4;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_TYPE, "inode 37: type 4 is no inode type"));
	d.type = 0xffff;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_TYPE, "type 65535"));
	d = file_inode();
	d.nlink = 0;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_NLINK, "inode 37: type 2 in use with nlink 0"));
	d = file_inode();
	d.size = FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE + 1;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_SIZE, "size 4299202561 is over the largest file"));
	d.size = UINT64_MAX;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_SIZE, "size 18446744073709551615"));
	d = file_inode();
	d.type = FS_TYPE_DIR;
	d.size = 65;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_DIR_SIZE, "directory size 65 is not whole 64-byte"));
	d.size = FS_DIR_MAX_BYTES + 64;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_DIR_SIZE, "directory size 4235328"));
}

TEST(addresses_outside_the_data_are_refused)
{
	struct fs_super sb = super();
	CHECK_EQ(fs_addr_check(0, &sb), 0);
	CHECK_EQ(fs_addr_check(72, &sb), 0);
	CHECK_EQ(fs_addr_check(2047, &sb), 0);
	CHECK_EQ(fs_addr_check(71, &sb), FS_DECODE_ERR_ADDR); /* the free map */
	CHECK_EQ(fs_addr_check(1, &sb), FS_DECODE_ERR_ADDR);  /* the superblock */
	CHECK_EQ(fs_addr_check(2048, &sb), FS_DECODE_ERR_ADDR);
	CHECK_EQ(fs_addr_check(UINT32_MAX, &sb), FS_DECODE_ERR_ADDR);

	struct fs_dinode d = file_inode();
	d.addrs[3] = 99999;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_ADDR,
			   "inode 37: addrs[3] = 99999 is outside the data blocks [72, 2048)"));
	d = file_inode();
	d.addrs[FS_ADDR_SINGLE] = 3; /* a log block */
	CHECK(dinode_gives(&d, FS_DECODE_ERR_ADDR, "addrs[10] = 3"));
	d = file_inode();
	d.addrs[FS_ADDR_DOUBLE] = 2048;
	CHECK(dinode_gives(&d, FS_DECODE_ERR_ADDR, "addrs[11] = 2048"));
}

static int dirent_gives(uint32_t inum, const char *name, size_t name_len, int err, const char *text)
{
	struct fs_super sb = super();
	struct fs_dirent de;
	memset(&de, 0, sizeof(de));
	de.inum = inum;
	memcpy(de.name, name, name_len);
	char why[160] = "";
	int got = fs_dirent_check(&de, &sb, 5, why, sizeof(why));
	if (got != err || !strstr(why, text)) {
		fprintf(stderr, "  got %d \"%s\", expected %d \"%s\"\n", got, why, err, text);
		return 0;
	}
	return 1;
}

TEST(directory_entries)
{
	CHECK(dirent_gives(1, "README", 6, 0, ""));
	CHECK(dirent_gives(199, "..", 2, 0, ""));
	char sixty[FS_NAME_MAX];
	memset(sixty, 'n', sizeof(sixty)); /* no NUL: a name of exactly 60 bytes */
	CHECK(dirent_gives(3, sixty, sizeof(sixty), 0, ""));
	CHECK(dirent_gives(200, "x", 1, FS_DECODE_ERR_INUM,
			   "directory 5: an entry names inode 200, not one of 1..199"));
	CHECK(dirent_gives(0xffffffffu, "x", 1, FS_DECODE_ERR_INUM, "inode 4294967295"));
	CHECK(dirent_gives(0, "x", 1, FS_DECODE_ERR_INUM, "names inode 0"));
	CHECK(dirent_gives(3, "", 0, FS_DECODE_ERR_NAME,
			   "the entry for inode 3 has an empty name"));
	CHECK(dirent_gives(3, "a/b", 3, FS_DECODE_ERR_NAME, "inode 3 holds a '/'"));
	sixty[59] = '/';
	CHECK(dirent_gives(3, sixty, sizeof(sixty), FS_DECODE_ERR_NAME, "holds a '/'"));
}

TEST(bmap_paths)
{
	struct fs_bmap_path p;
	CHECK_EQ(fs_bmap_path(0, &p), 0);
	CHECK(p.depth == 0 && p.index[0] == 0);
	CHECK_EQ(fs_bmap_path(FS_NDIRECT - 1, &p), 0);
	CHECK(p.depth == 0 && p.index[0] == FS_NDIRECT - 1);
	CHECK_EQ(fs_bmap_path(FS_NDIRECT, &p), 0);
	CHECK(p.depth == 1 && p.index[0] == FS_ADDR_SINGLE && p.index[1] == 0);
	CHECK_EQ(fs_bmap_path(FS_NDIRECT + FS_NINDIRECT - 1, &p), 0);
	CHECK(p.depth == 1 && p.index[1] == FS_NINDIRECT - 1);
	CHECK_EQ(fs_bmap_path(FS_NDIRECT + FS_NINDIRECT, &p), 0);
	CHECK(p.depth == 2 && p.index[0] == FS_ADDR_DOUBLE && p.index[1] == 0 && p.index[2] == 0);
	CHECK_EQ(fs_bmap_path(FS_NDIRECT + FS_NINDIRECT + FS_NINDIRECT + 5, &p), 0);
	CHECK(p.depth == 2 && p.index[1] == 1 && p.index[2] == 5);
	CHECK_EQ(fs_bmap_path(FS_MAXFILE_BLOCKS - 1, &p), 0);
	CHECK(p.depth == 2 && p.index[1] == FS_NINDIRECT - 1 && p.index[2] == FS_NINDIRECT - 1);
	CHECK_EQ(fs_bmap_path(FS_MAXFILE_BLOCKS, &p), FS_DECODE_ERR_FILE_BLOCK);
	CHECK_EQ(fs_bmap_path(UINT64_MAX, &p), FS_DECODE_ERR_FILE_BLOCK);
}

TEST(every_error_has_a_name)
{
	for (int err = FS_DECODE_ERR_FILE_BLOCK; err < 0; err++)
		CHECK(strcmp(fs_decode_strerror(err), fs_decode_strerror(1)) != 0);
	CHECK(strcmp(fs_decode_strerror(0), "ok") == 0);
}

int main(void)
{
	RUN(good_inodes_pass);
	RUN(bad_inodes_are_named);
	RUN(addresses_outside_the_data_are_refused);
	RUN(directory_entries);
	RUN(bmap_paths);
	RUN(every_error_has_a_name);
	return check_summary();
}
