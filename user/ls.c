/*
 * user/ls.c - lists files: name, type, inode number and size in bytes.
 *
 * A directory is listed entry by entry (it is a file of struct fs_dirent,
 * include/fs_format.h); anything else is listed by itself.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/user.h"

#include "include/fs_format.h"

static const char *type_name(short type)
{
	switch (type) {
	case T_DIR: return "dir";
	case T_FILE: return "file";
	case T_DEVICE: return "dev";
	default: return "?";
	}
}

static void show(const char *name, const struct stat *st)
{
	printf("%-14s %-4s %5u %8lu\n", name, type_name(st->type), st->ino, st->size);
}

/* The entries of the open directory fd, named path; 0, or 1 if one could not be read. */
static int list_dir(int fd, const char *path)
{
	char buf[MAXPATH];
	int plen = strlen(path);
	if (plen + 1 + FS_NAME_MAX + 1 > (int)sizeof(buf)) {
		fprintf(2, "ls: path too long: %s\n", path);
		return 1;
	}
	strcpy(buf, path);
	buf[plen++] = '/';
	struct fs_dirent de;
	int failed = 0;
	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0)
			continue;
		memmove(buf + plen, de.name, FS_NAME_MAX); /* a name of FS_NAME_MAX has no NUL */
		buf[plen + FS_NAME_MAX] = 0;
		struct stat st;
		if (stat(buf, &st) < 0) {
			fprintf(2, "ls: cannot stat %s\n", buf);
			failed = 1;
			continue;
		}
		show(buf + plen, &st);
	}
	return failed;
}

static int ls(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(2, "ls: cannot open %s\n", path);
		return 1;
	}
	struct stat st;
	int failed = 0;
	if (fstat(fd, &st) < 0) {
		fprintf(2, "ls: cannot stat %s\n", path);
		failed = 1;
	} else if (st.type == T_DIR) {
		failed = list_dir(fd, path);
	} else {
		show(path, &st);
	}
	close(fd);
	return failed;
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		exit(ls("."));
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed |= ls(argv[i]);
	exit(failed);
}
