/*
 * user/mod_noinstance.c - a broken module for the tests: no _allocate_module_instance.
 *
 * The bootstrap marks it 0x8C without starting it.
 */
#include "user/module.h"
#include "user/user.h"

void _get_module_information(struct module_info *info)
{
	strcpy(info->name, "noinstance");
	info->restartable = 1;
}
