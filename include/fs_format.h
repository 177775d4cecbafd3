/*
 * include/fs_format.h - magma's on-disk file system format.
 *
 * The one definition shared by the kernel (kernel/fs*.c, kernel/log.c) and
 * the host tools (mkfs/, tests/). Plain fixed-width types, little-endian as
 * RISC-V and x86 hosts both are; nothing here depends on a compiler's idea
 * of int or long.
 *
 * Disk layout, in FS_BLOCK_SIZE blocks:
 *
 *   [0 boot (unused)] [1 superblock] [log: header + nlog-1 blocks]
 *   [inode blocks] [free-block bitmap] [data blocks ...]
 *
 * Every count and start in the superblock is checked at mount: a disk that
 * is not magma's, or whose superblock is inconsistent, is refused with a
 * message, never trusted.
 */
#ifndef MAGMA_FS_FORMAT_H
#define MAGMA_FS_FORMAT_H

#include <stdint.h>

#define FS_BLOCK_SIZE  4096u
#define FS_SECTOR_SIZE 512u        /* virtio-blk's unit */
#define FS_MAGIC       0x4d474d46u /* "FMGM" as stored little-endian bytes: 'F','M','G','M' */
#define FS_VERSION     1u
#define FS_ROOT_INUM   1u /* inode 0 is never used: a dirent with inum 0 is free */
#define FS_SUPER_BLOCK 1u

/* The superblock (block 1). crc32c covers the bytes before the crc field. */
struct fs_super {
	uint32_t magic;      /* FS_MAGIC */
	uint32_t version;    /* FS_VERSION */
	uint32_t size;       /* blocks in the file system image */
	uint32_t nblocks;    /* data blocks */
	uint32_t ninodes;    /* inodes */
	uint32_t nlog;       /* log blocks, header included */
	uint32_t logstart;   /* first log block (the header) */
	uint32_t inodestart; /* first inode block */
	uint32_t bmapstart;  /* first free-map block */
	uint32_t datastart;  /* first data block */
	uint32_t crc;        /* CRC-32C (lib/crc32c) of the fields above */
};

/* Inode types (struct fs_dinode.type) are the T_* of kernel/stat.h: 1 dir, 2 file, 3 device. */

/*
 * Block addresses of an inode: FS_NDIRECT direct, one single-indirect block
 * of FS_NINDIRECT addresses, one double-indirect block of FS_NINDIRECT
 * single-indirect blocks. 0 means "no block yet".
 */
#define FS_NDIRECT   10u
#define FS_NINDIRECT (FS_BLOCK_SIZE / sizeof(uint32_t))
#define FS_MAXFILE_BLOCKS \
	((uint64_t)FS_NDIRECT + FS_NINDIRECT + (uint64_t)FS_NINDIRECT * FS_NINDIRECT)
#define FS_ADDR_SINGLE FS_NDIRECT        /* index in addrs[] of the single-indirect block */
#define FS_ADDR_DOUBLE (FS_NDIRECT + 1u) /* index in addrs[] of the double-indirect block */
#define FS_NADDRS      (FS_NDIRECT + 2u)

/* An inode on disk: 64 bytes, FS_INODES_PER_BLOCK to a block. type 0 = free. */
struct fs_dinode {
	uint16_t type;  /* T_DIR, T_FILE, T_DEVICE, or 0 when free */
	uint16_t major; /* device number (T_DEVICE) */
	uint16_t minor;
	uint16_t nlink; /* directory entries that name this inode */
	uint64_t size;  /* bytes */
	uint32_t addrs[FS_NADDRS];
};

#define FS_INODES_PER_BLOCK (FS_BLOCK_SIZE / sizeof(struct fs_dinode))
/* The block holding inode inum. */
#define FS_INODE_BLOCK(inum, sb) ((inum) / FS_INODES_PER_BLOCK + (sb)->inodestart)

/* Bits of the free map per block, and the map block holding block b's bit. */
#define FS_BITS_PER_BLOCK      (FS_BLOCK_SIZE * 8u)
#define FS_BITMAP_BLOCK(b, sb) ((b) / FS_BITS_PER_BLOCK + (sb)->bmapstart)

/*
 * A directory is a file of 64-byte entries. A name is up to FS_NAME_MAX bytes,
 * NUL-terminated when shorter (a name of exactly FS_NAME_MAX bytes has no NUL).
 */
#define FS_NAME_MAX 60u
struct fs_dirent {
	uint32_t inum; /* 0: a free entry */
	char name[FS_NAME_MAX];
};

/*
 * The log header (block logstart). A transaction is committed when this
 * block, with n > 0 and a matching crc, is on the disk; the blocks it names
 * are then copied from the log (logstart+1+i) to block[i] at mount.
 * crc covers magic, n, seq and block[0..n).
 */
#define FS_LOG_MAGIC 0x474f4c4du /* "MLOG" */
#define FS_LOG_MAX   ((FS_BLOCK_SIZE - 16u) / sizeof(uint32_t))
struct fs_log_header {
	uint32_t magic; /* FS_LOG_MAGIC */
	uint32_t n;     /* committed blocks, 0 when the log is empty */
	uint32_t seq;   /* commit sequence number, for fsck and crash tests */
	uint32_t crc;   /* CRC-32C as above */
	uint32_t block[FS_LOG_MAX];
};

_Static_assert(sizeof(struct fs_dinode) == 64, "dinode is 64 bytes");
_Static_assert(sizeof(struct fs_dirent) == 64, "dirent is 64 bytes");
_Static_assert(sizeof(struct fs_log_header) == FS_BLOCK_SIZE, "log header is one block");
_Static_assert(FS_BLOCK_SIZE % sizeof(struct fs_dinode) == 0, "whole inodes per block");

#endif
