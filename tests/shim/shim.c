/*
 * tests/shim/shim.c - single-threaded stand-ins for what the file system calls (see shim.h).
 */
#include "shim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/fs_format.h"
#include "../../kernel/console.h"
#include "../../kernel/disk.h"
#include "../../kernel/kmalloc.h"
#include "../../kernel/mmap.h"
#include "../../kernel/panic.h"
#include "../../kernel/proc.h"
#include "../../kernel/sleeplock.h"
#include "../../kernel/spinlock.h"
#include "../../kernel/syscall.h"
#include "../../kernel/uaccess.h"

/* --- disk --- */

uint8_t *shim_disk;
uint64_t shim_disk_blocks;
uint64_t shim_disk_reads, shim_disk_writes, shim_disk_flushes;

static uint8_t *dirty; /* one flag per block: written since the last load or revert */
static struct shim_disk_event *events;
static size_t nevents, events_cap;
static int recording;

static void drop_events(void)
{
	for (size_t i = 0; i < nevents; i++)
		free(events[i].data);
	nevents = 0;
}

void shim_disk_create(uint64_t nblocks)
{
	free(shim_disk);
	shim_disk = calloc(nblocks, FS_BLOCK_SIZE);
	if (!shim_disk) {
		fprintf(stderr, "shim: no memory for a %lu-block disk\n", (unsigned long)nblocks);
		exit(2);
	}
	shim_disk_blocks = nblocks;
	free(dirty);
	dirty = calloc(nblocks, 1);
}

void shim_disk_load(const uint8_t *image)
{
	memcpy(shim_disk, image, shim_disk_blocks * FS_BLOCK_SIZE);
	memset(dirty, 0, shim_disk_blocks);
}

void shim_disk_put(uint32_t blockno, const void *data, size_t bytes)
{
	memcpy(shim_disk + (uint64_t)blockno * FS_BLOCK_SIZE, data, bytes);
	dirty[blockno] = 1;
}

void shim_disk_put_bytes(uint64_t off, const void *data, size_t bytes)
{
	if (off > shim_disk_blocks * FS_BLOCK_SIZE ||
	    bytes > shim_disk_blocks * FS_BLOCK_SIZE - off) {
		fprintf(stderr, "shim: %zu bytes at offset %lu do not fit the %lu-block disk\n",
			bytes, (unsigned long)off, (unsigned long)shim_disk_blocks);
		abort();
	}
	memcpy(shim_disk + off, data, bytes);
	for (uint64_t b = off / FS_BLOCK_SIZE; bytes && b <= (off + bytes - 1) / FS_BLOCK_SIZE; b++)
		dirty[b] = 1;
}

void shim_disk_revert(const uint8_t *image)
{
	for (uint64_t b = 0; b < shim_disk_blocks; b++) {
		if (dirty[b]) {
			memcpy(shim_disk + b * FS_BLOCK_SIZE, image + b * FS_BLOCK_SIZE,
			       FS_BLOCK_SIZE);
			dirty[b] = 0;
		}
	}
}

void shim_disk_record(void)
{
	drop_events();
	recording = 1;
}

struct shim_disk_event *shim_disk_recorded(size_t *n)
{
	recording = 0;
	*n = nevents;
	return events;
}

const struct shim_disk_event *shim_disk_recording(size_t *n)
{
	*n = nevents;
	return events;
}

static void record(int is_flush, uint32_t blockno, const void *data)
{
	if (!recording)
		return;
	if (nevents == events_cap) {
		events_cap = events_cap ? 2 * events_cap : 256;
		events = realloc(events, events_cap * sizeof(*events));
	}
	struct shim_disk_event *e = &events[nevents++];
	e->is_flush = is_flush;
	e->blockno = blockno;
	e->data = NULL;
	if (data) {
		e->data = malloc(FS_BLOCK_SIZE);
		memcpy(e->data, data, FS_BLOCK_SIZE);
	}
}

int disk_init(void)
{
	return shim_disk ? 0 : -1;
}

uint64_t disk_block_count(void)
{
	return shim_disk_blocks;
}

uint64_t shim_disk_limit;

/* Aborts on a request outside the disk or past shim_disk_limit: the file system never asks. */
static void check_in_range(const char *what, uint64_t blockno)
{
	uint64_t end = shim_disk_limit && shim_disk_limit < shim_disk_blocks ? shim_disk_limit
									     : shim_disk_blocks;
	if (blockno < end)
		return;
	fprintf(stderr, "shim: %s of block %lu, past the %s (%lu blocks)\n", what,
		(unsigned long)blockno, end < shim_disk_blocks ? "file system" : "disk",
		(unsigned long)end);
	abort();
}

int disk_read(uint64_t blockno, void *data)
{
	check_in_range("disk_read", blockno);
	shim_disk_reads++;
	memcpy(data, shim_disk + blockno * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
	return 0;
}

int disk_write(uint64_t blockno, const void *data)
{
	check_in_range("disk_write", blockno);
	shim_disk_writes++;
	shim_disk_put((uint32_t)blockno, data, FS_BLOCK_SIZE);
	record(0, (uint32_t)blockno, data);
	return 0;
}

int disk_flush(void)
{
	shim_disk_flushes++;
	record(1, 0, NULL);
	return 0;
}

/* --- locks --- */

void spin_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->name = name;
	lock->owner = 0;
}

void spin_lock(struct spinlock *lock)
{
	if (lock->locked)
		panic("spinlock '%s': already held (one thread: a deadlock)", lock->name);
	lock->locked = 1;
}

void spin_unlock(struct spinlock *lock)
{
	if (!lock->locked)
		panic("spinlock '%s': released but not held", lock->name);
	lock->locked = 0;
}

int spin_held(struct spinlock *lock)
{
	return lock->locked;
}

void sleeplock_init(struct sleeplock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->pid = 0;
	spin_init(&lk->guard, name);
}

void sleeplock_acquire(struct sleeplock *lk)
{
	if (lk->locked)
		panic("sleeplock '%s': already held (one thread: a deadlock)", lk->name);
	lk->locked = 1;
	lk->pid = 1;
}

void sleeplock_release(struct sleeplock *lk)
{
	if (!lk->locked)
		panic("sleeplock '%s': released but not held", lk->name);
	lk->locked = 0;
	lk->pid = 0;
}

int sleeplock_held(struct sleeplock *lk)
{
	return lk->locked;
}

/* --- the process --- */

struct proc shim_proc;
uint8_t *shim_user;
void (*shim_sleep_hook)(const void *chan);
uint64_t shim_wakeups;

struct proc *myproc(void)
{
	return &shim_proc;
}

int proc_killed(struct proc *p)
{
	return p->killed;
}

/* sys_read and sys_write give a buffer's mapped pages first; the shim's process maps no file. */
void mmap_prefault(struct proc *p, uint64_t va, uint64_t len, int access)
{
	(void)p;
	(void)va;
	(void)len;
	(void)access;
}

void sleep(const void *chan, struct spinlock *lk)
{
	if (!shim_sleep_hook)
		panic("sleep on %p with nobody to wake it (one thread)", chan);
	spin_unlock(lk);
	shim_sleep_hook(chan);
	spin_lock(lk);
}

void wakeup(const void *chan)
{
	(void)chan;
	shim_wakeups++;
}

static uint8_t *user_memory(void)
{
	if (!shim_user)
		shim_user = calloc(1, SHIM_USER_BYTES);
	return shim_user;
}

uint64_t shim_uva(size_t off)
{
	return (uint64_t)(uintptr_t)(user_memory() + off);
}

uint64_t shim_ustr(size_t off, const char *s)
{
	memcpy(user_memory() + off, s, strlen(s) + 1);
	return shim_uva(off);
}

/* Whether [va, va + len) lies in the user memory. */
static int user_ok(uint64_t va, uint64_t len)
{
	uint64_t base = shim_uva(0);
	return va >= base && len <= SHIM_USER_BYTES && va - base <= SHIM_USER_BYTES - len;
}

int copyout(uint64_t dst_va, const void *src, uint64_t len)
{
	if (!user_ok(dst_va, len))
		return -1;
	memmove((void *)(uintptr_t)dst_va, src, len);
	return 0;
}

int copyin(void *dst, uint64_t src_va, uint64_t len)
{
	if (!user_ok(src_va, len))
		return -1;
	memmove(dst, (const void *)(uintptr_t)src_va, len);
	return 0;
}

int copyinstr(char *dst, uint64_t src_va, uint64_t max)
{
	for (uint64_t i = 0; i < max; i++) {
		if (!user_ok(src_va + i, 1))
			return -1;
		dst[i] = *(const char *)(uintptr_t)(src_va + i);
		if (dst[i] == '\0')
			return (int)i;
	}
	return -1;
}

int either_copyout(int user_dst, uint64_t dst, const void *src, uint64_t len)
{
	if (user_dst)
		return copyout(dst, src, len);
	memmove((void *)(uintptr_t)dst, src, len);
	return 0;
}

int either_copyin(void *dst, int user_src, uint64_t src, uint64_t len)
{
	if (user_src)
		return copyin(dst, src, len);
	memmove(dst, (const void *)(uintptr_t)src, len);
	return 0;
}

static uint64_t args[6];

long shim_syscall(long (*handler)(void), uint64_t a0, uint64_t a1, uint64_t a2)
{
	args[0] = a0;
	args[1] = a1;
	args[2] = a2;
	return handler();
}

int arg_int(int n)
{
	return (int)args[n];
}

uint64_t arg_u64(int n)
{
	return args[n];
}

int arg_str(int n, char *buf, int max)
{
	return copyinstr(buf, args[n], (uint64_t)max);
}

int arg_fd(int n, int *fd_out, struct file **file_out)
{
	int fd = arg_int(n);
	if (fd < 0 || fd >= NOFILE || !shim_proc.ofile[fd])
		return -1;
	if (fd_out)
		*fd_out = fd;
	if (file_out)
		*file_out = shim_proc.ofile[fd];
	return 0;
}

/* --- memory --- */

long shim_live_allocs;
static long fail_countdown;

void shim_kmalloc_fail_at(long n)
{
	fail_countdown = n;
}

void *kmalloc(size_t size_bytes)
{
	if (fail_countdown > 0 && --fail_countdown == 0)
		return NULL;
	void *p = malloc(size_bytes);
	if (p)
		shim_live_allocs++;
	return p;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	shim_live_allocs--;
	free(ptr);
}

/* --- printing --- */

static char *log_text;
static size_t log_len, log_cap;

void shim_log_clear(void)
{
	log_len = 0;
	if (log_text)
		log_text[0] = '\0';
}

int shim_log_has(const char *needle)
{
	return log_text && strstr(log_text, needle) != NULL;
}

const char *shim_log(void)
{
	return log_text ? log_text : "";
}

void kvprintf(const char *fmt, va_list args_in)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line), fmt, args_in);
	if (n < 0)
		return;
	size_t len = strlen(line);
	if (log_len + len + 1 > log_cap) {
		log_cap = (log_len + len + 1) * 2;
		log_text = realloc(log_text, log_cap);
	}
	memcpy(log_text + log_len, line, len + 1);
	log_len += len;
	if (getenv("SHIM_VERBOSE"))
		fputs(line, stdout);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* --- the console device --- */

char shim_console_out[256];
int shim_console_out_len;

int console_write(int user_src, uint64_t src, int n)
{
	int room = (int)sizeof(shim_console_out) - shim_console_out_len;
	if (n > room)
		n = room;
	if (either_copyin(shim_console_out + shim_console_out_len, user_src, src, (uint64_t)n) < 0)
		return -1;
	shim_console_out_len += n;
	return n;
}

int console_read(int user_dst, uint64_t dst, int n)
{
	static const char line[] = "typed\n";
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	return either_copyout(user_dst, dst, line, (uint64_t)n) < 0 ? -1 : n;
}
