/*
 * include/events.h - the guard's event ring in the mailbox (MBOX_RING).
 *
 * Only the guard writes it. `head` counts events ever posted; event n lives
 * in entry n % GUARD_EVENT_ENTRIES and carries n in `seq`, so a reader that
 * fell behind (or a kernel that scribbled on the ring) sees the mismatch
 * instead of misreading an entry. Plain declarations: no code.
 */
#ifndef SBI_EVENTS_H
#define SBI_EVENTS_H

#include <stdint.h>

#define GUARD_EVENT_ENTRIES 64

enum guard_event_kind {
	GUARD_EVENT_ROOT_REPAIRED = 1,  /* a root byte differed from the shadow: restored */
	GUARD_EVENT_CRC_REBUILT = 2,    /* the stored CRC failed its MD5: rebuilt from the shadow */
	GUARD_EVENT_SHADOW_REBUILT = 3, /* the shadow failed the CRC, the root passed: shadow
					   rebuilt from the root (offset: first byte that differed) */
	GUARD_EVENT_BOTH_CHANGED = 4,   /* root and shadow agree but fail the CRC: both were
					   changed alike; nothing to repair from, CRC adopted */
	GUARD_EVENT_REPAIRS_UNLISTED = 5, /* offset: repairs in this scan past the listed ones */
	GUARD_EVENT_CONFLICT = 6,         /* root and shadow differ and neither passes the CRC:
					   root restored from the shadow, CRC adopted */
};

struct guard_event {
	uint64_t seq;    /* the event's number: entry seq % GUARD_EVENT_ENTRIES */
	uint64_t time;   /* time CSR when the guard found it */
	uint32_t kind;   /* enum guard_event_kind */
	uint32_t offset; /* root offset of the byte (ROOT_REPAIRED) */
	uint8_t bad;     /* what was there */
	uint8_t good;    /* what the guard put back */
	uint8_t pad[6];
};

_Static_assert(sizeof(struct guard_event) == 32, "events are 32 bytes, as struct mbox_incident");

struct guard_ring {
	volatile uint64_t head; /* events posted so far */
	uint64_t reserved;
	struct guard_event entries[GUARD_EVENT_ENTRIES];
};

#endif
