/*
 * lib/mbox.h - the mailbox between kernel harts and the guard: wire format,
 * request parsing and checking, and the root-field access list.
 *
 * The mailbox (MAGMA_MAILBOX_BASE, 64 KiB) is the only memory both domains
 * may write. Each kernel hart owns one request slot; the guard owns an event
 * ring. The kernel is not trusted: every byte the guard reads from a slot is
 * copied out first (so it cannot change under the guard's feet) and checked
 * by mbox_parse_request(), a pure function with no other input, before
 * anything acts on it.
 *
 * A conversation on a slot:
 *   1. kernel: writes a request, then state = MBOX_REQUEST (release order);
 *   2. guard:  copies the slot, parses, verifies the tag and sequence number,
 *              acts, writes the reply, then state = MBOX_REPLY;
 *   3. kernel: reads the reply, then state = MBOX_EMPTY.
 * MBOX_OP_OPEN on a slot without a live session is the only unauthenticated
 * request: it opens a session under a unique name and its reply carries the
 * session key, once; the kernel acknowledges with MBOX_OP_KEY_READ
 * (authenticated with that key), whose reply overwrites the key in the slot.
 * Every later request carries a strictly increasing sequence number and an
 * HMAC-SHA256 tag, truncated to MBOX_TAG_BYTES, over the request header and
 * payload (mbox_request_tag()). An OPEN on a slot whose session is live must
 * itself be signed with that session's key (it re-keys the session), so
 * nobody without the key can take a session over; MBOX_OP_CLOSE ends one.
 *
 * The slot state moves EMPTY -> REQUEST (kernel) -> BUSY (guard, by
 * compare-and-swap) -> REPLY (guard) -> EMPTY (kernel). A kernel that gave up
 * waiting may take back a request the guard has not started (REQUEST ->
 * EMPTY, by compare-and-swap, so exactly one side wins) and discards a late
 * reply; a reply is accepted only when its seq is the request's.
 *
 * Freestanding: no libc, no kernel headers (the guard and host tests use it).
 */
#ifndef LIB_MBOX_H
#define LIB_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmac_sha256.h"

/* --- layout of the mailbox range (offsets from MAGMA_MAILBOX_BASE) --- */
#define MBOX_CONSOLE_LOCK 0x0000 /* u32: see sbi/console_lock.h */
#define MBOX_HEADER       0x0040 /* struct mbox_header */
#define MBOX_SLOTS        0x1000 /* MBOX_MAX_SLOTS slots of MBOX_SLOT_BYTES */
#define MBOX_RING         0x4000 /* struct mbox_ring_header, then the entries */
#define MBOX_MAX_SLOTS    16
#define MBOX_SLOT_BYTES   512
#define MBOX_RING_ENTRIES 64
#define MBOX_MAGIC        0x584f424du /* "MBOX" little-endian */
#define MBOX_VERSION      1

struct mbox_header {
	uint32_t magic;       /* MBOX_MAGIC once the guard has set the mailbox up */
	uint16_t version;     /* MBOX_VERSION */
	uint16_t nslots;      /* request slots in use (one per kernel hart) */
	uint32_t slot_bytes;  /* MBOX_SLOT_BYTES */
	uint32_t ring_offset; /* MBOX_RING */
	uint32_t ring_entries;
	uint32_t guard_hart; /* whose IMSIC page is the doorbell (AIA machine) */
};

/* --- one request slot --- */
#define MBOX_EMPTY   0u /* free for the kernel to write */
#define MBOX_REQUEST 1u /* a request is waiting for the guard */
#define MBOX_BUSY    2u /* the guard took it */
#define MBOX_REPLY   3u /* the reply is ready for the kernel */

#define MBOX_NAME_BYTES    32
#define MBOX_KEY_BYTES     32
#define MBOX_TAG_BYTES     16 /* HMAC-SHA256 truncated (RFC 2104 section 5) */
#define MBOX_PAYLOAD_BYTES 256
#define MBOX_REPLY_BYTES   128

/* The request part of a slot, as the kernel writes it. */
struct mbox_request {
	uint64_t seq;         /* strictly increasing per session; 0 only for OPEN */
	uint16_t op;          /* MBOX_OP_* */
	uint16_t payload_len; /* bytes of payload used, <= MBOX_PAYLOAD_BYTES */
	uint32_t arg0;        /* op-specific: a root offset, a count */
	uint64_t arg1;        /* op-specific: a value, a length */
	uint8_t tag[MBOX_TAG_BYTES];
	uint8_t payload[MBOX_PAYLOAD_BYTES];
};

/* The reply part of a slot, as the guard writes it. */
struct mbox_reply {
	int32_t status; /* 0 or a negative MBOX_ERR_* */
	uint32_t len;   /* bytes of data used, <= MBOX_REPLY_BYTES */
	uint64_t seq;   /* the request's seq, echoed */
	uint8_t data[MBOX_REPLY_BYTES];
};

struct mbox_slot {
	uint32_t state;   /* MBOX_EMPTY / _REQUEST / _BUSY / _REPLY */
	uint32_t session; /* session id the slot belongs to (0 before OPEN) */
	struct mbox_request request;
	struct mbox_reply reply;
};

_Static_assert(sizeof(struct mbox_slot) <= MBOX_SLOT_BYTES, "a slot fits its space");

/* --- operations --- */
enum mbox_op {
	MBOX_OP_OPEN = 1,       /* payload: unique name; reply: session id (arg) + key */
	MBOX_OP_KEY_READ = 2,   /* the key was read: the guard wipes it from the slot */
	MBOX_OP_PING = 3,       /* reply: arg1 echoed */
	MBOX_OP_STATUS = 4,     /* reply: ON state, scan and incident counts, ... */
	MBOX_OP_WRITE_ROOT = 5, /* arg0: root offset, arg1: length, payload: bytes */
	MBOX_OP_SCAN = 6,       /* force a CRC scan now; reply: incidents found */
	MBOX_OP_INCIDENTS = 7,  /* arg0: first incident index; reply: up to N incidents */
	MBOX_OP_CLOSE = 8,      /* ends the session: its key and name are forgotten */
	MBOX_OP_SLOT_STATS = 9, /* arg0: a slot (hart id); reply: struct mbox_slot_stats */
	MBOX_OP_COUNT
};

/* The reply data of MBOX_OP_STATUS. */
struct mbox_status {
	uint8_t on_state;
	uint8_t protected_flag;
	uint8_t protect_state;
	uint8_t pad[5];
	uint64_t scan_count;
	uint64_t incident_count;
	uint64_t requests_ok;
	uint64_t requests_refused;
	uint64_t last_scan_time;
};

/* The reply data of MBOX_OP_OPEN: the session id and, once, the key. */
struct mbox_open_reply {
	uint32_t session;
	uint32_t pad;
	uint8_t key[MBOX_KEY_BYTES];
};

/* The reply data of MBOX_OP_INCIDENTS: events from seq arg0 on (layout: include/events.h). */
#define MBOX_INCIDENTS_MAX 3
struct mbox_incident {
	uint64_t seq, time;
	uint32_t kind, offset;
	uint8_t bad, good, pad[6];
};
struct mbox_incidents {
	uint64_t posted; /* events the guard has posted in all */
	uint32_t count;  /* entries filled below */
	uint32_t pad;
	struct mbox_incident events[MBOX_INCIDENTS_MAX];
};
_Static_assert(sizeof(struct mbox_incidents) <= MBOX_REPLY_BYTES, "incidents fit a reply");

/*
 * The reply data of MBOX_OP_SLOT_STATS: what the guard counted on one slot.
 * A hart learns from it whether somebody has been sending requests in its
 * name (refusals it did not cause) and, after losing track of its own
 * requests, the sequence number to carry on from (last_seq).
 */
struct mbox_slot_stats {
	uint32_t session; /* the slot's session id, 0 if none is open */
	uint32_t pad;
	uint64_t last_seq; /* the highest seq the session has had accepted */
	uint64_t accepted; /* requests served on the slot since the guard started */
	uint64_t refused;  /* requests refused on the slot, every kind */
};
_Static_assert(sizeof(struct mbox_slot_stats) <= MBOX_REPLY_BYTES, "slot stats fit a reply");

/*
 * Doorbells on the AIA machine: the identity a side writes into the other
 * side's IMSIC S-file page (its seteipnum register) to wake it.
 */
#define MBOX_DOORBELL_EIID 2

/* --- refusals: each has its own counter in the root (ROOT_ERR_COUNTERS) --- */
enum mbox_error {
	MBOX_ERR_MALFORMED = -1, /* nonzero reserved bits, payload_len too large, bad state */
	MBOX_ERR_UNKNOWN_OP = -2,
	MBOX_ERR_BAD_TAG = -3,       /* HMAC does not match */
	MBOX_ERR_REPLAY = -4,        /* seq not above the session's last */
	MBOX_ERR_DENIED = -5,        /* field not writable by the kernel */
	MBOX_ERR_BAD_OFFSET = -6,    /* offset/length outside the root or across fields */
	MBOX_ERR_NO_SESSION = -7,    /* authenticated op before OPEN, or a closed session */
	MBOX_ERR_NAME_TAKEN = -8,    /* OPEN with a name already in use */
	MBOX_ERR_BAD_LENGTH = -9,    /* op-specific length out of range */
	MBOX_ERR_SESSION_LIVE = -10, /* unsigned OPEN on a slot whose session is live */
	MBOX_ERR_NO_ENTROPY = -11,   /* OPEN, but the guard has no boot seed for keys */
	/* Client-side outcomes (the kernel's, never counted by the guard): */
	MBOX_ERR_TIMEOUT = -12,     /* no reply within the client's patience */
	MBOX_ERR_STALE_REPLY = -13, /* the reply's seq is not the request's */
};
#define MBOX_ERR_KINDS 11 /* refusals the guard counts: -1 .. -MBOX_ERR_KINDS */
#define MBOX_ERR_LAST  MBOX_ERR_STALE_REPLY

/* A short English description of any MBOX_ERR_* code (refusal or client-side). */
const char *mbox_strerror(int err);
/* The index of a guard refusal in ROOT_ERR_COUNTERS (0 .. MBOX_ERR_KINDS-1), or -1. */
int mbox_error_index(int err);

/*
 * A session key, ready to sign: HMAC-SHA256's inner and outer states after
 * absorbing the key, computed once per session (mbox_key_init), so a tag
 * costs only the message's blocks. Wipe it (mbox_key_wipe) when the session ends.
 */
struct mbox_key {
	struct hmac_sha256_ctx keyed;
};
void mbox_key_init(struct mbox_key *k, const uint8_t key[MBOX_KEY_BYTES]);
void mbox_key_wipe(struct mbox_key *k);

/*
 * Checks a request copied out of a slot: a known op, payload_len within
 * bounds, op-specific argument shapes. Pure: looks at nothing but *req.
 * An OPEN with seq 0 is unsigned; one with a seq is signed (a re-key).
 * Returns 0 or MBOX_ERR_MALFORMED / _UNKNOWN_OP / _BAD_LENGTH.
 */
int mbox_parse_request(const struct mbox_request *req);

/* The tag over seq, op, payload_len, arg0, arg1 and the used payload bytes. */
void mbox_request_tag(const struct mbox_key *key, const struct mbox_request *req,
		      uint8_t tag[MBOX_TAG_BYTES]);

/*
 * Verifies an authenticated request against the session key and the last
 * sequence number accepted: MBOX_ERR_BAD_TAG, MBOX_ERR_REPLAY or 0. The tag
 * is compared in constant time, and checked before the sequence number.
 */
int mbox_verify(const struct mbox_key *key, uint64_t last_seq, const struct mbox_request *req);

/*
 * Whether the kernel may write len bytes at root offset `offset` (one
 * request writes inside one field). 0, MBOX_ERR_DENIED (a field the kernel
 * may not write, protected bits above all), or MBOX_ERR_BAD_OFFSET (outside
 * the root, zero length, across two fields, or misaligned for the field).
 * hart is the requesting hart: only its own vector-clock slot is writable.
 */
int mbox_acl_check(uint32_t offset, uint64_t len, uint32_t hart);

/*
 * Whether hart may ask MBOX_OP_SLOT_STATS about `slot`: only about its own
 * (another hart's traffic is that hart's business). 0, MBOX_ERR_DENIED (a
 * slot of another hart), or MBOX_ERR_BAD_OFFSET (no such slot).
 */
int mbox_slot_stats_acl(uint32_t slot, uint32_t hart);

#endif
