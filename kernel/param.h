/*
 * kernel/param.h - limits, with xv6's names where xv6 programs use them.
 *
 * magma has no fixed process table: NPROC is only a number xv6 programs
 * (usertests) use to size their loops; the kernel itself is limited by
 * memory alone.
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NPROC       64                /* for xv6 programs only: the kernel has no process table */
#define NOFILE      32                /* open files per process */
#define MAXARG      32                /* exec arguments */
#define MAXPATH     256               /* path name bytes, NUL included */
#define MAXOPBLOCKS 16                /* blocks one file-system operation may write */
#define LOGSIZE     (MAXOPBLOCKS * 4) /* log blocks, header excluded */
#define NBUF        (MAXOPBLOCKS * 4) /* buffers the cache holds at least */
#define FSSIZE      32768             /* blocks in the default disk image (4 KiB each: 128 MiB) */
#define ROOTDEV     1
#define NDEV        10 /* device major numbers */
#define CONSOLE     1  /* the console's major number */

#endif
