/*
 * kernel/guard.h - the kernel's side of the guard: readiness, incidents and
 * the mailbox client.
 *
 * The guard writes the root (read-only to us) and its event ring in the
 * mailbox; the kernel reads both, reports what it sees, and talks to the
 * guard through its harts' mailbox slots (protocol: lib/mbox.h). Every
 * error code any of this returns is an MBOX_ERR_*, named by mbox_strerror.
 */
#ifndef KERNEL_GUARD_H
#define KERNEL_GUARD_H

#include <stdint.h>

/* No sign of the guard (mailbox never set up, ON state 0) for this long: it never started. */
#define GUARD_START_LIMIT_MS 10000
/* The guard started but has not protected the root after this long: it is stuck. */
#define GUARD_READY_LIMIT_MS 30000

/*
 * Waits until the root's ON state is 2 (protected), however slow the host,
 * saying once a second how far the guard got; prints how long it took. If
 * the guard shows no sign of life within GUARD_START_LIMIT_MS, or started but
 * is not ready within GUARD_READY_LIMIT_MS, prints why and stops the kernel.
 */
void guard_wait_ready(void);
/* The hart whose timer tick calls guard_poll_events(), once the guard is up. */
extern volatile uint64_t guard_poller;
/*
 * The boot hart's tick: logs every event the guard posted since the last
 * call, and watches the guard's scans ("magma: guard: no scan for N ms").
 */
void guard_poll_events(void);
/* The guard rang this hart's doorbell (AIA): events or a reply are waiting. */
void guard_doorbell(void);

/*
 * How long a request may wait for its reply. A slow host only delays it: the
 * client says every GUARD_PROGRESS_MS that it is still waiting, and gives up
 * with MBOX_ERR_TIMEOUT only after GUARD_PATIENCE_MS. The slot is taken back
 * by the next request (a late reply is then discarded, never mistaken).
 */
#define GUARD_PATIENCE_MS 15000
#define GUARD_PROGRESS_MS 1000

struct mbox_request;
struct mbox_reply;
struct mbox_status;
struct mbox_incidents;
struct mbox_slot_stats;

/*
 * Opens this hart's session under `name`: the reply carries the session key,
 * which is kept in kernel memory and acknowledged at once (KEY_READ), whose
 * reply overwrites it in the shared slot. With a session already open, the
 * OPEN is signed with its key (a re-key, under a new name if asked).
 */
int guard_open_session(const char *name);
/* Ends this hart's session: the guard forgets its key and name. */
int guard_close_session(void);
/* The first 4 bytes of SHA-256 of this hart's session key: tells keys apart, reveals nothing useful. */
uint32_t guard_key_fingerprint(void);

/* Typed calls on this hart's session: 0 or an MBOX_ERR_*. */
int guard_ping(uint64_t value, uint64_t *echo);
int guard_status(struct mbox_status *status);
int guard_write_root(uint32_t offset, const void *src, uint16_t len);
int guard_force_scan(uint32_t *repaired);
int guard_incidents(uint64_t first_seq, struct mbox_incidents *out);
/* What the guard counted on `slot` (a hart id): only this hart's own may be asked for. */
int guard_slot_stats(uint32_t slot, struct mbox_slot_stats *out);

/*
 * Low level, for tests of the guard's refusals: sends req as it is (tag and
 * seq included) and waits for the reply. 0 or the reply's status.
 */
int guard_submit(const struct mbox_request *req, struct mbox_reply *reply);
/* Fills seq (next in this hart's session) and the tag of req. */
void guard_sign(struct mbox_request *req);

#endif
