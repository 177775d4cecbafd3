/*
 * lib/fs_layout.h - where the regions of a magma disk lie, and the checks
 * that a superblock or a log header read from a disk is one mkfs could have
 * written.
 *
 * The on-disk structures are include/fs_format.h; this module holds the
 * arithmetic on them, shared by mkfs (which lays a disk out), the kernel
 * (which refuses a disk at mount unless its superblock passes
 * fs_super_check, and a log header unless it passes fs_log_check) and fsck.
 *
 * The layout is fully determined by three numbers (size, ninodes, nlog):
 *   block 0          boot block, unused
 *   block 1          superblock (FS_SUPER_BLOCK)
 *   logstart = 2     nlog blocks: the log header, then nlog-1 log blocks
 *   inodestart       ceil(ninodes / FS_INODES_PER_BLOCK) inode blocks
 *   bmapstart        ceil(size / FS_BITS_PER_BLOCK) bitmap blocks
 *   datastart        nblocks = size - datastart data blocks, to the end
 * Each region starts right where the one before it ends, and a superblock
 * with any other start or count is refused: the kernel can then trust every
 * field without checking it again.
 *
 * ninodes counts inode slots from inode 0, which is never used: the inodes
 * in use are 1 .. ninodes-1, the root is FS_ROOT_INUM.
 *
 * The free map has one bit per block of the whole disk, metadata included
 * (their bits are set); block b is bit FS_BITMAP_MASK(b) of byte
 * FS_BITMAP_BYTE(b) in bitmap block FS_BITMAP_BLOCK(b, sb), least
 * significant bit first. A set bit means "in use". Bits for blocks at or
 * past size, in the last bitmap block, are 0 and never looked at.
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_FS_LAYOUT_H
#define LIB_FS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "../include/fs_format.h"

#define FS_BITMAP_BYTE(b) (((b) % FS_BITS_PER_BLOCK) / 8u)
#define FS_BITMAP_MASK(b) (1u << ((b) % 8u))

enum {
	FS_LAYOUT_ERR_MAGIC = -1,      /* not a magma file system */
	FS_LAYOUT_ERR_VERSION = -2,    /* a format version this code does not know */
	FS_LAYOUT_ERR_CRC = -3,        /* the superblock's crc does not match */
	FS_LAYOUT_ERR_COUNT = -4,      /* size, ninodes or nlog zero or out of range */
	FS_LAYOUT_ERR_START = -5,      /* a region does not start where the layout puts it */
	FS_LAYOUT_ERR_NBLOCKS = -6,    /* nblocks is not the blocks from datastart to size */
	FS_LAYOUT_ERR_TOO_SMALL = -7,  /* the metadata leaves no data block */
	FS_LAYOUT_ERR_DISK = -8,       /* the file system is bigger than its disk */
	FS_LAYOUT_ERR_LOG_MAGIC = -9,  /* the log header's magic is wrong */
	FS_LAYOUT_ERR_LOG_COUNT = -10, /* the log header names more blocks than the log has */
	FS_LAYOUT_ERR_LOG_CRC = -11,   /* the log header's crc does not match */
	FS_LAYOUT_ERR_LOG_BLOCK = -12, /* a logged block lies outside inodes, bitmap and data */
};

/* A short English description of a FS_LAYOUT_ERR_* code. */
const char *fs_layout_strerror(int err);

/*
 * Lays out a file system of size_blocks blocks with ninodes inode slots
 * (inode 0 included) and nlog log blocks (header included): fills every
 * field of *sb, magic, version and crc too. 0, or FS_LAYOUT_ERR_COUNT (a
 * count of 0, nlog < 2 or nlog - 1 > FS_LOG_MAX, ninodes < 2) or
 * FS_LAYOUT_ERR_TOO_SMALL (the regions do not leave one data block), with
 * a one-line reason naming the numbers in why (why_len bytes, NUL-
 * terminated; why may be NULL when why_len is 0).
 */
int fs_layout_compute(uint32_t size_blocks, uint32_t ninodes, uint32_t nlog, struct fs_super *sb,
		      char *why, size_t why_len);

/*
 * Writes a one-line reason (printf-style, lib/fmt) into why when why_len
 * leaves room for one, and returns err: how the checks here and in
 * lib/fs_decode refuse a value.
 */
int fs_refuse(char *why, size_t why_len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The CRC-32C of the superblock's bytes before its crc field. */
uint32_t fs_super_crc(const struct fs_super *sb);

/*
 * Checks a superblock read from a disk of disk_blocks blocks: magic,
 * version, crc, then that it is exactly the layout fs_layout_compute gives
 * for its size, ninodes and nlog, and that size <= disk_blocks. 0, or the
 * first FS_LAYOUT_ERR_* found with a one-line reason naming the field and
 * its value in why, as for fs_layout_compute.
 */
int fs_super_check(const struct fs_super *sb, uint64_t disk_blocks, char *why, size_t why_len);

/*
 * The CRC-32C a log header must carry: over magic, n and seq, then
 * block[0 .. n). An n above FS_LOG_MAX counts as FS_LOG_MAX (such a header
 * is refused by fs_log_check anyway).
 */
uint32_t fs_log_crc(const struct fs_log_header *h);

/*
 * Checks a log header read from block sb->logstart of a file system whose
 * superblock passed fs_super_check: magic, n <= nlog - 1, crc, and every
 * block[i] (i < n) in [inodestart, size), the only blocks a transaction
 * writes. 0, or the first FS_LAYOUT_ERR_LOG_* found, with a reason in why.
 */
int fs_log_check(const struct fs_log_header *h, const struct fs_super *sb, char *why,
		 size_t why_len);

/*
 * Blocks a file of size_bytes occupies: its data blocks plus the single-
 * and double-indirect blocks that address them. 0 for an empty file;
 * UINT64_MAX when size_bytes is beyond FS_MAXFILE_BLOCKS blocks.
 */
uint64_t fs_file_blocks(uint64_t size_bytes);

#endif
