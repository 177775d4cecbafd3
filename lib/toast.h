/*
 * lib/toast.h - the rules of the Toast module protocol, as pure functions.
 *
 * The layouts are include/toast.h. What is here decides, from bytes alone,
 * what the bootstrap, a module and modstat do, so the host tests can try
 * every case: a private block's name from a module path, the verdict on a
 * module file before it is started, the module's check of its verification
 * byte, and whether and when a module that ended is started again.
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_TOAST_H
#define LIB_TOAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/toast.h"

/* "toast.private." and 16 hex digits, and the NUL. */
#define TOAST_PRIVATE_NAME_BYTES (sizeof TOAST_PRIVATE_PREFIX - 1 + 16 + 1)

/* The two functions every module file must define (see elf_symbol.h). */
#define TOAST_INFO_FUNCTION     "_get_module_information"
#define TOAST_INSTANCE_FUNCTION "_allocate_module_instance"

/* Restarts wait TOAST_BACKOFF_FIRST_MS, doubling with each restart, at most TOAST_BACKOFF_MAX_MS. */
#define TOAST_BACKOFF_FIRST_MS 100u
#define TOAST_BACKOFF_MAX_MS   5000u

/*
 * The private block's name for the module file at `path` (an absolute path,
 * NUL-ended): TOAST_PRIVATE_PREFIX and the first 8 bytes of SHA-256(path) in
 * lower-case hex. -1 if path is not absolute, 0 otherwise.
 */
int toast_private_name(const char *path, char out[TOAST_PRIVATE_NAME_BYTES]);

/*
 * The bootstrap's verdict on a module file before it starts it: 0 (start it),
 * TOAST_VERIFY_CORRUPT (not an executable exec would load into
 * [user_lo, user_hi)), TOAST_VERIFY_NO_INFO or TOAST_VERIFY_NO_INSTANCE (an
 * entry point is not defined). `file` holds the whole file.
 */
uint8_t toast_check_module_file(const void *file, size_t size, uint64_t user_lo, uint64_t user_hi);

/*
 * What a module does first with its private block's verification byte: on
 * TOAST_VERIFY_BEFORE_LOAD it writes TOAST_VERIFY_SEEN and returns 0 (go on);
 * on anything else it writes TOAST_VERIFY_MISMATCH and returns -1 (stop).
 */
int toast_module_check_in(volatile uint8_t *verification);

/*
 * Whether a module that ended is started again: only when it loaded (its
 * verification byte is TOAST_VERIFY_LOADED), its configuration says
 * restartable and its restart byte agrees. A module that failed its
 * verification is never restarted: it would fail again, in a loop.
 */
bool toast_may_restart(uint8_t verification, bool configured_restartable, uint8_t restart_byte);

/* What the bootstrap does when a module's process has ended. */
enum toast_exit_action {
	TOAST_EXIT_RESTART, /* it crashed after loading and may restart: activity 3, then a new run */
	TOAST_EXIT_STAY_CRASHED, /* it crashed after loading and may not: activity 3 for good */
	TOAST_EXIT_ENDED,        /* it loaded and ended by itself (status 0): activity 1 */
	TOAST_EXIT_NOT_LOADED, /* it stopped during its load (0x7B, 0x80, 0x8B, 0x8C): activity 1 */
	TOAST_EXIT_EXEC_FAILED, /* it never ran (still 0x7A): the file is marked 0x8A, activity 1 */
};

/*
 * The decision for a module whose process ended with `status` (nonzero, or
 * killed, is a crash), from its verification byte and both restart settings.
 * Only a module that loaded is ever started again (toast_may_restart).
 */
enum toast_exit_action toast_after_exit(uint8_t verification, int status,
					bool configured_restartable, uint8_t restart_byte);

/* Milliseconds to wait before restart number `restarts` + 1 (bounded back-off). */
uint32_t toast_backoff_ms(uint32_t restarts);

/* A short English name for a verification byte's value ("loaded", "corrupt file", ...). */
const char *toast_verification_name(uint8_t verification);

/* A short English name for an activity byte's value. */
const char *toast_activity_name(uint8_t activity);

#endif
