/*
 * kernel/smp.c - hart discovery with HSM, and bring-up of the other kernel harts.
 */
#include "smp.h"

#include "../lib/fmt.h"
#include "board.h"
#include "console.h"
#include "hart.h"
#include "ipi.h"
#include "sbi.h"
#include "wait.h"

struct smp_harts smp;

/* Whether OpenSBI disabled our own harts in the tree: then the guard's domain won cold boot. */
static const char *cold_boot_winner(void)
{
	for (int i = 0; i < board.cpu_count; i++) {
		if (board.cpu_hartids[i] == this_hartid())
			return board.cpu_enabled[i] ? "a kernel hart" : "the guard hart";
	}
	return "unknown";
}

static void format_ids(char *buf, size_t size, const uint64_t *ids, int n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)fmt_snprintf(buf + used, size - used, " %lu", ids[i]);
}

void smp_start_kernel_harts(uintptr_t entry_pa, uintptr_t fdt_pa)
{
	uint64_t self = this_hartid();
	for (int i = 0; i < board.cpu_count; i++) {
		uint64_t id = board.cpu_hartids[i];
		if (id == self) {
			smp.kernel[smp.kernel_count++] = id;
			continue;
		}
		if (id >= MAGMA_MAX_HARTS) {
			kprintf("magma: hart %lu ignored: magma supports hart ids below %d\n", id,
				MAGMA_MAX_HARTS);
			continue;
		}
		struct sbiret status = sbi_hart_get_status(id);
		if (status.error == SBI_ERR_INVALID_PARAM) {
			smp.guard[smp.guard_count++] = id;
			continue;
		}
		if (status.error) {
			kprintf("magma: hart %lu: hart_get_status failed: %s\n", id,
				sbi_strerror(status.error));
			continue;
		}
		smp.kernel[smp.kernel_count++] = id;
		if (status.value != SBI_HSM_STOPPED)
			continue;
		struct sbiret r = sbi_hart_start(id, entry_pa, fdt_pa);
		if (r.error)
			kprintf("magma: hart %lu: hart_start failed: %s\n", id,
				sbi_strerror(r.error));
	}

	/* Build the line first: other harts are already printing. */
	char kernel_ids[64], guard_ids[64];
	format_ids(kernel_ids, sizeof(kernel_ids), smp.kernel, smp.kernel_count);
	format_ids(guard_ids, sizeof(guard_ids), smp.guard, smp.guard_count);
	kprintf("magma: kernel harts:%s (boot hart %lu); guard hart:%s\n", kernel_ids, self,
		smp.guard_count ? guard_ids : " none");
	kprintf("magma: cold boot was won by %s (OpenSBI fixed up the tree's cpu status "
		"from that domain's view)\n",
		cold_boot_winner());
}

static int count_online(void)
{
	int online = 0;
	for (int i = 0; i < smp.kernel_count; i++)
		online += harts[smp.kernel[i]].online;
	return online;
}

static const char *hsm_state_name(long state)
{
	switch (state) {
	case SBI_HSM_STARTED: return "started";
	case SBI_HSM_STOPPED: return "stopped";
	case SBI_HSM_START_PENDING: return "start pending";
	case SBI_HSM_STOP_PENDING: return "stop pending";
	case SBI_HSM_SUSPENDED: return "suspended";
	default: return "unknown state";
	}
}

_Static_assert(MAGMA_MAX_HARTS <= 64, "next_awaited keeps a 64-bit mask of kernel harts");

/*
 * The first kernel hart that is not online yet but may still come: HSM says
 * it is starting or running, so it is only slow. A hart HSM reports in any
 * other state (stopped: its start failed) never comes; it is named once and
 * left out. -1 when no hart is worth waiting for.
 */
static int next_awaited(uint64_t *given_up)
{
	for (int i = 0; i < smp.kernel_count; i++) {
		uint64_t id = smp.kernel[i];
		if (harts[id].online || (*given_up >> i & 1))
			continue;
		struct sbiret status = sbi_hart_get_status(id);
		if (!status.error &&
		    (status.value == SBI_HSM_STARTED || status.value == SBI_HSM_START_PENDING))
			return i;
		*given_up |= 1ul << i;
		kprintf("magma: hart %lu will not come online: HSM says %s\n", id,
			status.error ? sbi_strerror(status.error) : hsm_state_name(status.value));
	}
	return -1;
}

int smp_wait_online(void)
{
	uint64_t given_up = 0;
	struct wait w;
	wait_start(&w);
	for (int i; (i = next_awaited(&given_up)) >= 0;) {
		uint64_t id = smp.kernel[i];
		if (wait_elapsed_ms(&w) >= SMP_ONLINE_LIMIT_MS) {
			kprintf("magma: hart %lu did not come online within %d ms; going on without it\n",
				id, SMP_ONLINE_LIMIT_MS);
			given_up |= 1ul << i;
			continue;
		}
		if (wait_sleep(&w))
			kprintf("magma: still waiting for hart %lu to come online after %lu ms\n",
				id, wait_elapsed_ms(&w));
	}
	return count_online();
}

struct smp_call {
	void (*fn)(void *arg);
	void *arg;
	volatile int remaining;
};

static struct smp_call *volatile pending[MAGMA_MAX_HARTS];

void smp_run_pending(void)
{
	struct smp_call *call = pending[this_hartid()];
	if (!call)
		return;
	pending[this_hartid()] = 0;
	call->fn(call->arg);
	__atomic_fetch_sub(&call->remaining, 1, __ATOMIC_RELEASE);
}

void smp_call_all(void (*fn)(void *arg), void *arg)
{
	struct smp_call call = { fn, arg, 0 };
	uint64_t self = this_hartid();
	for (int i = 0; i < smp.kernel_count; i++) {
		uint64_t id = smp.kernel[i];
		if (id == self || !harts[id].online)
			continue;
		call.remaining++;
		pending[id] = &call;
		ipi_send(id);
	}
	fn(arg);
	while (__atomic_load_n(&call.remaining, __ATOMIC_ACQUIRE) > 0)
		wfi();
}
