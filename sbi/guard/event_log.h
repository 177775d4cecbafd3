/*
 * sbi/guard/event_log.h - the guard's incident log: a private copy and the ring.
 *
 * Each event is built in guard private and kept there (the copy INCIDENTS
 * answers from); only then is it copied out to the ring in the mailbox
 * (include/events.h), which the kernel can read and also write. Nothing is
 * ever read back from the ring, so a kernel scribbling on it changes what it
 * sees there and nothing else.
 */
#ifndef GUARD_EVENT_LOG_H
#define GUARD_EVENT_LOG_H

#include <stdint.h>

struct guard_event;

/* Empties the log and the ring (install, before the kernel looks). */
void event_log_init(void);
/* Records an event of `kind` (enum guard_event_kind) and publishes it in the ring. */
void event_log_post(uint32_t kind, uint32_t offset, uint8_t bad, uint8_t good);
/* Event seq from the private copy; 0 if it was never posted or has been overwritten. */
int event_log_get(uint64_t seq, struct guard_event *out);
/* Events posted so far. */
uint64_t event_log_posted(void);

#endif
