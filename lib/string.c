/*
 * lib/string.c - byte and string helpers for freestanding code.
 *
 * Simple byte loops: clear to read, and fast enough for boot-time use.
 * Never include kernel headers here.
 */
#include "string.h"

#include <stdint.h>

void *memset(void *dst, int byte, size_t n)
{
	unsigned char *d = dst;
	/* Bytes up to an 8-byte boundary, then whole words (pages are zeroed here). */
	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)byte;
		n--;
	}
	uint64_t word = 0x0101010101010101ull * (unsigned char)byte;
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)d = word;
	while (n--)
		*d++ = (unsigned char)byte;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
