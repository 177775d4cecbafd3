/*
 * kernel/file.c - open files over pipes, inodes and devices.
 *
 * The reference count is the only shared field besides what the pipe or
 * inode protects itself, so one spinlock serves every file. A write to an
 * inode is split into pieces small enough for one log operation each: a
 * big write is atomic piece by piece, not as a whole (as in xv6).
 */
#include "file.h"

#include "../lib/string.h"
#include "console.h"
#include "fsys.h"
#include "kmalloc.h"
#include "panic.h"
#include "pipe.h"
#include "spinlock.h"
#include "stat.h"
#include "uaccess.h"

struct devsw devsw[NDEV] = {
	[CONSOLE] = { console_read, console_write },
};

static struct spinlock files_lock = SPINLOCK_INIT("files");

struct file *file_alloc(void)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->type = FILE_NONE;
	f->ref = 1;
	return f;
}

struct file *file_dup(struct file *f)
{
	spin_lock(&files_lock);
	if (f->ref < 1)
		panic("file: dup of file %p with ref %d", (void *)f, f->ref);
	f->ref++;
	spin_unlock(&files_lock);
	return f;
}

void file_close(struct file *f)
{
	spin_lock(&files_lock);
	if (f->ref < 1)
		panic("file: close of file %p with ref %d", (void *)f, f->ref);
	int last = --f->ref == 0;
	spin_unlock(&files_lock);
	if (!last)
		return;
	if (f->type == FILE_PIPE) {
		pipe_close(f->pipe, f->writable);
	} else if (f->type == FILE_INODE || f->type == FILE_DEVICE) {
		log_begin_op();
		inode_put(f->ip);
		log_end_op();
	}
	kfree(f);
}

int file_stat(struct file *f, uint64_t st_va)
{
	if (f->type != FILE_INODE && f->type != FILE_DEVICE)
		return -1;
	struct stat st;
	inode_lock(f->ip);
	inode_stat(f->ip, &st);
	inode_unlock(f->ip);
	return copyout(st_va, &st, sizeof(st));
}

/* The device behind f, or NULL if its major number has no driver. */
static const struct devsw *device_of(struct file *f)
{
	return f->major < NDEV ? &devsw[f->major] : NULL;
}

int file_read(struct file *f, uint64_t dst_va, int n)
{
	if (!f->readable || n < 0)
		return -1;
	switch (f->type) {
	case FILE_PIPE: return pipe_read(f->pipe, dst_va, n);
	case FILE_DEVICE: {
		const struct devsw *dev = device_of(f);
		return dev && dev->read ? dev->read(1, dst_va, n) : -1;
	}
	case FILE_INODE: {
		inode_lock(f->ip);
		int got = inode_read(f->ip, 1, dst_va, f->off, (uint32_t)n);
		if (got > 0)
			f->off += (uint64_t)got;
		inode_unlock(f->ip);
		return got;
	}
	default: return -1;
	}
}

/* Writes to an inode in pieces of whole blocks, one log operation each. */
static int write_inode(struct file *f, uint64_t src_va, int n)
{
	uint64_t piece_max = (uint64_t)fs_write_blocks_per_op() * FS_BLOCK_SIZE;
	int done = 0;
	while (done < n) {
		log_begin_op();
		inode_lock(f->ip);
		if (f->append)
			f->off = f->ip->size;
		/* End the piece on a block boundary, so it touches no more blocks than allowed. */
		uint64_t piece = piece_max - f->off % FS_BLOCK_SIZE;
		if (piece > (uint64_t)(n - done))
			piece = (uint64_t)(n - done);
		int wrote = inode_write(f->ip, 1, src_va + (uint64_t)done, f->off, (uint32_t)piece);
		if (wrote > 0)
			f->off += (uint64_t)wrote;
		inode_unlock(f->ip);
		log_end_op();
		if (wrote > 0)
			done += wrote;
		if (wrote != (int)piece) /* a bad buffer or a full disk: what went in, as POSIX */
			return done > 0 ? done : -1;
	}
	return n;
}

int file_write(struct file *f, uint64_t src_va, int n)
{
	if (!f->writable || n < 0)
		return -1;
	switch (f->type) {
	case FILE_PIPE: return pipe_write(f->pipe, src_va, n);
	case FILE_DEVICE: {
		const struct devsw *dev = device_of(f);
		return dev && dev->write ? dev->write(1, src_va, n) : -1;
	}
	case FILE_INODE: return write_inode(f, src_va, n);
	default: return -1;
	}
}
