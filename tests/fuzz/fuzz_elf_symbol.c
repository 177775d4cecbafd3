/*
 * tests/fuzz/fuzz_elf_symbol.c - libFuzzer target: input bytes as a whole file
 * for lib/elf_symbol's elf_find_function.
 *
 * The bytes are copied into a buffer of exactly their size, so AddressSanitizer
 * stops any read past the file. Checked: the answer is 0 or one of the
 * ELF_SYM_* codes, each with a description; a name found is in the file
 * (NUL-ended); the answer does not change with the file copied into a bigger
 * buffer of the same stated size.
 *
 * `make fuzz` builds it with the sources of mm/ and lib/ and runs it; or:
 * build/fuzz/fuzz_elf_symbol -max_total_time=60
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/elf_symbol.h"

#define ASSERT(cond)                                                                        \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "fuzz_elf_symbol: %s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

static const char *const NAMES[] = { "_get_module_information", "_allocate_module_instance", "a",
				     "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *exact = malloc(size ? size : 1);
	uint8_t *roomy = calloc(size + 4096, 1);
	memcpy(exact, data, size);
	memcpy(roomy, data, size);
	for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
		uint64_t v1 = 0, v2 = 0;
		int r = elf_find_function(exact, size, NAMES[i], &v1);
		ASSERT(r == 0 || (r <= ELF_SYM_NOT_FOUND && r >= ELF_SYM_STRTAB));
		ASSERT(strcmp(elf_symbol_strerror(r), "unknown ELF symbol error") != 0);
		ASSERT(elf_find_function(roomy, size, NAMES[i], &v2) == r);
		if (r == 0) {
			ASSERT(v1 == v2);
			size_t len = strlen(NAMES[i]) + 1;
			ASSERT(memmem(exact, size, NAMES[i], len) != NULL);
		}
	}
	free(exact);
	free(roomy);
	return 0;
}
