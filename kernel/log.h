/*
 * kernel/log.h - the write-ahead log: every file-system call is atomic across a crash.
 *
 * A system call that writes the file system brackets its work with
 * log_begin_op/log_end_op and writes blocks only through log_write. The
 * blocks stay in the buffer cache until the last running operation ends;
 * then the whole group is committed: written to the log, the log header
 * written (the commit point), the blocks copied to their homes. A crash
 * before the header leaves the disk as it was; after it, mounting replays
 * the log. Either all of a group's writes reach the disk or none does.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdint.h>

struct buf;
struct fs_super;

/*
 * Takes over the log described by sb (already validated) and replays a
 * committed transaction left by a crash. A torn or invalid header is
 * reported and ignored. Called once by fs_init.
 */
void log_init(const struct fs_super *sb);
/*
 * Starts a file-system operation: waits while a commit runs or while the
 * log could not hold MAXOPBLOCKS more blocks. Every file-system call that
 * may write brackets its work with log_begin_op/log_end_op.
 */
void log_begin_op(void);
/* Ends an operation; the last one of a group commits the group (and sleeps while it does). */
void log_end_op(void);
/*
 * Records that b (held by the caller, inside an operation) was modified:
 * it is pinned in the cache and written at the next commit, not now.
 * Panics if the operation writes more blocks than the log can hold.
 */
void log_write(struct buf *b);

#endif
