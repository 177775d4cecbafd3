/*
 * tests/test_magma_tree.c - checks the device trees the build generates.
 *
 * `make host-test` first builds magma's tree for several machines
 * (GEN_CONFIGS in the Makefile: CPUS, MEM, AIA or PLIC); this test reads
 * every build/dt/magma-<cpus>cpu-<mem>-<aia|plic>.dtb back with mm/fdt and
 * proves each carries what OpenSBI and the kernel rely on: the two domains
 * with the right harts, regions and permissions, next-addr/next-arg1, an
 * opensbi-domain on every cpu, and magma's reserved-memory nodes.
 */
#include <glob.h>
#include <string.h>

#include "../mm/fdt.h"
#include "../include/layout.h"
#include "check.h"

#define IMSIC_S_BASE 0x28000000ull
#define IMSIC_PAGE 0x1000ull

struct config {
	int cpus;
	uint64_t mem_bytes;
	int aia;
};

struct perms {
	uint32_t r, rw, rwx;
};

static struct perms perms;
static int trees_checked;

/* OpenSBI's encoding for the firmware the build found (build/firmware.version). */
static void load_perms(void)
{
	size_t size;
	unsigned char *text = check_read_file("build/firmware.version", &size);
	int major = 0, minor = 0;
	sscanf((const char *)text, "%d.%d", &major, &minor);
	free(text);
	if (major > 1 || (major == 1 && minor >= 3))
		perms = (struct perms){ 0x08, 0x18, 0x38 };
	else
		perms = (struct perms){ 0x1, 0x3, 0x7 };
}

static int parse_name(const char *path, struct config *c)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char mem[16], kind[8];
	unsigned long long amount;
	char unit;
	if (sscanf(base, "magma-%dcpu-%15[^-]-%7[a-z].dtb", &c->cpus, mem, kind) != 3)
		return -1;
	if (sscanf(mem, "%llu%c", &amount, &unit) != 2)
		return -1;
	c->mem_bytes = amount << (unit == 'G' ? 30 : unit == 'M' ? 20 : 10);
	c->aia = strcmp(kind, "aia") == 0;
	return strcmp(kind, "aia") == 0 || strcmp(kind, "plic") == 0 ? 0 : -1;
}

static uint64_t prop_u64(const struct fdt *f, int node, const char *name)
{
	uint32_t hi = 0, lo = 0;
	CHECK_EQ(fdt_prop_cell(f, node, name, 0, &hi), 0);
	CHECK_EQ(fdt_prop_cell(f, node, name, 1, &lo), 0);
	return (uint64_t)hi << 32 | lo;
}

static uint32_t phandle_of(const struct fdt *f, int node)
{
	uint32_t ph = 0;
	CHECK_EQ(fdt_prop_u32(f, node, "phandle", &ph), 0);
	return ph;
}

static uint64_t hartid_of_phandle(const struct fdt *f, uint32_t ph)
{
	int cpu = fdt_node_by_phandle(f, ph);
	uint64_t id = ~0ull, size;
	CHECK(cpu >= 0);
	if (cpu >= 0)
		CHECK_EQ(fdt_reg(f, cpu, 0, &id, &size), 0);
	return id;
}

/* Looks up a domain region by the region node's name; returns its permission or -1. */
static long region_perm(const struct fdt *f, int domain, const char *region_name,
			uint64_t *base, uint32_t *order)
{
	const void *v;
	uint32_t len;
	if (fdt_prop(f, domain, "regions", &v, &len) || len % 8)
		return -1;
	for (uint32_t i = 0; i < len / 8; i++) {
		int region = fdt_node_by_phandle(f, fdt_be32((const uint8_t *)v + 8 * i));
		if (region < 0 || strcmp(fdt_name(f, region), region_name) != 0)
			continue;
		*base = prop_u64(f, region, "base");
		CHECK_EQ(fdt_prop_u32(f, region, "order", order), 0);
		return fdt_be32((const uint8_t *)v + 8 * i + 4);
	}
	return -1;
}

static void check_region(const struct fdt *f, int domain, const char *name, uint64_t want_base,
			 uint32_t want_order, long want_perm)
{
	uint64_t base = 0;
	uint32_t order = 0;
	long perm = region_perm(f, domain, name, &base, &order);
	if (perm != want_perm)
		fprintf(stderr, "  region %s in %s\n", name, fdt_name(f, domain));
	CHECK_EQ(perm, want_perm);
	CHECK_EQ(base, want_base);
	CHECK_EQ(order, want_order);
}

/* The guard's IMSIC regions must cover exactly the kernel harts' S-pages. */
static void check_imsic_regions(const struct fdt *f, int guard, const struct config *c)
{
	uint64_t covered = 0, lowest = ~0ull, highest = 0;
	char name[32];
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "imsic-s-pages-%d", i);
		uint64_t base;
		uint32_t order;
		long perm = region_perm(f, guard, name, &base, &order);
		if (perm < 0)
			break;
		CHECK_EQ(perm, perms.rw);
		CHECK_EQ(base % (1ull << order), 0);
		covered += 1ull << order;
		lowest = base < lowest ? base : lowest;
		highest = base + (1ull << order) > highest ? base + (1ull << order) : highest;
	}
	uint64_t want = (uint64_t)(c->cpus - 1) * IMSIC_PAGE;
	if (!c->aia) {
		CHECK_EQ(covered, 0);
		return;
	}
	CHECK_EQ(covered, want);
	CHECK_EQ(lowest, IMSIC_S_BASE);
	CHECK_EQ(highest, IMSIC_S_BASE + want);
}

static void check_harts(const struct fdt *f, int domain, int first, int count)
{
	const void *v;
	uint32_t len = 0;
	CHECK_EQ(fdt_prop(f, domain, "possible-harts", &v, &len), 0);
	CHECK_EQ(len, 4u * (uint32_t)count);
	for (int i = 0; i < count && 4u * (uint32_t)i < len; i++)
		CHECK_EQ(hartid_of_phandle(f, fdt_be32((const uint8_t *)v + 4 * i)), first + i);
}

static void check_reserved(const struct fdt *f, const char *compat, uint64_t base, uint64_t size)
{
	int node = fdt_find_compatible(f, -1, compat);
	CHECK(node >= 0);
	uint64_t b = 0, s = 0;
	if (node >= 0)
		CHECK_EQ(fdt_reg(f, node, 0, &b, &s), 0);
	CHECK_EQ(b, base);
	CHECK_EQ(s, size);
}

static void check_tree(const char *path, const struct config *c)
{
	size_t size;
	unsigned char *blob = check_read_file(path, &size);
	struct fdt f;
	CHECK_EQ(fdt_open(&f, blob, size), 0);
	/* QEMU's placement rule holds only while the padded tree fits a 2 MiB slot. */
	CHECK(size + 10000 < (2u << 20));

	uint64_t top = 0x80000000ull + c->mem_bytes;
	if (top > 0xC0000000ull)
		top = 0xC0000000ull;
	uint64_t fdt_addr = (top - (2u << 20)) & ~((2ull << 20) - 1);

	int config = fdt_path(&f, "/chosen/opensbi-domains");
	CHECK(config >= 0 && fdt_is_compatible(&f, config, "opensbi,domain,config"));
	int kernel = fdt_subnode(&f, config, "kernel-domain");
	int guard = fdt_subnode(&f, config, "guard-domain");
	CHECK(kernel >= 0 && fdt_is_compatible(&f, kernel, "opensbi,domain,instance"));
	CHECK(guard >= 0 && fdt_is_compatible(&f, guard, "opensbi,domain,instance"));
	if (config < 0 || kernel < 0 || guard < 0) {
		free(blob);
		return;
	}

	check_harts(&f, kernel, 0, c->cpus - 1);
	check_harts(&f, guard, c->cpus - 1, 1);

	check_region(&f, kernel, "guard-private", MAGMA_GUARD_PRIVATE_BASE, 19, 0);
	check_region(&f, kernel, "root", MAGMA_ROOT_BASE, 16, perms.r);
	check_region(&f, kernel, "all-memory", 0, 64, perms.rwx);
	check_region(&f, guard, "guard-private", MAGMA_GUARD_PRIVATE_BASE, 19, perms.rwx);
	check_region(&f, guard, "root", MAGMA_ROOT_BASE, 16, perms.rw);
	check_region(&f, guard, "mailbox", MAGMA_MAILBOX_BASE, 16, perms.rw);
	check_region(&f, guard, "uart", 0x10000000, 12, perms.rw);
	check_region(&f, guard, "device-tree", fdt_addr, 21, perms.r);
	uint64_t unused_base;
	uint32_t unused_order;
	CHECK_EQ(region_perm(&f, guard, "all-memory", &unused_base, &unused_order), -1);
	check_imsic_regions(&f, guard, c);

	CHECK_EQ(prop_u64(&f, kernel, "next-addr"), MAGMA_KERNEL_BASE);
	CHECK_EQ(prop_u64(&f, guard, "next-addr"), MAGMA_GUARD_PRIVATE_BASE);
	CHECK_EQ(prop_u64(&f, kernel, "next-arg1"), fdt_addr);
	CHECK_EQ(prop_u64(&f, guard, "next-arg1"), fdt_addr);
	uint32_t mode = 9;
	CHECK_EQ(fdt_prop_u32(&f, kernel, "next-mode", &mode), 0);
	CHECK_EQ(mode, 1);
	const void *v;
	uint32_t len;
	CHECK_EQ(fdt_prop(&f, kernel, "system-reset-allowed", &v, &len), 0);
	CHECK_EQ(fdt_prop(&f, guard, "system-reset-allowed", &v, &len), FDT_ERR_NOTFOUND);

	/* Every cpu names its domain: OpenSBI 1.1 stops at boot otherwise. */
	int cpus = fdt_path(&f, "/cpus"), seen = 0;
	for (int cpu = fdt_first_child(&f, cpus); cpu >= 0; cpu = fdt_next_sibling(&f, cpu)) {
		uint64_t id, s;
		if (fdt_reg(&f, cpu, 0, &id, &s) != 0)
			continue; /* cpu-map */
		uint32_t dom = 0;
		CHECK_EQ(fdt_prop_u32(&f, cpu, "opensbi-domain", &dom), 0);
		CHECK_EQ(dom, phandle_of(&f, (int)id == c->cpus - 1 ? guard : kernel));
		seen++;
	}
	CHECK_EQ(seen, c->cpus);

	check_reserved(&f, "magma,guard-private", MAGMA_GUARD_PRIVATE_BASE, MAGMA_GUARD_PRIVATE_SIZE);
	check_reserved(&f, "magma,root", MAGMA_ROOT_BASE, MAGMA_ROOT_SIZE);
	check_reserved(&f, "magma,mailbox", MAGMA_MAILBOX_BASE, MAGMA_MAILBOX_SIZE);

	int memory = fdt_path(&f, "/memory");
	uint64_t mem_base = 0, mem_size = 0;
	CHECK(memory >= 0);
	if (memory >= 0)
		CHECK_EQ(fdt_reg(&f, memory, 0, &mem_base, &mem_size), 0);
	CHECK_EQ(mem_base, 0x80000000ull);
	CHECK_EQ(mem_size, c->mem_bytes);
	free(blob);
	trees_checked++;
}

TEST(generated_trees_are_complete)
{
	glob_t g;
	int found = glob("build/dt/magma-*cpu-*.dtb", 0, NULL, &g);
	CHECK_EQ(found, 0);
	for (size_t i = 0; found == 0 && i < g.gl_pathc; i++) {
		struct config c;
		if (strstr(g.gl_pathv[i], "weaklock") || parse_name(g.gl_pathv[i], &c) != 0)
			continue;
		printf("  checking %s\n", g.gl_pathv[i]);
		check_tree(g.gl_pathv[i], &c);
	}
	if (found == 0)
		globfree(&g);
	/* The Makefile's GEN_CONFIGS builds seven machines; all must have been read. */
	CHECK(trees_checked >= 7);
}

TEST(weak_lock_tree_is_different)
{
	/* The test-only weak tree must differ exactly where the lock lives. */
	glob_t g;
	if (glob("build/dt/magma-*-weaklock.dtb", 0, NULL, &g) != 0)
		return; /* only present once the QEMU tests built it */
	size_t size;
	unsigned char *blob = check_read_file(g.gl_pathv[0], &size);
	struct fdt f;
	CHECK_EQ(fdt_open(&f, blob, size), 0);
	int kernel = fdt_path(&f, "/chosen/opensbi-domains/kernel-domain");
	uint64_t base;
	uint32_t order;
	CHECK_EQ(region_perm(&f, kernel, "root", &base, &order), perms.rwx);
	free(blob);
	globfree(&g);
}

int main(void)
{
	load_perms();
	RUN(generated_trees_are_complete);
	RUN(weak_lock_tree_is_different);
	return check_summary();
}
