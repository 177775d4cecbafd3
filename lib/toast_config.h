/*
 * lib/toast_config.h - the module bootstrap's configuration, /etc/modules.
 *
 * One statement per line; '#' starts a comment, blank lines are skipped:
 *
 *   PATH restartable     start the module file PATH (absolute); restart it
 *                        after a crash, with a back-off
 *   PATH once            start it; a crash leaves it stopped
 *   tick MS              milliseconds between state ticks, 1 .. 255 (default 100)
 *   debug                debug mode: the bootstrap says what it does, step by step
 *
 * Modules get activity slots in the order of their lines. A line that does not
 * parse is reported by line number and skipped, the rest still count: a typo
 * in one module's line must not stop the others.
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_TOAST_CONFIG_H
#define LIB_TOAST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/toast.h"

#define TOAST_CONFIG_TICK_MS 100 /* the state tick when the file names none */

struct toast_config_module {
	char path[TOAST_FILE_BYTES]; /* NUL-ended, so at most 255 bytes */
	bool restartable;
};

struct toast_config {
	struct toast_config_module module[TOAST_MAX_MODULES];
	uint32_t count;
	uint8_t tick_ms;
	bool debug;
};

/* What a line that does not parse is: toast_config_error_name says it in English. */
enum toast_config_error {
	TOAST_CONFIG_NOT_ABSOLUTE = 1, /* a module path must start with '/' */
	TOAST_CONFIG_PATH_TOO_LONG,    /* over TOAST_FILE_BYTES - 1 bytes */
	TOAST_CONFIG_BAD_POLICY,       /* not "restartable" or "once" */
	TOAST_CONFIG_BAD_TICK,         /* not a number from 1 to 255 */
	TOAST_CONFIG_EXTRA_WORDS,      /* more words than the statement takes */
	TOAST_CONFIG_DUPLICATE,        /* a path already listed: one private block per path */
	TOAST_CONFIG_TOO_MANY,         /* past TOAST_MAX_MODULES modules */
};

/* Called for each line that is skipped: its number (from 1) and why. */
typedef void (*toast_config_report)(void *arg, unsigned line, enum toast_config_error why);

/*
 * Parses the `len` bytes at `text` into *out (which it clears first).
 * Reports every skipped line through `report` (may be NULL) and returns how
 * many lines were skipped.
 */
unsigned toast_config_parse(const char *text, size_t len, struct toast_config *out,
			    toast_config_report report, void *arg);

const char *toast_config_error_name(enum toast_config_error why);

#endif
