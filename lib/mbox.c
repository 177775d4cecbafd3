/*
 * lib/mbox.c - checking mailbox requests: shapes, tags, sequence numbers and
 * the access list of root fields the kernel may write (protocol: lib/mbox.h).
 *
 * Everything here is a pure function of its arguments, so the guard, the
 * kernel and the host tests share one implementation and one access list.
 * Requests are untrusted bytes: every length is bounded before it is used,
 * and nothing reads past the struct it was given, even for a request that
 * mbox_parse_request() would refuse.
 *
 * Freestanding: no libc, no kernel headers (the guard and host tests use it).
 */
#include "mbox.h"

#include "../include/layout.h"
#include "../include/root.h"
#include "hmac_sha256.h"
#include "md_block.h"

_Static_assert(MBOX_ERR_KINDS <= ROOT_ERR_COUNTERS_MAX, "one root counter per refusal kind");
_Static_assert(MBOX_TAG_BYTES <= HMAC_SHA256_BYTES, "a tag is a truncated HMAC");

const char *mbox_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case MBOX_ERR_MALFORMED:
		return "malformed request (reserved field set or length too large)";
	case MBOX_ERR_UNKNOWN_OP: return "unknown operation";
	case MBOX_ERR_BAD_TAG: return "bad tag (HMAC does not match)";
	case MBOX_ERR_REPLAY: return "replay (sequence number not above the last)";
	case MBOX_ERR_DENIED: return "root field not writable by the kernel";
	case MBOX_ERR_BAD_OFFSET:
		return "offset or length outside the root, across fields or misaligned";
	case MBOX_ERR_NO_SESSION: return "no open session";
	case MBOX_ERR_NAME_TAKEN: return "session name already in use";
	case MBOX_ERR_BAD_LENGTH: return "length out of range for the operation";
	case MBOX_ERR_SESSION_LIVE: return "session is live: OPEN must be signed with its key";
	case MBOX_ERR_NO_ENTROPY: return "guard has no boot seed: no session keys";
	case MBOX_ERR_TIMEOUT: return "no reply from the guard within the client's patience";
	case MBOX_ERR_STALE_REPLY: return "reply does not answer this request (seq differs)";
	default: return "unknown error";
	}
}

int mbox_error_index(int err)
{
	/* The codes run -1 .. -MBOX_ERR_KINDS with no gaps. */
	if (err > MBOX_ERR_MALFORMED || err < -MBOX_ERR_KINDS)
		return -1;
	return -err - 1;
}

/* --- request shapes --- */

/* A session name: printable ASCII, so no NUL and nothing a log would garble. */
static bool name_ok(const uint8_t *name, uint16_t len)
{
	for (uint16_t i = 0; i < len; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	}
	return true;
}

/*
 * seq is never checked here: it is the session's business (mbox_verify), seq
 * 0 is never above the last, and on OPEN it says whether the OPEN is signed.
 */
int mbox_parse_request(const struct mbox_request *req)
{
	if (req->op < MBOX_OP_OPEN || req->op >= MBOX_OP_COUNT)
		return MBOX_ERR_UNKNOWN_OP;
	if (req->payload_len > MBOX_PAYLOAD_BYTES)
		return MBOX_ERR_MALFORMED;

	switch (req->op) {
	case MBOX_OP_OPEN:
		if (req->payload_len < 1 || req->payload_len > MBOX_NAME_BYTES)
			return MBOX_ERR_BAD_LENGTH;
		if (req->arg0 != 0 || req->arg1 != 0)
			return MBOX_ERR_MALFORMED;
		if (!name_ok(req->payload, req->payload_len))
			return MBOX_ERR_MALFORMED;
		return 0;
	case MBOX_OP_KEY_READ:
	case MBOX_OP_STATUS:
	case MBOX_OP_SCAN:
	case MBOX_OP_CLOSE:
		if (req->payload_len != 0)
			return MBOX_ERR_BAD_LENGTH;
		if (req->arg0 != 0 || req->arg1 != 0)
			return MBOX_ERR_MALFORMED;
		return 0;
	case MBOX_OP_PING: /* arg1 is echoed, so any value */
		if (req->payload_len != 0)
			return MBOX_ERR_BAD_LENGTH;
		if (req->arg0 != 0)
			return MBOX_ERR_MALFORMED;
		return 0;
	case MBOX_OP_WRITE_ROOT: /* arg0 (the offset) is mbox_acl_check's to judge */
		if (req->arg1 < 1 || req->arg1 > MBOX_PAYLOAD_BYTES ||
		    req->arg1 != req->payload_len)
			return MBOX_ERR_BAD_LENGTH;
		return 0;
	// LAB(guard) begin
	case MBOX_OP_SLOT_STATS: /* arg0 (the slot) is mbox_slot_stats_acl's to judge */
		if (req->payload_len != 0)
			return MBOX_ERR_BAD_LENGTH;
		if (req->arg1 != 0)
			return MBOX_ERR_MALFORMED;
		return 0;
	// LAB(guard) stub
	// /* TODO(lab guard): the shape of MBOX_OP_SLOT_STATS (labs/guard/README.md). */
	// LAB(guard) end
	case MBOX_OP_INCIDENTS: /* arg0: first incident index, any value */
		if (req->payload_len != 0)
			return MBOX_ERR_BAD_LENGTH;
		if (req->arg1 != 0)
			return MBOX_ERR_MALFORMED;
		return 0;
	default: return MBOX_ERR_UNKNOWN_OP;
	}
}

/* --- tags and sequence numbers --- */

/* seq u64, op u16, payload_len u16, arg0 u32, arg1 u64, little-endian. */
#define MBOX_TAG_HEADER_BYTES 24

static uint8_t *put_le(uint8_t *p, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

/*
 * The message is a fixed serialisation, not the struct's memory, so the
 * guard and the kernel agree whatever the compiler's padding and the
 * machine's byte order. The tag field itself and payload bytes past
 * payload_len are not covered. A payload_len above the buffer (a request
 * parse refuses) covers only the buffer, so this never reads past *req.
 */
void mbox_key_init(struct mbox_key *k, const uint8_t key[MBOX_KEY_BYTES])
{
	hmac_sha256_init(&k->keyed, key, MBOX_KEY_BYTES);
}

void mbox_key_wipe(struct mbox_key *k)
{
	md_wipe(k, sizeof(*k));
}

void mbox_request_tag(const struct mbox_key *key, const struct mbox_request *req,
		      uint8_t tag[MBOX_TAG_BYTES])
{
	uint8_t header[MBOX_TAG_HEADER_BYTES];
	uint8_t *p = header;
	p = put_le(p, req->seq, 8);
	p = put_le(p, req->op, 2);
	p = put_le(p, req->payload_len, 2);
	p = put_le(p, req->arg0, 4);
	put_le(p, req->arg1, 8);

	size_t payload_bytes = req->payload_len;
	if (payload_bytes > MBOX_PAYLOAD_BYTES)
		payload_bytes = MBOX_PAYLOAD_BYTES;

	struct hmac_sha256_ctx ctx = key->keyed; /* final() wipes this copy */
	uint8_t mac[HMAC_SHA256_BYTES];
	hmac_sha256_update(&ctx, header, sizeof header);
	hmac_sha256_update(&ctx, req->payload, payload_bytes);
	hmac_sha256_final(&ctx, mac);
	for (int i = 0; i < MBOX_TAG_BYTES; i++)
		tag[i] = mac[i];
	md_wipe(mac, sizeof mac);
}

/*
 * The tag first: a forger learns nothing from which check failed, and a
 * replayed request with a bad tag counts as a forgery, not a replay.
 */
int mbox_verify(const struct mbox_key *key, uint64_t last_seq, const struct mbox_request *req)
{
	uint8_t want[MBOX_TAG_BYTES];
	mbox_request_tag(key, req, want);
	if (!hmac_sha256_equal(want, req->tag, MBOX_TAG_BYTES))
		return MBOX_ERR_BAD_TAG;
	if (req->seq <= last_seq)
		return MBOX_ERR_REPLAY;
	return 0;
}

/* --- the access list: root fields the kernel may write --- */

enum acl_shape {
	ACL_U64,          /* one u64: exactly 8 bytes at its offset (never torn) */
	ACL_BYTES,        /* a byte array: any 1..size bytes inside it */
	ACL_U64_PER_HART, /* u64[size / 8]: only the requesting hart's own element */
};

#define KERNEL_NOTE_BYTES 64 /* include/root.h: ROOT_KERNEL_NOTE is u8[64] */

struct acl_field {
	uint32_t offset; /* root-relative */
	uint32_t size_bytes;
	enum acl_shape shape;
};

/*
 * Every root byte not covered here is DENIED: the protected bits
 * (0x000-0x0FF), the guard's counters, ticks, times and heartbeat, the
 * refusal counters, and the board tables. Keep the entries in the shared
 * bits; the asserts below hold the line at compile time.
 */
static const struct acl_field acl_fields[] = {
	/* The kernel's offset of OS time from the time CSR (it sets the clock). */
	{ ROOT_OS_TIME_DELTA, 8, ACL_U64 },
	/* Free text, e.g. the kernel's version or a student's lab tag. */
	{ ROOT_KERNEL_NOTE, KERNEL_NOTE_BYTES, ACL_BYTES },
	/* Each kernel hart's own vector-clock element; another hart's is denied. */
	{ ROOT_VECTOR_CLOCK, 8 * ROOT_VECTOR_SLOTS, ACL_U64_PER_HART },
};

#define IN_SHARED_BITS(off, size) \
	((off) >= ROOT_SHARED_BASE && (off) + (size) <= ROOT_SHARED_BASE + ROOT_SHARED_SIZE)
_Static_assert(IN_SHARED_BITS(ROOT_OS_TIME_DELTA, 8) && ROOT_OS_TIME_DELTA % 8 == 0,
	       "os time delta: an aligned u64 in the shared bits");
_Static_assert(IN_SHARED_BITS(ROOT_KERNEL_NOTE, KERNEL_NOTE_BYTES) &&
		       ROOT_KERNEL_NOTE + KERNEL_NOTE_BYTES <= ROOT_VECTOR_CLOCK,
	       "kernel note: in the shared bits, before the vector clock");
_Static_assert(IN_SHARED_BITS(ROOT_VECTOR_CLOCK, 8 * ROOT_VECTOR_SLOTS) &&
		       ROOT_VECTOR_CLOCK % 8 == 0,
	       "vector clock: aligned u64s in the shared bits");
_Static_assert(ROOT_VECTOR_SLOTS >= MAGMA_MAX_HARTS, "a vector-clock slot for every hart");

/*
 * In order: is it a range of the root at all (BAD_OFFSET), does its first
 * byte lie in a field this hart may write (DENIED), and does it fit that
 * field's shape (BAD_OFFSET). len is 64-bit and offset + len is never
 * formed before len is known to be small.
 */
int mbox_acl_check(uint32_t offset, uint64_t len, uint32_t hart)
{
	if (len == 0 || offset >= MAGMA_ROOT_SIZE || len > MAGMA_ROOT_SIZE - offset)
		return MBOX_ERR_BAD_OFFSET;

	for (size_t i = 0; i < sizeof acl_fields / sizeof acl_fields[0]; i++) {
		const struct acl_field *f = &acl_fields[i];
		if (offset < f->offset || offset - f->offset >= f->size_bytes)
			continue;

		/* The write starts in f: narrow f to the one element it may touch. */
		uint32_t start = f->offset, size = f->size_bytes;
		if (f->shape == ACL_U64_PER_HART) {
			uint32_t element = (offset - f->offset) / 8;
			if (element != hart)
				return MBOX_ERR_DENIED;
			start = f->offset + 8 * element;
			size = 8;
		}
		if (len > start + size - offset)
			return MBOX_ERR_BAD_OFFSET; /* runs past the field's end */
		if (f->shape != ACL_BYTES && (offset != start || len != 8))
			return MBOX_ERR_BAD_OFFSET; /* part of a u64 */
		return 0;
	}
	return MBOX_ERR_DENIED;
}

int mbox_slot_stats_acl(uint32_t slot, uint32_t hart)
{
	// LAB(guard) begin
	if (slot >= MBOX_MAX_SLOTS)
		return MBOX_ERR_BAD_OFFSET;
	return slot == hart ? 0 : MBOX_ERR_DENIED;
	// LAB(guard) stub
	// /* TODO(lab guard): a hart may ask about its own slot only (labs/guard/README.md). */
	// (void)slot;
	// (void)hart;
	// return MBOX_ERR_DENIED;
	// LAB(guard) end
}
