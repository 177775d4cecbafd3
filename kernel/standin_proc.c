/*
 * kernel/standin_proc.c - TEMPORARY weak stand-ins for the process core.
 *
 * The lead writes kernel/proc.c, uaccess.c and syscall.c in parallel; until
 * they are on main, these let the drivers on this branch (virtio_blk.c,
 * console.c) link and run in boot context, where myproc() is NULL. Every
 * definition is weak, so the real one wins as soon as it is linked in; this
 * file is then deleted. Nothing here is meant to survive the merge.
 */
#include "../lib/string.h"
#include "console.h"
#include "panic.h"
#include "proc.h"
#include "syscall.h"
#include "uaccess.h"

__attribute__((weak)) struct proc *myproc(void)
{
	return 0;
}

__attribute__((weak)) void sleep(const void *chan, struct spinlock *lk)
{
	(void)lk;
	panic("stand-in sleep(0x%lx): there are no processes yet", (uintptr_t)chan);
}

__attribute__((weak)) void wakeup(const void *chan)
{
	(void)chan; /* nobody can be asleep */
}

__attribute__((weak)) int proc_kill_group(int pgid)
{
	(void)pgid;
	return 0;
}

__attribute__((weak)) int proc_killed(struct proc *p)
{
	(void)p;
	return 0;
}

__attribute__((weak)) void proc_dump(void)
{
	kprintf("magma: no processes (stand-in proc_dump)\n");
}

__attribute__((weak)) int either_copyout(int user_dst, uint64_t dst, const void *src, uint64_t len)
{
	if (user_dst)
		return -1;
	memmove((void *)dst, src, len);
	return 0;
}

__attribute__((weak)) int either_copyin(void *dst, int user_src, uint64_t src, uint64_t len)
{
	if (user_src)
		return -1;
	memmove(dst, (const void *)src, len);
	return 0;
}

__attribute__((weak)) int arg_int(int n)
{
	panic("stand-in arg_int(%d): there are no system calls yet", n);
}
