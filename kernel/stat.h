/*
 * kernel/stat.h - what fstat() and stat() report; the xv6 layout and names.
 *
 * Shared by the kernel and user programs (xv6 programs include it as
 * "kernel/stat.h"). The T_* values are also the inode types on disk
 * (include/fs_format.h).
 */
#ifndef KERNEL_STAT_H
#define KERNEL_STAT_H

#define T_DIR    1 /* directory */
#define T_FILE   2 /* file */
#define T_DEVICE 3 /* device */

struct stat {
	int dev;            /* file system's disk device */
	unsigned int ino;   /* inode number */
	short type;         /* T_DIR, T_FILE or T_DEVICE */
	short nlink;        /* links to the file */
	unsigned long size; /* bytes */
};

#endif
