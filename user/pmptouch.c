/*
 * user/pmptouch.c - a process that touches guard memory once a debugger has
 * made its page table allow it: PMP alone must then stop it (labs/pmp).
 *
 *   pmptouch store   stores into the root range (USER_ROOT_VA + 0x800)
 *   pmptouch load    loads from USER_ROOT_VA + 0x1000, the root's second page
 *
 * The kernel maps the root read-only, so on its own either access is an
 * ordinary page fault. The grader (labs/pmp/grade.py) stops the machine
 * while this program spins, and through gdb sets the write bit on the
 * root page's PTE (store) or points the second page's PTE at guard private
 * (load): the page table now allows the access, and only PMP refuses it. The
 * program then sees pmptouch_go set and makes the access; the kernel must
 * kill it with a line naming the address, and live on.
 */
#include "kernel/types.h"
#include "user/user.h"

#include "include/user_layout.h"

/* Set to 1 by the grader, through gdb, once the page table is changed. */
volatile int pmptouch_go;

int main(int argc, char *argv[])
{
	int store = argc == 2 && strcmp(argv[1], "store") == 0;
	if (argc != 2 || (!store && strcmp(argv[1], "load") != 0)) {
		fprintf(2, "usage: pmptouch store|load (see labs/pmp/README.md)\n");
		exit(2);
	}
	pmptouch_go = 0; /* a store: this page is now this process's own, not a shared zero page */
	printf("pmptouch: pid %d spins until pmptouch_go is set, then %s\n", getpid(),
	       store ? "stores to root+0x800" : "loads from root+0x1000");
	while (!pmptouch_go)
		;
	volatile uint8 *root = (volatile uint8 *)USER_ROOT_VA;
	if (store) {
		root[0x800] = 0x5a;
		printf("pmptouch: the store to root+0x800 went through\n");
	} else {
		printf("pmptouch: the load from root+0x1000 went through: 0x%x\n", root[0x1000]);
	}
	exit(1);
}
