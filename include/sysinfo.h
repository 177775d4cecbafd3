/*
 * include/sysinfo.h - what magma's own system calls report to user space:
 * memstat() for the memstat tool and usertests' leak checks, procinfo() for ps,
 * sysinfo() for lab syscall.
 *
 * Shared by the kernel and user/ (user programs include "include/sysinfo.h").
 */
#ifndef MAGMA_SYSINFO_H
#define MAGMA_SYSINFO_H

#include <stdint.h>

#define SYSINFO_MAX_HARTS 16

struct memstat {
	uint64_t frames_total; /* frames the allocator manages */
	uint64_t frames_free;  /* free now, in the shared pool and every hart's cache */
	uint32_t harts;        /* entries used in the per-hart arrays */
	uint32_t pad;
	uint64_t hart_id[SYSINFO_MAX_HARTS];
	uint64_t hart_cached[SYSINFO_MAX_HARTS]; /* free frames in that hart's cache */
	uint64_t hart_allocs[SYSINFO_MAX_HARTS]; /* frames that hart has handed out */
	uint64_t hart_frees[SYSINFO_MAX_HARTS];
	uint64_t cow_shared;          /* frames mapped copy-on-write by more than one process */
	uint64_t cow_copies;          /* write faults that copied a shared frame */
	uint64_t lazy_faults;         /* pages given on first touch */
	uint64_t kheap_bytes_used;    /* kmalloc: payload bytes in use */
	uint64_t kheap_bytes_total;   /* kmalloc: bytes the heap spans */
	uint64_t processes;           /* processes that exist, zombies included */
	uint64_t kernel_table_frames; /* page tables of the kernel's half (never freed: reused) */
	/*
	 * Frames the kernel could hand out again: free ones, plus those the kernel
	 * heap and the kernel's page tables keep for reuse. A leak check compares
	 * this before and after: it does not move when a cache grows.
	 */
	uint64_t frames_spare;
	uint64_t
		kheap_frames; /* kmalloc: frames mapped for the heap (its bytes and their headers) */
};

/* What sysinfo() fills in (lab syscall, labs/syscall/README.md). */
struct sysinfo {
	uint64_t freemem; /* bytes of free memory: the free frames' bytes */
	uint64_t nproc;   /* processes that exist, zombies included */
};

/* The page at USER_INFO_VA (include/user_layout.h), written by the kernel at fork and exec. */
struct user_info {
	int32_t pid;
	int32_t pad;
	char name[16]; /* the program's name, NUL-terminated: what gdb's user-break compares */
};

#define PROCINFO_NAME_MAX 16
struct procinfo {
	int32_t pid;
	int32_t ppid;
	int32_t state;       /* 0 new, 1 runnable, 2 running, 3 sleeping, 4 zombie */
	int32_t hart;        /* hart it runs on or last ran on */
	uint64_t size_bytes; /* user memory: heap_end */
	char name[PROCINFO_NAME_MAX];
};

#endif
