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
	// LAB(pgtbl) begin
	if (!root.base) /* constant arguments: facade_init cannot fail */
		facade_init(&root, (volatile void *)USER_ROOT_VA, MAGMA_ROOT_SIZE, FACADE_READ,
			    "root");
	// LAB(pgtbl) stub
	// /*
	//  * TODO(lab pgtbl): a facade over the whole root, once the kernel maps it.
	//  * Until then an empty one: every read through it is an error, not a fault.
	//  */
	// if (!root.base)
	// 	facade_init(&root, (volatile void *)USER_ROOT_VA, 0, FACADE_READ, "root (unmapped)");
	// LAB(pgtbl) end
	return &root;
}
