/*
 * kernel/main.c - the boot sequence.
 *
 * Whichever kernel hart arrives first (any of them may: OpenSBI's cold boot
 * is a lottery) claims the boot work; the others run only the per-hart part.
 * Order matters: the PMP lock is proved before anything else runs, with
 * paging still off, so the probes test PMP and not the page table.
 */
#include "../include/layout.h"
#include "board.h"
#include "guard.h"
#include "console.h"
#include "disk.h"
#include "hart.h"
#include "../lib/bootargs.h"
#include "../lib/mbox.h"
#include "../mm/frame.h"
#include "../mm/memmap.h"
#include "intr.h"
#include "panic.h"
#include "kalloc.h"
#include "kmalloc.h"
#include "memory.h"
#include "disk.h"
#include "pageref.h"
#include "pmp.h"
#include "proc.h"
#include "sched.h"
#include "sbi.h"
#include "selftest.h"
#include "smp.h"
#include "timer.h"
#include "trap.h"
#include "uart.h"
#include "vm.h"

struct hart harts[MAGMA_MAX_HARTS];
char kernel_stacks[MAGMA_MAX_HARTS][MAGMA_KERNEL_STACK_SIZE] __attribute__((aligned(16)));

extern char _entry[];

static volatile int boot_claimed;
static volatile int boot_done; /* the page table and drivers are ready */

/* The hart whose timer tick reads the guard's event ring (the boot hart). */
volatile uint64_t guard_poller = ~0ul;

static void hart_online(void)
{
	intr_init_hart();
	timer_init_hart();
	csr_write(scounteren, 7); /* user code may read cycle, time and instret */
	kprintf("magma: hart %lu online\n", this_hartid());
	this_hart()->online = 1;
	intr_on();
}

static void say_hello(uint64_t self)
{
	sbi_init();
	long impl = sbi_impl_version(), spec = sbi_spec_version();
	kprintf("\nmagma: booting on hart %lu (the first kernel hart to arrive)\n", self);
	kprintf("magma: SBI: %s (implementation id %ld) version %ld.%ld, SBI spec %ld.%ld\n",
		sbi_impl_name(sbi_impl_id()), sbi_impl_id(), impl >> 16, impl & 0xffff,
		(spec >> 24) & 0x7f, spec & 0xffffff);
}

static void read_the_tree(uintptr_t fdt_pa)
{
	board_init(fdt_pa);
	kprintf("magma: device tree at 0x%lx (%u bytes), bootargs \"%s\"\n", fdt_pa, board.fdt_size,
		board.bootargs);
}

/* With paging still off, so the probes test PMP and not the page table. */
static void prove_the_lock(void)
{
	if (pmp_prove_lock() != 0) {
		kprintf("magma: refusing to continue without the PMP lock\n");
		halt();
	}
}

static void turn_on_memory(const struct memmap *memory_map)
{
	kalloc_init(memory_map);
	kalloc_init_hart();
	vm_build_kernel_table(memory_map);
	vm_enable_hart();
}

static void turn_on_devices(uint64_t self)
{
	uart_init(board.uart_base);
	console_use_uart();
	kmalloc_init();
	kprintf("magma: paging on (Sv39), %lu frames free; kernel heap at 0x%lx\n",
		frame_count_free(kalloc_frames()), KHEAP_VA_BASE);
	kprintf("magma: interrupts: %s\n", intr_description());
	timer_init(board.timebase_hz);
	kprintf("magma: timer: %s, %d Hz tick, timebase %lu Hz\n", timer_mechanism(), TIMER_TICK_HZ,
		board.timebase_hz);
	kprintf("magma: console: ns16550a at 0x%lx, irq %u\n", board.uart_base, board.uart_irq);
	hart_online();
	if (intr_attach(board.uart_irq, board.uart_trigger, self, uart_handle_irq))
		panic("boot: cannot route UART irq %u to hart %lu", board.uart_irq, self);
	disk_init(); /* without a disk the kernel runs on; it has said why */
}

/* Frame counts for copy-on-write, sleep buckets, run queues, the kernel's clock. */
static void get_ready_for_processes(const struct memmap *memory_map)
{
	uint64_t lo = ~0ul, hi = 0;
	for (int i = 0; i < memory_map->usable_count; i++) {
		const struct memmap_range *r = &memory_map->usable[i];
		lo = r->base < lo ? r->base : lo;
		hi = r->base + r->size > hi ? r->base + r->size : hi;
	}
	pageref_init(lo, hi);
	proc_init();
	timer_keep_ticks();
}

/*
 * The first process (init, from the disk's file system), unless there is no
 * disk or the boot is a kernel self-test (test=... in bootargs).
 */
static void start_user_space(void)
{
	const char *tests;
	size_t len;
	if (bootargs_value(board.bootargs, "test", &tests, &len) == 0) {
		kprintf("magma: self-test boot: no user space (BOOTARGS=test=console echoes typed "
			"lines; Ctrl-a x quits QEMU)\n");
		return;
	}
	if (!disk_block_count()) {
		kprintf("magma: no disk: no user space (Ctrl-a x quits QEMU)\n");
		return;
	}
	proc_start_init();
}

static void start_the_other_harts(uintptr_t fdt_pa)
{
	boot_done = 1;
	smp_start_kernel_harts((uintptr_t)_entry, fdt_pa);
	int online = smp_wait_online();
	kprintf("magma: %d of %d kernel harts online\n", online, smp.kernel_count);
}

/* The guard must be up; then this hart opens the kernel's session with it. */
static void meet_the_guard(uint64_t self)
{
	guard_wait_ready();
	guard_poller = self;
	int err = guard_open_session("magma-kernel");
	if (err == MBOX_ERR_NO_ENTROPY)
		kprintf("magma: guard: session refused: %s (%d); booting on without one\n",
			mbox_strerror(err), err);
	else if (err)
		panic("boot: cannot open a session with the guard: %s (%d)", mbox_strerror(err),
		      err);
	else
		kprintf("magma: guard: session open (key from the guard, read once and wiped from "
			"the mailbox)\n");
}

static void boot_main(uintptr_t fdt_pa)
{
	uint64_t self = this_hartid();
	say_hello(self);
	read_the_tree(fdt_pa);
	prove_the_lock();
	const struct memmap *memory_map = memory_map_build();
	if (intr_init(board.fdt) != 0)
		panic("boot: no usable interrupt controller");
	turn_on_memory(memory_map);
	turn_on_devices(self);
	get_ready_for_processes(memory_map);
	start_the_other_harts(fdt_pa);
	meet_the_guard(self);
	kprintf("magma: boot complete\n");
	selftest_run();
	start_user_space();
	scheduler();
}

static void secondary_main(void)
{
	/* Harts are started only after boot_done; this guards against a second arrival. */
	while (!boot_done)
		fence();
	vm_enable_hart();
	kalloc_init_hart();
	hart_online();
	scheduler();
}

void kmain(uint64_t hartid, uintptr_t fdt_pa)
{
	struct hart *h = &harts[hartid];
	h->hartid = hartid;
	h->stack_lo = (uintptr_t)kernel_stacks[hartid];
	h->stack_hi = h->stack_lo + MAGMA_KERNEL_STACK_SIZE;
	asm volatile("mv tp, %0" : : "r"(h));
	trap_init_hart();

	if (!__atomic_exchange_n(&boot_claimed, 1, __ATOMIC_ACQ_REL))
		boot_main(fdt_pa);
	else
		secondary_main();
}
