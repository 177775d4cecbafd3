/*
 * lib/virtq.h - the driver's half of a virtio split virtqueue (virtio 1.1, section 2.6).
 *
 * Three parts in memory shared with the device: the descriptor table (the
 * buffers of each request, chained), the available ring (the driver says
 * which chains are ready) and the used ring (the device says which it has
 * finished, and how many bytes it wrote into each).
 *
 * Requests live in slots: slot s owns descriptors s * VIRTQ_SLOT_DESCS and the
 * VIRTQ_SLOT_DESCS - 1 after it, chained from the first, so the head of a
 * chain names its slot and no descriptor free list is needed.
 *
 * The device writes the used ring, and nothing it writes is trusted: an entry
 * whose id is not the head of a slot in flight, or whose length is more than
 * the chain let the device write, is reported with a named error and never
 * indexes anything; a used index that runs more than a ring ahead is refused.
 *
 * Freestanding: no libc, no kernel headers (host-tested in tests/test_virtq.c).
 * The caller serialises calls on one queue (a lock, or interrupts off).
 */
#ifndef LIB_VIRTQ_H
#define LIB_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_SLOT_DESCS 4   /* the longest chain one request may use */
#define VIRTQ_MAX_SIZE   256 /* descriptors */
#define VIRTQ_MAX_SLOTS  (VIRTQ_MAX_SIZE / VIRTQ_SLOT_DESCS)

/* Descriptor flags (2.6.5). */
#define VIRTQ_DESC_F_NEXT  1 /* the chain goes on at `next` */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (else it reads it) */

/* 2.6.5: 16 bytes, 16-byte aligned table. */
struct virtq_desc {
	uint64_t addr; /* physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* 2.6.6: 2-byte aligned; `used_event` after the ring is unused (no EVENT_IDX). */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx; /* where the driver puts the next entry, mod 2^16 */
	uint16_t ring[];
};

/* 2.6.8: 4-byte aligned. */
struct virtq_used_elem {
	uint32_t id;  /* head descriptor of the finished chain */
	uint32_t len; /* bytes the device wrote into the chain's writable buffers */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

enum virtq_error {
	VIRTQ_ERR_SIZE = -1,     /* queue size not a power of two in 4..256, or memory too small */
	VIRTQ_ERR_BAD_SLOT = -2, /* a slot number outside the queue */
	VIRTQ_ERR_BUSY = -3,     /* the slot is already in flight */
	VIRTQ_ERR_BUFS = -4,     /* no buffer, too many, or an empty one */
	VIRTQ_ERR_BAD_ID = -5,   /* used id is no slot's head descriptor */
	VIRTQ_ERR_NOT_IN_FLIGHT = -6, /* used id names a slot the device was not given */
	VIRTQ_ERR_BAD_LEN = -7,       /* used len exceeds the chain's writable bytes */
	VIRTQ_ERR_BAD_IDX = -8,       /* used index more than a whole ring ahead */
};

/* One buffer of a request. */
struct virtq_buf {
	uint64_t pa; /* physical address, as the device sees it */
	uint32_t len;
	bool device_writes;
};

struct virtq {
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t size;      /* descriptors (a power of two) */
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* the next used entry to look at */
	bool in_flight[VIRTQ_MAX_SLOTS];
	uint64_t writable[VIRTQ_MAX_SLOTS]; /* device-writable bytes of the slot's chain */
};

/* What the device said about one request. */
struct virtq_completion {
	int slot;    /* the slot it finished (no longer in flight), or -1: none */
	uint32_t id; /* the entry as the device wrote it, for messages */
	uint32_t len;
	int error; /* 0, or VIRTQ_ERR_BAD_ID / _NOT_IN_FLIGHT / _BAD_LEN */
};

/* Bytes the three parts take for a queue of size descriptors (laid out from offset 0). */
size_t virtq_ring_bytes(uint16_t size);
/* Offsets of the available and used rings from the start (the table is at 0). */
size_t virtq_avail_offset(uint16_t size);
size_t virtq_used_offset(uint16_t size);

/*
 * Lays a queue of size descriptors out in mem (zeroed by the caller,
 * 16-byte aligned, mem_bytes long). 0 or VIRTQ_ERR_SIZE.
 */
int virtq_init(struct virtq *q, void *mem, size_t mem_bytes, uint16_t size);
/* How many requests may be in flight at once. */
int virtq_slots(const struct virtq *q);
/*
 * Chains bufs[0..n) in slot's descriptors and makes the chain available
 * (release order: the device sees the descriptors before the new index).
 * The caller then notifies the device. 0 or a negative VIRTQ_ERR_*.
 */
int virtq_post(struct virtq *q, int slot, const struct virtq_buf *bufs, int n);
/*
 * Takes the next used entry into *c, checked: 1 when an entry was taken
 * (c->slot is the slot it finished, or -1 when it named none; c->error is
 * 0 or why the entry was wrong: a slot with a bad len is finished), 0 when
 * the device has finished nothing new, VIRTQ_ERR_BAD_IDX when its used index
 * is impossible (nothing is taken; the queue cannot be trusted again).
 */
int virtq_reap(struct virtq *q, struct virtq_completion *c);
/* Whether slot was handed to the device and not yet reaped. */
bool virtq_in_flight(const struct virtq *q, int slot);
/* A short English description of a VIRTQ_ERR_* code. */
const char *virtq_strerror(int err);

#endif
