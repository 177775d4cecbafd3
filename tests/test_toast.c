/*
 * tests/test_toast.c - include/toast.h's layouts and lib/toast's protocol rules.
 *
 * The layouts are also held to the seed's offsets by include/toast.h's own
 * static checks; here they are checked through bytes, as another process
 * would see them. The protocol cases: the private block's name, the verdict
 * on a module file (good, corrupt, each entry point missing), the module's
 * check-in, who may be restarted, and the back-off.
 */
#include "check.h"
#include "elf_build.h"

#include "../include/toast.h"
#include "../lib/toast.h"

#include <string.h>

static uint8_t file[EB_BUFFER_SIZE];

TEST(private_block_fields_are_at_the_seed_offsets)
{
	static uint8_t bytes[TOAST_PRIVATE_SIZE];
	struct toast_private *p = (struct toast_private *)bytes;
	memset(bytes, 0, sizeof bytes);
	p->verification = 0x7A;
	p->restart = 1;
	p->info_set = 1;
	memcpy(p->name, "counter", 8);
	memcpy(p->file, "/bin/counter", 13);
	CHECK_EQ(bytes[0x00], 0x7A);
	CHECK_EQ(bytes[0x01], 1);
	CHECK_EQ(bytes[0x02], 1);
	CHECK(memcmp(bytes + 0x10, "counter", 8) == 0);
	CHECK(memcmp(bytes + 0x100, "/bin/counter", 13) == 0);
	CHECK_EQ(sizeof p->name, 50);
	CHECK_EQ(sizeof(struct toast_private), 512);
}

TEST(shared_block_fields_are_at_the_seed_offsets)
{
	static uint8_t bytes[0x200];
	struct toast_shared *s = (struct toast_shared *)bytes;
	memset(bytes, 0, sizeof bytes);
	s->bootstrap_pid = 0x01020304;
	s->debug = 1;
	s->current_state = 6;
	s->last_state = 7;
	s->state_tick_ms = 20;
	s->activity[0] = TOAST_ACTIVITY_ACTIVE;
	s->activity[255] = TOAST_ACTIVITY_RESTARTED;
	CHECK_EQ(bytes[0x00], 0x04); /* little-endian int at 0x00 */
	CHECK_EQ(bytes[0x03], 0x01);
	CHECK_EQ(bytes[0x04], 1);
	CHECK_EQ(bytes[0x06], 6);
	CHECK_EQ(bytes[0x07], 7);
	CHECK_EQ(bytes[0x08], 20);
	CHECK_EQ(bytes[0x10], 2);
	CHECK_EQ(bytes[0x10F], 4);
	CHECK(sizeof(struct toast_shared) <= TOAST_SHARED_SIZE);
}

TEST(private_name_is_the_path_hash)
{
	char name[TOAST_PRIVATE_NAME_BYTES];
	CHECK_EQ(toast_private_name("/bin/counter", name), 0);
	/* python3 -c "import hashlib; print(hashlib.sha256(b'/bin/counter').hexdigest()[:16])" */
	CHECK(strcmp(name, "toast.private.a5b7f34086d765b9") == 0);
	char other[TOAST_PRIVATE_NAME_BYTES];
	CHECK_EQ(toast_private_name("/bin/counter2", other), 0);
	CHECK(strcmp(name, other) != 0);
	CHECK_EQ(toast_private_name("bin/counter", other), -1);
	CHECK_EQ(strlen(name) + 1, TOAST_PRIVATE_NAME_BYTES);
}

static const struct eb_sym BOTH[] = {
	{ "_get_module_information", EB_FUNC_GLOBAL, 1, 0x1040 },
	{ "_allocate_module_instance", EB_FUNC_GLOBAL, 1, 0x1080 },
};

static uint8_t verdict(const struct eb_sym *syms, unsigned n)
{
	size_t size = eb_symbols(file, syms, n);
	return toast_check_module_file(file, size, EB_USER_LO, EB_USER_HI);
}

TEST(module_file_verdicts)
{
	CHECK_EQ(verdict(BOTH, 2), 0);
	CHECK_EQ(verdict(BOTH + 1, 1), TOAST_VERIFY_NO_INFO);
	CHECK_EQ(verdict(BOTH, 1), TOAST_VERIFY_NO_INSTANCE);
	CHECK_EQ(verdict(BOTH, 0), TOAST_VERIFY_NO_INFO);
	/* Not an executable: a text file, a truncated ELF, an ELF for another machine. */
	static const char text[] = "#!/bin/sh\necho not a module\n";
	CHECK_EQ(toast_check_module_file(text, sizeof text, EB_USER_LO, EB_USER_HI),
		 TOAST_VERIFY_CORRUPT);
	size_t size = eb_symbols(file, BOTH, 2);
	CHECK_EQ(toast_check_module_file(file, 100, EB_USER_LO, EB_USER_HI), TOAST_VERIFY_CORRUPT);
	file[18] = 62; /* EM_X86_64 */
	CHECK_EQ(toast_check_module_file(file, size, EB_USER_LO, EB_USER_HI), TOAST_VERIFY_CORRUPT);
	CHECK_EQ(toast_check_module_file(file, 0, EB_USER_LO, EB_USER_HI), TOAST_VERIFY_CORRUPT);
}

TEST(module_check_in)
{
	volatile uint8_t v = TOAST_VERIFY_BEFORE_LOAD;
	CHECK_EQ(toast_module_check_in(&v), 0);
	CHECK_EQ(v, TOAST_VERIFY_SEEN);
	CHECK_EQ(toast_module_check_in(&v), -1); /* a second look finds 0x7B, not 0x7A */
	CHECK_EQ(v, TOAST_VERIFY_MISMATCH);
	v = 0;
	CHECK_EQ(toast_module_check_in(&v), -1);
	CHECK_EQ(v, TOAST_VERIFY_MISMATCH);
}

TEST(only_a_loaded_restartable_module_is_restarted)
{
	CHECK(toast_may_restart(TOAST_VERIFY_LOADED, true, 1));
	CHECK(!toast_may_restart(TOAST_VERIFY_LOADED, false, 1));
	CHECK(!toast_may_restart(TOAST_VERIFY_LOADED, true, 0));
	static const uint8_t failed[] = { TOAST_VERIFY_BEFORE_LOAD, TOAST_VERIFY_SEEN,
					  TOAST_VERIFY_MISMATCH,    TOAST_VERIFY_CORRUPT,
					  TOAST_VERIFY_NO_INFO,     TOAST_VERIFY_NO_INSTANCE };
	for (unsigned i = 0; i < sizeof failed; i++)
		CHECK(!toast_may_restart(failed[i], true, 1));
}

TEST(backoff_doubles_and_is_bounded)
{
	CHECK_EQ(toast_backoff_ms(0), TOAST_BACKOFF_FIRST_MS);
	CHECK_EQ(toast_backoff_ms(1), 2 * TOAST_BACKOFF_FIRST_MS);
	CHECK_EQ(toast_backoff_ms(3), 8 * TOAST_BACKOFF_FIRST_MS);
	CHECK_EQ(toast_backoff_ms(30), TOAST_BACKOFF_MAX_MS);
	CHECK_EQ(toast_backoff_ms(UINT32_MAX), TOAST_BACKOFF_MAX_MS);
	for (uint32_t r = 0; r < 40; r++)
		CHECK(toast_backoff_ms(r + 1) >= toast_backoff_ms(r));
}

TEST(names_for_every_state)
{
	CHECK(strcmp(toast_verification_name(0x8B), "no _get_module_information") == 0);
	CHECK(strcmp(toast_verification_name(0x42), "unknown") == 0);
	for (uint8_t a = 0; a <= TOAST_ACTIVITY_RESTARTED; a++)
		CHECK(strcmp(toast_activity_name(a), "invalid") != 0);
	CHECK(strcmp(toast_activity_name(5), "invalid") == 0);
}

TEST(what_the_bootstrap_does_when_a_module_ends)
{
	/* Loaded: a crash restarts it only when both settings agree; status 0 is an end. */
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_LOADED, -1, true, 1), TOAST_EXIT_RESTART);
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_LOADED, 3, true, 1), TOAST_EXIT_RESTART);
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_LOADED, -1, false, 1), TOAST_EXIT_STAY_CRASHED);
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_LOADED, -1, true, 0), TOAST_EXIT_STAY_CRASHED);
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_LOADED, 0, true, 1), TOAST_EXIT_ENDED);
	/* Stopped during its load, whatever it says about restarts: never again. */
	static const uint8_t failed[] = { TOAST_VERIFY_SEEN,
					  TOAST_VERIFY_MISMATCH,
					  TOAST_VERIFY_CORRUPT,
					  TOAST_VERIFY_NO_INFO,
					  TOAST_VERIFY_NO_INSTANCE,
					  0x00,
					  0xFF };
	for (size_t i = 0; i < sizeof failed; i++) {
		CHECK_EQ(toast_after_exit(failed[i], -1, true, 1), TOAST_EXIT_NOT_LOADED);
		CHECK_EQ(toast_after_exit(failed[i], 0, true, 1), TOAST_EXIT_NOT_LOADED);
	}
	/* Still 0x7A: exec never ran it. */
	CHECK_EQ(toast_after_exit(TOAST_VERIFY_BEFORE_LOAD, 127, true, 1), TOAST_EXIT_EXEC_FAILED);
}

TEST(magmas_module_table_follows_the_seed_fields)
{
	static uint8_t bytes[TOAST_SHARED_SIZE];
	struct toast_shared *s = (struct toast_shared *)bytes;
	memset(bytes, 0, sizeof bytes);
	s->module_count = 2;
	s->module[1].pid = 0x01020304;
	s->module[1].restarts = 5;
	s->module[1].ticks = 7;
	memcpy(s->module[1].private_name, "toast.private.x", 16);
	CHECK_EQ(bytes[0x200], 2);
	CHECK_EQ(bytes[0x210 + 48 + 0], 0x04); /* little-endian pid */
	CHECK_EQ(bytes[0x210 + 48 + 3], 0x01);
	CHECK_EQ(bytes[0x210 + 48 + 4], 5);
	CHECK_EQ(bytes[0x210 + 48 + 8], 7);
	CHECK(memcmp(bytes + 0x210 + 48 + 16, "toast.private.x", 16) == 0);
	CHECK(sizeof(struct toast_shared) < 0x10000); /* the rest of the 1 MiB is the modules' */
	CHECK(TOAST_PRIVATE_NAME_BYTES <= sizeof s->module[0].private_name);
}

int main(void)
{
	RUN(private_block_fields_are_at_the_seed_offsets);
	RUN(shared_block_fields_are_at_the_seed_offsets);
	RUN(private_name_is_the_path_hash);
	RUN(module_file_verdicts);
	RUN(module_check_in);
	RUN(only_a_loaded_restartable_module_is_restarted);
	RUN(backoff_doubles_and_is_bounded);
	RUN(names_for_every_state);
	RUN(what_the_bootstrap_does_when_a_module_ends);
	RUN(magmas_module_table_follows_the_seed_fields);
	return check_summary();
}
