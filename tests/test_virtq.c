/*
 * tests/test_virtq.c - host tests for lib/virtq: the split virtqueue a
 * driver shares with a device it does not trust. A few lines here play the
 * device: they take chains from the available ring and write used entries,
 * correct ones and every kind of wrong one.
 */
#include <string.h>

#include "../lib/virtq.h"
#include "check.h"

#define SIZE 64

static _Alignas(16) uint8_t ring_mem[4096];
static struct virtq q;
static uint16_t device_avail_seen, device_used_idx;

static void fresh_queue(void)
{
	memset(ring_mem, 0, sizeof(ring_mem));
	CHECK_EQ(virtq_init(&q, ring_mem, sizeof(ring_mem), SIZE), 0);
	device_avail_seen = device_used_idx = 0;
}

/* The device: the next chain the driver made available, or -1. */
static int device_take(void)
{
	if (device_avail_seen == q.avail->idx)
		return -1;
	return q.avail->ring[device_avail_seen++ % SIZE];
}

/* The device: writes a used entry as it pleases and publishes it. */
static void device_complete(uint32_t id, uint32_t len)
{
	q.used->ring[device_used_idx % SIZE].id = id;
	q.used->ring[device_used_idx % SIZE].len = len;
	device_used_idx++;
	__atomic_store_n(&q.used->idx, device_used_idx, __ATOMIC_RELEASE);
}

/* A read request as virtio-blk makes it: header (device reads), data and status (device writes). */
static int post_read(int slot)
{
	struct virtq_buf bufs[3] = {
		{ 0x1000, 16, false },
		{ 0x2000, 4096, true },
		{ 0x3000, 1, true },
	};
	return virtq_post(&q, slot, bufs, 3);
}

TEST(layout_follows_the_spec)
{
	/* 2.6: table 16-aligned at 0, avail 2-aligned right after, used 4-aligned. */
	CHECK_EQ(virtq_avail_offset(SIZE), 16 * SIZE);
	CHECK_EQ(virtq_used_offset(SIZE), 1160); /* 1024 + 6 + 128 = 1158, aligned to 4 */
	CHECK_EQ(virtq_ring_bytes(SIZE), 1160 + 6 + 8 * SIZE);
	CHECK_EQ(virtq_used_offset(4) % 4, 0);
}

TEST(init_refuses_bad_sizes_and_memory)
{
	static const uint16_t bad[] = { 0, 1, 2, 3, 6, 48, 512, 1024 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(virtq_init(&q, ring_mem, sizeof(ring_mem), bad[i]), VIRTQ_ERR_SIZE);
	CHECK_EQ(virtq_init(&q, ring_mem, virtq_ring_bytes(SIZE) - 1, SIZE), VIRTQ_ERR_SIZE);
	CHECK_EQ(virtq_init(&q, ring_mem + 8, sizeof(ring_mem) - 8, SIZE), VIRTQ_ERR_SIZE);
	CHECK_EQ(virtq_init(&q, ring_mem, virtq_ring_bytes(4), 4), 0);
	CHECK_EQ(virtq_slots(&q), 1);
}

TEST(post_chains_the_slots_descriptors)
{
	fresh_queue();
	CHECK_EQ(virtq_slots(&q), SIZE / VIRTQ_SLOT_DESCS);
	CHECK_EQ(post_read(2), 0);
	CHECK_EQ(q.avail->idx, 1);
	CHECK_EQ(q.avail->ring[0], 8);
	CHECK_EQ(q.desc[8].addr, 0x1000);
	CHECK_EQ(q.desc[8].len, 16);
	CHECK_EQ(q.desc[8].flags, VIRTQ_DESC_F_NEXT);
	CHECK_EQ(q.desc[8].next, 9);
	CHECK_EQ(q.desc[9].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	CHECK_EQ(q.desc[9].next, 10);
	CHECK_EQ(q.desc[10].flags, VIRTQ_DESC_F_WRITE);
	CHECK_EQ(q.desc[10].len, 1);
	CHECK(virtq_in_flight(&q, 2));
	CHECK(!virtq_in_flight(&q, 3));
	CHECK(!virtq_in_flight(&q, -1));
	CHECK(!virtq_in_flight(&q, SIZE));
}

TEST(post_refuses_bad_requests)
{
	fresh_queue();
	struct virtq_buf five[5] = {
		{ 1, 1, false }, { 1, 1, false }, { 1, 1, false }, { 1, 1, false }, { 1, 1, false }
	};
	struct virtq_buf empty = { 0x1000, 0, true };
	CHECK_EQ(virtq_post(&q, -1, five, 1), VIRTQ_ERR_BAD_SLOT);
	CHECK_EQ(virtq_post(&q, SIZE / VIRTQ_SLOT_DESCS, five, 1), VIRTQ_ERR_BAD_SLOT);
	CHECK_EQ(virtq_post(&q, 0, five, 0), VIRTQ_ERR_BUFS);
	CHECK_EQ(virtq_post(&q, 0, five, 5), VIRTQ_ERR_BUFS);
	CHECK_EQ(virtq_post(&q, 0, &empty, 1), VIRTQ_ERR_BUFS);
	CHECK_EQ(q.avail->idx, 0); /* nothing was made available */
	CHECK_EQ(post_read(0), 0);
	CHECK_EQ(post_read(0), VIRTQ_ERR_BUSY);
	CHECK_EQ(q.avail->idx, 1);
}

TEST(reap_takes_a_sound_completion)
{
	fresh_queue();
	struct virtq_completion c;
	CHECK_EQ(virtq_reap(&q, &c), 0);
	CHECK_EQ(post_read(5), 0);
	CHECK_EQ(device_take(), 20);
	device_complete(20, 4097);
	CHECK_EQ(virtq_reap(&q, &c), 1);
	CHECK_EQ(c.slot, 5);
	CHECK_EQ(c.len, 4097);
	CHECK_EQ(c.error, 0);
	CHECK(!virtq_in_flight(&q, 5));
	CHECK_EQ(virtq_reap(&q, &c), 0);
	CHECK_EQ(post_read(5), 0); /* free for the next request */
}

TEST(reap_names_ids_that_are_no_request)
{
	fresh_queue();
	CHECK_EQ(post_read(1), 0);
	struct virtq_completion c;
	static const uint32_t bad[] = { SIZE, SIZE + 4, 0xffffffffu, 5, 3 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		device_complete(bad[i], 1);
		CHECK_EQ(virtq_reap(&q, &c), 1);
		CHECK_EQ(c.slot, -1);
		CHECK_EQ(c.id, bad[i]);
		CHECK_EQ(c.error, VIRTQ_ERR_BAD_ID);
	}
	device_complete(0, 1); /* slot 0: a head, but never posted */
	CHECK_EQ(virtq_reap(&q, &c), 1);
	CHECK_EQ(c.slot, -1);
	CHECK_EQ(c.error, VIRTQ_ERR_NOT_IN_FLIGHT);
	CHECK(virtq_in_flight(&q, 1)); /* the real request is still waiting */
	device_complete(4, 4097);
	CHECK_EQ(virtq_reap(&q, &c), 1);
	CHECK_EQ(c.slot, 1);
	CHECK_EQ(c.error, 0);
	device_complete(4, 4097); /* the same request twice */
	CHECK_EQ(virtq_reap(&q, &c), 1);
	CHECK_EQ(c.slot, -1);
	CHECK_EQ(c.error, VIRTQ_ERR_NOT_IN_FLIGHT);
}

TEST(reap_refuses_a_len_beyond_the_writable_buffers)
{
	fresh_queue();
	CHECK_EQ(post_read(3), 0);
	device_complete(12, 4098);
	struct virtq_completion c;
	CHECK_EQ(virtq_reap(&q, &c), 1);
	CHECK_EQ(c.slot, 3); /* finished, but wrongly: the caller fails it */
	CHECK_EQ(c.error, VIRTQ_ERR_BAD_LEN);
	CHECK(!virtq_in_flight(&q, 3));
}

TEST(reap_refuses_an_index_a_ring_ahead)
{
	fresh_queue();
	CHECK_EQ(post_read(0), 0);
	__atomic_store_n(&q.used->idx, SIZE + 1, __ATOMIC_RELEASE);
	struct virtq_completion c;
	CHECK_EQ(virtq_reap(&q, &c), VIRTQ_ERR_BAD_IDX);
	CHECK_EQ(virtq_reap(&q, &c), VIRTQ_ERR_BAD_IDX); /* and nothing was taken */
	CHECK(virtq_in_flight(&q, 0));
	__atomic_store_n(&q.used->idx, SIZE, __ATOMIC_RELEASE); /* a full ring is possible */
	CHECK_EQ(virtq_reap(&q, &c), 1);
}

TEST(every_slot_in_flight_finishes_in_any_order)
{
	fresh_queue();
	int slots = virtq_slots(&q);
	for (int s = 0; s < slots; s++)
		CHECK_EQ(post_read(s), 0);
	CHECK_EQ(q.avail->idx, slots);
	int order[VIRTQ_MAX_SLOTS];
	for (int s = 0; s < slots; s++)
		order[s] = device_take();
	CHECK_EQ(device_take(), -1);
	for (int s = slots - 1; s >= 0; s--) /* the device finishes them backwards */
		device_complete((uint32_t)order[s], 4097);
	struct virtq_completion c;
	for (int s = slots - 1; s >= 0; s--) {
		CHECK_EQ(virtq_reap(&q, &c), 1);
		CHECK_EQ(c.slot, order[s] / VIRTQ_SLOT_DESCS);
		CHECK_EQ(c.error, 0);
	}
	CHECK_EQ(virtq_reap(&q, &c), 0);
}

TEST(indices_wrap_at_sixteen_bits)
{
	fresh_queue();
	struct virtq_completion c;
	for (long i = 0; i < 70000; i++) {
		int slot = (int)(i % 3);
		CHECK_EQ(post_read(slot), 0);
		int head = device_take();
		CHECK_EQ(head, slot * VIRTQ_SLOT_DESCS);
		device_complete((uint32_t)head, 4097);
		CHECK_EQ(virtq_reap(&q, &c), 1);
		if (c.slot != slot || c.error) {
			CHECK_EQ(c.slot, slot);
			break;
		}
	}
	CHECK_EQ(q.avail->idx, 70000 % 65536);
	CHECK_EQ(virtq_reap(&q, &c), 0);
}

int main(void)
{
	RUN(layout_follows_the_spec);
	RUN(init_refuses_bad_sizes_and_memory);
	RUN(post_chains_the_slots_descriptors);
	RUN(post_refuses_bad_requests);
	RUN(reap_takes_a_sound_completion);
	RUN(reap_names_ids_that_are_no_request);
	RUN(reap_refuses_a_len_beyond_the_writable_buffers);
	RUN(reap_refuses_an_index_a_ring_ahead);
	RUN(every_slot_in_flight_finishes_in_any_order);
	RUN(indices_wrap_at_sixteen_bits);
	return check_summary();
}
