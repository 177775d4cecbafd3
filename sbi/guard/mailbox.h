/*
 * sbi/guard/mailbox.h - the guard's side of the mailbox (protocol: lib/mbox.h).
 *
 * Sessions, keys and sequence numbers live in guard private. Only the slots
 * of the kernel's real harts (from the guard's own tree) are served. Every
 * request is copied out of shared memory once, before it is parsed, so the
 * kernel cannot change it between the check and the use. Refusals are
 * counted in guard private and published into the root with the next sealed
 * batch (a scan or an accepted request): a refused request, however many
 * come, costs no reseal.
 */
#ifndef GUARD_MAILBOX_H
#define GUARD_MAILBOX_H

#include <stdint.h>

#include "../../mm/fdt.h"

/*
 * Sets up the header and slots and seeds the key generator. Serves the slot
 * of every cpu in tree other than guard_hart. With no boot seed, sessions
 * are refused (MBOX_ERR_NO_ENTROPY) and the log says why.
 */
void mailbox_init(const struct fdt *tree, uint32_t guard_hart);
/* Serves every waiting request once; returns how many it served. */
int mailbox_serve(void);
/* Writes refusal counters that changed since the last call into the root (caller seals). */
void mailbox_publish_counters(void);

#endif
