/*
 * tests/shim/fsck.h - checks a magma file-system image the way fsck would, for the tests.
 *
 * Walks the tree from the root: every block an inode names lies in the data
 * region, is named once and is marked in the free map; every other data
 * block is free; "." and ".." are right; each inode's nlink is the number of
 * entries naming it (a directory's own "." aside); no allocated inode is
 * unreachable; the log is empty. Problems are printed to stderr (the first
 * ten).
 */
#ifndef TESTS_SHIM_FSCK_H
#define TESTS_SHIM_FSCK_H

#include <stdint.h>

#include "../../include/fs_format.h"

/*
 * The number of problems in the image (whole, superblock at block 1). With
 * state non-NULL, *state gets a malloc'd description of the tree, one line
 * per inode reached: "path tTYPE sSIZE nNLINK cCRC" (crc of a file's bytes),
 * so two images hold the same files exactly when their states are equal.
 */
int fsck_image(const uint8_t *image, char **state);

#endif
