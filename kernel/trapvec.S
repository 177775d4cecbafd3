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

	.section .text
	.globl kernel_vector
	.balign 4
kernel_vector:
	csrrw sp, sscratch, sp
	bnez sp, from_user
	csrrw sp, sscratch, sp     # from the kernel: sp back, sscratch 0 again
	addi sp, sp, -288
	sd ra, 0(sp)
	# slot 8 holds the interrupted sp
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
	ld ra, 0(sp)
	ld gp, 16(sp)
	# tp is not restored: it always points at this hart's struct hart
	ld t0, 32(sp)
	ld t1, 40(sp)
	ld t2, 48(sp)
	ld s0, 56(sp)
	ld s1, 64(sp)
	ld a0, 72(sp)
	ld a1, 80(sp)
	ld a2, 88(sp)
	ld a3, 96(sp)
	ld a4, 104(sp)
	ld a5, 112(sp)
	ld a6, 120(sp)
	ld a7, 128(sp)
	ld s2, 136(sp)
	ld s3, 144(sp)
	ld s4, 152(sp)
	ld s5, 160(sp)
	ld s6, 168(sp)
	ld s7, 176(sp)
	ld s8, 184(sp)
	ld s9, 192(sp)
	ld s10, 200(sp)
	ld s11, 208(sp)
	ld t3, 216(sp)
	ld t4, 224(sp)
	ld t5, 232(sp)
	ld t6, 240(sp)
	addi sp, sp, 288
	sret

# A trap from U-mode: sp = the user frame, sscratch = the user's sp.
from_user:
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
	ld ra, 0(a0)
	ld sp, 8(a0)
	ld gp, 16(a0)
	ld tp, 24(a0)
	ld t0, 32(a0)
	ld t1, 40(a0)
	ld t2, 48(a0)
	ld s0, 56(a0)
	ld s1, 64(a0)
	ld a1, 80(a0)
	ld a2, 88(a0)
	ld a3, 96(a0)
	ld a4, 104(a0)
	ld a5, 112(a0)
	ld a6, 120(a0)
	ld a7, 128(a0)
	ld s2, 136(a0)
	ld s3, 144(a0)
	ld s4, 152(a0)
	ld s5, 160(a0)
	ld s6, 168(a0)
	ld s7, 176(a0)
	ld s8, 184(a0)
	ld s9, 192(a0)
	ld s10, 200(a0)
	ld s11, 208(a0)
	ld t3, 216(a0)
	ld t4, 224(a0)
	ld t5, 232(a0)
	ld t6, 240(a0)
	ld a0, 72(a0)
	sret
