/*
 * sbi/tree.h - opening the device tree once OpenSBI has finished with it.
 *
 * OpenSBI 1.1 starts the other domain's boot hart (sbi_domain_finalize)
 * before the cold-boot hart fixes the tree up in place (platform
 * final_init), so a hart of the losing domain can arrive while the tree is
 * being rewritten. The fix-ups end by deleting /chosen/opensbi-domains; a
 * tree that validates and no longer has that node is settled.
 *
 * Only the kernel opens that tree. The guard reads its own copy in guard
 * private (sbi/guard/own_tree.h), which nothing fixes up or rewrites.
 */
#ifndef SBI_TREE_H
#define SBI_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "../mm/fdt.h"

/*
 * Opens the tree at blob (at most max_bytes), retrying for up to timeout
 * (in time-CSR ticks) until it validates and the domain configuration is
 * gone. Returns 0 when settled, 1 when it validates but still holds the
 * domain node at the deadline, or the last FDT_ERR_* when it never
 * validated; the caller says so and calls again (every OpenSBI from 1.1 on
 * removes the node, but a slow host can take long to get there).
 */
int tree_open_settled(struct fdt *fdt, const void *blob, size_t max_bytes, uint64_t timeout);

#endif
