/*
 * tests/shim/shim.h - the kernel's surroundings, on the host, for the file-system tests.
 *
 * kernel/bio.c, log.c, fs.c, file.c, pipe.c and sysfile.c compile unchanged
 * against the kernel's own headers; shim.c supplies what they call: a disk
 * backed by a memory image (every write and flush can be recorded, for
 * crash tests), one single-threaded process with a fake user memory and
 * system call arguments, spinlocks and sleep locks that abort on a
 * deadlock, sleep that runs a test hook (there is no other process to wake
 * it), kmalloc with failure injection and a live count, kprintf into a log
 * the test can search, and panic that aborts the test.
 */
#ifndef TESTS_SHIM_H
#define TESTS_SHIM_H

#include <stddef.h>
#include <stdint.h>

struct proc;

/* --- the disk --- */

extern uint8_t *shim_disk; /* shim_disk_blocks * FS_BLOCK_SIZE bytes */
extern uint64_t shim_disk_blocks;
extern uint64_t shim_disk_reads, shim_disk_writes, shim_disk_flushes;
/*
 * Requests for blocks at or past shim_disk_limit (when not 0), or past the
 * disk's end, are a test failure: the shim prints them and aborts. A test
 * of a file system smaller than its disk sets it to the file system's size.
 */
extern uint64_t shim_disk_limit;

/* A fresh zeroed disk of nblocks blocks (the old one is freed). */
void shim_disk_create(uint64_t nblocks);
/* Replaces the disk's bytes with a copy of image (same size). */
void shim_disk_load(const uint8_t *image);
/* Writes one block of the disk directly, as the device would (not recorded, marked dirty). */
void shim_disk_put(uint32_t blockno, const void *data, size_t bytes);
/* Copies back from image only the blocks written since the last load or revert. */
void shim_disk_revert(const uint8_t *image);
/* Writes bytes at byte offset off, as a device writing sectors would (not recorded, marked dirty). */
void shim_disk_put_bytes(uint64_t off, const void *data, size_t bytes);

/* One device request, as recorded. */
struct shim_disk_event {
	int is_flush;
	uint32_t blockno;
	uint8_t *data; /* the block written (NULL for a flush) */
};
/* Starts recording requests (dropping any recorded before). */
void shim_disk_record(void);
/* Stops recording; the events since shim_disk_record, count in *n. Valid until the next record. */
struct shim_disk_event *shim_disk_recorded(size_t *n);
/* The events recorded so far, recording going on; valid until the next event or record. */
const struct shim_disk_event *shim_disk_recording(size_t *n);

/* --- the process and its user memory --- */

extern struct proc shim_proc;
#define SHIM_USER_BYTES (2u << 20)
extern uint8_t
	*shim_user; /* copyin/copyout accept exactly [shim_user, shim_user + SHIM_USER_BYTES) */

/* The user address of byte off of the user memory. */
uint64_t shim_uva(size_t off);
/* Copies the string s into the user memory at off; its user address. */
uint64_t shim_ustr(size_t off, const char *s);
/* Calls a system call handler with up to three arguments in a0..a2. */
long shim_syscall(long (*handler)(void), uint64_t a0, uint64_t a1, uint64_t a2);

/* Called by sleep() (after releasing its lock) instead of blocking; NULL: sleep aborts. */
extern void (*shim_sleep_hook)(const void *chan);
extern uint64_t shim_wakeups; /* wakeup() calls */

/* --- memory --- */

extern long shim_live_allocs; /* kmalloc'd blocks not yet freed */
/* Makes the n-th kmalloc from now fail (1: the next one); 0 turns failures off. */
void shim_kmalloc_fail_at(long n);

/* --- the kernel log --- */

/* Forgets what kprintf printed so far. */
void shim_log_clear(void);
/* Whether kprintf printed text containing needle since the last clear. */
int shim_log_has(const char *needle);
/* Everything printed since the last clear. */
const char *shim_log(void);

/* Console device: what console_write received, and what console_read will return. */
extern char shim_console_out[256];
extern int shim_console_out_len;

#endif
