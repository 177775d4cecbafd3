/*
 * user/grep.c - prints the lines that match a pattern (user/match.h: ^ $ . * \).
 *
 * Reads each file (or fd 0) in blocks and matches it a line at a time; a
 * line longer than the buffer is matched in buffer-sized pieces.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#include "user/match.h"

static char buf[4096];
static struct match_pattern pattern;

/* Prints line[0 .. len) if it matches; with its newline when it has one (line[len]). */
static void check(const char *line, int len, int has_newline)
{
	if (!match_line(&pattern, line, len))
		return;
	if (has_newline)
		write(1, line, len + 1);
	else if (write(1, line, len) == len)
		write(1, "\n", 1);
}

/* Prints the matching lines of fd; 0, or 1 on a read error. */
static int grep(int fd, const char *name)
{
	int used = 0;
	for (;;) {
		int n = read(fd, buf + used, sizeof(buf) - used);
		if (n < 0) {
			fprintf(2, "grep: read error on %s\n", name);
			return 1;
		}
		used += n;
		int start = 0;
		for (int i = 0; i < used; i++) {
			if (buf[i] == '\n') {
				check(buf + start, i - start, 1);
				start = i + 1;
			}
		}
		if (n == 0) { /* end of file: a last line without its newline */
			if (start < used)
				check(buf + start, used - start, 0);
			return 0;
		}
		if (start == 0 && used == sizeof(buf)) { /* a line longer than buf: this piece */
			check(buf, used, 0);
			used = 0;
			continue;
		}
		memmove(buf, buf + start, used - start);
		used -= start;
	}
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(2, "usage: grep PATTERN [FILE...]\n");
		exit(2);
	}
	int err = match_compile(&pattern, argv[1]);
	if (err) {
		fprintf(2, "grep: %s: %s\n", match_strerror(err), argv[1]);
		exit(2);
	}
	if (argc == 2)
		exit(grep(0, "standard input"));
	int failed = 0;
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(2, "grep: cannot open %s\n", argv[i]);
			failed = 1;
			continue;
		}
		failed |= grep(fd, argv[i]);
		close(fd);
	}
	exit(failed);
}
