/*
 * sbi/guard/mailbox.c - serving requests from the kernel harts' slots.
 *
 * Slot i belongs to kernel hart i. A request goes: copy out, parse
 * (mbox_parse_request, pure), authenticate (mbox_verify: tag, then
 * sequence number), act, reply. Every refusal has its own counter in the
 * root; every acceptance counts in ROOT_REQUESTS_OK.
 */
#include "mailbox.h"

#include "../../lib/md_block.h"
#include "../../lib/mbox.h"
#include "../../include/layout.h"
#include "../../include/events.h"
#include "../../include/root.h"
#include "entropy.h"
#include "lock.h"
#include "runtime.h"

#define NO_SESSION 0u

struct session {
	uint32_t id;                  /* NO_SESSION when closed */
	uint8_t name[MBOX_NAME_BYTES];
	uint16_t name_len;
	uint8_t key[MBOX_KEY_BYTES];
	uint64_t last_seq;
};

static struct session sessions[MBOX_MAX_SLOTS];
static uint32_t next_session_id = 1;

static volatile struct mbox_slot *slot(uint32_t i)
{
	return (volatile struct mbox_slot *)(MAGMA_MAILBOX_BASE + MBOX_SLOTS +
					     (uintptr_t)i * MBOX_SLOT_BYTES);
}

static void copy_in(void *dst, const volatile void *src, size_t n)
{
	uint8_t *d = dst;
	const volatile uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static void copy_out(volatile void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

void mailbox_init(const struct fdt *tree, uint32_t guard_hart)
{
	size_t seed = entropy_init(tree);
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		slot(i)->state = MBOX_EMPTY;
		slot(i)->session = NO_SESSION;
	}
	struct mbox_header h = { MBOX_MAGIC, MBOX_VERSION, MBOX_MAX_SLOTS, MBOX_SLOT_BYTES,
				 MBOX_RING, 64, guard_hart };
	copy_out((volatile void *)(MAGMA_MAILBOX_BASE + MBOX_HEADER), &h, sizeof(h));
	guard_log("guard: mailbox ready: %d slots, keys from a %d-byte boot seed, %lu bytes of "
		  "rng-seed and timer jitter\n", MBOX_MAX_SLOTS, MAGMA_GUARD_SEED_BYTES,
		  (unsigned long)seed);
}

static int same_name(const struct session *s, const struct mbox_request *req)
{
	if (s->id == NO_SESSION || s->name_len != req->payload_len)
		return 0;
	for (int i = 0; i < s->name_len; i++) {
		if (s->name[i] != req->payload[i])
			return 0;
	}
	return 1;
}

static int open_session(uint32_t index, const struct mbox_request *req, struct mbox_reply *reply)
{
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		if (i != index && same_name(&sessions[i], req))
			return MBOX_ERR_NAME_TAKEN;
	}
	struct session *s = &sessions[index];
	s->id = next_session_id++;
	s->name_len = req->payload_len;
	for (int i = 0; i < s->name_len; i++)
		s->name[i] = req->payload[i];
	entropy_draw(s->key);
	s->last_seq = 0;
	struct mbox_open_reply open = { s->id, 0, { 0 } };
	for (int i = 0; i < MBOX_KEY_BYTES; i++)
		open.key[i] = s->key[i];
	copy_in(reply->data, &open, sizeof(open));
	reply->len = sizeof(open);
	md_wipe(&open, sizeof(open));
	slot(index)->session = s->id;
	uint32_t harts = 0;
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++)
		harts += sessions[i].id != NO_SESSION;
	lock_write(ROOT_REGISTERED_HARTS, &harts, sizeof(harts));
	lock_seal();
	return 0;
}

static void status(struct mbox_reply *reply)
{
	struct mbox_status st = { 0 };
	lock_read(ROOT_ON_STATE, &st.on_state, 1);
	lock_read(ROOT_PROTECTED, &st.protected_flag, 1);
	lock_read(ROOT_PROTECT_STATE, &st.protect_state, 1);
	st.scan_count = lock_read64(ROOT_SCAN_COUNT);
	st.incident_count = lock_read64(ROOT_INCIDENT_COUNT);
	st.requests_ok = lock_read64(ROOT_REQUESTS_OK);
	for (int k = 0; k < MBOX_ERR_KINDS; k++) {
		uint32_t refused;
		lock_read(ROOT_ERR_COUNTERS + 4 * (size_t)k, &refused, sizeof(refused));
		st.requests_refused += refused;
	}
	st.last_scan_time = lock_read64(ROOT_LAST_SCAN_TIME);
	copy_in(reply->data, &st, sizeof(st));
	reply->len = sizeof(st);
}

/* Runs an authenticated request; 0 or an MBOX_ERR_*. */
static int act(uint32_t index, const struct mbox_request *req, struct mbox_reply *reply)
{
	switch (req->op) {
	case MBOX_OP_KEY_READ:
		return 0; /* this reply overwrites the slot's reply area: the key is gone */
	case MBOX_OP_PING:
		copy_in(reply->data, &req->arg1, sizeof(req->arg1));
		reply->len = sizeof(req->arg1);
		return 0;
	case MBOX_OP_STATUS:
		status(reply);
		return 0;
	case MBOX_OP_WRITE_ROOT: {
		int err = mbox_acl_check(req->arg0, req->arg1, index);
		if (err)
			return err;
		lock_write(req->arg0, req->payload, (size_t)req->arg1);
		lock_seal();
		return 0;
	}
	case MBOX_OP_SCAN: {
		uint32_t repaired = (uint32_t)lock_scan();
		copy_in(reply->data, &repaired, sizeof(repaired));
		reply->len = sizeof(repaired);
		return 0;
	}
	case MBOX_OP_INCIDENTS: {
		/* Events posted so far, then up to MBOX_INCIDENTS_MAX of them from seq arg0. */
		struct mbox_incidents out = { lock_events_posted(), 0, 0, { { 0 } } };
		struct guard_event e;
		while (out.count < MBOX_INCIDENTS_MAX && lock_event(req->arg0 + out.count, &e)) {
			out.events[out.count] = (struct mbox_incident){ e.seq, e.time, e.kind,
									e.offset, e.bad, e.good,
									{ 0 } };
			out.count++;
		}
		copy_in(reply->data, &out, sizeof(out));
		reply->len = sizeof(out);
		return 0;
	}
	default:
		return MBOX_ERR_UNKNOWN_OP;
	}
}

static int handle(uint32_t index, const struct mbox_request *req, struct mbox_reply *reply)
{
	int err = mbox_parse_request(req);
	if (err)
		return err;
	if (req->op == MBOX_OP_OPEN)
		return open_session(index, req, reply);
	struct session *s = &sessions[index];
	if (s->id == NO_SESSION)
		return MBOX_ERR_NO_SESSION;
	err = mbox_verify(s->key, s->last_seq, req);
	if (err)
		return err;
	s->last_seq = req->seq;
	return act(index, req, reply);
}

static void count(int err)
{
	if (err == 0) {
		uint64_t ok = lock_read64(ROOT_REQUESTS_OK) + 1;
		lock_write(ROOT_REQUESTS_OK, &ok, sizeof(ok));
	} else {
		size_t off = ROOT_ERR_COUNTERS + 4 * (size_t)mbox_error_index(err);
		uint32_t n;
		lock_read(off, &n, sizeof(n));
		n++;
		lock_write(off, &n, sizeof(n));
	}
	lock_seal();
}

int mailbox_serve(void)
{
	int served = 0;
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		volatile struct mbox_slot *s = slot(i);
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != MBOX_REQUEST)
			continue;
		s->state = MBOX_BUSY;
		struct mbox_request req;
		copy_in(&req, &s->request, sizeof(req));
		struct mbox_reply reply = { 0 };
		reply.seq = req.seq;
		int err = handle(i, &req, &reply);
		reply.status = err;
		count(err);
		copy_out(&s->reply, &reply, sizeof(reply));
		md_wipe(&reply, sizeof(reply));
		__atomic_store_n(&s->state, MBOX_REPLY, __ATOMIC_RELEASE);
		served++;
	}
	return served;
}
