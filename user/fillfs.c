/*
 * user/fillfs.c - runs the file system out of blocks and out of inodes, and back.
 *
 *   fillfs
 *
 * On a small disk (grading/kill_tests.py makes one with mkfs): writes
 * /fill.big until write() returns -1, checks that a write of one more byte
 * fails too and how far the file got (a short count: the blocks that were
 * left); removes it and checks that the space is back; then creates empty
 * files until open(O_CREATE) returns -1 and checks that mkdir fails too
 * while a write to an existing file still succeeds (so inodes ran out, not
 * blocks); checks /fill.keep, written first, still reads back right; removes
 * everything and checks that creating and writing work again. Each step
 * prints a line; the last is "fillfs: OK", or a "fillfs: FAILED: ..." line
 * says which check failed (exit status 1).
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/user.h"

#define CHUNK       (64 * 1024)
#define KEEP_BYTES  (3 * 4096 + 100)
#define SPARE_BYTES 4096
#define MAX_NAMES   100000
#define MAX_FILL    (1ul << 30) /* more than any disk fillfs is meant for */
#define NAME_BYTES  24

static char chunk[CHUNK];

static void fail(const char *what)
{
	printf("fillfs: FAILED: %s\n", what);
	exit(1);
}

static char pattern(int i)
{
	return (char)('a' + i % 23);
}

/* Writes len bytes of the pattern to path (created or truncated); 0, or -1 if it fell short. */
static int write_pattern(const char *path, int len)
{
	int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
	if (fd < 0)
		return -1;
	for (int i = 0; i < len; i++)
		chunk[i] = pattern(i);
	int wrote = write(fd, chunk, len);
	close(fd);
	return wrote == len ? 0 : -1;
}

/* 1 if path holds exactly len bytes of the pattern. */
static int reads_back(const char *path, int len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	int got = 0, n;
	while (got <= len && (n = read(fd, chunk + got, CHUNK - got)) > 0)
		got += n;
	close(fd);
	if (got != len)
		return 0;
	for (int i = 0; i < len; i++)
		if (chunk[i] != pattern(i))
			return 0;
	return 1;
}

static uint64 size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) < 0 ? 0 : st.size;
}

/* Writes /fill.big until the disk is full; its size then. */
static uint64 fill_blocks(void)
{
	int fd = open("/fill.big", O_CREATE | O_TRUNC | O_WRONLY);
	if (fd < 0)
		fail("cannot create /fill.big");
	memset(chunk, 'x', CHUNK);
	uint64 written = 0;
	int r;
	while ((r = write(fd, chunk, CHUNK)) == CHUNK && written < MAX_FILL)
		written += CHUNK;
	if (written >= MAX_FILL)
		fail("1 GiB went onto the disk and it never filled");
	/* the write that met the end returns what went in (POSIX), or -1 when nothing did */
	if (r == 0 || r < -1 || r >= CHUNK) {
		printf("fillfs: the write that met the full disk returned %d\n", r);
		fail("a write to a full disk returned neither a short count nor -1");
	}
	uint64 short_by = r > 0 ? (uint64)(CHUNK - r) : CHUNK;
	if (r > 0)
		written += (uint64)r;
	if (write(fd, chunk, 1) != -1)
		fail("a one-byte write after the disk filled did not return -1");
	close(fd);
	if (size_of("/fill.big") != written)
		fail("the file's size is not what the writes reported");
	printf("fillfs: disk full: writes of %d bytes gave %lu bytes, the last fell short by "
	       "%lu, then a write returned -1\n",
	       CHUNK, written, short_by);
	return written;
}

static void name_of(char *name, int i)
{
	snprintf(name, NAME_BYTES, "/fill.n%d", i);
}

/* Creates empty files until open(O_CREATE) fails; how many it made. */
static int fill_inodes(void)
{
	char name[NAME_BYTES];
	int made = 0;
	for (; made < MAX_NAMES; made++) {
		name_of(name, made);
		int fd = open(name, O_CREATE | O_WRONLY);
		if (fd < 0)
			break;
		close(fd);
	}
	if (made == MAX_NAMES)
		fail("open(O_CREATE) never failed");
	if (mkdir("/fill.dir") == 0)
		fail("mkdir succeeded with no inode left");
	int fd = open("/fill.spare", O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, chunk, SPARE_BYTES) != SPARE_BYTES)
		fail("with inodes gone a write to an existing file failed: blocks ran out instead");
	close(fd);
	printf("fillfs: out of inodes after %d new files: open(O_CREATE) and mkdir return -1\n",
	       made);
	return made;
}

int main(void)
{
	if (write_pattern("/fill.keep", KEEP_BYTES) < 0 || write_pattern("/fill.spare", 0) < 0)
		fail("cannot write /fill.keep and /fill.spare on the empty disk");

	fill_blocks();
	if (!reads_back("/fill.keep", KEEP_BYTES))
		fail("/fill.keep does not read back right on the full disk");
	if (unlink("/fill.big") < 0)
		fail("cannot remove /fill.big");
	if (write_pattern("/fill.again", CHUNK) < 0 || !reads_back("/fill.again", CHUNK) ||
	    unlink("/fill.again") < 0)
		fail("after removing /fill.big a 64 KiB file cannot be written and read back");
	printf("fillfs: space is back after removing /fill.big\n");

	int made = fill_inodes();
	if (!reads_back("/fill.keep", KEEP_BYTES))
		fail("/fill.keep does not read back right with no inode left");
	char name[NAME_BYTES];
	for (int i = 0; i < made; i++) {
		name_of(name, i);
		if (unlink(name) < 0)
			fail("cannot remove a file it made");
	}
	if (write_pattern("/fill.again", CHUNK) < 0 || !reads_back("/fill.again", CHUNK) ||
	    mkdir("/fill.dir") < 0 || unlink("/fill.dir") < 0 || unlink("/fill.again") < 0)
		fail("after removing the files, creating, writing and mkdir do not work");
	printf("fillfs: creating works again after removing them\n");
	if (unlink("/fill.keep") < 0 || unlink("/fill.spare") < 0)
		fail("cannot remove /fill.keep and /fill.spare");
	printf("fillfs: OK\n");
	exit(0);
}
