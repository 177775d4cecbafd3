/*
 * kernel/guard.c - waiting for the guard and reporting its incidents.
 *
 * The event ring is guard-written but lives in memory the kernel can write
 * too, so nothing read from it is trusted blindly: an entry whose seq is not
 * the one expected is reported as lost, never misread.
 */
#include "guard.h"

#include "../lib/mbox.h"
#include "../mm/facade.h"
#include "../lib/sha256.h"
#include "../lib/string.h"
#include "../include/events.h"
#include "../include/root.h"
#include "board.h"
#include "console.h"
#include "hart.h"
#include "intr.h"
#include "panic.h"
#include "timer.h"

static uint64_t events_seen;

/* Read-only facades over the root (the seed's RootFacade / ShareMemoryFacade). */
static struct facade root_view, protected_bits;

static uint8_t root8(size_t offset)
{
	uint8_t v = 0;
	if (facade_read8(&protected_bits, offset, &v))
		panic("guard: root+0x%lx is outside the protected bits", offset);
	return v;
}

static uint32_t root32(size_t offset)
{
	uint32_t v = 0;
	if (facade_read32(&root_view, offset, &v))
		panic("guard: cannot read root+0x%lx", offset);
	return v;
}

static struct guard_ring *ring(void)
{
	return (struct guard_ring *)(board.mailbox.base + MBOX_RING);
}

void guard_wait_ready(uint64_t timeout_ms)
{
	if (facade_init(&root_view, (volatile void *)board.root.base, board.root.size, FACADE_READ,
			"root") ||
	    facade_sub(&root_view, ROOT_PROTECTED_BASE, ROOT_PROTECTED_SIZE, FACADE_READ,
		       "protected bits", &protected_bits))
		panic("guard: no facade over the root at 0x%lx", board.root.base);
	uint64_t start = timer_now_us(), deadline = start + timeout_ms * 1000;
	while (root8(ROOT_ON_STATE) != ROOT_ON_PROTECTED && timer_now_us() < deadline)
		wfi();
	if (root8(ROOT_ON_STATE) != ROOT_ON_PROTECTED) {
		kprintf("magma: guard did not come up within %lu ms: root ON state is %u, "
			"protected flag %u (the guard hart may have faulted or never started)\n",
			timeout_ms, root8(ROOT_ON_STATE), root8(ROOT_PROTECTED));
		kprintf("magma: stopping: nothing protects the root without the guard\n");
		halt();
	}
	kprintf("magma: guard: root ON state 2 (protected) after %lu us, layout %u.%u.%u, "
		"guard hart %u\n", timer_now_us() - start, root8(ROOT_VERSION_MAJOR),
		root8(ROOT_VERSION_MINOR), root8(ROOT_VERSION_INC), root32(ROOT_GUARD_HART));
	events_seen = ring()->head; /* events before boot were the guard's own business */
}

static void report(const struct guard_event *e)
{
	switch (e->kind) {
	case GUARD_EVENT_ROOT_REPAIRED:
		kprintf("magma: guard: repaired 1 byte(s) at root+0x%x (0x%02x -> 0x%02x)\n",
			e->offset, e->bad, e->good);
		break;
	case GUARD_EVENT_CRC_REBUILT:
		kprintf("magma: guard: stored CRC failed its MD5; rebuilt from the shadow\n");
		break;
	case GUARD_EVENT_SHADOW_REBUILT:
		kprintf("magma: guard: shadow copy failed the CRC; rebuilt from the root\n");
		break;
	default:
		kprintf("magma: guard: event %lu of unknown kind %u\n", e->seq, e->kind);
	}
}

void guard_poll_events(void)
{
	uint64_t head = ring()->head;
	if (head - events_seen > GUARD_EVENT_ENTRIES) {
		kprintf("magma: guard: %lu events lost (ring overran)\n",
			head - events_seen - GUARD_EVENT_ENTRIES);
		events_seen = head - GUARD_EVENT_ENTRIES;
	}
	for (; events_seen < head; events_seen++) {
		struct guard_event e = ring()->entries[events_seen % GUARD_EVENT_ENTRIES];
		if (e.seq != events_seen) {
			kprintf("magma: guard: event %lu lost (entry holds %lu)\n", events_seen, e.seq);
			continue;
		}
		report(&e);
	}
}

void guard_doorbell(void)
{
	if (this_hartid() == guard_poller)
		guard_poll_events();
}

/* --- the mailbox client --- */

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
