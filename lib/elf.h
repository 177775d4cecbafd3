/*
 * lib/elf.h - the checks exec makes on an ELF64 RISC-V executable before it
 * loads a byte of it.
 *
 * elf_check is a pure function of the first bytes of the file, the file's
 * size and the user address range: it reads the file header and the program
 * headers, refuses anything a loader could trip on (sizes that overflow,
 * segments outside the file or the user range, overlapping segments, an
 * entry point outside the code) and lists the loadable segments. The loader
 * then only copies: for each segment, filesz bytes from the file at offset
 * to vaddr, and zeroes up to memsz.
 *
 * Fields are read byte by byte as little-endian, so the bytes may sit at
 * any alignment and the host's byte order does not matter. Spec: the
 * System V gABI, chapters 4 (ELF header) and 5 (program header), and the
 * RISC-V ELF psABI (EM_RISCV).
 *
 * Freestanding: no libc, never include kernel headers here.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_EHDR_SIZE 64u /* an ELF64 file header */
#define ELF_PHDR_SIZE 56u /* an ELF64 program header (e_phentsize) */
#define ELF_EM_RISCV  243u
#define ELF_PAGE_SIZE 4096u /* vaddr and offset must agree modulo this */
#define ELF_MAX_PHNUM 16u   /* program headers accepted, PT_LOAD or not */

/* Segment permissions (p_flags), as the loader maps them. */
#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

enum {
	ELF_ERR_SHORT = -1,         /* the file is shorter than the ELF file header */
	ELF_ERR_MAGIC = -2,         /* not an ELF file */
	ELF_ERR_CLASS = -3,         /* not 64-bit (ELFCLASS64) */
	ELF_ERR_ENDIAN = -4,        /* not little-endian */
	ELF_ERR_VERSION = -5,       /* EI_VERSION or e_version is not 1 */
	ELF_ERR_TYPE = -6,          /* not an executable (ET_EXEC) */
	ELF_ERR_MACHINE = -7,       /* not RISC-V */
	ELF_ERR_PHENTSIZE = -8,     /* e_phentsize is not ELF_PHDR_SIZE */
	ELF_ERR_PHNUM = -9,         /* no program header, or more than ELF_MAX_PHNUM */
	ELF_ERR_PH_PAST_EOF = -10,  /* the program header table ends past the file */
	ELF_ERR_UNREAD = -11,       /* the headers lie past the bytes the caller read */
	ELF_ERR_FILESZ = -12,       /* a segment's filesz exceeds its memsz */
	ELF_ERR_SEG_PAST_EOF = -13, /* a segment's file bytes end past the file (or wrap) */
	ELF_ERR_SEG_WRAPS = -14,    /* vaddr + memsz, rounded up to a page, wraps around */
	ELF_ERR_SEG_RANGE = -15,    /* a segment's pages lie outside the user range */
	ELF_ERR_MISALIGNED = -16,   /* vaddr and offset differ modulo the page size */
	ELF_ERR_OVERLAP = -17,      /* two segments share a page */
	ELF_ERR_ENTRY = -18,        /* the entry is not in the file bytes of an X segment */
};

/* A short English description of an ELF_ERR_* code. */
const char *elf_strerror(int err);

/* One PT_LOAD segment, as the loader needs it. */
struct elf_segment {
	uint64_t vaddr;  /* where it starts in memory */
	uint64_t memsz;  /* bytes in memory, > 0 */
	uint64_t offset; /* where its file bytes start */
	uint64_t filesz; /* bytes from the file; the rest, up to memsz, is zero */
	uint32_t flags;  /* ELF_SEG_R | ELF_SEG_W | ELF_SEG_X */
};

struct elf_image {
	uint64_t entry;
	uint64_t lo; /* the first page of the lowest segment */
	uint64_t hi; /* the end of the highest segment's last page: where the heap may start */
	uint32_t nsegments;
	struct elf_segment segment[ELF_MAX_PHNUM]; /* in program header order */
};

/*
 * Checks an executable whose first header_len bytes are at header_bytes and
 * whose whole size is file_size bytes, for loading into [user_lo, user_hi).
 * The bytes must include the file header and the program header table (the
 * first page of the file is plenty for any linker's output).
 *
 * Accepted: ELF64, little-endian, version 1, ET_EXEC, EM_RISCV, program
 * headers of ELF_PHDR_SIZE, 1 .. ELF_MAX_PHNUM of them, inside the file and
 * inside the bytes given; each PT_LOAD with memsz > 0 has filesz <= memsz,
 * offset + filesz <= file_size, vaddr + memsz without wrapping and inside
 * [user_lo, user_hi) once rounded out to whole pages (the pages the loader
 * maps), vaddr % ELF_PAGE_SIZE == offset % ELF_PAGE_SIZE, and no page in
 * common with another PT_LOAD (each page gets one segment's permissions); the entry lies in the file bytes of a segment with
 * ELF_SEG_X. A PT_LOAD with memsz 0 covers no page: it is checked for the
 * rest (filesz 0, in the file, aligned) but needs no place in the range and
 * is not listed. Other program header types are ignored.
 *
 * 0 with *out filled, or the first ELF_ERR_* found (*out then undefined).
 */
int elf_check(const void *header_bytes, size_t header_len, uint64_t file_size, uint64_t user_lo,
	      uint64_t user_hi, struct elf_image *out);

#endif
