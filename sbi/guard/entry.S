# sbi/guard/entry.S - where OpenSBI starts the guard hart, and its fault vector.
#
# a0 = hart id; a1 (the kernel's tree) is ignored: the guard reads its own copy
# (own_tree.h). The stack is the top of guard private.

	.section .text.entry
	.globl _start
_start:
	la sp, __guard_stack_top
	mv s0, zero
	call guard_main
1:	wfi
	j 1b

# Any exception in the guard is a bug: report it and park (guard_fault never
# returns, so nothing is saved). Interrupts never trap: SIE stays clear.
	.balign 4
	.globl guard_vector
guard_vector:
	la sp, __guard_stack_top
	csrr a0, scause
	csrr a1, sepc
	csrr a2, stval
	call guard_fault
2:	wfi
	j 2b
