/*
 * user/match.h - the small regular expressions of grep.
 *
 * xv6's grep language: a character matches itself, '.' any character, 'x*'
 * zero or more of x (x a character or '.'), '^' at the start anchors the
 * match to the start of the line, '$' at the end to its end. magma adds
 * '\x' for a literal x (so '\*' is a star, '\.' a dot). Anywhere else '^',
 * '$' and a leading '*' are plain characters.
 *
 * Matching simulates all the pattern's positions at once (Thompson's
 * construction, CACM 1968), so it takes time proportional to the line's
 * length times the pattern's, never the exponential time a backtracking
 * matcher takes on patterns like a*a*a*a*b. Pure code: host-tested
 * (tests/test_match.c).
 */
#ifndef USER_MATCH_H
#define USER_MATCH_H

#define MATCH_MAX_ITEMS 128 /* characters (with their stars) in one pattern */

#define MATCH_ERR_TOO_LONG -240 /* more than MATCH_MAX_ITEMS items */
#define MATCH_ERR_ESCAPE   -241 /* a '\' at the very end of the pattern */

struct match_item {
	char c;
	char any;  /* '.': every character */
	char star; /* followed by '*': zero or more */
};

struct match_pattern {
	struct match_item items[MATCH_MAX_ITEMS];
	int n;
	int at_start, at_end; /* '^' and '$' anchors */
};

/* A short English description of a MATCH_ERR_* code. */
const char *match_strerror(int err);

/* Compiles pattern into *p. 0, MATCH_ERR_TOO_LONG or MATCH_ERR_ESCAPE. */
int match_compile(struct match_pattern *p, const char *pattern);

/* Whether p matches somewhere in text[0 .. len) (a line without its newline). */
int match_line(const struct match_pattern *p, const char *text, int len);

#endif
