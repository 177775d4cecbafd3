/*
 * lib/fmt.h - the printf formatting core, independent of where output goes.
 *
 * Kernel, guard and user space each wrap fmt_format() with their own sink
 * (UART, SBI console, file descriptor); host tests wrap it with a buffer.
 * Supported: %d %i %u %x %X %o %c %s %p %%, xv6's bare %l (a long), flags '-' and '0', a width
 * (number or '*'), a precision for %s, and the length modifiers l, ll, z.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives each output character; ctx is passed through unchanged. */
typedef void (*fmt_sink)(void *ctx, char c);

/* Formats fmt with args into sink. Returns the number of characters emitted. */
int fmt_format(fmt_sink sink, void *ctx, const char *fmt, va_list args);

/*
 * Formats into buf of buf_size bytes, always NUL-terminated when buf_size > 0.
 * Returns the length the full output would have had (as C's snprintf).
 */
int fmt_snprintf(char *buf, size_t buf_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t buf_size, const char *fmt, va_list args);

#endif
