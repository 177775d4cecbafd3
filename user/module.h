/*
 * user/module.h - the module library: what a module author writes against.
 *
 * A module is a program that defines the two entry points below and no
 * main(): the library's main (user/module_main.c) attaches the Toast blocks
 * (include/toast.h), runs the verification byte protocol, asks the module
 * for its information and an instance, and then calls the instance's tick
 * every state tick until the tick returns nonzero or the bootstrap is gone.
 * The bootstrap (user/modboot.c) checks that a module file defines both
 * entry points before it starts it, so a module missing one is never run.
 *
 *   void _get_module_information(struct module_info *info);
 *   struct module_instance *_allocate_module_instance(void);
 *
 * The bootstrap starts a module as `PATH INDEX`: PATH is the module file's
 * absolute path (its private block's name comes from it), INDEX its entry in
 * the activity table. Run by hand, a module says it needs the bootstrap and
 * touches nothing.
 */
#ifndef USER_MODULE_H
#define USER_MODULE_H

#include "include/toast.h"

/* What _get_module_information fills in. */
struct module_info {
	char name[TOAST_NAME_BYTES]; /* NUL-ended; the private block keeps 49 bytes of it */
	int restartable;             /* 1: restart me after a crash (and /etc/modules agrees) */
};

/* What one tick sees. */
struct module_tick {
	unsigned number;                      /* 1 for the first tick of this run */
	unsigned restarts;                    /* how often the bootstrap restarted this module */
	volatile struct toast_shared *shared; /* the shared block, mapped read-write */
};

/* An instance: its state and its tick, which returns 0 to go on or an exit status. */
struct module_instance {
	void *state;
	int (*tick)(void *state, const struct module_tick *tick);
};

/* The module entry points (the library refers to them weakly, so a module missing one still links). */
void _get_module_information(struct module_info *info);
struct module_instance *_allocate_module_instance(void);

/* Fills info: the name (cut to fit) and whether the module may be restarted. */
void module_describe(struct module_info *info, const char *name, int restartable);

/*
 * Defines both entry points of a module called `name` (the seed's
 * MODULE_CLASS): its information, and one instance of `state` (a pointer, or
 * 0) ticked by `tick`. A module file is then its tick function and this line.
 */
#define MODULE_CLASS(name, restartable, state, tick)                          \
	void _get_module_information(struct module_info *info)                \
	{                                                                     \
		module_describe(info, (name), (restartable));                 \
	}                                                                     \
	struct module_instance *_allocate_module_instance(void)               \
	{                                                                     \
		static struct module_instance instance = { (state), (tick) }; \
		return &instance;                                             \
	}

/* A started module: its blocks and its place. */
struct module {
	volatile struct toast_shared *shared;
	volatile struct toast_private *private_block;
	unsigned index;
	struct module_instance *instance;
};

/*
 * Runs the load protocol from the command line the bootstrap gave: attaches
 * the blocks, checks in (0x7A -> 0x7B, or 0x80), takes the module's
 * information and instance, and marks the module loaded (0x7C) and active
 * (or restarted). 0 on success; otherwise it has said why on stderr and
 * returns the exit status to end with.
 */
int module_start(int argc, char **argv, struct module *m);

/* Ticks the started module until its tick returns nonzero or the bootstrap is gone; the exit status. */
int module_run(struct module *m);

#endif
