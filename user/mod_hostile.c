/*
 * user/mod_hostile.c - a test module that lies in the shared block.
 *
 * Every module may write the whole shared block, so one can lie there. On
 * its first tick this one writes init's pid and the shell's into every entry
 * of the module table, garbles the private block names there and claims its
 * bootstrap is init. What must hold: init, when the bootstrap dies, kills
 * neither itself nor the shell (user/toastctl.c), and modstat still prints.
 */
#include "kernel/types.h"
#include "include/sysinfo.h"
#include "user/module.h"
#include "user/user.h"

#define MAX_PROCS 64

static int shell_pid(void)
{
	static struct procinfo procs[MAX_PROCS];
	int n = procinfo(procs, MAX_PROCS);
	for (int i = 0; i < n && i < MAX_PROCS; i++) {
		if (strcmp(procs[i].name, "sh") == 0)
			return procs[i].pid;
	}
	return 1;
}

static int lie_tick(void *state, const struct module_tick *tick)
{
	(void)state;
	if (tick->number != 1)
		return 0;
	int sh = shell_pid();
	volatile struct toast_shared *shared = tick->shared;
	for (unsigned i = 0; i < TOAST_MAX_MODULES; i++) {
		shared->module[i].pid = i % 2 ? sh : 1;
		for (unsigned b = 0; b < sizeof shared->module[i].private_name; b++)
			shared->module[i].private_name[b] = (char)(0x80 + b);
	}
	shared->module_count = 0xffffffffu;
	printf("hostile: the module table now names pids 1 and %d\n", sh);
	return 0;
}

MODULE_CLASS("hostile", 0, 0, lie_tick)
