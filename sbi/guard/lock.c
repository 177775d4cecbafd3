/*
 * sbi/guard/lock.c - install, write, seal, scan and repair the root (see lock.h).
 */
#include "lock.h"

#include "../../include/events.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "../../lib/crc32c.h"
#include "../../lib/crc32c_patch.h"
#include "../../lib/md5.h"
#include "event_log.h"
#include "runtime.h"

#define ROOT_BYTES MAGMA_ROOT_SIZE
#define ROOT_WORDS (ROOT_BYTES / 8)
/* Repairs posted one by one per scan; past that, one summary event. */
#define LISTED_REPAIRS_PER_SCAN 16
/* Scans that find root and shadow equal check the shadow's CRC this often. */
#define SHADOW_CRC_EVERY 8

static volatile uint8_t *const root = (volatile uint8_t *)MAGMA_ROOT_BASE;

/* In guard private (this image's bss): out of the kernel's reach. */
static uint8_t shadow[ROOT_BYTES] __attribute__((aligned(8)));
static uint32_t stored_crc;
static uint8_t stored_crc_md5[MD5_DIGEST_BYTES];
static int batch_open;  /* writes since the last seal: the MD5 was checked first */
static int reconciling; /* inside reconcile(): its own writes need no pre-check */
static uint64_t incidents;
/* zero_shift[j] = x^(8 (ROOT_BYTES - 8 j)) mod P: moves a change ending at 8 j to the end. */
static uint32_t zero_shift[ROOT_WORDS + 1];
static crc32c_fn crc_of;
static const char *crc_name;

uint32_t lock_crc(void)
{
	return stored_crc;
}

const char *lock_crc_name(void)
{
	return crc_name;
}

/* --- the root, with one store per aligned field --- */

static uint64_t le_value(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Widest naturally aligned stores first, so an aligned u64 field is one sd. */
static void root_store(size_t offset, const uint8_t *src, size_t len)
{
	while (len) {
		size_t n = offset % 8 == 0 && len >= 8   ? 8
			   : offset % 4 == 0 && len >= 4 ? 4
			   : offset % 2 == 0 && len >= 2 ? 2
							 : 1;
		uint64_t v = le_value(src, n);
		volatile uint8_t *p = root + offset;
		switch (n) {
		case 8: *(volatile uint64_t *)p = v; break;
		case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
		case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
		default: *p = (uint8_t)v;
		}
		offset += n, src += n, len -= n;
	}
}

static uint64_t root_word(size_t i)
{
	return ((const volatile uint64_t *)root)[i];
}

static uint64_t shadow_word(size_t i)
{
	return ((const uint64_t *)shadow)[i];
}

/*
 * The first byte at or after `from` where root and shadow differ, or
 * ROOT_BYTES. Eight words at a time: the common case, no difference at
 * all, costs a load pair and an or per word.
 */
static size_t next_difference(size_t from)
{
	size_t w = from / 8;
	uint64_t diff = (root_word(w) ^ shadow_word(w)) & (~0ull << (8 * (from % 8)));
	for (;;) {
		if (diff)
			return 8 * w + (size_t)__builtin_ctzll(diff) / 8;
		if (++w >= ROOT_WORDS)
			return ROOT_BYTES;
		if (w % 8 == 0) {
			const volatile uint64_t *r = (const volatile uint64_t *)root + w;
			const uint64_t *s = (const uint64_t *)shadow + w;
			while (w + 8 <= ROOT_WORDS &&
			       ((r[0] ^ s[0]) | (r[1] ^ s[1]) | (r[2] ^ s[2]) | (r[3] ^ s[3]) |
				(r[4] ^ s[4]) | (r[5] ^ s[5]) | (r[6] ^ s[6]) | (r[7] ^ s[7])) == 0)
				w += 8, r += 8, s += 8;
			if (w >= ROOT_WORDS)
				return ROOT_BYTES;
		}
		diff = root_word(w) ^ shadow_word(w);
	}
}

static int range_differs(size_t offset, size_t len)
{
	uint8_t diff = 0;
	for (size_t i = offset; i < offset + len; i++)
		diff |= root[i] ^ shadow[i];
	return diff != 0;
}

/* --- the stored CRC and its MD5 --- */

static void store_crc(uint32_t crc)
{
	stored_crc = crc;
	md5(&stored_crc, sizeof(stored_crc), stored_crc_md5);
}

static int crc_store_intact(void)
{
	uint8_t digest[MD5_DIGEST_BYTES];
	md5(&stored_crc, sizeof(stored_crc), digest);
	uint8_t diff = 0;
	for (int i = 0; i < MD5_DIGEST_BYTES; i++)
		diff |= digest[i] ^ stored_crc_md5[i];
	return diff == 0;
}

/*
 * Folds shadow[offset, offset+len) -> src into the stored CRC. The change is
 * widened to whole 8-byte words (zero delta outside it) so one precomputed
 * shift per word boundary serves every write.
 */
static void crc_fold(size_t offset, const uint8_t *src, size_t len)
{
	size_t start = offset & ~(size_t)7, end = (offset + len + 7) & ~(size_t)7;
	uint32_t reg = 0;
	for (size_t i = start; i < end; i++) {
		uint8_t delta = i >= offset && i < offset + len ? shadow[i] ^ src[i - offset] : 0;
		reg = crc32c_raw(reg, &delta, 1);
	}
	stored_crc ^= crc32c_mulmod(reg, zero_shift[end / 8]);
}

/* --- scanning --- */

static void incident(uint32_t kind, uint32_t offset, uint8_t bad, uint8_t good)
{
	incidents++;
	event_log_post(kind, offset, bad, good);
}

// LAB(scan) begin
static uint64_t agreeing_scans;

/* Root bytes that differ from the shadow get the shadow's value, each one reported. */
static int repair_root_from_shadow(void)
{
	int repaired = 0;
	for (size_t i = next_difference(0); i < ROOT_BYTES; i = next_difference(i + 1)) {
		uint8_t bad = root[i], good = shadow[i];
		root[i] = good;
		if (repaired++ < LISTED_REPAIRS_PER_SCAN)
			incident(GUARD_EVENT_ROOT_REPAIRED, (uint32_t)i, bad, good);
	}
	if (repaired > LISTED_REPAIRS_PER_SCAN)
		incident(GUARD_EVENT_REPAIRS_UNLISTED,
			 (uint32_t)(repaired - LISTED_REPAIRS_PER_SCAN), 0, 0);
	return repaired;
}

/*
 * The decision table of lock.h. The stored CRC is the arbiter, so its MD5
 * is checked first (a bad CRC store is rebuilt from the shadow, the copy the
 * kernel cannot reach, after the root is made to agree with it).
 */
static int reconcile(void)
{
	reconciling = 1;
	int repaired = 0;
	if (!crc_store_intact()) {
		repaired = repair_root_from_shadow();
		store_crc(crc_of(0, shadow, ROOT_BYTES));
		incident(GUARD_EVENT_CRC_REBUILT, 0, 0, 0);
		reconciling = 0;
		return repaired;
	}
	size_t first = next_difference(0);
	if (first == ROOT_BYTES) {
		/*
		 * Root and shadow agree. Only a change to both alike (a debugger)
		 * can hide here, so the whole-root CRC, the costly part of a
		 * scan, is checked on every SHADOW_CRC_EVERY-th scan.
		 */
		if (++agreeing_scans % SHADOW_CRC_EVERY == 0) {
			uint32_t shadow_crc = crc_of(0, shadow, ROOT_BYTES);
			if (shadow_crc != stored_crc) {
				store_crc(shadow_crc);
				incident(GUARD_EVENT_BOTH_CHANGED, 0, 0, 0);
			}
		}
		reconciling = 0;
		return 0;
	}
	uint32_t shadow_crc = crc_of(0, shadow, ROOT_BYTES);
	if (shadow_crc == stored_crc) {
		repaired = repair_root_from_shadow();
	} else if (crc_of(0, (const void *)root, ROOT_BYTES) == stored_crc) {
		for (size_t w = 0; w < ROOT_WORDS; w++)
			((uint64_t *)shadow)[w] = root_word(w);
		incident(GUARD_EVENT_SHADOW_REBUILT, (uint32_t)first, 0, 0);
	} else {
		repaired = repair_root_from_shadow();
		store_crc(shadow_crc);
		incident(GUARD_EVENT_CONFLICT, (uint32_t)first, 0, 0);
	}
	reconciling = 0;
	return repaired;
}
// LAB(scan) stub
// /*
//  * TODO(lab scan): find the root bytes that differ from the shadow
//  * (next_difference), decide with the stored CRC which copy is right (the
//  * table in lock.h), repair, and post an incident() for each repair.
//  * Returns the root bytes repaired. Until then the scan sees nothing.
//  */
// static int reconcile(void)
// {
// 	(void)next_difference;
// 	(void)incident;
// 	return 0;
// }
// LAB(scan) end

/* --- writing --- */

void lock_write(size_t offset, const void *src, size_t len)
{
	if (offset > ROOT_BYTES || len > ROOT_BYTES - offset || len == 0)
		return;
	if (!batch_open) {
		/* A CRC store flipped since the last seal is caught here, not sealed in. */
		if (!crc_store_intact())
			reconcile();
		batch_open = 1;
	}
	/* A flip inside the range would make the folded delta wrong: settle it first. */
	if (!reconciling && range_differs(offset, len))
		reconcile();
	crc_fold(offset, src, len);
	const uint8_t *s = src;
	for (size_t i = 0; i < len; i++)
		shadow[offset + i] = s[i];
	root_store(offset, s, len);
}

void lock_write64(size_t offset, uint64_t value)
{
	uint8_t bytes[8];
	for (int i = 0; i < 8; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	lock_write(offset, bytes, 8);
}

void lock_write32(size_t offset, uint32_t value)
{
	uint8_t bytes[4];
	for (int i = 0; i < 4; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	lock_write(offset, bytes, 4);
}

void lock_write8(size_t offset, uint8_t value)
{
	lock_write(offset, &value, 1);
}

void lock_read(size_t offset, void *dst, size_t len)
{
	uint8_t *d = dst;
	for (size_t i = 0; i < len; i++)
		d[i] = offset + i < ROOT_BYTES ? shadow[offset + i] : 0;
}

uint64_t lock_read64(size_t offset)
{
	uint8_t b[8];
	lock_read(offset, b, sizeof(b));
	return le_value(b, 8);
}

void lock_seal(void)
{
	lock_write64(ROOT_SEAL_COUNT, lock_read64(ROOT_SEAL_COUNT) + 1);
	store_crc(stored_crc);
	batch_open = 0;
}

/* --- install and scan --- */

void lock_install(uint32_t hartid, uint32_t scan_period_us, uint32_t micro_wrap, int use_clmul,
		  const uint8_t *board, size_t board_bytes)
{
	if (board_bytes > ROOT_BYTES - ROOT_BOARD_BASE)
		board_bytes = 0; /* cannot happen: the builder was given exactly this space */
	crc_of = crc32c_select(use_clmul);
	crc_name = crc_of == crc32c_table ? "table" : "clmul";
	static const uint8_t zero_word[8];
	zero_shift[ROOT_WORDS] = CRC32C_X0;
	for (size_t j = ROOT_WORDS; j > 0; j--)
		zero_shift[j - 1] = crc32c_raw(zero_shift[j], zero_word, 8);
	event_log_init();

	/* ON state 0: all 64 KiB blank (shadow too), then the protected and shared bits. */
	for (size_t w = 0; w < ROOT_WORDS; w++) {
		((uint64_t *)shadow)[w] = 0;
		((volatile uint64_t *)root)[w] = 0;
	}
	store_crc(crc_of(0, shadow, ROOT_BYTES));
	lock_write8(ROOT_ON_STATE, ROOT_ON_INITIALISED);
	lock_write8(ROOT_VERSION_MAJOR, ROOT_LAYOUT_MAJOR);
	lock_write8(ROOT_VERSION_MINOR, ROOT_LAYOUT_MINOR);
	lock_write8(ROOT_VERSION_INC, ROOT_LAYOUT_INC);
	lock_write32(ROOT_GUARD_HART, hartid);
	lock_write32(ROOT_SCAN_PERIOD_US, scan_period_us);
	lock_write32(ROOT_BOARD_OFFSET, ROOT_BOARD_BASE);
	lock_write32(ROOT_BOARD_SIZE, (uint32_t)board_bytes);
	lock_write32(ROOT_MICRO_WRAP, micro_wrap);
	if (board_bytes)
		lock_write(ROOT_BOARD_BASE, board, board_bytes);
	lock_write64(ROOT_INITIAL_TIME, guard_now());

	/* ON state 1: the secondary (this hart) is up and the root is filled in. */
	lock_write8(ROOT_ON_STATE, ROOT_ON_SECONDARY_UP);
	lock_seal();

	/* ON state 2: the CRC and its MD5 are stored; the lock is on. */
	lock_write8(ROOT_PROTECTED, 1);
	lock_write8(ROOT_PROTECT_STATE, ROOT_PROTECT_WATCHING);
	lock_write8(ROOT_ON_STATE, ROOT_ON_PROTECTED);
	lock_seal();
}

int lock_scan(void)
{
	uint64_t start = guard_instret();
	int repaired = reconcile();

	/* The guard's own bookkeeping, sealed once. */
	lock_write64(ROOT_SCAN_COUNT, lock_read64(ROOT_SCAN_COUNT) + 1);
	lock_write64(ROOT_LAST_SCAN_TIME, guard_now());
	if (incidents != lock_read64(ROOT_INCIDENT_COUNT)) { /* here or in a write since */
		lock_write64(ROOT_INCIDENT_COUNT, incidents);
		lock_write8(ROOT_PROTECT_STATE, ROOT_PROTECT_REPAIRED);
	}
	lock_write64(ROOT_SCAN_COST, guard_instret() - start);
	lock_seal();
	return repaired;
}
