/*
 * user/uroot.h - the root range as every process sees it.
 *
 * The kernel maps the guard's root range read-only at USER_ROOT_VA
 * (include/user_layout.h) in every process. User code reads it only through
 * this facade (mm/facade), as the kernel does: an offset outside the root is
 * an error code, never a stray load; a store is refused by the facade (and
 * would kill the process: the mapping is read-only).
 */
#ifndef USER_UROOT_H
#define USER_UROOT_H

struct facade;

/* The read-only facade over the whole mapped root (MAGMA_ROOT_SIZE bytes). */
const struct facade *uroot(void);

#endif
