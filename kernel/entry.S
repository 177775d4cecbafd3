# kernel/entry.S - where every kernel hart enters the kernel.
#
# OpenSBI starts the first kernel hart here (the kernel domain's next-addr),
# and the kernel starts the others here with SBI HSM hart_start. Either way
# a0 = hart id and a1 = the device tree's physical address. Paging is off
# and S-mode interrupts are disabled.

#include "../include/layout.h"

	.section .text.entry
	.globl _entry
_entry:
	li t0, MAGMA_MAX_HARTS
	bgeu a0, t0, park          # no stack for this hart: leave it parked
	# sp = kernel_stacks + (hartid + 1) * MAGMA_KERNEL_STACK_SIZE
	la sp, kernel_stacks
	li t0, MAGMA_KERNEL_STACK_SIZE
	addi t1, a0, 1
	mul t1, t1, t0
	add sp, sp, t1
	mv s0, zero                # ends the frame-pointer chain for backtraces
	call kmain
park:
	wfi
	j park
