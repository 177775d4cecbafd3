/*
 * user/cat.c - copies files (or fd 0 when none is named) to fd 1.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[4096];

/* Copies fd to fd 1; 0, or 1 after saying what failed. */
static int copy(int fd, const char *name)
{
	int n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(1, buf, n) != n) {
			fprintf(2, "cat: write error\n");
			return 1;
		}
	}
	if (n < 0) {
		fprintf(2, "cat: read error on %s\n", name);
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		exit(copy(0, "standard input"));
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(2, "cat: cannot open %s\n", argv[i]);
			failed = 1;
			continue;
		}
		failed |= copy(fd, argv[i]);
		close(fd);
	}
	exit(failed);
}
