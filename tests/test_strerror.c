/*
 * tests/test_strerror.c - every error code of every module has a name of its own.
 *
 * For each module the codes are read from its header (every PREFIX_ERR_NAME
 * defined as a negative number, in an enum or a #define), so a code added
 * later is checked without touching this file. Then the test walks every
 * value from the module's highest code to its lowest and checks that each is
 * a defined code (no gaps), that its *_strerror name is not the module's
 * "unknown" fallback, and that no two codes share a name. The module's first
 * code, named here as a constant, must be among those read, so a header this
 * test no longer understands fails instead of passing with nothing checked.
 *
 * Run from the repository root (as tests/run_all.py does): headers are read
 * by their paths in the tree.
 */
#include <ctype.h>
#include <string.h>

#include "../kernel/sbi.h"
#include "../lib/elf.h"
#include "../lib/fs_layout.h"
#include "../lib/mbox.h"
#include "../mm/blockzero.h"
#include "../mm/facade.h"
#include "../mm/fdt.h"
#include "../mm/frame.h"
#include "../mm/heap.h"
#include "../mm/memmap.h"
#include "check.h"

#define MAX_CODES           64
#define FAR_FROM_EVERY_CODE -100000 /* no module uses it: its name is the fallback */

struct module {
	const char *header;
	const char *prefix;            /* e.g. "FDT_ERR_" */
	long first;                    /* the module's first code, as a constant */
	const char *(*name)(long err); /* its *_strerror (sbi_strerror already takes a long) */
};

/* The int-taking strerrors, adapted to one signature. */
static const char *fdt_err_name(long err)
{
	return fdt_strerror((int)err);
}
static const char *memmap_err_name(long err)
{
	return memmap_strerror((int)err);
}
static const char *frame_err_name(long err)
{
	return frame_strerror((int)err);
}
static const char *heap_err_name(long err)
{
	return heap_strerror((int)err);
}
static const char *facade_err_name(long err)
{
	return facade_strerror((int)err);
}
static const char *blockzero_err_name(long err)
{
	return blockzero_strerror((int)err);
}
static const char *mbox_err_name(long err)
{
	return mbox_strerror((int)err);
}
static const char *elf_err_name(long err)
{
	return elf_strerror((int)err);
}
static const char *fs_layout_err_name(long err)
{
	return fs_layout_strerror((int)err);
}

static const struct module modules[] = {
	{ "kernel/sbi.h", "SBI_ERR_", SBI_ERR_FAILED, sbi_strerror },
	{ "mm/fdt.h", "FDT_ERR_", FDT_ERR_NOTFOUND, fdt_err_name },
	{ "mm/memmap.h", "MEMMAP_ERR_", MEMMAP_ERR_FULL, memmap_err_name },
	{ "mm/frame.h", "FRAME_ERR_", FRAME_ERR_BADARG, frame_err_name },
	{ "mm/heap.h", "HEAP_ERR_", HEAP_ERR_NOMEM, heap_err_name },
	{ "mm/facade.h", "FACADE_ERR_", FACADE_ERR_RANGE, facade_err_name },
	{ "mm/blockzero.h", "BLOCKZERO_ERR_", BLOCKZERO_ERR_FULL, blockzero_err_name },
	{ "lib/mbox.h", "MBOX_ERR_", MBOX_ERR_MALFORMED, mbox_err_name },
	{ "lib/elf.h", "ELF_ERR_", ELF_ERR_SHORT, elf_err_name },
	{ "lib/fs_layout.h", "FS_LAYOUT_ERR_", FS_LAYOUT_ERR_MAGIC, fs_layout_err_name },
};

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/*
 * The values of every "PREFIXNAME = -N" / "#define PREFIXNAME -N" in text.
 * Returns how many (at most max); mentions in comments ("FDT_ERR_*") have no
 * "-N" after them and are skipped.
 */
static int codes_in(const char *text, const char *prefix, long *codes, int max)
{
	int n = 0;
	size_t plen = strlen(prefix);
	for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix)) {
		if (p > text && ident_char(p[-1]))
			continue;
		const char *q = p + plen;
		while (ident_char(*q))
			q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=')
			q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '-' || !isdigit((unsigned char)q[1]))
			continue;
		char *end;
		long value = strtol(q, &end, 10);
		if (ident_char(*end))
			continue;
		int seen = 0;
		for (int i = 0; i < n; i++)
			seen |= codes[i] == value;
		if (!seen && n < max)
			codes[n++] = value;
	}
	return n;
}

static int contains(const long *codes, int n, long value)
{
	for (int i = 0; i < n; i++) {
		if (codes[i] == value)
			return 1;
	}
	return 0;
}

/* Checks one module; returns the number of codes it checked. */
static int check_module(const struct module *m)
{
	size_t size;
	unsigned char *raw = check_read_file(m->header, &size);
	char *text = malloc(size + 1);
	memcpy(text, raw, size);
	text[size] = '\0';
	long codes[MAX_CODES];
	int n = codes_in(text, m->prefix, codes, MAX_CODES);
	free(text);
	free(raw);

	if (!contains(codes, n, m->first)) {
		fprintf(stderr, "  %s: no %s code %ld found in the header\n", m->header, m->prefix,
			m->first);
		CHECK(0);
		return 0;
	}
	long highest = codes[0], lowest = codes[0];
	for (int i = 1; i < n; i++) {
		highest = codes[i] > highest ? codes[i] : highest;
		lowest = codes[i] < lowest ? codes[i] : lowest;
	}
	const char *fallback = m->name(FAR_FROM_EVERY_CODE);
	for (long code = highest; code >= lowest; code--) {
		const char *name = m->name(code);
		int ok = contains(codes, n, code) && name && name[0] && strcmp(name, fallback) != 0;
		for (long other = highest; ok && other > code; other--)
			ok = strcmp(name, m->name(other)) != 0;
		if (!ok) {
			fprintf(stderr, "  %s: code %ld (of %ld..%ld): %s, name \"%s\"\n",
				m->header, code, highest, lowest,
				contains(codes, n, code) ? "defined" : "no constant (a gap)",
				name ? name : "(null)");
			CHECK(ok);
		}
	}
	/* The walk ends where the codes end: the next value is unknown again. */
	CHECK(strcmp(m->name(lowest - 1), fallback) == 0);
	return (int)(highest - lowest + 1);
}

TEST(every_code_of_every_module_has_its_own_name)
{
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		int checked = check_module(&modules[i]);
		printf("  %-16s %2d codes named\n", modules[i].header, checked);
		CHECK(checked >= 2);
	}
}

/* The header reader itself: enum and #define forms, comments and positive values skipped. */
TEST(codes_are_read_from_enums_and_defines)
{
	const char *text = "enum x { X_ERR_A = -3, /* X_ERR_* */ X_ERR_B = -4,\n"
			   "#define X_ERR_C\t-5\n#define X_ERR_KINDS 3\n#define XX_ERR_D -6\n"
			   "#define X_ERR_E -7u\n";
	long codes[8];
	int n = codes_in(text, "X_ERR_", codes, 8);
	CHECK_EQ(n, 3);
	CHECK(contains(codes, n, -3) && contains(codes, n, -4) && contains(codes, n, -5));
}

int main(void)
{
	RUN(codes_are_read_from_enums_and_defines);
	RUN(every_code_of_every_module_has_its_own_name);
	return check_summary();
}
