/*
 * user/modstat.c - every module and its state, from the Toast blocks.
 *
 *   modstat
 *
 * Reads the shared block and each module's private block read-only (the
 * layouts are include/toast.h) and prints the bootstrap's line, then one line
 * per module in activity-table order: its name (from its private block, "-"
 * before the module has set it), its file, the verification byte in hex and
 * in words, the activity, the restarts, its pid ("-" when none runs) and the
 * state ticks of its current run. Nothing is asked of the bootstrap, so
 * modstat works while it is busy and after it died (the line then says so).
 */
#include "kernel/types.h"
#include "include/shm.h"
#include "lib/toast.h"
#include "user/toastctl.h"
#include "user/user.h"

static const char *state_name(uint8_t state)
{
	switch (state) {
	case TOAST_STATE_STARTING: return "starting";
	case TOAST_STATE_RUNNING: return "running";
	case TOAST_STATE_STOPPING: return "stopping";
	default: return "unknown";
	}
}

static void print_module(volatile struct toast_shared *shared, unsigned i)
{
	volatile struct toast_module_status *st = &shared->module[i];
	char private_name[sizeof st->private_name];
	memcpy(private_name, (const void *)st->private_name, sizeof private_name);
	private_name[sizeof private_name - 1] = '\0';
	volatile struct toast_private *p = toast_attach_private(private_name, SHM_RDONLY);
	if (!p) {
		printf("%-5u %-12s %-20s no private block %s\n", i, "-", "-", private_name);
		return;
	}
	char name[TOAST_NAME_BYTES], file[TOAST_FILE_BYTES];
	memcpy(name, (const void *)p->name, sizeof name);
	name[sizeof name - 1] = '\0';
	memcpy(file, (const void *)p->file, sizeof file);
	file[sizeof file - 1] = '\0';
	char verification[48], pid[12];
	snprintf(verification, sizeof verification, "0x%x %s", p->verification,
		 toast_verification_name(p->verification));
	if (st->pid > 0)
		snprintf(pid, sizeof pid, "%d", st->pid);
	else
		strcpy(pid, "-");
	printf("%-5u %-12s %-20s %-36s %-10s %-8u %-5s %u\n", i,
	       p->info_set && name[0] ? name : "-", file, verification,
	       toast_activity_name(shared->activity[i]), st->restarts, pid, st->ticks);
	shmdetach((void *)p);
}

int main(void)
{
	volatile struct toast_shared *shared = toast_attach_shared(SHM_RDONLY);
	if (!shared) {
		printf("modstat: no modules: there is no %s block (init starts the bootstrap "
		       "when /etc/modules exists)\n",
		       TOAST_SHARED_NAME);
		exit(1);
	}
	int pid = shared->bootstrap_pid;
	uint32_t count = shared->module_count;
	if (count > TOAST_MAX_MODULES)
		count = TOAST_MAX_MODULES;
	printf("bootstrap: pid %d (%s), state %s, tick %u ms, debug %s, %u module%s\n", pid,
	       toast_process_alive(pid) ? "running" : "gone", state_name(shared->current_state),
	       shared->state_tick_ms, shared->debug ? "on" : "off", count, count == 1 ? "" : "s");
	printf("%-5s %-12s %-20s %-36s %-10s %-8s %-5s %s\n", "index", "name", "file",
	       "verification", "activity", "restarts", "pid", "ticks");
	for (uint32_t i = 0; i < count; i++)
		print_module(shared, i);
	exit(0);
}
