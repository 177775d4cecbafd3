/*
 * lib/virtq.c - a split virtqueue, driver side (see virtq.h).
 *
 * Ordering (virtio 1.1, 2.6.13): the descriptors and the ring entry must be
 * visible before the new avail->idx, so idx is stored with release order;
 * the entries of the used ring are read only after used->idx, with acquire
 * order. Neither index is written by both sides.
 */
#include "virtq.h"

static size_t align_up(size_t n, size_t to)
{
	return (n + to - 1) & ~(to - 1);
}

size_t virtq_avail_offset(uint16_t size)
{
	return sizeof(struct virtq_desc) * size;
}

size_t virtq_used_offset(uint16_t size)
{
	/* flags, idx, ring[size], used_event */
	size_t avail_end = virtq_avail_offset(size) + 6 + 2 * (size_t)size;
	return align_up(avail_end, 4);
}

size_t virtq_ring_bytes(uint16_t size)
{
	/* flags, idx, ring[size], avail_event */
	return virtq_used_offset(size) + 6 + sizeof(struct virtq_used_elem) * size;
}

int virtq_init(struct virtq *q, void *mem, size_t mem_bytes, uint16_t size)
{
	if (size < VIRTQ_SLOT_DESCS || size > VIRTQ_MAX_SIZE || (size & (size - 1)) ||
	    mem_bytes < virtq_ring_bytes(size) || (uintptr_t)mem % 16)
		return VIRTQ_ERR_SIZE;
	uint8_t *base = mem;
	q->desc = (volatile struct virtq_desc *)base;
	q->avail = (volatile struct virtq_avail *)(base + virtq_avail_offset(size));
	q->used = (volatile struct virtq_used *)(base + virtq_used_offset(size));
	q->size = size;
	q->avail_idx = 0;
	q->last_used = 0;
	for (int i = 0; i < VIRTQ_MAX_SLOTS; i++) {
		q->in_flight[i] = false;
		q->writable[i] = 0;
	}
	return 0;
}

int virtq_slots(const struct virtq *q)
{
	return q->size / VIRTQ_SLOT_DESCS;
}

bool virtq_in_flight(const struct virtq *q, int slot)
{
	return slot >= 0 && slot < virtq_slots(q) && q->in_flight[slot];
}

int virtq_post(struct virtq *q, int slot, const struct virtq_buf *bufs, int n)
{
	if (slot < 0 || slot >= virtq_slots(q))
		return VIRTQ_ERR_BAD_SLOT;
	if (q->in_flight[slot])
		return VIRTQ_ERR_BUSY;
	if (n < 1 || n > VIRTQ_SLOT_DESCS)
		return VIRTQ_ERR_BUFS;
	for (int i = 0; i < n; i++) {
		if (bufs[i].len == 0)
			return VIRTQ_ERR_BUFS;
	}
	uint16_t head = (uint16_t)(slot * VIRTQ_SLOT_DESCS);
	uint64_t writable = 0;
	for (int i = 0; i < n; i++) {
		volatile struct virtq_desc *d = &q->desc[head + i];
		d->addr = bufs[i].pa;
		d->len = bufs[i].len;
		d->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		d->next = i + 1 < n ? (uint16_t)(head + i + 1) : 0;
		if (bufs[i].device_writes)
			writable += bufs[i].len;
	}
	q->writable[slot] = writable;
	q->in_flight[slot] = true;
	q->avail->ring[q->avail_idx % q->size] = head;
	q->avail_idx++;
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

int virtq_reap(struct virtq *q, struct virtq_completion *c)
{
	uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used_idx - q->last_used);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return VIRTQ_ERR_BAD_IDX;
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
	q->last_used++;
	c->id = e->id;
	c->len = e->len;
	c->slot = -1;
	c->error = 0;
	if (c->id >= q->size || c->id % VIRTQ_SLOT_DESCS) {
		c->error = VIRTQ_ERR_BAD_ID;
		return 1;
	}
	int slot = (int)(c->id / VIRTQ_SLOT_DESCS);
	if (!q->in_flight[slot]) {
		c->error = VIRTQ_ERR_NOT_IN_FLIGHT;
		return 1;
	}
	q->in_flight[slot] = false;
	c->slot = slot;
	if (c->len > q->writable[slot])
		c->error = VIRTQ_ERR_BAD_LEN;
	return 1;
}

const char *virtq_strerror(int err)
{
	switch (err) {
	case 0: return "no error";
	case VIRTQ_ERR_SIZE: return "queue size not a power of two in 4..256, or too little memory";
	case VIRTQ_ERR_BAD_SLOT: return "no such slot";
	case VIRTQ_ERR_BUSY: return "slot already in flight";
	case VIRTQ_ERR_BUFS: return "no buffer, too many buffers, or an empty one";
	case VIRTQ_ERR_BAD_ID: return "used id is no request's head descriptor";
	case VIRTQ_ERR_NOT_IN_FLIGHT: return "used id names a request not in flight";
	case VIRTQ_ERR_BAD_LEN: return "used len is more than the device could write";
	case VIRTQ_ERR_BAD_IDX: return "used index more than a ring ahead";
	default: return "unknown virtqueue error";
	}
}
