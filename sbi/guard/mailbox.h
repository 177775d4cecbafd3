/*
 * sbi/guard/mailbox.h - the guard's side of the mailbox (protocol: lib/mbox.h).
 *
 * Sessions, keys and sequence numbers live in guard private. Every request
 * is copied out of shared memory before it is parsed, so the kernel cannot
 * change it between the check and the use.
 */
#ifndef GUARD_MAILBOX_H
#define GUARD_MAILBOX_H

#include <stdint.h>

#include "../../mm/fdt.h"

/* Sets up the header and slots; seeds the key generator from the tree and timer jitter. */
void mailbox_init(const struct fdt *tree, uint32_t guard_hart);
/* Serves every waiting request once; returns how many it served. */
int mailbox_serve(void);

#endif
