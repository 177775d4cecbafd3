/*
 * lib/fs_decode.h - the checks on an inode, a block address or a directory
 * entry read from a magma disk, before anything follows it.
 *
 * The disk is untrusted: a corrupt or hostile image may hold any bytes. The
 * superblock and the log header are checked once at mount (lib/fs_layout);
 * this module checks the objects reached from them, one at a time, so that
 * the kernel (kernel/fs.c) and fsck refuse the same things for the same
 * reasons. Each check is pure: it reads only what it is given, and says
 * what is wrong in a one-line reason naming the inode, the field and its
 * value ("inode 37: addrs[3] = 99999 is outside the data blocks [72, 2048)").
 *
 * Every superblock passed here must have passed fs_super_check.
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_FS_DECODE_H
#define LIB_FS_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "../include/fs_format.h"

/* The inode types (kernel/stat.h's T_*, which this freestanding module may not include). */
#define FS_TYPE_FREE   0u
#define FS_TYPE_DIR    1u
#define FS_TYPE_FILE   2u
#define FS_TYPE_DEVICE 3u

/*
 * The largest directory: its direct and single-indirect blocks, 66,176
 * entries. A path lookup in a directory then reads at most FS_DIR_MAX_BLOCKS
 * blocks, however its double-indirect block is forged; the kernel never
 * grows a directory past it.
 */
#define FS_DIR_MAX_BLOCKS (FS_NDIRECT + FS_NINDIRECT)
#define FS_DIR_MAX_BYTES  ((uint64_t)FS_DIR_MAX_BLOCKS * FS_BLOCK_SIZE)

enum {
	FS_DECODE_ERR_FREE = -1,     /* the inode is free (type 0) */
	FS_DECODE_ERR_TYPE = -2,     /* a type no inode has */
	FS_DECODE_ERR_NLINK = -3,    /* in use, yet no directory entry names it (nlink 0) */
	FS_DECODE_ERR_SIZE = -4,     /* larger than FS_MAXFILE_BLOCKS blocks */
	FS_DECODE_ERR_DIR_SIZE = -5, /* a directory not a whole number of entries, or too big */
	FS_DECODE_ERR_ADDR = -6,     /* a block address outside the data blocks */
	FS_DECODE_ERR_INUM = -7, /* a directory entry names inode 0 (free) or one past ninodes */
	FS_DECODE_ERR_NAME = -8, /* a directory entry's name is empty or holds a '/' */
	FS_DECODE_ERR_FILE_BLOCK = -9, /* a file block number at or past FS_MAXFILE_BLOCKS */
};

/* A short English description of a FS_DECODE_ERR_* code. */
const char *fs_decode_strerror(int err);

/*
 * Whether addr may be followed: 0 (no block) or in [datastart, size), the
 * data blocks. 0, or FS_DECODE_ERR_ADDR.
 */
int fs_addr_check(uint32_t addr, const struct fs_super *sb);

/*
 * Checks inode inum as read from the disk: a known type with nlink > 0,
 * a size of at most FS_MAXFILE_BLOCKS blocks (for a directory: whole
 * entries, at most FS_DIR_MAX_BYTES), and every address in addrs[] 0 or
 * inside the data blocks (the entries of its indirect blocks are checked
 * when read, with fs_addr_check). A free inode gives FS_DECODE_ERR_FREE.
 * 0, or the first FS_DECODE_ERR_* found with a reason in why (why_len
 * bytes, NUL-terminated; why may be NULL when why_len is 0).
 */
int fs_dinode_check(const struct fs_dinode *d, const struct fs_super *sb, uint32_t inum, char *why,
		    size_t why_len);

/*
 * Checks a directory entry in use (inum != 0) of directory dir_inum: inum
 * in [1, ninodes), a name of 1..FS_NAME_MAX bytes without '/'. 0, or
 * FS_DECODE_ERR_INUM or FS_DECODE_ERR_NAME with a reason in why, as above.
 */
int fs_dirent_check(const struct fs_dirent *de, const struct fs_super *sb, uint32_t dir_inum,
		    char *why, size_t why_len);

/*
 * Where block bn of a file is addressed: depth 0 in addrs[index[0]];
 * depth 1 in entry index[1] of the single-indirect block addrs[index[0]];
 * depth 2 in entry index[2] of the indirect block that entry index[1] of
 * the double-indirect block addrs[index[0]] names.
 */
struct fs_bmap_path {
	uint32_t depth;
	uint32_t index[3];
};

/* Fills *path for file block bn. 0, or FS_DECODE_ERR_FILE_BLOCK for bn past the largest file. */
int fs_bmap_path(uint64_t bn, struct fs_bmap_path *path);

#endif
