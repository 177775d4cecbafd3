# sbi/guard/entry.S - where OpenSBI starts the guard hart (the guard domain's next-addr).
#
# a0 = hart id, a1 = the device tree. The stack is the top of guard private.

	.section .text.entry
	.globl _start
_start:
	la sp, __guard_stack_top
	mv s0, zero
	call guard_main
1:	wfi
	j 1b
