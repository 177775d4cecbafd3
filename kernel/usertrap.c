/*
 * kernel/usertrap.c - what happens when user code traps (usertrap.h).
 *
 * A system call, a device or timer interrupt, or a fault. A page fault is
 * first offered to uvm_resolve (a lazy page, a copy-on-write copy); any
 * fault it cannot answer kills only the faulting process, with a line
 * naming the process, pc, address and cause. So does an access fault: the
 * page table allowed the access and PMP refused it (pmp.h says why). A
 * killed process exits at its next return to user mode.
 */
#include "usertrap.h"

#include "../include/layout.h"
#include "../include/user_layout.h"
#include "hart.h"
#include "panic.h"
#include "pmp.h"
#include "proc.h"
#include "riscv.h"
#include "sched.h"
#include "syscall_dispatch.h"
#include "trap.h"
#include "uvm.h"

extern void user_resume(struct trap_frame *frame) __attribute__((noreturn));

static int access_of(uint64_t scause)
{
	switch (scause) {
	case EXC_INST_PAGE: return UVM_EXEC;
	case EXC_LOAD_PAGE: return UVM_READ;
	default: return UVM_WRITE;
	}
}

/* Why a fault could not be answered, in the words a student needs. */
static const char *explain(uint64_t va, int err)
{
	if (va - USER_ROOT_VA < MAGMA_ROOT_SIZE && err == UVM_ERR_PROTECTION)
		return "the root range is read-only";
	if (va >= USER_STACK_GUARD && va < USER_STACK_TOP - USER_STACK_SIZE)
		return "the stack's guard page (stack overflow)";
	if (va < 0x1000)
		return "a NULL pointer";
	return uvm_strerror(err);
}

void user_trap(struct trap_frame *frame)
{
	struct proc *p = myproc();
	uint64_t scause = csr_read(scause);
	uint64_t stval = csr_read(stval);

	if (scause & SCAUSE_INTERRUPT) {
		uint64_t code = scause & ~SCAUSE_INTERRUPT;
		trap_handle_interrupt(code);
		if (code == IRQ_S_TIMER)
			yield();
	} else if (scause == EXC_ECALL_U) {
		frame->sepc += 4;
		if (proc_killed(p))
			proc_exit(-1);
		intr_on();
		syscall_dispatch(p, frame);
	} else if (scause == EXC_INST_PAGE || scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE) {
		int err = uvm_resolve(p, stval, access_of(scause), 0);
		if (err)
			proc_fault(trap_cause_name(scause), frame->sepc, stval,
				   explain(stval, err));
	} else if (scause == EXC_INST_ACCESS || scause == EXC_LOAD_ACCESS ||
		   scause == EXC_STORE_ACCESS) {
		// LAB(pmp) begin
		/* The page table allowed it and PMP did not: only the process pays. */
		char why[160];
		proc_fault(trap_cause_name(scause), frame->sepc, stval,
			   pmp_explain_user_fault(p->pagetable, stval, why, sizeof(why)));
		// LAB(pmp) stub
		// /* TODO(lab pmp): kill only the process, naming the address and why. */
		// panic("user_trap: %s (scause %lu) at pc 0x%lx, address 0x%lx: a process's access "
		//       "fault is not handled yet",
		//       trap_cause_name(scause), scause, frame->sepc, stval);
		// LAB(pmp) end
	} else {
		proc_fault(trap_cause_name(scause), frame->sepc, stval,
			   scause == EXC_ILLEGAL_INST ? "not an instruction user code may run"
						      : "not allowed in user mode");
	}
	if (proc_killed(p))
		proc_exit(-1);
	user_return();
}

void user_return(void)
{
	struct proc *p = myproc();
	intr_off();
	struct trap_frame *frame = p->uframe;
	uint64_t sstatus = frame->sstatus;
	sstatus &= ~SSTATUS_SPP; /* to user mode */
	sstatus |= SSTATUS_SPIE; /* with interrupts on */
	/*
	 * Never on before the sret: sscratch already names the user frame, so an
	 * interrupt taken in between would be mistaken for one from user mode
	 * (exec saves sstatus while interrupts are on, so its SIE may be set).
	 */
	sstatus &= ~SSTATUS_SIE;
	sstatus &= ~SSTATUS_SUM;
	frame->sstatus = sstatus;
	user_resume(frame);
}
