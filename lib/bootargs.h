/*
 * lib/bootargs.h - reading the boot command line (/chosen/bootargs).
 *
 * The line is words separated by spaces or tabs; a word is `key=value` or a
 * bare `key` (whose value is empty). A value may be a comma-separated list:
 * "test=ipi,timer bench=all guard.scan_us=5000". Keys match whole: `xtest=`
 * and `tests=` are not `test=`. When a key appears more than once, a lookup
 * of its value takes the last word (a later word overrides, as on Linux), and
 * a list search looks through every word with that key.
 *
 * An empty key is never found. The line comes from outside (QEMU's -append, the device tree), so nothing
 * here trusts it beyond its terminating NUL; NULL reads as an empty line.
 * Freestanding: no libc, no kernel headers (kernel, guard and host tests).
 */
#ifndef LIB_BOOTARGS_H
#define LIB_BOOTARGS_H

#include <stddef.h>
#include <stdint.h>

enum bootargs_error {
	BOOTARGS_ERR_MISSING = -1,    /* no word with this key */
	BOOTARGS_ERR_NOT_NUMBER = -2, /* the value is empty or not all decimal digits */
	BOOTARGS_ERR_RANGE = -3,      /* a number above UINT32_MAX */
};

/*
 * The value of the last `key=value` word in args: *value points into args,
 * *len bytes long (not NUL-terminated; 0 for `key=` or a bare `key`).
 * Returns 0, or BOOTARGS_ERR_MISSING (and leaves *value, *len alone).
 */
int bootargs_value(const char *args, const char *key, const char **value, size_t *len);

/*
 * Whether any `key=...` word lists item among its comma-separated values
 * ("test=ipi,timer" has "timer"; it has neither "tim" nor "ipi,timer").
 * An empty item is never listed. Returns 1 or 0.
 */
int bootargs_has(const char *args, const char *key, const char *item);

/*
 * The value of key as a decimal number in *value. Returns 0,
 * BOOTARGS_ERR_MISSING, BOOTARGS_ERR_NOT_NUMBER (empty, a sign, a space,
 * hex, trailing garbage) or BOOTARGS_ERR_RANGE; *value is set only on 0.
 */
int bootargs_u32(const char *args, const char *key, uint32_t *value);

#endif
