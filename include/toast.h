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

/* The shared block's current and last state (seed: "the state of the Robot"): the bootstrap's phase. */
enum toast_state {
	TOAST_STATE_STARTING = 0, /* the bootstrap is loading the modules of /etc/modules */
	TOAST_STATE_RUNNING = 1,  /* every module has loaded, failed, or been restarted */
	TOAST_STATE_STOPPING = 2, /* the bootstrap is going: modules stop at their next tick */
};

/*
 * magma's own part of the shared block, past the seed's fields (the seed
 * over-allocates the block for such additions): one entry per module, by the
 * same index as the activity table. The bootstrap writes pid, restarts and
 * last_status; the module library counts ticks. modstat and init read it.
 */
struct toast_module_status {
	int32_t pid;           /* 0x00: the module's process, 0 when none runs */
	uint32_t restarts;     /* 0x04: how often the bootstrap started it again */
	uint32_t ticks;        /* 0x08: state ticks of the current run */
	int32_t last_status;   /* 0x0C: exit status of the last run (-1: killed) */
	char private_name[32]; /* 0x10: its private block's name (toast_private_name) */
};

#define TOAST_MODULE_TABLE 0x200 /* where magma's table starts in the shared block */

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
	/* magma's additions (the seed leaves 0x110 on free) */
	uint8_t unused_110[TOAST_MODULE_TABLE - 0x110];       /* 0x110 - 0x1FF */
	uint32_t module_count;                                /* 0x200: entries in use */
	uint32_t unused_204[3];                               /* 0x204 - 0x20F */
	struct toast_module_status module[TOAST_MAX_MODULES]; /* 0x210: 48 bytes each */
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
TOAST_AT(toast_shared, module_count, TOAST_MODULE_TABLE);
TOAST_AT(toast_shared, module, TOAST_MODULE_TABLE + 0x10);
TOAST_AT(toast_module_status, pid, 0x00);
TOAST_AT(toast_module_status, restarts, 0x04);
TOAST_AT(toast_module_status, ticks, 0x08);
TOAST_AT(toast_module_status, last_status, 0x0C);
TOAST_AT(toast_module_status, private_name, 0x10);
_Static_assert(sizeof(struct toast_module_status) == 48, "a module's status entry is 48 bytes");
_Static_assert(sizeof(struct toast_private) == TOAST_PRIVATE_SIZE,
	       "the private block is 512 bytes");
_Static_assert(sizeof(struct toast_shared) <= TOAST_SHARED_SIZE,
	       "the shared block's fields fit in its 1 MiB");
_Static_assert(offsetof(struct toast_private, name) + TOAST_NAME_BYTES == 0x42,
	       "the module name ends at 0x41");
#undef TOAST_AT

#endif
