/*
 * lib/string.h - the freestanding subset of <string.h> that magma uses.
 *
 * Shared by kernel, guard and (later) user space. The compiler may emit calls
 * to memset/memcpy/memmove/memcmp on its own, so these must always exist.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int byte, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* Length of s, but never looks past max bytes. */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/*
 * Copies src into dst of size bytes, always NUL-terminated when size > 0,
 * truncating if it must. Returns strlen(src) (as BSD's strlcpy).
 */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
