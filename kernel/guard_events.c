/*
 * kernel/guard_events.c - waiting for the guard, reporting its incidents,
 * and watching that it keeps scanning.
 *
 * The event ring is guard-written but lives in memory the kernel can write
 * too, so nothing read from it is trusted blindly: the head is read before
 * the entries (with a fence between), a head that goes backwards is
 * reported and followed, and an entry whose seq is not the one expected is
 * reported as lost, never misread. The guard's own copy of every event is
 * one authenticated INCIDENTS request away (guard_incidents).
 */
#include "guard.h"

#include "../include/events.h"
#include "../include/root.h"
#include "../lib/mbox.h"
#include "board.h"
#include "console.h"
#include "hart.h"
#include "intr.h"
#include "panic.h"
#include "rootview.h"
#include "timer.h"
#include "wait.h"

/* Scans missing for this many periods (and at least the floor) are reported. */
#define SCAN_STALL_PERIODS  20
#define SCAN_STALL_FLOOR_MS 500

static uint64_t events_seen;

static struct {
	uint64_t scans;      /* ROOT_SCAN_COUNT when it last changed */
	uint64_t changed_us; /* when that was */
	uint64_t limit_us;   /* silence longer than this is a stall */
	int reported;        /* a stall is being reported */
} watch;

static struct guard_ring *ring(void)
{
	return (struct guard_ring *)(board.mailbox.base + MBOX_RING);
}

static uint64_t ring_head(void)
{
	return __atomic_load_n(&ring()->head, __ATOMIC_ACQUIRE);
}

/* Whether the guard has set the mailbox up: its first act, long before ON state 2. */
static int mailbox_ready(void)
{
	const volatile struct mbox_header *h =
		(const volatile struct mbox_header *)(board.mailbox.base + MBOX_HEADER);
	return h->magic == MBOX_MAGIC;
}

/* ON state and what else tells how far the guard got, for the progress lines. */
static void print_guard_progress(void)
{
	kprintf("root ON state %u, protected flag %u, mailbox %s\n", root_u8(ROOT_ON_STATE),
		root_u8(ROOT_PROTECTED), mailbox_ready() ? "set up" : "never set up");
}

void guard_wait_ready(void)
{
	rootview_init();
	struct wait w;
	wait_start(&w);
	while (root_u8(ROOT_ON_STATE) != ROOT_ON_PROTECTED) {
		int started = mailbox_ready() || root_u8(ROOT_ON_STATE) != ROOT_ON_INITIALISED;
		uint64_t limit_ms = started ? GUARD_READY_LIMIT_MS : GUARD_START_LIMIT_MS;
		if (wait_elapsed_ms(&w) >= limit_ms) {
			kprintf("magma: guard did not come up within %lu ms (the guard hart may have "
				"faulted or never started): ",
				limit_ms);
			print_guard_progress();
			kprintf("magma: stopping: nothing protects the root without the guard\n");
			halt();
		}
		if (wait_sleep(&w)) {
			kprintf("magma: still waiting for the guard after %lu ms: ",
				wait_elapsed_ms(&w));
			print_guard_progress();
		}
	}
	kprintf("magma: guard: root ON state 2 (protected) after %lu us, layout %u.%u.%u, "
		"guard hart %u\n",
		timer_now_us() - w.start_us, root_u8(ROOT_VERSION_MAJOR),
		root_u8(ROOT_VERSION_MINOR), root_u8(ROOT_VERSION_INC), root_u32(ROOT_GUARD_HART));
	events_seen = ring_head(); /* events before boot were the guard's own business */
	uint64_t period_ms = root_u32(ROOT_SCAN_PERIOD_US) / 1000;
	watch.limit_us = 1000 * (period_ms * SCAN_STALL_PERIODS > SCAN_STALL_FLOOR_MS
					 ? period_ms * SCAN_STALL_PERIODS
					 : SCAN_STALL_FLOOR_MS);
	watch.scans = root_u64(ROOT_SCAN_COUNT);
	watch.changed_us = timer_now_us();
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
		kprintf("magma: guard: shadow copy failed the CRC (first difference at root+0x%x); "
			"rebuilt from the root\n",
			e->offset);
		break;
	case GUARD_EVENT_BOTH_CHANGED:
		kprintf("magma: guard: root and shadow changed alike (CRC mismatch, no byte to "
			"repair from); CRC adopted\n");
		break;
	case GUARD_EVENT_REPAIRS_UNLISTED:
		kprintf("magma: guard: and %u more byte(s) repaired in that scan\n", e->offset);
		break;
	case GUARD_EVENT_CONFLICT:
		kprintf("magma: guard: root and shadow differ from root+0x%x and neither passes the "
			"CRC; root restored from the shadow\n",
			e->offset);
		break;
	default: kprintf("magma: guard: event %lu of unknown kind %u\n", e->seq, e->kind);
	}
}

static void poll_ring(void)
{
	uint64_t head = ring_head();
	if (head < events_seen) {
		kprintf("magma: guard: event ring head went back from %lu to %lu (not the guard's "
			"doing); following it\n",
			events_seen, head);
		events_seen = head;
		return;
	}
	if (head - events_seen > GUARD_EVENT_ENTRIES) {
		kprintf("magma: guard: %lu events lost (ring overran)\n",
			head - events_seen - GUARD_EVENT_ENTRIES);
		events_seen = head - GUARD_EVENT_ENTRIES;
	}
	for (; events_seen < head; events_seen++) {
		const volatile struct guard_event *slot =
			&ring()->entries[events_seen % GUARD_EVENT_ENTRIES];
		struct guard_event e = *(const struct guard_event *)slot;
		/* Re-read the seq: an entry the guard is overwriting meanwhile counts as lost. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (e.seq != events_seen || slot->seq != events_seen) {
			kprintf("magma: guard: event %lu lost (entry holds %lu)\n", events_seen,
				e.seq);
			continue;
		}
		report(&e);
	}
}

/* The guard's scans must keep coming: say so when they stop, and when they resume. */
static void watch_scans(void)
{
	uint64_t scans = root_u64(ROOT_SCAN_COUNT), now = timer_now_us();
	if (scans != watch.scans) {
		if (watch.reported)
			kprintf("magma: guard: scans resumed after %lu ms without one\n",
				(now - watch.changed_us) / 1000);
		watch.scans = scans;
		watch.changed_us = now;
		watch.reported = 0;
	} else if (!watch.reported && now - watch.changed_us > watch.limit_us) {
		kprintf("magma: guard: no scan for %lu ms (period %u us, last scan count %lu)\n",
			(now - watch.changed_us) / 1000, root_u32(ROOT_SCAN_PERIOD_US), scans);
		watch.reported = 1;
	}
}

void guard_poll_events(void)
{
	poll_ring();
	watch_scans();
}

void guard_doorbell(void)
{
	if (this_hartid() == guard_poller)
		guard_poll_events();
}
