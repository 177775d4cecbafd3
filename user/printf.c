/*
 * user/printf.c - printf, fprintf and snprintf on lib/fmt's formatting core.
 *
 * fmt_format() hands over one character at a time; the sink collects them
 * in a buffer on the caller's stack and writes it out when it fills and at
 * the end of the call. So one printf of up to PRINTF_BUFFER_BYTES bytes is
 * one write(): lines from processes printing at once never interleave
 * character by character, and printing costs a system call per line rather
 * than per character (xv6 writes each character on its own).
 * A failed write drops the rest of that call's output: there is nowhere to
 * report it.
 */
#include "kernel/types.h"
#include "user/user.h"

#include <stdarg.h>

#include "lib/fmt.h"

#define PRINTF_BUFFER_BYTES 256

struct fd_sink {
	int fd;
	int used;
	int failed;
	char buf[PRINTF_BUFFER_BYTES];
};

static void flush(struct fd_sink *s)
{
	if (s->used && !s->failed && write(s->fd, s->buf, s->used) != s->used)
		s->failed = 1;
	s->used = 0;
}

static void fd_putc(void *ctx, char c)
{
	struct fd_sink *s = ctx;
	if (s->used == PRINTF_BUFFER_BYTES)
		flush(s);
	s->buf[s->used++] = c;
}

static void vfdprintf(int fd, const char *fmt, va_list args)
{
	struct fd_sink s = { .fd = fd };
	fmt_format(fd_putc, &s, fmt, args);
	flush(&s);
}

void fprintf(int fd, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vfdprintf(fd, fmt, args);
	va_end(args);
}

void printf(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vfdprintf(1, fmt, args);
	va_end(args);
}

/* C's snprintf: always NUL-terminated when size > 0; the length the whole output needs. */
int snprintf(char *buf, int size, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = fmt_vsnprintf(buf, size > 0 ? (size_t)size : 0, fmt, args);
	va_end(args);
	return n;
}
