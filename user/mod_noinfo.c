/*
 * user/mod_noinfo.c - a broken module for the tests: no _get_module_information.
 *
 * The bootstrap finds the entry point missing in the file's symbol table and
 * marks the module 0x8B without ever starting it.
 */
#include "user/module.h"

static int idle_tick(void *state, const struct module_tick *tick)
{
	(void)state;
	(void)tick;
	return 0;
}

struct module_instance *_allocate_module_instance(void)
{
	static struct module_instance instance = { 0, idle_tick };
	return &instance;
}
