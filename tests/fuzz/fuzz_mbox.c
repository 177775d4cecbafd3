/*
 * tests/fuzz/fuzz_mbox.c - libFuzzer target: input bytes as a mailbox
 * request, a session key, the last sequence number and a root write.
 *
 * Input: offset (u32), len (u64), hart (u32), last_seq (u64), the key, then a
 * struct mbox_request (copied into a buffer of exactly its size, so
 * AddressSanitizer stops any read past it); missing bytes read as 0, all
 * little-endian. Checked against models written here:
 *   parse    accepts exactly the shapes lib/mbox.h describes, and refuses
 *            with one of its three codes; bytes past payload_len never matter;
 *   tag      equals HMAC-SHA256 over the serialisation written out here;
 *            covers the last used payload byte and the key, not the next byte;
 *   verify   accepts the tag just computed iff seq > last_seq, refuses any
 *            other tag with BAD_TAG whatever the seq;
 *   acl      gives the model's answer for (offset, len, hart), as read and
 *            narrowed to the root's first 1 KiB, and never allows a byte of
 *            the protected bits or outside the three kernel-writable fields.
 *
 * `make fuzz` builds it with the sources of mm/ and lib/ (less lib/string.c:
 * the host has its own) and runs it; or: build/fuzz/fuzz_mbox -max_total_time=60
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/hmac_sha256.h"
#include "../../lib/mbox.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "../mbox_raw_key.h"
struct input {
	const uint8_t *next;
	size_t left;
};

static void take(struct input *in, void *out, size_t n)
{
	uint8_t *o = out;
	for (size_t i = 0; i < n; i++) {
		o[i] = in->left ? *in->next++ : 0;
		if (in->left)
			in->left--;
	}
}

static uint64_t take_u64(struct input *in, int nbytes)
{
	uint8_t b[8] = { 0 };
	take(in, b, (size_t)nbytes);
	uint64_t v = 0;
	for (int i = nbytes - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

#define ASSERT(cond)                                                                          \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_mbox: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                              \
		}                                                                             \
	} while (0)

/* --- parse --- */

static bool model_accepts(const struct mbox_request *r)
{
	uint16_t n = r->payload_len;
	switch (r->op) {
	case MBOX_OP_OPEN:
		if (n < 1 || n > MBOX_NAME_BYTES || r->arg0 || r->arg1)
			return false;
		for (uint16_t i = 0; i < n; i++) {
			if (r->payload[i] < ' ' || r->payload[i] > '~')
				return false;
		}
		return true;
	case MBOX_OP_KEY_READ:
	case MBOX_OP_STATUS:
	case MBOX_OP_SCAN:
	case MBOX_OP_CLOSE: return n == 0 && r->arg0 == 0 && r->arg1 == 0;
	case MBOX_OP_PING: return n == 0 && r->arg0 == 0;
	case MBOX_OP_WRITE_ROOT: return n >= 1 && n <= MBOX_PAYLOAD_BYTES && r->arg1 == n;
	case MBOX_OP_INCIDENTS: return n == 0 && r->arg1 == 0;
	default: return false;
	}
}

static void check_parse(struct mbox_request *req)
{
	int rc = mbox_parse_request(req);
	ASSERT(rc == 0 || rc == MBOX_ERR_MALFORMED || rc == MBOX_ERR_UNKNOWN_OP ||
	       rc == MBOX_ERR_BAD_LENGTH);
	ASSERT((rc == 0) == model_accepts(req));
	bool known = req->op >= MBOX_OP_OPEN && req->op < MBOX_OP_COUNT;
	ASSERT((rc == MBOX_ERR_UNKNOWN_OP) == !known);
	if (known && req->payload_len > MBOX_PAYLOAD_BYTES)
		ASSERT(rc == MBOX_ERR_MALFORMED);
	if (rc == 0)
		ASSERT(req->payload_len <= MBOX_PAYLOAD_BYTES);

	/* The bytes past payload_len are not part of the request. */
	if (req->payload_len < MBOX_PAYLOAD_BYTES) {
		req->payload[req->payload_len] ^= 0xff;
		ASSERT(mbox_parse_request(req) == rc);
		req->payload[req->payload_len] ^= 0xff;
	}
}

/* --- tag and verify --- */

static void put_le(uint8_t *p, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The tag as lib/mbox.h defines it, the payload clamped to its buffer. */
static void model_tag(const uint8_t *key, const struct mbox_request *r, uint8_t *tag)
{
	static uint8_t msg[24 + MBOX_PAYLOAD_BYTES];
	size_t n = r->payload_len < MBOX_PAYLOAD_BYTES ? r->payload_len : MBOX_PAYLOAD_BYTES;
	put_le(msg + 0, r->seq, 8);
	put_le(msg + 8, r->op, 2);
	put_le(msg + 10, r->payload_len, 2);
	put_le(msg + 12, r->arg0, 4);
	put_le(msg + 16, r->arg1, 8);
	memcpy(msg + 24, r->payload, n);
	uint8_t mac[HMAC_SHA256_BYTES];
	hmac_sha256(key, MBOX_KEY_BYTES, msg, 24 + n, mac);
	memcpy(tag, mac, MBOX_TAG_BYTES);
}

static bool tag_equals(const uint8_t *key, const struct mbox_request *r, const uint8_t *want)
{
	uint8_t tag[MBOX_TAG_BYTES];
	tag_with(key, r, tag);
	return memcmp(tag, want, MBOX_TAG_BYTES) == 0;
}

static void check_tag(uint8_t *key, uint64_t last_seq, struct mbox_request *req)
{
	uint8_t tag[MBOX_TAG_BYTES], want[MBOX_TAG_BYTES];
	tag_with(key, req, tag);
	model_tag(key, req, want);
	ASSERT(memcmp(tag, want, MBOX_TAG_BYTES) == 0);

	/* The request's own tag, as the kernel wrote it. */
	bool tag_right = memcmp(req->tag, tag, MBOX_TAG_BYTES) == 0;
	int rc = verify_with(key, last_seq, req);
	ASSERT(rc == (!tag_right ? MBOX_ERR_BAD_TAG : req->seq > last_seq ? 0 : MBOX_ERR_REPLAY));

	/* The right tag: only the sequence number decides. */
	uint8_t kernel_tag[MBOX_TAG_BYTES];
	memcpy(kernel_tag, req->tag, MBOX_TAG_BYTES);
	memcpy(req->tag, tag, MBOX_TAG_BYTES);
	ASSERT(verify_with(key, last_seq, req) == (req->seq > last_seq ? 0 : MBOX_ERR_REPLAY));
	if (mbox_parse_request(req) == 0 && req->seq > last_seq)
		ASSERT(verify_with(key, last_seq, req) == 0);

	/* One wrong tag byte: BAD_TAG, before any replay check. */
	size_t i = (size_t)(req->seq % MBOX_TAG_BYTES);
	req->tag[i] ^= (uint8_t)(1u << (last_seq % 8));
	ASSERT(verify_with(key, last_seq, req) == MBOX_ERR_BAD_TAG);
	req->tag[i] ^= (uint8_t)(1u << (last_seq % 8));

	/* The last covered payload byte counts; the next one does not. */
	size_t used = req->payload_len < MBOX_PAYLOAD_BYTES ? req->payload_len : MBOX_PAYLOAD_BYTES;
	if (used > 0) {
		req->payload[used - 1] ^= 0x01;
		ASSERT(verify_with(key, last_seq, req) == MBOX_ERR_BAD_TAG);
		req->payload[used - 1] ^= 0x01;
	}
	if (req->payload_len < MBOX_PAYLOAD_BYTES) {
		req->payload[used] ^= 0xff;
		ASSERT(tag_equals(key, req, tag));
		req->payload[used] ^= 0xff;
	}

	/* Another key. */
	key[last_seq % MBOX_KEY_BYTES] ^= 0x80;
	ASSERT(verify_with(key, last_seq, req) == MBOX_ERR_BAD_TAG);
	key[last_seq % MBOX_KEY_BYTES] ^= 0x80;

	memcpy(req->tag, kernel_tag, MBOX_TAG_BYTES);
}

/* --- the access list --- */

enum { FIELD_DENIED, FIELD_DELTA, FIELD_NOTE, FIELD_OWN_SLOT };

/* Which writable field root byte b belongs to, for hart, and its extent. */
static int model_field(uint32_t b, uint32_t hart, uint32_t *start, uint32_t *end)
{
	if (b >= ROOT_OS_TIME_DELTA && b < ROOT_OS_TIME_DELTA + 8) {
		*start = ROOT_OS_TIME_DELTA;
		*end = ROOT_OS_TIME_DELTA + 8;
		return FIELD_DELTA;
	}
	if (b >= ROOT_KERNEL_NOTE && b < ROOT_KERNEL_NOTE + 64) {
		*start = ROOT_KERNEL_NOTE;
		*end = ROOT_KERNEL_NOTE + 64;
		return FIELD_NOTE;
	}
	if (hart < ROOT_VECTOR_SLOTS && b >= ROOT_VECTOR_CLOCK + 8 * hart &&
	    b < ROOT_VECTOR_CLOCK + 8 * hart + 8) {
		*start = ROOT_VECTOR_CLOCK + 8 * hart;
		*end = *start + 8;
		return FIELD_OWN_SLOT;
	}
	return FIELD_DENIED;
}

static int model_acl(uint32_t offset, uint64_t len, uint32_t hart)
{
	if (len == 0 || offset >= MAGMA_ROOT_SIZE || len > MAGMA_ROOT_SIZE ||
	    offset + len > MAGMA_ROOT_SIZE)
		return MBOX_ERR_BAD_OFFSET;
	uint32_t start, end;
	int field = model_field(offset, hart, &start, &end);
	if (field == FIELD_DENIED)
		return MBOX_ERR_DENIED;
	if (offset + len > end)
		return MBOX_ERR_BAD_OFFSET;
	if (field != FIELD_NOTE && (offset != start || len != 8))
		return MBOX_ERR_BAD_OFFSET;
	return 0;
}

static void check_acl(uint32_t offset, uint64_t len, uint32_t hart)
{
	int rc = mbox_acl_check(offset, len, hart);
	ASSERT(rc == 0 || rc == MBOX_ERR_DENIED || rc == MBOX_ERR_BAD_OFFSET);
	ASSERT(rc == model_acl(offset, len, hart));
	if (rc != 0)
		return;
	ASSERT(offset >= ROOT_PROTECTED_BASE + ROOT_PROTECTED_SIZE);
	ASSERT(len >= 1 && len <= MAGMA_ROOT_SIZE - offset);
	uint32_t start, end;
	int field = model_field(offset, hart, &start, &end);
	ASSERT(field != FIELD_DENIED && offset + len <= end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The small fields first, so short inputs already probe the access list. */
	struct input in = { data, size };
	uint32_t offset = (uint32_t)take_u64(&in, 4);
	uint64_t len = take_u64(&in, 8);
	uint32_t hart = (uint32_t)take_u64(&in, 4);
	uint64_t last_seq = take_u64(&in, 8);
	uint8_t key[MBOX_KEY_BYTES];
	take(&in, key, sizeof key);
	struct mbox_request *req = malloc(sizeof *req);
	take(&in, req, sizeof *req);

	check_parse(req);
	check_tag(key, last_seq, req);
	check_acl(offset, len, hart);
	/* The same write narrowed to where the fields are, so most runs probe them. */
	check_acl(offset % 0x400, len % 80, hart % (ROOT_VECTOR_SLOTS + 2));

	free(req);
	return 0;
}
