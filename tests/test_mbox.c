/*
 * tests/test_mbox.c - host tests for lib/mbox: request shapes, tags,
 * sequence numbers and the root access list.
 *
 * The tag's known answers were computed outside magma (Python's hmac module
 * over the serialisation the header describes), and again here with
 * hmac_sha256 over bytes written out by hand, so neither lib/mbox's
 * serialisation nor lib/hmac_sha256 checks itself. The access list is tested
 * field by field, and then swept over every offset of the root against an
 * independent description of what the kernel may write.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../lib/hmac_sha256.h"
#include "../lib/mbox.h"
#include "../include/layout.h"
#include "../include/root.h"
#include "check.h"
#include "mbox_raw_key.h"

static const int all_errors[MBOX_ERR_KINDS] = {
	MBOX_ERR_MALFORMED,  MBOX_ERR_UNKNOWN_OP,   MBOX_ERR_BAD_TAG,    MBOX_ERR_REPLAY,
	MBOX_ERR_DENIED,     MBOX_ERR_BAD_OFFSET,   MBOX_ERR_NO_SESSION, MBOX_ERR_NAME_TAKEN,
	MBOX_ERR_BAD_LENGTH, MBOX_ERR_SESSION_LIVE, MBOX_ERR_NO_ENTROPY,
};

static const uint8_t test_key[MBOX_KEY_BYTES] = {
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
	0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55,
	0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
};

/* A request with every byte set to fill first, so no field is zero by luck. */
static struct mbox_request request(uint16_t op, uint64_t seq, uint16_t payload_len, uint32_t arg0,
				   uint64_t arg1, uint8_t fill)
{
	struct mbox_request r;
	memset(&r, fill, sizeof r);
	r.op = op;
	r.seq = seq;
	r.payload_len = payload_len;
	r.arg0 = arg0;
	r.arg1 = arg1;
	return r;
}

static struct mbox_request open_request(const char *name)
{
	struct mbox_request r = request(MBOX_OP_OPEN, 0, (uint16_t)strlen(name), 0, 0, 0xa5);
	memcpy(r.payload, name, strlen(name));
	return r;
}

/* A well-formed WRITE_ROOT of 8 bytes at the OS time delta, tagged with test_key. */
static struct mbox_request tagged_write(uint64_t seq)
{
	struct mbox_request r = request(MBOX_OP_WRITE_ROOT, seq, 8, ROOT_OS_TIME_DELTA, 8, 0x3c);
	for (int i = 0; i < 8; i++)
		r.payload[i] = (uint8_t)(0x11 * (i + 1));
	tag_with(test_key, &r, r.tag);
	return r;
}

static bool tag_is(const struct mbox_request *r, const uint8_t want[MBOX_TAG_BYTES])
{
	uint8_t tag[MBOX_TAG_BYTES];
	tag_with(test_key, r, tag);
	return memcmp(tag, want, MBOX_TAG_BYTES) == 0;
}

static void hex_decode(uint8_t *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* --- layout --- */

TEST(layout_fits)
{
	CHECK(sizeof(struct mbox_slot) <= MBOX_SLOT_BYTES);
	CHECK(MBOX_HEADER + sizeof(struct mbox_header) <= MBOX_SLOTS);
	CHECK(MBOX_SLOTS + MBOX_MAX_SLOTS * MBOX_SLOT_BYTES <= MBOX_RING);
	CHECK(MBOX_RING < MAGMA_MAILBOX_SIZE);
	CHECK(MBOX_MAX_SLOTS >= MAGMA_MAX_HARTS);
	/* The wire layout has no padding the kernel could hide bytes in. */
	CHECK_EQ(offsetof(struct mbox_request, seq), 0);
	CHECK_EQ(offsetof(struct mbox_request, op), 8);
	CHECK_EQ(offsetof(struct mbox_request, payload_len), 10);
	CHECK_EQ(offsetof(struct mbox_request, arg0), 12);
	CHECK_EQ(offsetof(struct mbox_request, arg1), 16);
	CHECK_EQ(offsetof(struct mbox_request, tag), 24);
	CHECK_EQ(offsetof(struct mbox_request, payload), 40);
	CHECK_EQ(sizeof(struct mbox_request), 40 + MBOX_PAYLOAD_BYTES);
	/* One u32 refusal counter per kind, before the kernel note. */
	CHECK(MBOX_ERR_KINDS <= ROOT_ERR_COUNTERS_MAX);
	CHECK(ROOT_ERR_COUNTERS + 4 * ROOT_ERR_COUNTERS_MAX <= ROOT_KERNEL_NOTE);
}

/* --- error codes --- */

TEST(error_codes_distinct)
{
	int seen_index[MBOX_ERR_KINDS] = { 0 };
	for (int i = 0; i < MBOX_ERR_KINDS; i++) {
		int err = all_errors[i];
		CHECK(err < 0);
		CHECK(strcmp(mbox_strerror(err), "unknown error") != 0);
		CHECK(strcmp(mbox_strerror(err), mbox_strerror(0)) != 0);
		for (int j = 0; j < i; j++) {
			CHECK(all_errors[j] != err);
			CHECK(strcmp(mbox_strerror(all_errors[j]), mbox_strerror(err)) != 0);
		}
		int idx = mbox_error_index(err);
		CHECK(idx >= 0 && idx < MBOX_ERR_KINDS);
		if (idx >= 0 && idx < MBOX_ERR_KINDS)
			seen_index[idx]++;
	}
	for (int i = 0; i < MBOX_ERR_KINDS; i++)
		CHECK_EQ(seen_index[i], 1);
	CHECK_EQ(mbox_error_index(MBOX_ERR_MALFORMED), 0);
	CHECK_EQ(mbox_error_index(MBOX_ERR_NO_ENTROPY), MBOX_ERR_KINDS - 1);
	/* Client-side outcomes have names but no refusal counter. */
	CHECK_EQ(mbox_error_index(MBOX_ERR_TIMEOUT), -1);
	CHECK_EQ(mbox_error_index(MBOX_ERR_STALE_REPLY), -1);
	for (int err = -1; err >= MBOX_ERR_LAST; err--)
		CHECK(strcmp(mbox_strerror(err), "unknown error") != 0);
	for (int a = -1; a >= MBOX_ERR_LAST; a--) {
		for (int b = a - 1; b >= MBOX_ERR_LAST; b--)
			CHECK(strcmp(mbox_strerror(a), mbox_strerror(b)) != 0);
	}
	CHECK_EQ(mbox_error_index(0), -1);
	CHECK_EQ(mbox_error_index(1), -1);
	CHECK_EQ(mbox_error_index(-MBOX_ERR_KINDS - 1), -1);
	CHECK(strcmp(mbox_strerror(MBOX_ERR_LAST - 1), "unknown error") == 0);
	CHECK_EQ(mbox_error_index(-2147483647 - 1), -1);
	CHECK(strcmp(mbox_strerror(1), "unknown error") == 0);
}

/* --- request shapes --- */

TEST(parse_ops)
{
	struct mbox_request r = request(0, 1, 0, 0, 0, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_UNKNOWN_OP);
	r.op = MBOX_OP_COUNT;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_UNKNOWN_OP);
	r.op = 0xffff;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_UNKNOWN_OP);
	r.op = 0x100 | MBOX_OP_PING; /* a known op in the low byte only */
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_UNKNOWN_OP);

	/* One valid request of each op. */
	struct mbox_request ok[] = {
		open_request("hart0"),
		request(MBOX_OP_KEY_READ, 1, 0, 0, 0, 0x77),
		request(MBOX_OP_PING, 2, 0, 0, 0x0123456789abcdefull, 0x77),
		request(MBOX_OP_STATUS, 3, 0, 0, 0, 0x77),
		request(MBOX_OP_WRITE_ROOT, 4, 8, ROOT_OS_TIME_DELTA, 8, 0x77),
		request(MBOX_OP_SCAN, 5, 0, 0, 0, 0x77),
		request(MBOX_OP_INCIDENTS, 6, 0, 3, 0, 0x77),
		request(MBOX_OP_CLOSE, 7, 0, 0, 0, 0x77),
		request(MBOX_OP_SLOT_STATS, 8, 0, 2, 0, 0x77),
	};
	CHECK_EQ(sizeof ok / sizeof ok[0], MBOX_OP_COUNT - 1);
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK_EQ(ok[i].op, i + 1);
		CHECK_EQ(mbox_parse_request(&ok[i]), 0);
		/* payload_len past the buffer is malformed whatever the op. */
		ok[i].payload_len = MBOX_PAYLOAD_BYTES + 1;
		CHECK_EQ(mbox_parse_request(&ok[i]), MBOX_ERR_MALFORMED);
		ok[i].payload_len = 0xffff;
		CHECK_EQ(mbox_parse_request(&ok[i]), MBOX_ERR_MALFORMED);
	}
}

TEST(parse_open)
{
	char name[MBOX_NAME_BYTES + 2];
	memset(name, 'n', sizeof name);
	name[MBOX_NAME_BYTES] = '\0';
	struct mbox_request r = open_request(name); /* the longest name */
	CHECK_EQ(mbox_parse_request(&r), 0);
	r.payload_len = MBOX_NAME_BYTES + 1;
	r.payload[MBOX_NAME_BYTES] = 'n';
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	r.payload_len = MBOX_PAYLOAD_BYTES;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	r.payload_len = 0;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	r.payload_len = 1;
	CHECK_EQ(mbox_parse_request(&r), 0);

	/* Every printable byte at the first and the last position; nothing else. */
	for (int c = 0; c < 256; c++) {
		bool printable = c >= 0x20 && c <= 0x7e;
		r = open_request("name-of-hart-7");
		r.payload[0] = (uint8_t)c;
		CHECK_EQ(mbox_parse_request(&r), printable ? 0 : MBOX_ERR_MALFORMED);
		r = open_request("name-of-hart-7");
		r.payload[r.payload_len - 1] = (uint8_t)c;
		CHECK_EQ(mbox_parse_request(&r), printable ? 0 : MBOX_ERR_MALFORMED);
	}
	r = open_request("a b~");
	CHECK_EQ(mbox_parse_request(&r), 0);

	/* Bytes past the name are not looked at. */
	r = open_request("k");
	r.payload[1] = '\0';
	r.payload[2] = 0xff;
	CHECK_EQ(mbox_parse_request(&r), 0);

	/* A seq makes it a signed re-open: the shape is the same. */
	r = open_request("k");
	r.seq = 1;
	CHECK_EQ(mbox_parse_request(&r), 0);
	r.seq = 1ull << 63;
	CHECK_EQ(mbox_parse_request(&r), 0);
	/* Reserved fields. */
	r = open_request("k");
	r.arg0 = 1;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r = open_request("k");
	r.arg1 = 1ull << 40;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
}

/* KEY_READ, STATUS and SCAN: no payload, no arguments, any seq. */
TEST(parse_bare_ops)
{
	static const uint16_t ops[] = { MBOX_OP_KEY_READ, MBOX_OP_STATUS, MBOX_OP_SCAN };
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		struct mbox_request r = request(ops[i], UINT64_MAX, 0, 0, 0, 0xee);
		CHECK_EQ(mbox_parse_request(&r), 0); /* garbage in the unused payload */
		r.payload_len = 1;
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
		r.payload_len = MBOX_PAYLOAD_BYTES;
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
		r = request(ops[i], 1, 0, 0x80000000u, 0, 0);
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
		r = request(ops[i], 1, 0, 0, 1, 0);
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
		r = request(ops[i], 1, 0, 0, 1ull << 63, 0);
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	}
}

TEST(parse_ping)
{
	static const uint64_t echoes[] = { 0, 1, 0xffffffffull, 1ull << 32, UINT64_MAX };
	for (size_t i = 0; i < sizeof echoes / sizeof echoes[0]; i++) {
		struct mbox_request r = request(MBOX_OP_PING, 9, 0, 0, echoes[i], 0xee);
		CHECK_EQ(mbox_parse_request(&r), 0);
	}
	struct mbox_request r = request(MBOX_OP_PING, 9, 0, 1, 0, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r = request(MBOX_OP_PING, 9, 1, 0, 0, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
}

TEST(parse_write_root)
{
	static const uint16_t lens[] = { 1, 8, 64, MBOX_PAYLOAD_BYTES };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct mbox_request r = request(MBOX_OP_WRITE_ROOT, 1, lens[i], 0, lens[i], 0);
		CHECK_EQ(mbox_parse_request(&r), 0);
		r.arg0 = UINT32_MAX; /* the offset is the access list's to judge */
		CHECK_EQ(mbox_parse_request(&r), 0);
		r.arg1 = lens[i] + 1u;
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
		r.arg1 = lens[i] - 1u;
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
		r.arg1 = (1ull << 32) | lens[i]; /* equal in the low 32 bits only */
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
		r.arg1 = (1ull << 16) | lens[i]; /* equal as a u16 only */
		CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	}
	struct mbox_request r = request(MBOX_OP_WRITE_ROOT, 1, 0, ROOT_KERNEL_NOTE, 0, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	r = request(MBOX_OP_WRITE_ROOT, 1, MBOX_PAYLOAD_BYTES + 1, 0, MBOX_PAYLOAD_BYTES + 1, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r = request(MBOX_OP_WRITE_ROOT, 1, 8, 0, UINT64_MAX, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
}

TEST(parse_incidents)
{
	struct mbox_request r = request(MBOX_OP_INCIDENTS, 1, 0, 0, 0, 0xee);
	CHECK_EQ(mbox_parse_request(&r), 0);
	r.arg0 = UINT32_MAX;
	CHECK_EQ(mbox_parse_request(&r), 0);
	r.arg1 = 1;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r.arg1 = 1ull << 63;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r = request(MBOX_OP_INCIDENTS, 1, 4, 0, 0, 0);
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
}

/* --- tags --- */

TEST(tag_known_answers)
{
	/* WRITE_ROOT seq 0x0102030405060708, 8 bytes at 0x110. */
	struct mbox_request r =
		request(MBOX_OP_WRITE_ROOT, 0x0102030405060708ull, 8, 0x110, 8, 0x99);
	static const uint8_t payload[8] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67 };
	memcpy(r.payload, payload, sizeof payload);
	uint8_t want[MBOX_TAG_BYTES];
	hex_decode(want, "b8e4f474b422f9e4700ecd95be547064"); /* Python hmac */
	CHECK(tag_is(&r, want));

	/* The same message written out by hand, MACed directly. */
	static const uint8_t message[] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* seq */
		0x05, 0x00,                                     /* op */
		0x08, 0x00,                                     /* payload_len */
		0x10, 0x01, 0x00, 0x00,                         /* arg0 */
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* arg1 */
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67, /* payload */
	};
	uint8_t mac[HMAC_SHA256_BYTES];
	hmac_sha256(test_key, sizeof test_key, message, sizeof message, mac);
	CHECK(memcmp(mac, want, MBOX_TAG_BYTES) == 0);

	/* OPEN "hart0" (seq 0, no arguments). */
	r = open_request("hart0");
	hex_decode(want, "7a9d08b1f50fcc37c1641fd1a6f8a3a6");
	CHECK(tag_is(&r, want));
}

TEST(tag_covers_every_field)
{
	const struct mbox_request base = tagged_write(0x8877665544332211ull);
	CHECK_EQ(verify_with(test_key, 0, &base), 0);

	/* Flip one bit in each byte of each covered header field. */
	static const struct {
		size_t offset, size;
	} fields[] = {
		{ offsetof(struct mbox_request, seq), 8 },
		{ offsetof(struct mbox_request, op), 2 },
		{ offsetof(struct mbox_request, payload_len), 2 },
		{ offsetof(struct mbox_request, arg0), 4 },
		{ offsetof(struct mbox_request, arg1), 8 },
		{ offsetof(struct mbox_request, payload), 8 }, /* the used payload */
	};
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		for (size_t i = 0; i < fields[f].size; i++) {
			for (int bit = 0; bit < 8; bit += 7) {
				struct mbox_request r = base;
				((uint8_t *)&r)[fields[f].offset + i] ^= (uint8_t)(1u << bit);
				CHECK(!tag_is(&r, base.tag));
				/* seq only grows here, so the tag is what fails. */
				CHECK_EQ(verify_with(test_key, 0, &r), MBOX_ERR_BAD_TAG);
			}
		}
	}
	/* Another key. */
	for (int i = 0; i < MBOX_KEY_BYTES; i++) {
		uint8_t key[MBOX_KEY_BYTES];
		memcpy(key, test_key, sizeof key);
		key[i] ^= 0x80;
		CHECK_EQ(verify_with(key, 0, &base), MBOX_ERR_BAD_TAG);
	}
	/* A tag wrong in any one byte, including the last. */
	for (int i = 0; i < MBOX_TAG_BYTES; i++) {
		struct mbox_request r = base;
		r.tag[i] ^= 0x01;
		CHECK_EQ(verify_with(test_key, 0, &r), MBOX_ERR_BAD_TAG);
	}
}

TEST(tag_ignores_uncovered_bytes)
{
	const struct mbox_request base = tagged_write(5);
	for (size_t i = base.payload_len; i < MBOX_PAYLOAD_BYTES; i++) {
		struct mbox_request r = base;
		r.payload[i] ^= 0xff;
		CHECK(tag_is(&r, base.tag));
		CHECK_EQ(verify_with(test_key, 4, &r), 0);
	}
	/* The tag field is not part of its own message. */
	struct mbox_request r = base;
	memset(r.tag, 0, sizeof r.tag);
	CHECK(tag_is(&r, base.tag));
	/* A full payload is covered to its last byte. */
	r = request(MBOX_OP_WRITE_ROOT, 6, MBOX_PAYLOAD_BYTES, ROOT_KERNEL_NOTE, MBOX_PAYLOAD_BYTES,
		    0x42);
	tag_with(test_key, &r, r.tag);
	r.payload[MBOX_PAYLOAD_BYTES - 1] ^= 1;
	CHECK_EQ(verify_with(test_key, 5, &r), MBOX_ERR_BAD_TAG);
}

/* A request parse would refuse must still be tagged without reading past it. */
TEST(tag_oversized_payload_len_stays_in_bounds)
{
	struct mbox_request *r = malloc(sizeof *r); /* exact size: ASan sees any overread */
	*r = request(MBOX_OP_WRITE_ROOT, 7, 0xffff, 0, 0xffff, 0x5a);
	CHECK_EQ(mbox_parse_request(r), MBOX_ERR_MALFORMED);
	tag_with(test_key, r, r->tag);
	CHECK_EQ(verify_with(test_key, 6, r), 0);
	r->payload_len = MBOX_PAYLOAD_BYTES; /* payload_len is still covered */
	CHECK_EQ(verify_with(test_key, 6, r), MBOX_ERR_BAD_TAG);
	free(r);
}

/* --- sequence numbers --- */

TEST(verify_refuses_replays)
{
	struct mbox_request r = tagged_write(10);
	CHECK_EQ(verify_with(test_key, 10, &r), MBOX_ERR_REPLAY);
	CHECK_EQ(verify_with(test_key, 11, &r), MBOX_ERR_REPLAY);
	CHECK_EQ(verify_with(test_key, UINT64_MAX, &r), MBOX_ERR_REPLAY);
	CHECK_EQ(verify_with(test_key, 9, &r), 0);
	CHECK_EQ(verify_with(test_key, 0, &r), 0);
	r = tagged_write(0); /* seq 0 belongs to OPEN: never above a last */
	CHECK_EQ(verify_with(test_key, 0, &r), MBOX_ERR_REPLAY);
	r = tagged_write(UINT64_MAX);
	CHECK_EQ(verify_with(test_key, UINT64_MAX - 1, &r), 0);
	CHECK_EQ(verify_with(test_key, UINT64_MAX, &r), MBOX_ERR_REPLAY);
	r = tagged_write(1ull << 32); /* compared as 64-bit numbers */
	CHECK_EQ(verify_with(test_key, (1ull << 32) - 1, &r), 0);
	CHECK_EQ(verify_with(test_key, (1ull << 32) + 1, &r), MBOX_ERR_REPLAY);
}

TEST(verify_checks_tag_before_replay)
{
	struct mbox_request r = tagged_write(10);
	r.tag[MBOX_TAG_BYTES - 1] ^= 0x40;
	CHECK_EQ(verify_with(test_key, 10, &r), MBOX_ERR_BAD_TAG);
	CHECK_EQ(verify_with(test_key, 20, &r), MBOX_ERR_BAD_TAG);
	CHECK_EQ(verify_with(test_key, 9, &r), MBOX_ERR_BAD_TAG);
	/* A replay with its seq bumped is a forgery, not a fresh request. */
	r = tagged_write(10);
	r.seq = 11;
	CHECK_EQ(verify_with(test_key, 10, &r), MBOX_ERR_BAD_TAG);
}

/* --- the access list --- */

#define NHARTS ROOT_VECTOR_SLOTS

TEST(acl_protected_bits_denied)
{
	for (uint32_t hart = 0; hart < NHARTS; hart++) {
		for (uint32_t off = ROOT_PROTECTED_BASE; off < ROOT_PROTECTED_SIZE; off++) {
			CHECK_EQ(mbox_acl_check(off, 1, hart), MBOX_ERR_DENIED);
			CHECK_EQ(mbox_acl_check(off, 8, hart), MBOX_ERR_DENIED);
			CHECK_EQ(mbox_acl_check(off, 64, hart), MBOX_ERR_DENIED);
		}
		CHECK_EQ(mbox_acl_check(0, ROOT_PROTECTED_SIZE, hart), MBOX_ERR_DENIED);
		CHECK_EQ(mbox_acl_check(0, MAGMA_ROOT_SIZE, hart), MBOX_ERR_DENIED);
		/* Running from the protected bits into a writable field. */
		CHECK_EQ(mbox_acl_check(ROOT_PROTECTED_SIZE - 1, ROOT_OS_TIME_DELTA, hart),
			 MBOX_ERR_DENIED);
	}
}

TEST(acl_counters_denied)
{
	static const uint32_t u64_fields[] = {
		ROOT_INITIAL_TIME,   ROOT_MICRO_TICKS,    ROOT_MASTER_TICKS, ROOT_SCAN_COUNT,
		ROOT_INCIDENT_COUNT, ROOT_LAST_SCAN_TIME, ROOT_HEARTBEAT,    ROOT_REQUESTS_OK,
	};
	for (uint32_t hart = 0; hart <= NHARTS; hart++) {
		CHECK_EQ(mbox_acl_check(ROOT_REGISTERED_HARTS, 4, hart), MBOX_ERR_DENIED);
		for (size_t i = 0; i < sizeof u64_fields / sizeof u64_fields[0]; i++) {
			for (uint32_t len = 1; len <= 8; len++)
				CHECK_EQ(mbox_acl_check(u64_fields[i], len, hart), MBOX_ERR_DENIED);
		}
		for (uint32_t i = 0; i < ROOT_ERR_COUNTERS_MAX; i++)
			CHECK_EQ(mbox_acl_check(ROOT_ERR_COUNTERS + 4 * i, 4, hart),
				 MBOX_ERR_DENIED);
		/* Every byte of the shared bits outside the three writable fields. */
		for (uint32_t off = ROOT_SHARED_BASE; off < ROOT_SHARED_BASE + ROOT_SHARED_SIZE;
		     off++) {
			bool writable =
				(off >= ROOT_OS_TIME_DELTA && off < ROOT_OS_TIME_DELTA + 8) ||
				(off >= ROOT_KERNEL_NOTE && off < ROOT_KERNEL_NOTE + 64) ||
				(off >= ROOT_VECTOR_CLOCK &&
				 off < ROOT_VECTOR_CLOCK + 8 * ROOT_VECTOR_SLOTS);
			if (!writable)
				CHECK_EQ(mbox_acl_check(off, 1, hart), MBOX_ERR_DENIED);
		}
	}
}

TEST(acl_os_time_delta)
{
	for (uint32_t hart = 0; hart <= NHARTS; hart++) {
		for (uint64_t len = 1; len <= 16; len++)
			CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA, len, hart),
				 len == 8 ? 0 : MBOX_ERR_BAD_OFFSET);
		for (uint32_t mis = 1; mis < 8; mis++) {
			for (uint64_t len = 1; len <= 16; len++)
				CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA + mis, len, hart),
					 MBOX_ERR_BAD_OFFSET);
		}
		/* Starting in the neighbours is not a write to the delta. */
		CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA - 1, 8, hart), MBOX_ERR_DENIED);
		CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA - 8, 16, hart), MBOX_ERR_DENIED);
		CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA + 8, 8, hart), MBOX_ERR_DENIED);
	}
}

TEST(acl_kernel_note)
{
	const uint32_t note = ROOT_KERNEL_NOTE, end = ROOT_KERNEL_NOTE + 64;
	for (uint32_t off = note; off < end; off++) {
		for (uint64_t len = 1; len <= 80; len++)
			CHECK_EQ(mbox_acl_check(off, len, 0),
				 off + len <= end ? 0 : MBOX_ERR_BAD_OFFSET);
	}
	CHECK_EQ(mbox_acl_check(note, 64, NHARTS + 5), 0); /* not tied to a hart */
	CHECK_EQ(mbox_acl_check(note, 65, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(end - 1, 2, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(note - 1, 1, 0), MBOX_ERR_DENIED);
	CHECK_EQ(mbox_acl_check(note - 1, 2, 0), MBOX_ERR_DENIED);
	CHECK_EQ(mbox_acl_check(note, 0, 0), MBOX_ERR_BAD_OFFSET);
}

TEST(acl_vector_clock)
{
	for (uint32_t hart = 0; hart < NHARTS; hart++) {
		for (uint32_t slot = 0; slot < ROOT_VECTOR_SLOTS; slot++) {
			uint32_t off = ROOT_VECTOR_CLOCK + 8 * slot;
			CHECK_EQ(mbox_acl_check(off, 8, hart), slot == hart ? 0 : MBOX_ERR_DENIED);
			if (slot != hart) { /* another hart's slot, in any shape */
				CHECK_EQ(mbox_acl_check(off, 1, hart), MBOX_ERR_DENIED);
				CHECK_EQ(mbox_acl_check(off + 3, 8, hart), MBOX_ERR_DENIED);
				CHECK_EQ(mbox_acl_check(off, 16, hart), MBOX_ERR_DENIED);
			}
		}
		uint32_t own = ROOT_VECTOR_CLOCK + 8 * hart;
		for (uint64_t len = 1; len <= 16; len++) {
			if (len != 8)
				CHECK_EQ(mbox_acl_check(own, len, hart), MBOX_ERR_BAD_OFFSET);
		}
		for (uint32_t mis = 1; mis < 8; mis++) {
			CHECK_EQ(mbox_acl_check(own + mis, 8, hart), MBOX_ERR_BAD_OFFSET);
			CHECK_EQ(mbox_acl_check(own + mis, 8 - mis, hart), MBOX_ERR_BAD_OFFSET);
		}
		/* From the slot before (another hart's) into the own one. */
		if (hart > 0)
			CHECK_EQ(mbox_acl_check(own - 4, 8, hart), MBOX_ERR_DENIED);
	}
	/* A hart with no slot writes none. */
	static const uint32_t no_slot[] = { NHARTS, NHARTS + 1, 0x80000000u, UINT32_MAX };
	for (size_t i = 0; i < sizeof no_slot / sizeof no_slot[0]; i++) {
		for (uint32_t slot = 0; slot < ROOT_VECTOR_SLOTS; slot++)
			CHECK_EQ(mbox_acl_check(ROOT_VECTOR_CLOCK + 8 * slot, 8, no_slot[i]),
				 MBOX_ERR_DENIED);
	}
	CHECK_EQ(mbox_acl_check(ROOT_VECTOR_CLOCK + 8 * ROOT_VECTOR_SLOTS, 8, NHARTS),
		 MBOX_ERR_DENIED);
	CHECK_EQ(mbox_acl_check(ROOT_VECTOR_CLOCK + 8 * ROOT_VECTOR_SLOTS, 8, 0), MBOX_ERR_DENIED);
}

TEST(acl_board_tables_denied)
{
	for (uint32_t off = ROOT_BOARD_BASE; off < MAGMA_ROOT_SIZE; off++) {
		CHECK_EQ(mbox_acl_check(off, 1, 0), MBOX_ERR_DENIED);
		if (off % 8 == 0)
			CHECK_EQ(mbox_acl_check(off, 8, 1), MBOX_ERR_DENIED);
	}
	CHECK_EQ(mbox_acl_check(ROOT_BOARD_BASE, MAGMA_ROOT_SIZE - ROOT_BOARD_BASE, 0),
		 MBOX_ERR_DENIED);
}

TEST(acl_bounds)
{
	static const uint32_t offsets[] = { 0, ROOT_OS_TIME_DELTA, ROOT_KERNEL_NOTE,
					    ROOT_VECTOR_CLOCK, 0xffff };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++)
		CHECK_EQ(mbox_acl_check(offsets[i], 0, 0), MBOX_ERR_BAD_OFFSET);

	CHECK_EQ(mbox_acl_check(0xffff, 1, 0), MBOX_ERR_DENIED);
	CHECK_EQ(mbox_acl_check(0xffff, 2, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(0xfff8, 8, 0), MBOX_ERR_DENIED);
	CHECK_EQ(mbox_acl_check(0xfff9, 8, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(0x10000, 1, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(0x10110, 8, 0), MBOX_ERR_BAD_OFFSET); /* delta + 64 KiB */
	CHECK_EQ(mbox_acl_check(0, MAGMA_ROOT_SIZE + 1, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(UINT32_MAX, 1, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(UINT32_MAX, UINT64_MAX, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(UINT32_MAX - 7, 8, 0), MBOX_ERR_BAD_OFFSET);
	/* Lengths that wrap offset + len around to a small number. */
	CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA, UINT64_MAX, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(ROOT_KERNEL_NOTE, 0 - (uint64_t)ROOT_KERNEL_NOTE + 1, 0),
		 MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(ROOT_VECTOR_CLOCK, UINT64_MAX - ROOT_VECTOR_CLOCK + 9, 0),
		 MBOX_ERR_BAD_OFFSET);
	/* Lengths equal to a good one in their low 32 bits. */
	CHECK_EQ(mbox_acl_check(ROOT_OS_TIME_DELTA, (1ull << 32) | 8, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(ROOT_KERNEL_NOTE, (1ull << 32) | 1, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_acl_check(ROOT_VECTOR_CLOCK, (1ull << 63) | 8, 0), MBOX_ERR_BAD_OFFSET);
}

/*
 * Every offset of the root and lengths 1..72 for a few harts: what is
 * allowed is exactly the aligned delta, any run inside the note, and the
 * hart's own aligned vector slot; nothing else, counted.
 */
TEST(acl_sweep_allows_only_the_listed_fields)
{
	static const uint32_t harts[] = { 0, 3, NHARTS - 1, NHARTS };
	for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++) {
		uint32_t hart = harts[h];
		long allowed = 0, stray = 0;
		for (uint32_t off = 0; off < MAGMA_ROOT_SIZE; off++) {
			for (uint64_t len = 1; len <= 72; len++) {
				if (mbox_acl_check(off, len, hart) != 0)
					continue;
				allowed++;
				bool ok = (off == ROOT_OS_TIME_DELTA && len == 8) ||
					  (off >= ROOT_KERNEL_NOTE &&
					   off + len <= ROOT_KERNEL_NOTE + 64) ||
					  (hart < NHARTS && off == ROOT_VECTOR_CLOCK + 8 * hart &&
					   len == 8);
				if (!ok)
					stray++;
			}
		}
		CHECK_EQ(stray, 0);
		CHECK_EQ(allowed, 1 + 64 * 65 / 2 + (hart < NHARTS ? 1 : 0));
	}
}

int main(void)
{
	RUN(layout_fits);
	RUN(error_codes_distinct);
	RUN(parse_ops);
	RUN(parse_open);
	RUN(parse_bare_ops);
	RUN(parse_ping);
	RUN(parse_write_root);
	RUN(parse_incidents);
	RUN(tag_known_answers);
	RUN(tag_covers_every_field);
	RUN(tag_ignores_uncovered_bytes);
	RUN(tag_oversized_payload_len_stays_in_bounds);
	RUN(verify_refuses_replays);
	RUN(verify_checks_tag_before_replay);
	RUN(acl_protected_bits_denied);
	RUN(acl_counters_denied);
	RUN(acl_os_time_delta);
	RUN(acl_kernel_note);
	RUN(acl_vector_clock);
	RUN(acl_board_tables_denied);
	RUN(acl_bounds);
	RUN(acl_sweep_allows_only_the_listed_fields);
	return check_summary();
}
