/*
 * mkfs/fsck_check.h - checks a whole magma file-system image held in memory,
 * and repairs the damage a crash can leave.
 *
 * The image is a pointer and a byte length; nothing past the length is
 * read, whatever the superblock or an inode claims. Every problem is one
 * line, given to a callback, naming the inode, block or directory entry
 * ("inode 37: block 12044 (addrs[3]) is also owned by inode 12"). What is
 * checked, in this order:
 *
 *   superblock  lib/fs_layout's fs_super_check against the image's size;
 *               a refused superblock means the image cannot be checked.
 *   log         fs_log_check. A valid header naming blocks is a committed
 *               transaction a mount would replay: not damage. fsck says so
 *               (a note) and checks the image as replayed. An invalid header
 *               (a torn write) is one a mount ignores: a note too.
 *   inodes      types 0..3 only (inode 0 always free), a device's major
 *               below NDEV, a directory's size a multiple of the entry size,
 *               a size within the format's maximum; every address inside
 *               the data blocks and owned by one inode only; the data blocks
 *               are exactly those the size covers: no hole (the kernel never
 *               writes past the end of a file, so it never makes one), no
 *               data or indirect block past the size.
 *   directories from the root, depth first: "." names the directory, ".."
 *               its parent (the root's: itself); names non-empty, without
 *               '/', NUL-padded when shorter than FS_NAME_MAX, unique in
 *               their directory; every entry names an allocated inode, and
 *               no directory is named by two entries (a second parent, or a
 *               loop, which is never followed).
 *   links       each reached inode's nlink is the number of entries naming
 *               it ("." entries aside: a directory's count is its entry in
 *               the parent plus its subdirectories' ".."); an allocated inode
 *               that no entry reaches is an orphan.
 *   free map    a block is marked in use exactly when it is metadata or
 *               owned by an inode; bits past the last block are clear.
 *
 * All work is bounded by the image's size: each inode is read once, each
 * indirect block is followed by the inode that owns it only, each directory
 * is entered once, and the walk keeps its own stack (no recursion).
 *
 * Repair (fsck -y) touches only what a crash leaves: an orphan with nlink 0
 * (a file or directory still open when its last name went) is freed with
 * its blocks, and every free-map bit that disagrees with ownership is set
 * or cleared. A committed log is first replayed into the image, as a mount
 * would. Nothing else is changed; it stays a problem. An unreachable inode
 * with nlink > 0 is not a crash's doing and is left for a human.
 *
 * A host library (libc, malloc): used by mkfs/fsck.c, tests/shim/fsck.c and
 * the tests. The inode types are kernel/stat.h's, the device limit NDEV is
 * kernel/param.h's.
 */
#ifndef MKFS_FSCK_CHECK_H
#define MKFS_FSCK_CHECK_H

#include <stddef.h>
#include <stdint.h>

enum fsck_kind {
	FSCK_PROBLEM, /* an invariant of the format does not hold */
	FSCK_NOTE,    /* worth saying, not damage: a log a mount would replay or ignore */
	FSCK_REPAIR,  /* what fsck_repair changed in the image */
};

/* Called once per line (no newline); line is valid only during the call. */
typedef void (*fsck_report_fn)(void *arg, enum fsck_kind kind, const char *line);

struct fsck_options {
	fsck_report_fn report; /* may be NULL: only the counts are wanted */
	void *arg;
	int want_state; /* fill fsck_result.state */
};

struct fsck_result {
	uint32_t blocks;        /* the superblock's size */
	uint32_t inodes_in_use; /* inodes whose type is not 0 */
	uint64_t problems;      /* FSCK_PROBLEM lines */
	uint64_t repairs;       /* FSCK_REPAIR lines */
	/*
	 * With want_state, a malloc'd description of the tree (the caller frees
	 * it): one line "path tTYPE sSIZE nNLINK cCRC" per inode reached, depth
	 * first in directory order, CRC the CRC-32C of a file's bytes (0 for a
	 * directory or device). Two images hold the same files exactly when
	 * their states are equal.
	 */
	char *state;
	char refusal[200]; /* why, when the image cannot be checked */
};

enum {
	FSCK_ERR_SHORT = -1, /* under two blocks: no superblock */
	FSCK_ERR_SUPER = -2, /* the superblock fails fs_super_check */
	FSCK_ERR_NOMEM = -3, /* no memory for the per-block and per-inode tables */
};

/*
 * Checks the image_bytes at image. 0 when it could be checked (res says
 * what was found), or a FSCK_ERR_* with the reason in res->refusal.
 */
int fsck_check(const uint8_t *image, size_t image_bytes, const struct fsck_options *opt,
	       struct fsck_result *res);

/*
 * fsck_check, then the repairs above, in place; res->problems counts what
 * the check found (repaired or not), res->repairs what was changed. A
 * second fsck_check of the image is clean when only orphans with nlink 0
 * and free-map bits were wrong.
 */
int fsck_repair(uint8_t *image, size_t image_bytes, const struct fsck_options *opt,
		struct fsck_result *res);

#endif
