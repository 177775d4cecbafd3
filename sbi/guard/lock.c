/*
 * sbi/guard/lock.c - install, seal, scan and repair the root (see lock.h).
 */
#include "lock.h"

#include "../../lib/crc32c.h"
#include "../../lib/md5.h"
#include "../../lib/mbox.h"
#include "../../include/events.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "runtime.h"

/* The root bytes under the lock: protected and shared bits, then the board tables. */
static size_t locked_bytes = ROOT_BOARD_BASE;
#define LOCKED_BYTES locked_bytes

static volatile uint8_t *const root = (volatile uint8_t *)MAGMA_ROOT_BASE;
static struct guard_ring *const ring =
	(struct guard_ring *)(MAGMA_MAILBOX_BASE + MBOX_RING);

/* In guard private (this image's bss): out of the kernel's reach. */
static uint8_t shadow[MAGMA_ROOT_SIZE];
static uint32_t stored_crc;
static uint8_t stored_crc_md5[MD5_DIGEST_BYTES];
static uint64_t events_posted;
static struct guard_event events[GUARD_EVENT_ENTRIES]; /* the guard's own copy of the ring */
static crc32c_fn crc_of;
static const char *crc_name;

size_t lock_bytes(void)
{
	return LOCKED_BYTES;
}

uint32_t lock_crc(void)
{
	return stored_crc;
}

const char *lock_crc_name(void)
{
	return crc_name;
}

void lock_write(size_t offset, const void *src, size_t len)
{
	const uint8_t *s = src;
	for (size_t i = 0; i < len && offset + i < LOCKED_BYTES; i++) {
		root[offset + i] = s[i];
		shadow[offset + i] = s[i];
	}
}

void lock_read(size_t offset, void *dst, size_t len)
{
	uint8_t *d = dst;
	for (size_t i = 0; i < len; i++)
		d[i] = offset + i < LOCKED_BYTES ? shadow[offset + i] : 0;
}

uint64_t lock_read64(size_t offset)
{
	uint64_t v;
	lock_read(offset, &v, sizeof(v));
	return v;
}

static void write64(size_t offset, uint64_t value)
{
	uint8_t bytes[8];
	for (int i = 0; i < 8; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	lock_write(offset, bytes, 8);
}

static void write8(size_t offset, uint8_t value)
{
	lock_write(offset, &value, 1);
}

static void store_crc(uint32_t crc)
{
	stored_crc = crc;
	md5(&stored_crc, sizeof(stored_crc), stored_crc_md5);
}

void lock_seal(void)
{
	store_crc(crc_of(0, shadow, LOCKED_BYTES));
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

static void post(uint32_t kind, uint32_t offset, uint8_t bad, uint8_t good)
{
	uint64_t n = events_posted++;
	struct guard_event *e = &ring->entries[n % GUARD_EVENT_ENTRIES];
	e->seq = n;
	e->time = guard_now();
	e->kind = kind;
	e->offset = offset;
	e->bad = bad;
	e->good = good;
	events[n % GUARD_EVENT_ENTRIES] = *e;
	asm volatile("fence w, w" : : : "memory"); /* the entry before the head */
	ring->head = n + 1;
}

int lock_event(uint64_t seq, struct guard_event *out)
{
	if (seq >= events_posted || events_posted - seq > GUARD_EVENT_ENTRIES)
		return 0;
	*out = events[seq % GUARD_EVENT_ENTRIES];
	return 1;
}

uint64_t lock_events_posted(void)
{
	return events_posted;
}

void lock_install(uint32_t hartid, uint32_t scan_period_us, int use_clmul,
		  const uint8_t *board, size_t board_bytes)
{
	if (board_bytes > MAGMA_ROOT_SIZE - ROOT_BOARD_BASE)
		board_bytes = 0; /* cannot happen: the builder was given exactly this space */
	locked_bytes = ROOT_BOARD_BASE + ((board_bytes + 7) & ~(size_t)7);
	crc_of = crc32c_select(use_clmul);
	crc_name = crc_of == crc32c_table ? "table" : "clmul";
	ring->head = 0;

	/* ON state 0: a blank root, then the protected and shared bits. */
	static const uint8_t zero;
	for (size_t i = 0; i < LOCKED_BYTES; i++)
		lock_write(i, &zero, 1);
	write8(ROOT_ON_STATE, ROOT_ON_INITIALISED);
	write8(ROOT_VERSION_MAJOR, ROOT_LAYOUT_MAJOR);
	write8(ROOT_VERSION_MINOR, ROOT_LAYOUT_MINOR);
	write8(ROOT_VERSION_INC, ROOT_LAYOUT_INC);
	uint32_t words[4] = { hartid, scan_period_us, ROOT_BOARD_BASE, (uint32_t)board_bytes };
	lock_write(ROOT_GUARD_HART, words, sizeof(words));
	lock_write(ROOT_BOARD_BASE, board, board_bytes);
	write64(ROOT_INITIAL_TIME, guard_now());

	/* ON state 1: the secondary (this hart) is up and the root is filled in. */
	write8(ROOT_ON_STATE, ROOT_ON_SECONDARY_UP);
	lock_seal();

	/* ON state 2: the CRC and its MD5 are stored; the lock is on. */
	write8(ROOT_PROTECTED, 1);
	write8(ROOT_PROTECT_STATE, ROOT_PROTECT_WATCHING);
	write8(ROOT_ON_STATE, ROOT_ON_PROTECTED);
	lock_seal();
}

/* Bytes of the root that differ from the shadow are put back, one event each. */
static int repair_from_shadow(void)
{
	int repaired = 0;
	for (size_t i = 0; i < LOCKED_BYTES; i++) {
		uint8_t bad = root[i];
		if (bad == shadow[i])
			continue;
		root[i] = shadow[i];
		post(GUARD_EVENT_ROOT_REPAIRED, (uint32_t)i, bad, shadow[i]);
		repaired++;
	}
	return repaired;
}

static uint64_t instret(void)
{
	uint64_t n;
	asm volatile("rdinstret %0" : "=r"(n));
	return n;
}

int lock_scan(void)
{
	uint64_t start = instret();
	int repaired = 0, rebuilt = 0;
	if (!crc_store_intact()) {
		store_crc(crc_of(0, shadow, LOCKED_BYTES));
		post(GUARD_EVENT_CRC_REBUILT, 0, 0, 0);
		rebuilt = 1;
	}
	/* Copy the root out once: the kernel cannot change it, but a flip can. */
	uint32_t root_crc = crc_of(0, (const void *)root, LOCKED_BYTES);
	if (root_crc != stored_crc) {
		repaired = repair_from_shadow();
	} else if (crc_of(0, shadow, LOCKED_BYTES) != stored_crc) {
		for (size_t i = 0; i < LOCKED_BYTES; i++)
			shadow[i] = root[i];
		post(GUARD_EVENT_SHADOW_REBUILT, 0, 0, 0);
		rebuilt = 1;
	}

	/* The guard's own bookkeeping, sealed once. */
	write64(ROOT_SCAN_COUNT, lock_read64(ROOT_SCAN_COUNT) + 1);
	write64(ROOT_LAST_SCAN_TIME, guard_now());
	write64(ROOT_SCAN_COST, instret() - start);
	if (repaired || rebuilt) {
		write64(ROOT_INCIDENT_COUNT, lock_read64(ROOT_INCIDENT_COUNT) +
						     (uint64_t)(repaired + rebuilt));
		write8(ROOT_PROTECT_STATE, ROOT_PROTECT_REPAIRED);
	}
	lock_seal();
	return repaired;
}
