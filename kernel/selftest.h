/*
 * kernel/selftest.h - boot-time self-tests chosen by bootargs.
 *
 * QEMU's -append becomes /chosen/bootargs; "test=ipi,hsm_guard" runs those
 * tests after boot. The QEMU test harness (grading/) boots a normal kernel
 * this way and matches the lines the tests print.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

/* Whether bootargs hold key=...,name,... ("test", "ipi") or key=all. */
int bootarg_selected(const char *key, const char *name);
/* Whether bootargs select test `name`. */
int selftest_selected(const char *name);
/* Runs every selected test, in a fixed order. */
void selftest_run(void);

#endif
