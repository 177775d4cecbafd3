/*
 * user/writeheavy.c - a write-heavy file-system workload whose files check themselves.
 *
 *   writeheavy [-s SEED]   works in /wh until it is killed
 *   writeheavy -c          checks every file under /wh
 *
 * The workload creates, appends to, overwrites, links, unlinks and removes
 * files in /wh and in directories below it, with small and big writes (a
 * big one spans many log operations). Before it starts it writes
 * /wh/stable, which it never touches again, and only then prints
 * "writeheavy: started": the test that kills the machine at a random moment
 * after that line (grading/kill_tests.py) knows that file was committed.
 *
 * Every file is a sequence of 64-byte records, each naming its own offset
 * and carrying a checksum, and every write is whole records at a record
 * boundary. A crash may leave a file with old and new records mixed (a big
 * write is atomic piece by piece, each piece whole blocks), but never a
 * torn record, a record at the wrong place or a size that is not a whole
 * number of records: -c checks exactly that, and that /wh/stable is whole.
 * A file is always closed before a name of it is removed, so a crash leaves
 * no open orphan either. The last line of -c is "writeheavy: check OK" or
 * "writeheavy: check FAILED".
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/random.h"
#include "user/user.h"

#include "include/fs_format.h"
#include "user/args.h"

#define RECORD_MAGIC   0x43524857u /* "WHRC" */
#define STABLE_RECORDS 100
#define MAX_RECORDS    2048 /* the biggest write: 128 KiB */
#define FILES          12
#define DIRS           3
#define DIR_FILES      4
#define PATH_BYTES     32
#define BAD_SHOWN      5

struct record {
	uint32 magic;
	uint32 gen; /* which write made it */
	uint64 offset;
	char fill[44];
	uint32 check; /* FNV-1a of the 60 bytes before it */
};
_Static_assert(sizeof(struct record) == 64, "a record is 64 bytes");

static uint32 generation;
static struct record records[MAX_RECORDS];

static uint32 fnv1a(const void *data, int len)
{
	const uchar *p = data;
	uint32 h = 2166136261u;
	for (int i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int record_ok(const struct record *r, uint64 offset)
{
	return r->magic == RECORD_MAGIC && r->offset == offset &&
	       r->check == fnv1a(r, (int)sizeof *r - 4);
}

/* n records for the file offsets from offset on, of a new generation, in records[]. */
static void fill_records(uint64 offset, int n)
{
	generation++;
	for (int i = 0; i < n; i++) {
		struct record *r = &records[i];
		r->magic = RECORD_MAGIC;
		r->gen = generation;
		r->offset = offset + (uint64)i * sizeof *r;
		for (uint j = 0; j < sizeof r->fill; j++)
			r->fill[j] = (char)(generation + i + j);
		r->check = fnv1a(r, (int)sizeof *r - 4);
	}
}

/* Writes n fresh records with one write() at the offset the file's mode puts them. */
static void write_records(const char *path, int mode, int n)
{
	int fd = open(path, mode);
	if (fd < 0)
		return; /* it does not exist (yet), or the disk is full */
	uint64 offset = 0;
	struct stat st;
	if ((mode & O_APPEND) && fstat(fd, &st) == 0)
		offset = st.size;
	fill_records(offset, n);
	write(fd, records, n * (int)sizeof(struct record));
	close(fd);
}

static int records_to_write(void)
{
	switch (random_below(4)) {
	case 0: return 1;
	case 1: return MAX_RECORDS / 8 + (int)random_below(MAX_RECORDS - MAX_RECORDS / 8);
	default: return 1 + (int)random_below(64);
	}
}

static void file_path(char *path, int dir, int file, char kind)
{
	if (dir < 0)
		snprintf(path, PATH_BYTES, "/wh/%c%d", kind, file);
	else
		snprintf(path, PATH_BYTES, "/wh/d%d/%c%d", dir, kind, file);
}

/* One step of the workload, on a file of /wh or of one of its directories. */
static void step(void)
{
	char path[PATH_BYTES], other[PATH_BYTES];
	int dir = random_below(3) ? -1 : (int)random_below(DIRS);
	int file = (int)random_below(dir < 0 ? FILES : DIR_FILES);
	file_path(path, dir, file, 'f');
	switch (random_below(10)) {
	case 0:
	case 1: write_records(path, O_CREATE | O_TRUNC | O_WRONLY, records_to_write()); break;
	case 2:
	case 3: write_records(path, O_CREATE | O_APPEND | O_WRONLY, records_to_write()); break;
	case 4: write_records(path, O_RDWR, 1 + (int)random_below(64)); break; /* over its start */
	case 5:
		for (int i = 0; i < 8; i++)
			write_records(path, O_APPEND | O_WRONLY, 1);
		break;
	case 6:
		file_path(other, dir, file, 'l');
		link(path, other);
		if (random_below(2))
			unlink(other);
		break;
	case 7: unlink(path); break;
	case 8:
		if (dir >= 0) {
			snprintf(other, sizeof other, "/wh/d%d", dir);
			if (mkdir(other) < 0 && random_below(4) == 0)
				unlink(other); /* only when empty */
		}
		break;
	default:
		file_path(other, dir, file, 'l');
		unlink(other);
		break;
	}
}

static void work(uint64 seed)
{
	random_seed(seed * 0x9e3779b97f4a7c15ul + 1);
	mkdir("/wh");
	for (int d = 0; d < DIRS; d++) {
		char dir[PATH_BYTES];
		snprintf(dir, sizeof dir, "/wh/d%d", d);
		mkdir(dir);
	}
	unlink("/wh/stable");
	write_records("/wh/stable", O_CREATE | O_WRONLY, STABLE_RECORDS);
	printf("writeheavy: started (seed %lu)\n", seed);
	for (;;)
		step();
}

/* ---------------------------------------------------------------- check */

static int files_checked, records_checked, bad;

static void complain(const char *path, const char *what, uint64 at)
{
	if (bad++ < BAD_SHOWN)
		printf("writeheavy: %s: %s at offset %lu\n", path, what, at);
}

static void check_file(const char *path, int expect_records)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		complain(path, "cannot open", 0);
		if (fd >= 0)
			close(fd);
		return;
	}
	files_checked++;
	if (st.size % sizeof(struct record))
		complain(path, "size is not whole records", st.size);
	if (expect_records >= 0 && st.size != (uint64)expect_records * sizeof(struct record))
		complain(path, "size is not what was committed", st.size);
	uint64 offset = 0;
	int n;
	while ((n = read(fd, records, sizeof records)) > 0) {
		for (int i = 0; i + (int)sizeof(struct record) <= n;
		     i += (int)sizeof(struct record)) {
			if (!record_ok(&records[i / sizeof(struct record)], offset))
				complain(path, "torn or misplaced record", offset);
			offset += sizeof(struct record);
			records_checked++;
		}
	}
	close(fd);
}

/* Checks the files of directory dir (a path), going one level down into directories. */
static void check_dir(const char *dir, int depth)
{
	int fd = open(dir, O_RDONLY);
	if (fd < 0) {
		complain(dir, "cannot open the directory", 0);
		return;
	}
	struct fs_dirent de;
	while (read(fd, &de, sizeof de) == sizeof de) {
		char name[FS_NAME_MAX + 1], path[PATH_BYTES + FS_NAME_MAX];
		if (!de.inum)
			continue;
		memcpy(name, de.name, FS_NAME_MAX);
		name[FS_NAME_MAX] = 0;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, name);
		struct stat st;
		if (stat(path, &st) < 0)
			complain(path, "named but cannot be opened", 0);
		else if (st.type == T_DIR && depth == 0)
			check_dir(path, 1);
		else if (st.type == T_FILE)
			check_file(path, strcmp(path, "/wh/stable") ? -1 : STABLE_RECORDS);
		else
			complain(path, "unexpected type", (uint64)st.type);
	}
	close(fd);
}

static int check(void)
{
	struct stat st;
	if (stat("/wh/stable", &st) < 0)
		complain("/wh/stable", "missing", 0);
	check_dir("/wh", 0);
	printf("writeheavy: checked %d files, %d records: %d bad\n", files_checked, records_checked,
	       bad);
	printf(bad ? "writeheavy: check FAILED\n" : "writeheavy: check OK\n");
	return bad ? 1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc == 2 && !strcmp(argv[1], "-c"))
		exit(check());
	int seed = 1;
	if (argc == 3 && !strcmp(argv[1], "-s") && args_number(argv[2], &seed) == 0) {
		work((uint64)seed);
	} else if (argc == 1) {
		work((uint64)seed);
	}
	fprintf(2, "usage: writeheavy [-s SEED] | writeheavy -c\n");
	exit(1);
}
