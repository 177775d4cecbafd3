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

MODULE_CLASS("twice", 1, 0, idle_tick)

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
