/*
 * kernel/proc.c - process life: creation, fork, exit, wait, kill (proc.h).
 *
 * There is no process table. Every process is on one list of all
 * processes (for kill by pid, ps and Ctrl-P) and, through parent, children
 * and sibling_next, in a family tree that wait() and exit() walk.
 *
 * Locks, in the order they nest: wait_lock (the family tree), the process
 * list lock, a process's own lock, a run queue's lock. A parent frees a
 * zombie child only after taking the child's lock, which the child's hart
 * drops only once it has switched away from the child for good.
 */
#include "proc.h"

#include "../include/sysinfo.h"
#include "../include/user_layout.h"
#include "../lib/string.h"
#include "console.h"
#include "exec.h"
#include "file.h"
#include "fsys.h"
#include "hart.h"
#include "kmalloc.h"
#include "kalloc.h"
#include "kstack.h"
#include "log.h"
#include "mmap.h"
#include "panic.h"
#include "riscv.h"
#include "sched.h"
#include "shm.h"
#include "trap.h"
#include "uaccess.h"
#include "usertrap.h"
#include "uvm.h"
#include "vm.h"

static struct spinlock wait_lock = SPINLOCK_INIT("wait");
static struct spinlock list_lock = SPINLOCK_INIT("process list");
static struct proc *all_procs;
static uint64_t nprocs;
static int next_pid = 1;
static struct proc *init_proc;

/* Frames sbrk never promises away: what the kernel needs to keep running (stacks, tables). */
#define SBRK_KERNEL_RESERVE_FRAMES KERNEL_RESERVE_FRAMES

/*
 * The process is found from sp, not from the hart: a process preempted in
 * the kernel may resume on another hart between two instructions, but its
 * kernel stack goes with it. The top of every process's kernel stack holds
 * a pointer to it (proc_new); a stack outside the stack window is a hart's
 * own (boot, scheduler, idle): no process.
 */
struct proc *myproc(void)
{
	uintptr_t sp;
	asm volatile("mv %0, sp" : "=r"(sp));
	if (sp - KSTACK_VA_BASE >= KSTACK_VA_SIZE)
		return 0;
	uintptr_t top = (sp | (KSTACK_SLOT_BYTES - 1)) + 1;
	return *(struct proc **)(top - KSTACK_OWNER_BYTES);
}

void proc_init(void)
{
	sleep_init();
	sched_init();
}

static void list_add(struct proc *p)
{
	spin_lock(&list_lock);
	p->all_prev = 0;
	p->all_next = all_procs;
	if (all_procs)
		all_procs->all_prev = p;
	all_procs = p;
	nprocs++;
	spin_unlock(&list_lock);
}

static void list_remove(struct proc *p)
{
	spin_lock(&list_lock);
	if (p->all_prev)
		p->all_prev->all_next = p->all_next;
	else
		all_procs = p->all_next;
	if (p->all_next)
		p->all_next->all_prev = p->all_prev;
	nprocs--;
	spin_unlock(&list_lock);
}

/* Where a new process's kernel thread starts: see proc_new. */
static void first_return(void);

/*
 * A process with a pid, a kernel stack and an empty page table, in state
 * NEW; or NULL when memory runs out (nothing is left allocated then).
 */
static struct proc *proc_new(void)
{
	struct proc *p = kmalloc(sizeof *p);
	if (!p)
		return 0;
	memset(p, 0, sizeof *p);
	spin_init(&p->lock, "proc");
	p->kstack_top = kstack_alloc();
	p->pagetable = p->kstack_top ? uvm_create() : 0;
	if (!p->pagetable) {
		if (p->kstack_top)
			kstack_free(p->kstack_top);
		kfree(p);
		return 0;
	}
	*(struct proc **)(p->kstack_top - KSTACK_OWNER_BYTES) = p;
	p->uframe = (struct trap_frame *)(p->kstack_top - KSTACK_OWNER_BYTES -
					  sizeof(struct trap_frame));
	p->context.ra = (uint64_t)first_return;
	p->context.sp = (uint64_t)p->uframe;
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	p->pgid = p->pid;
	p->home_hart = (int)this_hartid();
	p->hart = p->home_hart;
	return p;
}

/* Frees everything p holds but its files (already closed). p is on no list. */
static void proc_free(struct proc *p)
{
	uvm_free(p->pagetable);
	kstack_free(p->kstack_top);
	kfree(p);
}

static void first_return(void)
{
	struct proc *p = myproc();
	spin_unlock(&p->lock); /* the scheduler took it to switch here */
	if (p == init_proc && !p->cwd) {
		/* The first process: the file system needs a process to sleep in. */
		if (fs_init() != 0)
			panic("init: no file system to run /init from (see the disk and fs lines above)");
		p->cwd = namei("/");
		if (!p->cwd)
			panic("init: the file system has no root directory");
		char *argv[] = { "init", 0 };
		int err = exec_kernel("/init", argv);
		if (err < 0)
			panic("init: exec /init failed (%d)", err);
	}
	user_return();
}

void proc_start_init(void)
{
	struct proc *p = proc_new();
	if (!p)
		panic("init: no memory for the first process");
	strlcpy(p->name, "init", sizeof p->name);
	init_proc = p;
	list_add(p);
	spin_lock(&p->lock);
	sched_make_runnable(p);
	spin_unlock(&p->lock);
}

static void add_child(struct proc *parent, struct proc *child)
{
	child->parent = parent;
	child->sibling_next = parent->children;
	parent->children = child;
}

int proc_fork(void)
{
	struct proc *parent = myproc();
	struct proc *child = proc_new();
	if (!child)
		return -1;
	if (uvm_share_cow(parent->pagetable, child->pagetable) ||
	    uvm_set_info(child->pagetable, child->pid, parent->name) || shm_fork(parent, child)) {
		sfence_vma_all(); /* the parent's pages that did become copy-on-write */
		proc_free(child);
		return -1;
	}
	sfence_vma_all();
	child->heap_end = parent->heap_end;
	child->image_end = parent->image_end;
	child->resident = parent->resident;
	child->heap_resident = parent->heap_resident;
	*child->uframe = *parent->uframe;
	child->uframe->a0 = 0; /* fork returns 0 in the child */
	for (int fd = 0; fd < NOFILE; fd++)
		if (parent->ofile[fd])
			child->ofile[fd] = file_dup(parent->ofile[fd]);
	mmap_fork(parent, child);
	child->cwd = parent->cwd ? inode_dup(parent->cwd) : 0;
	memcpy(child->name, parent->name, sizeof child->name);
	child->pgid = parent->pgid;
	// LAB(syscall) begin
	child->trace_mask = parent->trace_mask; /* a traced program's children are traced too */
	// LAB(syscall) stub
	// // TODO(lab syscall): the child inherits the trace mask.
	// LAB(syscall) end
	int pid = child->pid;

	spin_lock(&wait_lock);
	add_child(parent, child);
	spin_unlock(&wait_lock);
	list_add(child);
	spin_lock(&child->lock);
	sched_make_runnable(child);
	spin_unlock(&child->lock);
	return pid;
}

void proc_exit(int status)
{
	struct proc *p = myproc();
	if (p == init_proc)
		panic("init exited (status %d)", status);
	mmap_release(p); /* written back while the page table still maps the pages */
	shm_release(p);
	for (int fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd]) {
			file_close(p->ofile[fd]);
			p->ofile[fd] = 0;
		}
	}
	if (p->cwd) {
		log_begin_op();
		inode_put(p->cwd);
		log_end_op();
		p->cwd = 0;
	}

	spin_lock(&wait_lock);
	/* Orphans go to init, which reaps them. */
	int gave = 0;
	while (p->children) {
		struct proc *c = p->children;
		p->children = c->sibling_next;
		add_child(init_proc, c);
		gave = 1;
	}
	if (gave)
		wakeup(init_proc);
	wakeup(p->parent);
	spin_lock(&p->lock);
	p->xstate = status;
	p->state = PROC_ZOMBIE;
	spin_unlock(&wait_lock); /* the parent may look now; it frees p only after p's lock */
	sched();
	panic("exit: zombie pid %d ran again", p->pid);
}

int proc_wait(uint64_t status_addr)
{
	struct proc *p = myproc();
	spin_lock(&wait_lock);
	for (;;) {
		if (!p->children) {
			spin_unlock(&wait_lock);
			return -1;
		}
		for (struct proc **link = &p->children; *link; link = &(*link)->sibling_next) {
			struct proc *c = *link;
			spin_lock(&c->lock);
			if (c->state != PROC_ZOMBIE) {
				spin_unlock(&c->lock);
				continue;
			}
			int pid = c->pid, status = c->xstate;
			spin_unlock(&c->lock);
			if (status_addr && copyout(status_addr, &status, sizeof status) < 0) {
				spin_unlock(&wait_lock);
				return -1; /* the zombie stays, for a wait with a good pointer */
			}
			*link = c->sibling_next;
			spin_unlock(&wait_lock);
			list_remove(c);
			proc_free(c);
			return pid;
		}
		if (proc_killed(p)) {
			spin_unlock(&wait_lock);
			return -1;
		}
		sleep(p, &wait_lock);
	}
}

int64_t proc_grow(int64_t n)
{
	struct proc *p = myproc();
	uint64_t old = p->heap_end;
	if (n > 0) {
		uint64_t end = old + (uint64_t)n;
		if (end < old || end > mmap_floor(p) || end > shm_floor(p))
			return -1;
		// LAB(lazy) begin
		/*
		 * Lazy, but never promised beyond what memory could give now: every
		 * heap page not yet backed, its page tables, and a reserve the kernel
		 * keeps for itself, so a program that touches all it was given is
		 * not killed for it (sbrk says -1 first).
		 */
		uint64_t unbacked =
			(end - p->image_end + PAGE_SIZE - 1) / PAGE_SIZE - p->heap_resident;
		uint64_t need = unbacked + unbacked / 512 + 2 + SBRK_KERNEL_RESERVE_FRAMES;
		if (need > kalloc_free_frames())
			return -1;
		// LAB(lazy) stub
		// /* TODO(lab lazy): move the break only; uvm_resolve gives each page on first touch. */
		// for (uint64_t va = (old + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE) {
		// 	if (!uvm_map_fresh(p->pagetable, va, PTE_R | PTE_W)) {
		// 		uvm_unmap_range(p, old, va); /* all or nothing */
		// 		return -1;
		// 	}
		// 	p->resident++;
		// 	p->heap_resident++;
		// }
		// LAB(lazy) end
		p->heap_end = end;
	} else if (n < 0) {
		uint64_t shrink = (uint64_t)(-n);
		if (shrink > old - p->image_end)
			return -1;
		p->heap_end = old - shrink;
		uvm_unmap_range(p, p->heap_end, old);
		sfence_vma_all();
	}
	return (int64_t)old;
}

int proc_killed(struct proc *p)
{
	return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}

/* Marks p killed and wakes it if it sleeps. Caller holds p->lock. */
static void kill_locked(struct proc *p)
{
	__atomic_store_n(&p->killed, 1, __ATOMIC_RELEASE);
	if (p->state == PROC_SLEEPING)
		sched_make_runnable(p);
}

int proc_kill(int pid)
{
	int found = -1;
	spin_lock(&list_lock);
	for (struct proc *p = all_procs; p; p = p->all_next) {
		if (p->pid != pid)
			continue;
		spin_lock(&p->lock);
		if (p->state != PROC_ZOMBIE) {
			kill_locked(p);
			found = 0;
		}
		spin_unlock(&p->lock);
		break;
	}
	spin_unlock(&list_lock);
	return found;
}

int proc_kill_group(int pgid)
{
	int killed = 0;
	if (pgid <= 0)
		return 0;
	spin_lock(&list_lock);
	for (struct proc *p = all_procs; p; p = p->all_next) {
		spin_lock(&p->lock);
		if (p->pgid == pgid && p != init_proc && p->state != PROC_ZOMBIE) {
			kill_locked(p);
			killed++;
		}
		spin_unlock(&p->lock);
	}
	spin_unlock(&list_lock);
	return killed;
}

int proc_set_group(int pid)
{
	struct proc *me = myproc();
	if (pid == 0 || pid == me->pid) {
		me->pgid = me->pid;
		return me->pid;
	}
	int result = -1;
	spin_lock(&wait_lock);
	for (struct proc *c = me->children; c; c = c->sibling_next) {
		if (c->pid == pid) {
			spin_lock(&c->lock);
			c->pgid = c->pid;
			spin_unlock(&c->lock);
			result = c->pid;
			break;
		}
	}
	spin_unlock(&wait_lock);
	return result;
}

int proc_parent_pid(struct proc *p)
{
	spin_lock(&wait_lock);
	int pid = p->parent ? p->parent->pid : 1;
	spin_unlock(&wait_lock);
	return pid;
}

static const char *state_name(enum proc_state s)
{
	static const char *const names[] = { "new", "runnable", "running", "sleeping", "zombie" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

void proc_dump(void)
{
	/* Ctrl-P from the UART interrupt: no sleeping, and the list lock only. */
	kprintf("\n  pid  ppid  state     hart  name\n");
	spin_lock(&list_lock);
	for (struct proc *p = all_procs; p; p = p->all_next)
		kprintf("%5d %5d  %-9s %4d  %s\n", p->pid, p->parent ? p->parent->pid : 0,
			state_name(p->state), p->hart, p->name);
	spin_unlock(&list_lock);
}

int proc_list(struct procinfo *out, int max)
{
	int n = 0;
	spin_lock(&list_lock);
	for (struct proc *p = all_procs; p && n < max; p = p->all_next, n++) {
		struct procinfo *info = &out[n];
		memset(info, 0, sizeof *info);
		info->pid = p->pid;
		info->ppid = p->parent ? p->parent->pid : 0;
		info->state = (int32_t)p->state;
		info->hart = p->hart;
		info->size_bytes = p->heap_end;
		memcpy(info->name, p->name, sizeof info->name);
		info->name[PROCINFO_NAME_MAX - 1] = 0;
	}
	spin_unlock(&list_lock);
	return n;
}

uint64_t proc_count(void)
{
	return __atomic_load_n(&nprocs, __ATOMIC_RELAXED);
}

void proc_fault(const char *cause, uint64_t pc, uint64_t addr, const char *why)
{
	struct proc *p = myproc();
	kprintf("magma: pid %d (%s) killed: %s at pc 0x%lx, address 0x%lx: %s\n", p->pid, p->name,
		cause, pc, addr, why);
	proc_exit(-1);
}
