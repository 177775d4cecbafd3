/*
 * mm/facade.h - bounds-checked views over byte ranges (the seed's facades).
 *
 * The seed maps the root range through facades:
 *     prots = RootFacade(reference[0x00:0xFF])
 *     share = ShareMemoryFacade(reference[0x100:0xFFF])
 * A facade is a base, a size and a permission. Every access is checked
 * against the facade's own bounds, so code holding a facade over the shared
 * bits cannot touch the protected bits even by a wrong offset. A facade over
 * a sub-range of another facade (facade_sub) can only shrink: never grow past
 * its parent, never gain write access the parent lacks.
 *
 * Multi-byte accesses must be naturally aligned: the guard updates counters
 * while the kernel reads them, and an aligned access is one load or store,
 * never a torn value. Bytes are little-endian, as on RISC-V.
 * Freestanding: never include kernel headers here.
 */
#ifndef MM_FACADE_H
#define MM_FACADE_H

#include <stddef.h>
#include <stdint.h>

enum facade_error {
	FACADE_ERR_RANGE = -200,    /* offset/length outside the facade */
	FACADE_ERR_ALIGN = -201,    /* multi-byte access not naturally aligned */
	FACADE_ERR_READONLY = -202, /* write through a read-only facade */
	FACADE_ERR_BADARG = -203,   /* NULL base, or a base that wraps the address space */
};

#define FACADE_READ  0
#define FACADE_WRITE 1

struct facade {
	volatile uint8_t *base;
	size_t size_bytes;
	int writable;
	const char *name; /* for messages: "root", "shared bits" */
};

/* A short English description of a FACADE_ERR_* code. */
const char *facade_strerror(int err);

/* A facade over [base, base + size_bytes). 0 or FACADE_ERR_BADARG. */
int facade_init(struct facade *f, volatile void *base, size_t size_bytes, int writable,
		const char *name);

/*
 * child = parent[offset : offset + size_bytes], writable only if both the
 * parent is and `writable` asks for it. 0 or FACADE_ERR_RANGE.
 */
int facade_sub(const struct facade *parent, size_t offset, size_t size_bytes, int writable,
	       const char *name, struct facade *child);

/* Reads a value at offset. 0, FACADE_ERR_RANGE or FACADE_ERR_ALIGN; *out untouched on error. */
int facade_read8(const struct facade *f, size_t offset, uint8_t *out);
int facade_read16(const struct facade *f, size_t offset, uint16_t *out);
int facade_read32(const struct facade *f, size_t offset, uint32_t *out);
int facade_read64(const struct facade *f, size_t offset, uint64_t *out);

/* Writes a value at offset. 0, FACADE_ERR_RANGE, _ALIGN or _READONLY; nothing written on error. */
int facade_write8(const struct facade *f, size_t offset, uint8_t value);
int facade_write16(const struct facade *f, size_t offset, uint16_t value);
int facade_write32(const struct facade *f, size_t offset, uint32_t value);
int facade_write64(const struct facade *f, size_t offset, uint64_t value);

/* Copies n bytes out of / into the facade, all or nothing. */
int facade_read_bytes(const struct facade *f, size_t offset, void *dst, size_t n);
int facade_write_bytes(const struct facade *f, size_t offset, const void *src, size_t n);

#endif
