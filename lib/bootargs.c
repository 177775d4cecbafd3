/*
 * lib/bootargs.c - reading the boot command line (see bootargs.h).
 *
 * One scanner, next_word(), splits the line; every lookup goes through it, so
 * all of them agree on where a word starts, where its key ends and what
 * "matches" means. Reads stop at the line's NUL and never look behind it.
 *
 * Freestanding: no libc, no kernel headers.
 */
#include "bootargs.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One word of the line: the key, then the value after '=' (both may be empty). */
struct word {
	const char *key, *value;
	size_t key_len, value_len;
};

/*
 * Reads the word at or after *cursor into w and moves *cursor past it.
 * Returns 0 at the end of the line.
 */
static int next_word(const char **cursor, struct word *w)
{
	const char *p = *cursor;
	while (is_space(*p))
		p++;
	if (!*p)
		return 0;
	w->key = p;
	while (*p && !is_space(*p) && *p != '=')
		p++;
	w->key_len = (size_t)(p - w->key);
	if (*p == '=')
		p++;
	w->value = p;
	while (*p && !is_space(*p))
		p++;
	w->value_len = (size_t)(p - w->value);
	*cursor = p;
	return 1;
}

/* Whether the n bytes at s are exactly the NUL-terminated string want. */
static int same(const char *s, size_t n, const char *want)
{
	size_t i = 0;
	for (; i < n; i++) {
		if (want[i] != s[i]) /* also stops at want's NUL, since s has none in n */
			return 0;
	}
	return want[i] == '\0';
}

int bootargs_value(const char *args, const char *key, const char **value, size_t *len)
{
	int found = 0;
	struct word w;
	if (!key[0])
		return BOOTARGS_ERR_MISSING;
	for (const char *p = args ? args : ""; next_word(&p, &w);) {
		if (same(w.key, w.key_len, key)) {
			*value = w.value;
			*len = w.value_len;
			found = 1;
		}
	}
	return found ? 0 : BOOTARGS_ERR_MISSING;
}

int bootargs_has(const char *args, const char *key, const char *item)
{
	if (!key[0] || !item[0])
		return 0;
	struct word w;
	for (const char *p = args ? args : ""; next_word(&p, &w);) {
		if (!same(w.key, w.key_len, key))
			continue;
		const char *end = w.value + w.value_len;
		for (const char *v = w.value; v < end;) {
			const char *comma = v;
			while (comma < end && *comma != ',')
				comma++;
			if (same(v, (size_t)(comma - v), item))
				return 1;
			if (comma == end)
				break;
			v = comma + 1;
		}
	}
	return 0;
}

int bootargs_u32(const char *args, const char *key, uint32_t *value)
{
	const char *v;
	size_t len;
	int err = bootargs_value(args, key, &v, &len);
	if (err)
		return err;
	if (len == 0)
		return BOOTARGS_ERR_NOT_NUMBER;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return BOOTARGS_ERR_NOT_NUMBER;
	}
	uint32_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint32_t digit = (uint32_t)(v[i] - '0');
		if (n > (UINT32_MAX - digit) / 10)
			return BOOTARGS_ERR_RANGE;
		n = n * 10 + digit;
	}
	*value = n;
	return 0;
}
