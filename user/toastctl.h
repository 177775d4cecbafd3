/*
 * user/toastctl.h - what the bootstrap, init and modstat do with the Toast blocks.
 */
#ifndef USER_TOASTCTL_H
#define USER_TOASTCTL_H

#include "include/toast.h"

/* The shared block mapped (flags: 0 or SHM_RDONLY), or 0 if there is none. */
volatile struct toast_shared *toast_attach_shared(int flags);

/* Private block `name` mapped (flags as above), or 0 if there is none. */
volatile struct toast_private *toast_attach_private(const char *name, int flags);

/* Whether process pid exists and has not exited (a zombie has). */
int toast_process_alive(int pid);

/* Unlinks every block named "toast.*"; how many. Mapped ones go at their last detach. */
int toast_unlink_all(void);

/*
 * What init does when the bootstrap is gone: tells the modules to stop
 * (current state STOPPING), kills those still running, and unlinks the
 * blocks. The module table is writable by every module, so a pid from it is
 * killed only if it is the caller's child (an orphaned module is init's) and
 * not `spare` (init's shell).
 */
void toast_stop_modules(int spare);

#endif
