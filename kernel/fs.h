/*
 * kernel/fs.h - the on-disk names xv6 programs use, over magma's format.
 *
 * A program written for xv6 (ls, the find lab) includes "kernel/fs.h" for
 * struct dirent, DIRSIZ and BSIZE and reads directories with
 * read(fd, &de, sizeof de). Here those names describe magma's format
 * (include/fs_format.h): 64-byte entries with names of up to DIRSIZ = 60
 * bytes, NUL-terminated only when shorter, exactly as xv6 treats its
 * 14-byte names. magma's own code uses include/fs_format.h and, in the
 * kernel, kernel/fsys.h.
 */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H

#include "../include/fs_format.h"

#define BSIZE     FS_BLOCK_SIZE
#define FSMAGIC   FS_MAGIC
#define ROOTINO   FS_ROOT_INUM
#define NDIRECT   FS_NDIRECT
#define NINDIRECT FS_NINDIRECT
#define MAXFILE   FS_MAXFILE_BLOCKS
#define DIRSIZ    FS_NAME_MAX
#define IPB       FS_INODES_PER_BLOCK

struct dirent {
	uint32_t inum; /* 0: a free entry */
	char name[DIRSIZ];
};

_Static_assert(sizeof(struct dirent) == sizeof(struct fs_dirent), "a dirent is an fs_dirent");

#endif
