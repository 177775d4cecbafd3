/*
 * user/uroot.c - the facade over the mapped root (see uroot.h).
 */
#include "user/uroot.h"

#include "include/layout.h"
#include "include/user_layout.h"
#include "mm/facade.h"

const struct facade *uroot(void)
{
	static struct facade root;
	if (!root.base) /* constant arguments: facade_init cannot fail */
		facade_init(&root, (volatile void *)USER_ROOT_VA, MAGMA_ROOT_SIZE, FACADE_READ,
			    "root");
	return &root;
}
