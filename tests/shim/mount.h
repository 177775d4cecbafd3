/*
 * tests/shim/mount.h - mounting the kernel's file system on the shim's disk, and dropping it.
 *
 * fs_init may run again and again on one disk (a crash test mounts every
 * crash image): before each, every reference the process holds (open
 * files, the current directory) is dropped, as a crash would drop them.
 */
#ifndef TESTS_SHIM_MOUNT_H
#define TESTS_SHIM_MOUNT_H

/* Closes every open file of the shim's process and drops its current directory. */
void shim_unmount(void);
/* shim_unmount, a cleared kernel log, fs_init and "/" as the current directory; fs_init's result. */
int shim_mount(void);

#endif
