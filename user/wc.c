/*
 * user/wc.c - counts lines, words and bytes of files (or of fd 0).
 *
 * A word is a run of bytes other than blanks (space, tab, newline, CR, VT,
 * FF). Prints "lines words bytes name" per file, and a total for several.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

struct counts {
	unsigned long lines, words, bytes;
};

static char buf[4096];

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Adds fd's counts to *c; 0, or -1 on a read error. */
static int count(int fd, struct counts *c)
{
	int in_word = 0, n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += n;
		for (int i = 0; i < n; i++) {
			c->lines += buf[i] == '\n';
			if (is_blank(buf[i]))
				in_word = 0;
			else if (!in_word) {
				in_word = 1;
				c->words++;
			}
		}
	}
	return n < 0 ? -1 : 0;
}

/* One line of counts; name is NULL for standard input. */
static void show(const struct counts *c, const char *name)
{
	if (name)
		printf("%lu %lu %lu %s\n", c->lines, c->words, c->bytes, name);
	else
		printf("%lu %lu %lu\n", c->lines, c->words, c->bytes);
}

int main(int argc, char *argv[])
{
	struct counts total = { 0 };
	if (argc < 2) {
		if (count(0, &total) < 0) {
			fprintf(2, "wc: read error\n");
			exit(1);
		}
		show(&total, 0);
		exit(0);
	}
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct counts c = { 0 };
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(2, "wc: cannot open %s\n", argv[i]);
			failed = 1;
			continue;
		}
		if (count(fd, &c) < 0) {
			fprintf(2, "wc: read error on %s\n", argv[i]);
			failed = 1;
		}
		close(fd);
		show(&c, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc > 2)
		show(&total, "total");
	exit(failed);
}
