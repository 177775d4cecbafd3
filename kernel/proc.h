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

#include "param.h"
#include "spinlock.h"

struct file;
struct inode;
struct trap_frame;

enum proc_state { PROC_NEW, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_ZOMBIE };

/* Callee-saved registers, what sched_switch() saves and restores. */
struct context {
	uint64_t ra, sp;
	uint64_t s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

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

	/* Under the global process lock (kernel/proc.c): */
	struct proc *parent;
	struct proc *all_next, *all_prev; /* every process */

	/* Owned by the process itself: */
	uint64_t *pagetable;   /* Sv39 root, user half private, kernel half shared */
	uint64_t heap_end;     /* sbrk's break: user memory is [USER_TEXT_BASE, heap_end) + stack */
	uint64_t image_end;    /* end of the ELF segments: sbrk never shrinks below it */
	uintptr_t kstack_top;  /* this process's kernel stack (a guard page below it) */
	struct trap_frame *uframe; /* user registers, saved at the top of the kernel stack */
	struct context context;
	struct file *ofile[NOFILE];
	struct inode *cwd;
	char name[PROC_NAME_MAX];

	/* Scheduler (kernel/sched.c): */
	struct proc *run_next;
	int home_hart; /* the run queue it was last on */
};

/* The process running on this hart, or NULL in the hart's scheduler. */
struct proc *myproc(void);

/*
 * Atomically releases lk and sleeps on chan; reacquires lk when woken.
 * The caller must check its condition again (wakeups can be spurious).
 */
void sleep(const void *chan, struct spinlock *lk);
/* Wakes every process sleeping on chan. Must not be called holding a proc lock. */
void wakeup(const void *chan);

/* Marks pid killed (waking it if it sleeps); 0, or -1 if there is no such process. */
int proc_kill(int pid);
/* Kills every process of group pgid (Ctrl-C); the number killed. */
int proc_kill_group(int pgid);
/* Whether p has been killed (the caller gives up what it is doing and returns). */
int proc_killed(struct proc *p);
/* Prints every process (Ctrl-P): pid, state, name, hart. Never sleeps. */
void proc_dump(void);

#endif
