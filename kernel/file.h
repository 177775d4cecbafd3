/*
 * kernel/file.h - open files: what a file descriptor refers to.
 *
 * A struct file is shared by every descriptor that dup or fork made from
 * one open: they share the offset. It refers to a pipe, an inode (a file
 * or directory) or a device (an inode of type T_DEVICE whose major number
 * picks a devsw entry). Files are allocated from the kernel heap: there is
 * no system-wide table, only the per-process limit NOFILE.
 */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

#include <stdint.h>

#include "param.h"

struct inode;
struct pipe;

enum file_type { FILE_NONE, FILE_PIPE, FILE_INODE, FILE_DEVICE };

struct file {
	enum file_type type;
	int ref; /* descriptors sharing it, under the files lock (file.c) */
	int readable, writable;
	int append;        /* O_APPEND: every write goes to the end */
	struct pipe *pipe; /* FILE_PIPE */
	struct inode *ip;  /* FILE_INODE, FILE_DEVICE */
	uint64_t off;      /* FILE_INODE: the next byte read or written, under ip's lock */
	uint16_t major;    /* FILE_DEVICE */
};

/*
 * A device's read and write: n bytes to or from dst/src, a user address if
 * user_dst/user_src, else a kernel one. Bytes moved, or -1.
 */
struct devsw {
	int (*read)(int user_dst, uint64_t dst, int n);
	int (*write)(int user_src, uint64_t src, int n);
};

/* Indexed by major number; devsw[CONSOLE] is the console. */
extern struct devsw devsw[NDEV];

/* A new file with one reference and type FILE_NONE, or NULL when memory is exhausted. */
struct file *file_alloc(void);
/* Another reference to f (dup, fork). */
struct file *file_dup(struct file *f);
/* Drops a reference; the last one closes the pipe end or puts the inode (in an operation). */
void file_close(struct file *f);
/* Copies f's struct stat to user address st_va. 0, or -1 (a pipe, a bad address). */
int file_stat(struct file *f, uint64_t st_va);
/* Reads up to n bytes into user address dst_va; bytes read, 0 at end of file, or -1. */
int file_read(struct file *f, uint64_t dst_va, int n);
/* Writes n bytes from user address src_va; n, or -1 if not all could be written. */
int file_write(struct file *f, uint64_t src_va, int n);

#endif
