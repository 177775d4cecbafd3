/*
 * kernel/fs.c - the file system proper: superblock, free map, inodes, directories, paths.
 *
 * Disk layout and structures are in include/fs_format.h. Everything read
 * from the disk is checked before it is used: the superblock once at mount
 * (fs_init refuses a foreign or inconsistent one), an inode when it is
 * loaded and every block address and directory entry when it is followed
 * (lib/fs_decode, the checks fsck shares). A corrupt object is reported,
 * once per inode and mount so that a loop of calls does not flood the
 * console, and the call fails; the kernel never panics on the disk's
 * contents, never follows an address outside the data blocks, and bounds
 * every walk (a directory is at most FS_DIR_MAX_BLOCKS blocks, an indirect
 * tree at most two levels deep).
 *
 * The inode cache is a list of in-memory inodes, one per inode in use,
 * allocated from the kernel heap when first referenced and freed with the
 * last reference: no fixed table to run out of.
 *
 * How much one operation may write (MAXOPBLOCKS, the log's reservation)
 * shapes two limits here: the free map may have at most FS_MAX_BITMAP_BLOCKS
 * blocks, since freeing a big file can touch all of them in one operation,
 * and fs_write_blocks_per_op says how many blocks one inode_write may touch.
 */
#include "fsys.h"

#include <stdarg.h>

#include "../lib/fs_decode.h"
#include "../lib/fmt.h"
#include "../lib/fs_layout.h"
#include "../lib/string.h"
#include "bio.h"
#include "console.h"
#include "disk.h"
#include "file.h"
#include "kmalloc.h"
#include "panic.h"
#include "param.h"
#include "proc.h"
#include "spinlock.h"
#include "stat.h"
#include "uaccess.h"

/*
 * Truncation logs every free-map block plus the inode's; an unlink adds a
 * directory block and two inode blocks. 12 map blocks cover 1.5 GiB.
 */
#define FS_MAX_BITMAP_BLOCKS (MAXOPBLOCKS - 4)

/* bmap's answer for an address read from the disk that points outside the data blocks. */
#define BMAP_BAD 0xffffffffu

static struct fs_super sb;
static int mounted;
static uint32_t bitmap_blocks;
static uint32_t alloc_next; /* where the next block search starts: a hint, any value is safe */

static struct {
	struct spinlock lock;
	struct inode *list; /* every inode with a reference */
} icache = { .lock = SPINLOCK_INIT("inode cache") };

/* The inodes reported corrupt since mount; when full, further reports are dropped. */
#define FS_REPORTED_MAX 64
static struct {
	struct spinlock lock;
	uint32_t n;
	uint32_t inum[FS_REPORTED_MAX];
} reported = { .lock = SPINLOCK_INIT("fs reports") };

/* --- reporting corruption --- */

void fs_corrupt(uint32_t inum, const char *fmt, ...)
{
	spin_lock(&reported.lock);
	int first = 1;
	for (uint32_t i = 0; i < reported.n && first; i++)
		first = reported.inum[i] != inum;
	int room = reported.n < FS_REPORTED_MAX;
	if (first && room)
		reported.inum[reported.n++] = inum;
	int now_full = first && room && reported.n == FS_REPORTED_MAX;
	spin_unlock(&reported.lock);
	if (!first || !room)
		return;
	char line[200];
	va_list args;
	va_start(args, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	kprintf("fs: %s\n", line);
	if (now_full)
		kprintf("fs: %u corrupt inodes reported; no more reports until the next mount\n",
			FS_REPORTED_MAX);
}

/* --- mounting --- */

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/*
 * Checks the superblock: lib/fs_layout's fs_super_check (magic, version,
 * crc, every region exactly where the layout puts it, inside the disk),
 * then what this kernel needs: a log of LOGSIZE blocks, a free map small
 * enough for one operation. 0, or a negative FS_E* after saying why.
 */
static int super_check(const struct fs_super *s, uint64_t disk_blocks)
{
	char why[160];
	int err = fs_super_check(s, disk_blocks, why, sizeof(why));
	if (err < 0) {
		kprintf("fs: disk refused: %s\n", why);
		return err == FS_LAYOUT_ERR_MAGIC || err == FS_LAYOUT_ERR_VERSION ? FS_EFOREIGN
										  : FS_ECORRUPT;
	}
	if (s->nlog < LOGSIZE + 1) {
		kprintf("fs: disk refused: a log of %u blocks, this kernel needs %u\n", s->nlog,
			LOGSIZE + 1);
		return FS_ECORRUPT;
	}
	if (div_up(s->size, FS_BITS_PER_BLOCK) > FS_MAX_BITMAP_BLOCKS) {
		kprintf("fs: disk refused: %u blocks need a free map bigger than one operation "
			"may free; at most %u blocks\n",
			s->size, FS_MAX_BITMAP_BLOCKS * FS_BITS_PER_BLOCK);
		return FS_ETOOBIG;
	}
	return 0;
}

static struct fs_dinode *dinode_in(struct buf *b, uint32_t inum)
{
	return (struct fs_dinode *)b->data + inum % FS_INODES_PER_BLOCK;
}

int fs_init(void)
{
	if (icache.list)
		panic("fs: fs_init with inode %u still in use", icache.list->inum);
	mounted = 0;
	uint64_t disk_blocks = disk_block_count();
	if (disk_blocks <= FS_SUPER_BLOCK) {
		kprintf("fs: no disk (%lu blocks): running without a file system\n",
			(unsigned long)disk_blocks);
		return FS_ENODISK;
	}
	bio_init();
	struct buf *b = bio_read(FS_SUPER_BLOCK);
	memcpy(&sb, b->data, sizeof(sb));
	bio_release(b);
	int err = super_check(&sb, disk_blocks);
	if (err < 0)
		return err;
	bitmap_blocks = div_up(sb.size, FS_BITS_PER_BLOCK);
	alloc_next = sb.datastart;
	reported.n = 0;
	log_init(&sb);

	/* Read directly: a root inode with nlink 0 must not meet inode_put, which would free it. */
	b = bio_read(FS_INODE_BLOCK(FS_ROOT_INUM, &sb));
	struct fs_dinode root = *dinode_in(b, FS_ROOT_INUM);
	bio_release(b);
	if (root.type != T_DIR || root.nlink == 0) {
		kprintf("fs: disk refused: root inode %u has type %u and nlink %u, not a directory\n",
			FS_ROOT_INUM, root.type, root.nlink);
		return FS_ENOROOT;
	}
	char why[160];
	if (fs_dinode_check(&root, &sb, FS_ROOT_INUM, why, sizeof(why)) < 0) {
		kprintf("fs: disk refused: root directory corrupt: %s\n", why);
		return FS_ENOROOT;
	}
	mounted = 1;
	kprintf("fs: mounted %u blocks (%u data, %u inodes, log %u)\n", sb.size, sb.nblocks,
		sb.ninodes, sb.nlog);
	return 0;
}

/*
 * The most blocks an operation logs when one inode_write touches b blocks:
 * b data blocks, 3 indirect blocks (the single, the double and one of its
 * second level; or the double and two second-level ones), a free-map block
 * per allocation (b + 3, but no more than the map has) and the inode's.
 */
static uint32_t write_cost(uint32_t b)
{
	uint32_t maps = b + 3 < bitmap_blocks ? b + 3 : bitmap_blocks;
	return b + 3 + maps + 1;
}

uint32_t fs_write_blocks_per_op(void)
{
	uint32_t b = 1;
	while (write_cost(b + 1) <= MAXOPBLOCKS)
		b++;
	return b;
}

/* --- the free map --- */

/*
 * Allocates a zeroed data block; its number, or 0 when the disk is full.
 * held is a block the caller holds locked (an indirect block getting a new
 * entry), or 0: in a corrupt free map it may show as free, and zeroing it
 * would wait on the caller itself; its bit is set (it is in use) instead.
 */
static uint32_t block_alloc(uint32_t inum, uint32_t held)
{
	uint32_t ndata = sb.size - sb.datastart;
	uint32_t bno = __atomic_load_n(&alloc_next, __ATOMIC_RELAXED);
	if (bno < sb.datastart || bno >= sb.size)
		bno = sb.datastart;
	for (uint32_t scanned = 0; scanned < ndata;) {
		struct buf *map = bio_read(FS_BITMAP_BLOCK(bno, &sb));
		uint32_t map_end = (bno / FS_BITS_PER_BLOCK + 1) * FS_BITS_PER_BLOCK;
		if (map_end > sb.size)
			map_end = sb.size;
		for (; bno < map_end && scanned < ndata; bno++, scanned++) {
			uint32_t bit = bno % FS_BITS_PER_BLOCK;
			uint8_t mask = 1u << (bit % 8);
			if (map->data[bit / 8] & mask)
				continue;
			map->data[bit / 8] |= mask;
			log_write(map);
			if (bno == held) {
				fs_corrupt(inum,
					   "inode %u: block %u is in use but free in the free map",
					   inum, bno);
				continue;
			}
			bio_release(map);
			__atomic_store_n(&alloc_next, bno + 1, __ATOMIC_RELAXED);
			struct buf *fresh = bio_zero(bno);
			log_write(fresh);
			bio_release(fresh);
			return bno;
		}
		bio_release(map);
		if (bno >= sb.size)
			bno = sb.datastart;
	}
	kprintf("fs: disk full (%u data blocks in use)\n", ndata);
	return 0;
}

/* Marks data block bno of inode inum free; a block already free is reported, not freed. */
static void block_free(uint32_t inum, uint32_t bno)
{
	struct buf *map = bio_read(FS_BITMAP_BLOCK(bno, &sb));
	uint32_t bit = bno % FS_BITS_PER_BLOCK;
	uint8_t mask = 1u << (bit % 8);
	if (!(map->data[bit / 8] & mask)) {
		fs_corrupt(inum,
			   "inode %u: block %u freed twice (the free map or the inode is corrupt)",
			   inum, bno);
	} else {
		map->data[bit / 8] &= ~mask;
		log_write(map);
	}
	bio_release(map);
}

/* --- inodes --- */

static struct inode *cache_find(uint32_t inum)
{
	for (struct inode *ip = icache.list; ip; ip = ip->next)
		if (ip->inum == inum)
			return ip;
	return NULL;
}

/* The in-memory inode for inum, with a new reference, not locked; NULL when memory is exhausted. */
static struct inode *inode_get(uint32_t inum)
{
	spin_lock(&icache.lock);
	struct inode *ip = cache_find(inum);
	if (ip) {
		ip->ref++;
		spin_unlock(&icache.lock);
		return ip;
	}
	spin_unlock(&icache.lock);

	struct inode *fresh = kmalloc(sizeof(*fresh));
	if (!fresh)
		return NULL;
	spin_lock(&icache.lock);
	ip = cache_find(inum); /* another process may have added it meanwhile */
	if (ip) {
		ip->ref++;
		spin_unlock(&icache.lock);
		kfree(fresh);
		return ip;
	}
	memset(fresh, 0, sizeof(*fresh));
	fresh->inum = inum;
	fresh->ref = 1;
	sleeplock_init(&fresh->lock, "inode");
	fresh->next = icache.list;
	icache.list = fresh;
	spin_unlock(&icache.lock);
	return fresh;
}

struct inode *inode_dup(struct inode *ip)
{
	spin_lock(&icache.lock);
	ip->ref++;
	spin_unlock(&icache.lock);
	return ip;
}

/*
 * Copies the disk inode into ip. One that fails fs_dinode_check (free, or
 * reached through a corrupt directory with a type, link count, size or
 * address no inode can have) or names a device this kernel has not is
 * reported and loaded as type 0 and empty: every caller refuses type 0,
 * and inode_put never frees it.
 */
static void dinode_load(struct inode *ip, const struct fs_dinode *dip)
{
	ip->type = dip->type;
	ip->major = dip->major;
	ip->minor = dip->minor;
	ip->nlink = dip->nlink;
	ip->size = dip->size;
	memcpy(ip->addrs, dip->addrs, sizeof(ip->addrs));
	char why[160];
	int bad = fs_dinode_check(dip, &sb, ip->inum, why, sizeof(why)) < 0;
	if (!bad && dip->type == T_DEVICE && dip->major >= NDEV) {
		fmt_snprintf(why, sizeof(why), "inode %u: device major %u, this kernel has %u",
			     ip->inum, dip->major, NDEV);
		bad = 1;
	}
	if (bad) {
		fs_corrupt(ip->inum, "%s: not used", why);
		ip->type = 0;
		ip->size = 0;
		memset(ip->addrs, 0, sizeof(ip->addrs));
	}
}

/* What inode_alloc just wrote to the disk inode of ip: type, and nothing else yet. */
static void inode_set_fresh(struct inode *ip, uint16_t type)
{
	ip->type = type;
	ip->major = ip->minor = ip->nlink = 0;
	ip->size = 0;
	memset(ip->addrs, 0, sizeof(ip->addrs));
	ip->valid = 1;
}

void inode_lock(struct inode *ip)
{
	if (!ip || ip->ref < 1)
		panic("fs: inode_lock of inode %p with ref %d", (void *)ip, ip ? ip->ref : 0);
	sleeplock_acquire(&ip->lock);
	if (!ip->valid) {
		struct buf *b = bio_read(FS_INODE_BLOCK(ip->inum, &sb));
		dinode_load(ip, dinode_in(b, ip->inum));
		bio_release(b);
		ip->valid = 1;
	}
}

void inode_unlock(struct inode *ip)
{
	if (!ip || ip->ref < 1 || !sleeplock_held(&ip->lock))
		panic("fs: inode_unlock of inode %u not locked by this process", ip ? ip->inum : 0);
	sleeplock_release(&ip->lock);
}

void inode_update(struct inode *ip)
{
	struct buf *b = bio_read(FS_INODE_BLOCK(ip->inum, &sb));
	struct fs_dinode *dip = dinode_in(b, ip->inum);
	dip->type = ip->type;
	dip->major = ip->major;
	dip->minor = ip->minor;
	dip->nlink = ip->nlink;
	dip->size = ip->size;
	memcpy(dip->addrs, ip->addrs, sizeof(ip->addrs));
	log_write(b);
	bio_release(b);
}

struct inode *inode_alloc(uint16_t type)
{
	if (!mounted)
		return NULL;
	for (uint32_t first = 0; first < sb.ninodes; first += FS_INODES_PER_BLOCK) {
		struct buf *b = bio_read(FS_INODE_BLOCK(first, &sb));
		uint32_t inum = first > FS_ROOT_INUM ? first : FS_ROOT_INUM + 1;
		for (; inum < first + FS_INODES_PER_BLOCK && inum < sb.ninodes; inum++) {
			struct fs_dinode *dip = dinode_in(b, inum);
			if (dip->type != 0)
				continue;
			struct inode *ip = inode_get(inum);
			if (ip) {
				memset(dip, 0, sizeof(*dip));
				dip->type = type;
				log_write(b);
			}
			bio_release(b);
			if (ip) {
				/*
				 * Loaded as written, not from the disk: fs_dinode_check refuses
				 * nlink 0, which the caller sets next. A corrupt directory entry
				 * may have cached the free inode meanwhile; this replaces it.
				 */
				sleeplock_acquire(&ip->lock);
				inode_set_fresh(ip, type);
				sleeplock_release(&ip->lock);
			}
			return ip;
		}
		bio_release(b);
	}
	kprintf("fs: out of inodes (%u)\n", sb.ninodes);
	return NULL;
}

/*
 * Frees the tree of blocks at addr: depth 0 a data block, 1 an indirect
 * block, 2 a double one. held is the double-indirect block whose entry
 * addr is (0 at the top): an entry naming it would make its reader wait
 * on itself.
 */
static void free_tree(struct inode *ip, uint32_t addr, int depth, uint32_t held)
{
	if (addr == 0)
		return;
	if (fs_addr_check(addr, &sb) < 0 || addr == held) {
		fs_corrupt(ip->inum, "inode %u names block %u, %s: not freed", ip->inum, addr,
			   addr == held ? "its own double-indirect block"
					: "outside the data blocks");
		return;
	}
	if (depth > 0) {
		struct buf *b = bio_read(addr);
		const uint32_t *entries = (const uint32_t *)b->data;
		for (uint32_t i = 0; i < FS_NINDIRECT; i++)
			free_tree(ip, entries[i], depth - 1, depth == 2 ? addr : 0);
		bio_release(b);
	}
	block_free(ip->inum, addr);
}

/* File blocks a tree of the given depth addresses: 1, FS_NINDIRECT, FS_NINDIRECT squared. */
static uint64_t tree_span(int depth)
{
	uint64_t span = 1;
	while (depth-- > 0)
		span *= FS_NINDIRECT;
	return span;
}

/*
 * Frees what the tree in *slot (in the inode, or in the locked indirect
 * block holder) holds past its first keep file blocks, and the tree itself
 * when keep is 0; a slot it empties is zeroed (and holder logged). held is
 * the double-indirect block above, which no entry may name.
 */
static void trim_tree(struct inode *ip, uint32_t *slot, struct buf *holder, int depth,
		      uint64_t keep, uint32_t held)
{
	uint32_t addr = *slot;
	if (addr == 0 || keep >= tree_span(depth))
		return;
	if (keep == 0) {
		free_tree(ip, addr, depth, held);
		*slot = 0;
		if (holder)
			log_write(holder);
		return;
	}
	if (fs_addr_check(addr, &sb) < 0 || addr == held)
		return; /* free_tree reports such a block when the file goes */
	uint64_t child_span = tree_span(depth - 1);
	struct buf *b = bio_read(addr);
	uint32_t *entries = (uint32_t *)b->data;
	for (uint32_t i = 0; i < FS_NINDIRECT; i++) {
		uint64_t first = (uint64_t)i * child_span;
		uint64_t child_keep = keep <= first ? 0 : keep - first;
		trim_tree(ip, &entries[i], b, depth - 1, child_keep, depth == 2 ? addr : 0);
	}
	bio_release(b);
}

/* Frees every block of ip past its first keep file blocks (the caller writes the inode). */
static void trim_blocks(struct inode *ip, uint64_t keep)
{
	for (uint32_t i = 0; i < FS_NDIRECT; i++)
		trim_tree(ip, &ip->addrs[i], NULL, 0, keep > i ? 1 : 0, 0);
	uint64_t past_direct = keep > FS_NDIRECT ? keep - FS_NDIRECT : 0;
	trim_tree(ip, &ip->addrs[FS_ADDR_SINGLE], NULL, 1, past_direct, 0);
	uint64_t past_single = past_direct > FS_NINDIRECT ? past_direct - FS_NINDIRECT : 0;
	trim_tree(ip, &ip->addrs[FS_ADDR_DOUBLE], NULL, 2, past_single, 0);
}

void inode_truncate(struct inode *ip)
{
	trim_blocks(ip, 0);
	ip->size = 0;
	inode_update(ip);
}

void inode_put(struct inode *ip)
{
	spin_lock(&icache.lock);
	if (ip->ref < 1)
		panic("fs: inode_put of inode %u with ref %d", ip->inum, ip->ref);
	if (ip->ref == 1 && ip->valid && ip->nlink == 0 && ip->type != 0) {
		/*
		 * No directory names it and nobody else holds it: nobody can be locking it.
		 * A free or refused inode (type 0) is left as the disk has it.
		 */
		spin_unlock(&icache.lock);
		sleeplock_acquire(&ip->lock);
		inode_truncate(ip);
		ip->type = 0;
		inode_update(ip);
		ip->valid = 0;
		sleeplock_release(&ip->lock);
		spin_lock(&icache.lock);
	}
	if (--ip->ref > 0) {
		spin_unlock(&icache.lock);
		return;
	}
	struct inode **link = &icache.list;
	while (*link != ip)
		link = &(*link)->next;
	*link = ip->next;
	spin_unlock(&icache.lock);
	kfree(ip);
}

void inode_unlock_put(struct inode *ip)
{
	inode_unlock(ip);
	inode_put(ip);
}

void inode_stat(struct inode *ip, struct stat *st)
{
	st->dev = ROOTDEV;
	st->ino = ip->inum;
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->size = ip->size;
}

/* --- block maps --- */

/*
 * The address in *slot (in the inode, or entry index of the locked
 * indirect block holder): checked, or allocated when 0 and alloc. 0 for
 * none (or a full disk), BMAP_BAD for an address outside the data blocks.
 */
static uint32_t resolve(struct inode *ip, uint32_t *slot, struct buf *holder, uint32_t index,
			int alloc)
{
	uint32_t addr = *slot;
	if (addr == 0) {
		if (!alloc || (addr = block_alloc(ip->inum, holder ? holder->blockno : 0)) == 0)
			return 0;
		*slot = addr;
		if (holder)
			log_write(holder);
		return addr;
	}
	if (fs_addr_check(addr, &sb) < 0) {
		if (holder)
			fs_corrupt(ip->inum,
				   "inode %u: indirect block %u entry %u = %u is outside the data "
				   "blocks [%u, %u)",
				   ip->inum, holder->blockno, index, addr, sb.datastart, sb.size);
		else
			fs_corrupt(ip->inum,
				   "inode %u: addrs[%u] = %u is outside the data blocks [%u, %u)",
				   ip->inum, index, addr, sb.datastart, sb.size);
		return BMAP_BAD;
	}
	return addr;
}

/* Entry index of the indirect block at addr (0 or BMAP_BAD pass through), as resolve does. */
static uint32_t resolve_in(struct inode *ip, uint32_t addr, uint32_t index, int alloc)
{
	if (addr == 0 || addr == BMAP_BAD)
		return addr;
	struct buf *b = bio_read(addr);
	uint32_t found = resolve(ip, (uint32_t *)b->data + index, b, index, alloc);
	bio_release(b);
	return found;
}

/* The disk address of ip's block bn, as resolve answers; BMAP_BAD past the largest file. */
static uint32_t bmap(struct inode *ip, uint64_t bn, int alloc)
{
	struct fs_bmap_path path;
	if (fs_bmap_path(bn, &path) < 0)
		return BMAP_BAD;
	uint32_t slot = path.index[0];
	uint32_t addr = resolve(ip, &ip->addrs[slot], NULL, slot, alloc);
	for (uint32_t level = 1; level <= path.depth; level++)
		addr = resolve_in(ip, addr, path.index[level], alloc);
	return addr;
}

/* --- reading and writing --- */

int inode_read(struct inode *ip, int user_dst, uint64_t dst, uint64_t off, uint32_t n)
{
	if (off >= ip->size)
		return 0;
	if (n > ip->size - off)
		n = ip->size - off;
	if (n > 0x7fffffffu)
		n = 0x7fffffffu;
	uint32_t done = 0;
	while (done < n) {
		uint32_t addr = bmap(ip, off / FS_BLOCK_SIZE, 0);
		if (addr == 0 || addr == BMAP_BAD) {
			if (addr == 0)
				fs_corrupt(ip->inum,
					   "inode %u has no block %lu inside its size %lu",
					   ip->inum, (unsigned long)(off / FS_BLOCK_SIZE),
					   (unsigned long)ip->size);
			return -1;
		}
		uint32_t in_block = off % FS_BLOCK_SIZE;
		uint32_t m = FS_BLOCK_SIZE - in_block;
		if (m > n - done)
			m = n - done;
		struct buf *b = bio_read(addr);
		int err = either_copyout(user_dst, dst, b->data + in_block, m);
		bio_release(b);
		if (err < 0)
			return -1;
		done += m;
		off += m;
		dst += m;
	}
	return (int)done;
}

int inode_write(struct inode *ip, int user_src, uint64_t src, uint64_t off, uint32_t n)
{
	if (off > ip->size || n > 0x7fffffffu || off + n > FS_MAXFILE_BLOCKS * FS_BLOCK_SIZE)
		return -1;
	uint32_t done = 0;
	while (done < n) {
		uint32_t addr = bmap(ip, off / FS_BLOCK_SIZE, 1);
		if (addr == 0 || addr == BMAP_BAD)
			break;
		uint32_t in_block = off % FS_BLOCK_SIZE;
		uint32_t m = FS_BLOCK_SIZE - in_block;
		if (m > n - done)
			m = n - done;
		struct buf *b = bio_read(addr);
		int err = either_copyin(b->data + in_block, user_src, src, m);
		if (err == 0)
			log_write(b);
		bio_release(b);
		if (err < 0)
			break;
		done += m;
		off += m;
		src += m;
	}
	if (off > ip->size)
		ip->size = off;
	/*
	 * Stopped early (a bad user buffer, a full disk): bmap may have given
	 * the block it stopped in, and indirect blocks for it, past the size.
	 */
	if (done < n)
		trim_blocks(ip, (ip->size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE);
	/* Even when the size stays, bmap may have added addresses to ip->addrs. */
	inode_update(ip);
	return done == 0 && n > 0 ? -1 : (int)done;
}

/* --- directories --- */

typedef int (*dirent_match)(const struct fs_dirent *de, const char *name);

static int match_name(const struct fs_dirent *de, const char *name)
{
	return de->inum != 0 && strncmp(de->name, name, FS_NAME_MAX) == 0;
}

static int match_free(const struct fs_dirent *de, const char *name)
{
	(void)name;
	return de->inum == 0;
}

static int match_not_dot(const struct fs_dirent *de, const char *name)
{
	(void)name;
	return de->inum != 0 && !match_name(de, ".") && !match_name(de, "..");
}

/* dir_scan's answers besides an offset. */
#define DIR_NONE    (-1)
#define DIR_CORRUPT (-2)

/*
 * The byte offset of the first entry of locked directory dp that match
 * accepts, copied to *found; DIR_NONE if none does, DIR_CORRUPT (after
 * saying so) if a block inside its size is missing or outside the data.
 * Reads a block at a time.
 */
static int64_t dir_scan(struct inode *dp, dirent_match match, const char *name,
			struct fs_dirent *found)
{
	for (uint64_t off = 0; off + sizeof(struct fs_dirent) <= dp->size; off += FS_BLOCK_SIZE) {
		uint32_t addr = bmap(dp, off / FS_BLOCK_SIZE, 0);
		if (addr == 0 || addr == BMAP_BAD) {
			if (addr == 0)
				fs_corrupt(dp->inum,
					   "directory %u has no block %lu inside its size %lu",
					   dp->inum, (unsigned long)(off / FS_BLOCK_SIZE),
					   (unsigned long)dp->size);
			return DIR_CORRUPT;
		}
		struct buf *b = bio_read(addr);
		const struct fs_dirent *de = (const struct fs_dirent *)b->data;
		uint64_t count = (dp->size - off) / sizeof(*de);
		if (count > FS_BLOCK_SIZE / sizeof(*de))
			count = FS_BLOCK_SIZE / sizeof(*de);
		for (uint64_t i = 0; i < count; i++) {
			if (match(&de[i], name)) {
				*found = de[i];
				bio_release(b);
				return (int64_t)(off + i * sizeof(*de));
			}
		}
		bio_release(b);
	}
	return DIR_NONE;
}

struct inode *dir_lookup(struct inode *dp, const char *name, uint64_t *off_out)
{
	if (dp->type != T_DIR)
		return NULL;
	struct fs_dirent de;
	int64_t off = dir_scan(dp, match_name, name, &de);
	if (off < 0)
		return NULL;
	char why[160];
	if (fs_dirent_check(&de, &sb, dp->inum, why, sizeof(why)) < 0) {
		fs_corrupt(dp->inum, "%s", why);
		return NULL;
	}
	/* Only "." names its own directory (and the root's ".."): anything else makes a loop. */
	if (de.inum == dp->inum && strcmp(name, ".") != 0 &&
	    !(dp->inum == FS_ROOT_INUM && strcmp(name, "..") == 0)) {
		fs_corrupt(dp->inum, "directory %u: entry \"%s\" names the directory itself",
			   dp->inum, name);
		return NULL;
	}
	if (off_out)
		*off_out = (uint64_t)off;
	return inode_get(de.inum);
}

int dir_link(struct inode *dp, const char *name, uint32_t inum)
{
	size_t len = strnlen(name, FS_NAME_BUF);
	if (dp->type != T_DIR || len == 0 || len > FS_NAME_MAX)
		return -1;
	struct fs_dirent de;
	if (dir_scan(dp, match_name, name, &de) != DIR_NONE)
		return -1; /* exists, or dp is corrupt */
	int64_t off = dir_scan(dp, match_free, NULL, &de);
	if (off == DIR_CORRUPT)
		return -1;
	if (off == DIR_NONE)
		off = (int64_t)(dp->size - dp->size % sizeof(de));
	if ((uint64_t)off + sizeof(de) > FS_DIR_MAX_BYTES) {
		kprintf("fs: directory %u is full (%lu entries)\n", dp->inum,
			(unsigned long)(FS_DIR_MAX_BYTES / sizeof(de)));
		return -1;
	}
	memset(&de, 0, sizeof(de));
	de.inum = inum;
	memcpy(de.name, name, len);
	if (inode_write(dp, 0, (uint64_t)(uintptr_t)&de, (uint64_t)off, sizeof(de)) != sizeof(de))
		return -1;
	return 0;
}

int dir_unlink_at(struct inode *dp, uint64_t off)
{
	struct fs_dirent de;
	memset(&de, 0, sizeof(de));
	return inode_write(dp, 0, (uint64_t)(uintptr_t)&de, off, sizeof(de)) == sizeof(de) ? 0 : -1;
}

int dir_is_empty(struct inode *dp)
{
	struct fs_dirent de;
	return dir_scan(dp, match_not_dot, NULL, &de) == DIR_NONE;
}

/* --- path names --- */

/*
 * Copies the next element of *path into name (FS_NAME_BUF bytes) and moves
 * *path past it and the slashes after it. 1 for an element, 0 at the end
 * of the path, -1 for an element longer than FS_NAME_MAX.
 */
static int next_element(const char **path, char *name)
{
	const char *p = *path;
	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	const char *start = p;
	while (*p != '/' && *p != '\0')
		p++;
	size_t len = (size_t)(p - start);
	if (len > FS_NAME_MAX)
		return -1;
	memcpy(name, start, len);
	name[len] = '\0';
	while (*p == '/')
		p++;
	*path = p;
	return 1;
}

/* namei and namei_parent: walks path, stopping one element early for the parent. */
static struct inode *walk(const char *path, int parent, char *name)
{
	if (!mounted || *path == '\0')
		return NULL;
	struct inode *ip;
	if (*path == '/') {
		ip = inode_get(FS_ROOT_INUM);
	} else {
		struct proc *p = myproc();
		ip = p && p->cwd ? inode_dup(p->cwd) : NULL;
	}
	if (!ip)
		return NULL;
	int step;
	while ((step = next_element(&path, name)) > 0) {
		inode_lock(ip);
		if (ip->type != T_DIR) {
			inode_unlock_put(ip);
			return NULL;
		}
		if (parent && *path == '\0') {
			inode_unlock(ip);
			return ip;
		}
		struct inode *next = dir_lookup(ip, name, NULL);
		inode_unlock_put(ip);
		if (!next)
			return NULL;
		ip = next;
	}
	if (step < 0 || parent) {
		/* an element too long, or a parent wanted of a path with no element ("/") */
		inode_put(ip);
		return NULL;
	}
	return ip;
}

struct inode *namei(const char *path)
{
	char name[FS_NAME_BUF];
	return walk(path, 0, name);
}

struct inode *namei_parent(const char *path, char *name_out)
{
	return walk(path, 1, name_out);
}
