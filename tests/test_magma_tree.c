/*
 * tests/test_magma_tree.c - checks the device trees the build generates.
 *
 * `make host-test` first builds magma's tree for several machines
 * (GEN_CONFIGS in the Makefile: CPUS, MEM, AIA or PLIC), each with the
 * guard's own copy; this test reads every build/dt/magma-<cpus>cpu-<mem>-
 * <aia|plic>.dtb back with mm/fdt and proves each carries what OpenSBI and
 * the kernel rely on: the two domains with the right harts, allow-lists of
 * regions with the right permissions (first match of the smallest region,
 * as OpenSBI programs PMP) within QEMU virt's 16 PMP entries, next-addr and
 * next-arg1, an opensbi-domain on every cpu, and magma's reserved-memory
 * nodes. Each guard copy (<stem>-guard-<md5 of bootargs>.dtb) must fit its
 * slot in guard private and carry its bootargs and its own rng-seed.
 */
#include <glob.h>
#include <string.h>

#include "../include/layout.h"
#include "../lib/md5.h"
#include "../mm/fdt.h"
#include "check.h"

#define IMSIC_S_BASE 0x28000000ull
#define IMSIC_PAGE   0x1000ull
#define PAGE         0x1000ull
#define PMP_ENTRIES  16 /* per hart on QEMU virt */
#define MAX_SPANS    32

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
	int end = 0;
	if (sscanf(base, "magma-%dcpu-%15[^-]-%7[a-z].dtb%n", &c->cpus, mem, kind, &end) != 3 ||
	    base[end] != '\0')
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
static long region_perm(const struct fdt *f, int domain, const char *region_name, uint64_t *base,
			uint32_t *order)
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

/* The i-th region of a domain: its node, permission, base and order; 0 if there is one. */
static int region_at(const struct fdt *f, int domain, uint32_t i, int *node, long *perm,
		     uint64_t *base, uint32_t *order)
{
	const void *v;
	uint32_t len;
	if (fdt_prop(f, domain, "regions", &v, &len) || len % 8 || i >= len / 8)
		return -1;
	*node = fdt_node_by_phandle(f, fdt_be32((const uint8_t *)v + 8 * i));
	CHECK(*node >= 0);
	if (*node < 0)
		return -1;
	*perm = fdt_be32((const uint8_t *)v + 8 * i + 4);
	*base = prop_u64(f, *node, "base");
	CHECK_EQ(fdt_prop_u32(f, *node, "order", order), 0);
	return 0;
}

static int holds(uint64_t base, uint32_t order, uint64_t addr)
{
	return order >= 64 || (addr >= base && addr - base < (1ull << order));
}

/*
 * The permission PMP gives addr in this domain, as OpenSBI 1.1 programs it:
 * regions sorted smallest first, the first that holds addr wins. -1: no
 * region holds it, so S-mode faults. The regions OpenSBI adds itself are M-mode
 * only: they can take permissions away, never grant them.
 */
static long effective_perm(const struct fdt *f, int domain, uint64_t addr)
{
	long best_perm = -1, perm;
	uint32_t best_order = 65, order;
	uint64_t base;
	int node;
	for (uint32_t i = 0; region_at(f, domain, i, &node, &perm, &base, &order) == 0; i++) {
		if (holds(base, order, addr) && order < best_order) {
			best_order = order;
			best_perm = perm;
		}
	}
	return best_perm;
}

static uint32_t region_count(const struct fdt *f, int domain)
{
	const void *v;
	uint32_t len = 0;
	CHECK_EQ(fdt_prop(f, domain, "regions", &v, &len), 0);
	return len / 8;
}

/* Address ranges [base, end), kept sorted and merged where they touch. */
struct spans {
	uint64_t base[MAX_SPANS], end[MAX_SPANS];
	int n;
};

static void add_span(struct spans *sp, uint64_t base, uint64_t size)
{
	uint64_t end = (base + size + PAGE - 1) & ~(PAGE - 1);
	base &= ~(PAGE - 1);
	CHECK(sp->n < MAX_SPANS);
	if (sp->n == MAX_SPANS)
		return;
	int i = sp->n++;
	for (; i > 0 && sp->base[i - 1] > base; i--) {
		sp->base[i] = sp->base[i - 1];
		sp->end[i] = sp->end[i - 1];
	}
	sp->base[i] = base;
	sp->end[i] = end;
}

static void add_node(const struct fdt *f, int node, struct spans *sp)
{
	uint64_t base, size;
	CHECK(node >= 0);
	for (uint32_t i = 0; node >= 0 && fdt_reg(f, node, i, &base, &size) == 0; i++)
		add_span(sp, base, size);
}

/* Whether [base, end) lies inside the union of the spans. */
static int inside(const struct spans *sp, uint64_t base, uint64_t end)
{
	for (int i = 0; i < sp->n && base < end; i++)
		if (sp->base[i] <= base && base < sp->end[i])
			base = sp->end[i];
	return base >= end;
}

/* The IMSIC node whose files take interrupts at this level (9 S, 11 M), or -1. */
static int find_imsic(const struct fdt *f, uint32_t level)
{
	for (int node = fdt_find_compatible(f, -1, "riscv,imsics"); node >= 0;
	     node = fdt_find_compatible(f, node, "riscv,imsics")) {
		uint32_t irq = 0;
		if (fdt_prop_cell(f, node, "interrupts-extended", 1, &irq) == 0 && irq == level)
			return node;
	}
	return -1;
}

/* The APLIC that sends its MSIs to this IMSIC, or -1. */
static int aplic_of(const struct fdt *f, int imsic)
{
	uint32_t want = imsic >= 0 ? phandle_of(f, imsic) : 0, parent;
	for (int node = fdt_find_compatible(f, -1, "riscv,aplic"); imsic >= 0 && node >= 0;
	     node = fdt_find_compatible(f, node, "riscv,aplic")) {
		if (fdt_prop_u32(f, node, "msi-parent", &parent) == 0 && parent == want)
			return node;
	}
	return -1;
}

/* The regions OpenSBI 1.1 adds to every domain: its image, the CLINT, M-level AIA. */
static uint32_t firmware_region_count(const struct fdt *f)
{
	uint32_t n = 1;
	for (int node = fdt_find_compatible(f, -1, "sifive,clint0"); node >= 0;
	     node = fdt_find_compatible(f, node, "sifive,clint0"))
		n++;
	int m_imsic = find_imsic(f, 11);
	return n + (m_imsic >= 0) + (aplic_of(f, m_imsic) >= 0);
}

/* Every node with a reg below / and /soc except memory, cpus and reserved memory. */
static void for_each_device(const struct fdt *f, void (*fn)(const struct fdt *, int, void *),
			    void *ctx)
{
	int soc = fdt_path(f, "/soc");
	for (int parent = 0, pass = 0; pass < 2; parent = soc, pass++) {
		for (int node = fdt_first_child(f, parent); parent >= 0 && node >= 0;
		     node = fdt_next_sibling(f, node)) {
			uint64_t base, size;
			const char *name = fdt_name(f, node);
			if (strncmp(name, "memory", 6) == 0 ||
			    strcmp(name, "reserved-memory") == 0 ||
			    fdt_reg(f, node, 0, &base, &size) != 0)
				continue;
			fn(f, node, ctx);
		}
	}
}

struct allow_check {
	int kernel;
	const struct spans *driven;
	int seen;
};

/* A device the kernel does not drive: no region of the kernel domain may grant it anything. */
static void check_not_granted(const struct fdt *f, int node, void *ctx)
{
	struct allow_check *a = ctx;
	uint64_t base, size;
	CHECK_EQ(fdt_reg(f, node, 0, &base, &size), 0);
	if (inside(a->driven, base, base + 1))
		return;
	a->seen++;
	uint64_t ends[2] = { base, base + size - 1 };
	for (int i = 0; i < 2; i++) {
		long perm = effective_perm(f, a->kernel, ends[i]);
		if (perm > 0)
			fprintf(stderr, "  kernel domain grants %s at 0x%llx\n", fdt_name(f, node),
				(unsigned long long)ends[i]);
		CHECK(perm <= 0);
	}
}

/*
 * The kernel domain is an allow-list: RAM and the devices it drives (UART,
 * virtio-mmio, its interrupt controller) and nothing else; inside RAM the
 * guard's ranges win; fw_cfg has an explicit region without permissions.
 */
static void check_kernel_domain(const struct fdt *f, int kernel, const struct config *c,
				uint64_t fdt_addr)
{
	struct spans ram = { 0 }, driven = { 0 };
	add_node(f, fdt_path(f, "/memory"), &ram);
	add_node(f, fdt_find_compatible(f, -1, "ns16550a"), &driven);
	for (int node = fdt_find_compatible(f, -1, "virtio,mmio"); node >= 0;
	     node = fdt_find_compatible(f, node, "virtio,mmio"))
		add_node(f, node, &driven);
	int s_imsic = find_imsic(f, 9);
	if (c->aia) {
		add_node(f, s_imsic, &driven);
		add_node(f, aplic_of(f, s_imsic), &driven);
	} else {
		CHECK_EQ(s_imsic, -1);
		add_node(f, fdt_find_compatible(f, -1, "riscv,plic0"), &driven);
	}

	/* Every region that grants something lies in RAM or in what the kernel drives. */
	int node;
	long perm;
	uint64_t base;
	uint32_t order;
	for (uint32_t i = 0; region_at(f, kernel, i, &node, &perm, &base, &order) == 0; i++) {
		CHECK(order < 64);
		if (perm == 0 || order >= 64)
			continue;
		uint64_t end = base + (1ull << order);
		const void *v;
		uint32_t len;
		int mmio = fdt_prop(f, node, "mmio", &v, &len) == 0;
		if (inside(&ram, base, end) && !mmio) {
			CHECK(perm == perms.rwx || perm == perms.r);
		} else {
			if (!inside(&driven, base, end))
				fprintf(stderr,
					"  kernel region %s 0x%llx+2^%u is neither RAM nor driven\n",
					fdt_name(f, node), (unsigned long long)base, order);
			CHECK(inside(&driven, base, end) && mmio);
			CHECK_EQ(perm, perms.rw);
		}
	}
	for (int i = 0; i < ram.n; i++) {
		CHECK_EQ(effective_perm(f, kernel, ram.base[i]), perms.rwx);
		CHECK_EQ(effective_perm(f, kernel, ram.end[i] - 1), perms.rwx);
	}
	for (int i = 0; i < driven.n; i++) {
		CHECK_EQ(effective_perm(f, kernel, driven.base[i]), perms.rw);
		CHECK_EQ(effective_perm(f, kernel, driven.end[i] - 1), perms.rw);
	}
	CHECK_EQ(effective_perm(f, kernel, MAGMA_KERNEL_BASE), perms.rwx);
	CHECK_EQ(effective_perm(f, kernel, fdt_addr), perms.rwx); /* its own tree */
	uint64_t locked[][2] = { { MAGMA_GUARD_PRIVATE_BASE, MAGMA_GUARD_PRIVATE_SIZE },
				 { MAGMA_ROOT_BASE, MAGMA_ROOT_SIZE } };
	for (int i = 0; i < 2; i++) {
		long want = i == 0 ? 0 : perms.r;
		CHECK_EQ(effective_perm(f, kernel, locked[i][0]), want);
		CHECK_EQ(effective_perm(f, kernel, locked[i][0] + locked[i][1] - 1), want);
	}
	CHECK_EQ(effective_perm(f, kernel, MAGMA_GUARD_TREE_ADDR), 0);

	int fw_cfg = fdt_find_compatible(f, -1, "qemu,fw-cfg-mmio");
	uint64_t fw_base = 0, fw_size = 0;
	CHECK(fw_cfg >= 0);
	if (fw_cfg >= 0)
		CHECK_EQ(fdt_reg(f, fw_cfg, 0, &fw_base, &fw_size), 0);
	check_region(f, kernel, "fw-cfg-0", fw_base & ~(PAGE - 1), 12, 0);

	struct allow_check a = { kernel, &driven, 0 };
	for_each_device(f, check_not_granted, &a);
	CHECK(a.seen >= 5); /* fw_cfg, flash, the test device, rtc, pci, the CLINT, ... */
	CHECK(region_count(f, kernel) + firmware_region_count(f) <= PMP_ENTRIES);
}

/* The guard's IMSIC regions must cover exactly the kernel harts' S-pages; returns how many. */
static uint32_t check_imsic_regions(const struct fdt *f, int guard, const struct config *c)
{
	uint64_t covered = 0, lowest = ~0ull, highest = 0;
	char name[32];
	uint32_t blocks = 0;
	for (int i = 0; i < 8; i++, blocks++) {
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
		return blocks;
	}
	CHECK_EQ(covered, want);
	CHECK_EQ(lowest, IMSIC_S_BASE);
	CHECK_EQ(highest, IMSIC_S_BASE + want);
	return blocks;
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

static const void *chosen_prop(const struct fdt *f, const char *name, uint32_t *len)
{
	const void *v = NULL;
	int chosen = fdt_path(f, "/chosen");
	if (chosen < 0 || fdt_prop(f, chosen, name, &v, len))
		return NULL;
	return v;
}

/*
 * The guard's copies of one tree (<stem>-guard-<md5 of bootargs>.dtb): each
 * fits its slot in guard private, is the same tree with the bootargs its name
 * says, and has an rng-seed of its own (QEMU refreshes only the kernel's).
 */
static void check_guard_copies(const char *path, const struct fdt *tree)
{
	char pattern[256];
	snprintf(pattern, sizeof(pattern), "%.*s-guard-*.dtb", (int)(strlen(path) - 4), path);
	glob_t g;
	CHECK_EQ(glob(pattern, 0, NULL, &g), 0); /* gen-trees makes one, bootargs empty */
	uint32_t tree_seed_len = 0, hz = 0, copy_hz = 0;
	const void *tree_seed = chosen_prop(tree, "rng-seed", &tree_seed_len);
	CHECK_EQ(fdt_prop_u32(tree, fdt_path(tree, "/cpus"), "timebase-frequency", &hz), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t size;
		unsigned char *blob = check_read_file(g.gl_pathv[i], &size);
		struct fdt f;
		CHECK(size <= MAGMA_GUARD_TREE_MAX_BYTES);
		CHECK_EQ(fdt_open(&f, blob, size), 0);
		uint32_t len = 0;
		const char *args = chosen_prop(&f, "bootargs", &len);
		uint8_t digest[MD5_DIGEST_BYTES];
		md5(args ? args : "", args ? strlen(args) : 0, digest);
		char name[32];
		snprintf(name, sizeof(name), "-guard-%02x%02x%02x%02x.dtb", digest[0], digest[1],
			 digest[2], digest[3]);
		if (!strstr(g.gl_pathv[i], name))
			fprintf(stderr, "  %s has bootargs \"%s\"\n", g.gl_pathv[i],
				args ? args : "");
		CHECK(strstr(g.gl_pathv[i], name) != NULL);
		const void *seed = chosen_prop(&f, "rng-seed", &len);
		CHECK(seed && len == 32);
		CHECK(!tree_seed || !seed || len != tree_seed_len ||
		      memcmp(seed, tree_seed, len) != 0);
		CHECK_EQ(fdt_prop_u32(&f, fdt_path(&f, "/cpus"), "timebase-frequency", &copy_hz),
			 0);
		CHECK_EQ(copy_hz, hz);
		const char *kernel = "/chosen/opensbi-domains/kernel-domain";
		CHECK_EQ(prop_u64(&f, fdt_path(&f, kernel), "next-arg1"),
			 prop_u64(tree, fdt_path(tree, kernel), "next-arg1"));
		free(blob);
	}
	globfree(&g);
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
	check_kernel_domain(&f, kernel, c, fdt_addr);

	check_region(&f, guard, "guard-private", MAGMA_GUARD_PRIVATE_BASE, 19, perms.rwx);
	check_region(&f, guard, "root", MAGMA_ROOT_BASE, 16, perms.rw);
	check_region(&f, guard, "mailbox", MAGMA_MAILBOX_BASE, 16, perms.rw);
	check_region(&f, guard, "uart-0", 0x10000000, 12, perms.rw);
	uint32_t imsic_blocks = check_imsic_regions(&f, guard, c);
	CHECK_EQ(region_count(&f, guard), 4 + imsic_blocks); /* nothing else */
	/* The guard parses its own copy: the kernel's tree is not even readable to it. */
	CHECK_EQ(effective_perm(&f, guard, fdt_addr), -1);
	CHECK_EQ(effective_perm(&f, guard, MAGMA_GUARD_TREE_ADDR), perms.rwx);
	CHECK(region_count(&f, guard) + firmware_region_count(&f) <= PMP_ENTRIES);

	CHECK_EQ(prop_u64(&f, kernel, "next-addr"), MAGMA_KERNEL_BASE);
	CHECK_EQ(prop_u64(&f, guard, "next-addr"), MAGMA_GUARD_PRIVATE_BASE);
	CHECK_EQ(prop_u64(&f, kernel, "next-arg1"), fdt_addr);
	/* Both: the cold-boot winner fixes up the tree at its own domain's next-arg1. */
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

	check_reserved(&f, "magma,guard-private", MAGMA_GUARD_PRIVATE_BASE,
		       MAGMA_GUARD_PRIVATE_SIZE);
	check_reserved(&f, "magma,root", MAGMA_ROOT_BASE, MAGMA_ROOT_SIZE);
	check_reserved(&f, "magma,mailbox", MAGMA_MAILBOX_BASE, MAGMA_MAILBOX_SIZE);

	int memory = fdt_path(&f, "/memory");
	uint64_t mem_base = 0, mem_size = 0;
	CHECK(memory >= 0);
	if (memory >= 0)
		CHECK_EQ(fdt_reg(&f, memory, 0, &mem_base, &mem_size), 0);
	CHECK_EQ(mem_base, 0x80000000ull);
	CHECK_EQ(mem_size, c->mem_bytes);
	check_guard_copies(path, &f);
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
	CHECK_EQ(region_perm(&f, kernel, "root", &base, &order), perms.rw);
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
