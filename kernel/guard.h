/*
 * kernel/guard.h - the kernel's side of the guard: readiness and incidents.
 *
 * The guard writes the root (read-only to us) and its event ring in the
 * mailbox; the kernel only reads both and reports what it sees.
 */
#ifndef KERNEL_GUARD_H
#define KERNEL_GUARD_H

#include <stdint.h>

/*
 * Waits until the root's ON state is 2 (protected), up to timeout_ms. Prints
 * how long it took; if it never comes, prints why and stops the kernel.
 */
void guard_wait_ready(uint64_t timeout_ms);
/* The hart whose timer tick calls guard_poll_events(), once the guard is up. */
extern volatile uint64_t guard_poller;
/* Logs every event the guard posted since the last call (boot hart's tick). */
void guard_poll_events(void);

#define GUARD_ERR_TIMEOUT -100 /* no reply within GUARD_REPLY_TIMEOUT_MS */
#define GUARD_ERR_BUSY -101    /* this hart's slot still holds an unanswered request */
#define GUARD_REPLY_TIMEOUT_MS 200

struct mbox_request;
struct mbox_reply;
struct mbox_status;

/*
 * Opens this hart's session under `name`: the reply carries the session key,
 * which is kept in kernel memory and acknowledged at once (KEY_READ) so the
 * guard wipes it from the shared slot. 0 or an MBOX_ERR_* / GUARD_ERR_*.
 */
int guard_open_session(const char *name);

/* The first 4 bytes of SHA-256 of this hart's session key: tells keys apart, reveals nothing useful. */
uint32_t guard_key_fingerprint(void);

/* Typed calls on this hart's session: 0 or an MBOX_ERR_* / GUARD_ERR_*. */
int guard_ping(uint64_t value, uint64_t *echo);
int guard_status(struct mbox_status *status);
int guard_write_root(uint32_t offset, const void *src, uint16_t len);
int guard_force_scan(uint32_t *repaired);
struct mbox_incidents;
int guard_incidents(uint64_t first_seq, struct mbox_incidents *out);

/*
 * Low level, for tests of the guard's refusals: sends req as it is (tag and
 * seq included) and waits for the reply. 0 or the reply's status.
 */
int guard_submit(const struct mbox_request *req, struct mbox_reply *reply);
/* Fills seq (next in this hart's session) and the tag of req. */
void guard_sign(struct mbox_request *req);

/* The guard rang this hart's doorbell (AIA): events or a reply are waiting. */
void guard_doorbell(void);

#endif
