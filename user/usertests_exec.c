/*
 * user/usertests_exec.c - exec: argv as the new program sees it, argv
 * limits, fds kept across exec, the old image freed, and ELF files the
 * kernel must refuse. The refused files are written at test time: one
 * small valid ELF (it checks its bss and exits 7) and variants of it with
 * one thing wrong each, so a refusal can only be for that one thing.
 *
 * Also `usertests -exec-helper ...` (ut_exec_helper), the program the argv
 * tests exec: it checks what it was given and says so in its exit status.
 */
#include <stddef.h>

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "include/user_layout.h"
#include "user/user.h"
#include "user/usertests.h"

static volatile int sentinel = 0x1234; /* a failed exec leaves it alone */

#define ELF_OK          "ut_elf_ok"
#define ELF_BAD         "ut_elf_bad"
#define ELF_EXIT_STATUS 7  /* what the valid ELF exits with when its bss is right */
#define HELPER_RAN      3  /* the helper's status in "ran" mode: an exec that should fail did not */
#define EXEC_REFUSED    40 /* a child's status when its exec returned -1 and it was intact */

/* ------------------------------------------------------- the exec helper */

/* argv: UT_SELF -exec-helper args N LEN s0..s(N-1), each s LEN bytes of one letter. */
static int check_args(int argc, char **argv)
{
	if (argc < 5)
		return 10;
	int n = atoi(argv[3]), len = atoi(argv[4]);
	if (argc != 5 + n)
		return 11;
	if (argv[argc] != 0)
		return 12;
	if ((uint64)argv % 8 != 0)
		return 13;
	for (int i = 0; i < argc; i++) {
		uint64 va = (uint64)argv[i];
		if (va < USER_STACK_TOP - USER_STACK_SIZE || va >= USER_STACK_TOP)
			return 14; /* argv lives on the new stack */
	}
	for (int i = 0; i < n; i++) {
		const char *s = argv[5 + i];
		if ((int)strlen(s) != len)
			return 15;
		for (int k = 0; k < len; k++)
			if (s[k] != 'a' + i % 26)
				return 16;
	}
	return 0;
}

int ut_exec_helper(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[2], "args") == 0)
		return check_args(argc, argv);
	if (argc == 4 && strcmp(argv[2], "fd") == 0)
		return write(atoi(argv[3]), "ok", 2) == 2 ? 0 : 20;
	if (argc >= 3 && strcmp(argv[2], "ran") == 0)
		return HELPER_RAN;
	return 30;
}

/* -------------------------------------------------------- argv and fds */

/* Execs the helper in "args" mode with n strings of len bytes; the child's status. */
static int exec_with_args(int n, int len)
{
	char nbuf[16], lenbuf[16];
	snprintf(nbuf, sizeof nbuf, "%d", n);
	snprintf(lenbuf, sizeof lenbuf, "%d", len);
	char **argv = malloc((n + 6) * sizeof(char *));
	CHECK(argv, "malloc failed");
	argv[0] = UT_SELF;
	argv[1] = UT_EXEC_HELPER;
	argv[2] = "args";
	argv[3] = nbuf;
	argv[4] = lenbuf;
	for (int i = 0; i < n; i++) {
		argv[5 + i] = malloc(len + 1);
		CHECK(argv[5 + i], "malloc failed");
		memset(argv[5 + i], 'a' + i % 26, len);
		argv[5 + i][len] = 0;
	}
	argv[5 + n] = 0;
	int pid = ut_fork();
	if (pid == 0) {
		int r = exec(UT_SELF, argv);
		exit(r == -1 && sentinel == 0x1234 ? EXEC_REFUSED : 1);
	}
	int status = ut_wait(pid);
	for (int i = 0; i < n; i++)
		free(argv[5 + i]);
	free(argv);
	return status;
}

/* Argument lists that must arrive whole: none, a few, one long one, exactly MAXARG. */
static void test_exec_argv(void)
{
	static const struct {
		int n, len;
	} cases[] = { { 0, 0 }, { 5, 1 }, { 1, 3000 }, { MAXARG - 5, 100 } };
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status = exec_with_args(cases[i].n, cases[i].len);
		CHECK(status == 0, "%d arguments (%d of %d bytes) arrived wrong (status %d)",
		      cases[i].n + 5, cases[i].n, cases[i].len, status);
	}
	/* more than a page of arguments: refused cleanly, or all there */
	int status = exec_with_args(3, 3000);
	CHECK(status == 0 || status == EXEC_REFUSED,
	      "9000 bytes of arguments: neither refused nor passed whole (status %d)", status);
}

/* In a child: exec(path, argv) must return -1 and leave the caller as it was. */
static void expect_exec_fails(const char *path, char **argv, const char *what)
{
	int pid = ut_fork();
	if (pid == 0) {
		int r = exec(path, argv);
		CHECK(r == -1, "exec with %s returned %d", what, r);
		CHECK(sentinel == 0x1234, "exec with %s failed but changed the caller's data",
		      what);
		exit(0);
	}
	int status = ut_wait(pid);
	if (status == UT_REPORTED)
		exit(UT_REPORTED);
	CHECK(status != HELPER_RAN && status != ELF_EXIT_STATUS, "exec with %s ran the program",
	      what);
	CHECK(status == 0, "exec with %s: the caller's exit status is %d", what, status);
}

static void test_exec_argv_limits(void)
{
	static char *many[MAXARG + 2];
	many[0] = UT_SELF;
	many[1] = UT_EXEC_HELPER;
	many[2] = "ran";
	for (int i = 3; i < MAXARG + 1; i++)
		many[i] = "x";
	many[MAXARG + 1] = 0;
	expect_exec_fails(UT_SELF, many, "MAXARG+1 arguments");

	/* one argument longer than the whole stack */
	uint64 huge = USER_STACK_SIZE + PGSIZE;
	char *big = sbrk((int)huge + 1);
	CHECK(big != (char *)-1, "sbrk failed");
	memset(big, 'b', huge);
	big[huge] = 0;
	char *with_big[] = { UT_SELF, UT_EXEC_HELPER, "ran", big, 0 };
	expect_exec_fails(UT_SELF, with_big, "an argument bigger than the stack");
	CHECK(sbrk(-(int)huge - 1) != (char *)-1, "sbrk shrink failed");

	/* argv itself, and one of its strings, at bad addresses */
	uint64 bad[UT_MAX_BAD];
	int n = ut_bad_addrs(UT_BAD_SOURCE, bad);
	for (int i = 0; i < n; i++) {
		char what[64];
		snprintf(what, sizeof what, "argv at %p", (void *)bad[i]);
		expect_exec_fails(UT_SELF, (char **)bad[i], what);
	}
	n = ut_bad_addrs(UT_BAD_STRING, bad);
	for (int i = 0; i < n; i++) {
		if (bad[i] == 0)
			continue; /* a 0 in argv is its end, not a bad argument */
		char what[64];
		char *bad_string[] = { UT_SELF, UT_EXEC_HELPER, "ran", (char *)bad[i], 0 };
		snprintf(what, sizeof what, "an argument at %p", (void *)bad[i]);
		expect_exec_fails(UT_SELF, bad_string, what);
	}

	/* an argv array that runs into the end of the heap with no 0 */
	char **end = (char **)ut_heap_end();
	char **unended = end - 4;
	unended[0] = UT_SELF;
	unended[1] = UT_EXEC_HELPER;
	unended[2] = "ran";
	unended[3] = "x";
	expect_exec_fails(UT_SELF, unended, "argv with no 0 before the heap's end");
}

static void test_exec_keeps_fds(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe failed");
	char fdbuf[16];
	snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
	int pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		char *argv[] = { UT_SELF, UT_EXEC_HELPER, "fd", fdbuf, 0 };
		exec(UT_SELF, argv);
		FAIL("exec %s returned", UT_SELF);
	}
	close(p[1]);
	char buf[4] = { 0 };
	CHECK(read(p[0], buf, 2) == 2 && buf[0] == 'o' && buf[1] == 'k',
	      "the exec'd program could not write to the fd it inherited");
	CHECK(ut_wait(pid) == 0, "the helper failed");
	close(p[0]);
}

/* ------------------------------------------------------------ ELF files */

struct elf_header {
	uchar ident[16];
	uint16 type, machine;
	uint32 version;
	uint64 entry, phoff, shoff;
	uint32 flags;
	uint16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32 type, flags;
	uint64 offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf_header) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf_phdr) == 56, "ELF64 program header is 56 bytes");

#define ELF_CODE_OFFSET   0xc0
#define ELF_BSS_VA        0x2000
#define ELF_MACHINE_RISCV 243
#define PT_LOAD           1
#define PF_X              1
#define PF_W              2
#define PF_R              4

/*
 * Text at 0x1000 (the whole file, headers included, as linkers lay it
 * out), bss at 0x2000. The code loads the bss's first word, stores to it,
 * and exits with 7 plus what it loaded.
 */
static const uint32 elf_code[] = {
	0x000022b7, /* lui  t0, 0x2 */
	0x0002b303, /* ld   t1, 0(t0) */
	0x0052b023, /* sd   t0, 0(t0) */
	0x00730513, /* addi a0, t1, 7 */
	0x00200893, /* li   a7, 2 (SYS_exit) */
	0x00000073, /* ecall */
	0x0000006f, /* j . */
};

struct elf_image {
	union {
		uchar bytes[ELF_CODE_OFFSET + sizeof elf_code];
		struct {
			struct elf_header eh;
			struct elf_phdr ph[2];
		};
	};
	int len; /* bytes to write: a variant may cut the file short */
};

static void valid_elf(struct elf_image *im)
{
	memset(im, 0, sizeof *im);
	im->len = sizeof im->bytes;
	struct elf_header *eh = &im->eh;
	eh->ident[0] = 0x7f;
	eh->ident[1] = 'E';
	eh->ident[2] = 'L';
	eh->ident[3] = 'F';
	eh->ident[4] = 2; /* 64-bit */
	eh->ident[5] = 1; /* little-endian */
	eh->ident[6] = 1; /* version */
	eh->type = 2;     /* executable */
	eh->machine = ELF_MACHINE_RISCV;
	eh->version = 1;
	eh->entry = USER_TEXT_BASE + ELF_CODE_OFFSET;
	eh->phoff = sizeof(struct elf_header);
	eh->ehsize = sizeof(struct elf_header);
	eh->phentsize = sizeof(struct elf_phdr);
	eh->phnum = 2;
	struct elf_phdr *text = &im->ph[0], *bss = &im->ph[1];
	text->type = PT_LOAD;
	text->flags = PF_R | PF_X;
	text->offset = 0;
	text->vaddr = text->paddr = USER_TEXT_BASE;
	text->filesz = text->memsz = sizeof im->bytes;
	text->align = PGSIZE;
	bss->type = PT_LOAD;
	bss->flags = PF_R | PF_W;
	bss->offset = 0;
	bss->vaddr = bss->paddr = ELF_BSS_VA;
	bss->filesz = 0;
	bss->memsz = 2 * PGSIZE;
	bss->align = PGSIZE;
	memcpy(im->bytes + ELF_CODE_OFFSET, elf_code, sizeof elf_code);
}

/*
 * What is wrong with each refused file: one field of the valid image set
 * to value, or the file cut to len bytes.
 */
struct bad_elf {
	const char *what;
	uint32 offset, size; /* the field, within struct elf_image (size 0: none) */
	uint64 value;
	int len; /* bytes of the file written, or -1 for all of them */
};
#define FIELD_OF(f) offsetof(struct elf_image, f), sizeof(((struct elf_image *)0)->f)
#define SET(f, v)   FIELD_OF(f), (uint64)(v), -1
#define CUT(n)      0, 0, 0, (n)

static const struct bad_elf bad_elves[] = {
	{ "a bad magic number", SET(eh.ident[1], 'X') },
	{ "the 32-bit class", SET(eh.ident[4], 1) },
	{ "big-endian data", SET(eh.ident[5], 2) },
	{ "ELF version 2", SET(eh.version, 2) },
	{ "a relocatable file", SET(eh.type, 1) },
	{ "an x86-64 machine", SET(eh.machine, 62) },
	{ "an empty file", CUT(0) },
	{ "a file cut inside the ELF header", CUT(40) },
	{ "a file cut inside the program headers", CUT(sizeof(struct elf_header) + 30) },
	{ "no program headers", SET(eh.phnum, 0) },
	{ "65535 program headers", SET(eh.phnum, 0xffff) },
	{ "a 32-byte program header size", SET(eh.phentsize, 32) },
	{ "program headers past the end", SET(eh.phoff, 0x10000) },
	{ "a program header offset that wraps", SET(eh.phoff, 0xffffffffffffffc0ul) },
	{ "the entry point in the bss", SET(eh.entry, ELF_BSS_VA) },
	{ "the entry point outside every segment", SET(eh.entry, 0x40000000) },
	{ "a segment past the end of the file", SET(ph[0].offset, PGSIZE) },
	{ "a segment file offset that wraps", SET(ph[0].offset, 0xfffffffffffff000ul) },
	{ "memsz below filesz", SET(ph[0].memsz, 16) },
	{ "an address and offset that differ modulo a page", SET(ph[1].offset, 0x10) },
	{ "a segment address that wraps", SET(ph[1].vaddr, 0xfffffffffffff000ul) },
	{ "a segment running into the root and the kernel", SET(ph[1].vaddr, USER_TOP - PGSIZE) },
	{ "a segment in the kernel", SET(ph[1].vaddr, USER_TOP) },
	{ "a segment over the stack", SET(ph[1].vaddr, USER_STACK_TOP - 2 * PGSIZE) },
	{ "a segment over the root range", SET(ph[1].vaddr, USER_ROOT_VA) },
	{ "a segment in page 0", SET(ph[1].vaddr, 0) },
	{ "a 2 GiB segment", SET(ph[1].memsz, 0x7fff0000ul) },
	{ "a 2^63-byte segment", SET(ph[1].memsz, 0x8000000000000000ul) },
	{ "overlapping segments", SET(ph[1].vaddr, USER_TEXT_BASE) },
};

static void spoil(struct elf_image *im, const struct bad_elf *bad)
{
	if (bad->size)
		memcpy(im->bytes + bad->offset, &bad->value, bad->size); /* little-endian */
	if (bad->len >= 0)
		im->len = bad->len;
}

static void write_elf(const char *path, const struct elf_image *im)
{
	ut_write_file(path, im->bytes, im->len);
}

static void test_exec_elf(void)
{
	struct elf_image im;
	valid_elf(&im);
	write_elf(ELF_OK, &im);
	int pid = ut_fork();
	if (pid == 0) {
		exec(ELF_OK, (char *[]){ ELF_OK, 0 });
		FAIL("exec of the valid ELF returned -1");
	}
	int status = ut_wait(pid);
	if (status == UT_REPORTED)
		exit(UT_REPORTED);
	CHECK(status == ELF_EXIT_STATUS, "the valid ELF exited %d, not %d (its bss is not zero?)",
	      status, ELF_EXIT_STATUS);
	unlink(ELF_OK);
}

/* Each variant in its own child, whose heap and data must survive the refusal. */
static void test_exec_bad_elf(void)
{
	const uint64 size = 64 * PGSIZE;
	char *heap = sbrk((int)size);
	CHECK(heap != (char *)-1, "sbrk failed");
	for (uint64 i = 0; i < size; i++)
		heap[i] = (char)ut_pattern(9, i);
	for (unsigned v = 0; v < sizeof bad_elves / sizeof bad_elves[0]; v++) {
		struct elf_image im;
		valid_elf(&im);
		spoil(&im, &bad_elves[v]);
		write_elf(ELF_BAD, &im);
		char what[80];
		snprintf(what, sizeof what, "an ELF file with %s", bad_elves[v].what);
		expect_exec_fails(ELF_BAD, (char *[]){ ELF_BAD, 0 }, what);
	}
	for (uint64 i = 0; i < size; i++)
		CHECK(heap[i] == (char)ut_pattern(9, i), "the heap changed at byte %lu", i);
	unlink(ELF_BAD);
}

static void test_exec_not_elf(void)
{
	char *argv[] = { "x", 0 };
	expect_exec_fails("ut_no_such_file", argv, "a missing file");
	expect_exec_fails("/", argv, "a directory");
	ut_write_file("ut_text", "#!/bin/sh\necho hi\n", 18);
	expect_exec_fails("ut_text", argv, "a text file");
	unlink("ut_text");
}

/* A big old image is freed by exec (the leak check counts its frames). */
static void test_exec_frees_image(void)
{
	struct elf_image im;
	valid_elf(&im);
	write_elf(ELF_OK, &im);
	int pid = ut_fork();
	if (pid == 0) {
		const uint64 size = 8 * 1024 * 1024;
		char *p = sbrk((int)size);
		CHECK(p != (char *)-1, "sbrk failed");
		for (uint64 off = 0; off < size; off += PGSIZE)
			p[off] = 1;
		exec(ELF_OK, (char *[]){ ELF_OK, 0 });
		FAIL("exec of the valid ELF returned -1");
	}
	int status = ut_wait(pid);
	if (status == UT_REPORTED)
		exit(UT_REPORTED);
	CHECK(status == ELF_EXIT_STATUS, "the valid ELF exited %d", status);
	unlink(ELF_OK);
}

const struct ut_test ut_exec_tests[] = {
	{ "exec_argv", test_exec_argv, 1, 0 },
	{ "exec_argv_limits", test_exec_argv_limits, 1, 0 },
	{ "exec_keeps_fds", test_exec_keeps_fds, 1, 0 },
	{ "exec_elf", test_exec_elf, 1, 0 },
	{ "exec_bad_elf", test_exec_bad_elf, 1, 0 },
	{ "exec_not_elf", test_exec_not_elf, 1, 0 },
	{ "exec_frees_image", test_exec_frees_image, 1, 0 },
	{ 0, 0, 0, 0 },
};
