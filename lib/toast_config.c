/*
 * lib/toast_config.c - parsing /etc/modules (see toast_config.h).
 */
#include "toast_config.h"

/* One line, split into at most three words (a fourth only says there are too many). */
struct words {
	const char *start[4];
	size_t len[4];
	unsigned count;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void split_words(const char *line, size_t len, struct words *w)
{
	w->count = 0;
	size_t i = 0;
	while (i < len && w->count < 4) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len || line[i] == '#')
			return;
		size_t begin = i;
		while (i < len && !is_space(line[i]) && line[i] != '#')
			i++;
		w->start[w->count] = line + begin;
		w->len[w->count] = i - begin;
		w->count++;
	}
}

static bool word_is(const struct words *w, unsigned n, const char *literal)
{
	size_t i = 0;
	for (; literal[i]; i++) {
		if (i >= w->len[n] || w->start[n][i] != literal[i])
			return false;
	}
	return i == w->len[n];
}

static bool same_path(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* "tick MS": 0, or the error. */
static int parse_tick(const struct words *w, struct toast_config *out)
{
	if (w->count != 2)
		return w->count > 2 ? TOAST_CONFIG_EXTRA_WORDS : TOAST_CONFIG_BAD_TICK;
	uint32_t ms = 0;
	for (size_t i = 0; i < w->len[1]; i++) {
		char c = w->start[1][i];
		if (c < '0' || c > '9' || ms > 255)
			return TOAST_CONFIG_BAD_TICK;
		ms = ms * 10 + (uint32_t)(c - '0');
	}
	if (ms < 1 || ms > 255)
		return TOAST_CONFIG_BAD_TICK;
	out->tick_ms = (uint8_t)ms;
	return 0;
}

/* "PATH restartable|once": 0, or the error. */
static int parse_module(const struct words *w, struct toast_config *out)
{
	if (w->start[0][0] != '/')
		return TOAST_CONFIG_NOT_ABSOLUTE;
	if (w->len[0] >= TOAST_FILE_BYTES)
		return TOAST_CONFIG_PATH_TOO_LONG;
	if (w->count < 2)
		return TOAST_CONFIG_BAD_POLICY;
	if (w->count > 2)
		return TOAST_CONFIG_EXTRA_WORDS;
	bool restartable;
	if (word_is(w, 1, "restartable"))
		restartable = true;
	else if (word_is(w, 1, "once"))
		restartable = false;
	else
		return TOAST_CONFIG_BAD_POLICY;
	if (out->count == TOAST_MAX_MODULES)
		return TOAST_CONFIG_TOO_MANY;
	struct toast_config_module *m = &out->module[out->count];
	for (size_t i = 0; i < w->len[0]; i++)
		m->path[i] = w->start[0][i];
	m->path[w->len[0]] = '\0';
	for (uint32_t i = 0; i < out->count; i++) {
		if (same_path(out->module[i].path, m->path))
			return TOAST_CONFIG_DUPLICATE;
	}
	m->restartable = restartable;
	out->count++;
	return 0;
}

static int parse_line(const char *line, size_t len, struct toast_config *out)
{
	struct words w;
	split_words(line, len, &w);
	if (w.count == 0)
		return 0;
	if (word_is(&w, 0, "debug")) {
		if (w.count > 1)
			return TOAST_CONFIG_EXTRA_WORDS;
		out->debug = true;
		return 0;
	}
	if (word_is(&w, 0, "tick"))
		return parse_tick(&w, out);
	return parse_module(&w, out);
}

unsigned toast_config_parse(const char *text, size_t len, struct toast_config *out,
			    toast_config_report report, void *arg)
{
	uint8_t *bytes = (uint8_t *)out;
	for (size_t i = 0; i < sizeof *out; i++)
		bytes[i] = 0;
	out->tick_ms = TOAST_CONFIG_TICK_MS;
	unsigned skipped = 0, line = 0;
	size_t at = 0;
	while (at < len) {
		size_t end = at;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		int err = parse_line(text + at, end - at, out);
		if (err) {
			skipped++;
			if (report)
				report(arg, line, (enum toast_config_error)err);
		}
		at = end + 1;
	}
	return skipped;
}

const char *toast_config_error_name(enum toast_config_error why)
{
	switch (why) {
	case TOAST_CONFIG_NOT_ABSOLUTE: return "a module path must be absolute (start with /)";
	case TOAST_CONFIG_PATH_TOO_LONG: return "the module path is longer than 255 bytes";
	case TOAST_CONFIG_BAD_POLICY: return "expected \"PATH restartable\" or \"PATH once\"";
	case TOAST_CONFIG_BAD_TICK: return "expected \"tick MS\" with MS from 1 to 255";
	case TOAST_CONFIG_EXTRA_WORDS: return "more words than the statement takes";
	case TOAST_CONFIG_DUPLICATE: return "the module is already listed";
	case TOAST_CONFIG_TOO_MANY: return "more than 256 modules";
	}
	return "unknown error";
}
