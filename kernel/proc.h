/*
 * kernel/proc.h - processes: what the rest of the kernel may use.
 *
 * There is no process table: a process is a kmalloc'd struct proc, on the
 * list of all processes and, when runnable, on one hart's run queue
 * (kernel/sched.c). Memory is the only limit on how many there are.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdint.h>

#include "context.h"
#include "mmap.h"
#include "param.h"
#include "spinlock.h"

struct file;
struct inode;
struct shm_attach;
struct trap_frame;

enum proc_state { PROC_NEW, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_ZOMBIE };

#define PROC_NAME_MAX 16

struct proc {
	struct spinlock lock;

	/* Under lock: */
	enum proc_state state;
	const void *chan; /* what it sleeps on, when SLEEPING */
	int killed;       /* set by kill(); the process exits at its next return to user */
	int xstate;       /* exit status, for the parent's wait() */
	int pid;
	int pgid; /* process group: Ctrl-C kills the console's foreground group */

	/* Under the wait lock (kernel/proc.c): the family. */
	struct proc *parent;
	struct proc *children;     /* first child */
	struct proc *sibling_next; /* next child of the same parent */
	/* Under the process list lock: */
	struct proc *all_next, *all_prev; /* every process */
	/* Under the sleep bucket's lock (kernel/sleep.c): */
	struct proc *sleep_next;
	int on_bucket;

	/* Owned by the process itself: */
	uint64_t *pagetable; /* Sv39 root, user half private, kernel half shared */
	uint64_t heap_end;   /* sbrk's break: user memory is [USER_TEXT_BASE, heap_end) + stack */
	uint64_t image_end;  /* end of the ELF segments: sbrk never shrinks below it */
	uint64_t resident;   /* user pages mapped (shared ones counted in each sharer) */
	uint64_t
		heap_resident; /* of those, heap pages (beyond image_end): what sbrk promised and gave */
	uintptr_t kstack_top;      /* this process's kernel stack (a guard page below it) */
	struct trap_frame *uframe; /* user registers, saved at the top of the kernel stack */
	struct context context;
	struct file *ofile[NOFILE];
	struct mmap_region mmaps[MMAP_MAX]; /* file-backed mappings (kernel/mmap.c) */
	struct shm_attach *shm;             /* named shared memory attached (kernel/shm.c) */
	struct inode *cwd;
	char name[PROC_NAME_MAX];
	// LAB(syscall) begin
	uint64_t trace_mask; /* trace(): bit n set prints each call numbered n (kernel/syscall.c) */
	// LAB(syscall) stub
	// // TODO(lab syscall): the mask trace() sets.
	// LAB(syscall) end

	/* Scheduler (kernel/sched.c): */
	struct proc *run_next;
	int home_hart;   /* the run queue it was last on */
	int hart;        /* hart id it runs on or last ran on */
	int intr_was_on; /* its hart's push_intr_off state, carried across a switch */
};

/* Boot hart, once: the sleep buckets and process bookkeeping. */
void proc_init(void);
/* Boot hart, once, after proc_init: makes the first process, which runs /init. */
void proc_start_init(void);

/* The process running on this hart, or NULL in the hart's scheduler. */
struct proc *myproc(void);

/* fork(): a copy-on-write child; its pid in the parent, or -1 when out of memory. */
int proc_fork(void);
/* exit(status): never returns. */
void proc_exit(int status) __attribute__((noreturn));
/* wait(&status): a child's pid once it exits (status copied to user addr if not 0), or -1. */
int proc_wait(uint64_t status_addr);
/* sbrk(n): grows or shrinks the heap; the old break, or -1. */
int64_t proc_grow(int64_t n);
/* Fills up to max procinfo entries (include/sysinfo.h) into the kernel buffer out; how many. */
struct procinfo;
int proc_list(struct procinfo *out, int max);
/* How many processes exist, zombies included. */
uint64_t proc_count(void);
/* setpgid: pid (0: the caller, else one of its children) leads a new group; its pgid, or -1. */
int proc_set_group(int pid);
/* The parent's pid (1 when the parent is gone). */
int proc_parent_pid(struct proc *p);
/* Stops the current process for a fault it cannot survive, with a message; never returns. */
void proc_fault(const char *cause, uint64_t pc, uint64_t addr, const char *why)
	__attribute__((noreturn));

/*
 * Atomically releases lk and sleeps on chan; reacquires lk when woken.
 * The caller must check its condition again (wakeups can be spurious).
 */
void sleep(const void *chan, struct spinlock *lk);
/* Wakes every process sleeping on chan. Must not be called holding a proc lock. */
void wakeup(const void *chan);
/* Boot hart, once (proc_init calls it). */
void sleep_init(void);

/* Marks pid killed (waking it if it sleeps); 0, or -1 if there is no such process. */
int proc_kill(int pid);
/* Kills every process of group pgid (Ctrl-C); the number killed. */
int proc_kill_group(int pgid);
/* Whether p has been killed (the caller gives up what it is doing and returns). */
int proc_killed(struct proc *p);
/* Prints every process (Ctrl-P): pid, state, name, hart. Never sleeps. */
void proc_dump(void);

#endif
