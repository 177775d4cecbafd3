/*
 * kernel/rootview.c - facades over the root (see rootview.h).
 */
#include "rootview.h"

#include "../mm/facade.h"
#include "../mm/root_clock.h"
#include "board.h"
#include "panic.h"

static struct facade root_view;

void rootview_init(void)
{
	int err = facade_init(&root_view, (volatile void *)board.root.base, board.root.size,
			      FACADE_READ, "root");
	if (err)
		panic("rootview: no facade over the root at 0x%lx+0x%lx: %s", board.root.base,
		      board.root.size, facade_strerror(err));
}

const struct facade *rootview(void)
{
	return &root_view;
}

static void check(int err, size_t offset, const char *what)
{
	if (err)
		panic("rootview: %s at root+0x%lx: %s", what, offset, facade_strerror(err));
}

uint8_t root_u8(size_t offset)
{
	uint8_t v = 0;
	check(facade_read8(&root_view, offset, &v), offset, "u8");
	return v;
}

uint32_t root_u32(size_t offset)
{
	uint32_t v = 0;
	check(facade_read32(&root_view, offset, &v), offset, "u32");
	return v;
}

uint64_t root_u64(size_t offset)
{
	uint64_t v = 0;
	check(facade_read64(&root_view, offset, &v), offset, "u64");
	return v;
}

int root_clock(struct root_clock *out)
{
	return root_clock_read(&root_view, out);
}
