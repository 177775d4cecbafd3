// LAB(syscall) begin
/*
 * user/trace.c - runs a command with its system calls traced.
 *
 * trace MASK CMD [ARG...] asks the kernel, with trace(MASK), to print
 * "PID: syscall NAME -> RESULT" after each call whose bit MASK has set
 * (bit n for the call numbered n in kernel/syscall.h), then execs CMD in
 * this same process: the mask stays with it across exec and goes to the
 * children it forks. MASK is a decimal number; the kernel refuses a
 * negative one.
 */
#include "kernel/types.h"
#include "user/user.h"

#include "user/args.h"

int main(int argc, char *argv[])
{
	int mask;
	if (argc < 3 || args_number(argv[1], &mask)) {
		fprintf(2, "usage: trace MASK CMD [ARG...] (MASK: bit n traces call n)\n");
		exit(1);
	}
	if (trace(mask) < 0) {
		fprintf(2, "trace: the kernel refused the mask %d\n", mask);
		exit(1);
	}
	exec(argv[2], argv + 2);
	fprintf(2, "trace: cannot run %s\n", argv[2]);
	exit(1);
}
// LAB(syscall) stub
// /* user/trace.c - runs a command with its system calls traced: lab syscall, yours to write. */
// #include "kernel/types.h"
// #include "user/user.h"
//
// int main(int argc, char *argv[])
// {
// 	// TODO(lab syscall): trace(MASK), then exec CMD ARG... (labs/syscall/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "trace: not implemented (lab syscall)\n");
// 	exit(1);
// }
// LAB(syscall) end
