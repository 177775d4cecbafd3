// LAB(util) begin
/*
 * user/xargs.c - runs a command once per line of its input, the line's words appended.
 *
 * xargs CMD ARG... reads standard input a line at a time and, for each
 * line with at least one word, runs CMD ARG... followed by the line's words
 * (split at blanks and tabs), waiting for it before the next line (as
 * `xargs -n 1` does for one word a line). CMD is a path, as exec takes it
 * (the shell's search of / is the shell's). The exit status is 1 if a
 * command could not run or failed, or a line had too many words or bytes;
 * else 0.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "user/user.h"

#define LINE_BYTES 512

static char line[LINE_BYTES];
static char inbuf[512];
static int in_used, in_next;

/* The next byte of standard input, or -1 at its end. */
static int next_byte(void)
{
	if (in_next == in_used) {
		in_used = read(0, inbuf, sizeof inbuf);
		in_next = 0;
		if (in_used <= 0) {
			in_used = 0;
			return -1;
		}
	}
	return (unsigned char)inbuf[in_next++];
}

/*
 * The next line into line[], without its newline: its length, -1 at the
 * end of input, or -2 for a line too long (skipped to its end).
 */
static int read_line(void)
{
	int len = 0, c;
	while ((c = next_byte()) >= 0 && c != '\n') {
		if (len < LINE_BYTES - 1)
			line[len] = (char)c;
		len++;
	}
	if (c < 0 && len == 0)
		return -1;
	if (len > LINE_BYTES - 1)
		return -2;
	line[len] = 0;
	return len;
}

/* Cuts line[] into words at argv[first...]; how many there are then, or -1 past MAXARG. */
static int split(char *argv[], int first)
{
	int n = first;
	for (char *s = line; *s;) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			break;
		if (n == MAXARG)
			return -1;
		argv[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	argv[n] = 0;
	return n;
}

/* Runs argv to its end; 0 if it exited with status 0. */
static int run(char *argv[])
{
	int pid = fork();
	if (pid < 0) {
		fprintf(2, "xargs: fork failed\n");
		return -1;
	}
	if (pid == 0) {
		exec(argv[0], argv);
		fprintf(2, "xargs: cannot run %s\n", argv[0]);
		exit(1);
	}
	int status = 0;
	if (wait(&status) != pid)
		return -1;
	return status;
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(2, "usage: xargs CMD [ARG...] (runs CMD ARG... WORD... for each line)\n");
		exit(1);
	}
	if (argc - 1 > MAXARG) {
		fprintf(2, "xargs: more than %d arguments\n", MAXARG);
		exit(1);
	}
	char *args[MAXARG + 1];
	for (int i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	int failed = 0, len;
	while ((len = read_line()) != -1) {
		if (len == -2) {
			fprintf(2, "xargs: a line of more than %d bytes: skipped\n",
				LINE_BYTES - 1);
			failed = 1;
			continue;
		}
		int n = split(args, argc - 1);
		if (n < 0) {
			fprintf(2, "xargs: a line with more words than %d arguments: skipped\n",
				MAXARG);
			failed = 1;
		} else if (n > argc - 1) {
			failed |= run(args) != 0;
		}
	}
	exit(failed);
}
// LAB(util) stub
// /* user/xargs.c - a command per line of input, the line's words appended: lab util, yours. */
// #include "kernel/types.h"
// #include "user/user.h"
//
// int main(int argc, char *argv[])
// {
// 	// TODO(lab util): read lines, fork and exec CMD ARG... WORD... for each (labs/util/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "xargs: not implemented (lab util)\n");
// 	exit(1);
// }
// LAB(util) end
