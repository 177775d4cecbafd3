/*
 * kernel/guard_client.c - the kernel's mailbox client: sessions and requests.
 *
 * Each kernel hart talks to the guard through its own slot (lib/mbox.h has
 * the protocol). The session key lives only in kernel memory once read.
 */
#include "guard.h"

#include "../lib/mbox.h"
#include "../lib/sha256.h"
#include "../lib/string.h"
#include "board.h"
#include "hart.h"
#include "intr.h"
#include "timer.h"

struct session {
	uint32_t id;
	uint8_t key[MBOX_KEY_BYTES];
	uint64_t seq;
};

static struct session sessions[MAGMA_MAX_HARTS];

static volatile struct mbox_slot *my_slot(void)
{
	return (volatile struct mbox_slot *)(board.mailbox.base + MBOX_SLOTS +
					     this_hartid() * MBOX_SLOT_BYTES);
}

static uint64_t guard_hart(void)
{
	const volatile struct mbox_header *h =
		(const volatile struct mbox_header *)(board.mailbox.base + MBOX_HEADER);
	return h->magic == MBOX_MAGIC && h->guard_hart < MAGMA_MAX_HARTS ? h->guard_hart : ~0ul;
}

static void copy_volatile(volatile void *dst, const volatile void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

int guard_submit(const struct mbox_request *req, struct mbox_reply *reply)
{
	volatile struct mbox_slot *slot = my_slot();
	if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != MBOX_EMPTY)
		return GUARD_ERR_BUSY;
	copy_volatile(&slot->request, req, sizeof(*req));
	__atomic_store_n(&slot->state, MBOX_REQUEST, __ATOMIC_RELEASE);
	intr_ring_doorbell(guard_hart());

	/* Poll: the guard answers within microseconds, or within its 1 ms poll (PLIC). */
	uint64_t deadline = timer_now_us() + GUARD_REPLY_TIMEOUT_MS * 1000;
	while (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != MBOX_REPLY) {
		if (timer_now_us() > deadline)
			return GUARD_ERR_TIMEOUT;
	}
	copy_volatile(reply, &slot->reply, sizeof(*reply));
	__atomic_store_n(&slot->state, MBOX_EMPTY, __ATOMIC_RELEASE);
	return reply->status;
}

void guard_sign(struct mbox_request *req)
{
	struct session *s = &sessions[this_hartid()];
	req->seq = ++s->seq;
	mbox_request_tag(s->key, req, req->tag);
}

static int call(uint16_t op, uint32_t arg0, uint64_t arg1, const void *payload, uint16_t len,
		struct mbox_reply *reply)
{
	struct mbox_request req;
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.arg0 = arg0;
	req.arg1 = arg1;
	req.payload_len = len;
	memcpy(req.payload, payload, len);
	guard_sign(&req);
	return guard_submit(&req, reply);
}

int guard_open_session(const char *name)
{
	struct mbox_request req;
	struct mbox_reply reply;
	memset(&req, 0, sizeof(req));
	req.op = MBOX_OP_OPEN;
	req.payload_len = (uint16_t)strnlen(name, MBOX_NAME_BYTES);
	memcpy(req.payload, name, req.payload_len);
	int err = guard_submit(&req, &reply);
	if (err)
		return err;
	struct session *s = &sessions[this_hartid()];
	struct mbox_open_reply open;
	memcpy(&open, reply.data, sizeof(open));
	s->id = open.session;
	memcpy(s->key, open.key, MBOX_KEY_BYTES);
	s->seq = 0;
	memset(&open, 0, sizeof(open));
	memset(&reply, 0, sizeof(reply));
	return call(MBOX_OP_KEY_READ, 0, 0, 0, 0, &reply); /* the guard wipes the slot */
}

int guard_ping(uint64_t value, uint64_t *echo)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_PING, 0, value, 0, 0, &reply);
	if (!err)
		memcpy(echo, reply.data, sizeof(*echo));
	return err;
}

int guard_status(struct mbox_status *status)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_STATUS, 0, 0, 0, 0, &reply);
	if (!err)
		memcpy(status, reply.data, sizeof(*status));
	return err;
}

int guard_write_root(uint32_t offset, const void *src, uint16_t len)
{
	struct mbox_reply reply;
	return call(MBOX_OP_WRITE_ROOT, offset, len, src, len, &reply);
}

int guard_force_scan(uint32_t *repaired)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_SCAN, 0, 0, 0, 0, &reply);
	if (!err)
		memcpy(repaired, reply.data, sizeof(*repaired));
	return err;
}

uint32_t guard_key_fingerprint(void)
{
	uint8_t digest[SHA256_DIGEST_BYTES];
	sha256(sessions[this_hartid()].key, MBOX_KEY_BYTES, digest);
	return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
	       digest[3];
}

int guard_incidents(uint64_t first_seq, struct mbox_incidents *out)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_INCIDENTS, (uint32_t)first_seq, 0, 0, 0, &reply);
	if (!err)
		memcpy(out, reply.data, sizeof(*out));
	return err;
}
