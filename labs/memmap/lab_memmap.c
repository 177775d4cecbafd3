/*
 * labs/memmap/lab_memmap.c - the memmap lab's host program: one tree file in,
 * its usable memory map out, exactly as mm/memmap computes it.
 *
 *   build/host/lab_memmap TREE.dtb [BASE:SIZE ...]
 *
 * Each BASE:SIZE (hex or decimal) is reserved with memmap_reserve() after the
 * tree is read, as the kernel reserves its image and the tree blob. Prints one
 * line per usable range, "usable 0xBASE 0xSIZE", then "total 0xBYTES"; or
 * "error: ..." and exits 1 when the map cannot be built. The grader compares
 * the lines with the map it computes from the same tree itself.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../mm/fdt.h"
#include "../../mm/memmap.h"

/* The whole file; exits 2 if it cannot be read. */
static unsigned char *read_file(const char *path, size_t *size)
{
	static unsigned char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "lab_memmap: cannot open %s\n", path);
		exit(2);
	}
	*size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

static int reserve_arg(struct memmap *map, const char *arg)
{
	char *colon;
	uint64_t base = strtoull(arg, &colon, 0);
	if (*colon != ':') {
		fprintf(stderr, "lab_memmap: %s is not BASE:SIZE\n", arg);
		exit(2);
	}
	return memmap_reserve(map, base, strtoull(colon + 1, NULL, 0));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: lab_memmap TREE.dtb [BASE:SIZE ...]\n");
		return 2;
	}
	size_t size;
	unsigned char *blob = read_file(argv[1], &size);
	struct fdt fdt;
	int err = fdt_open(&fdt, blob, size);
	if (err) {
		printf("error: fdt_open: %s\n", fdt_strerror(err));
		return 1;
	}
	static struct memmap map;
	memmap_init(&map);
	err = memmap_add_fdt(&map, &fdt);
	for (int i = 2; !err && i < argc; i++)
		err = reserve_arg(&map, argv[i]);
	if (!err)
		err = memmap_finalize(&map);
	if (err) {
		printf("error: %s\n", memmap_strerror(err));
		return 1;
	}
	for (int i = 0; i < map.usable_count; i++)
		printf("usable 0x%llx 0x%llx\n", (unsigned long long)map.usable[i].base,
		       (unsigned long long)map.usable[i].size);
	printf("total 0x%llx\n", (unsigned long long)memmap_usable_bytes(&map));
	return 0;
}
