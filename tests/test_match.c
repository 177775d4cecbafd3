/*
 * tests/test_match.c - host tests for grep's matcher (user/match.c).
 */
#include <string.h>
#include <time.h>

#include "../user/match.h"
#include "check.h"

static int matches(const char *pattern, const char *text)
{
	struct match_pattern p;
	int err = match_compile(&p, pattern);
	CHECK_EQ(err, 0);
	return match_line(&p, text, (int)strlen(text));
}

TEST(literals)
{
	CHECK(matches("hello", "say hello there"));
	CHECK(matches("", "anything"));
	CHECK(matches("", ""));
	CHECK(!matches("hello", "help"));
	CHECK(!matches("abc", "ab"));
	CHECK(matches("ab", "aab"));
}

TEST(dot_and_star)
{
	CHECK(matches("a.c", "xabcx"));
	CHECK(!matches("a.c", "ac"));
	CHECK(matches("ab*c", "ac"));
	CHECK(matches("ab*c", "abbbbc"));
	CHECK(!matches("ab*c", "abbbd"));
	CHECK(matches("a.*z", "a to z"));
	CHECK(!matches("a.*z", "z to a"));
	CHECK(matches("x*", ""));
	CHECK(matches("*a", "x*a")); /* a leading star is a plain character */
	CHECK(!matches("*a", "xa"));
}

TEST(anchors)
{
	CHECK(matches("^ab", "abc"));
	CHECK(!matches("^ab", "cab"));
	CHECK(matches("bc$", "abc"));
	CHECK(!matches("bc$", "bca"));
	CHECK(matches("^abc$", "abc"));
	CHECK(!matches("^abc$", "abcc"));
	CHECK(matches("^$", ""));
	CHECK(!matches("^$", "x"));
	CHECK(matches("^a*$", "aaaa"));
	CHECK(!matches("^a*$", "aaba"));
	CHECK(matches("a$b", "xa$b")); /* '$' inside is a plain character */
	CHECK(matches("a^", "a^"));
}

TEST(escapes)
{
	CHECK(matches("a\\.c", "a.c"));
	CHECK(!matches("a\\.c", "abc"));
	CHECK(matches("a\\*", "a*"));
	CHECK(!matches("a\\*", "aa"));
	CHECK(matches("\\$$", "cost $"));
	struct match_pattern p;
	CHECK_EQ(match_compile(&p, "ab\\"), MATCH_ERR_ESCAPE);
}

TEST(too_long)
{
	char pattern[MATCH_MAX_ITEMS + 2];
	memset(pattern, 'a', MATCH_MAX_ITEMS);
	pattern[MATCH_MAX_ITEMS] = 0;
	struct match_pattern p;
	CHECK_EQ(match_compile(&p, pattern), 0);
	pattern[MATCH_MAX_ITEMS] = 'a';
	pattern[MATCH_MAX_ITEMS + 1] = 0;
	CHECK_EQ(match_compile(&p, pattern), MATCH_ERR_TOO_LONG);
	/* stars do not count as items */
	char starred[2 * MATCH_MAX_ITEMS + 1];
	for (int i = 0; i < MATCH_MAX_ITEMS; i++) {
		starred[2 * i] = 'a';
		starred[2 * i + 1] = '*';
	}
	starred[2 * MATCH_MAX_ITEMS] = 0;
	CHECK_EQ(match_compile(&p, starred), 0);
}

/* a*a*...a*b against a long run of a's: a backtracking matcher takes exponential time. */
TEST(no_exponential_blowup)
{
	char pattern[64] = "", text[4001];
	for (int i = 0; i < 20; i++)
		strcat(pattern, "a*");
	strcat(pattern, "b");
	memset(text, 'a', 4000);
	text[4000] = 0;
	clock_t start = clock();
	CHECK(!matches(pattern, text));
	double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
	CHECK(seconds < 5.0);
}

int main(void)
{
	RUN(literals);
	RUN(dot_and_star);
	RUN(anchors);
	RUN(escapes);
	RUN(too_long);
	RUN(no_exponential_blowup);
	return check_summary();
}
