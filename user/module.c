/*
 * user/module.c - the module library's load protocol and tick loop (see module.h).
 */
#include "kernel/types.h"
#include "include/shm.h"
#include "lib/toast.h"
#include "user/module.h"
#include "user/user.h"

/* Weak here only: a module's own definitions stay strong, as the bootstrap's check wants. */
#pragma weak _get_module_information
#pragma weak _allocate_module_instance

/* Exit statuses of a module that stopped during its load (the verification byte says more). */
#define MODULE_EXIT_NOT_LOADED 2

static const char *module_file(int argc, char **argv)
{
	return argc > 0 ? argv[0] : "module";
}

/* "PATH INDEX" with INDEX a decimal below TOAST_MAX_MODULES: 0, or -1. */
static int parse_index(int argc, char **argv, unsigned *index)
{
	if (argc != 2 || argv[1][0] == '\0')
		return -1;
	unsigned v = 0;
	for (const char *p = argv[1]; *p; p++) {
		if (*p < '0' || *p > '9' || v >= TOAST_MAX_MODULES)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v >= TOAST_MAX_MODULES)
		return -1;
	*index = v;
	return 0;
}

/* The shared block, if the bootstrap that owns it is this process's parent. */
static volatile struct toast_shared *attach_shared(const char *file, unsigned index)
{
	void *at = shmattach(TOAST_SHARED_NAME, 0, 0);
	if (at == SHM_FAILED) {
		fprintf(2,
			"%s: no %s block: a module is started by the bootstrap (modboot), "
			"from /etc/modules\n",
			file, TOAST_SHARED_NAME);
		return 0;
	}
	volatile struct toast_shared *shared = at;
	if (shared->bootstrap_pid != getppid() || index >= shared->module_count) {
		fprintf(2,
			"%s: not started by the bootstrap (pid %d): a module is started "
			"from /etc/modules\n",
			file, shared->bootstrap_pid);
		shmdetach(at);
		return 0;
	}
	return shared;
}

/* The name, NUL-padded to the private block's field and always NUL-ended. */
static void copy_name(volatile char *to, const char *from)
{
	unsigned i = 0;
	for (; i < TOAST_NAME_BYTES - 1 && from[i]; i++)
		to[i] = from[i];
	for (; i < TOAST_NAME_BYTES; i++)
		to[i] = '\0';
}

void module_describe(struct module_info *info, const char *name, int restartable)
{
	unsigned i = 0;
	for (; i < sizeof info->name - 1 && name[i]; i++)
		info->name[i] = name[i];
	info->name[i] = '\0';
	info->restartable = restartable;
}

int module_start(int argc, char **argv, struct module *m)
{
	const char *file = module_file(argc, argv);
	char private_name[TOAST_PRIVATE_NAME_BYTES];
	if (parse_index(argc, argv, &m->index) != 0 ||
	    toast_private_name(file, private_name) != 0) {
		fprintf(2,
			"%s: not started by the bootstrap: a module is started from "
			"/etc/modules, as `PATH INDEX` (absolute PATH)\n",
			file);
		return MODULE_EXIT_NOT_LOADED;
	}
	m->shared = attach_shared(file, m->index);
	if (!m->shared)
		return MODULE_EXIT_NOT_LOADED;
	void *at = shmattach(private_name, 0, 0);
	if (at == SHM_FAILED) {
		fprintf(2, "%s: no private block %s\n", file, private_name);
		return MODULE_EXIT_NOT_LOADED;
	}
	m->private_block = at;
	volatile struct toast_private *p = m->private_block;
	if (toast_module_check_in(&p->verification) != 0) {
		fprintf(2, "%s: verification byte mismatch: stopping (0x%x)\n", file,
			TOAST_VERIFY_MISMATCH);
		return MODULE_EXIT_NOT_LOADED;
	}
	/* The bootstrap checked both entry points; a file changed since then is caught here. */
	if (!_get_module_information || !_allocate_module_instance) {
		p->verification =
			_get_module_information ? TOAST_VERIFY_NO_INSTANCE : TOAST_VERIFY_NO_INFO;
		fprintf(2, "%s: %s\n", file, toast_verification_name(p->verification));
		return MODULE_EXIT_NOT_LOADED;
	}
	struct module_info info = { { 0 }, 0 };
	_get_module_information(&info);
	copy_name(p->name, info.name);
	p->restart = info.restartable ? 1 : 0;
	p->info_set = 1;
	m->instance = _allocate_module_instance();
	if (!m->instance || !m->instance->tick) {
		fprintf(2, "%s: _allocate_module_instance gave no instance: not loaded\n", file);
		return MODULE_EXIT_NOT_LOADED;
	}
	volatile struct toast_module_status *status = &m->shared->module[m->index];
	status->ticks = 0;
	p->verification = TOAST_VERIFY_LOADED;
	m->shared->activity[m->index] =
		status->restarts ? TOAST_ACTIVITY_RESTARTED : TOAST_ACTIVITY_ACTIVE;
	return 0;
}

int module_run(struct module *m)
{
	volatile struct toast_module_status *status = &m->shared->module[m->index];
	int bootstrap = m->shared->bootstrap_pid;
	for (;;) {
		unsigned ms = m->shared->state_tick_ms ? m->shared->state_tick_ms : 1;
		sleep((int)((ms + 9) / 10)); /* sleep counts the kernel's 10 ms ticks */
		/* Orphaned (handed to init) or told to stop: the bootstrap is gone, and so are we. */
		if (getppid() != bootstrap || m->shared->current_state == TOAST_STATE_STOPPING)
			return 0;
		struct module_tick tick = { status->ticks + 1, status->restarts, m->shared };
		status->ticks = tick.number;
		int done = m->instance->tick(m->instance->state, &tick);
		if (done != 0)
			return done;
	}
}
