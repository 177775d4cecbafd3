/*
 * tests/test_elf_symbol.c - lib/elf_symbol: exported functions found by name, and
 * every broken section or symbol table refused with its own code, never read past.
 *
 * The files are tests/elf_build.h's minimal executable with a symbol table
 * (eb_symbols).
 */
#include "check.h"
#include "elf_build.h"

#include "../lib/elf_symbol.h"

#include <string.h>

static uint8_t file[EB_BUFFER_SIZE];

static const struct eb_sym MODULE[] = {
	{ "main", EB_FUNC_GLOBAL, 1, 0x1000 },
	{ "_get_module_information", EB_FUNC_GLOBAL, 1, 0x1040 },
	{ "_allocate_module_instance", EB_FUNC_WEAK, 1, 0x1080 },
	{ "helper", EB_FUNC_LOCAL, 1, 0x10c0 },
	{ "table", EB_OBJ_GLOBAL, 2, 0x3000 },
	{ "missing_weak", EB_FUNC_WEAK, 0 /* SHN_UNDEF */, 0 },
};
#define NMODULE (sizeof MODULE / sizeof MODULE[0])

TEST(global_and_weak_functions_are_found)
{
	size_t size = eb_symbols(file, MODULE, NMODULE);
	uint64_t v = 0;
	CHECK_EQ(elf_find_function(file, size, "_get_module_information", &v), 0);
	CHECK_EQ(v, 0x1040);
	CHECK_EQ(elf_find_function(file, size, "_allocate_module_instance", &v), 0);
	CHECK_EQ(v, 0x1080);
}

TEST(locals_objects_undefined_and_absent_are_not)
{
	size_t size = eb_symbols(file, MODULE, NMODULE);
	uint64_t v = 7;
	CHECK_EQ(elf_find_function(file, size, "helper", &v), ELF_SYM_NOT_FOUND);
	CHECK_EQ(elf_find_function(file, size, "table", &v), ELF_SYM_NOT_FOUND);
	CHECK_EQ(elf_find_function(file, size, "missing_weak", &v), ELF_SYM_NOT_FOUND);
	CHECK_EQ(elf_find_function(file, size, "_get_module_info", &v), ELF_SYM_NOT_FOUND);
	CHECK_EQ(elf_find_function(file, size, "_get_module_informationX", &v), ELF_SYM_NOT_FOUND);
	CHECK_EQ(v, 7);
}

TEST(not_an_elf_file)
{
	uint64_t v;
	memset(file, 0, sizeof file);
	CHECK_EQ(elf_find_function(file, sizeof file, "main", &v), ELF_SYM_NOT_ELF);
	size_t size = eb_symbols(file, MODULE, NMODULE);
	CHECK_EQ(elf_find_function(file, 63, "main", &v), ELF_SYM_NOT_ELF);
	file[4] = 1; /* 32-bit */
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_NOT_ELF);
}

TEST(broken_section_header_tables)
{
	uint64_t v;
	size_t size = eb_symbols(file, MODULE, NMODULE);
	eb_put(file + 60, 0, 2);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_NO_SECTIONS);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_put(file + 58, 40, 2);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_SHENTSIZE);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_put(file + 60, 0xffff, 2);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_SHNUM);
	size = eb_symbols(file, MODULE, NMODULE);
	CHECK_EQ(elf_find_function(file, size - 1, "main", &v), ELF_SYM_SH_PAST_EOF);
	eb_put(file + 40, UINT64_MAX - 10, 8); /* an offset that wraps */
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_SH_PAST_EOF);
}

TEST(broken_symbol_and_string_tables)
{
	uint64_t v;
	size_t size = eb_symbols(file, MODULE, NMODULE);
	eb_shdr(file, 2, 2, EB_SYMTAB_AT, UINT64_MAX, 1, 24);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_TABLE_PAST_EOF);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_shdr(file, 2, 2, EB_SYMTAB_AT, 24u * (NMODULE + 1), 1, 16);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_ENTSIZE);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_shdr(file, 2, 2, EB_SYMTAB_AT, 24u * (NMODULE + 1), 2 /* itself */, 24);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_STRTAB);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_shdr(file, 2, 2, EB_SYMTAB_AT, 24u * (NMODULE + 1), 9 /* no such section */, 24);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_STRTAB);
	size = eb_symbols(file, MODULE, NMODULE);
	eb_shdr(file, 1, 3, EB_STRTAB_AT, size, 0, 0); /* the string table runs past the file */
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_TABLE_PAST_EOF);
}

TEST(a_name_that_runs_off_its_table_does_not_match)
{
	uint64_t v;
	size_t size = eb_symbols(file, MODULE, NMODULE);
	/* The string table ends in the middle of "main": no NUL inside it. */
	eb_shdr(file, 1, 3, EB_STRTAB_AT, 3, 0, 0);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_NOT_FOUND);
	/* A name offset far past the table. */
	size = eb_symbols(file, MODULE, NMODULE);
	eb_put(file + EB_SYMTAB_AT + 24, 0xfffffff0u, 4);
	CHECK_EQ(elf_find_function(file, size, "main", &v), ELF_SYM_NOT_FOUND);
}

TEST(every_error_has_a_description)
{
	for (int e = ELF_SYM_STRTAB; e <= ELF_SYM_NOT_FOUND; e++)
		CHECK(strcmp(elf_symbol_strerror(e), "unknown ELF symbol error") != 0);
	CHECK(strcmp(elf_symbol_strerror(0), "ok") == 0);
}

int main(void)
{
	RUN(global_and_weak_functions_are_found);
	RUN(locals_objects_undefined_and_absent_are_not);
	RUN(not_an_elf_file);
	RUN(broken_section_header_tables);
	RUN(broken_symbol_and_string_tables);
	RUN(a_name_that_runs_off_its_table_does_not_match);
	RUN(every_error_has_a_description);
	return check_summary();
}
