/*
 * tests/test_fmt.c - host tests for lib/fmt, the printf core every image uses.
 *
 * Each case is compared with the exact string expected (and, where the C
 * library agrees, with the host's snprintf), including truncation.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "../lib/fmt.h"
#include "check.h"

static int same(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", got, want);
		return 0;
	}
	return 1;
}

#define CHECK_FMT(want, ...)                                            \
	do {                                                            \
		char buf_[128];                                         \
		int n_ = fmt_snprintf(buf_, sizeof(buf_), __VA_ARGS__); \
		CHECK(same(buf_, want));                                \
		CHECK_EQ(n_, (int)strlen(want));                        \
	} while (0)

TEST(integers)
{
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("-42 42", "%d %i", -42, 42);
	CHECK_FMT("-2147483648", "%d", INT_MIN);
	CHECK_FMT("-9223372036854775808", "%ld", LONG_MIN);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("ffffffff", "%x", UINT_MAX);
	CHECK_FMT("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK_FMT("777", "%o", 0777);
	CHECK_FMT("123456789012", "%lld", 123456789012ll);
	CHECK_FMT("12345678901 bytes", "%l bytes", 12345678901l); /* xv6's bare %l */
	CHECK_FMT("-7|", "%l|", -7l);
	CHECK_FMT("4096", "%zu", (size_t)4096);
}

TEST(width_and_flags)
{
	CHECK_FMT("   42", "%5d", 42);
	CHECK_FMT("42   |", "%-5d|", 42);
	CHECK_FMT("00042", "%05d", 42);
	CHECK_FMT("-0042", "%05d", -42);
	CHECK_FMT("0x0000beef", "0x%08x", 0xbeef);
	CHECK_FMT("   ab", "%*s", 5, "ab");
	CHECK_FMT("ab   |", "%*s|", -5, "ab");
	CHECK_FMT("12345", "%3d", 12345);
}

TEST(strings_and_chars)
{
	CHECK_FMT("hello", "%s", "hello");
	CHECK_FMT("(null)", "%s", (char *)NULL);
	CHECK_FMT("hel", "%.3s", "hello");
	CHECK_FMT("x", "%c", 'x');
	CHECK_FMT("  x", "%3c", 'x');
	CHECK_FMT("100%", "100%%");
}

TEST(pointers)
{
	CHECK_FMT("0x80200000", "%p", (void *)0x80200000ul);
	CHECK_FMT("0x0", "%p", (void *)0);
}

TEST(unknown_conversion_is_printed_literally)
{
	CHECK_FMT("a%qb", "a%qb");
	CHECK_FMT("end%", "end%");
}

TEST(truncation_keeps_terminator_and_counts_full_length)
{
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = fmt_snprintf(buf, sizeof(buf), "%s", "0123456789");
	CHECK_EQ(n, 10);
	CHECK(same(buf, "0123456"));
	CHECK_EQ(fmt_snprintf(buf, 1, "abc"), 3);
	CHECK_EQ(buf[0], '\0');
	buf[0] = 'Q';
	CHECK_EQ(fmt_snprintf(buf, 0, "abc"), 3);
	CHECK_EQ(buf[0], 'Q'); /* size 0: nothing written */
}

TEST(matches_host_snprintf)
{
	const long values[] = { 0, 1, -1, 9, 10, 255, -255, 65535, 1234567, -7654321 };
	const char *formats[] = { "%ld", "%8ld", "%-8ld|", "%08ld", "%lx", "%08lx", "%lu" };
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			char ours[64], theirs[64];
			fmt_snprintf(ours, sizeof(ours), formats[f], values[v]);
			snprintf(theirs, sizeof(theirs), formats[f], values[v]);
			CHECK(same(ours, theirs));
		}
	}
}

int main(void)
{
	RUN(integers);
	RUN(width_and_flags);
	RUN(strings_and_chars);
	RUN(pointers);
	RUN(unknown_conversion_is_printed_literally);
	RUN(truncation_keeps_terminator_and_counts_full_length);
	RUN(matches_host_snprintf);
	return check_summary();
}
