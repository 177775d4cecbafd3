/*
 * mkfs/fsck.c - checks a magma disk image on the host.
 *
 *   fsck [-y] IMAGE
 *
 * Prints one line per problem on stdout (mkfs/fsck_check.h lists the
 * checks), "note: " lines for what is not damage (a log a mount would
 * replay), then a summary:
 *   fsck: IMAGE: 32768 blocks, 143 inodes in use, 2 problems
 * With -y, repairs what a crash can leave (orphans with nlink 0, free-map
 * bits) in place, prints each change as a "repaired: " line, checks again
 * and says how many problems are left.
 *
 * Exit status: 0 clean, 1 problems found (with -y: even when all were
 * repaired), 2 the image cannot be checked: missing, unreadable, under two
 * blocks, or a superblock fs_super_check refuses (nothing else can be
 * trusted then), said in one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsck_check.h"

#define EXIT_CLEAN    0
#define EXIT_PROBLEMS 1
#define EXIT_CANNOT   2
#define USAGE         "usage: fsck [-y] IMAGE"

static void print_line(void *arg, enum fsck_kind kind, const char *line)
{
	(void)arg;
	static const char *const prefix[] = {
		[FSCK_PROBLEM] = "", [FSCK_NOTE] = "note: ", [FSCK_REPAIR] = "repaired: "
	};
	printf("%s%s\n", prefix[kind], line);
}

static int cannot(const char *path, const char *why)
{
	fprintf(stderr, "fsck: %s: cannot check: %s\n", path, why);
	return EXIT_CANNOT;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int main(int argc, char **argv)
{
	int repair = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-y") == 0)
			repair = 1;
		else if (argv[i][0] == '-' || path)
			return cannot(argv[i], "unexpected argument (" USAGE ")");
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "fsck: no image named (" USAGE ")\n");
		return EXIT_CANNOT;
	}
	int fd = open(path, repair ? O_RDWR : O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return cannot(path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cannot(path, "not a regular file");
	size_t bytes = (size_t)st.st_size;
	struct fsck_result res;
	if (bytes == 0) { /* mmap refuses a length of 0: let the check say what is wrong */
		static const uint8_t nothing[1];
		fsck_check(nothing, 0, NULL, &res);
		return cannot(path, res.refusal);
	}
	uint8_t *image = mmap(NULL, bytes, repair ? PROT_READ | PROT_WRITE : PROT_READ,
			      repair ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	if (image == MAP_FAILED)
		return cannot(path, strerror(errno));
	close(fd);

	struct fsck_options opt = { print_line, NULL, 0 };
	int err = repair ? fsck_repair(image, bytes, &opt, &res)
			 : fsck_check(image, bytes, &opt, &res);
	if (err)
		return cannot(path, res.refusal);
	printf("fsck: %s: %u blocks, %u inodes in use, %llu %s", path, res.blocks,
	       res.inodes_in_use, (unsigned long long)res.problems,
	       plural(res.problems, "problem", "problems"));
	if (repair) {
		if (msync(image, bytes, MS_SYNC) != 0) {
			printf("\n");
			return cannot(path, strerror(errno));
		}
		struct fsck_result after;
		if (fsck_check(image, bytes, NULL, &after) != 0) {
			printf("\n");
			return cannot(path, after.refusal);
		}
		printf(", %llu repaired, %llu left", (unsigned long long)res.repairs,
		       (unsigned long long)after.problems);
	}
	printf("\n");
	munmap(image, bytes);
	return res.problems ? EXIT_PROBLEMS : EXIT_CLEAN;
}
