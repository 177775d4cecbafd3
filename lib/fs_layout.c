/*
 * lib/fs_layout.c - the layout of a magma disk and the checks on what is
 * read from one (see fs_layout.h).
 *
 * Every region boundary is computed in 64 bits from 32-bit counts, so no
 * sum here can wrap, whatever a hostile superblock holds.
 */
#include "fs_layout.h"

#include <stdarg.h>

#include "crc32c.h"
#include "fmt.h"

const char *fs_layout_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case FS_LAYOUT_ERR_MAGIC: return "not a magma file system (bad superblock magic)";
	case FS_LAYOUT_ERR_VERSION: return "unknown file system version";
	case FS_LAYOUT_ERR_CRC: return "superblock checksum mismatch";
	case FS_LAYOUT_ERR_COUNT: return "block, inode or log count zero or out of range";
	case FS_LAYOUT_ERR_START: return "a region does not start where the layout puts it";
	case FS_LAYOUT_ERR_NBLOCKS: return "data block count does not match the layout";
	case FS_LAYOUT_ERR_TOO_SMALL: return "metadata leaves no room for a data block";
	case FS_LAYOUT_ERR_DISK: return "file system is bigger than its disk";
	case FS_LAYOUT_ERR_LOG_MAGIC: return "bad log header magic";
	case FS_LAYOUT_ERR_LOG_COUNT: return "log header names more blocks than the log holds";
	case FS_LAYOUT_ERR_LOG_CRC: return "log header checksum mismatch";
	case FS_LAYOUT_ERR_LOG_BLOCK:
		return "logged block outside the inode, bitmap and data blocks";
	default: return "unknown file system layout error";
	}
}

int fs_refuse(char *why, size_t why_len, int err, const char *fmt, ...)
{
	if (why && why_len > 0) {
		va_list args;
		va_start(args, fmt);
		fmt_vsnprintf(why, why_len, fmt, args);
		va_end(args);
	}
	return err;
}

static uint64_t div_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* Where each region starts, as the layout puts it. */
struct regions {
	uint64_t logstart, inodestart, bmapstart, datastart;
};

static struct regions regions_of(uint64_t size, uint64_t ninodes, uint64_t nlog)
{
	struct regions r;
	r.logstart = FS_SUPER_BLOCK + 1;
	r.inodestart = r.logstart + nlog;
	r.bmapstart = r.inodestart + div_up(ninodes, FS_INODES_PER_BLOCK);
	r.datastart = r.bmapstart + div_up(size, FS_BITS_PER_BLOCK);
	return r;
}

/* The counts alone, then whether their regions leave a data block. */
static int check_counts(uint64_t size, uint64_t ninodes, uint64_t nlog, char *why, size_t why_len)
{
	if (size == 0)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_COUNT, "size is 0 blocks");
	if (ninodes < FS_ROOT_INUM + 1)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_COUNT,
				 "ninodes %llu leaves no root inode (inode 0 is never used)",
				 (unsigned long long)ninodes);
	if (nlog < 2 || nlog - 1 > FS_LOG_MAX)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_COUNT,
				 "nlog %llu out of range (2 .. %u: the header and 1 .. %u blocks)",
				 (unsigned long long)nlog, (unsigned)FS_LOG_MAX + 1,
				 (unsigned)FS_LOG_MAX);
	struct regions r = regions_of(size, ninodes, nlog);
	if (r.datastart >= size)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_TOO_SMALL,
				 "%llu blocks hold no data block: boot, superblock, %llu log, %llu "
				 "inode (%llu inodes) and %llu bitmap blocks already take %llu",
				 (unsigned long long)size, (unsigned long long)nlog,
				 (unsigned long long)(r.bmapstart - r.inodestart),
				 (unsigned long long)ninodes,
				 (unsigned long long)(r.datastart - r.bmapstart),
				 (unsigned long long)r.datastart);
	return 0;
}

int fs_layout_compute(uint32_t size_blocks, uint32_t ninodes, uint32_t nlog, struct fs_super *sb,
		      char *why, size_t why_len)
{
	int rc = check_counts(size_blocks, ninodes, nlog, why, why_len);
	if (rc)
		return rc;
	struct regions r = regions_of(size_blocks, ninodes, nlog);
	/* Every start is below size_blocks, so each fits in 32 bits. */
	sb->magic = FS_MAGIC;
	sb->version = FS_VERSION;
	sb->size = size_blocks;
	sb->nblocks = (uint32_t)(size_blocks - r.datastart);
	sb->ninodes = ninodes;
	sb->nlog = nlog;
	sb->logstart = (uint32_t)r.logstart;
	sb->inodestart = (uint32_t)r.inodestart;
	sb->bmapstart = (uint32_t)r.bmapstart;
	sb->datastart = (uint32_t)r.datastart;
	sb->crc = fs_super_crc(sb);
	return 0;
}

uint32_t fs_super_crc(const struct fs_super *sb)
{
	return crc32c_table(0, sb, offsetof(struct fs_super, crc));
}

/* One start field against where the layout puts it. */
static int check_start(const char *field, uint32_t actual, uint64_t expected, const char *after,
		       char *why, size_t why_len)
{
	if (actual == expected)
		return 0;
	return fs_refuse(why, why_len, FS_LAYOUT_ERR_START, "%s %u, expected %llu (right after %s)",
			 field, actual, (unsigned long long)expected, after);
}

int fs_super_check(const struct fs_super *sb, uint64_t disk_blocks, char *why, size_t why_len)
{
	if (sb->magic != FS_MAGIC)
		return fs_refuse(
			why, why_len, FS_LAYOUT_ERR_MAGIC,
			"superblock magic 0x%08x, expected 0x%08x: not a magma file system",
			sb->magic, FS_MAGIC);
	if (sb->version != FS_VERSION)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_VERSION,
				 "file system version %u, this code reads version %u", sb->version,
				 FS_VERSION);
	uint32_t crc = fs_super_crc(sb);
	if (sb->crc != crc)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_CRC,
				 "superblock crc 0x%08x, its fields sum to 0x%08x", sb->crc, crc);
	int rc = check_counts(sb->size, sb->ninodes, sb->nlog, why, why_len);
	if (rc)
		return rc;
	if (sb->size > disk_blocks)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_DISK,
				 "file system of %u blocks on a disk of %llu blocks", sb->size,
				 (unsigned long long)disk_blocks);
	struct regions r = regions_of(sb->size, sb->ninodes, sb->nlog);
	rc = check_start("logstart", sb->logstart, r.logstart, "the superblock", why, why_len);
	if (!rc)
		rc = check_start("inodestart", sb->inodestart, r.inodestart, "the log", why,
				 why_len);
	if (!rc)
		rc = check_start("bmapstart", sb->bmapstart, r.bmapstart, "the inode blocks", why,
				 why_len);
	if (!rc)
		rc = check_start("datastart", sb->datastart, r.datastart, "the bitmap", why,
				 why_len);
	if (rc)
		return rc;
	if (sb->nblocks != sb->size - r.datastart)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_NBLOCKS,
				 "nblocks %u, expected %llu (size %u - datastart %u)", sb->nblocks,
				 (unsigned long long)(sb->size - r.datastart), sb->size,
				 sb->datastart);
	return 0;
}

uint32_t fs_log_crc(const struct fs_log_header *h)
{
	uint32_t n = h->n < FS_LOG_MAX ? h->n : FS_LOG_MAX;
	uint32_t crc = crc32c_table(0, h, offsetof(struct fs_log_header, crc));
	return crc32c_table(crc, h->block, n * sizeof h->block[0]);
}

int fs_log_check(const struct fs_log_header *h, const struct fs_super *sb, char *why,
		 size_t why_len)
{
	if (h->magic != FS_LOG_MAGIC)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_LOG_MAGIC,
				 "log header magic 0x%08x, expected 0x%08x", h->magic,
				 FS_LOG_MAGIC);
	/* nlog - 1 in 64 bits: a superblock not checked first must not make it wrap. */
	uint64_t room = sb->nlog > 0 ? (uint64_t)sb->nlog - 1 : 0;
	if (h->n > room || h->n > FS_LOG_MAX)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_LOG_COUNT,
				 "log header names %u blocks, the log holds %llu", h->n,
				 (unsigned long long)(room < FS_LOG_MAX ? room : FS_LOG_MAX));
	uint32_t crc = fs_log_crc(h);
	if (h->crc != crc)
		return fs_refuse(why, why_len, FS_LAYOUT_ERR_LOG_CRC,
				 "log header crc 0x%08x, its contents sum to 0x%08x", h->crc, crc);
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->block[i] < sb->inodestart || h->block[i] >= sb->size)
			return fs_refuse(why, why_len, FS_LAYOUT_ERR_LOG_BLOCK,
					 "log entry %u names block %u, outside %u .. %u", i,
					 h->block[i], sb->inodestart, sb->size - 1);
	}
	return 0;
}

uint64_t fs_file_blocks(uint64_t size_bytes)
{
	uint64_t data = div_up(size_bytes, FS_BLOCK_SIZE);
	if (data > FS_MAXFILE_BLOCKS)
		return UINT64_MAX;
	uint64_t blocks = data;
	if (data > FS_NDIRECT)
		blocks += 1; /* the single-indirect block */
	if (data > FS_NDIRECT + FS_NINDIRECT) {
		uint64_t deep = data - FS_NDIRECT - FS_NINDIRECT;
		blocks += 1 + div_up(deep, FS_NINDIRECT); /* the double block, its children */
	}
	return blocks;
}
