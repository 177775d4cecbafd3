/*
 * user/mod_counter.c - an example module: it counts state ticks.
 *
 * The smallest well-behaved module: its information, an instance, and a tick
 * that counts. The count is in the shared block (magma's module table, where
 * modstat shows it as "ticks"), and every 100th tick it says so in debug mode.
 * Listed in the default /etc/modules as `once`.
 */
#include "user/module.h"
#include "user/user.h"

struct counter {
	unsigned counted;
};

static int count_tick(void *state, const struct module_tick *tick)
{
	struct counter *c = state;
	c->counted++;
	if (tick->shared->debug && c->counted % 100 == 0)
		printf("counter: %u ticks\n", c->counted);
	return 0;
}

static struct counter counter;

MODULE_CLASS("counter", 0, &counter, count_tick)
