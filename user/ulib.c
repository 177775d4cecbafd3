/*
 * user/ulib.c - the string, memory and line helpers of user/user.h.
 *
 * Each function has exactly the prototype user.h gives it (xv6's), which is
 * not lib/string.h's: sizes are uint or int here, size_t there. The RV64
 * calling convention passes a 32-bit argument sign-extended to 64 bits, so
 * the two are different functions, and these are written for the uint/int
 * prototype instead of aliasing lib/string.c. The compiler itself (a struct
 * copy) and mm/ code built against lib/string.h call memcpy, memset and
 * memmove with a size_t; that is safe because every user size is below
 * 2^31 (user space ends at USER_TOP, 2 GiB), where a size_t and a
 * sign-extended uint hold the same bits.
 * Never calls the heap: malloc itself may need memcpy.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/user.h"

#include <stdint.h>

char *strcpy(char *dst, const char *src)
{
	char *d = dst;
	while ((*d++ = *src++))
		;
	return dst;
}

/* Copies at most n bytes and pads with NULs up to n, as C's strncpy. */
char *strncpy(char *dst, const char *src, int n)
{
	int i = 0;
	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, int n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

unsigned int strlen(const char *s)
{
	unsigned int n = 0;
	while (s[n])
		n++;
	return n;
}

/* The first c in s; c == 0 finds the terminator, as C's strchr. */
char *strchr(const char *s, char c)
{
	for (;; s++) {
		if (*s == c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}

void *memset(void *dst, int byte, unsigned int n)
{
	unsigned char *d = dst;
	/* Bytes up to an 8-byte boundary, then whole words: sbrk'd pages get cleared here. */
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

/* Forward copy, by words when both ends share their alignment; safe for dst < src. */
static void copy_forward(unsigned char *d, const unsigned char *s, uint64_t n)
{
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
}

void *memcpy(void *dst, const void *src, unsigned int n)
{
	copy_forward(dst, src, n);
	return dst;
}

/* Overlap allowed; xv6's int count, so a negative n copies nothing. */
void *memmove(void *dst, const void *src, int n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n <= 0 || d == s)
		return dst;
	if (d < s || d >= s + n) {
		copy_forward(d, s, (uint64_t)n);
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, unsigned int n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

/* Decimal digits after an optional '-'; stops at the first other character. */
int atoi(const char *s)
{
	int negative = *s == '-';
	if (negative)
		s++;
	int n = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return negative ? -n : n;
}

/*
 * Reads one line from fd 0 into buf: up to max - 1 bytes, stopping after a
 * '\n' or '\r' (kept), always NUL-terminated. An empty buf means end of file.
 */
char *gets(char *buf, int max)
{
	int i = 0;
	while (i + 1 < max) {
		char c;
		if (read(0, &c, 1) != 1)
			break;
		buf[i++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	if (max > 0)
		buf[i] = 0;
	return buf;
}

int stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int r = fstat(fd, st);
	close(fd);
	return r;
}

/* magma's sbrk is always lazy: pages are given on first touch. */
char *sbrklazy(int n)
{
	return sbrk(n);
}
