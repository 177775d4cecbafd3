/*
 * lib/fs_decode.c - checks on the inodes, addresses and directory entries
 * of a magma disk (see fs_decode.h).
 *
 * Sizes are compared in 64 bits against limits computed in 64 bits, so no
 * value a hostile disk holds can wrap a comparison.
 */
#include "fs_decode.h"

#include "fmt.h"
#include "fs_layout.h"

const char *fs_decode_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case FS_DECODE_ERR_FREE: return "free inode in use";
	case FS_DECODE_ERR_TYPE: return "unknown inode type";
	case FS_DECODE_ERR_NLINK: return "inode in use with no link";
	case FS_DECODE_ERR_SIZE: return "file larger than the format allows";
	case FS_DECODE_ERR_DIR_SIZE: return "directory size not whole entries or too big";
	case FS_DECODE_ERR_ADDR: return "block address outside the data blocks";
	case FS_DECODE_ERR_INUM: return "directory entry names no valid inode";
	case FS_DECODE_ERR_NAME: return "directory entry name empty or holding '/'";
	case FS_DECODE_ERR_FILE_BLOCK: return "file block number past the largest file";
	default: return "unknown file system decode error";
	}
}

int fs_addr_check(uint32_t addr, const struct fs_super *sb)
{
	return addr == 0 || (addr >= sb->datastart && addr < sb->size) ? 0 : FS_DECODE_ERR_ADDR;
}

int fs_dinode_check(const struct fs_dinode *d, const struct fs_super *sb, uint32_t inum, char *why,
		    size_t why_len)
{
	switch (d->type) {
	case FS_TYPE_FREE:
		return fs_refuse(why, why_len, FS_DECODE_ERR_FREE, "inode %u is free (type 0)",
				 inum);
	case FS_TYPE_DIR:
	case FS_TYPE_FILE:
	case FS_TYPE_DEVICE: break;
	default:
		return fs_refuse(why, why_len, FS_DECODE_ERR_TYPE,
				 "inode %u: type %u is no inode type", inum, d->type);
	}
	if (d->nlink == 0)
		return fs_refuse(why, why_len, FS_DECODE_ERR_NLINK,
				 "inode %u: type %u in use with nlink 0", inum, d->type);
	if (d->size > FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE)
		return fs_refuse(why, why_len, FS_DECODE_ERR_SIZE,
				 "inode %u: size %llu is over the largest file (%llu bytes)", inum,
				 (unsigned long long)d->size,
				 (unsigned long long)(FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE));
	if (d->type == FS_TYPE_DIR &&
	    (d->size % sizeof(struct fs_dirent) != 0 || d->size > FS_DIR_MAX_BYTES))
		return fs_refuse(why, why_len, FS_DECODE_ERR_DIR_SIZE,
				 "inode %u: directory size %llu is not whole %u-byte entries of at "
				 "most %llu bytes",
				 inum, (unsigned long long)d->size,
				 (unsigned)sizeof(struct fs_dirent),
				 (unsigned long long)FS_DIR_MAX_BYTES);
	for (uint32_t i = 0; i < FS_NADDRS; i++)
		if (fs_addr_check(d->addrs[i], sb) < 0)
			return fs_refuse(
				why, why_len, FS_DECODE_ERR_ADDR,
				"inode %u: addrs[%u] = %u is outside the data blocks [%u, %u)",
				inum, i, d->addrs[i], sb->datastart, sb->size);
	return 0;
}

int fs_dirent_check(const struct fs_dirent *de, const struct fs_super *sb, uint32_t dir_inum,
		    char *why, size_t why_len)
{
	if (de->inum == 0 || de->inum >= sb->ninodes)
		return fs_refuse(why, why_len, FS_DECODE_ERR_INUM,
				 "directory %u: an entry names inode %u, not one of 1..%u",
				 dir_inum, de->inum, sb->ninodes - 1);
	size_t len = 0;
	while (len < FS_NAME_MAX && de->name[len] != '\0') {
		if (de->name[len] == '/')
			return fs_refuse(
				why, why_len, FS_DECODE_ERR_NAME,
				"directory %u: the name of the entry for inode %u holds a '/'",
				dir_inum, de->inum);
		len++;
	}
	if (len == 0)
		return fs_refuse(why, why_len, FS_DECODE_ERR_NAME,
				 "directory %u: the entry for inode %u has an empty name", dir_inum,
				 de->inum);
	return 0;
}

int fs_bmap_path(uint64_t bn, struct fs_bmap_path *path)
{
	if (bn < FS_NDIRECT) {
		*path = (struct fs_bmap_path){ .depth = 0, .index = { (uint32_t)bn, 0, 0 } };
		return 0;
	}
	bn -= FS_NDIRECT;
	if (bn < FS_NINDIRECT) {
		*path = (struct fs_bmap_path){ .depth = 1,
					       .index = { FS_ADDR_SINGLE, (uint32_t)bn, 0 } };
		return 0;
	}
	bn -= FS_NINDIRECT;
	if (bn < (uint64_t)FS_NINDIRECT * FS_NINDIRECT) {
		*path = (struct fs_bmap_path){
			.depth = 2,
			.index = { FS_ADDR_DOUBLE, (uint32_t)(bn / FS_NINDIRECT),
				   (uint32_t)(bn % FS_NINDIRECT) },
		};
		return 0;
	}
	return FS_DECODE_ERR_FILE_BLOCK;
}
