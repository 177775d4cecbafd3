/*
 * tests/shim/fsck.c - fsck_image over mkfs/fsck_check (see fsck.h).
 */
#include "fsck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../mkfs/fsck_check.h"

#define SHOWN_PROBLEMS 10

static void print_problem(void *arg, enum fsck_kind kind, const char *line)
{
	int *shown = arg;
	if (kind == FSCK_PROBLEM && (*shown)++ < SHOWN_PROBLEMS)
		fprintf(stderr, "  fsck: %s\n", line);
}

int fsck_image(const uint8_t *image, char **state)
{
	struct fs_super sb;
	memcpy(&sb, image + FS_SUPER_BLOCK * FS_BLOCK_SIZE, sizeof(sb));
	/* Too small a size is refused by the check, which then reads no further. */
	size_t image_bytes = (size_t)(sb.size > 2 ? sb.size : 2) * FS_BLOCK_SIZE;
	int shown = 0;
	struct fsck_options opt = { print_problem, &shown, state != NULL };
	struct fsck_result res;
	int err = fsck_check(image, image_bytes, &opt, &res);
	if (err) {
		fprintf(stderr, "  fsck: %s\n", res.refusal);
		if (state)
			*state = strdup("");
		return 1;
	}
	if (state)
		*state = res.state;
	return (int)res.problems;
}
