/*
 * tests/elf_build.h - ELF64 RISC-V executables written byte by byte, for the
 * host test and the fuzz target of lib/elf.
 *
 * Fields are written at the offsets the System V gABI gives (written out
 * here, not taken from lib/elf.c, so the tests check the code against the
 * spec). eb_minimal() writes a small valid executable a test then breaks
 * one field at a time:
 *   program header 0  PT_RISCV_ATTRIBUTES (not loaded: must be ignored)
 *   program header 1  text, R+X: file 0x1000..0x1100 at 0x1000, entry 0x1040
 *   program header 2  data, R+W: file 0x2000..0x2010 at 0x3000, memsz 0x1800
 * for the user range [EB_USER_LO, EB_USER_HI).
 */
#ifndef TESTS_ELF_BUILD_H
#define TESTS_ELF_BUILD_H

#include <stdint.h>
#include <string.h>

/* ELF header fields (gABI "ELF Header"), program header fields ("Program Header"). */
enum {
	EB_E_TYPE = 16,
	EB_E_MACHINE = 18,
	EB_E_VERSION = 20,
	EB_E_ENTRY = 24,
	EB_E_PHOFF = 32,
	EB_E_EHSIZE = 52,
	EB_E_PHENTSIZE = 54,
	EB_E_PHNUM = 56,
	EB_P_TYPE = 0,
	EB_P_FLAGS = 4,
	EB_P_OFFSET = 8,
	EB_P_VADDR = 16,
	EB_P_PADDR = 24,
	EB_P_FILESZ = 32,
	EB_P_MEMSZ = 40,
	EB_P_ALIGN = 48,
};

#define EB_PT_LOAD       1u
#define EB_PT_RISCV_ATTR 0x70000003u
#define EB_PF_X          1u
#define EB_PF_W          2u
#define EB_PF_R          4u

#define EB_PHOFF       64u
#define EB_PH(i)       (EB_PHOFF + 56u * (i)) /* offset of program header i */
#define EB_TEXT        1u                     /* program header index of the text */
#define EB_DATA        2u                     /* and of the data */
#define EB_ENTRY       0x1040u
#define EB_FILE_SIZE   0x2010u
#define EB_BUFFER_SIZE 0x3000u /* room to grow the file in tests */
#define EB_USER_LO     0x1000u
#define EB_USER_HI     0x80000000u

static inline void eb_put(uint8_t *p, uint64_t v, unsigned nbytes)
{
	for (unsigned i = 0; i < nbytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void eb_phdr(uint8_t *f, unsigned i, uint32_t type, uint32_t flags, uint64_t offset,
			   uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	uint8_t *ph = f + EB_PH(i);
	eb_put(ph + EB_P_TYPE, type, 4);
	eb_put(ph + EB_P_FLAGS, flags, 4);
	eb_put(ph + EB_P_OFFSET, offset, 8);
	eb_put(ph + EB_P_VADDR, vaddr, 8);
	eb_put(ph + EB_P_PADDR, vaddr, 8);
	eb_put(ph + EB_P_FILESZ, filesz, 8);
	eb_put(ph + EB_P_MEMSZ, memsz, 8);
	eb_put(ph + EB_P_ALIGN, 0x1000, 8);
}

/* Writes the minimal executable into f (EB_BUFFER_SIZE bytes); returns its size. */
static inline uint64_t eb_minimal(uint8_t *f)
{
	memset(f, 0, EB_BUFFER_SIZE);
	static const uint8_t ident[16] = { 0x7f,           'E',        'L', 'F',
					   2 /* 64-bit */, 1 /* LE */, 1 /* version */ };
	memcpy(f, ident, sizeof ident);
	eb_put(f + EB_E_TYPE, 2 /* ET_EXEC */, 2);
	eb_put(f + EB_E_MACHINE, 243 /* EM_RISCV */, 2);
	eb_put(f + EB_E_VERSION, 1, 4);
	eb_put(f + EB_E_ENTRY, EB_ENTRY, 8);
	eb_put(f + EB_E_PHOFF, EB_PHOFF, 8);
	eb_put(f + EB_E_EHSIZE, 64, 2);
	eb_put(f + EB_E_PHENTSIZE, 56, 2);
	eb_put(f + EB_E_PHNUM, 3, 2);
	eb_phdr(f, 0, EB_PT_RISCV_ATTR, EB_PF_R, 0x1100, 0, 0x10, 0);
	eb_phdr(f, EB_TEXT, EB_PT_LOAD, EB_PF_R | EB_PF_X, 0x1000, 0x1000, 0x100, 0x100);
	eb_phdr(f, EB_DATA, EB_PT_LOAD, EB_PF_R | EB_PF_W, 0x2000, 0x3000, 0x10, 0x1800);
	for (unsigned i = 0; i < 0x100; i += 4)
		eb_put(f + 0x1000 + i, 0x00000013 /* nop */, 4);
	return EB_FILE_SIZE;
}

/* Symbols, for lib/elf_symbol's tests. */
#define EB_STRTAB_AT 0x2010u
#define EB_SYMTAB_AT 0x2100u
#define EB_SHDRS_AT  0x2400u
#define EB_SHNUM     3u

struct eb_sym {
	const char *name;
	unsigned info; /* bind << 4 | type */
	unsigned shndx;
	uint64_t value;
};

#define EB_FUNC_GLOBAL (1u << 4 | 2u)
#define EB_FUNC_WEAK   (2u << 4 | 2u)
#define EB_FUNC_LOCAL  (0u << 4 | 2u)
#define EB_OBJ_GLOBAL  (1u << 4 | 1u)

static inline void eb_shdr(uint8_t *file, unsigned i, uint32_t type, uint64_t offset, uint64_t size,
			   uint32_t link, uint64_t entsize)
{
	uint8_t *sh = file + EB_SHDRS_AT + 64u * i;
	eb_put(sh + 4, type, 4);
	eb_put(sh + 24, offset, 8);
	eb_put(sh + 32, size, 8);
	eb_put(sh + 40, link, 4);
	eb_put(sh + 56, entsize, 8);
}

/*
 * The minimal executable with a section header table appended: [0] null,
 * [1] .strtab, [2] .symtab (the null symbol, then syms); returns the file's size.
 */
static inline size_t eb_symbols(uint8_t *file, const struct eb_sym *syms, unsigned n)
{
	eb_minimal(file);
	uint64_t str = 1; /* offset 0 is the empty name */
	for (unsigned i = 0; i < n; i++) {
		uint8_t *s = file + EB_SYMTAB_AT + 24u * (i + 1);
		size_t len = strlen(syms[i].name) + 1;
		memcpy(file + EB_STRTAB_AT + str, syms[i].name, len);
		eb_put(s + 0, str, 4);
		s[4] = (uint8_t)syms[i].info;
		eb_put(s + 6, syms[i].shndx, 2);
		eb_put(s + 8, syms[i].value, 8);
		str += len;
	}
	eb_put(file + 40, EB_SHDRS_AT, 8);
	eb_put(file + 58, 64, 2);
	eb_put(file + 60, EB_SHNUM, 2);
	eb_shdr(file, 1, 3 /* STRTAB */, EB_STRTAB_AT, str, 0, 0);
	eb_shdr(file, 2, 2 /* SYMTAB */, EB_SYMTAB_AT, 24u * (n + 1), 1, 24);
	return EB_SHDRS_AT + 64u * EB_SHNUM;
}

#endif
