/*
 * user/usertests.h - what the files of usertests share: the test table,
 * the failure macros and a few helpers (user/usertests.c).
 *
 * Each test runs in a child of the runner, so a test that crashes fails
 * alone. A test passes by returning; it fails by FAIL()/CHECK(), which print
 * "test NAME: FAILED (why)" and exit with UT_REPORTED. The runner decides
 * pass or fail from the child's exit status and memstat's figures, never
 * from anything a test prints.
 */
#ifndef USER_USERTESTS_H
#define USER_USERTESTS_H

#include "kernel/types.h"
#include "include/sysinfo.h"

#define PGSIZE       4096
#define PGROUNDUP(a) (((uint64)(a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))

/* procinfo's state values that tests look for (include/sysinfo.h) */
#define PROCINFO_RUNNING  2
#define PROCINFO_SLEEPING 3

/* The exit status of a child that FAIL() ended: it has said why already. */
#define UT_REPORTED 97
/* The wait() status of a process the kernel killed (kill(), a bad fault). */
#define UT_KILLED (-1)
/* Where the runner finds itself on the disk, for the tests that exec it. */
#define UT_SELF "/usertests"
/*
 * `usertests -exec-helper WHAT ...` is not a test run: the exec tests run
 * it to look at what exec gave them (usertests_exec.c). Its exit status.
 */
#define UT_EXEC_HELPER "-exec-helper"
int ut_exec_helper(int argc, char **argv);

struct ut_test {
	const char *name;
	void (*fn)(void);
	int quick;         /* part of `usertests -q` */
	int limit_seconds; /* the watchdog kills the test after this (0: the default) */
};

/* The tables of the usertests_*.c files, each ended by an entry with no name. */
extern const struct ut_test ut_proc_tests[];
extern const struct ut_test ut_mem_tests[];
extern const struct ut_test ut_uaccess_tests[];
extern const struct ut_test ut_exec_tests[];
extern const struct ut_test ut_pipe_tests[];
extern const struct ut_test ut_fs_tests[];
extern const struct ut_test ut_shm_tests[];

/* The name of the test this process runs (for failure lines). */
extern const char *ut_current;

/* Prints "test NAME: FAILED (msg)" and exits with UT_REPORTED. */
void ut_fail(const char *msg) __attribute__((noreturn));

#define FAIL(...)                                               \
	do {                                                    \
		char ut_msg_[200];                              \
		snprintf(ut_msg_, sizeof ut_msg_, __VA_ARGS__); \
		ut_fail(ut_msg_);                               \
	} while (0)

#define CHECK(cond, ...)                   \
	do {                               \
		if (!(cond))               \
			FAIL(__VA_ARGS__); \
	} while (0)

/* fork(), failing the test when it returns -1. */
int ut_fork(void);
/* Waits for child pid (which must be the next to exit among the caller's children); its status. */
int ut_wait(int pid);
/* ut_wait(pid), passing on a child's own failure, and failing unless it exited 0. */
void ut_wait_ok(int pid, const char *what);
/* Runs fn(arg) in a child that then exits 0; the child's exit status. */
int ut_in_child(void (*fn)(void *), void *arg);
/* Like ut_in_child, and fails the test (saying what) unless the kernel killed the child. */
void ut_expect_killed(void (*fn)(void *), void *arg, const char *what);
/* Reaps every child the caller has left; how many. */
int ut_reap_all(void);

/* Waits until process pid sleeps in the kernel (procinfo says so); fails the test if it never does. */
void ut_until_sleeping(int pid);
/* procinfo's entry for pid into *out; 1, or 0 if there is no such process. */
int ut_procinfo_of(int pid, struct procinfo *out);

/* memstat(), failing the test when it returns -1. */
void ut_memstat(struct memstat *ms);
/*
 * Frames that neither a process nor a live kernel object holds: the free
 * ones, and those the kernel heap and the kernel's page tables keep for
 * reuse (memstat's frames_spare), so a cache that grows is no leak; what
 * the kernel heap has handed out is kheap_bytes_used, which the runner
 * checks on its own.
 */
static inline uint64 ut_spare(const struct memstat *ms)
{
	return ms->frames_spare;
}
uint64 ut_spare_frames(void);

/* Grows the break to a page boundary with a whole page of heap below it; the new break. */
uint64 ut_heap_end(void);

/*
 * Fills out[] (room for UT_MAX_BAD) with addresses that no system call may
 * take for a buffer it reads (UT_BAD_SOURCE) or writes (UT_BAD_TARGET: adds
 * the read-only text and root range) of 2 bytes or more, or for a string
 * (UT_BAD_STRING: each is unmapped or runs into unmapped memory before a
 * NUL); how many. Every such call must return -1 for each of them. Moves
 * the break (ut_heap_end) and writes the heap's last byte.
 */
#define UT_BAD_SOURCE 0
#define UT_BAD_TARGET 1
#define UT_BAD_STRING 2
#define UT_MAX_BAD    24
int ut_bad_addrs(int kind, uint64 *out);

/* Creates (truncating) path with n bytes of data; fails the test on error. */
void ut_write_file(const char *path, const void *data, int n);
/* Byte i of the test pattern with the given seed. */
static inline uchar ut_pattern(uint64 seed, uint64 i)
{
	return (uchar)((i * 131 + seed * 7 + (i >> 9)) ^ (seed >> 3));
}

#endif
