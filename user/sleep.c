/*
 * user/sleep.c - waits for a number of ticks (10 ms each, as uptime counts).
 */
#include "kernel/types.h"
#include "user/user.h"

#include "user/args.h"

// LAB(util) begin
int main(int argc, char *argv[])
{
	int ticks;
	if (argc != 2 || args_number(argv[1], &ticks) || ticks < 0) {
		fprintf(2, "usage: sleep TICKS (10 ms each, a number >= 0)\n");
		exit(1);
	}
	exit(sleep(ticks) < 0);
}
// LAB(util) stub
// int main(int argc, char *argv[])
// {
// 	// TODO(lab util): check the argument and sleep that many ticks (labs/util/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "sleep: not implemented (lab util)\n");
// 	exit(1);
// }
// LAB(util) end
