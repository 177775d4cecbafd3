/*
 * tests/fuzz/fuzz_fs_image.c - libFuzzer target: a whole disk image, mounted
 * and walked by the kernel's file system (kernel/bio.c log.c fs.c file.c
 * sysfile.c over tests/shim/), then checked by fsck_image (tests/shim/fsck.h).
 *
 * Input, one of two forms:
 *   an image   a multiple of FS_BLOCK_SIZE, at least FUZZ_MIN_BLOCKS blocks,
 *              whose block 1 starts with FS_MAGIC: the disk, as it is
 *              (tools/fuzz.sh seeds the corpus with a small mkfs image);
 *   patches    anything else: edits of a base image the target builds once
 *              with the kernel's own calls (a file, a file with a single-
 *              indirect block, nested directories, a device). Byte 0 holds
 *              flags (bit 0: reseal the superblock's crc after the edits,
 *              bit 1: reseal the log header's), then records of
 *              [block u8][offset u16 le][len u8][len bytes]: block 0 is the
 *              superblock, 1 the log header, 2 the first log slot, 3 the
 *              inode block, 4 the free map, 5.. the data blocks in turn.
 *
 * Each run mounts the disk and, if the mount succeeds, walks it as a user
 * would, within fixed bounds: every directory listed and entered (ls -R, at
 * most FUZZ_MAX_ENTRIES entries, FUZZ_MAX_DEPTH deep), every file opened,
 * fstat'ed and read (at most FUZZ_MAX_READ bytes each), the first file
 * appended to and removed, a new file created, written, read back and
 * removed, a directory made and removed. Then every reference is dropped:
 * the kernel heap must be back where it started (a leaked inode or file
 * aborts). A request past the file system's blocks aborts in the shim; a
 * kernel panic aborts; AddressSanitizer stops a bad access; libFuzzer's
 * timeout catches a loop.
 *
 * `make fuzz` builds it with the kernel's file system sources and the shim
 * (the Makefile's FUZZ_SRCS) and runs it; or:
 * build/fuzz/fuzz_fs_image -max_total_time=60 build/fuzz/corpus-fuzz_fs_image
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/fs_format.h"
#include "../../kernel/fcntl.h"
#include "../../kernel/file.h"
#include "../../kernel/fsys.h"
#include "../../kernel/param.h"
#include "../../kernel/proc.h"
#include "../../kernel/stat.h"
#include "../../lib/fs_layout.h"
#include "../shim/fsck.h"
#include "../shim/mount.h"
#include "../shim/shim.h"

/* kernel/sysfile.c, called through shim_syscall */
long sys_read(void);
long sys_write(void);
long sys_close(void);
long sys_fstat(void);
long sys_open(void);
long sys_mkdir(void);
long sys_mknod(void);
long sys_unlink(void);

#define BS FS_BLOCK_SIZE

#define FUZZ_BASE_BLOCKS 160 /* the base image: log, one inode block, one map block, data */
#define FUZZ_BASE_INODES 48
#define FUZZ_MIN_BLOCKS  (FS_SUPER_BLOCK + 1)
#define FUZZ_MAX_ENTRIES 200
#define FUZZ_MAX_DEPTH   6
#define FUZZ_MAX_READ    (64u * 1024)

/* --- system calls, arguments in the shim's user memory --- */

#define U_PATH       0
#define U_STAT       1024
#define U_DATA       4096
#define U_DATA_BYTES (64u * 1024)

static long u_open(const char *path, int flags)
{
	return shim_syscall(sys_open, shim_ustr(U_PATH, path), (uint64_t)flags, 0);
}

static long u_path(long (*call)(void), const char *path)
{
	return shim_syscall(call, shim_ustr(U_PATH, path), 0, 0);
}

static long u_read(long fd, uint32_t n)
{
	return shim_syscall(sys_read, (uint64_t)fd, shim_uva(U_DATA), n);
}

static long u_write(long fd, uint32_t n)
{
	return shim_syscall(sys_write, (uint64_t)fd, shim_uva(U_DATA), n);
}

static void u_close(long fd)
{
	shim_syscall(sys_close, (uint64_t)fd, 0, 0);
}

static long u_fstat(long fd, struct stat *st)
{
	long r = shim_syscall(sys_fstat, (uint64_t)fd, shim_uva(U_STAT), 0);
	memcpy(st, shim_user + U_STAT, sizeof(*st));
	return r;
}

/* --- mounting --- */

static int mount(void)
{
	shim_log_clear();
	int err = fs_init();
	if (err == 0)
		shim_proc.cwd = namei("/");
	return err;
}

/* --- the base image --- */

static uint8_t base[FUZZ_BASE_BLOCKS * BS];
static struct fs_super base_sb;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_fs_image: %s\n%s", what, shim_log());
	abort();
}

/* Creates path holding n bytes of fill. */
static void put(const char *path, uint32_t n, uint8_t fill)
{
	long fd = u_open(path, O_CREATE | O_WRONLY);
	memset(shim_user + U_DATA, fill, n);
	if (fd < 0 || u_write(fd, n) != (long)n)
		die(path);
	u_close(fd);
}

/* An empty file system as mkfs lays it out, then a small tree made with the kernel's calls. */
static void build_base(void)
{
	char why[160];
	if (fs_layout_compute(FUZZ_BASE_BLOCKS, FUZZ_BASE_INODES, LOGSIZE + 1, &base_sb, why,
			      sizeof(why)) != 0)
		die(why);
	shim_disk_create(FUZZ_BASE_BLOCKS);
	memcpy(shim_disk + FS_SUPER_BLOCK * BS, &base_sb, sizeof(base_sb));
	struct fs_log_header *h = (struct fs_log_header *)(shim_disk + base_sb.logstart * BS);
	h->magic = FS_LOG_MAGIC;
	h->crc = fs_log_crc(h);
	for (uint32_t b = 0; b <= base_sb.datastart; b++)
		shim_disk[base_sb.bmapstart * BS + FS_BITMAP_BYTE(b)] |= FS_BITMAP_MASK(b);
	struct fs_dinode *root =
		(struct fs_dinode *)(shim_disk + FS_INODE_BLOCK(FS_ROOT_INUM, &base_sb) * BS) +
		FS_ROOT_INUM;
	root->type = T_DIR;
	root->nlink = 1;
	root->size = 2 * sizeof(struct fs_dirent);
	root->addrs[0] = base_sb.datastart;
	struct fs_dirent *de = (struct fs_dirent *)(shim_disk + base_sb.datastart * BS);
	de[0].inum = de[1].inum = FS_ROOT_INUM;
	strcpy(de[0].name, ".");
	strcpy(de[1].name, "..");
	if (mount() != 0)
		die("the base image does not mount");
	put("README", 100, 'r');
	put("big", (FS_NDIRECT + 3) * BS, 'b');
	if (u_path(sys_mkdir, "d") < 0 || u_path(sys_mkdir, "d/e") < 0)
		die("mkdir");
	put("d/e/f", 5000, 'f');
	put("d/g", 1, 'g');
	if (shim_syscall(sys_mknod, shim_ustr(U_PATH, "console"), CONSOLE, 0) < 0)
		die("mknod");
	shim_unmount();
	memcpy(base, shim_disk, sizeof(base));
}

/* The image block a patch record's selector names. */
static uint32_t patch_block(uint8_t sel)
{
	switch (sel) {
	case 0: return FS_SUPER_BLOCK;
	case 1: return base_sb.logstart;
	case 2: return base_sb.logstart + 1;
	case 3: return base_sb.inodestart;
	case 4: return base_sb.bmapstart;
	default: return base_sb.datastart + (uint32_t)(sel - 5) % base_sb.nblocks;
	}
}

/* Loads the base image with the input's patches applied onto the shim disk. */
static void load_patched(const uint8_t *data, size_t size)
{
	if (shim_disk_blocks != FUZZ_BASE_BLOCKS)
		shim_disk_create(FUZZ_BASE_BLOCKS);
	shim_disk_load(base);
	uint8_t flags = size > 0 ? data[0] : 0;
	size_t at = 1;
	while (at + 4 <= size) {
		uint32_t block = patch_block(data[at]);
		uint32_t off = (data[at + 1] | (uint32_t)data[at + 2] << 8) % BS;
		size_t len = data[at + 3];
		at += 4;
		if (len > size - at)
			len = size - at;
		if (len > BS - off)
			len = BS - off;
		memcpy(shim_disk + (uint64_t)block * BS + off, data + at, len);
		at += len;
	}
	struct fs_super *s = (struct fs_super *)(shim_disk + FS_SUPER_BLOCK * BS);
	if (flags & 1)
		s->crc = fs_super_crc(s);
	if (flags & 2) {
		struct fs_log_header *h =
			(struct fs_log_header *)(shim_disk + (uint64_t)base_sb.logstart * BS);
		h->crc = fs_log_crc(h);
	}
}

static int is_image(const uint8_t *data, size_t size)
{
	uint32_t magic;
	if (size % BS != 0 || size < FUZZ_MIN_BLOCKS * BS)
		return 0;
	memcpy(&magic, data + FS_SUPER_BLOCK * BS, sizeof(magic));
	return magic == FS_MAGIC;
}

/* --- the walk --- */

struct walk {
	int entries;         /* visited so far, against FUZZ_MAX_ENTRIES */
	char first[MAXPATH]; /* the first regular file met */
};

/* Reads up to FUZZ_MAX_READ bytes of open fd. */
static void read_some(long fd)
{
	uint32_t done = 0;
	long got;
	while (done < FUZZ_MAX_READ && (got = u_read(fd, 16 * 1024)) > 0)
		done += (uint32_t)got;
}

/* ls -R from dir (a path of len bytes), depth levels down. */
static void list(struct walk *w, char *dir, size_t len, int depth)
{
	long fd = u_open(dir, O_RDONLY);
	if (fd < 0)
		return;
	struct fs_dirent de;
	uint64_t off = 0;
	while (w->entries < FUZZ_MAX_ENTRIES && u_read(fd, sizeof(de)) == (long)sizeof(de)) {
		memcpy(&de, shim_user + U_DATA, sizeof(de));
		off += sizeof(de);
		if (de.inum == 0 || strncmp(de.name, ".", FS_NAME_MAX) == 0 ||
		    strncmp(de.name, "..", FS_NAME_MAX) == 0)
			continue;
		w->entries++;
		size_t name_len = strnlen(de.name, FS_NAME_MAX);
		if (len + 1 + name_len + 1 > MAXPATH)
			continue;
		dir[len] = '/';
		memcpy(dir + len + 1, de.name, name_len);
		dir[len + 1 + name_len] = '\0';
		long child = u_open(dir, O_RDONLY);
		struct stat st;
		if (child >= 0 && u_fstat(child, &st) == 0) {
			if (st.type == T_FILE) {
				read_some(child);
				if (!w->first[0])
					memcpy(w->first, dir, len + 1 + name_len + 1);
			}
			u_close(child);
			if (st.type == T_DIR && depth > 0)
				list(w, dir, len + 1 + name_len, depth - 1);
		} else if (child >= 0) {
			u_close(child);
		}
		dir[len] = '\0';
	}
	u_close(fd);
}

/* Writes n bytes of a pattern to path (created), reads them back, removes it. */
static void write_read_remove(const char *path, uint32_t n)
{
	long fd = u_open(path, O_CREATE | O_RDWR);
	if (fd < 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		shim_user[U_DATA + i] = (uint8_t)(i * 13);
	u_write(fd, n);
	u_close(fd);
	fd = u_open(path, O_RDONLY);
	if (fd >= 0) {
		read_some(fd);
		u_close(fd);
	}
	u_path(sys_unlink, path);
}

static void walk(void)
{
	struct walk w = { 0, "" };
	char path[MAXPATH] = "";
	list(&w, path, 0, FUZZ_MAX_DEPTH);
	if (w.first[0]) {
		long fd = u_open(w.first, O_WRONLY | O_APPEND);
		if (fd >= 0) {
			memset(shim_user + U_DATA, 'a', 2 * BS);
			u_write(fd, 2 * BS);
			u_close(fd);
		}
		u_path(sys_unlink, w.first);
	}
	write_read_remove("/fuzz.new", 3 * BS + 100);
	if (u_path(sys_mkdir, "/fuzz.dir") == 0) {
		write_read_remove("/fuzz.dir/f", 10);
		u_path(sys_mkdir, "/fuzz.dir/sub");
		u_path(sys_unlink, "/fuzz.dir/sub");
		u_path(sys_unlink, "/fuzz.dir");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long heap_at_rest = -1;
	if (heap_at_rest < 0) {
		build_base();
		heap_at_rest = shim_live_allocs;
	}
	uint8_t *image;
	size_t blocks;
	if (is_image(data, size)) {
		blocks = size / BS;
		if (shim_disk_blocks != blocks)
			shim_disk_create(blocks);
		shim_disk_load(data);
	} else {
		load_patched(data, size);
		blocks = FUZZ_BASE_BLOCKS;
	}
	image = malloc(blocks * BS);
	memcpy(image, shim_disk, blocks * BS);

	struct fs_super sb;
	memcpy(&sb, image + FS_SUPER_BLOCK * BS, sizeof(sb));
	int sane = fs_super_check(&sb, blocks, NULL, 0) == 0;
	shim_disk_limit = sane ? sb.size : 0; /* nothing past the file system is ever asked for */
	if (mount() == 0)
		walk();
	shim_unmount();
	if (shim_live_allocs != heap_at_rest) {
		fprintf(stderr, "fuzz_fs_image: %ld kernel allocations left after unmount\n",
			shim_live_allocs - heap_at_rest);
		abort();
	}
	shim_disk_limit = 0;
	if (sane) /* fsck_image takes no image size: it must be given a superblock that fits */
		fsck_image(image, NULL);
	free(image);
	return 0;
}
