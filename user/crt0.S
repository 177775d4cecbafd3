/*
 * user/crt0.S - where every user program starts.
 *
 * exec enters _start with a0 = argc and a1 = argv (the strings and the
 * pointer array sit on the user stack, which sp points below), the same
 * registers main(argc, argv) takes its arguments in, so _start only calls
 * main and hands its return value, already in a0, to exit. fp (s0) and ra
 * are zeroed first: a backtrace through frame pointers stops here.
 */
	.section .text._start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	li	s0, 0
	li	ra, 0
	call	main
	call	exit
	.size _start, . - _start
