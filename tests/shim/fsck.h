/*
 * tests/shim/fsck.h - checks a magma file-system image the way fsck does, for the tests.
 *
 * A thin wrapper over mkfs/fsck_check (which lists every check): the image
 * is taken to be whole, as long as its superblock's size says. A committed
 * log is checked as a mount would replay it, and counts as no problem.
 * Problems are printed to stderr (the first ten).
 */
#ifndef TESTS_SHIM_FSCK_H
#define TESTS_SHIM_FSCK_H

#include <stdint.h>

#include "../../include/fs_format.h"

/*
 * The number of problems in the image (whole, superblock at block 1; a
 * refused superblock is one problem). With state non-NULL, *state gets a
 * malloc'd description of the tree, one line per inode reached:
 * "path tTYPE sSIZE nNLINK cCRC" (crc of a file's bytes), so two images
 * hold the same files exactly when their states are equal.
 */
int fsck_image(const uint8_t *image, char **state);

#endif
