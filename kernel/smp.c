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
#include "timer.h"

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
			kprintf("magma: hart %lu: hart_start failed: %s\n", id, sbi_strerror(r.error));
	}

	/* Build the line first: other harts are already printing. */
	char kernel_ids[64], guard_ids[64];
	format_ids(kernel_ids, sizeof(kernel_ids), smp.kernel, smp.kernel_count);
	format_ids(guard_ids, sizeof(guard_ids), smp.guard, smp.guard_count);
	kprintf("magma: kernel harts:%s (boot hart %lu); guard hart:%s\n", kernel_ids, self,
		smp.guard_count ? guard_ids : " none");
	kprintf("magma: cold boot was won by %s (OpenSBI fixed up the tree's cpu status "
		"from that domain's view)\n", cold_boot_winner());
}

static int count_online(void)
{
	int online = 0;
	for (int i = 0; i < smp.kernel_count; i++)
		online += harts[smp.kernel[i]].online;
	return online;
}

int smp_wait_online(uint64_t timeout_ms)
{
	uint64_t deadline = timer_now_us() + timeout_ms * 1000;
	while (count_online() < smp.kernel_count && timer_now_us() < deadline)
		wfi(); /* the tick wakes us */
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
