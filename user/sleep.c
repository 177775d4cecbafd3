/*
 * user/sleep.c - waits for a number of ticks (10 ms each, as uptime counts).
 */
#include "kernel/types.h"
#include "user/user.h"

#include "user/args.h"

int main(int argc, char *argv[])
{
	int ticks;
	if (argc != 2 || args_number(argv[1], &ticks) || ticks < 0) {
		fprintf(2, "usage: sleep TICKS (10 ms each, a number >= 0)\n");
		exit(1);
	}
	exit(sleep(ticks) < 0);
}
