/*
 * tests/test_bootargs.c - host tests for lib/bootargs, the one command-line
 * reader of kernel and guard.
 *
 * Keys at the start, middle and end of the line; prefixes and suffixes that
 * must not match; empty values and list items; numbers at and past
 * UINT32_MAX; garbage. Each line is copied to a heap buffer of its exact
 * size first, so AddressSanitizer catches a read past the terminating NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/bootargs.h"
#include "check.h"

/* args in a buffer of exactly strlen + 1 bytes; freed by the caller. */
static char *exact(const char *args)
{
	size_t n = strlen(args) + 1;
	char *copy = malloc(n);
	memcpy(copy, args, n);
	return copy;
}

static int has(const char *args, const char *key, const char *item)
{
	char *line = exact(args);
	int result = bootargs_has(line, key, item);
	free(line);
	return result;
}

/* bootargs_u32 on a copy; *value is left at 777 when not set. */
static int u32(const char *args, const char *key, uint32_t *value)
{
	char *line = exact(args);
	*value = 777;
	int err = bootargs_u32(line, key, value);
	free(line);
	return err;
}

/* Whether key's value is exactly want (NULL: key must be missing). */
static int value_is(const char *args, const char *key, const char *want)
{
	char *line = exact(args);
	const char *value = (const char *)1; /* must stay untouched when missing */
	size_t len = 99;
	int err = bootargs_value(line, key, &value, &len);
	int ok;
	if (!want)
		ok = err == BOOTARGS_ERR_MISSING && value == (const char *)1 && len == 99;
	else
		ok = err == 0 && len == strlen(want) && memcmp(value, want, len) == 0 &&
		     value >= line && value + len <= line + strlen(line);
	if (!ok)
		fprintf(stderr, "  \"%s\" key %s: err %d len %zu\n", args, key, err, len);
	free(line);
	return ok;
}

TEST(key_at_start_middle_and_end)
{
	const char *line = "test=ipi bench=frame guard.scan_us=5000";
	CHECK(has(line, "test", "ipi"));
	CHECK(has(line, "bench", "frame"));
	CHECK(value_is(line, "guard.scan_us", "5000"));
	CHECK(value_is(line, "test", "ipi"));
	CHECK(value_is(line, "bench", "frame"));
	CHECK(!has(line, "test", "frame"));
	CHECK(!has(line, "bench", "ipi"));
}

TEST(prefixes_and_suffixes_of_keys_do_not_match)
{
	CHECK(!has("xtest=ipi", "test", "ipi"));
	CHECK(!has("tests=ipi", "test", "ipi"));
	CHECK(!has("test.x=ipi", "test", "ipi"));
	CHECK(!has("test=ipi", "tes", "ipi"));
	CHECK(!has("test=ipi", "testx", "ipi"));
	CHECK(value_is("xguard.scan_us=5000", "guard.scan_us", NULL));
	CHECK(value_is("guard.scan_us_max=5000", "guard.scan_us", NULL));
	CHECK(value_is("foo,guard.scan_us=5000", "guard.scan_us", NULL));
	/* "test=" inside another word's value is not a word of its own. */
	CHECK(!has("bench=test=ipi", "test", "ipi"));
	CHECK(has("bench=test=ipi", "bench", "test=ipi"));
}

TEST(items_match_whole)
{
	const char *line = "test=ipi,timer,hsm_guard";
	CHECK(has(line, "test", "ipi"));
	CHECK(has(line, "test", "timer"));
	CHECK(has(line, "test", "hsm_guard"));
	CHECK(!has(line, "test", "tim"));
	CHECK(!has(line, "test", "timers"));
	CHECK(!has(line, "test", "ipi,timer"));
	CHECK(!has(line, "test", "hsm"));
	CHECK(!has(line, "test", "guard"));
	CHECK(!has(line, "test", ""));
}

TEST(lists_in_several_words)
{
	const char *line = "test=ipi console=ttyS0 test=timer";
	CHECK(has(line, "test", "ipi"));
	CHECK(has(line, "test", "timer"));
	CHECK(!has(line, "test", "ttyS0"));
	CHECK(value_is(line, "test", "timer")); /* the last word wins */
}

TEST(empty_values_and_items)
{
	CHECK(value_is("test=", "test", ""));
	CHECK(value_is("quiet", "quiet", ""));
	CHECK(value_is("a=1 quiet b=2", "quiet", ""));
	CHECK(!has("test=", "test", "ipi"));
	CHECK(!has("test", "test", "test"));
	CHECK(has("test=,,ipi,", "test", "ipi"));
	CHECK(has("test=,", "test", "") == 0);
	CHECK(has("test=a,,b", "test", "b"));
	uint32_t n;
	CHECK_EQ(u32("guard.scan_us=", "guard.scan_us", &n), BOOTARGS_ERR_NOT_NUMBER);
	CHECK_EQ(n, 777);
	CHECK_EQ(u32("guard.scan_us", "guard.scan_us", &n), BOOTARGS_ERR_NOT_NUMBER);
	CHECK_EQ(u32("guard.scan_us= 5000", "guard.scan_us", &n), BOOTARGS_ERR_NOT_NUMBER);
}

TEST(empty_lines_and_keys)
{
	CHECK(value_is("", "test", NULL));
	CHECK(value_is("   \t ", "test", NULL));
	CHECK(!has("", "test", "ipi"));
	CHECK(!bootargs_has(NULL, "test", "ipi"));
	const char *value;
	size_t len;
	CHECK_EQ(bootargs_value(NULL, "test", &value, &len), BOOTARGS_ERR_MISSING);
	/* An empty key is never found, not even in a word that starts with '='. */
	CHECK(value_is("=x", "", NULL));
	CHECK(!has("=x", "", "x"));
	uint32_t n;
	CHECK_EQ(u32("", "guard.scan_us", &n), BOOTARGS_ERR_MISSING);
	CHECK_EQ(n, 777);
}

TEST(separators)
{
	const char *line = "  test=ipi\tbench=frame\n  guard.scan_us=42  ";
	CHECK(has(line, "test", "ipi"));
	CHECK(has(line, "bench", "frame"));
	uint32_t n;
	CHECK_EQ(u32(line, "guard.scan_us", &n), 0);
	CHECK_EQ(n, 42);
}

TEST(numbers)
{
	uint32_t n;
	CHECK_EQ(u32("guard.scan_us=5000", "guard.scan_us", &n), 0);
	CHECK_EQ(n, 5000);
	CHECK_EQ(u32("guard.scan_us=0", "guard.scan_us", &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(u32("x=000123", "x", &n), 0);
	CHECK_EQ(n, 123);
	CHECK_EQ(u32("x=4294967295", "x", &n), 0);
	CHECK_EQ(n, UINT32_MAX);
	CHECK_EQ(u32("x=1 x=2 y=3", "x", &n), 0);
	CHECK_EQ(n, 2);
}

TEST(numbers_that_overflow)
{
	uint32_t n;
	CHECK_EQ(u32("x=4294967296", "x", &n), BOOTARGS_ERR_RANGE);
	CHECK_EQ(n, 777);
	CHECK_EQ(u32("x=4294967300", "x", &n), BOOTARGS_ERR_RANGE);
	CHECK_EQ(u32("x=9999999999", "x", &n), BOOTARGS_ERR_RANGE);
	CHECK_EQ(u32("x=18446744073709551617", "x", &n), BOOTARGS_ERR_RANGE);
	CHECK_EQ(u32("x=00000000000000000000042", "x", &n), 0); /* long, but small */
	CHECK_EQ(n, 42);
}

TEST(garbage_is_not_a_number)
{
	/* The last one: garbage is reported even after digits that overflow. */
	static const char *const lines[] = {
		"x=12a", "x=a12", "x=-1",  "x=+1",           "x=0x10",
		"x=1.5", "x=1,2", "x=1=2", "x=99999999999x",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint32_t n;
		int err = u32(lines[i], "x", &n);
		if (err != BOOTARGS_ERR_NOT_NUMBER || n != 777)
			fprintf(stderr, "  \"%s\": err %d\n", lines[i], err);
		CHECK_EQ(err, BOOTARGS_ERR_NOT_NUMBER);
		CHECK_EQ(n, 777);
	}
}

/* Every byte value in every position: no crash, no read past the line (ASan). */
TEST(every_byte_is_survived)
{
	for (int pos = 0; pos < 7; pos++) {
		for (int c = 1; c < 256; c++) {
			char *line = exact("t=1,a b");
			line[pos] = (char)c;
			const char *value;
			size_t len;
			uint32_t n;
			(void)bootargs_has(line, "t", "a");
			(void)bootargs_u32(line, "t", &n);
			if (bootargs_value(line, "b", &value, &len) == 0)
				CHECK(value >= line && value + len <= line + 7);
			free(line);
		}
	}
}

int main(void)
{
	RUN(key_at_start_middle_and_end);
	RUN(prefixes_and_suffixes_of_keys_do_not_match);
	RUN(items_match_whole);
	RUN(lists_in_several_words);
	RUN(empty_values_and_items);
	RUN(empty_lines_and_keys);
	RUN(separators);
	RUN(numbers);
	RUN(numbers_that_overflow);
	RUN(garbage_is_not_a_number);
	RUN(every_byte_is_survived);
	return check_summary();
}
