// LAB(util) begin
/*
 * user/find.c - prints the paths under a directory whose last part is a name.
 *
 * find DIR NAME walks DIR's tree depth first, in directory order. Every
 * entry named NAME (a file, a directory or a device) is printed as its
 * path from DIR ("DIR/a/NAME"), and every subdirectory is walked in turn,
 * except "." and "..", which name the directory itself and its parent.
 * A directory's entries are read whole before its subdirectories are
 * walked, so the depth costs memory, not open files.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/user.h"

#include "include/fs_format.h"

static const char *wanted;
static int failed;

static void complain(const char *what, const char *path)
{
	fprintf(2, "find: %s %s\n", what, path);
	failed = 1;
}

/* The entries of the open directory fd (size bytes); NULL on a failed read. Caller frees. */
static struct fs_dirent *read_entries(int fd, unsigned long size)
{
	struct fs_dirent *entries = malloc(size ? size : 1);
	if (!entries)
		return 0;
	unsigned long got = 0;
	int n;
	while (got < size && (n = read(fd, (char *)entries + got, size - got)) > 0)
		got += n;
	if (got != size) {
		free(entries);
		return 0;
	}
	return entries;
}

static void walk(char *path);

/* The entries of directory path (path[] has room for MAXPATH bytes). */
static void walk_dir(char *path, int fd, unsigned long size)
{
	struct fs_dirent *entries = read_entries(fd, size);
	close(fd);
	if (!entries) {
		complain("cannot read directory", path);
		return;
	}
	int len = strlen(path);
	int sep = len > 0 && path[len - 1] == '/' ? 0 : 1; /* "/" and "a/" have their slash */
	for (unsigned long i = 0; i < size / sizeof *entries; i++) {
		const struct fs_dirent *de = &entries[i];
		char name[FS_NAME_MAX + 1];
		memmove(name, de->name, FS_NAME_MAX); /* a name of FS_NAME_MAX bytes has no NUL */
		name[FS_NAME_MAX] = 0;
		if (de->inum == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (len + sep + strlen(name) + 1 > MAXPATH) {
			path[len] = 0;
			complain("path too long under", path);
			continue;
		}
		if (sep)
			path[len] = '/';
		strcpy(path + len + sep, name);
		if (strcmp(name, wanted) == 0)
			printf("%s\n", path);
		walk(path);
	}
	path[len] = 0;
	free(entries);
}

/* Walks path if it is a directory (path[] has room for MAXPATH bytes). */
static void walk(char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		complain("cannot open", path);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		complain("cannot stat", path);
		return;
	}
	if (st.type != T_DIR) {
		close(fd);
		return;
	}
	walk_dir(path, fd, st.size);
}

int main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(2, "usage: find DIR NAME\n");
		exit(1);
	}
	static char path[MAXPATH];
	if (strlen(argv[1]) + 1 > sizeof path) {
		fprintf(2, "find: path too long: %s\n", argv[1]);
		exit(1);
	}
	struct stat st;
	if (stat(argv[1], &st) < 0 || st.type != T_DIR) {
		fprintf(2, "find: not a directory: %s\n", argv[1]);
		exit(1);
	}
	strcpy(path, argv[1]);
	wanted = argv[2];
	walk(path);
	exit(failed);
}
// LAB(util) stub
// /* user/find.c - the paths under a directory that end in a name: lab util, yours to write. */
// #include "kernel/types.h"
// #include "user/user.h"
//
// int main(int argc, char *argv[])
// {
// 	// TODO(lab util): walk DIR's tree and print each path named NAME (labs/util/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "find: not implemented (lab util)\n");
// 	exit(1);
// }
// LAB(util) end
