/*
 * kernel/extable.c - looks up the exception table that probe.S builds.
 */
#include "probe.h"

struct extable_entry {
	uintptr_t insn;
	uintptr_t fixup;
};

/* Bounds of the __extable section, from the linker script. */
extern const struct extable_entry __extable_start[], __extable_end[];

uintptr_t probe_fixup(uintptr_t pc)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == pc)
			return e->fixup;
	}
	return 0;
}
