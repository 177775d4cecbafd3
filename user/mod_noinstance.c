/*
 * user/mod_noinstance.c - a broken module for the tests: no _allocate_module_instance.
 *
 * The bootstrap marks it 0x8C without starting it.
 */
#include "user/module.h"

void _get_module_information(struct module_info *info)
{
	module_describe(info, "noinstance", 1);
}
