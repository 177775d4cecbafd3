/*
 * tests/test_elf.c - host tests for lib/elf: a valid executable built in the
 * test is accepted and listed, and each defect, put into it one at a time,
 * is refused with its own code. Then the real ELF files the build made
 * (kernel, guard, user programs), when there are any.
 */
#include <dirent.h>
#include <stdbool.h>
#include <string.h>

#include "../include/user_layout.h"
#include "../lib/elf.h"
#include "check.h"
#include "elf_build.h"

static uint8_t file[EB_BUFFER_SIZE];
static uint64_t file_size;
static struct elf_image img;

static void fresh(void)
{
	file_size = eb_minimal(file);
	memset(&img, 0xa5, sizeof img);
}

/* elf_check on the whole file as the loader would call it. */
static int check(void)
{
	return elf_check(file, sizeof file, file_size, EB_USER_LO, EB_USER_HI, &img);
}

static void set_ph(unsigned i, unsigned field, uint64_t v)
{
	eb_put(file + EB_PH(i) + field, v, field == EB_P_TYPE || field == EB_P_FLAGS ? 4 : 8);
}

/* One defect: refused with want, and the minimal file accepted again after. */
#define CHECK_REFUSED(want)                                                                   \
	do {                                                                                  \
		int rc_ = check();                                                            \
		if (rc_ != (want))                                                            \
			fprintf(stderr, "  got %d (%s), wanted %s\n", rc_, elf_strerror(rc_), \
				#want);                                                       \
		CHECK_EQ(rc_, want);                                                          \
		fresh();                                                                      \
	} while (0)

TEST(accepts_the_minimal_executable)
{
	fresh();
	CHECK_EQ(check(), 0);
	CHECK_EQ(img.entry, EB_ENTRY);
	CHECK_EQ(img.nsegments, 2);
	CHECK_EQ(img.segment[0].vaddr, 0x1000);
	CHECK_EQ(img.segment[0].memsz, 0x100);
	CHECK_EQ(img.segment[0].offset, 0x1000);
	CHECK_EQ(img.segment[0].filesz, 0x100);
	CHECK_EQ(img.segment[0].flags, ELF_SEG_R | ELF_SEG_X);
	CHECK_EQ(img.segment[1].vaddr, 0x3000);
	CHECK_EQ(img.segment[1].memsz, 0x1800);
	CHECK_EQ(img.segment[1].offset, 0x2000);
	CHECK_EQ(img.segment[1].filesz, 0x10);
	CHECK_EQ(img.segment[1].flags, ELF_SEG_R | ELF_SEG_W);
	CHECK_EQ(img.lo, 0x1000);
	CHECK_EQ(img.hi, 0x5000);
	/* Only the headers need be in the bytes given. */
	CHECK_EQ(elf_check(file, EB_PH(3), file_size, EB_USER_LO, EB_USER_HI, &img), 0);
}

/* The header may sit at any address: fields are read byte by byte. */
TEST(accepts_headers_at_any_alignment)
{
	fresh();
	static uint8_t shifted[EB_BUFFER_SIZE + 1];
	memcpy(shifted + 1, file, EB_PH(3));
	CHECK_EQ(elf_check(shifted + 1, EB_PH(3), file_size, EB_USER_LO, EB_USER_HI, &img), 0);
	CHECK_EQ(img.entry, EB_ENTRY);
}

TEST(refuses_bad_magic)
{
	for (int i = 0; i < 4; i++) {
		fresh();
		file[i] ^= 0x20;
		CHECK_REFUSED(ELF_ERR_MAGIC);
	}
}

TEST(refuses_the_wrong_class_byte_order_and_version)
{
	fresh();
	file[4] = 1; /* ELFCLASS32 */
	CHECK_REFUSED(ELF_ERR_CLASS);
	file[4] = 0;
	CHECK_REFUSED(ELF_ERR_CLASS);
	file[5] = 2; /* big-endian */
	CHECK_REFUSED(ELF_ERR_ENDIAN);
	file[6] = 2;
	CHECK_REFUSED(ELF_ERR_VERSION);
	eb_put(file + EB_E_VERSION, 0, 4);
	CHECK_REFUSED(ELF_ERR_VERSION);
}

TEST(refuses_the_wrong_type)
{
	fresh();
	eb_put(file + EB_E_TYPE, 3 /* ET_DYN */, 2);
	CHECK_REFUSED(ELF_ERR_TYPE);
	eb_put(file + EB_E_TYPE, 1 /* ET_REL */, 2);
	CHECK_REFUSED(ELF_ERR_TYPE);
	eb_put(file + EB_E_TYPE, 0x102, 2);
	CHECK_REFUSED(ELF_ERR_TYPE);
}

TEST(refuses_the_wrong_machine)
{
	fresh();
	eb_put(file + EB_E_MACHINE, 62 /* x86-64 */, 2);
	CHECK_REFUSED(ELF_ERR_MACHINE);
	eb_put(file + EB_E_MACHINE, 243 + 256, 2);
	CHECK_REFUSED(ELF_ERR_MACHINE);
}

TEST(refuses_the_wrong_program_header_size)
{
	fresh();
	eb_put(file + EB_E_PHENTSIZE, 32 /* ELF32's */, 2);
	CHECK_REFUSED(ELF_ERR_PHENTSIZE);
	eb_put(file + EB_E_PHENTSIZE, 57, 2);
	CHECK_REFUSED(ELF_ERR_PHENTSIZE);
}

TEST(refuses_no_program_headers_and_too_many)
{
	fresh();
	eb_put(file + EB_E_PHNUM, 0, 2);
	CHECK_REFUSED(ELF_ERR_PHNUM);
	eb_put(file + EB_E_PHNUM, ELF_MAX_PHNUM + 1, 2);
	CHECK_REFUSED(ELF_ERR_PHNUM);
	eb_put(file + EB_E_PHNUM, 0xffff, 2);
	CHECK_REFUSED(ELF_ERR_PHNUM);
	/* ELF_MAX_PHNUM is fine; the extra ones are PT_NULL (all zero) and ignored. */
	eb_put(file + EB_E_PHNUM, ELF_MAX_PHNUM, 2);
	CHECK_EQ(check(), 0);
}

TEST(refuses_a_program_header_table_past_the_file)
{
	fresh();
	eb_put(file + EB_E_PHOFF, file_size - 3 * 56 + 1, 8);
	CHECK_REFUSED(ELF_ERR_PH_PAST_EOF);
	eb_put(file + EB_E_PHOFF, UINT64_MAX - 8, 8); /* phoff + size wraps */
	CHECK_REFUSED(ELF_ERR_PH_PAST_EOF);
	file_size = EB_PH(3) - 1; /* the file ends inside the last program header */
	CHECK_REFUSED(ELF_ERR_PH_PAST_EOF);
}

/* Inside the file, but past the bytes the loader read: a loader limit, named as such. */
TEST(refuses_program_headers_past_the_bytes_given)
{
	fresh();
	CHECK_EQ(elf_check(file, EB_PH(3) - 1, file_size, EB_USER_LO, EB_USER_HI, &img),
		 ELF_ERR_UNREAD);
	/* Less than a file header, in a buffer of exactly that size (AddressSanitizer watches). */
	for (size_t n = 0; n < 64; n++) {
		uint8_t *part = malloc(n ? n : 1);
		memcpy(part, file, n);
		CHECK_EQ(elf_check(part, n, file_size, EB_USER_LO, EB_USER_HI, &img),
			 ELF_ERR_UNREAD);
		free(part);
	}
	/* Bytes given past the file's end are no part of it. */
	CHECK_EQ(elf_check(file, sizeof file, EB_PH(3) - 1, EB_USER_LO, EB_USER_HI, &img),
		 ELF_ERR_PH_PAST_EOF);
}

TEST(refuses_a_file_shorter_than_its_headers)
{
	fresh();
	for (uint64_t n = 0; n < 64; n++) {
		file_size = n;
		CHECK_EQ(check(), ELF_ERR_SHORT);
	}
	/* Every size short of the last byte of text is refused somewhere; none reads past it. */
	for (uint64_t n = 64; n < EB_FILE_SIZE; n += 7) {
		fresh();
		uint8_t *exact = malloc(n);
		memcpy(exact, file, n);
		int rc = elf_check(exact, n, n, EB_USER_LO, EB_USER_HI, &img);
		CHECK(rc == ELF_ERR_PH_PAST_EOF || rc == ELF_ERR_SEG_PAST_EOF);
		free(exact);
	}
}

TEST(refuses_filesz_over_memsz)
{
	fresh();
	set_ph(EB_DATA, EB_P_FILESZ, 0x1801);
	CHECK_REFUSED(ELF_ERR_FILESZ);
	set_ph(EB_DATA, EB_P_FILESZ, 0x1800);
	set_ph(EB_DATA, EB_P_OFFSET, 0); /* all of it in the file; aligned like 0x3000 */
	CHECK_EQ(check(), 0);
}

TEST(refuses_segment_bytes_past_the_end_of_the_file)
{
	fresh();
	set_ph(EB_DATA, EB_P_FILESZ, 0x11); /* one byte past EB_FILE_SIZE */
	CHECK_REFUSED(ELF_ERR_SEG_PAST_EOF);
	set_ph(EB_DATA, EB_P_OFFSET, EB_FILE_SIZE + 0x1000);
	set_ph(EB_DATA, EB_P_FILESZ, 0);
	CHECK_REFUSED(ELF_ERR_SEG_PAST_EOF);
	set_ph(EB_DATA, EB_P_OFFSET, UINT64_MAX - 0xfff); /* offset + filesz wraps to 0xf */
	CHECK_REFUSED(ELF_ERR_SEG_PAST_EOF);
}

TEST(refuses_a_segment_whose_end_wraps)
{
	fresh();
	set_ph(EB_DATA, EB_P_VADDR, UINT64_MAX - 0xfff); /* + 0x1800 wraps */
	CHECK_REFUSED(ELF_ERR_SEG_WRAPS);
	/* Ends at the last byte: no wrap, but its last page's end would. */
	set_ph(EB_DATA, EB_P_VADDR, UINT64_MAX - 0x1800);
	set_ph(EB_DATA, EB_P_OFFSET, 0x7ff); /* the same offset in its page */
	CHECK_REFUSED(ELF_ERR_SEG_WRAPS);
	set_ph(EB_DATA, EB_P_MEMSZ, UINT64_MAX);
	CHECK_REFUSED(ELF_ERR_SEG_WRAPS);
}

TEST(refuses_a_segment_outside_the_user_range)
{
	fresh();
	set_ph(EB_TEXT, EB_P_VADDR, 0); /* page 0 */
	CHECK_REFUSED(ELF_ERR_SEG_RANGE);
	set_ph(EB_DATA, EB_P_VADDR, EB_USER_HI - 0x1000); /* ends 0x800 past the top */
	CHECK_REFUSED(ELF_ERR_SEG_RANGE);
	set_ph(EB_DATA, EB_P_VADDR, 0xffffffffc0000000ull); /* kernel addresses */
	CHECK_REFUSED(ELF_ERR_SEG_RANGE);
	/* The range counts whole pages: the last page of the data may not pass the top. */
	CHECK_EQ(elf_check(file, sizeof file, file_size, EB_USER_LO, 0x4800, &img),
		 ELF_ERR_SEG_RANGE);
	CHECK_EQ(elf_check(file, sizeof file, file_size, EB_USER_LO, 0x5000, &img), 0);
	CHECK_EQ(elf_check(file, sizeof file, file_size, 0x1001, EB_USER_HI, &img),
		 ELF_ERR_SEG_RANGE);
}

/* A PT_LOAD of no bytes maps no page: it needs no room, but its other fields are checked. */
TEST(empty_segments_are_checked_but_not_listed)
{
	fresh();
	set_ph(EB_DATA, EB_P_MEMSZ, 0);
	set_ph(EB_DATA, EB_P_FILESZ, 0);
	set_ph(EB_DATA, EB_P_VADDR, 0);
	set_ph(EB_DATA, EB_P_OFFSET, 0);
	CHECK_EQ(check(), 0);
	CHECK_EQ(img.nsegments, 1);
	CHECK_EQ(img.hi, 0x2000);
	set_ph(EB_DATA, EB_P_FILESZ, 1);
	CHECK_EQ(check(), ELF_ERR_FILESZ);
	set_ph(EB_DATA, EB_P_FILESZ, 0);
	set_ph(EB_DATA, EB_P_OFFSET, 1);
	CHECK_EQ(check(), ELF_ERR_MISALIGNED);
	set_ph(EB_DATA, EB_P_OFFSET, EB_FILE_SIZE + 1);
	CHECK_EQ(check(), ELF_ERR_SEG_PAST_EOF);
}

TEST(refuses_a_misaligned_segment)
{
	fresh();
	set_ph(EB_DATA, EB_P_OFFSET, 0x2001);
	set_ph(EB_DATA, EB_P_FILESZ, 0xf);
	CHECK_REFUSED(ELF_ERR_MISALIGNED);
	set_ph(EB_TEXT, EB_P_VADDR, 0x1010);
	CHECK_REFUSED(ELF_ERR_MISALIGNED);
	/* Not page aligned, but the same offset in its page: fine. */
	set_ph(EB_DATA, EB_P_OFFSET, 0x1f00);
	set_ph(EB_DATA, EB_P_VADDR, 0x3f00);
	CHECK_EQ(check(), 0);
}

TEST(refuses_overlapping_segments)
{
	fresh();
	set_ph(EB_DATA, EB_P_VADDR, 0x1000); /* on the text */
	set_ph(EB_DATA, EB_P_OFFSET, 0x2000);
	CHECK_REFUSED(ELF_ERR_OVERLAP);
	/* Bytes apart, but in the text's page. */
	set_ph(EB_DATA, EB_P_VADDR, 0x1100);
	set_ph(EB_DATA, EB_P_OFFSET, 0x1100);
	set_ph(EB_DATA, EB_P_FILESZ, 0);
	CHECK_REFUSED(ELF_ERR_OVERLAP);
	/* In program header order the data comes first, the text overlaps it. */
	eb_phdr(file, 1, EB_PT_LOAD, EB_PF_R | EB_PF_W, 0x800, 0x1800, 0x10, 0x1800);
	eb_phdr(file, 2, EB_PT_LOAD, EB_PF_R | EB_PF_X, 0x1000, 0x1000, 0x100, 0x100);
	CHECK_REFUSED(ELF_ERR_OVERLAP);
	/* The next page is free to use. */
	set_ph(EB_DATA, EB_P_VADDR, 0x2000);
	set_ph(EB_DATA, EB_P_OFFSET, 0x2000);
	CHECK_EQ(check(), 0);
	/* A third segment on the data, in program header order after both. */
	eb_put(file + EB_E_PHNUM, 4, 2);
	eb_phdr(file, 3, EB_PT_LOAD, EB_PF_R, 0x1000, 0x3000, 0, 0x10);
	CHECK_REFUSED(ELF_ERR_OVERLAP);
}

TEST(refuses_an_entry_outside_the_code)
{
	fresh();
	eb_put(file + EB_E_ENTRY, 0x3000, 8); /* in the data, which is not X */
	CHECK_REFUSED(ELF_ERR_ENTRY);
	eb_put(file + EB_E_ENTRY, 0x1100, 8); /* just past the text */
	CHECK_REFUSED(ELF_ERR_ENTRY);
	eb_put(file + EB_E_ENTRY, 0, 8);
	CHECK_REFUSED(ELF_ERR_ENTRY);
	eb_put(file + EB_E_ENTRY, 0xfff, 8);
	CHECK_REFUSED(ELF_ERR_ENTRY);
	/* In the text's zero-filled tail: not code from the file. */
	set_ph(EB_TEXT, EB_P_MEMSZ, 0x200);
	eb_put(file + EB_E_ENTRY, 0x1180, 8);
	CHECK_REFUSED(ELF_ERR_ENTRY);
	eb_put(file + EB_E_ENTRY, 0x10ff, 8); /* the text's last byte */
	CHECK_EQ(check(), 0);
	/* No executable segment at all. */
	set_ph(EB_TEXT, EB_P_FLAGS, EB_PF_R);
	CHECK_REFUSED(ELF_ERR_ENTRY);
	/* Not loadable: the same header as PT_NULL. */
	set_ph(EB_TEXT, EB_P_TYPE, 0);
	CHECK_REFUSED(ELF_ERR_ENTRY);
}

/* Flags other than R, W, X (OS- and processor-specific bits) do not reach the loader. */
TEST(segment_flags_keep_only_r_w_x)
{
	fresh();
	set_ph(EB_TEXT, EB_P_FLAGS, 0xf0000000u | EB_PF_X);
	CHECK_EQ(check(), 0);
	CHECK_EQ(img.segment[0].flags, ELF_SEG_X);
}

/* Checks one ELF file of the build against the range it is linked for. */
static void check_built(const char *path, uint64_t lo, uint64_t hi)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	static uint8_t head[4096];
	size_t n = fread(head, 1, sizeof head, f);
	fseek(f, 0, SEEK_END);
	uint64_t size = (uint64_t)ftell(f);
	fclose(f);
	if (n < 4 || memcmp(head, "\177ELF", 4) != 0)
		return;
	int rc = elf_check(head, n, size, lo, hi, &img);
	if (rc == 0)
		printf("  %s: ok, %u segments, entry 0x%llx\n", path, img.nsegments,
		       (unsigned long long)img.entry);
	else
		printf("  %s: refused: %s\n", path, elf_strerror(rc));
	CHECK_EQ(rc, 0);
}

TEST(accepts_the_builds_own_elf_files)
{
	check_built("build/kernel/kernel.elf", 0, UINT64_MAX);
	check_built("build/guard/guard.elf", 0, UINT64_MAX);
	DIR *d = opendir("build/user");
	if (!d) {
		printf("  (no build/user: no user programs checked)\n");
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char path[512];
		snprintf(path, sizeof path, "build/user/%s", e->d_name);
		check_built(path, USER_TEXT_BASE, USER_STACK_GUARD);
	}
	closedir(d);
}

int main(void)
{
	RUN(accepts_the_minimal_executable);
	RUN(accepts_headers_at_any_alignment);
	RUN(refuses_bad_magic);
	RUN(refuses_the_wrong_class_byte_order_and_version);
	RUN(refuses_the_wrong_type);
	RUN(refuses_the_wrong_machine);
	RUN(refuses_the_wrong_program_header_size);
	RUN(refuses_no_program_headers_and_too_many);
	RUN(refuses_a_program_header_table_past_the_file);
	RUN(refuses_program_headers_past_the_bytes_given);
	RUN(refuses_a_file_shorter_than_its_headers);
	RUN(refuses_filesz_over_memsz);
	RUN(refuses_segment_bytes_past_the_end_of_the_file);
	RUN(refuses_a_segment_whose_end_wraps);
	RUN(refuses_a_segment_outside_the_user_range);
	RUN(empty_segments_are_checked_but_not_listed);
	RUN(refuses_a_misaligned_segment);
	RUN(refuses_overlapping_segments);
	RUN(refuses_an_entry_outside_the_code);
	RUN(segment_flags_keep_only_r_w_x);
	RUN(accepts_the_builds_own_elf_files);
	return check_summary();
}
