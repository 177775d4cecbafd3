/*
 * tests/check.h - a minimal unit-test kit for host tests (one header, no library).
 *
 *   TEST(parses_header) { CHECK_EQ(fdt_open(&f, buf, n), 0); }
 *   int main(void) { RUN(parses_header); return check_summary(); }
 *
 * Each TEST prints "name: OK" or "name: FAIL" with the failed checks above
 * it; check_summary() prints "N passed, N failed" and returns the exit code.
 * Tests run with AddressSanitizer and UBSan (see the Makefile), so an
 * out-of-bounds read fails the run even when every CHECK passes.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int check_current_failed;
static int check_tests_passed, check_tests_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			check_current_failed = 1;                                                  \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(actual, expected)                                                              \
	do {                                                                                    \
		long long check_a_ = (long long)(actual);                                       \
		long long check_e_ = (long long)(expected);                                     \
		if (check_a_ != check_e_) {                                                     \
			check_current_failed = 1;                                               \
			fprintf(stderr,                                                         \
				"  %s:%d: %s == %lld (0x%llx), expected %s == %lld (0x%llx)\n", \
				__FILE__, __LINE__, #actual, check_a_,                          \
				(unsigned long long)check_a_, #expected, check_e_,              \
				(unsigned long long)check_e_);                                  \
		}                                                                               \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                \
	do {                                                                     \
		check_current_failed = 0;                                        \
		name();                                                          \
		printf("%s: %s\n", #name, check_current_failed ? "FAIL" : "OK"); \
		fflush(stdout);                                                  \
		if (check_current_failed)                                        \
			check_tests_failed++;                                    \
		else                                                             \
			check_tests_passed++;                                    \
	} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed);
	return check_tests_failed ? 1 : 0;
}

/* Reads a whole file into a malloc'd buffer of exactly its size; exits on error. */
static inline unsigned char *check_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

#endif
