/*
 * kernel/guard_events.c - waiting for the guard and reporting its incidents.
 *
 * The event ring is guard-written but lives in memory the kernel can write
 * too, so nothing read from it is trusted blindly: an entry whose seq is not
 * the one expected is reported as lost, never misread.
 */
#include "guard.h"

#include "../lib/mbox.h"
#include "../mm/facade.h"
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
