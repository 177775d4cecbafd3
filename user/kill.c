/*
 * user/kill.c - kills processes by pid.
 */
#include "kernel/types.h"
#include "user/user.h"

#include "user/args.h"

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(2, "usage: kill PID...\n");
		exit(1);
	}
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		int pid;
		if (args_number(argv[i], &pid) || pid <= 0) {
			fprintf(2, "kill: not a process id: %s\n", argv[i]);
			failed = 1;
		} else if (kill(pid) < 0) {
			fprintf(2, "kill: no process %d\n", pid);
			failed = 1;
		}
	}
	exit(failed);
}
