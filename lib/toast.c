/*
 * lib/toast.c - the Toast module protocol's rules (see toast.h).
 */
#include "toast.h"

#include "elf.h"
#include "elf_symbol.h"
#include "sha256.h"

int toast_private_name(const char *path, char out[TOAST_PRIVATE_NAME_BYTES])
{
	if (path[0] != '/')
		return -1;
	size_t len = 0;
	while (path[len])
		len++;
	uint8_t digest[SHA256_DIGEST_BYTES];
	sha256(path, len, digest);
	static const char hex[] = "0123456789abcdef";
	size_t at = 0;
	for (const char *p = TOAST_PRIVATE_PREFIX; *p; p++)
		out[at++] = *p;
	for (unsigned i = 0; i < 8; i++) {
		out[at++] = hex[digest[i] >> 4];
		out[at++] = hex[digest[i] & 0xf];
	}
	out[at] = '\0';
	return 0;
}

uint8_t toast_check_module_file(const void *file, size_t size, uint64_t user_lo, uint64_t user_hi)
{
	struct elf_image image;
	if (elf_check(file, size, size, user_lo, user_hi, &image) != 0)
		return TOAST_VERIFY_CORRUPT;
	uint64_t at;
	if (elf_find_function(file, size, TOAST_INFO_FUNCTION, &at) != 0)
		return TOAST_VERIFY_NO_INFO;
	if (elf_find_function(file, size, TOAST_INSTANCE_FUNCTION, &at) != 0)
		return TOAST_VERIFY_NO_INSTANCE;
	return 0;
}

int toast_module_check_in(volatile uint8_t *verification)
{
	if (*verification == TOAST_VERIFY_BEFORE_LOAD) {
		*verification = TOAST_VERIFY_SEEN;
		return 0;
	}
	*verification = TOAST_VERIFY_MISMATCH;
	return -1;
}

bool toast_may_restart(uint8_t verification, bool configured_restartable, uint8_t restart_byte)
{
	return verification == TOAST_VERIFY_LOADED && configured_restartable && restart_byte == 1;
}

enum toast_exit_action toast_after_exit(uint8_t verification, int status,
					bool configured_restartable, uint8_t restart_byte)
{
	if (verification == TOAST_VERIFY_BEFORE_LOAD)
		return TOAST_EXIT_EXEC_FAILED;
	if (verification != TOAST_VERIFY_LOADED)
		return TOAST_EXIT_NOT_LOADED;
	if (status == 0)
		return TOAST_EXIT_ENDED;
	return toast_may_restart(verification, configured_restartable, restart_byte)
		       ? TOAST_EXIT_RESTART
		       : TOAST_EXIT_STAY_CRASHED;
}

uint32_t toast_backoff_ms(uint32_t restarts)
{
	uint32_t ms = TOAST_BACKOFF_FIRST_MS;
	for (uint32_t i = 0; i < restarts && ms < TOAST_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < TOAST_BACKOFF_MAX_MS ? ms : TOAST_BACKOFF_MAX_MS;
}

const char *toast_verification_name(uint8_t verification)
{
	switch (verification) {
	case TOAST_VERIFY_BEFORE_LOAD: return "before load";
	case TOAST_VERIFY_SEEN: return "seen by the module";
	case TOAST_VERIFY_LOADED: return "loaded";
	case TOAST_VERIFY_MISMATCH: return "verification mismatch";
	case TOAST_VERIFY_CORRUPT: return "corrupt file";
	case TOAST_VERIFY_NO_INFO: return "no _get_module_information";
	case TOAST_VERIFY_NO_INSTANCE: return "no _allocate_module_instance";
	default: return "unknown";
	}
}

const char *toast_activity_name(uint8_t activity)
{
	switch (activity) {
	case TOAST_ACTIVITY_UNKNOWN: return "unknown";
	case TOAST_ACTIVITY_DISCOVERED: return "discovered";
	case TOAST_ACTIVITY_ACTIVE: return "active";
	case TOAST_ACTIVITY_CRASHED: return "crashed";
	case TOAST_ACTIVITY_RESTARTED: return "restarted";
	default: return "invalid";
	}
}
