/*
 * kernel/exec.h - replacing a process's program with an ELF file's.
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

/*
 * Loads the ELF executable at path into a fresh address space, with argv
 * (kernel strings, NULL-terminated) on its stack, and switches the current
 * process to it. argc on success (the new program's a0), or -1 with a
 * kernel log line saying why (a malformed ELF file is refused, never run).
 */
int exec_kernel(const char *path, char *const argv[]);

#endif
