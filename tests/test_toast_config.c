/*
 * tests/test_toast_config.c - lib/toast_config: parsing /etc/modules.
 *
 * Good files give the modules in order with their policies, the tick and the
 * debug flag; every kind of bad line is reported with its number and skipped
 * while the lines around it still count; hostile bytes (no newline at the
 * end, NULs, a line longer than any field) never overrun the fields.
 */
#include "check.h"

#include "../lib/toast_config.h"

#include <stdlib.h>
#include <string.h>

static struct toast_config config;

/* What the parser reported: line numbers and reasons, in order. */
struct reports {
	unsigned count;
	unsigned line[16];
	enum toast_config_error why[16];
};

static void record(void *arg, unsigned line, enum toast_config_error why)
{
	struct reports *r = arg;
	if (r->count < 16) {
		r->line[r->count] = line;
		r->why[r->count] = why;
	}
	r->count++;
}

static unsigned parse(const char *text, struct reports *r)
{
	memset(r, 0, sizeof *r);
	return toast_config_parse(text, strlen(text), &config, record, r);
}

TEST(modules_in_order_with_their_policies)
{
	struct reports r;
	CHECK_EQ(parse("# modules\n/mod_counter once\n\n  /mod_crasher\trestartable  # crashes\n",
		       &r),
		 0);
	CHECK_EQ(r.count, 0);
	CHECK_EQ(config.count, 2);
	CHECK(strcmp(config.module[0].path, "/mod_counter") == 0);
	CHECK(!config.module[0].restartable);
	CHECK(strcmp(config.module[1].path, "/mod_crasher") == 0);
	CHECK(config.module[1].restartable);
	CHECK_EQ(config.tick_ms, TOAST_CONFIG_TICK_MS);
	CHECK(!config.debug);
}

TEST(tick_and_debug)
{
	struct reports r;
	CHECK_EQ(parse("tick 25\ndebug\r\n/a once", &r), 0);
	CHECK_EQ(config.tick_ms, 25);
	CHECK(config.debug);
	CHECK_EQ(config.count, 1); /* the last line needs no newline */
	CHECK_EQ(parse("tick 255\n", &r), 0);
	CHECK_EQ(config.tick_ms, 255);
}

TEST(each_bad_line_is_reported_and_skipped)
{
	struct reports r;
	const char *text = "mod_counter once\n"   /* 1: not absolute */
			   "/a sometimes\n"       /* 2: bad policy */
			   "/b\n"                 /* 3: no policy */
			   "/c once now\n"        /* 4: extra words */
			   "tick 0\n"             /* 5 */
			   "tick 256\n"           /* 6 */
			   "tick 1x\n"            /* 7 */
			   "tick\n"               /* 8 */
			   "debug please\n"       /* 9 */
			   "/good once\n"         /* 10: kept */
			   "/good restartable\n"; /* 11: duplicate */
	CHECK_EQ(parse(text, &r), 10);
	CHECK_EQ(r.count, 10);
	enum toast_config_error want[] = {
		TOAST_CONFIG_NOT_ABSOLUTE, TOAST_CONFIG_BAD_POLICY, TOAST_CONFIG_BAD_POLICY,
		TOAST_CONFIG_EXTRA_WORDS,  TOAST_CONFIG_BAD_TICK,   TOAST_CONFIG_BAD_TICK,
		TOAST_CONFIG_BAD_TICK,     TOAST_CONFIG_BAD_TICK,   TOAST_CONFIG_EXTRA_WORDS,
		TOAST_CONFIG_DUPLICATE,
	};
	unsigned want_line[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 };
	for (unsigned i = 0; i < 10; i++) {
		CHECK_EQ(r.why[i], want[i]);
		CHECK_EQ(r.line[i], want_line[i]);
		CHECK(strlen(toast_config_error_name(r.why[i])) > 0);
	}
	CHECK_EQ(config.count, 1);
	CHECK(strcmp(config.module[0].path, "/good") == 0);
	CHECK(!config.module[0].restartable); /* the duplicate changed nothing */
	CHECK_EQ(config.tick_ms, TOAST_CONFIG_TICK_MS);
}

TEST(paths_longer_than_the_field_are_refused)
{
	static char text[600];
	struct reports r;
	memset(text, 0, sizeof text);
	text[0] = '/';
	memset(text + 1, 'p', TOAST_FILE_BYTES - 2); /* 255 bytes: the longest that fits */
	strcat(text, " once\n");
	CHECK_EQ(parse(text, &r), 0);
	CHECK_EQ(strlen(config.module[0].path), TOAST_FILE_BYTES - 1);
	memset(text, 0, sizeof text);
	text[0] = '/';
	memset(text + 1, 'p', TOAST_FILE_BYTES - 1); /* 256 bytes */
	strcat(text, " once\n");
	CHECK_EQ(parse(text, &r), 1);
	CHECK_EQ(r.why[0], TOAST_CONFIG_PATH_TOO_LONG);
	CHECK_EQ(config.count, 0);
}

TEST(at_most_256_modules)
{
	size_t size = 300 * 16;
	char *text = calloc(1, size + 1);
	size_t at = 0;
	for (int i = 0; i < 300; i++)
		at += (size_t)snprintf(text + at, size + 1 - at, "/m%d once\n", i);
	struct reports r;
	CHECK_EQ(toast_config_parse(text, at, &config, record, memset(&r, 0, sizeof r)), 44);
	CHECK_EQ(config.count, TOAST_MAX_MODULES);
	CHECK_EQ(r.why[0], TOAST_CONFIG_TOO_MANY);
	CHECK_EQ(r.line[0], 257);
	free(text);
}

TEST(hostile_bytes_stay_inside_the_fields)
{
	/* NULs inside the text, and only `len` bytes read (asan checks the bound). */
	static const char text[] = { '/', 'a', 0, 'b', ' ', 'o', 'n', 'c', 'e' };
	char *exact = malloc(sizeof text);
	memcpy(exact, text, sizeof text);
	struct reports r;
	memset(&r, 0, sizeof r);
	toast_config_parse(exact, sizeof text, &config, record, &r);
	CHECK(config.count <= 1);
	if (config.count)
		CHECK(strlen(config.module[0].path) < TOAST_FILE_BYTES);
	free(exact);
	/* Random bytes: whatever parses keeps every path NUL-ended and absolute. */
	srand(7);
	char noise[512];
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof noise; i++)
			noise[i] = (char)(rand() % 4 == 0 ? "/ \n#"[rand() % 4] : rand());
		toast_config_parse(noise, sizeof noise, &config, 0, 0);
		CHECK(config.count <= TOAST_MAX_MODULES);
		for (uint32_t i = 0; i < config.count; i++) {
			CHECK(config.module[i].path[0] == '/');
			CHECK(memchr(config.module[i].path, 0, TOAST_FILE_BYTES) != NULL);
		}
		CHECK(config.tick_ms >= 1);
	}
}

int main(void)
{
	RUN(modules_in_order_with_their_policies);
	RUN(tick_and_debug);
	RUN(each_bad_line_is_reported_and_skipped);
	RUN(paths_longer_than_the_field_are_refused);
	RUN(at_most_256_modules);
	RUN(hostile_bytes_stay_inside_the_fields);
	return check_summary();
}
