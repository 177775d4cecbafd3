/*
 * user/mod_twice.c - a broken module for the tests: it runs its load twice.
 *
 * It has its own main, which starts the library's load protocol a second
 * time after the first succeeded (a module that re-initialises itself, say).
 * The second check-in finds the verification byte at 0x7C, not 0x7A, so the
 * library sets 0x80 and the module stops; the bootstrap never restarts it,
 * though it says it is restartable.
 */
#include "user/module.h"
#include "user/user.h"

static int idle_tick(void *state, const struct module_tick *tick)
{
	(void)state;
	(void)tick;
	return 0;
}

void _get_module_information(struct module_info *info)
{
	strcpy(info->name, "twice");
	info->restartable = 1;
}

struct module_instance *_allocate_module_instance(void)
{
	static struct module_instance instance = { 0, idle_tick };
	return &instance;
}

int main(int argc, char **argv)
{
	struct module m;
	int status = module_start(argc, argv, &m);
	if (status == 0)
		status = module_start(argc, argv, &m); /* the bug: a second load */
	if (status == 0)
		status = module_run(&m);
	exit(status);
}
