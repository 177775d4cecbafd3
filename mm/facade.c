/*
 * mm/facade.c - checked accesses through facades (see facade.h).
 *
 * Every access asks check() first: inside the facade (computed without
 * overflow), aligned to its own size, and writable when it writes. Only then
 * is memory touched, through a volatile pointer, so the compiler neither
 * merges nor splits the access.
 * Never include kernel headers here.
 */
#include "facade.h"

const char *facade_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case FACADE_ERR_RANGE: return "access outside the facade";
	case FACADE_ERR_ALIGN: return "misaligned access";
	case FACADE_ERR_READONLY: return "write through a read-only facade";
	case FACADE_ERR_BADARG: return "bad facade base or size";
	default: return "unknown error";
	}
}

int facade_init(struct facade *f, volatile void *base, size_t size_bytes, int writable,
		const char *name)
{
	uintptr_t b = (uintptr_t)base;
	if (!base || b + size_bytes < b)
		return FACADE_ERR_BADARG;
	f->base = base;
	f->size_bytes = size_bytes;
	f->writable = writable;
	f->name = name;
	return 0;
}

int facade_sub(const struct facade *parent, size_t offset, size_t size_bytes, int writable,
	       const char *name, struct facade *child)
{
	if (offset > parent->size_bytes || size_bytes > parent->size_bytes - offset)
		return FACADE_ERR_RANGE;
	child->base = parent->base + offset;
	child->size_bytes = size_bytes;
	child->writable = parent->writable && writable;
	child->name = name;
	return 0;
}

static int check(const struct facade *f, size_t offset, size_t width, int write)
{
	if (offset > f->size_bytes || width > f->size_bytes - offset)
		return FACADE_ERR_RANGE;
	if (((uintptr_t)f->base + offset) % width)
		return FACADE_ERR_ALIGN;
	if (write && !f->writable)
		return FACADE_ERR_READONLY;
	return 0;
}

/* One checked load or store of width 1, 2, 4 or 8 bytes. */
static int access(const struct facade *f, size_t offset, size_t width, int write, uint64_t *value)
{
	int err = check(f, offset, width, write);
	if (err)
		return err;
	volatile uint8_t *p = f->base + offset;
	switch (width) {
	case 1:
		if (write)
			*p = (uint8_t)*value;
		else
			*value = *p;
		break;
	case 2:
		if (write)
			*(volatile uint16_t *)p = (uint16_t)*value;
		else
			*value = *(volatile uint16_t *)p;
		break;
	case 4:
		if (write)
			*(volatile uint32_t *)p = (uint32_t)*value;
		else
			*value = *(volatile uint32_t *)p;
		break;
	default:
		if (write)
			*(volatile uint64_t *)p = *value;
		else
			*value = *(volatile uint64_t *)p;
		break;
	}
	return 0;
}

int facade_read8(const struct facade *f, size_t offset, uint8_t *out)
{
	uint64_t v;
	int err = access(f, offset, 1, FACADE_READ, &v);
	if (!err)
		*out = (uint8_t)v;
	return err;
}

int facade_read16(const struct facade *f, size_t offset, uint16_t *out)
{
	uint64_t v;
	int err = access(f, offset, 2, FACADE_READ, &v);
	if (!err)
		*out = (uint16_t)v;
	return err;
}

int facade_read32(const struct facade *f, size_t offset, uint32_t *out)
{
	uint64_t v;
	int err = access(f, offset, 4, FACADE_READ, &v);
	if (!err)
		*out = (uint32_t)v;
	return err;
}

int facade_read64(const struct facade *f, size_t offset, uint64_t *out)
{
	return access(f, offset, 8, FACADE_READ, out);
}

int facade_write8(const struct facade *f, size_t offset, uint8_t value)
{
	uint64_t v = value;
	return access(f, offset, 1, FACADE_WRITE, &v);
}

int facade_write16(const struct facade *f, size_t offset, uint16_t value)
{
	uint64_t v = value;
	return access(f, offset, 2, FACADE_WRITE, &v);
}

int facade_write32(const struct facade *f, size_t offset, uint32_t value)
{
	uint64_t v = value;
	return access(f, offset, 4, FACADE_WRITE, &v);
}

int facade_write64(const struct facade *f, size_t offset, uint64_t value)
{
	return access(f, offset, 8, FACADE_WRITE, &value);
}

int facade_read_bytes(const struct facade *f, size_t offset, void *dst, size_t n)
{
	if (offset > f->size_bytes || n > f->size_bytes - offset)
		return FACADE_ERR_RANGE;
	uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = f->base[offset + i];
	return 0;
}

int facade_write_bytes(const struct facade *f, size_t offset, const void *src, size_t n)
{
	int err = offset > f->size_bytes || n > f->size_bytes - offset ? FACADE_ERR_RANGE : 0;
	if (!err && !f->writable)
		err = FACADE_ERR_READONLY;
	if (err)
		return err;
	const uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		f->base[offset + i] = s[i];
	return 0;
}
