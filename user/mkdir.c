/*
 * user/mkdir.c - makes directories.
 */
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(2, "usage: mkdir DIR...\n");
		exit(1);
	}
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		if (mkdir(argv[i]) < 0) {
			fprintf(2, "mkdir: cannot make %s\n", argv[i]);
			failed = 1;
		}
	}
	exit(failed);
}
