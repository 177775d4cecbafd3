/*
 * labs/guard/lab_guard.c - host checks of MBOX_OP_SLOT_STATS in lib/mbox:
 * its request shape, its access list, and that the tag and the sequence
 * number protect it like every other authenticated operation.
 *
 * Built by `make lab-host-guard` (with the host tests' sanitizers) and run
 * by labs/guard/grade.py, which reads each check's line and the summary.
 */
#include <stdint.h>
#include <string.h>

#include "../../lib/mbox.h"
#include "../../tests/check.h"

static const uint8_t key_bytes[MBOX_KEY_BYTES] = "lab guard: a key for host checks";

static struct mbox_request stats_request(uint64_t seq, uint32_t slot)
{
	struct mbox_request r;
	memset(&r, 0, sizeof r);
	r.op = MBOX_OP_SLOT_STATS;
	r.seq = seq;
	r.arg0 = slot;
	return r;
}

TEST(slot_stats_shape)
{
	struct mbox_request r = stats_request(1, 0);
	CHECK_EQ(mbox_parse_request(&r), 0);
	r.arg0 = 0xffffffffu; /* any slot parses: the access list judges it */
	CHECK_EQ(mbox_parse_request(&r), 0);
	r = stats_request(1, 0);
	r.payload_len = 1;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_BAD_LENGTH);
	r.payload_len = MBOX_PAYLOAD_BYTES + 1;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
	r = stats_request(1, 0);
	r.arg1 = 1;
	CHECK_EQ(mbox_parse_request(&r), MBOX_ERR_MALFORMED);
}

TEST(slot_stats_acl)
{
	for (uint32_t hart = 0; hart < MBOX_MAX_SLOTS; hart++) {
		CHECK_EQ(mbox_slot_stats_acl(hart, hart), 0);
		CHECK_EQ(mbox_slot_stats_acl((hart + 1) % MBOX_MAX_SLOTS, hart), MBOX_ERR_DENIED);
	}
	CHECK_EQ(mbox_slot_stats_acl(MBOX_MAX_SLOTS, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_slot_stats_acl(0xffffffffu, 0), MBOX_ERR_BAD_OFFSET);
	CHECK_EQ(mbox_slot_stats_acl(MBOX_MAX_SLOTS, MBOX_MAX_SLOTS), MBOX_ERR_BAD_OFFSET);
}

TEST(slot_stats_tag_and_seq)
{
	struct mbox_key key;
	mbox_key_init(&key, key_bytes);
	struct mbox_request r = stats_request(5, 1);
	mbox_request_tag(&key, &r, r.tag);
	CHECK_EQ(mbox_verify(&key, 4, &r), 0);
	CHECK_EQ(mbox_verify(&key, 5, &r), MBOX_ERR_REPLAY);
	struct mbox_request other = r;
	other.arg0 = 2; /* asking about another slot under the same tag */
	CHECK_EQ(mbox_verify(&key, 4, &other), MBOX_ERR_BAD_TAG);
	other = r;
	other.seq = 6; /* a replay with a new seq but the old tag */
	CHECK_EQ(mbox_verify(&key, 5, &other), MBOX_ERR_BAD_TAG);
	mbox_key_wipe(&key);
}

int main(void)
{
	RUN(slot_stats_shape);
	RUN(slot_stats_acl);
	RUN(slot_stats_tag_and_seq);
	return check_summary();
}
