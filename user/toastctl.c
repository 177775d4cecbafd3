/*
 * user/toastctl.c - the Toast blocks' common chores (see toastctl.h).
 */
#include "kernel/types.h"
#include "include/shm.h"
#include "include/sysinfo.h"
#include "user/toastctl.h"
#include "user/user.h"

#define TOAST_PREFIX "toast."

volatile struct toast_shared *toast_attach_shared(int flags)
{
	void *at = shmattach(TOAST_SHARED_NAME, 0, flags);
	return at == SHM_FAILED ? 0 : at;
}

volatile struct toast_private *toast_attach_private(const char *name, int flags)
{
	void *at = shmattach(name, 0, flags);
	return at == SHM_FAILED ? 0 : at;
}

/* Process pid as procinfo reports it, or 0 if there is none. */
static const struct procinfo *find_process(int pid)
{
	static struct procinfo procs[256];
	if (pid <= 0)
		return 0;
	int n = procinfo(procs, 256);
	for (int i = 0; i < n && i < 256; i++) {
		if (procs[i].pid == pid)
			return &procs[i];
	}
	return 0;
}

int toast_process_alive(int pid)
{
	const struct procinfo *p = find_process(pid);
	return p && p->state != 4; /* 4: a zombie */
}

int toast_unlink_all(void)
{
	static struct shminfo blocks[SHMSTAT_MAX];
	int n = shmstat(blocks, SHMSTAT_MAX), unlinked = 0;
	for (int i = 0; i < n && i < SHMSTAT_MAX; i++) {
		if (!blocks[i].unlinked &&
		    strncmp(blocks[i].name, TOAST_PREFIX, sizeof TOAST_PREFIX - 1) == 0 &&
		    shmunlink(blocks[i].name) == 0)
			unlinked++;
	}
	return unlinked;
}

void toast_stop_modules(int spare)
{
	volatile struct toast_shared *shared = toast_attach_shared(0);
	if (shared) {
		shared->current_state = TOAST_STATE_STOPPING;
		uint32_t count = shared->module_count;
		for (uint32_t i = 0; i < count && i < TOAST_MAX_MODULES; i++) {
			/* Any module can write the table: kill only orphans, never `spare`. */
			int pid = shared->module[i].pid;
			const struct procinfo *p = find_process(pid);
			if (p && p->ppid == getpid() && pid != getpid() && pid != spare)
				kill(pid);
		}
		shmdetach((void *)shared);
	}
	toast_unlink_all();
}
