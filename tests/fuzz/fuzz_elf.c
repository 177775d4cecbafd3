/*
 * tests/fuzz/fuzz_elf.c - libFuzzer target: input bytes as the start of an
 * executable for lib/elf's elf_check.
 *
 * Input: a mode byte, two bytes of extra file length, then the file's first
 * bytes (up to a page, as the loader reads). Mode bit 3: those bytes and the
 * length are differences (xor) from the valid file of tests/elf_build.h, so
 * mutations start from an executable that loads; else bit 0 writes its file
 * header fields (magic, class, byte order, version, type, machine,
 * phentsize) over the input's, so most runs reach the program headers.
 * Bits 1-2 pick the user range. The bytes are copied into a buffer of exactly their size, so
 * AddressSanitizer stops any read past what the loader would have read.
 * Checked:
 *   header   the file header's codes match a model written here, in the
 *            order elf.h gives;
 *   accepted every listed segment obeys elf.h's rules (in the file, in the
 *            user range by whole pages, aligned, no shared page, filesz <=
 *            memsz), the entry lies in an executable segment's file bytes,
 *            and lo/hi bound the segments exactly;
 *   stable   the same answer for a larger file, for exactly the header bytes
 *            and for the user range shrunk to [lo, hi); one byte fewer of
 *            headers is UNREAD, a range one byte short on either side is
 *            SEG_RANGE.
 *
 * `make fuzz` builds it with the sources of mm/ and lib/ and runs it; or:
 * build/fuzz/fuzz_elf -max_total_time=60
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/elf.h"
#include "../elf_build.h"

#define ASSERT(cond)                                                                         \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_elf: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                             \
		}                                                                            \
	} while (0)

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The file header's verdict: a header code, or 0 when the program headers decide. */
static int model_header(const uint8_t *h, uint64_t len, uint64_t file_size)
{
	if (file_size < 64)
		return ELF_ERR_SHORT;
	if (len < 64)
		return ELF_ERR_UNREAD;
	if (memcmp(h, "\177ELF", 4) != 0)
		return ELF_ERR_MAGIC;
	if (h[4] != 2)
		return ELF_ERR_CLASS;
	if (h[5] != 1)
		return ELF_ERR_ENDIAN;
	if (h[6] != 1 || le(h + EB_E_VERSION, 4) != 1)
		return ELF_ERR_VERSION;
	if (le(h + EB_E_TYPE, 2) != 2)
		return ELF_ERR_TYPE;
	if (le(h + EB_E_MACHINE, 2) != 243)
		return ELF_ERR_MACHINE;
	if (le(h + EB_E_PHENTSIZE, 2) != 56)
		return ELF_ERR_PHENTSIZE;
	uint64_t phnum = le(h + EB_E_PHNUM, 2);
	if (phnum == 0 || phnum > ELF_MAX_PHNUM)
		return ELF_ERR_PHNUM;
	uint64_t phoff = le(h + EB_E_PHOFF, 8);
	if (phoff > file_size || phnum * 56 > file_size - phoff)
		return ELF_ERR_PH_PAST_EOF;
	if (phoff + phnum * 56 > len)
		return ELF_ERR_UNREAD;
	return 0;
}

static bool is_header_code(int rc)
{
	return rc <= ELF_ERR_SHORT && rc >= ELF_ERR_UNREAD;
}

/* What an accepted image must satisfy. */
static void check_accepted(const struct elf_image *img, uint64_t file_size, uint64_t lo,
			   uint64_t hi)
{
	const uint64_t page = ELF_PAGE_SIZE;
	ASSERT(img->nsegments >= 1 && img->nsegments <= ELF_MAX_PHNUM);
	bool entry_ok = false;
	uint64_t min_lo = UINT64_MAX, max_hi = 0;
	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->segment[i];
		ASSERT(s->memsz > 0 && s->filesz <= s->memsz);
		ASSERT(s->offset <= file_size && s->filesz <= file_size - s->offset);
		ASSERT(s->vaddr <= UINT64_MAX - s->memsz);
		uint64_t end = s->vaddr + s->memsz;
		ASSERT(end <= UINT64_MAX - (page - 1));
		uint64_t p_lo = s->vaddr / page * page, p_hi = (end + page - 1) / page * page;
		ASSERT(p_lo >= lo && p_hi <= hi);
		ASSERT(s->vaddr % page == s->offset % page);
		ASSERT((s->flags & ~(uint32_t)(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X)) == 0);
		for (unsigned j = 0; j < i; j++) {
			const struct elf_segment *t = &img->segment[j];
			uint64_t t_lo = t->vaddr / page * page;
			uint64_t t_hi = (t->vaddr + t->memsz + page - 1) / page * page;
			ASSERT(p_hi <= t_lo || t_hi <= p_lo);
		}
		if ((s->flags & ELF_SEG_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->filesz)
			entry_ok = true;
		min_lo = p_lo < min_lo ? p_lo : min_lo;
		max_hi = p_hi > max_hi ? p_hi : max_hi;
	}
	ASSERT(entry_ok);
	ASSERT(img->lo == min_lo && img->hi == max_hi);
}

static bool same_image(const struct elf_image *a, const struct elf_image *b)
{
	if (a->entry != b->entry || a->lo != b->lo || a->hi != b->hi ||
	    a->nsegments != b->nsegments)
		return false;
	for (unsigned i = 0; i < a->nsegments; i++) {
		const struct elf_segment *s = &a->segment[i], *t = &b->segment[i];
		if (s->vaddr != t->vaddr || s->memsz != t->memsz || s->offset != t->offset ||
		    s->filesz != t->filesz || s->flags != t->flags)
			return false;
	}
	return true;
}

/* The answers that must not change, or must change to a known code, once accepted. */
static void check_stable(const uint8_t *bytes, size_t len, uint64_t file_size, uint64_t lo,
			 uint64_t hi, const struct elf_image *img)
{
	struct elf_image again;
	ASSERT(elf_check(bytes, len, file_size + 4096, lo, hi, &again) == 0);
	ASSERT(same_image(img, &again));

	size_t headers = (size_t)(le(bytes + EB_E_PHOFF, 8) + 56 * le(bytes + EB_E_PHNUM, 2));
	ASSERT(elf_check(bytes, headers, file_size, lo, hi, &again) == 0);
	ASSERT(same_image(img, &again));
	ASSERT(elf_check(bytes, headers - 1, file_size, lo, hi, &again) == ELF_ERR_UNREAD);

	ASSERT(elf_check(bytes, len, file_size, img->lo, img->hi, &again) == 0);
	ASSERT(same_image(img, &again));
	ASSERT(elf_check(bytes, len, file_size, img->lo + 1, img->hi, &again) == ELF_ERR_SEG_RANGE);
	ASSERT(elf_check(bytes, len, file_size, img->lo, img->hi - 1, &again) == ELF_ERR_SEG_RANGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ranges[4][2] = {
		{ EB_USER_LO, EB_USER_HI },
		{ 0, UINT64_MAX },
		{ 0x10000, 0x20000 },
		{ 0x1000, 0x1000 }, /* empty: nothing loads */
	};
	uint8_t mode = size > 0 ? data[0] : 0;
	uint64_t extra = size > 2 ? le(data + 1, 2) : 0;
	size_t len = size > 3 ? size - 3 : 0;
	if (len > 4096)
		len = 4096;
	uint8_t *bytes = malloc(len ? len : 1);
	if (len)
		memcpy(bytes, data + 3, len);
	uint64_t file_size = len + extra;
	static uint8_t valid[EB_BUFFER_SIZE];
	static bool valid_written;
	if (!valid_written)
		valid_written = eb_minimal(valid) > 0;
	if (mode & 8) {
		/* The input is a difference from the valid file: all zeros is that file. */
		for (size_t i = 0; i < len; i++)
			bytes[i] ^= valid[i];
		file_size = EB_FILE_SIZE ^ extra;
	} else if (mode & 1) {
		static const struct {
			unsigned at, n;
		} fields[] = { { 0, 7 }, { EB_E_TYPE, 8 }, { EB_E_PHENTSIZE, 2 } };
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			for (unsigned b = fields[i].at; b < fields[i].at + fields[i].n && b < len;
			     b++)
				bytes[b] = valid[b];
		}
	}
	uint64_t lo = ranges[(mode >> 1) & 3][0], hi = ranges[(mode >> 1) & 3][1];

	struct elf_image img;
	int rc = elf_check(bytes, len, file_size, lo, hi, &img);
	ASSERT(rc == 0 || (rc <= ELF_ERR_SHORT && rc >= ELF_ERR_ENTRY));
	ASSERT(strcmp(elf_strerror(rc), elf_strerror(-100000)) != 0);

	int header = model_header(bytes, len, file_size);
	if (header)
		ASSERT(rc == header);
	else
		ASSERT(!is_header_code(rc));

	if (rc == 0) {
		check_accepted(&img, file_size, lo, hi);
		check_stable(bytes, len, file_size, lo, hi, &img);
	}
	free(bytes);
	return 0;
}
