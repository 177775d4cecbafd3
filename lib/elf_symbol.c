/*
 * lib/elf_symbol.c - an exported function, by name (see elf_symbol.h).
 */
#include "elf_symbol.h"

#include <stdbool.h>

/* Fields used, by offset: the file header, a section header, a symbol. */
#define E_SHOFF     40
#define E_SHENTSIZE 58
#define E_SHNUM     60
#define SH_TYPE     4
#define SH_OFFSET   24
#define SH_SIZE     32
#define SH_LINK     40
#define SH_ENTSIZE  56
#define ST_NAME     0
#define ST_INFO     4
#define ST_SHNDX    6
#define ST_VALUE    8

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_DYNSYM 11
#define STT_FUNC   2
#define STB_GLOBAL 1
#define STB_WEAK   2
#define SHN_UNDEF  0
#define EHDR_SIZE  64u

const char *elf_symbol_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case ELF_SYM_NOT_FOUND: return "no such function is defined";
	case ELF_SYM_NOT_ELF: return "not a little-endian ELF64 file";
	case ELF_SYM_NO_SECTIONS: return "no section header table (a stripped or broken file)";
	case ELF_SYM_SHENTSIZE: return "section header size is not 64";
	case ELF_SYM_SHNUM: return "too many sections";
	case ELF_SYM_SH_PAST_EOF: return "section header table ends past the file";
	case ELF_SYM_TABLE_PAST_EOF: return "a symbol or string table ends past the file";
	case ELF_SYM_ENTSIZE: return "symbol size is not 24";
	case ELF_SYM_STRTAB: return "a symbol table's names are not in a string table";
	default: return "unknown ELF symbol error";
	}
}

static uint64_t le(const uint8_t *p, unsigned nbytes)
{
	uint64_t v = 0;
	for (unsigned i = nbytes; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* [offset, offset + size) lies inside a file of file_size bytes (no wrap). */
static bool inside(uint64_t offset, uint64_t size, uint64_t file_size)
{
	return offset <= file_size && size <= file_size - offset;
}

/* The string at strtab[at], if it is name: ended by a NUL inside the table. */
static bool name_is(const uint8_t *strtab, uint64_t strtab_size, uint64_t at, const char *name)
{
	for (uint64_t i = 0; i <= ELF_MAX_NAME; i++) {
		if (at >= strtab_size || i > strtab_size - at - 1)
			return false; /* runs off the end of the table before its NUL */
		uint8_t c = strtab[at + i];
		if (c != (uint8_t)name[i])
			return false;
		if (c == 0)
			return true;
	}
	return false;
}

/* Looks through one symbol table (section header sh); 1 found, 0 not, or an error. */
static int search_table(const uint8_t *f, uint64_t file_size, const uint8_t *sections,
			unsigned shnum, const uint8_t *sh, const char *name, uint64_t *value)
{
	uint64_t offset = le(sh + SH_OFFSET, 8), size = le(sh + SH_SIZE, 8);
	if (le(sh + SH_ENTSIZE, 8) != ELF_SYM_SIZE)
		return ELF_SYM_ENTSIZE;
	if (!inside(offset, size, file_size))
		return ELF_SYM_TABLE_PAST_EOF;
	uint32_t link = (uint32_t)le(sh + SH_LINK, 4);
	if (link >= shnum ||
	    le(sections + (uint64_t)link * ELF_SHDR_SIZE + SH_TYPE, 4) != SHT_STRTAB)
		return ELF_SYM_STRTAB;
	const uint8_t *strsh = sections + (uint64_t)link * ELF_SHDR_SIZE;
	uint64_t str_offset = le(strsh + SH_OFFSET, 8), str_size = le(strsh + SH_SIZE, 8);
	if (!inside(str_offset, str_size, file_size))
		return ELF_SYM_TABLE_PAST_EOF;
	for (uint64_t at = 0; at + ELF_SYM_SIZE <= size; at += ELF_SYM_SIZE) {
		const uint8_t *sym = f + offset + at;
		unsigned info = sym[ST_INFO], bind = info >> 4;
		if ((info & 0xf) != STT_FUNC || (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		if (le(sym + ST_SHNDX, 2) == SHN_UNDEF)
			continue;
		if (name_is(f + str_offset, str_size, le(sym + ST_NAME, 4), name)) {
			*value = le(sym + ST_VALUE, 8);
			return 1;
		}
	}
	return 0;
}

int elf_find_function(const void *file, size_t file_size, const char *name, uint64_t *value)
{
	const uint8_t *f = file;
	if (file_size < EHDR_SIZE || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F' ||
	    f[4] != 2 /* ELFCLASS64 */ || f[5] != 1 /* ELFDATA2LSB */)
		return ELF_SYM_NOT_ELF;
	uint64_t shoff = le(f + E_SHOFF, 8);
	unsigned shnum = (unsigned)le(f + E_SHNUM, 2);
	if (shoff == 0 || shnum == 0)
		return ELF_SYM_NO_SECTIONS;
	if (le(f + E_SHENTSIZE, 2) != ELF_SHDR_SIZE)
		return ELF_SYM_SHENTSIZE;
	if (shnum > ELF_MAX_SHNUM)
		return ELF_SYM_SHNUM;
	if (!inside(shoff, (uint64_t)shnum * ELF_SHDR_SIZE, file_size))
		return ELF_SYM_SH_PAST_EOF;
	const uint8_t *sections = f + shoff;
	int found = ELF_SYM_NOT_FOUND;
	for (unsigned i = 0; i < shnum; i++) {
		const uint8_t *sh = sections + (uint64_t)i * ELF_SHDR_SIZE;
		uint32_t type = (uint32_t)le(sh + SH_TYPE, 4);
		if (type != SHT_SYMTAB && type != SHT_DYNSYM)
			continue;
		uint64_t here;
		int r = search_table(f, file_size, sections, shnum, sh, name, &here);
		if (r < 0)
			return r;
		if (r == 1 && found != 0) { /* the first table that has it gives the value */
			*value = here;
			found = 0;
		}
	}
	return found;
}
