/*
 * kernel/fsys.h - the file system: inodes, directories and path names on the root disk.
 *
 * The layers, bottom up: the buffer cache (bio.h), the log (log.h), then
 * here: the free-block map, inodes (a file's type, size and block
 * addresses, include/fs_format.h), directories (files of fs_dirent) and
 * path names. Every call that may write the disk (inode_write,
 * inode_update, inode_put, dir_link, inode_alloc...) runs inside
 * log_begin_op/log_end_op; reads need no operation.
 *
 * An in-memory inode is shared: namei or inode_dup take a reference,
 * inode_put drops it. Its fields below the lock are valid only while it is
 * locked (inode_lock). A reference keeps the inode from being freed; the
 * lock keeps its contents consistent. Locking order: parent directory
 * before child, and never two unrelated inodes.
 */
#ifndef KERNEL_FSYS_H
#define KERNEL_FSYS_H

#include <stdint.h>

#include "../include/fs_format.h"
#include "log.h"
#include "sleeplock.h"

struct stat;

/* A path element's buffer: FS_NAME_MAX bytes and the NUL. */
#define FS_NAME_BUF (FS_NAME_MAX + 1)

struct inode {
	uint32_t inum;
	int ref;            /* references, under the inode cache lock */
	struct inode *next; /* the cache's list */
	struct sleeplock lock;

	/* Under lock, once valid: the on-disk inode, read by inode_lock. */
	int valid;
	uint16_t type; /* T_DIR, T_FILE, T_DEVICE (kernel/stat.h) */
	uint16_t major, minor;
	uint16_t nlink;
	uint64_t size; /* bytes */
	uint32_t addrs[FS_NADDRS];
};

/*
 * Mounts the root disk: reads and checks the superblock, replays the log,
 * checks the root directory. Sleeps, so it runs in the first process.
 * 0, or a negative FS_E* after printing why the disk was refused.
 */
int fs_init(void);

/*
 * How many blocks one inode_write may touch (writing from a block boundary)
 * and stay within the operation's MAXOPBLOCKS; file_write splits by it.
 */
uint32_t fs_write_blocks_per_op(void);

/*
 * Reports that the disk holds something corrupt about inode inum: prints
 * "fs: " and the message, which names the object ("inode 37: addrs[3] =
 * 99999 is outside the data blocks [72, 2048)"), the first time inum is
 * reported since mount. Later reports of it, and any once 64 inodes were
 * reported, are dropped, so a program looping on a corrupt file cannot
 * flood the console.
 */
void fs_corrupt(uint32_t inum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Why fs_init refused a disk. */
#define FS_ENODISK  (-1) /* no disk, or it could not be read */
#define FS_EFOREIGN (-2) /* not a magma file system (magic), or another version */
#define FS_ECORRUPT (-3) /* a magma superblock with a bad crc or inconsistent fields */
#define FS_ETOOBIG  (-4) /* larger than this kernel handles (see fs.c) */
#define FS_ENOROOT  (-5) /* the root inode is not a directory */

/*
 * The inode a path names (relative to the current directory unless it
 * starts with '/'), referenced and unlocked; NULL if there is none, the
 * path is empty, or an element is longer than FS_NAME_MAX. Runs inside an
 * operation, like everything that may drop a reference.
 */
struct inode *namei(const char *path);
/*
 * The directory holding the last element of path, whose name is copied to
 * name_out (FS_NAME_BUF bytes); NULL if there is none (e.g. path "/"), or
 * if an element is longer than FS_NAME_MAX.
 */
struct inode *namei_parent(const char *path, char *name_out);

/* Another reference to ip. */
struct inode *inode_dup(struct inode *ip);
/* Locks ip, reading it from the disk the first time. Panics on a free inode (a bug). */
void inode_lock(struct inode *ip);
void inode_unlock(struct inode *ip);
/*
 * Drops a reference. The last reference to an inode no directory names
 * any more frees it and its blocks, so it runs inside an operation.
 */
void inode_put(struct inode *ip);
void inode_unlock_put(struct inode *ip);

/*
 * Reads up to n bytes at byte off of locked ip into dst (a user address
 * if user_dst, else a kernel one). Bytes read (0 at or past the end), or
 * -1 on a bad destination or a corrupt block address.
 */
int inode_read(struct inode *ip, int user_dst, uint64_t dst, uint64_t off, uint32_t n);
/*
 * Writes n bytes from src to locked ip at off (at most its size: no holes),
 * growing it; inside an operation, and n small enough for one (file.c
 * splits big writes). Bytes written (fewer when the disk is full), or -1.
 */
int inode_write(struct inode *ip, int user_src, uint64_t src, uint64_t off, uint32_t n);
/* Fills st from locked ip. */
void inode_stat(struct inode *ip, struct stat *st);

/* A new inode of the given type, referenced and unlocked; NULL when there is none free. */
struct inode *inode_alloc(uint16_t type);
/* Writes locked ip's fields back to its disk inode (after a change to nlink, major, ...). */
void inode_update(struct inode *ip);
/* Frees every block of locked ip and makes it empty. */
void inode_truncate(struct inode *ip);

/*
 * The inode named name in locked directory dp, referenced and unlocked,
 * with the entry's byte offset in *off_out (if not NULL); or NULL.
 */
struct inode *dir_lookup(struct inode *dp, const char *name, uint64_t *off_out);
/*
 * Adds the entry (name, inum) to locked directory dp. 0, or -1 if name is
 * empty, too long or exists, dp is corrupt, or the disk is full.
 */
int dir_link(struct inode *dp, const char *name, uint32_t inum);
/* Clears the entry at byte offset off of locked directory dp (from dir_lookup). 0, or -1. */
int dir_unlink_at(struct inode *dp, uint64_t off);
/* Whether locked directory dp holds nothing but "." and ".." (a corrupt one is not empty). */
int dir_is_empty(struct inode *dp);

#endif
