/*
 * sbi/tree.c - waiting for OpenSBI's in-place device-tree fix-ups (see tree.h).
 */
#include "tree.h"

#include "../lib/counters.h"

static uint64_t now(void)
{
	return rdtime();
}

static int settled(const struct fdt *fdt)
{
	int chosen = fdt_path(fdt, "/chosen");
	return chosen < 0 || fdt_subnode(fdt, chosen, "opensbi-domains") < 0;
}

int tree_open_settled(struct fdt *fdt, const void *blob, size_t max_bytes, uint64_t timeout)
{
	uint64_t deadline = now() + timeout;
	for (;;) {
		asm volatile("fence r, r" : : : "memory");
		int err = fdt_open(fdt, blob, max_bytes);
		if (err == 0 && settled(fdt))
			return 0;
		if (now() >= deadline)
			return err ? err : 1;
		uint64_t pause = now() + 1000; /* 100 us at QEMU virt's 10 MHz */
		while (now() < pause)
			;
	}
}
