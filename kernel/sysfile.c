/*
 * kernel/sysfile.c - the file-system system calls.
 *
 * Argument checking and the steps of each call; the work is in file.c and
 * fs.c. Every fd, pointer, length and path from user space is checked by
 * the arg_* helpers or here, and a bad one returns -1. Each call that may
 * write the disk is one log operation.
 */
#include "../lib/string.h"
#include "fcntl.h"
#include "file.h"
#include "fsys.h"
#include "mmap.h"
#include "param.h"
#include "pipe.h"
#include "proc.h"
#include "stat.h"
#include "syscall.h"
#include "uaccess.h"
#include "uvm.h"

/* Gives f the lowest free descriptor of the current process; the fd, or -1 if all are in use. */
static int fd_alloc(struct file *f)
{
	struct proc *p = myproc();
	for (int fd = 0; fd < NOFILE; fd++) {
		if (!p->ofile[fd]) {
			p->ofile[fd] = f;
			return fd;
		}
	}
	return -1;
}

long sys_dup(void)
{
	struct file *f;
	if (arg_fd(0, NULL, &f) < 0)
		return -1;
	int fd = fd_alloc(f);
	if (fd < 0)
		return -1;
	file_dup(f);
	return fd;
}

/* read() and write() copy under locks, where a mapped file's page cannot be read in. */
long sys_read(void)
{
	struct file *f;
	if (arg_fd(0, NULL, &f) < 0)
		return -1;
	if (arg_int(2) > 0)
		mmap_prefault(myproc(), arg_u64(1), (uint64_t)arg_int(2), UVM_WRITE);
	return file_read(f, arg_u64(1), arg_int(2));
}

long sys_write(void)
{
	struct file *f;
	if (arg_fd(0, NULL, &f) < 0)
		return -1;
	if (arg_int(2) > 0)
		mmap_prefault(myproc(), arg_u64(1), (uint64_t)arg_int(2), UVM_READ);
	return file_write(f, arg_u64(1), arg_int(2));
}

long sys_close(void)
{
	int fd;
	struct file *f;
	if (arg_fd(0, &fd, &f) < 0)
		return -1;
	myproc()->ofile[fd] = NULL;
	file_close(f);
	return 0;
}

long sys_fstat(void)
{
	struct file *f;
	if (arg_fd(0, NULL, &f) < 0)
		return -1;
	return file_stat(f, arg_u64(1));
}

long sys_pipe(void)
{
	uint64_t fds_va = arg_u64(0);
	struct file *r, *w;
	if (pipe_alloc(&r, &w) < 0)
		return -1;
	struct proc *p = myproc();
	int fds[2] = { fd_alloc(r), -1 };
	if (fds[0] >= 0)
		fds[1] = fd_alloc(w);
	if (fds[1] < 0 || copyout(fds_va, fds, sizeof(fds)) < 0) {
		if (fds[0] >= 0)
			p->ofile[fds[0]] = NULL;
		if (fds[1] >= 0)
			p->ofile[fds[1]] = NULL;
		file_close(r);
		file_close(w);
		return -1;
	}
	return 0;
}

/* A path argument; 0, or -1 if it is a bad address or longer than MAXPATH. */
static int arg_path(int n, char *path)
{
	return arg_str(n, path, MAXPATH) < 0 ? -1 : 0;
}

/*
 * The inode path names, created as type if it does not exist (for
 * T_FILE, an existing file or device is returned too); locked, or NULL.
 * Inside an operation.
 */
static struct inode *create(const char *path, uint16_t type, uint16_t major, uint16_t minor)
{
	char name[FS_NAME_BUF];
	struct inode *dp = namei_parent(path, name);
	if (!dp)
		return NULL;
	inode_lock(dp);
	struct inode *ip = dir_lookup(dp, name, NULL);
	if (ip) {
		inode_unlock_put(dp);
		inode_lock(ip);
		if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
			return ip;
		inode_unlock_put(ip);
		return NULL;
	}
	/*
	 * A removed directory (nlink 0) takes no new entries: they would be lost
	 * with it. A new subdirectory's ".." must not wrap dp's 16-bit nlink.
	 */
	if (dp->nlink == 0 || (type == T_DIR && dp->nlink == 0xffff) || !(ip = inode_alloc(type))) {
		inode_unlock_put(dp);
		return NULL;
	}
	inode_lock(ip);
	ip->major = major;
	ip->minor = minor;
	ip->nlink = 1;
	inode_update(ip);
	if (type == T_DIR && (dir_link(ip, ".", ip->inum) < 0 || dir_link(ip, "..", dp->inum) < 0))
		goto undo;
	if (dir_link(dp, name, ip->inum) < 0)
		goto undo;
	if (type == T_DIR) { /* the child's ".." */
		dp->nlink++;
		inode_update(dp);
	}
	inode_unlock_put(dp);
	return ip;

undo: /* nlink 0: the last put frees the inode and its blocks */
	ip->nlink = 0;
	inode_update(ip);
	inode_unlock_put(ip);
	inode_unlock_put(dp);
	return NULL;
}

#define OPEN_FLAGS (O_WRONLY | O_RDWR | O_CREATE | O_TRUNC | O_APPEND)

long sys_open(void)
{
	char path[MAXPATH];
	int omode = arg_int(1);
	if (arg_path(0, path) < 0 || (omode & ~OPEN_FLAGS))
		return -1;
	log_begin_op();
	struct inode *ip;
	if (omode & O_CREATE) {
		ip = create(path, T_FILE, 0, 0);
	} else if ((ip = namei(path))) {
		inode_lock(ip);
	}
	if (!ip) {
		log_end_op();
		return -1;
	}
	int readable = !(omode & O_WRONLY);
	int writable = (omode & (O_WRONLY | O_RDWR)) != 0;
	int usable = ip->type == T_FILE || (ip->type == T_DIR && !writable) ||
		     (ip->type == T_DEVICE && ip->major < NDEV);
	struct file *f = usable ? file_alloc() : NULL;
	int fd = f ? fd_alloc(f) : -1;
	if (fd < 0) {
		if (f)
			file_close(f);
		inode_unlock_put(ip);
		log_end_op();
		return -1;
	}
	if (ip->type == T_DEVICE) {
		f->type = FILE_DEVICE;
		f->major = ip->major;
	} else {
		f->type = FILE_INODE;
		f->off = 0;
	}
	f->ip = ip;
	f->readable = readable;
	f->writable = writable;
	f->append = (omode & O_APPEND) != 0;
	if ((omode & O_TRUNC) && ip->type == T_FILE) /* as xv6 and Linux do, even read-only */
		inode_truncate(ip);
	inode_unlock(ip);
	log_end_op();
	return fd;
}

long sys_mkdir(void)
{
	char path[MAXPATH];
	if (arg_path(0, path) < 0)
		return -1;
	log_begin_op();
	struct inode *ip = create(path, T_DIR, 0, 0);
	if (ip)
		inode_unlock_put(ip);
	log_end_op();
	return ip ? 0 : -1;
}

long sys_mknod(void)
{
	char path[MAXPATH];
	int major = arg_int(1), minor = arg_int(2);
	if (arg_path(0, path) < 0 || major < 0 || major >= NDEV || minor < 0 || minor > 0xffff)
		return -1;
	log_begin_op();
	struct inode *ip = create(path, T_DEVICE, (uint16_t)major, (uint16_t)minor);
	if (ip)
		inode_unlock_put(ip);
	log_end_op();
	return ip ? 0 : -1;
}

/* link(old, new): a second name for a file (not a directory). */
long sys_link(void)
{
	char old[MAXPATH], new[MAXPATH], name[FS_NAME_BUF];
	if (arg_path(0, old) < 0 || arg_path(1, new) < 0)
		return -1;
	log_begin_op();
	struct inode *ip = namei(old);
	if (!ip) {
		log_end_op();
		return -1;
	}
	inode_lock(ip);
	if ((ip->type != T_FILE && ip->type != T_DEVICE) || ip->nlink == 0xffff) {
		inode_unlock_put(ip);
		log_end_op();
		return -1;
	}
	ip->nlink++;
	inode_update(ip);
	inode_unlock(ip);

	struct inode *dp = namei_parent(new, name);
	int linked = 0;
	if (dp) {
		inode_lock(dp);
		linked = dp->nlink > 0 && dir_link(dp, name, ip->inum) == 0;
		inode_unlock_put(dp);
	}
	if (!linked) {
		inode_lock(ip);
		ip->nlink--;
		inode_update(ip);
		inode_unlock(ip);
	}
	inode_put(ip);
	log_end_op();
	return linked ? 0 : -1;
}

long sys_unlink(void)
{
	char path[MAXPATH], name[FS_NAME_BUF];
	if (arg_path(0, path) < 0)
		return -1;
	log_begin_op();
	struct inode *dp = namei_parent(path, name);
	if (!dp) {
		log_end_op();
		return -1;
	}
	inode_lock(dp);
	uint64_t off;
	struct inode *ip = NULL;
	if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		ip = dir_lookup(dp, name, &off);
	if (!ip) {
		inode_unlock_put(dp);
		log_end_op();
		return -1;
	}
	inode_lock(ip);
	int removable = ip->type != 0 && ip->nlink > 0 && (ip->type != T_DIR || dir_is_empty(ip));
	if (ip->type != 0 && ip->nlink == 0)
		fs_corrupt(ip->inum, "inode %u is named in directory %u but has nlink 0", ip->inum,
			   dp->inum);
	if (removable && ip->type == T_DIR && dp->nlink < 2) {
		/* dp's count misses ip's "..": decrementing it would free dp while it is named */
		fs_corrupt(dp->inum, "directory %u has nlink %u yet holds directory %u", dp->inum,
			   dp->nlink, ip->inum);
		removable = 0;
	}
	if (!removable || dir_unlink_at(dp, off) < 0) {
		inode_unlock_put(ip);
		inode_unlock_put(dp);
		log_end_op();
		return -1;
	}
	if (ip->type == T_DIR) { /* its ".." named dp */
		dp->nlink--;
		inode_update(dp);
	}
	inode_unlock_put(dp);
	ip->nlink--;
	inode_update(ip);
	inode_unlock_put(ip);
	log_end_op();
	return 0;
}

long sys_chdir(void)
{
	char path[MAXPATH];
	if (arg_path(0, path) < 0)
		return -1;
	struct proc *p = myproc();
	log_begin_op();
	struct inode *ip = namei(path);
	if (!ip) {
		log_end_op();
		return -1;
	}
	inode_lock(ip);
	if (ip->type != T_DIR) {
		inode_unlock_put(ip);
		log_end_op();
		return -1;
	}
	inode_unlock(ip);
	if (p->cwd)
		inode_put(p->cwd);
	p->cwd = ip;
	log_end_op();
	return 0;
}
