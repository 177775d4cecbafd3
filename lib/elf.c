/*
 * lib/elf.c - the checks on an ELF64 RISC-V executable (see elf.h).
 *
 * Every sum of two file-supplied numbers is checked for wrap-around before
 * it is compared, and every field is read only after the bytes holding it
 * are known to be inside the buffer.
 */
#include "elf.h"

#include <stdbool.h>

/* e_ident bytes and values (gABI 4, "ELF Identification"). */
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define PT_LOAD     1

/* Offsets of the fields used, in the file header and in a program header. */
#define E_TYPE      16
#define E_MACHINE   18
#define E_VERSION   20
#define E_ENTRY     24
#define E_PHOFF     32
#define E_PHENTSIZE 54
#define E_PHNUM     56
#define P_TYPE      0
#define P_FLAGS     4
#define P_OFFSET    8
#define P_VADDR     16
#define P_FILESZ    32
#define P_MEMSZ     40

const char *elf_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case ELF_ERR_SHORT: return "file shorter than an ELF header";
	case ELF_ERR_MAGIC: return "not an ELF file (bad magic)";
	case ELF_ERR_CLASS: return "not a 64-bit ELF file";
	case ELF_ERR_ENDIAN: return "not a little-endian ELF file";
	case ELF_ERR_VERSION: return "unknown ELF version";
	case ELF_ERR_TYPE: return "not an executable (ELF type is not EXEC)";
	case ELF_ERR_MACHINE: return "not a RISC-V executable";
	case ELF_ERR_PHENTSIZE: return "program header size is not 56 bytes";
	case ELF_ERR_PHNUM: return "no program headers, or more than 16";
	case ELF_ERR_PH_PAST_EOF: return "program header table ends past the end of the file";
	case ELF_ERR_UNREAD: return "program headers lie past the bytes the loader read";
	case ELF_ERR_FILESZ: return "segment has more file bytes than memory bytes";
	case ELF_ERR_SEG_PAST_EOF: return "segment's file bytes end past the end of the file";
	case ELF_ERR_SEG_WRAPS: return "segment's address plus size wraps around";
	case ELF_ERR_SEG_RANGE: return "segment outside the user address range";
	case ELF_ERR_MISALIGNED:
		return "segment's address and file offset differ modulo the page size";
	case ELF_ERR_OVERLAP: return "two segments overlap or share a page";
	case ELF_ERR_ENTRY: return "entry point is not in the code of an executable segment";
	default: return "unknown ELF error";
	}
}

static uint64_t get_le(const uint8_t *p, unsigned nbytes)
{
	uint64_t v = 0;
	for (unsigned i = nbytes; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* The first page at or above a; false when that wraps past 2^64. */
static bool page_up(uint64_t a, uint64_t *up)
{
	uint64_t r = a % ELF_PAGE_SIZE ? ELF_PAGE_SIZE - a % ELF_PAGE_SIZE : 0;
	if (a > UINT64_MAX - r)
		return false;
	*up = a + r;
	return true;
}

/* The file header's fields, in the order a reader meets them. */
static int check_file_header(const uint8_t *h, uint64_t *phoff, unsigned *phnum)
{
	if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F')
		return ELF_ERR_MAGIC;
	if (h[EI_CLASS] != ELFCLASS64)
		return ELF_ERR_CLASS;
	if (h[EI_DATA] != ELFDATA2LSB)
		return ELF_ERR_ENDIAN;
	if (h[EI_VERSION] != EV_CURRENT || get_le(h + E_VERSION, 4) != EV_CURRENT)
		return ELF_ERR_VERSION;
	if (get_le(h + E_TYPE, 2) != ET_EXEC)
		return ELF_ERR_TYPE;
	if (get_le(h + E_MACHINE, 2) != ELF_EM_RISCV)
		return ELF_ERR_MACHINE;
	if (get_le(h + E_PHENTSIZE, 2) != ELF_PHDR_SIZE)
		return ELF_ERR_PHENTSIZE;
	*phnum = (unsigned)get_le(h + E_PHNUM, 2);
	if (*phnum == 0 || *phnum > ELF_MAX_PHNUM)
		return ELF_ERR_PHNUM;
	*phoff = get_le(h + E_PHOFF, 8);
	return 0;
}

/*
 * One PT_LOAD's own fields (not its neighbours), into *seg, with the pages
 * it covers in [*page_lo, *page_hi) (empty when memsz is 0).
 */
static int check_segment(const uint8_t *ph, uint64_t file_size, uint64_t user_lo, uint64_t user_hi,
			 struct elf_segment *seg, uint64_t *page_lo, uint64_t *page_hi)
{
	seg->flags = (uint32_t)get_le(ph + P_FLAGS, 4) & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X);
	seg->offset = get_le(ph + P_OFFSET, 8);
	seg->vaddr = get_le(ph + P_VADDR, 8);
	seg->filesz = get_le(ph + P_FILESZ, 8);
	seg->memsz = get_le(ph + P_MEMSZ, 8);
	if (seg->filesz > seg->memsz)
		return ELF_ERR_FILESZ;
	if (seg->offset > file_size || seg->filesz > file_size - seg->offset)
		return ELF_ERR_SEG_PAST_EOF;
	uint64_t end;
	if (seg->vaddr > UINT64_MAX - seg->memsz || !page_up(seg->vaddr + seg->memsz, &end))
		return ELF_ERR_SEG_WRAPS;
	*page_lo = seg->vaddr - seg->vaddr % ELF_PAGE_SIZE;
	*page_hi = seg->memsz ? end : *page_lo;
	if (seg->memsz && (*page_lo < user_lo || end > user_hi))
		return ELF_ERR_SEG_RANGE;
	if (seg->vaddr % ELF_PAGE_SIZE != seg->offset % ELF_PAGE_SIZE)
		return ELF_ERR_MISALIGNED;
	return 0;
}

int elf_check(const void *header_bytes, size_t header_len, uint64_t file_size, uint64_t user_lo,
	      uint64_t user_hi, struct elf_image *out)
{
	const uint8_t *bytes = header_bytes;
	if (file_size < ELF_EHDR_SIZE)
		return ELF_ERR_SHORT;
	if (header_len < ELF_EHDR_SIZE)
		return ELF_ERR_UNREAD;
	uint64_t phoff;
	unsigned phnum;
	int rc = check_file_header(bytes, &phoff, &phnum);
	if (rc)
		return rc;
	uint64_t table = (uint64_t)phnum * ELF_PHDR_SIZE; /* at most 16 * 56 */
	if (phoff > file_size || table > file_size - phoff)
		return ELF_ERR_PH_PAST_EOF;
	/* Inside the file first: bytes given past its end never count. */
	if (phoff + table > header_len)
		return ELF_ERR_UNREAD;

	uint64_t entry = get_le(bytes + E_ENTRY, 8);
	uint64_t page_lo[ELF_MAX_PHNUM], page_hi[ELF_MAX_PHNUM];
	bool entry_found = false;
	out->nsegments = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = bytes + phoff + (uint64_t)i * ELF_PHDR_SIZE;
		if (get_le(ph + P_TYPE, 4) != PT_LOAD)
			continue;
		unsigned n = out->nsegments;
		struct elf_segment *seg = &out->segment[n];
		rc = check_segment(ph, file_size, user_lo, user_hi, seg, &page_lo[n], &page_hi[n]);
		if (rc)
			return rc;
		if (seg->memsz == 0)
			continue;
		for (unsigned j = 0; j < n; j++) {
			if (page_lo[n] < page_hi[j] && page_lo[j] < page_hi[n])
				return ELF_ERR_OVERLAP;
		}
		if ((seg->flags & ELF_SEG_X) && entry >= seg->vaddr &&
		    entry - seg->vaddr < seg->filesz)
			entry_found = true;
		out->lo = n == 0 || page_lo[n] < out->lo ? page_lo[n] : out->lo;
		out->hi = n == 0 || page_hi[n] > out->hi ? page_hi[n] : out->hi;
		out->nsegments = n + 1;
	}
	if (!entry_found)
		return ELF_ERR_ENTRY;
	out->entry = entry;
	return 0;
}
