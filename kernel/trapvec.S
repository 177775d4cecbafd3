# kernel/trapvec.S - the S-mode trap vector, for traps from the kernel and from users.
#
# sscratch says where the trap came from: 0 while the hart runs the kernel,
# the address of the process's user frame (at the top of its kernel stack)
# while it runs user code. The first instruction swaps it with sp.
#
# From the kernel: saves every general register in a struct trap_frame on
# the current stack (layout in trap.h), calls kernel_trap(frame), restores
# and returns with sret. kernel_trap may change the saved a0/a1 and sepc
# (probe fixups), so they are restored from the frame, not kept in registers.
#
# From a user: saves the user's registers into the user frame, reloads the
# kernel's tp from it and calls user_trap(frame), which never returns here:
# it leaves through user_resume below. No page-table switch either way:
# every user page table maps the kernel's half (kernel/vm.h).

# Every general register but sp into a struct trap_frame at sp (sp's own
# slot, 8, is filled by each path: the two come from different places).
.macro save_registers
	sd ra, 0(sp)
	sd gp, 16(sp)
	sd tp, 24(sp)
	sd t0, 32(sp)
	sd t1, 40(sp)
	sd t2, 48(sp)
	sd s0, 56(sp)
	sd s1, 64(sp)
	sd a0, 72(sp)
	sd a1, 80(sp)
	sd a2, 88(sp)
	sd a3, 96(sp)
	sd a4, 104(sp)
	sd a5, 112(sp)
	sd a6, 120(sp)
	sd a7, 128(sp)
	sd s2, 136(sp)
	sd s3, 144(sp)
	sd s4, 152(sp)
	sd s5, 160(sp)
	sd s6, 168(sp)
	sd s7, 176(sp)
	sd s8, 184(sp)
	sd s9, 192(sp)
	sd s10, 200(sp)
	sd s11, 208(sp)
	sd t3, 216(sp)
	sd t4, 224(sp)
	sd t5, 232(sp)
	sd t6, 240(sp)
.endm

# Every general register but sp, tp and a0 from a struct trap_frame at \base:
# each path restores those three itself, in its own order.
.macro load_registers base
	ld ra, 0(\base)
	ld gp, 16(\base)
	ld t0, 32(\base)
	ld t1, 40(\base)
	ld t2, 48(\base)
	ld s0, 56(\base)
	ld s1, 64(\base)
	ld a1, 80(\base)
	ld a2, 88(\base)
	ld a3, 96(\base)
	ld a4, 104(\base)
	ld a5, 112(\base)
	ld a6, 120(\base)
	ld a7, 128(\base)
	ld s2, 136(\base)
	ld s3, 144(\base)
	ld s4, 152(\base)
	ld s5, 160(\base)
	ld s6, 168(\base)
	ld s7, 176(\base)
	ld s8, 184(\base)
	ld s9, 192(\base)
	ld s10, 200(\base)
	ld s11, 208(\base)
	ld t3, 216(\base)
	ld t4, 224(\base)
	ld t5, 232(\base)
	ld t6, 240(\base)
.endm

	.section .text
	.globl kernel_vector
	.balign 4
kernel_vector:
	csrrw sp, sscratch, sp
	bnez sp, from_user
	csrrw sp, sscratch, sp     # from the kernel: sp back, sscratch 0 again
	addi sp, sp, -288
	save_registers		# slot 8 holds the interrupted sp: stored below
	addi t0, sp, 288
	sd t0, 8(sp)
	csrr t0, sepc
	sd t0, 248(sp)
	csrr t0, sstatus
	sd t0, 256(sp)

	# A frame record at the top of the frame lets backtraces walk from the
	# handler into the interrupted code: fp-8 = interrupted pc, fp-16 = its fp.
	sd s0, 272(sp)
	ld t0, 248(sp)
	sd t0, 280(sp)
	addi s0, sp, 288
	mv a0, sp
	call kernel_trap

	ld t0, 248(sp)
	csrw sepc, t0
	ld t0, 256(sp)
	csrw sstatus, t0
	load_registers sp	# tp is not restored: it always points at this hart's struct hart
	ld a0, 72(sp)
	addi sp, sp, 288
	sret

# A trap from U-mode: sp = the user frame, sscratch = the user's sp.
from_user:
	save_registers
	csrrw t0, sscratch, zero   # the user's sp; sscratch 0: in the kernel now
	sd t0, 8(sp)
	csrr t0, sepc
	sd t0, 248(sp)
	csrr t0, sstatus
	sd t0, 256(sp)
	ld tp, 264(sp)             # this hart, as user_resume left it
	sd zero, 272(sp)           # the frame chain ends here, at the user pc
	ld t0, 248(sp)
	sd t0, 280(sp)
	addi s0, sp, 288
	mv a0, sp
	call user_trap
1:	j 1b                       # user_trap never returns

# user_resume(frame): back to U-mode with the registers in frame. Interrupts
# are off; the caller set sepc and sstatus (SPP = user, SPIE = 1) in frame.
	.globl user_resume
user_resume:
	sd tp, 264(a0)             # where the next trap finds this hart's tp
	csrw sscratch, a0          # the next trap from U-mode lands on this frame
	ld t0, 248(a0)
	csrw sepc, t0
	ld t0, 256(a0)
	csrw sstatus, t0
	load_registers a0
	ld sp, 8(a0)
	ld tp, 24(a0)
	ld a0, 72(a0)
	sret
