/*
 * sbi/guard/mailbox.c - serving requests from the kernel harts' slots.
 *
 * Slot i belongs to kernel hart i. A request goes: claim the slot (REQUEST
 * -> BUSY by compare-and-swap, so a kernel taking back a request it gave up
 * on and the guard never both win), copy out, parse (mbox_parse_request,
 * pure), authenticate (mbox_verify: tag, then sequence number), act, reply.
 */
#include "mailbox.h"

#include "../../include/events.h"
#include "../../include/layout.h"
#include "../../include/root.h"
#include "../../lib/mbox.h"
#include "../../lib/md_block.h"
#include "../../lib/string.h"
#include "entropy.h"
#include "event_log.h"
#include "lock.h"
#include "runtime.h"

#define NO_SESSION 0u

struct session {
	uint32_t id;   /* NO_SESSION when closed */
	uint32_t hart; /* whose session: the ACL's per-hart rule follows this */
	uint8_t name[MBOX_NAME_BYTES];
	uint16_t name_len;
	struct mbox_key key; /* HMAC states, ready to sign */
	uint64_t last_seq;
};

static struct session sessions[MBOX_MAX_SLOTS];
static uint8_t served[MBOX_MAX_SLOTS]; /* slots of real kernel harts */
static uint32_t next_session_id = 1;
static int have_boot_seed;
static uint32_t refused[MBOX_ERR_KINDS], refused_published[MBOX_ERR_KINDS];
// LAB(guard) begin
/* Per slot, for MBOX_OP_SLOT_STATS: requests served and refused there. */
static uint64_t slot_accepted[MBOX_MAX_SLOTS], slot_refused[MBOX_MAX_SLOTS];
// LAB(guard) stub
// /* TODO(lab guard): what MBOX_OP_SLOT_STATS needs to count, per slot. */
// LAB(guard) end

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

/* Marks the slot of every cpu of the tree except the guard's own. */
static int find_kernel_harts(const struct fdt *tree, uint32_t guard_hart)
{
	int count = 0, cpus = fdt_path(tree, "/cpus");
	for (int cpu = fdt_first_child(tree, cpus); cpu >= 0; cpu = fdt_next_sibling(tree, cpu)) {
		uint64_t hart, size;
		const char *type;
		if (fdt_prop_string(tree, cpu, "device_type", &type) || strcmp(type, "cpu") ||
		    fdt_reg(tree, cpu, 0, &hart, &size) || hart == guard_hart ||
		    hart >= MBOX_MAX_SLOTS)
			continue;
		count += !served[hart];
		served[hart] = 1;
	}
	return count;
}

void mailbox_init(const struct fdt *tree, uint32_t guard_hart)
{
	size_t rng_seed_bytes;
	have_boot_seed = entropy_init(tree, &rng_seed_bytes);
	int harts = find_kernel_harts(tree, guard_hart);
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		slot(i)->state = MBOX_EMPTY;
		slot(i)->session = NO_SESSION;
	}
	struct mbox_header h = { MBOX_MAGIC, MBOX_VERSION,        MBOX_MAX_SLOTS, MBOX_SLOT_BYTES,
				 MBOX_RING,  GUARD_EVENT_ENTRIES, guard_hart };
	copy_out((volatile void *)(MAGMA_MAILBOX_BASE + MBOX_HEADER), &h, sizeof(h));
	if (have_boot_seed)
		guard_log(
			"guard: mailbox ready: slots of %d kernel harts, keys from a %d-byte boot "
			"seed, %lu bytes of rng-seed and timer jitter\n",
			harts, MAGMA_GUARD_SEED_BYTES, (unsigned long)rng_seed_bytes);
	else
		guard_log(
			"guard: no boot seed (the seed page at 0x%x is all zero: was it loaded?): "
			"refusing sessions, keys would rest on timer jitter alone\n",
			MAGMA_GUARD_SEED_ADDR);
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

static void publish_registered(void)
{
	uint32_t harts = 0;
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++)
		harts += sessions[i].id != NO_SESSION;
	lock_write32(ROOT_REGISTERED_HARTS, harts);
}

/*
 * A fresh session, or a re-key of a live one. A live session is taken over
 * only by an OPEN signed with its own key: otherwise anybody could replace
 * the key of a hart's session with one it knows.
 */
static int open_session(uint32_t index, const struct mbox_request *req, struct mbox_reply *reply)
{
	struct session *s = &sessions[index];
	if (!have_boot_seed)
		return MBOX_ERR_NO_ENTROPY;
	if (s->id != NO_SESSION) {
		if (req->seq == 0)
			return MBOX_ERR_SESSION_LIVE;
		int err = mbox_verify(&s->key, s->last_seq, req);
		if (err)
			return err;
	} else if (req->seq != 0) {
		return MBOX_ERR_NO_SESSION; /* signed, but there is no key to check it with */
	}
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		if (i != index && same_name(&sessions[i], req))
			return MBOX_ERR_NAME_TAKEN;
	}
	s->id = next_session_id++;
	s->hart = index;
	s->name_len = req->payload_len;
	for (int i = 0; i < s->name_len; i++)
		s->name[i] = req->payload[i];
	struct mbox_open_reply open = { s->id, 0, { 0 } };
	entropy_draw(open.key);
	mbox_key_init(&s->key, open.key);
	s->last_seq = 0;
	copy_in(reply->data, &open, sizeof(open));
	reply->len = sizeof(open);
	md_wipe(&open, sizeof(open));
	slot(index)->session = s->id;
	publish_registered();
	return 0;
}

static void close_session(uint32_t index)
{
	struct session *s = &sessions[index];
	mbox_key_wipe(&s->key);
	md_wipe(s, sizeof(*s));
	slot(index)->session = NO_SESSION;
	publish_registered();
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
	for (int k = 0; k < MBOX_ERR_KINDS; k++)
		st.requests_refused += refused[k];
	st.last_scan_time = lock_read64(ROOT_LAST_SCAN_TIME);
	copy_in(reply->data, &st, sizeof(st));
	reply->len = sizeof(st);
}

/* Events from seq arg0 on, from the guard's private copy (never from the ring). */
static void incidents(uint64_t first, struct mbox_reply *reply)
{
	struct mbox_incidents out = { event_log_posted(), 0, 0, { { 0 } } };
	struct guard_event e;
	while (out.count < MBOX_INCIDENTS_MAX && event_log_get(first + out.count, &e)) {
		out.events[out.count] = (struct mbox_incident){ e.seq, e.time, e.kind, e.offset,
								e.bad, e.good, { 0 } };
		out.count++;
	}
	copy_in(reply->data, &out, sizeof(out));
	reply->len = sizeof(out);
}

// LAB(guard) begin
/* What the guard counted on `slot`, for the hart of slot `index` if the ACL lets it ask. */
static int slot_stats(uint32_t index, uint32_t slot, struct mbox_reply *reply)
{
	int err = mbox_slot_stats_acl(slot, sessions[index].hart);
	if (err)
		return err;
	struct mbox_slot_stats st = { sessions[slot].id, 0, sessions[slot].last_seq,
				      slot_accepted[slot], slot_refused[slot] };
	copy_in(reply->data, &st, sizeof(st));
	reply->len = sizeof(st);
	return 0;
}
// LAB(guard) end

/* Runs an authenticated request of session `index`; 0 or an MBOX_ERR_*. */
static int act(uint32_t index, const struct mbox_request *req, struct mbox_reply *reply)
{
	switch (req->op) {
	case MBOX_OP_KEY_READ:
		return 0; /* this reply overwrites the slot's reply area: the key is gone */
	case MBOX_OP_PING:
		copy_in(reply->data, &req->arg1, sizeof(req->arg1));
		reply->len = sizeof(req->arg1);
		return 0;
	case MBOX_OP_STATUS: status(reply); return 0;
	case MBOX_OP_WRITE_ROOT: {
		int err = mbox_acl_check(req->arg0, req->arg1, sessions[index].hart);
		if (err)
			return err;
		lock_write(req->arg0, req->payload, (size_t)req->arg1);
		return 0;
	}
	case MBOX_OP_SCAN: {
		uint32_t repaired = (uint32_t)lock_scan();
		copy_in(reply->data, &repaired, sizeof(repaired));
		reply->len = sizeof(repaired);
		return 0;
	}
	case MBOX_OP_INCIDENTS: incidents(req->arg0, reply); return 0;
	case MBOX_OP_CLOSE: close_session(index); return 0;
	// LAB(guard) begin
	case MBOX_OP_SLOT_STATS: return slot_stats(index, req->arg0, reply);
	// LAB(guard) stub
	// /* TODO(lab guard): serve MBOX_OP_SLOT_STATS, its ACL first. */
	// LAB(guard) end
	default: return MBOX_ERR_UNKNOWN_OP;
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
	err = mbox_verify(&s->key, s->last_seq, req);
	if (err)
		return err;
	s->last_seq = req->seq;
	return act(index, req, reply);
}

void mailbox_publish_counters(void)
{
	for (int k = 0; k < MBOX_ERR_KINDS; k++) {
		if (refused[k] != refused_published[k]) {
			lock_write32(ROOT_ERR_COUNTERS + 4 * (size_t)k, refused[k]);
			refused_published[k] = refused[k];
		}
	}
}

/* An accepted request: its root writes, the counters and one seal. A refusal: a private count. */
static void count(uint32_t index, int err)
{
	// LAB(guard) begin
	if (err)
		slot_refused[index]++;
	else
		slot_accepted[index]++;
	// LAB(guard) stub
	// (void)index; /* TODO(lab guard): count per slot for MBOX_OP_SLOT_STATS */
	// LAB(guard) end
	if (err) {
		int k = mbox_error_index(err);
		if (k >= 0)
			refused[k]++;
		return;
	}
	lock_write64(ROOT_REQUESTS_OK, lock_read64(ROOT_REQUESTS_OK) + 1);
	mailbox_publish_counters();
	lock_seal();
}

int mailbox_serve(void)
{
	int n = 0;
	for (uint32_t i = 0; i < MBOX_MAX_SLOTS; i++) {
		volatile struct mbox_slot *s = slot(i);
		uint32_t expected = MBOX_REQUEST;
		if (!served[i] || !__atomic_compare_exchange_n(&s->state, &expected, MBOX_BUSY, 0,
							       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		struct mbox_request req;
		copy_in(&req, &s->request, sizeof(req));
		struct mbox_reply reply = { 0 };
		reply.seq = req.seq;
		int err = handle(i, &req, &reply);
		reply.status = err;
		count(i, err);
		copy_out(&s->reply, &reply, sizeof(reply));
		md_wipe(&reply, sizeof(reply));
		__atomic_store_n(&s->state, MBOX_REPLY, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}
