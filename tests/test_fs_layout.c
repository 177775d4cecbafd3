/*
 * tests/test_fs_layout.c - host tests for lib/fs_layout: the layout of a
 * disk, and that the superblock and log header checks refuse every field
 * that is not what mkfs writes, each with its own code and a reason naming
 * the field.
 */
#include <string.h>

#include "../lib/crc32c.h"
#include "../lib/fs_layout.h"
#include "check.h"

#define NLOG 65u /* what mkfs uses: LOGSIZE + the header */

static char why[200];

/* The crc as fs_format.h defines it: the 40 bytes before the crc field. */
static void resign(struct fs_super *sb)
{
	sb->crc = crc32c_table(0, sb, 40);
}

static struct fs_super good_super(void)
{
	struct fs_super sb;
	CHECK_EQ(fs_layout_compute(32768, 2048, NLOG, &sb, why, sizeof why), 0);
	return sb;
}

/* fs_super_check's code for sb with its crc made right again. */
static int check_resigned(struct fs_super sb)
{
	resign(&sb);
	why[0] = '\0';
	return fs_super_check(&sb, sb.size, why, sizeof why);
}

TEST(layout_of_the_default_image)
{
	struct fs_super sb = good_super();
	CHECK_EQ(sb.magic, FS_MAGIC);
	CHECK_EQ(sb.version, FS_VERSION);
	CHECK_EQ(sb.size, 32768);
	CHECK_EQ(sb.ninodes, 2048);
	CHECK_EQ(sb.nlog, NLOG);
	CHECK_EQ(sb.logstart, 2);
	CHECK_EQ(sb.inodestart, 2 + NLOG);
	CHECK_EQ(sb.bmapstart, 2 + NLOG + 2048 / 64);
	CHECK_EQ(sb.datastart, 2 + NLOG + 2048 / 64 + 1);
	CHECK_EQ(sb.nblocks, 32768 - sb.datastart);
	CHECK_EQ(sb.crc, crc32c_table(0, &sb, 40));
	CHECK_EQ(fs_super_crc(&sb), sb.crc);
	CHECK_EQ(fs_super_check(&sb, 32768, why, sizeof why), 0);
}

/* A partial inode or bitmap block still takes a whole block. */
TEST(regions_round_up_to_whole_blocks)
{
	struct fs_super sb;
	CHECK_EQ(fs_layout_compute(FS_BITS_PER_BLOCK + 1, 65, 2, &sb, why, sizeof why), 0);
	CHECK_EQ(sb.inodestart, 4);
	CHECK_EQ(sb.bmapstart, 4 + 2);
	CHECK_EQ(sb.datastart, 4 + 2 + 2);
	CHECK_EQ(fs_layout_compute(FS_BITS_PER_BLOCK, 64, 2, &sb, why, sizeof why), 0);
	CHECK_EQ(sb.bmapstart, 4 + 1);
	CHECK_EQ(sb.datastart, 4 + 1 + 1);
	/* Every size from tiny to a few bitmap blocks lays out and passes its own check. */
	for (uint32_t size = 16; size < 3 * FS_BITS_PER_BLOCK; size += 1237) {
		CHECK_EQ(fs_layout_compute(size, 100, 3, &sb, why, sizeof why), 0);
		CHECK_EQ(fs_super_check(&sb, size, why, sizeof why), 0);
		CHECK_EQ(sb.datastart - sb.bmapstart,
			 (size + FS_BITS_PER_BLOCK - 1) / FS_BITS_PER_BLOCK);
	}
}

TEST(compute_refuses_zero_and_out_of_range_counts)
{
	struct fs_super sb;
	CHECK_EQ(fs_layout_compute(0, 64, NLOG, &sb, why, sizeof why), FS_LAYOUT_ERR_COUNT);
	CHECK(strstr(why, "size is 0"));
	CHECK_EQ(fs_layout_compute(1000, 0, NLOG, &sb, why, sizeof why), FS_LAYOUT_ERR_COUNT);
	CHECK_EQ(fs_layout_compute(1000, 1, NLOG, &sb, why, sizeof why), FS_LAYOUT_ERR_COUNT);
	CHECK(strstr(why, "ninodes 1"));
	CHECK_EQ(fs_layout_compute(1000, 2, NLOG, &sb, why, sizeof why), 0);
	CHECK_EQ(fs_layout_compute(1000, 64, 0, &sb, why, sizeof why), FS_LAYOUT_ERR_COUNT);
	CHECK_EQ(fs_layout_compute(1000, 64, 1, &sb, why, sizeof why), FS_LAYOUT_ERR_COUNT);
	CHECK(strstr(why, "nlog 1"));
	CHECK_EQ(fs_layout_compute(2000, 64, FS_LOG_MAX + 2, &sb, why, sizeof why),
		 FS_LAYOUT_ERR_COUNT);
	CHECK_EQ(fs_layout_compute(2000, 64, FS_LOG_MAX + 1, &sb, why, sizeof why), 0);
}

TEST(compute_refuses_a_disk_with_no_room_for_data)
{
	struct fs_super sb;
	/* 2 + 3 log + 1 inode + 1 bitmap = 7 blocks of metadata. */
	CHECK_EQ(fs_layout_compute(7, 64, 3, &sb, why, sizeof why), FS_LAYOUT_ERR_TOO_SMALL);
	CHECK(strstr(why, "7 blocks hold no data block"));
	CHECK_EQ(fs_layout_compute(8, 64, 3, &sb, why, sizeof why), 0);
	CHECK_EQ(sb.nblocks, 1);
	/* The largest counts fit the largest disk, and the starts come out exact. */
	CHECK_EQ(fs_layout_compute(UINT32_MAX, UINT32_MAX, FS_LOG_MAX + 1, &sb, why, sizeof why),
		 0);
	CHECK_EQ(sb.bmapstart, 2 + FS_LOG_MAX + 1 + (UINT32_MAX / 64 + 1));
	CHECK_EQ(sb.datastart, sb.bmapstart + (UINT32_MAX / FS_BITS_PER_BLOCK + 1));
	CHECK_EQ(fs_layout_compute(1000000, UINT32_MAX, 3, &sb, why, sizeof why),
		 FS_LAYOUT_ERR_TOO_SMALL);
}

TEST(check_refuses_wrong_magic_and_version)
{
	struct fs_super sb = good_super();
	sb.magic ^= 1;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_MAGIC);
	CHECK(strstr(why, "not a magma file system"));
	sb = good_super();
	sb.version = FS_VERSION + 1;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_VERSION);
	CHECK(strstr(why, "version 2"));
	sb.version = 0;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_VERSION);
}

TEST(check_refuses_a_crc_mismatch)
{
	struct fs_super sb = good_super();
	sb.crc ^= 0x100;
	CHECK_EQ(fs_super_check(&sb, sb.size, why, sizeof why), FS_LAYOUT_ERR_CRC);
	CHECK(strstr(why, "crc"));
	/* Any field changed behind the crc's back, every bit of it. */
	for (size_t byte = 0; byte < 40; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			sb = good_super();
			((uint8_t *)&sb)[byte] ^= (uint8_t)(1u << bit);
			int rc = fs_super_check(&sb, UINT64_MAX, why, sizeof why);
			/* The magic is checked first; past it, the crc catches everything. */
			CHECK_EQ(rc, byte < 4   ? FS_LAYOUT_ERR_MAGIC
				     : byte < 8 ? FS_LAYOUT_ERR_VERSION
						: FS_LAYOUT_ERR_CRC);
		}
	}
}

TEST(check_refuses_zero_counts)
{
	struct fs_super sb = good_super();
	sb.size = 0;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_COUNT);
	sb = good_super();
	sb.ninodes = 0;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_COUNT);
	CHECK(strstr(why, "ninodes 0"));
	sb = good_super();
	sb.nlog = 0;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_COUNT);
	CHECK(strstr(why, "nlog 0"));
	sb = good_super();
	sb.nlog = FS_LOG_MAX + 2;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_COUNT);
}

/* Each start one block early (overlapping the region before) and one late (a gap). */
TEST(check_refuses_each_misplaced_start)
{
	static const struct {
		size_t offset;
		const char *name;
	} starts[] = {
		{ offsetof(struct fs_super, logstart), "logstart" },
		{ offsetof(struct fs_super, inodestart), "inodestart" },
		{ offsetof(struct fs_super, bmapstart), "bmapstart" },
		{ offsetof(struct fs_super, datastart), "datastart" },
	};
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		for (int delta = -1; delta <= 1; delta += 2) {
			struct fs_super sb = good_super();
			uint32_t *field = (uint32_t *)((uint8_t *)&sb + starts[i].offset);
			uint32_t expected = *field;
			*field += (uint32_t)delta;
			CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_START);
			char want[80];
			snprintf(want, sizeof want, "%s %u, expected %u", starts[i].name, *field,
				 expected);
			if (!strstr(why, want)) {
				fprintf(stderr, "  why: %s (wanted \"%s\")\n", why, want);
				CHECK(0);
			}
		}
	}
	/* Overlaps by more: the bitmap on the inodes, data on the log, all past the end. */
	struct fs_super sb = good_super();
	sb.bmapstart = sb.inodestart;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_START);
	sb = good_super();
	sb.datastart = sb.logstart + 1;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_START);
	sb = good_super();
	sb.logstart = sb.inodestart = sb.bmapstart = sb.datastart = UINT32_MAX;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_START);
	sb = good_super();
	sb.logstart = 0; /* on the boot block */
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_START);
}

TEST(check_refuses_a_wrong_data_block_count)
{
	struct fs_super sb = good_super();
	sb.nblocks++;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_NBLOCKS);
	CHECK(strstr(why, "nblocks 32669, expected 32668"));
	sb.nblocks = 0;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_NBLOCKS);
}

/* Regions a superblock claims that the counts cannot hold, and a disk too small for it. */
TEST(check_refuses_sizes_beyond_the_disk)
{
	struct fs_super sb = good_super();
	CHECK_EQ(fs_super_check(&sb, sb.size - 1, why, sizeof why), FS_LAYOUT_ERR_DISK);
	CHECK(strstr(why, "32768 blocks on a disk of 32767"));
	CHECK_EQ(fs_super_check(&sb, 0, why, sizeof why), FS_LAYOUT_ERR_DISK);
	CHECK_EQ(fs_super_check(&sb, sb.size, why, sizeof why), 0);
	sb.ninodes = UINT32_MAX;
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_TOO_SMALL);
	sb = good_super();
	sb.size = sb.datastart; /* the regions fill the disk: no data block left */
	CHECK_EQ(check_resigned(sb), FS_LAYOUT_ERR_TOO_SMALL);
	sb = good_super();
	memset(&sb, 0xff, sizeof sb);
	sb.magic = FS_MAGIC;
	sb.version = FS_VERSION;
	CHECK(check_resigned(sb) < 0);
}

/* A reason too long for its buffer is cut and still terminated; no buffer is fine too. */
TEST(reasons_fit_any_buffer)
{
	struct fs_super sb = good_super();
	sb.magic = 0;
	char tiny[8];
	memset(tiny, 'x', sizeof tiny);
	CHECK_EQ(fs_super_check(&sb, sb.size, tiny, sizeof tiny), FS_LAYOUT_ERR_MAGIC);
	CHECK_EQ(strlen(tiny), sizeof tiny - 1);
	CHECK_EQ(fs_super_check(&sb, sb.size, NULL, 0), FS_LAYOUT_ERR_MAGIC);
	CHECK_EQ(fs_layout_compute(0, 0, 0, &sb, NULL, 0), FS_LAYOUT_ERR_COUNT);
}

static struct fs_log_header log_with(const struct fs_super *sb, uint32_t n)
{
	struct fs_log_header h;
	memset(&h, 0, sizeof h);
	h.magic = FS_LOG_MAGIC;
	h.n = n;
	h.seq = 7;
	for (uint32_t i = 0; i < n; i++)
		h.block[i] = sb->inodestart + i;
	/* magic, n, seq, then block[0 .. n), as fs_format.h defines it. */
	h.crc = crc32c_table(crc32c_table(0, &h, 12), h.block, n * 4);
	return h;
}

TEST(log_header_checks)
{
	struct fs_super sb = good_super();
	struct fs_log_header h = log_with(&sb, 0);
	CHECK_EQ(fs_log_crc(&h), h.crc);
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), 0);
	h = log_with(&sb, sb.nlog - 1);
	CHECK_EQ(fs_log_crc(&h), h.crc);
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), 0);

	h.magic ^= 1;
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_MAGIC);

	h = log_with(&sb, sb.nlog);
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_COUNT);
	CHECK(strstr(why, "names 65 blocks, the log holds 64"));
	h.n = UINT32_MAX;
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_COUNT);
	/* A bigger log than a header can name is still bounded by the header. */
	struct fs_super big = sb;
	big.nlog = UINT32_MAX;
	h.n = FS_LOG_MAX + 1;
	CHECK_EQ(fs_log_check(&h, &big, why, sizeof why), FS_LAYOUT_ERR_LOG_COUNT);
	big.nlog = 0;
	h = log_with(&sb, 1);
	CHECK_EQ(fs_log_check(&h, &big, why, sizeof why), FS_LAYOUT_ERR_LOG_COUNT);

	/* The crc covers magic, n, seq and the named blocks, nothing past them. */
	h = log_with(&sb, 3);
	h.seq++;
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_CRC);
	h = log_with(&sb, 3);
	h.block[2]++;
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_CRC);
	h = log_with(&sb, 3);
	h.block[3] = 12345;
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), 0);

	/* Logged blocks are inode, bitmap or data blocks: never the log or the superblock. */
	static const uint32_t outside[] = { 0, FS_SUPER_BLOCK, 2, 66, 32768, UINT32_MAX };
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		h = log_with(&sb, 3);
		h.block[1] = outside[i];
		h.crc = fs_log_crc(&h);
		CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), FS_LAYOUT_ERR_LOG_BLOCK);
	}
	h.block[1] = sb.size - 1;
	h.crc = fs_log_crc(&h);
	CHECK_EQ(fs_log_check(&h, &sb, why, sizeof why), 0);
}

TEST(file_blocks_count_the_indirect_blocks)
{
	const uint64_t bs = FS_BLOCK_SIZE, single_end = FS_NDIRECT + FS_NINDIRECT;
	CHECK_EQ(fs_file_blocks(0), 0);
	CHECK_EQ(fs_file_blocks(1), 1);
	CHECK_EQ(fs_file_blocks(FS_NDIRECT * bs), FS_NDIRECT);
	CHECK_EQ(fs_file_blocks(FS_NDIRECT * bs + 1), FS_NDIRECT + 1 + 1);
	CHECK_EQ(fs_file_blocks(single_end * bs), single_end + 1);
	/* The first block past the single-indirect range: the double block and one child. */
	CHECK_EQ(fs_file_blocks(single_end * bs + 1), single_end + 1 + 1 + 1 + 1);
	CHECK_EQ(fs_file_blocks((single_end + FS_NINDIRECT) * bs), single_end + FS_NINDIRECT + 3);
	CHECK_EQ(fs_file_blocks((single_end + FS_NINDIRECT) * bs + 1),
		 single_end + FS_NINDIRECT + 1 + 4);
	CHECK_EQ(fs_file_blocks(FS_MAXFILE_BLOCKS * bs), FS_MAXFILE_BLOCKS + 1 + 1 + FS_NINDIRECT);
	CHECK_EQ(fs_file_blocks(FS_MAXFILE_BLOCKS * bs + 1), UINT64_MAX);
	CHECK_EQ(fs_file_blocks(UINT64_MAX), UINT64_MAX);
}

int main(void)
{
	RUN(layout_of_the_default_image);
	RUN(regions_round_up_to_whole_blocks);
	RUN(compute_refuses_zero_and_out_of_range_counts);
	RUN(compute_refuses_a_disk_with_no_room_for_data);
	RUN(check_refuses_wrong_magic_and_version);
	RUN(check_refuses_a_crc_mismatch);
	RUN(check_refuses_zero_counts);
	RUN(check_refuses_each_misplaced_start);
	RUN(check_refuses_a_wrong_data_block_count);
	RUN(check_refuses_sizes_beyond_the_disk);
	RUN(reasons_fit_any_buffer);
	RUN(log_header_checks);
	RUN(file_blocks_count_the_indirect_blocks);
	return check_summary();
}
