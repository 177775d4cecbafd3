/*
 * user/module_main.c - the main() of every module (see module.h).
 *
 * A separate member of the user library, so that the linker takes it only
 * for a program that has no main of its own: a module file holds just its
 * two entry points.
 */
#include "user/module.h"
#include "user/user.h"

int main(int argc, char **argv)
{
	struct module m;
	int status = module_start(argc, argv, &m);
	if (status != 0)
		exit(status);
	exit(module_run(&m));
}
