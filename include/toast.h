/*
 * include/toast.h - the Toast shared-memory blocks: the layouts the module
 * bootstrap (init), the module library (user/module.c) and modstat share.
 *
 * From the "Toast shared memory" seed (../shared/seeds/003_*.txt), at its
 * offsets, which the static checks below hold every field to. Both blocks are
 * named shared memory (the shm* system calls): one shared block of 1 MiB
 * for everyone, and a private block of 512 bytes per module.
 *
 * The private block's name is "toast.private." and 16 hex digits: the first
 * 8 bytes of the SHA-256 of the module file's absolute path (the seed asks
 * for "a hash of the path"; a cryptographic one, so two paths do not meet by
 * accident or by a chosen name). The seed's other name, module_private_{x}
 * by activity index, is not used: an index changes with the configuration,
 * a path does not.
 *
 * Plain header: no dependencies beyond <stdint.h> and <stddef.h>.
 */
#ifndef MAGMA_TOAST_H
#define MAGMA_TOAST_H

#include <stddef.h>
#include <stdint.h>

#define TOAST_SHARED_NAME    "toast.shared"
#define TOAST_SHARED_SIZE    (1u << 20)
#define TOAST_PRIVATE_PREFIX "toast.private."
#define TOAST_PRIVATE_SIZE   512u
#define TOAST_MAX_MODULES    256u /* one activity byte each */
#define TOAST_NAME_BYTES     50u
#define TOAST_FILE_BYTES     256u

/* The private block's verification byte: a module's load state and error. */
enum toast_verification {
	TOAST_VERIFY_BEFORE_LOAD = 0x7A, /* set by the bootstrap before the module runs */
	TOAST_VERIFY_SEEN = 0x7B,        /* set by the module when it found 0x7A */
	TOAST_VERIFY_LOADED = 0x7C,      /* loaded with no problem: the module is valid */
	TOAST_VERIFY_MISMATCH = 0x80,    /* the module did not find 0x7A and stopped */
	TOAST_VERIFY_CORRUPT = 0x8A,     /* the file cannot be loaded (not an executable) */
	TOAST_VERIFY_NO_INFO = 0x8B,     /* _get_module_information is missing */
	TOAST_VERIFY_NO_INSTANCE = 0x8C, /* _allocate_module_instance is missing */
};

/* The shared block's activity table: one byte per module, in load order. */
enum toast_activity {
	TOAST_ACTIVITY_UNKNOWN = 0,    /* not discovered or not loaded */
	TOAST_ACTIVITY_DISCOVERED = 1, /* discovered, not loaded */
	TOAST_ACTIVITY_ACTIVE = 2,
	TOAST_ACTIVITY_CRASHED = 3, /* crashed, awaiting a restart if it has one */
	TOAST_ACTIVITY_RESTARTED = 4,
};

/* The private block, one per module (seed: "Private Block"). */
struct toast_private {
	uint8_t verification;            /* 0x00: enum toast_verification */
	uint8_t restart;                 /* 0x01: 1 if restartable and loaded correctly */
	uint8_t info_set;                /* 0x02: 1 once name and restart are written */
	uint8_t unused_03[0x10 - 0x03];  /* 0x03 - 0x0F */
	char name[TOAST_NAME_BYTES];     /* 0x10 - 0x41: the module's name, NUL-padded */
	uint8_t unused_42[0x100 - 0x42]; /* 0x42 - 0xFF */
	char file[TOAST_FILE_BYTES];     /* 0x100 - 0x1FF: the module file's path */
};

/* The shared block (seed: "Shared Block"); the rest of its 1 MiB is for modules. */
struct toast_shared {
	int32_t bootstrap_pid;               /* 0x00: its death takes the modules with it */
	uint8_t debug;                       /* 0x04: 1 in debug mode */
	uint8_t unused_05;                   /* 0x05 */
	uint8_t current_state;               /* 0x06 */
	uint8_t last_state;                  /* 0x07 */
	uint8_t state_tick_ms;               /* 0x08: how long modules wait between ticks */
	uint8_t unused_09[0x10 - 0x09];      /* 0x09 - 0x0F */
	uint8_t activity[TOAST_MAX_MODULES]; /* 0x10 - 0x10F: enum toast_activity */
};

#define TOAST_AT(type, field, offset)                            \
	_Static_assert(offsetof(struct type, field) == (offset), \
		       #type "." #field " is not at the seed's offset " #offset)
TOAST_AT(toast_private, verification, 0x00);
TOAST_AT(toast_private, restart, 0x01);
TOAST_AT(toast_private, info_set, 0x02);
TOAST_AT(toast_private, name, 0x10);
TOAST_AT(toast_private, file, 0x100);
TOAST_AT(toast_shared, bootstrap_pid, 0x00);
TOAST_AT(toast_shared, debug, 0x04);
TOAST_AT(toast_shared, current_state, 0x06);
TOAST_AT(toast_shared, last_state, 0x07);
TOAST_AT(toast_shared, state_tick_ms, 0x08);
TOAST_AT(toast_shared, activity, 0x10);
_Static_assert(sizeof(struct toast_private) == TOAST_PRIVATE_SIZE,
	       "the private block is 512 bytes");
_Static_assert(sizeof(struct toast_shared) <= TOAST_SHARED_SIZE,
	       "the shared block's fields fit in its 1 MiB");
_Static_assert(offsetof(struct toast_private, name) + TOAST_NAME_BYTES == 0x42,
	       "the module name ends at 0x41");
#undef TOAST_AT

#endif
