/*
 * kernel/virtio_blk.c - the disk: a virtio block device on virtio-mmio.
 *
 * The modern interface only (virtio 1.1: section 4.2 virtio-mmio version 2,
 * 5.2 block device). The device is the virtio-mmio slot of the device tree
 * whose DeviceID is 2. One split virtqueue (lib/virtq) carries requests of
 * three buffers: a header the device reads, the data, and a status byte the
 * device writes; each slot of the queue is one request in flight, so as many
 * callers as there are slots wait at once. A request sleeps until the
 * interrupt handler finds it in the used ring; with no process running
 * (boot), the caller waits in wfi instead and reads the used ring itself.
 *
 * The device is trusted with nothing but the bytes it is asked to move: its
 * used-ring entries are checked (lib/virtq), a reply of the wrong length or
 * with an unknown status fails its request, and a device that breaks the
 * ring's rules is reset and never used again. It does reach any RAM by DMA
 * (README: threat model), which no check here can stop.
 *
 * Every register is reached through mmio_va(), so this file does not care
 * where devices are mapped.
 */
#include "disk.h"

#include "../include/fs_format.h"
#include "../lib/virtq.h"
#include "board.h"
#include "console.h"
#include "hart.h"
#include "intr.h"
#include "kalloc.h"
#include "panic.h"
#include "proc.h"
#include "spinlock.h"
#include "vm.h"
#include "wait.h"

/* virtio-mmio registers (4.2.2), byte offsets from the slot's base. */
#define MMIO_MAGIC               0x000 /* "virt" */
#define MMIO_VERSION             0x004 /* 2: modern; 1: legacy */
#define MMIO_DEVICE_ID           0x008 /* 0: empty slot, 2: block device */
#define MMIO_DEVICE_FEATURES     0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES     0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL           0x030
#define MMIO_QUEUE_NUM_MAX       0x034
#define MMIO_QUEUE_NUM           0x038
#define MMIO_QUEUE_READY         0x044
#define MMIO_QUEUE_NOTIFY        0x050
#define MMIO_INTERRUPT_STATUS    0x060
#define MMIO_INTERRUPT_ACK       0x064
#define MMIO_STATUS              0x070
#define MMIO_QUEUE_DESC_LOW      0x080
#define MMIO_QUEUE_DESC_HIGH     0x084
#define MMIO_QUEUE_DRIVER_LOW    0x090
#define MMIO_QUEUE_DRIVER_HIGH   0x094
#define MMIO_QUEUE_DEVICE_LOW    0x0a0
#define MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define MMIO_CONFIG_GENERATION   0x0fc
#define MMIO_CONFIG              0x100 /* virtio_blk_config: capacity (u64, sectors) first */

#define VIRTIO_MAGIC       0x74726976u
#define VIRTIO_ID_BLOCK    2
#define VIRTIO_MMIO_MODERN 2

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8
#define STATUS_NEEDS_RESET 64
#define STATUS_FAILED      128

/* InterruptStatus bits (4.2.2). */
#define INTERRUPT_USED   1
#define INTERRUPT_CONFIG 2

/* Feature bits (5.2.3 and 6). */
#define FEATURE(bit)       (1ull << (bit))
#define VIRTIO_BLK_F_RO    5  /* the disk is read-only */
#define VIRTIO_BLK_F_FLUSH 9  /* the device caches writes until VIRTIO_BLK_T_FLUSH */
#define VIRTIO_F_VERSION_1 32 /* the modern interface */

/* Requests (5.2.6). */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
#define STATUS_UNWRITTEN    0xff /* ours: what the status byte holds until the device answers */

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector; /* in FS_SECTOR_SIZE units, whatever the device's block size */
};

/* Descriptors asked for: 16 requests in flight (QEMU offers 256). */
#define QUEUE_SIZE        64
#define SECTORS_PER_BLOCK (FS_BLOCK_SIZE / FS_SECTOR_SIZE)

/*
 * The page shared with the device: the rings, then one header per slot,
 * then one status byte per slot. The driver writes headers, the device
 * writes status bytes; they never share a descriptor.
 */
#define HEADERS_OFFSET  2048
#define STATUSES_OFFSET (HEADERS_OFFSET + VIRTQ_MAX_SLOTS * sizeof(struct blk_header))
_Static_assert(QUEUE_SIZE <= VIRTQ_MAX_SIZE, "queue larger than lib/virtq allows");
_Static_assert(STATUSES_OFFSET + VIRTQ_MAX_SLOTS <= PAGE_SIZE, "the shared page overflows");

/* A slot's request, as the driver keeps it (the device never sees this). */
struct request {
	int owned;            /* a caller is using the slot */
	int done;             /* the device answered, or the queue broke */
	int error;            /* once done: 0 or a DISK_ERR_* found in the used entry */
	uint32_t reply_bytes; /* what the device must write: the data (reads) and the status */
};

static struct {
	struct spinlock lock;
	int ready;      /* initialised and not broken: requests may go out */
	uintptr_t base; /* the slot's registers (physical) */
	uint32_t irq;
	uint64_t blocks;
	int flush;     /* VIRTIO_BLK_F_FLUSH negotiated: the device has a write cache */
	int read_only; /* VIRTIO_BLK_F_RO */
	struct virtq queue;
	uint8_t *shared; /* the page shared with the device */
	struct request req[VIRTQ_MAX_SLOTS];
	int in_flight, max_in_flight;
} disk = { .lock = SPINLOCK_INIT("disk") };

static uint32_t reg_read(uint32_t off)
{
	return *(volatile uint32_t *)mmio_va(disk.base + off);
}

static void reg_write(uint32_t off, uint32_t value)
{
	*(volatile uint32_t *)mmio_va(disk.base + off) = value;
}

/*
 * Orders memory and device accesses both ways: the ring's stores before
 * the notify register's, the interrupt register's load before the ring's.
 */
static void io_fence(void)
{
	asm volatile("fence iorw, iorw" : : : "memory");
}

/* The physical address of kernel address va, which must be mapped. */
static uint64_t dma_address(const void *va)
{
	uint64_t pa = vm_kernel_translate((uint64_t)va);
	if (pa == VM_NO_MAPPING)
		panic("disk: buffer 0x%lx is not mapped in the kernel page table", (uintptr_t)va);
	return pa;
}

static struct blk_header *header_of(int slot)
{
	return (struct blk_header *)(disk.shared + HEADERS_OFFSET) + slot;
}

static volatile uint8_t *status_of(int slot)
{
	return disk.shared + STATUSES_OFFSET + slot;
}

/*
 * The device broke the queue's rules: reset it, so it touches no buffer any
 * more, and fail every request in flight. Lock held.
 */
static void break_queue(const char *why)
{
	kprintf("magma: disk: %s: resetting the device; no more requests go to it\n", why);
	reg_write(MMIO_STATUS, 0);
	disk.ready = 0;
	for (int s = 0; s < VIRTQ_MAX_SLOTS; s++) {
		struct request *r = &disk.req[s];
		if (r->owned && !r->done) {
			r->done = 1;
			r->error = DISK_ERR_BROKEN;
			wakeup(r);
		}
	}
}

/* Takes every new entry of the used ring and wakes the requests they finish. Lock held. */
static void reap(void)
{
	if (!disk.ready)
		return;
	struct virtq_completion c;
	int got;
	while ((got = virtq_reap(&disk.queue, &c)) > 0) {
		if (c.slot < 0) {
			kprintf("magma: disk: ignoring used-ring entry id %u len %u from the device: %s\n",
				c.id, c.len, virtq_strerror(c.error));
			continue;
		}
		struct request *r = &disk.req[c.slot];
		if (c.error || c.len != r->reply_bytes) {
			kprintf("magma: disk: the device wrote %u bytes into request %d, which has %u "
				"to write: failing it\n",
				c.len, c.slot, r->reply_bytes);
			r->error = DISK_ERR_BAD_REPLY;
		}
		r->done = 1;
		wakeup(r);
	}
	if (got < 0)
		break_queue(virtq_strerror(got));
}

static void disk_interrupt(void)
{
	spin_lock(&disk.lock);
	uint32_t pending = reg_read(MMIO_INTERRUPT_STATUS);
	reg_write(MMIO_INTERRUPT_ACK, pending & (INTERRUPT_USED | INTERRUPT_CONFIG));
	io_fence();
	if ((pending & INTERRUPT_CONFIG) && disk.ready &&
	    (reg_read(MMIO_STATUS) & STATUS_NEEDS_RESET))
		break_queue("the device says it needs a reset");
	reap();
	spin_unlock(&disk.lock);
}

/*
 * Waits, lock held, until something is posted on chan. A process sleeps;
 * at boot (no process) the hart waits for an interrupt, reads the used ring
 * itself (the disk's interrupt may go to another hart) and says once a
 * second that it is still waiting: a slow host is no reason to give up.
 */
static void wait_on(const void *chan, struct wait *w, const char *what, uint64_t blockno)
{
	if (myproc()) {
		sleep(chan, &disk.lock);
		return;
	}
	spin_unlock(&disk.lock);
	int report = wait_sleep(w);
	spin_lock(&disk.lock);
	if (report)
		kprintf("magma: disk: still waiting for %s (block %lu) after %lu ms\n", what,
			blockno, wait_elapsed_ms(w));
	reap();
}

static int take_slot(struct wait *w, uint64_t blockno)
{
	for (;;) {
		if (!disk.ready)
			return -1;
		for (int s = 0; s < virtq_slots(&disk.queue); s++) {
			if (!disk.req[s].owned) {
				disk.req[s] = (struct request){ .owned = 1 };
				return s;
			}
		}
		wait_on(&disk.req, w, "a free request slot", blockno);
	}
}

/* The device's answer in the status byte, as a DISK_ERR_* code. */
static int status_error(uint8_t status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK: return 0;
	case VIRTIO_BLK_S_IOERR: return DISK_ERR_IO;
	case VIRTIO_BLK_S_UNSUPP: return DISK_ERR_UNSUPPORTED;
	default: return DISK_ERR_BAD_REPLY;
	}
}

/*
 * Splits the block at data into the physically contiguous pieces the
 * device gets (kernel heap pages are contiguous only virtually): at most
 * two, since a block spans at most two pages. Returns how many.
 */
static int data_pieces(const void *data, int device_writes, struct virtq_buf *out)
{
	uintptr_t va = (uintptr_t)data;
	uint32_t first = (uint32_t)(PAGE_SIZE - va % PAGE_SIZE);
	if (first >= FS_BLOCK_SIZE) {
		out[0] = (struct virtq_buf){ dma_address(data), FS_BLOCK_SIZE, device_writes };
		return 1;
	}
	out[0] = (struct virtq_buf){ dma_address(data), first, device_writes };
	out[1] = (struct virtq_buf){ dma_address((const void *)(va + first)), FS_BLOCK_SIZE - first,
				     device_writes };
	if (out[0].pa + first == out[1].pa) {
		out[0].len = FS_BLOCK_SIZE;
		return 1;
	}
	return 2;
}

static const char *type_name(uint32_t type)
{
	return type == VIRTIO_BLK_T_IN ? "read" : type == VIRTIO_BLK_T_OUT ? "write" : "flush";
}

/* Refusals that need no device; 0 when the request may go out. Prints the reason. */
static int refuse(uint32_t type, uint64_t blockno)
{
	int err = 0;
	if (!disk.ready)
		err = DISK_ERR_NO_DISK;
	else if (type != VIRTIO_BLK_T_FLUSH && blockno >= disk.blocks)
		err = DISK_ERR_RANGE;
	else if (type == VIRTIO_BLK_T_OUT && disk.read_only)
		err = DISK_ERR_READ_ONLY;
	if (err == DISK_ERR_RANGE)
		kprintf("magma: disk: %s of block %lu refused: %s (the disk has %lu blocks)\n",
			type_name(type), blockno, disk_strerror(err), disk.blocks);
	else if (err)
		kprintf("magma: disk: %s of block %lu refused: %s\n", type_name(type), blockno,
			disk_strerror(err));
	return err;
}

/* One request, start to finish: data is a block (NULL for a flush). 0 or DISK_ERR_*. */
static int transfer(uint32_t type, uint64_t blockno, const void *data)
{
	int err = refuse(type, blockno);
	if (err)
		return err;
	struct virtq_buf bufs[VIRTQ_SLOT_DESCS];
	int n = 1;
	if (data)
		n += data_pieces(data, type == VIRTIO_BLK_T_IN, &bufs[1]);

	struct wait w;
	wait_start(&w);
	spin_lock(&disk.lock);
	int slot = take_slot(&w, blockno);
	if (slot < 0) {
		spin_unlock(&disk.lock);
		kprintf("magma: disk: %s of block %lu refused: %s\n", type_name(type), blockno,
			disk_strerror(DISK_ERR_BROKEN));
		return DISK_ERR_BROKEN;
	}
	struct request *r = &disk.req[slot];
	*header_of(slot) = (struct blk_header){ type, 0, blockno * SECTORS_PER_BLOCK };
	*status_of(slot) = STATUS_UNWRITTEN;
	bufs[0] = (struct virtq_buf){ dma_address(header_of(slot)), sizeof(struct blk_header), 0 };
	bufs[n++] = (struct virtq_buf){ dma_address((const void *)status_of(slot)), 1, 1 };
	r->reply_bytes = 1 + (type == VIRTIO_BLK_T_IN ? FS_BLOCK_SIZE : 0);
	err = virtq_post(&disk.queue, slot, bufs, n);
	if (err)
		panic("disk: cannot post request %d (%d buffers): %s", slot, n,
		      virtq_strerror(err));
	if (++disk.in_flight > disk.max_in_flight)
		disk.max_in_flight = disk.in_flight;
	io_fence();
	reg_write(MMIO_QUEUE_NOTIFY, 0);

	while (!r->done)
		wait_on(r, &w, type_name(type), blockno);
	uint8_t status = *status_of(slot);
	err = r->error ? r->error : status_error(status);
	r->owned = 0;
	disk.in_flight--;
	wakeup(&disk.req);
	spin_unlock(&disk.lock);
	if (err)
		kprintf("magma: disk: %s of block %lu failed: %s (status byte 0x%x)\n",
			type_name(type), blockno, disk_strerror(err), status);
	return err;
}

int disk_read(uint64_t blockno, void *data)
{
	return transfer(VIRTIO_BLK_T_IN, blockno, data);
}

int disk_write(uint64_t blockno, const void *data)
{
	return transfer(VIRTIO_BLK_T_OUT, blockno, data);
}

int disk_flush(void)
{
	/* Without FLUSH the device has no write cache (5.2.6.2): a completed write is durable. */
	if (disk.ready && !disk.flush)
		return 0;
	return transfer(VIRTIO_BLK_T_FLUSH, 0, 0);
}

uint64_t disk_block_count(void)
{
	return disk.ready ? disk.blocks : 0;
}

int disk_max_in_flight(void)
{
	return disk.max_in_flight;
}

/* --- initialisation (3.1.1: reset, ACKNOWLEDGE, DRIVER, features, queue, DRIVER_OK) --- */

/* The first slot holding a block device; its version in *version. -1 if none. */
static int find_block_device(uint32_t *version)
{
	for (int i = 0; i < board.virtio_count; i++) {
		disk.base = board.virtio[i].base;
		if (reg_read(MMIO_MAGIC) != VIRTIO_MAGIC) {
			kprintf("magma: disk: virtio-mmio slot 0x%lx has no virtio magic (0x%x)\n",
				disk.base, reg_read(MMIO_MAGIC));
			continue;
		}
		if (reg_read(MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK) {
			*version = reg_read(MMIO_VERSION);
			return i;
		}
	}
	return -1;
}

static uint64_t device_features(void)
{
	reg_write(MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t high = reg_read(MMIO_DEVICE_FEATURES);
	reg_write(MMIO_DEVICE_FEATURES_SEL, 0);
	return high << 32 | reg_read(MMIO_DEVICE_FEATURES);
}

/* Takes VERSION_1 (required), FLUSH and RO when offered, nothing else. 0 or DISK_ERR_FEATURES. */
static int negotiate(void)
{
	uint64_t offered = device_features();
	if (!(offered & FEATURE(VIRTIO_F_VERSION_1))) {
		kprintf("magma: disk: the device does not offer VIRTIO_F_VERSION_1 (features 0x%lx)\n",
			offered);
		return DISK_ERR_FEATURES;
	}
	uint64_t want = FEATURE(VIRTIO_F_VERSION_1) |
			(offered & (FEATURE(VIRTIO_BLK_F_FLUSH) | FEATURE(VIRTIO_BLK_F_RO)));
	reg_write(MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(MMIO_DRIVER_FEATURES, (uint32_t)(want >> 32));
	reg_write(MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(MMIO_DRIVER_FEATURES, (uint32_t)want);
	reg_write(MMIO_STATUS, reg_read(MMIO_STATUS) | STATUS_FEATURES_OK);
	if (!(reg_read(MMIO_STATUS) & STATUS_FEATURES_OK)) {
		kprintf("magma: disk: the device refused features 0x%lx\n", want);
		return DISK_ERR_FEATURES;
	}
	disk.flush = (want & FEATURE(VIRTIO_BLK_F_FLUSH)) != 0;
	disk.read_only = (want & FEATURE(VIRTIO_BLK_F_RO)) != 0;
	return 0;
}

static void write_address(uint32_t low_reg, uint32_t high_reg, uint64_t pa)
{
	reg_write(low_reg, (uint32_t)pa);
	reg_write(high_reg, (uint32_t)(pa >> 32));
}

/* Queue 0, as large as the device allows up to QUEUE_SIZE. 0 or a DISK_ERR_*. */
static int set_up_queue(void)
{
	reg_write(MMIO_QUEUE_SEL, 0);
	if (reg_read(MMIO_QUEUE_READY)) {
		kprintf("magma: disk: queue 0 is already in use after a reset\n");
		return DISK_ERR_QUEUE;
	}
	uint32_t max = reg_read(MMIO_QUEUE_NUM_MAX);
	uint16_t size = QUEUE_SIZE;
	while (size > max && size > VIRTQ_SLOT_DESCS)
		size /= 2;
	if (size > max) {
		kprintf("magma: disk: queue 0 holds %u descriptors; a request needs %d\n", max,
			VIRTQ_SLOT_DESCS);
		return DISK_ERR_QUEUE;
	}
	disk.shared = page_alloc();
	if (!disk.shared) {
		kprintf("magma: disk: no page for the request queue\n");
		return DISK_ERR_NO_MEMORY;
	}
	if (virtq_init(&disk.queue, disk.shared, HEADERS_OFFSET, size))
		panic("disk: a %u-descriptor queue does not fit in %d bytes", size, HEADERS_OFFSET);
	uint64_t pa = dma_address(disk.shared);
	reg_write(MMIO_QUEUE_NUM, size);
	write_address(MMIO_QUEUE_DESC_LOW, MMIO_QUEUE_DESC_HIGH, pa);
	write_address(MMIO_QUEUE_DRIVER_LOW, MMIO_QUEUE_DRIVER_HIGH, pa + virtq_avail_offset(size));
	write_address(MMIO_QUEUE_DEVICE_LOW, MMIO_QUEUE_DEVICE_HIGH, pa + virtq_used_offset(size));
	reg_write(MMIO_QUEUE_READY, 1);
	return 0;
}

/* Capacity in sectors, read consistently (4.2.2.2: ConfigGeneration around the read). */
static uint64_t read_capacity(void)
{
	uint32_t generation, low, high;
	do {
		generation = reg_read(MMIO_CONFIG_GENERATION);
		low = reg_read(MMIO_CONFIG);
		high = reg_read(MMIO_CONFIG + 4);
	} while (generation != reg_read(MMIO_CONFIG_GENERATION));
	return (uint64_t)high << 32 | low;
}

static int set_up_device(const struct board_virtio *slot)
{
	reg_write(MMIO_STATUS, 0); /* reset */
	reg_write(MMIO_STATUS, STATUS_ACKNOWLEDGE);
	reg_write(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	int err = negotiate();
	if (!err)
		err = set_up_queue();
	if (err)
		return err;
	uint64_t sectors = read_capacity();
	disk.blocks = sectors / SECTORS_PER_BLOCK;
	if (disk.blocks == 0) {
		kprintf("magma: disk: the disk has %lu sectors of %u bytes, less than one %u-byte "
			"block\n",
			sectors, FS_SECTOR_SIZE, FS_BLOCK_SIZE);
		return DISK_ERR_TOO_SMALL;
	}
	if (sectors % SECTORS_PER_BLOCK)
		kprintf("magma: disk: ignoring the last %lu sectors (not a whole block)\n",
			sectors % SECTORS_PER_BLOCK);
	disk.irq = slot->irq;
	if (intr_attach(slot->irq, slot->trigger, this_hartid(), disk_interrupt)) {
		kprintf("magma: disk: cannot route irq %u to hart %lu\n", slot->irq, this_hartid());
		return DISK_ERR_IRQ;
	}
	reg_write(MMIO_STATUS, reg_read(MMIO_STATUS) | STATUS_DRIVER_OK);
	return 0;
}

int disk_init(void)
{
	uint32_t version = 0;
	int index = find_block_device(&version);
	if (index < 0) {
		kprintf("magma: disk: no virtio-blk device among %d virtio-mmio slots; running "
			"without a disk\n",
			board.virtio_count);
		return DISK_ERR_NO_DISK;
	}
	if (version != VIRTIO_MMIO_MODERN) {
		kprintf("magma: disk: virtio-blk at 0x%lx speaks virtio-mmio version %u; magma "
			"drives only the modern version 2 (QEMU: -global "
			"virtio-mmio.force-legacy=false); running without a disk\n",
			disk.base, version);
		return DISK_ERR_LEGACY;
	}
	int err = set_up_device(&board.virtio[index]);
	if (err) {
		reg_write(MMIO_STATUS, reg_read(MMIO_STATUS) | STATUS_FAILED);
		if (disk.shared)
			page_free(disk.shared);
		disk.shared = 0;
		kprintf("magma: disk: virtio-blk at 0x%lx refused: %s; running without a disk\n",
			disk.base, disk_strerror(err));
		return err;
	}
	disk.ready = 1;
	kprintf("magma: disk: virtio-blk at 0x%lx, irq %u: %lu blocks of %u bytes (%lu MiB), "
		"VERSION_1%s%s, %d requests in flight at most\n",
		disk.base, disk.irq, disk.blocks, FS_BLOCK_SIZE, disk.blocks * FS_BLOCK_SIZE >> 20,
		disk.flush ? " FLUSH" : " (no FLUSH: the device writes through)",
		disk.read_only ? " RO" : "", virtq_slots(&disk.queue));
	return 0;
}
