/*
 * lib/elf_symbol.h - finding a function an ELF64 executable exports, by name.
 *
 * The module bootstrap (issue 11) starts a module only if its file defines
 * the entry points the module protocol needs; this reads the file's symbol
 * tables (SHT_SYMTAB and SHT_DYNSYM) to say whether it does. Like elf_check
 * it is a pure function of the bytes it is given and reads them byte by
 * byte, checking every offset and size against the length first, so any
 * file, however broken, gets an error code and no read outside it. Spec:
 * the System V gABI, chapter 4 (sections, the symbol table, string tables).
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_ELF_SYMBOL_H
#define LIB_ELF_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#define ELF_SHDR_SIZE 64u   /* an ELF64 section header (e_shentsize) */
#define ELF_SYM_SIZE  24u   /* an ELF64 symbol (sh_entsize of a symbol table) */
#define ELF_MAX_SHNUM 4096u /* section headers accepted */
#define ELF_MAX_NAME  256u  /* symbol names compared, at most */

enum {
	ELF_SYM_NOT_FOUND = -30,      /* no defined global or weak function has the name */
	ELF_SYM_NOT_ELF = -31,        /* not a little-endian ELF64 file (too short or no magic) */
	ELF_SYM_NO_SECTIONS = -32,    /* no section header table: nothing to look in */
	ELF_SYM_SHENTSIZE = -33,      /* e_shentsize is not ELF_SHDR_SIZE */
	ELF_SYM_SHNUM = -34,          /* more than ELF_MAX_SHNUM sections */
	ELF_SYM_SH_PAST_EOF = -35,    /* the section header table ends past the file */
	ELF_SYM_TABLE_PAST_EOF = -36, /* a symbol or string table ends past the file */
	ELF_SYM_ENTSIZE = -37,        /* a symbol table's sh_entsize is not ELF_SYM_SIZE */
	ELF_SYM_STRTAB = -38,         /* a symbol table's sh_link is not a string table */
};

/* A short English description of an ELF_SYM_* code (or of 0). */
const char *elf_symbol_strerror(int err);

/*
 * Looks in the file_size bytes at file for a function symbol called name
 * (STT_FUNC, bound STB_GLOBAL or STB_WEAK, defined: st_shndx not SHN_UNDEF).
 * 0 with *value set to its st_value; ELF_SYM_NOT_FOUND if no table has one;
 * another ELF_SYM_* code if the file's section or symbol tables are broken
 * (a broken table is an error even when another table has the name).
 */
int elf_find_function(const void *file, size_t file_size, const char *name, uint64_t *value);

#endif
