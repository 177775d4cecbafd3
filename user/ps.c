/*
 * user/ps.c - lists the processes (procinfo(), include/sysinfo.h).
 *
 * procinfo() fills at most the entries it is given and says how many it
 * filled, so a full table may mean more processes: ps then asks again
 * with twice the room.
 */
#include "kernel/types.h"
#include "user/user.h"

#include "include/sysinfo.h"

#define MAX_ENTRIES 65536

static const char *state_name(int state)
{
	static const char *const names[] = { "new", "runnable", "running", "sleeping", "zombie" };
	return state >= 0 && state < 5 ? names[state] : "?";
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(2, "usage: ps\n");
		exit(1);
	}
	struct procinfo *table = 0;
	int room = 32, n;
	for (;;) {
		free(table);
		table = malloc(room * sizeof(*table));
		if (!table) {
			fprintf(2, "ps: out of memory for %d entries\n", room);
			exit(1);
		}
		n = procinfo(table, room);
		if (n < 0) {
			fprintf(2, "ps: procinfo failed\n");
			exit(1);
		}
		if (n < room || room == MAX_ENTRIES)
			break;
		room *= 2;
	}
	printf("%5s %5s %-9s %4s %10s %s\n", "PID", "PPID", "STATE", "HART", "SIZE", "NAME");
	for (int i = 0; i < n; i++) {
		const struct procinfo *p = &table[i];
		char name[PROCINFO_NAME_MAX + 1];
		memmove(name, p->name, PROCINFO_NAME_MAX);
		name[PROCINFO_NAME_MAX] = 0;
		printf("%5d %5d %-9s %4d %10lu %s\n", p->pid, p->ppid, state_name(p->state),
		       p->hart, (unsigned long)p->size_bytes, name);
	}
	exit(0);
}
