/*
 * user/usertests_fs.c - the file system through its system calls: files
 * (open modes, offsets, append, truncate, chunk sizes across blocks),
 * directories (rules, listings, deep trees, many entries), links, unlink
 * of open files, name lengths around FS_NAME_MAX, inode reuse, several
 * processes creating and deleting at once, the console device, and a
 * 64 MiB file written, read back, truncated and written again.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "include/fs_format.h"
#include "user/user.h"
#include "user/usertests.h"

#define MiB (1024 * 1024)

static int open_ok(const char *path, int mode)
{
	int fd = open(path, mode);
	CHECK(fd >= 0, "open %s (mode 0x%x) returned %d", path, mode, fd);
	return fd;
}

static struct stat stat_ok(const char *path)
{
	struct stat st;
	CHECK(stat(path, &st) == 0, "stat %s failed", path);
	return st;
}

static void read_exact(int fd, char *buf, int n, const char *what)
{
	int r = read(fd, buf, n);
	CHECK(r == n, "%s: read of %d bytes returned %d", what, n, r);
}

static void expect_contents(const char *path, const char *want)
{
	char buf[128];
	int fd = open_ok(path, O_RDONLY);
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	CHECK(n >= 0, "read %s failed", path);
	buf[n] = 0;
	CHECK(strcmp(buf, want) == 0, "%s holds \"%s\", not \"%s\"", path, buf, want);
}

static void test_file_rw(void)
{
	unlink("fs_rw");
	CHECK(open("fs_rw", O_RDONLY) == -1, "open of a missing file without O_CREATE worked");
	int fd = open_ok("fs_rw", O_CREATE | O_RDWR);
	CHECK(write(fd, "hello ", 6) == 6 && write(fd, "world", 5) == 5, "write failed");
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat failed");
	CHECK(st.type == T_FILE && st.size == 11 && st.nlink == 1,
	      "fstat: type %d size %lu nlink %d", st.type, st.size, st.nlink);
	close(fd);
	expect_contents("fs_rw", "hello world");

	fd = open_ok("fs_rw", O_CREATE | O_RDWR); /* exists: O_CREATE alone keeps it */
	CHECK(fstat(fd, &st) == 0 && st.size == 11, "O_CREATE of an existing file changed it");
	close(fd);
	fd = open_ok("fs_rw", O_WRONLY);
	CHECK(write(fd, "J", 1) == 1, "overwrite failed");
	close(fd);
	expect_contents("fs_rw", "Jello world");

	int a = open_ok("fs_rw", O_WRONLY | O_APPEND);
	int b = open_ok("fs_rw", O_WRONLY | O_APPEND);
	CHECK(write(a, "!", 1) == 1 && write(b, "?", 1) == 1 && write(a, ".", 1) == 1,
	      "append failed");
	close(a);
	close(b);
	expect_contents("fs_rw", "Jello world!?.");

	fd = open_ok("fs_rw", O_WRONLY | O_TRUNC);
	CHECK(fstat(fd, &st) == 0 && st.size == 0, "O_TRUNC left %lu bytes", st.size);
	CHECK(write(fd, "new", 3) == 3, "write after truncate failed");
	close(fd);
	expect_contents("fs_rw", "new");
	CHECK(unlink("fs_rw") == 0, "unlink failed");
	CHECK(open("fs_rw", O_RDONLY) == -1, "the unlinked file still opens");
	CHECK(unlink("fs_rw") == -1, "a second unlink did not fail");
}

static void test_file_offsets(void)
{
	ut_write_file("fs_off", "0123456789", 10);
	int a = open_ok("fs_off", O_RDONLY);
	int b = open_ok("fs_off", O_RDONLY);
	char buf[16] = { 0 };
	read_exact(a, buf, 3, "a");
	read_exact(b, buf + 8, 2, "b");
	CHECK(memcmp(buf, "012", 3) == 0 && memcmp(buf + 8, "01", 2) == 0,
	      "two opens share an offset");
	int c = dup(a); /* a dup shares a's offset */
	read_exact(c, buf, 2, "dup");
	CHECK(memcmp(buf, "34", 2) == 0, "a dup does not share the offset");
	int pid = ut_fork(); /* so does a child */
	if (pid == 0) {
		read_exact(a, buf, 2, "child");
		exit(memcmp(buf, "56", 2) == 0 ? 0 : 1);
	}
	ut_wait_ok(pid, "reading in a child");
	read_exact(a, buf, 3, "after the child");
	CHECK(memcmp(buf, "789", 3) == 0 && read(a, buf, 4) == 0,
	      "the child's read did not move the shared offset");
	close(a);
	close(b);
	close(c);
	unlink("fs_off");
}

/* Writes and reads of sizes around block boundaries, then one 1 MiB write. */
static void test_file_chunks(void)
{
	static const int sizes[] = { 1, 4095, 4096, 4097, 12289, 65536, 100, 8191 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	char *buf = malloc(MiB);
	CHECK(buf, "malloc failed");
	int fd = open_ok("fs_chunks", O_CREATE | O_TRUNC | O_RDWR);
	int total = 0;
	for (int k = 0; k < N; k++) {
		for (int i = 0; i < sizes[k]; i++)
			buf[i] = (char)ut_pattern(4, total + i);
		CHECK(write(fd, buf, sizes[k]) == sizes[k], "write of %d bytes failed", sizes[k]);
		total += sizes[k];
	}
	close(fd);
	fd = open_ok("fs_chunks", O_RDONLY);
	int got = 0, n;
	for (int k = 0; (n = read(fd, buf, sizes[(k + 3) % N])) > 0; k++) {
		for (int i = 0; i < n; i++)
			CHECK(buf[i] == (char)ut_pattern(4, got + i), "byte %d is wrong", got + i);
		got += n;
	}
	CHECK(got == total, "%d bytes read back, %d written", got, total);
	close(fd);

	for (int i = 0; i < MiB; i++)
		buf[i] = (char)ut_pattern(6, i);
	fd = open_ok("fs_chunks", O_CREATE | O_TRUNC | O_RDWR);
	CHECK(write(fd, buf, MiB) == MiB, "one write of 1 MiB failed");
	close(fd);
	memset(buf, 0, MiB);
	fd = open_ok("fs_chunks", O_RDONLY);
	CHECK(read(fd, buf, MiB) == MiB, "one read of 1 MiB failed");
	for (int i = 0; i < MiB; i++)
		CHECK(buf[i] == (char)ut_pattern(6, i), "1 MiB file: byte %d is wrong", i);
	close(fd);
	unlink("fs_chunks");
	free(buf);
}

static void test_dir_rules(void)
{
	unlink("fs_d/f");
	unlink("fs_d");
	CHECK(mkdir("fs_d") == 0, "mkdir failed");
	CHECK(mkdir("fs_d") == -1, "mkdir of an existing name did not fail");
	CHECK(open("fs_d", O_RDWR) == -1 && open("fs_d", O_WRONLY) == -1,
	      "a directory opened for writing");
	CHECK(open("fs_d", O_CREATE | O_RDWR) == -1, "O_CREATE of a directory's name worked");
	int fd = open_ok("fs_d", O_RDONLY);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.type == T_DIR, "a directory's type is %d", st.type);
	CHECK(write(fd, "x", 1) == -1, "a write to a directory worked");
	close(fd);
	ut_write_file("fs_d/f", "in d", 4);
	CHECK(unlink("fs_d") == -1, "unlink of a directory that is not empty worked");
	CHECK(unlink("fs_d/.") == -1 && unlink("fs_d/..") == -1, "unlink of . or .. worked");
	CHECK(mkdir("fs_nope/x") == -1, "mkdir under a missing directory worked");
	CHECK(mkdir("fs_d/f/x") == -1 && open("fs_d/f/x", O_CREATE | O_RDWR) == -1,
	      "a file was used as a directory");
	CHECK(chdir("fs_d/f") == -1, "chdir to a file worked");

	int pid = ut_fork(); /* a child's chdir is its own; it starts in its parent's cwd */
	if (pid == 0) {
		CHECK(chdir("fs_d") == 0, "chdir failed");
		expect_contents("f", "in d");
		CHECK(chdir("..") == 0, "chdir .. failed");
		CHECK(chdir("fs_d") == 0, "chdir back failed");
		exit(0);
	}
	ut_wait_ok(pid, "chdir in a child");
	CHECK(open("f", O_RDONLY) == -1, "the child's chdir moved the parent");

	struct stat root = stat_ok("/"), dot = stat_ok("/."), dotdot = stat_ok("/..");
	CHECK(root.ino == dot.ino && root.ino == dotdot.ino, "/, /. and /.. differ: %u %u %u",
	      root.ino, dot.ino, dotdot.ino);
	struct stat d = stat_ok("fs_d"), up = stat_ok("fs_d/..");
	struct stat here = stat_ok(".");
	CHECK(d.ino != up.ino && up.ino == here.ino, "fs_d/.. is not the directory fs_d is in");
	CHECK(unlink("fs_d/f") == 0, "unlink fs_d/f failed");
	CHECK(unlink("fs_d") == 0, "unlink of an empty directory failed");
	CHECK(chdir("fs_d") == -1, "chdir to a removed directory worked");
}

/* How many entries of directory path are named name (and the inode of the last). */
static int count_entries(const char *path, const char *name, uint *inum)
{
	int fd = open_ok(path, O_RDONLY);
	struct fs_dirent de;
	int n = 0;
	int len = (int)strlen(name);
	CHECK(len <= (int)FS_NAME_MAX, "no entry can be named %s", name);
	while (read(fd, &de, sizeof de) == sizeof de) {
		if (de.inum == 0)
			continue;
		if (strncmp(de.name, name, FS_NAME_MAX) == 0 &&
		    (len == FS_NAME_MAX || de.name[len] == 0)) {
			n++;
			*inum = de.inum;
		}
	}
	close(fd);
	return n;
}

static void test_dir_list(void)
{
	mkdir("fs_ls");
	static const char *const names[] = { "a", "bb", "ccc" };
	for (int i = 0; i < 3; i++) {
		char path[32];
		snprintf(path, sizeof path, "fs_ls/%s", names[i]);
		ut_write_file(path, "x", 1);
	}
	uint inum = 0;
	CHECK(count_entries("fs_ls", ".", &inum) == 1 && inum == stat_ok("fs_ls").ino,
	      "the listing's . is wrong");
	CHECK(count_entries("fs_ls", "..", &inum) == 1 && inum == stat_ok(".").ino,
	      "the listing's .. is wrong");
	for (int i = 0; i < 3; i++) {
		char path[32];
		snprintf(path, sizeof path, "fs_ls/%s", names[i]);
		CHECK(count_entries("fs_ls", names[i], &inum) == 1, "%s is not listed once", path);
		CHECK(inum == stat_ok(path).ino, "%s: the listing's inode is not stat's", path);
		unlink(path);
		CHECK(count_entries("fs_ls", names[i], &inum) == 0, "unlinked %s still listed",
		      path);
	}
	CHECK(unlink("fs_ls") == 0, "unlink of the emptied directory failed");
}

static void test_links(void)
{
	ut_write_file("fs_l1", "linked", 6);
	CHECK(link("fs_l1", "fs_l2") == 0, "link failed");
	struct stat a = stat_ok("fs_l1"), b = stat_ok("fs_l2");
	CHECK(a.ino == b.ino && a.nlink == 2, "after link: inodes %u %u, nlink %d", a.ino, b.ino,
	      a.nlink);
	CHECK(link("fs_l1", "fs_l2") == -1, "link to an existing name worked");
	CHECK(link("fs_missing", "fs_l3") == -1, "link of a missing file worked");
	mkdir("fs_ldir");
	CHECK(link("fs_ldir", "fs_l3") == -1, "a directory was linked");
	CHECK(link("fs_l1", "fs_ldir/l") == 0, "link into a directory failed");
	CHECK(link("fs_l1", "fs_nodir/l") == -1, "link into a missing directory worked");
	CHECK(unlink("fs_l1") == 0, "unlink failed");
	expect_contents("fs_l2", "linked");
	expect_contents("fs_ldir/l", "linked");
	CHECK(stat_ok("fs_l2").nlink == 2, "nlink after one unlink is not 2");
	unlink("fs_ldir/l");
	CHECK(stat_ok("fs_l2").nlink == 1, "nlink after two unlinks is not 1");
	unlink("fs_l2");
	CHECK(open("fs_l2", O_RDONLY) == -1, "the file is still there");
	CHECK(unlink("fs_ldir") == 0, "unlink fs_ldir failed");
}

/* An unlinked file lives on while an fd (here or in a child) holds it. */
static void test_unlink_open(void)
{
	enum { N = 5000 };
	static char buf[N];
	for (int i = 0; i < N; i++)
		buf[i] = (char)ut_pattern(8, i);
	ut_write_file("fs_u", buf, N);
	int rw = open_ok("fs_u", O_RDWR);
	int ro = open_ok("fs_u", O_RDONLY);
	int go[2];
	CHECK(pipe(go) == 0, "pipe failed");
	int pid = ut_fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1); /* after the unlink */
		static char mine[N];
		CHECK(read(ro, mine, N) == N, "the child's read of the unlinked file failed");
		exit(memcmp(mine, buf, N) == 0 ? 0 : 1);
	}
	close(ro);
	CHECK(unlink("fs_u") == 0, "unlink of an open file failed");
	CHECK(open("fs_u", O_RDONLY) == -1, "the unlinked name still opens");
	struct stat st;
	CHECK(fstat(rw, &st) == 0 && st.nlink == 0 && st.size == N,
	      "the open unlinked file: nlink %d size %lu", st.nlink, st.size);
	write(go[1], "g", 1);
	ut_wait_ok(pid, "reading in a child");
	CHECK(write(rw, "tail", 4) == 4, "a write to the unlinked file failed");
	int again = open("fs_u", O_CREATE | O_RDWR); /* a new file of the same name */
	CHECK(again >= 0, "creating the name again failed");
	CHECK(fstat(again, &st) == 0 && st.size == 0, "the new fs_u is not empty");
	close(again);
	close(rw);
	CHECK(unlink("fs_u") == 0, "unlink of the new file failed");
	close(go[0]);
	close(go[1]);
}

static void fill_name(char *name, int len, char c)
{
	memset(name, c, len);
	name[len] = 0;
}

/*
 * A name longer than FS_NAME_MAX is refused or cut to its first FS_NAME_MAX
 * bytes, always the same way: if it was cut, every name with the same first
 * FS_NAME_MAX bytes is the same file.
 */
static void check_long_name(int len, char c)
{
	char name[320], prefix[FS_NAME_MAX + 1], other[320];
	fill_name(name, len, c);
	fill_name(prefix, FS_NAME_MAX, c);
	fill_name(other, len, c);
	other[len - 1] = 'z';
	unlink(prefix);
	int fd = open(name, O_CREATE | O_RDWR);
	struct stat st;
	if (fd < 0) {
		CHECK(stat(name, &st) == -1, "a refused %d-byte name exists", len);
		CHECK(stat(prefix, &st) == -1, "refusing a %d-byte name made its prefix", len);
		return;
	}
	CHECK(fstat(fd, &st) == 0, "fstat failed");
	close(fd);
	struct stat p, o;
	CHECK(stat(prefix, &p) == 0 && p.ino == st.ino, "a %d-byte name was kept whole", len);
	CHECK(stat(other, &o) == 0 && o.ino == st.ino,
	      "two %d-byte names with one %u-byte prefix differ", len, FS_NAME_MAX);
	CHECK(unlink(name) == 0, "unlink by the long name failed");
	CHECK(stat(prefix, &p) == -1, "the cut name outlived its unlink");
}

static void test_names(void)
{
	char name[FS_NAME_MAX + 1];
	fill_name(name, FS_NAME_MAX, 'N');
	unlink(name);
	ut_write_file(name, "sixty", 5);
	expect_contents(name, "sixty");
	uint inum = 0;
	CHECK(count_entries(".", name, &inum) == 1, "the %u-byte name is not listed whole",
	      FS_NAME_MAX);
	CHECK(inum == stat_ok(name).ino, "the listing's inode is not stat's");
	char shorter[FS_NAME_MAX];
	fill_name(shorter, FS_NAME_MAX - 1, 'N');
	struct stat st;
	CHECK(stat(shorter, &st) == -1, "a %u-byte prefix finds the %u-byte name", FS_NAME_MAX - 1,
	      FS_NAME_MAX);
	CHECK(unlink(name) == 0, "unlink failed");

	/* a directory with a 60-byte name holds files */
	fill_name(name, FS_NAME_MAX, 'D');
	CHECK(mkdir(name) == 0, "mkdir of a %u-byte name failed", FS_NAME_MAX);
	char path[FS_NAME_MAX + 8];
	snprintf(path, sizeof path, "%s/f", name);
	ut_write_file(path, "in", 2);
	expect_contents(path, "in");
	unlink(path);
	CHECK(unlink(name) == 0, "unlink of the directory failed");

	check_long_name(FS_NAME_MAX + 1, 'L');
	check_long_name(100, 'M');
	check_long_name(MAXPATH - 1, 'P');
	char toolong[MAXPATH + 10];
	fill_name(toolong, MAXPATH + 5, 'T');
	CHECK(open(toolong, O_CREATE | O_RDWR) == -1, "a name longer than MAXPATH was taken");
}

#define DEEP 60
static void test_deep_dirs(void)
{
	static char path[MAXPATH + 16];
	CHECK(mkdir("fs_deep") == 0, "mkdir fs_deep failed");
	struct stat top = stat_ok("fs_deep");
	int pid = ut_fork();
	if (pid == 0) {
		CHECK(chdir("fs_deep") == 0, "chdir failed");
		for (int i = 0; i < DEEP; i++)
			CHECK(mkdir("dd") == 0 && chdir("dd") == 0, "level %d failed", i);
		ut_write_file("leaf", "deep", 4);
		for (int i = 0; i < DEEP; i++)
			CHECK(chdir("..") == 0, "climbing: level %d failed", i);
		struct stat here = stat_ok(".");
		CHECK(here.ino == top.ino, "%d times .. from the bottom is not the top", DEEP);
		exit(0);
	}
	ut_wait_ok(pid, "building the tree");
	strcpy(path, "fs_deep");
	for (int i = 0; i < DEEP; i++)
		strcpy(path + strlen(path), "/dd");
	int len = (int)strlen(path);
	strcpy(path + len, "/leaf");
	expect_contents(path, "deep");
	CHECK(unlink(path) == 0, "unlink of the leaf failed");
	/* a path past MAXPATH is refused even though every part of it exists */
	path[len] = 0;
	while ((int)strlen(path) < MAXPATH + 4)
		strcpy(path + strlen(path), "/.");
	CHECK(mkdir(path) == -1, "mkdir of a %d-byte path worked", (int)strlen(path));
	CHECK(open(path, O_RDONLY) == -1, "a %d-byte path opened", (int)strlen(path));
	path[len] = 0;
	for (int level = DEEP; level > 0; level--) {
		CHECK(unlink(path) == 0, "unlink of level %d failed", level);
		len -= 3; /* drop "/dd" */
		path[len] = 0;
	}
	CHECK(unlink("fs_deep") == 0, "unlink fs_deep failed");
	CHECK(open("fs_deep", O_RDONLY) == -1, "fs_deep is still there");
}

static void test_many_files(void)
{
	enum { N = 300 };
	mkdir("fs_many");
	char path[32];
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof path, "fs_many/x%03d", i);
		int fd = open_ok(path, O_CREATE | O_RDWR);
		CHECK(write(fd, &i, sizeof i) == sizeof i, "write failed");
		close(fd);
	}
	int fd = open_ok("fs_many", O_RDONLY);
	struct fs_dirent de;
	int live = 0;
	while (read(fd, &de, sizeof de) == sizeof de)
		live += de.inum != 0;
	close(fd);
	CHECK(live == N + 2, "fs_many lists %d entries, not %d", live, N + 2);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof path, "fs_many/x%03d", i);
		int v = -1;
		fd = open_ok(path, O_RDONLY);
		CHECK(read(fd, &v, sizeof v) == sizeof v && v == i, "%s holds %d", path, v);
		close(fd);
		CHECK(unlink(path) == 0, "unlink %s failed", path);
	}
	CHECK(unlink("fs_many") == 0, "unlink of the emptied directory failed");
}

/* More creates and unlinks than any disk has inodes: each unlink must free one. */
static void test_inode_reuse(void)
{
	for (int i = 0; i < 1000; i++) {
		int fd = open("fs_reuse", O_CREATE | O_RDWR);
		CHECK(fd >= 0, "create %d failed: are inodes freed?", i);
		CHECK(write(fd, "r", 1) == 1, "write %d failed: are blocks freed?", i);
		close(fd);
		CHECK(unlink("fs_reuse") == 0, "unlink %d failed", i);
	}
	ut_write_file("fs_reuse_kept", "k", 1);
	for (int i = 0; i < 2000; i++) {
		int fd = open("fs_reuse_kept", O_RDONLY);
		CHECK(fd >= 0, "open %d failed: are in-memory inodes freed?", i);
		close(fd);
	}
	unlink("fs_reuse_kept");
}

#define CC_PROCS 4
#define CC_NAMES 16

/* Several processes create and unlink the same names; afterwards each name exists at most once. */
static void test_concurrent_names(void)
{
	mkdir("fs_cc");
	for (int i = 0; i < CC_PROCS; i++) {
		int pid = ut_fork();
		if (pid == 0) {
			char path[32];
			for (int j = 0; j < 120; j++) {
				snprintf(path, sizeof path, "fs_cc/f%d", j % CC_NAMES);
				if ((i + j) % 3 == 0) {
					unlink(path);
					continue;
				}
				int fd = open(path, O_CREATE | O_RDWR);
				if (fd < 0)
					exit(10 + j);
				if (write(fd, &i, 1) != 1)
					exit(2);
				close(fd);
			}
			exit(0);
		}
	}
	for (int i = 0; i < CC_PROCS; i++) {
		int status = -5;
		CHECK(wait(&status) > 0, "a child was lost");
		CHECK(status == 0, "a child failed: status %d", status);
	}
	char path[32], name[16];
	uint inum;
	for (int k = 0; k < CC_NAMES; k++) {
		snprintf(name, sizeof name, "f%d", k);
		snprintf(path, sizeof path, "fs_cc/%s", name);
		int n = count_entries("fs_cc", name, &inum);
		CHECK(n <= 1, "%s is listed %d times", path, n);
		struct stat st;
		int exists = stat(path, &st) == 0;
		CHECK(exists == n, "%s: listed %d times, stat %s", path, n,
		      exists ? "finds it" : "does not");
		if (exists) {
			CHECK(st.type == T_FILE && st.nlink == 1 && st.ino == inum,
			      "%s: type %d nlink %d", path, st.type, st.nlink);
			unlink(path);
		}
	}
	CHECK(unlink("fs_cc") == 0, "fs_cc is not empty after every name was removed");
}

/* Several processes each create, check and remove their own files at once. */
static void test_concurrent_files(void)
{
	enum { FILES = 20, BYTES = 3000 };
	mkdir("fs_cf");
	for (int i = 0; i < CC_PROCS; i++) {
		int pid = ut_fork();
		if (pid == 0) {
			static char buf[BYTES], back[BYTES];
			char path[32];
			for (int k = 0; k < FILES; k++) {
				snprintf(path, sizeof path, "fs_cf/p%d_%d", i, k);
				for (int b = 0; b < BYTES; b++)
					buf[b] = (char)ut_pattern(i * 100 + k, b);
				ut_write_file(path, buf, BYTES);
			}
			for (int k = 0; k < FILES; k++) {
				snprintf(path, sizeof path, "fs_cf/p%d_%d", i, k);
				for (int b = 0; b < BYTES; b++)
					buf[b] = (char)ut_pattern(i * 100 + k, b);
				int fd = open_ok(path, O_RDONLY);
				read_exact(fd, back, BYTES, path);
				close(fd);
				CHECK(memcmp(buf, back, BYTES) == 0, "%s holds another's data",
				      path);
				if (k % 2)
					CHECK(unlink(path) == 0, "unlink %s failed", path);
			}
			exit(0);
		}
	}
	for (int i = 0; i < CC_PROCS; i++) {
		int status = -5;
		CHECK(wait(&status) > 0, "a child was lost");
		if (status == UT_REPORTED)
			exit(UT_REPORTED);
		CHECK(status == 0, "a child failed: status %d", status);
	}
	char path[32];
	struct stat st;
	for (int i = 0; i < CC_PROCS; i++) {
		for (int k = 0; k < FILES; k++) {
			snprintf(path, sizeof path, "fs_cf/p%d_%d", i, k);
			int exists = stat(path, &st) == 0;
			CHECK(exists == !(k % 2), "%s %s", path,
			      exists ? "outlived its unlink" : "is gone");
			if (exists) {
				CHECK(st.size == BYTES, "%s has %lu bytes", path, st.size);
				unlink(path);
			}
		}
	}
	CHECK(unlink("fs_cf") == 0, "fs_cf is not empty");
}

static void test_console_device(void)
{
	struct stat st;
	CHECK(fstat(1, &st) == 0 && st.type == T_DEVICE, "fd 1 is not a device (type %d)", st.type);
	unlink("fs_cons");
	CHECK(mknod("fs_cons", CONSOLE, 0) == 0, "mknod failed");
	CHECK(mknod("fs_cons", CONSOLE, 0) == -1, "mknod of an existing name worked");
	CHECK(stat("fs_cons", &st) == 0 && st.type == T_DEVICE, "the node's type is %d", st.type);
	int fd = open_ok("fs_cons", O_WRONLY);
	CHECK(write(fd, "", 0) == 0, "a write of 0 bytes to the console failed");
	close(fd);
	CHECK(unlink("fs_cons") == 0, "unlink of the node failed");
}

#define BIG_BYTES (64 * MiB)
#define BIG_CHUNK (64 * 1024)
#define BIG_BLOCK 4096
#define WORDS     (BIG_BLOCK / 8)

/* Block b of the big file: zeros, but for three words that name the block and the pass. */
static void big_block(uint64 *w, uint64 b, uint64 pass)
{
	memset(w, 0, BIG_BLOCK);
	w[0] = b | pass << 32;
	w[1 + (b * 7) % (WORDS - 2)] = b * 0x9e3779b97f4a7c15ul ^ pass;
	w[WORDS - 1] = ~w[0];
}

static void big_write(const char *path, uint64 pass, uint64 *buf)
{
	int fd = open_ok(path, O_CREATE | O_TRUNC | O_RDWR);
	for (uint64 off = 0; off < BIG_BYTES; off += BIG_CHUNK) {
		for (int k = 0; k < BIG_CHUNK / BIG_BLOCK; k++)
			big_block(buf + k * WORDS, off / BIG_BLOCK + k, pass);
		int w = write(fd, buf, BIG_CHUNK);
		CHECK(w == BIG_CHUNK, "pass %lu: write at %lu MiB returned %d", pass, off / MiB, w);
	}
	close(fd);
	struct stat st = stat_ok(path);
	CHECK(st.size == BIG_BYTES, "the big file has %lu bytes, not %d", st.size, BIG_BYTES);
}

static void big_check(const char *path, uint64 pass, uint64 *buf)
{
	static uint64 want[WORDS];
	int fd = open_ok(path, O_RDONLY);
	for (uint64 off = 0; off < BIG_BYTES; off += BIG_CHUNK) {
		read_exact(fd, (char *)buf, BIG_CHUNK, "the big file");
		for (int k = 0; k < BIG_CHUNK / BIG_BLOCK; k++) {
			uint64 b = off / BIG_BLOCK + k;
			big_block(want, b, pass);
			CHECK(memcmp(buf + k * WORDS, want, BIG_BLOCK) == 0,
			      "pass %lu: block %lu (at %lu MiB) is wrong: it names block %lu", pass,
			      b, b * BIG_BLOCK / MiB, buf[k * WORDS] & 0xffffffff);
		}
	}
	char c;
	CHECK(read(fd, &c, 1) == 0, "the big file goes on past %d bytes", BIG_BYTES);
	close(fd);
}

/*
 * 64 MiB written and read back, truncated, then written again: the default
 * disk (FSSIZE) cannot hold two, so the second pass needs the first's blocks.
 */
static void test_bigfile(void)
{
	uint64 *buf = malloc(BIG_CHUNK);
	CHECK(buf, "malloc failed");
	big_write("fs_big", 1, buf);
	big_check("fs_big", 1, buf);
	int fd = open_ok("fs_big", O_RDWR | O_TRUNC);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.size == 0, "O_TRUNC left %lu bytes", st.size);
	char c;
	CHECK(read(fd, &c, 1) == 0, "a truncated file still has data");
	close(fd);
	big_write("fs_big", 2, buf);
	big_check("fs_big", 2, buf);
	CHECK(unlink("fs_big") == 0, "unlink of the big file failed");
	free(buf);
}

const struct ut_test ut_fs_tests[] = {
	{ "file_rw", test_file_rw, 1, 0 },
	{ "file_offsets", test_file_offsets, 1, 0 },
	{ "file_chunks", test_file_chunks, 1, 0 },
	{ "dir_rules", test_dir_rules, 1, 0 },
	{ "dir_list", test_dir_list, 1, 0 },
	{ "links", test_links, 1, 0 },
	{ "unlink_open", test_unlink_open, 1, 0 },
	{ "names", test_names, 1, 0 },
	{ "deep_dirs", test_deep_dirs, 1, 0 },
	{ "many_files", test_many_files, 0, 0 },
	{ "inode_reuse", test_inode_reuse, 0, 0 },
	{ "concurrent_names", test_concurrent_names, 1, 0 },
	{ "concurrent_files", test_concurrent_files, 0, 0 },
	{ "console_device", test_console_device, 1, 0 },
	{ "bigfile", test_bigfile, 0, 900 },
	{ 0, 0, 0, 0 },
};
