/*
 * kernel/sysproc.c - the system calls about processes, memory and time.
 */
#include "../include/sysinfo.h"
#include "../mm/frame.h"
#include "../mm/heap.h"
#include "hart.h"
#include "kalloc.h"
#include "kmalloc.h"
#include "mmap.h"
#include "pageref.h"
#include "proc.h"
#include "sched.h"
#include "smp.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"

long sys_fork(void)
{
	return proc_fork();
}

long sys_exit(void)
{
	proc_exit(arg_int(0));
}

/* The status is copied out under the wait lock: a mapped page for it is given first. */
long sys_wait(void)
{
	if (arg_u64(0))
		mmap_prefault(myproc(), arg_u64(0), sizeof(int), UVM_WRITE);
	return proc_wait(arg_u64(0));
}

long sys_getpid(void)
{
	return myproc()->pid;
}

long sys_getppid(void)
{
	return proc_parent_pid(myproc());
}

long sys_kill(void)
{
	return proc_kill(arg_int(0));
}

long sys_sbrk(void)
{
	return proc_grow(arg_int(0));
}

long sys_setpgid(void)
{
	return proc_set_group(arg_int(0));
}

/* sleep(n) and pause(n): n ticks of the kernel's 100 Hz clock; -1 if killed meanwhile. */
long sys_sleep(void)
{
	int n = arg_int(0);
	return sched_sleep_ticks(n > 0 ? (uint64_t)n : 0);
}

long sys_uptime(void)
{
	return (long)sched_ticks;
}

long sys_memstat(void)
{
	struct memstat m = { 0 };
	struct frame_allocator *fa = kalloc_frames();
	m.frames_total = frame_count_total(fa);
	m.frames_free = frame_count_free(fa);
	for (int i = 0; i < smp.kernel_count && i < SYSINFO_MAX_HARTS; i++) {
		struct frame_stats st;
		uint64_t id = smp.kernel[i];
		if (frame_hart_stats(fa, (uint32_t)id, &st))
			continue;
		m.hart_id[m.harts] = id;
		m.hart_cached[m.harts] = frame_hart_cached(fa, (uint32_t)id);
		m.hart_allocs[m.harts] = st.allocs;
		m.hart_frees[m.harts] = st.frees;
		m.harts++;
	}
	m.cow_shared = pageref_shared_frames();
	m.cow_copies = uvm_cow_copies();
	m.lazy_faults = uvm_lazy_faults();
	struct heap_stats hs;
	struct heap_fault fault = { 0 };
	push_intr_off(); /* a hart's arena is never re-entered (kernel/kmalloc.c) */
	int err = heap_stats(kmalloc_heap(), &hs, &fault);
	pop_intr_off();
	if (err == 0) {
		m.kheap_bytes_used = hs.used_payload_bytes;
		m.kheap_bytes_total = hs.total_bytes;
	}
	m.processes = proc_count();
	m.kernel_table_frames = vm_kernel_table_pages();
	/* The heap's frames, not its bytes / PAGE_SIZE: chunk headers would round one away. */
	m.kheap_frames = kmalloc_frames();
	m.frames_spare = m.frames_free + m.kheap_frames + m.kernel_table_frames;
	return copyout(arg_u64(0), &m, sizeof m);
}

long sys_procinfo(void)
{
	int max = arg_int(1);
	if (max < 0)
		return -1;
	if (max > 256)
		max = 256;
	struct procinfo *buf = kmalloc((uint64_t)(max ? max : 1) * sizeof *buf);
	if (!buf)
		return -1;
	int n = proc_list(buf, max);
	long result = copyout(arg_u64(0), buf, (uint64_t)n * sizeof *buf) < 0 ? -1 : n;
	kfree(buf);
	return result;
}

/* trace(mask): the calls to print after they return, for this process and its future children. */
long sys_trace(void)
{
	// LAB(syscall) begin
	int mask = arg_int(0);
	if (mask < 0) /* bit 31 and the sign's copies above it: no call has those numbers */
		return -1;
	myproc()->trace_mask = (uint64_t)mask;
	return 0;
	// LAB(syscall) stub
	// // TODO(lab syscall): set the caller's trace mask (labs/syscall/README.md).
	// return -1;
	// LAB(syscall) end
}

/* sysinfo(struct sysinfo *): free memory and the number of processes, copied out. */
long sys_sysinfo(void)
{
	// LAB(syscall) begin
	struct sysinfo info = {
		.freemem = frame_count_free(kalloc_frames()) * PAGE_SIZE,
		.nproc = proc_count(),
	};
	return copyout(arg_u64(0), &info, sizeof info);
	// LAB(syscall) stub
	// // TODO(lab syscall): fill a struct sysinfo and copy it out (labs/syscall/README.md).
	// return -1;
	// LAB(syscall) end
}
