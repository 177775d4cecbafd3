/*
 * tests/fuzz/fuzz_fsck.c - libFuzzer target: input bytes as a whole disk
 * image for mkfs/fsck_check.
 *
 * The input is the image, at most FUZZ_MAX_BLOCKS blocks (any length, a
 * partial last block included), copied into a buffer of exactly its size so
 * that AddressSanitizer stops any read past the image. When the input's
 * superblock has the right magic its crc is recomputed first: mutations of
 * the counts then reach fs_super_check's layout rules and the image behind
 * them instead of dying on the checksum. tools/fuzz.sh seeds the corpus
 * with small mkfs images. Checked:
 *   bounded  every check finishes (libFuzzer's timeout catches a hang) and
 *            never reads outside the image;
 *   same     fsck_repair's check finds what fsck_check finds;
 *   settled  after a repair, a check finds no more problems than before,
 *            and a second repair changes nothing.
 *
 * `make fuzz` builds it with mkfs/fsck_check.c and the sources of mm/ and
 * lib/; or: build/fuzz/fuzz_fsck -max_total_time=60 build/fuzz/corpus-fuzz_fsck
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/fs_format.h"
#include "../../lib/fs_layout.h"
#include "../../mkfs/fsck_check.h"

#define FUZZ_MAX_BLOCKS 300

static void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_fsck: %s (%llu, %llu)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (size_t)FUZZ_MAX_BLOCKS * FS_BLOCK_SIZE)
		return 0;
	uint8_t *image = malloc(size ? size : 1);
	if (!image)
		return 0;
	memcpy(image, data, size);
	struct fs_super sb;
	if (size >= 2 * FS_BLOCK_SIZE) {
		memcpy(&sb, image + FS_SUPER_BLOCK * FS_BLOCK_SIZE, sizeof sb);
		if (sb.magic == FS_MAGIC) {
			sb.crc = fs_super_crc(&sb);
			memcpy(image + FS_SUPER_BLOCK * FS_BLOCK_SIZE, &sb, sizeof sb);
		}
	}
	struct fsck_options opt = { NULL, NULL, 1 };
	struct fsck_result checked, repaired, after, again;
	int err = fsck_check(image, size, &opt, &checked);
	free(checked.state);
	if (err != 0) {
		free(image);
		return 0;
	}
	if (fsck_repair(image, size, &opt, &repaired) != 0)
		fail("fsck_repair refused what fsck_check took", 0, 0);
	free(repaired.state);
	if (repaired.problems != checked.problems)
		fail("fsck_repair's check differs from fsck_check's", repaired.problems,
		     checked.problems);
	if (fsck_check(image, size, NULL, &after) != 0)
		fail("a repaired image cannot be checked", 0, 0);
	if (after.problems > checked.problems)
		fail("a repair made problems", after.problems, checked.problems);
	if (fsck_repair(image, size, NULL, &again) != 0 || again.repairs != 0)
		fail("a second repair changed the image", again.repairs, 0);
	free(image);
	return 0;
}
