/*
 * kernel/guard_client.c - the kernel's mailbox client: sessions and requests.
 *
 * Each kernel hart talks to the guard through its own slot (lib/mbox.h has
 * the protocol). The session key lives only in kernel memory once read, as
 * ready HMAC states (struct mbox_key), so signing costs the message alone.
 */
#include "guard.h"

#include "../lib/mbox.h"
#include "../lib/sha256.h"
#include "../lib/string.h"
#include "board.h"
#include "console.h"
#include "hart.h"
#include "intr.h"
#include "timer.h"

/*
 * Spin this long for a reply: the guard answers in microseconds, or (PLIC: no
 * doorbell) at its next 1 ms poll, a scan in the way included. Past it, the
 * client waits in wfi, woken by its timer tick.
 */
#define SPIN_US 3000

struct session {
	uint32_t id; /* 0: none */
	struct mbox_key key;
	uint8_t fingerprint[4];
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

static uint32_t slot_state(volatile struct mbox_slot *slot)
{
	return __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);
}

/*
 * Waits until the slot holds a reply: spins briefly, then sleeps in wfi
 * between timer ticks, saying every GUARD_PROGRESS_MS that it still waits.
 * 0, or MBOX_ERR_TIMEOUT after GUARD_PATIENCE_MS.
 */
static int wait_reply(volatile struct mbox_slot *slot, uint16_t op)
{
	uint64_t start = timer_now_us(), said = 0;
	while (slot_state(slot) != MBOX_REPLY) {
		uint64_t waited = timer_now_us() - start;
		if (waited >= GUARD_PATIENCE_MS * 1000ul)
			return MBOX_ERR_TIMEOUT;
		if (waited / 1000 / GUARD_PROGRESS_MS > said) {
			said = waited / 1000 / GUARD_PROGRESS_MS;
			kprintf("magma: guard: hart %lu still waiting for the reply to op %u after "
				"%lu ms\n",
				this_hartid(), op, waited / 1000);
		}
		if (waited > SPIN_US)
			wfi();
	}
	return 0;
}

/*
 * Takes the slot back from a request given up on: a request the guard has
 * not started is withdrawn (REQUEST -> EMPTY; the guard claims by the same
 * compare-and-swap, so one side wins), one it is working on is waited for,
 * and the late reply is dropped.
 */
static int reclaim(volatile struct mbox_slot *slot)
{
	uint32_t state = slot_state(slot);
	if (state == MBOX_EMPTY)
		return 0;
	uint32_t expected = MBOX_REQUEST;
	if (state == MBOX_REQUEST &&
	    __atomic_compare_exchange_n(&slot->state, &expected, MBOX_EMPTY, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return 0;
	int err = wait_reply(slot, 0);
	if (err)
		return err;
	kprintf("magma: guard: hart %lu dropped a late reply (seq %lu) to a request it gave up on\n",
		this_hartid(), slot->reply.seq);
	__atomic_store_n(&slot->state, MBOX_EMPTY, __ATOMIC_RELEASE);
	return 0;
}

int guard_submit(const struct mbox_request *req, struct mbox_reply *reply)
{
	volatile struct mbox_slot *slot = my_slot();
	int err = reclaim(slot);
	if (err)
		return err;
	copy_volatile(&slot->request, req, sizeof(*req));
	__atomic_store_n(&slot->state, MBOX_REQUEST, __ATOMIC_RELEASE);
	intr_ring_doorbell(guard_hart());
	err = wait_reply(slot, req->op);
	if (err)
		return err; /* the slot stays as it is: the next request reclaims it */
	copy_volatile(reply, &slot->reply, sizeof(*reply));
	__atomic_store_n(&slot->state, MBOX_EMPTY, __ATOMIC_RELEASE);
	if (reply->seq != req->seq)
		return MBOX_ERR_STALE_REPLY;
	return reply->status;
}

void guard_sign(struct mbox_request *req)
{
	struct session *s = &sessions[this_hartid()];
	req->seq = ++s->seq;
	mbox_request_tag(&s->key, req, req->tag);
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
	struct session *s = &sessions[this_hartid()];
	struct mbox_request req;
	struct mbox_reply reply;
	memset(&req, 0, sizeof(req));
	req.op = MBOX_OP_OPEN;
	req.payload_len = (uint16_t)strnlen(name, MBOX_NAME_BYTES);
	memcpy(req.payload, name, req.payload_len);
	if (s->id)
		guard_sign(&req); /* a live session: only its key may re-key it */
	int err = guard_submit(&req, &reply);
	if (err)
		return err;
	struct mbox_open_reply open;
	memcpy(&open, reply.data, sizeof(open));
	s->id = open.session;
	mbox_key_init(&s->key, open.key);
	uint8_t digest[SHA256_DIGEST_BYTES];
	sha256(open.key, MBOX_KEY_BYTES, digest);
	memcpy(s->fingerprint, digest, sizeof(s->fingerprint));
	memset(digest, 0, sizeof(digest));
	s->seq = 0;
	memset(&open, 0, sizeof(open));
	memset(&reply, 0, sizeof(reply));
	return call(MBOX_OP_KEY_READ, 0, 0, 0, 0, &reply); /* its reply overwrites the key */
}

int guard_close_session(void)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_CLOSE, 0, 0, 0, 0, &reply);
	if (!err) {
		struct session *s = &sessions[this_hartid()];
		mbox_key_wipe(&s->key);
		memset(s, 0, sizeof(*s));
	}
	return err;
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
	const uint8_t *f = sessions[this_hartid()].fingerprint;
	return (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
}

int guard_incidents(uint64_t first_seq, struct mbox_incidents *out)
{
	struct mbox_reply reply;
	int err = call(MBOX_OP_INCIDENTS, (uint32_t)first_seq, 0, 0, 0, &reply);
	if (!err)
		memcpy(out, reply.data, sizeof(*out));
	return err;
}

int guard_slot_stats(uint32_t slot, struct mbox_slot_stats *out)
{
	// LAB(guard) begin
	struct mbox_reply reply;
	int err = call(MBOX_OP_SLOT_STATS, slot, 0, 0, 0, &reply);
	if (!err)
		memcpy(out, reply.data, sizeof(*out));
	return err;
	// LAB(guard) stub
	// /* TODO(lab guard): a signed MBOX_OP_SLOT_STATS request on this hart's session. */
	// (void)slot;
	// (void)out;
	// return MBOX_ERR_UNKNOWN_OP;
	// LAB(guard) end
}
