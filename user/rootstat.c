/*
 * user/rootstat.c - the root range, as the guard keeps it, read from user space.
 *
 * Everything is read from the root mapped read-only at USER_ROOT_VA through
 * facades, as the seed draws them: one over the protected bits
 * (root[0x000:0x100]) and one over the shared bits (root[0x100:0x1000]),
 * each field at its offset inside its own facade, so no offset slip can
 * wander from one part into the other or outside the root. The guard's
 * clock is read with mm/root_clock's seqlock reader (never torn). A field
 * that cannot be read is named with the facade's error, and rootstat exits 1.
 */
#include "kernel/types.h"
#include "user/user.h"

#include <stddef.h>
#include <stdint.h>

#include "include/root.h"
#include "lib/mbox.h"
#include "mm/facade.h"
#include "mm/root_clock.h"
#include "user/uroot.h"

static int failed;

/* A field of part (a facade starting at root offset part_base) by its root offset. */
static uint64_t field(const struct facade *part, size_t part_base, size_t root_offset, int bytes)
{
	size_t at = root_offset - part_base;
	uint8_t v8 = 0;
	uint32_t v32 = 0;
	uint64_t v64 = 0;
	int err = bytes == 1   ? facade_read8(part, at, &v8)
		  : bytes == 4 ? facade_read32(part, at, &v32)
			       : facade_read64(part, at, &v64);
	if (err) {
		fprintf(2, "rootstat: %s+0x%lx (root+0x%lx): %s\n", part->name, (unsigned long)at,
			(unsigned long)root_offset, facade_strerror(err));
		failed = 1;
	}
	return bytes == 1 ? v8 : bytes == 4 ? v32 : v64;
}

static const char *on_state_name(uint64_t s)
{
	switch (s) {
	case ROOT_ON_INITIALISED: return "initialised";
	case ROOT_ON_SECONDARY_UP: return "secondary up";
	case ROOT_ON_PROTECTED: return "protected";
	default: return "unknown";
	}
}

static const char *protect_state_name(uint64_t s)
{
	switch (s) {
	case ROOT_PROTECT_OFF: return "off: no CRC stored yet";
	case ROOT_PROTECT_WATCHING: return "watching: periodic scans";
	case ROOT_PROTECT_REPAIRED: return "repaired: the last scan fixed a flip";
	default: return "unknown";
	}
}

static void protected_bits(const struct facade *prot)
{
	const size_t b = ROOT_PROTECTED_BASE;
	printf("protected bits (root+0x%x, %u bytes):\n", ROOT_PROTECTED_BASE, ROOT_PROTECTED_SIZE);
	printf("  layout version   %lu.%lu.%lu\n", field(prot, b, ROOT_VERSION_MAJOR, 1),
	       field(prot, b, ROOT_VERSION_MINOR, 1), field(prot, b, ROOT_VERSION_INC, 1));
	printf("  protected        %lu\n", field(prot, b, ROOT_PROTECTED, 1));
	uint64_t on = field(prot, b, ROOT_ON_STATE, 1);
	printf("  ON state         %lu (%s)\n", on, on_state_name(on));
	uint64_t ps = field(prot, b, ROOT_PROTECT_STATE, 1);
	printf("  protect state    %lu (%s)\n", ps, protect_state_name(ps));
	printf("  guard hart       %lu\n", field(prot, b, ROOT_GUARD_HART, 4));
	printf("  scan period      %lu us\n", field(prot, b, ROOT_SCAN_PERIOD_US, 4));
	printf("  micro wrap       %lu micro ticks per master tick\n",
	       field(prot, b, ROOT_MICRO_WRAP, 4));
	printf("  board tables     root+0x%lx, %lu bytes\n", field(prot, b, ROOT_BOARD_OFFSET, 4),
	       field(prot, b, ROOT_BOARD_SIZE, 4));
}

static void shared_bits(const struct facade *shared)
{
	const size_t b = ROOT_SHARED_BASE;
	printf("shared bits (root+0x%x, %u bytes):\n", ROOT_SHARED_BASE, ROOT_SHARED_SIZE);
	printf("  registered harts %lu\n", field(shared, b, ROOT_REGISTERED_HARTS, 4));
	printf("  initial time     %lu (time CSR)\n", field(shared, b, ROOT_INITIAL_TIME, 8));
	printf("  OS time delta    %lu\n", field(shared, b, ROOT_OS_TIME_DELTA, 8));
	struct root_clock c;
	int err = root_clock_read(uroot(), &c);
	if (err) {
		fprintf(2, "rootstat: the guard's clock: %s\n", root_clock_strerror(err));
		failed = 1;
	} else {
		printf("  micro ticks      %lu\n", (unsigned long)c.micro);
		printf("  master ticks     %lu\n", (unsigned long)c.master);
	}
	printf("  scans            %lu\n", field(shared, b, ROOT_SCAN_COUNT, 8));
	printf("  incidents        %lu\n", field(shared, b, ROOT_INCIDENT_COUNT, 8));
	printf("  last scan time   %lu (time CSR)\n", field(shared, b, ROOT_LAST_SCAN_TIME, 8));
	printf("  last scan cost   %lu instructions\n", field(shared, b, ROOT_SCAN_COST, 8));
	printf("  heartbeat        %lu\n", field(shared, b, ROOT_HEARTBEAT, 8));
	printf("  requests ok      %lu\n", field(shared, b, ROOT_REQUESTS_OK, 8));
	printf("  refused requests:\n");
	for (int kind = 1; kind <= MBOX_ERR_KINDS; kind++) {
		int index = mbox_error_index(-kind);
		uint64_t n = field(shared, b, ROOT_ERR_COUNTERS + 4 * (size_t)index, 4);
		printf("    %8lu  %s\n", n, mbox_strerror(-kind));
	}
	char note[64 + 1] = { 0 }; /* ROOT_KERNEL_NOTE is u8[64], NUL-padded when shorter */
	int err_note = facade_read_bytes(shared, ROOT_KERNEL_NOTE - b, note, sizeof(note) - 1);
	if (err_note) {
		fprintf(2, "rootstat: the kernel note: %s\n", facade_strerror(err_note));
		failed = 1;
	} else if (note[0]) {
		printf("  kernel note      %s\n", note);
	}
	for (int slot = 0; slot < ROOT_VECTOR_SLOTS; slot++) {
		uint64_t v = field(shared, b, ROOT_VECTOR_CLOCK + 8 * (size_t)slot, 8);
		if (v)
			printf("  vector clock %-3d %lu\n", slot, v);
	}
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(2, "usage: rootstat\n");
		exit(1);
	}
	const struct facade *root = uroot();
	struct facade prot, shared;
	if (facade_sub(root, ROOT_PROTECTED_BASE, ROOT_PROTECTED_SIZE, FACADE_READ,
		       "protected bits", &prot) ||
	    facade_sub(root, ROOT_SHARED_BASE, ROOT_SHARED_SIZE, FACADE_READ, "shared bits",
		       &shared)) {
		fprintf(2, "rootstat: the root's parts do not fit its facade\n");
		exit(1);
	}
	protected_bits(&prot);
	shared_bits(&shared);
	exit(failed);
}
