/*
 * kernel/trap.c - dispatch of S-mode interrupts and exceptions.
 *
 * Interrupts go to the timer, the IPI code or the interrupt controller.
 * Exceptions are either an expected probe (resume at its fixup), an access
 * fault that PMP raised on guard memory (a panic that says so), or a bug
 * (a panic with the cause, pc and address).
 */
#include "trap.h"

#include "console.h"
#include "hart.h"
#include "intr.h"
#include "ipi.h"
#include "kmalloc.h"
#include "kstack.h"
#include "../include/user_layout.h"
#include "panic.h"
#include "pmp.h"
#include "probe.h"
#include "proc.h"
#include "sched.h"
#include "riscv.h"
#include "sbi.h"
#include "timer.h"
#include "vm.h"

extern char kernel_vector[];

void trap_init_hart(void)
{
	csr_write(stvec, (uint64_t)kernel_vector);
}

const char *trap_cause_name(uint64_t scause)
{
	static const char *const names[] = {
		[EXC_INST_MISALIGNED] = "instruction address misaligned",
		[EXC_INST_ACCESS] = "instruction access fault",
		[EXC_ILLEGAL_INST] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[4] = "load address misaligned",
		[EXC_LOAD_ACCESS] = "load access fault",
		[6] = "store address misaligned",
		[EXC_STORE_ACCESS] = "store access fault",
		[EXC_ECALL_U] = "ecall from U-mode",
		[9] = "ecall from S-mode",
		[EXC_INST_PAGE] = "instruction page fault",
		[EXC_LOAD_PAGE] = "load page fault",
		[EXC_STORE_PAGE] = "store page fault",
	};
	if (scause < sizeof(names) / sizeof(names[0]) && names[scause])
		return names[scause];
	return "unknown exception";
}

/* Prints through SBI, touching no lock and no memory but the stack, then halts. */
static void double_fault(uint64_t scause, uint64_t pc, uint64_t stval)
{
	static const char hex[] = "0123456789abcdef";
	const char *msg = "\npanic: double fault: scause, pc, stval = ";
	while (*msg)
		sbi_console_putchar(*msg++);
	uint64_t values[3] = { scause, pc, stval };
	for (int v = 0; v < 3; v++) {
		sbi_console_putchar(' ');
		for (int shift = 60; shift >= 0; shift -= 4)
			sbi_console_putchar(hex[(values[v] >> shift) & 0xf]);
	}
	sbi_console_putchar('\n');
	halt();
}

void trap_handle_interrupt(uint64_t code)
{
	switch (code) {
	case IRQ_S_TIMER: timer_tick(); break;
	case IRQ_S_SOFT:
		csr_clear(sip, SIE_SSIE);
		ipi_receive();
		break;
	case IRQ_S_EXT: intr_handle_external(); break;
	default: panic("unexpected interrupt %lu (scause 0x%lx)", code, csr_read(scause));
	}
}

void kernel_trap(struct trap_frame *frame)
{
	uint64_t scause = csr_read(scause);
	uint64_t stval = csr_read(stval);

	if (scause & SCAUSE_INTERRUPT) {
		uint64_t code = scause & ~SCAUSE_INTERRUPT;
		trap_handle_interrupt(code);
		/* A process in the kernel is preempted too, unless it holds a lock. */
		if (code == IRQ_S_TIMER && myproc() && this_hart()->push_depth == 0 &&
		    myproc()->state == PROC_RUNNING)
			yield();
		return;
	}

	uintptr_t fixup = probe_fixup(frame->sepc);
	if (fixup) {
		frame->a0 = scause;
		frame->a1 = stval;
		frame->sepc = fixup;
		return;
	}

	/* A new heap page this hart's TLB still remembers as invalid: flush and retry. */
	if ((scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE) && kmalloc_in_window(stval) &&
	    vm_kernel_translate(stval) != VM_NO_MAPPING) {
		sfence_vma_page(stval);
		return;
	}

	/* A fault while reporting a fault: print the bare facts without help and stop. */
	if (this_hart()->exception_depth++ > 0)
		double_fault(scause, frame->sepc, stval);
	pmp_explain_fault(scause, stval, frame->sepc);
	struct proc *p = myproc();
	if (kstack_is_guard(stval))
		panic("kernel stack overflow: %s at pc 0x%lx, stval 0x%lx in a stack's guard page "
		      "(pid %d)",
		      trap_cause_name(scause), frame->sepc, stval, p ? p->pid : -1);
	if (p && stval < USER_TOP)
		panic("kernel touched user address 0x%lx directly (%s at pc 0x%lx, pid %d %s): user "
		      "memory is reached only through copyin/copyout",
		      stval, trap_cause_name(scause), frame->sepc, p->pid, p->name);
	panic("%s (scause %lu) at pc 0x%lx, stval 0x%lx", trap_cause_name(scause), scause,
	      frame->sepc, stval);
}
