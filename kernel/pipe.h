/*
 * kernel/pipe.h - pipes: a bounded byte queue between a write end and a read end.
 *
 * A reader sleeps while the pipe is empty and a writer while it is full;
 * each side wakes the other only when the other is actually asleep, so a
 * small round trip costs two wakeups and no polling. Reads return what is
 * there (at least one byte); writes block until all is written, or fail
 * once no reader is left. A killed process gives up a blocked read or write.
 */
#ifndef KERNEL_PIPE_H
#define KERNEL_PIPE_H

#include <stdint.h>

struct file;
struct pipe;

/* A new pipe and its two ends. 0, or -1 (nothing allocated) when memory is exhausted. */
int pipe_alloc(struct file **read_end, struct file **write_end);
/* Closes one end (writable: the write end); the last close frees the pipe. */
void pipe_close(struct pipe *pi, int writable);
/* Up to n bytes into user address dst_va; bytes read, 0 when empty and no writer is left, or -1. */
int pipe_read(struct pipe *pi, uint64_t dst_va, int n);
/* n bytes from user address src_va; bytes written (fewer when the reader left, the writer was
 * killed or the address went bad midway), or -1 when none was. */
int pipe_write(struct pipe *pi, uint64_t src_va, int n);

#endif
