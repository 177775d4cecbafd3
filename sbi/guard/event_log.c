/*
 * sbi/guard/event_log.c - the incident log (see event_log.h).
 */
#include "event_log.h"

#include "../../include/events.h"
#include "../../include/layout.h"
#include "../../lib/mbox.h"
#include "runtime.h"

static struct guard_ring *const ring = (struct guard_ring *)(MAGMA_MAILBOX_BASE + MBOX_RING);

/* In guard private: the truth about what was posted. */
static struct guard_event events[GUARD_EVENT_ENTRIES];
static uint64_t posted;

static void copy_out(volatile void *dst, const void *src, uint64_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;
	for (uint64_t i = 0; i < n; i++)
		d[i] = s[i];
}

void event_log_init(void)
{
	posted = 0;
	static const struct guard_event blank;
	for (int i = 0; i < GUARD_EVENT_ENTRIES; i++)
		copy_out(&ring->entries[i], &blank, sizeof(blank));
	__atomic_store_n(&ring->head, 0, __ATOMIC_RELEASE);
}

void event_log_post(uint32_t kind, uint32_t offset, uint8_t bad, uint8_t good)
{
	uint64_t n = posted++;
	struct guard_event *e = &events[n % GUARD_EVENT_ENTRIES];
	*e = (struct guard_event){ n, guard_now(), kind, offset, bad, good, { 0 } };
	copy_out(&ring->entries[n % GUARD_EVENT_ENTRIES], e, sizeof(*e));
	/* The entry before the head: a reader that sees head n+1 sees entry n. */
	__atomic_store_n(&ring->head, n + 1, __ATOMIC_RELEASE);
}

int event_log_get(uint64_t seq, struct guard_event *out)
{
	if (seq >= posted || posted - seq > GUARD_EVENT_ENTRIES)
		return 0;
	*out = events[seq % GUARD_EVENT_ENTRIES];
	return 1;
}

uint64_t event_log_posted(void)
{
	return posted;
}
