/*
 * user/match.c - grep's pattern matcher (see match.h).
 *
 * A pattern of n items has n + 1 positions: position i means "items before
 * i have matched", n means "all matched". A set of positions is live at
 * each character of the line; a starred item's position also lets the
 * next one be live (it may match zero times).
 */
#include "match.h"

const char *match_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case MATCH_ERR_TOO_LONG: return "pattern too long";
	case MATCH_ERR_ESCAPE: return "pattern ends in a lone '\\'";
	default: return "unknown error";
	}
}

int match_compile(struct match_pattern *p, const char *pattern)
{
	const char *s = pattern;
	p->n = 0;
	p->at_start = *s == '^';
	if (p->at_start)
		s++;
	p->at_end = 0;
	for (; *s; s++) {
		if (s[0] == '$' && s[1] == 0) {
			p->at_end = 1;
			break;
		}
		if (s[0] == '*' && p->n > 0 && !p->items[p->n - 1].star) {
			p->items[p->n - 1].star = 1;
			continue;
		}
		if (p->n == MATCH_MAX_ITEMS)
			return MATCH_ERR_TOO_LONG;
		struct match_item *it = &p->items[p->n++];
		*it = (struct match_item){ .c = s[0], .any = s[0] == '.' };
		if (s[0] == '\\') {
			if (!s[1])
				return MATCH_ERR_ESCAPE;
			*it = (struct match_item){ .c = *++s };
		}
	}
	return 0;
}

/* Makes position i live, and the ones after it that starred items let through. */
static void add(const struct match_pattern *p, char *live, int i)
{
	for (; !live[i]; i++) {
		live[i] = 1;
		if (i == p->n || !p->items[i].star)
			return;
	}
}

static int item_matches(const struct match_item *it, char c)
{
	return it->any || it->c == c;
}

int match_line(const struct match_pattern *p, const char *text, int len)
{
	char a[MATCH_MAX_ITEMS + 1], b[MATCH_MAX_ITEMS + 1];
	char *live = a, *next = b;
	for (int i = 0; i <= p->n; i++)
		live[i] = 0;
	for (int pos = 0;; pos++) {
		if (!p->at_start || pos == 0)
			add(p, live, 0); /* a match may start here */
		if (live[p->n] && (!p->at_end || pos == len))
			return 1;
		if (pos == len)
			return 0;
		for (int i = 0; i <= p->n; i++)
			next[i] = 0;
		for (int i = 0; i < p->n; i++) {
			if (live[i] && item_matches(&p->items[i], text[pos]))
				add(p, next, p->items[i].star ? i : i + 1);
		}
		char *t = live;
		live = next;
		next = t;
	}
}
