/*
 * user/memstat.c - memory figures: the kernel's (memstat(), include/sysinfo.h),
 * the named shared-memory blocks (shmstat(), include/shm.h) and this
 * process's own malloc heap (mm/heap's heap_stats).
 */
#include "kernel/types.h"
#include "user/user.h"

#include "include/shm.h"
#include "include/sysinfo.h"
#include "mm/heap.h"
#include "user/umalloc.h"

#define FRAME_KIB 4

/* One line per block, after a count: "shm NAME: SIZE bytes, N mappings[, unlinked]". */
static void print_blocks(void)
{
	static struct shminfo blocks[SHMSTAT_MAX];
	int n = shmstat(blocks, SHMSTAT_MAX);
	if (n < 0) {
		fprintf(2, "memstat: the shmstat system call failed\n");
		exit(1);
	}
	printf("shared memory: %d blocks\n", n);
	for (int i = 0; i < n && i < SHMSTAT_MAX; i++)
		printf("shm %s: %lu bytes, %u mappings%s\n", blocks[i].name,
		       (unsigned long)blocks[i].size_bytes, blocks[i].mappings,
		       blocks[i].unlinked ? ", unlinked" : "");
	if (n > SHMSTAT_MAX)
		printf("(%d more blocks not shown)\n", n - SHMSTAT_MAX);
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(2, "usage: memstat\n");
		exit(1);
	}
	struct memstat m;
	if (memstat(&m) < 0) {
		fprintf(2, "memstat: the memstat system call failed\n");
		exit(1);
	}
	printf("frames: %lu total (%lu KiB), %lu free (%lu KiB), %lu in use\n",
	       (unsigned long)m.frames_total, (unsigned long)m.frames_total * FRAME_KIB,
	       (unsigned long)m.frames_free, (unsigned long)m.frames_free * FRAME_KIB,
	       (unsigned long)(m.frames_total - m.frames_free));
	unsigned harts = m.harts;
	if (harts > SYSINFO_MAX_HARTS) {
		printf("(the kernel reports %u harts; showing the first %d)\n", harts,
		       SYSINFO_MAX_HARTS);
		harts = SYSINFO_MAX_HARTS;
	}
	for (unsigned i = 0; i < harts; i++)
		printf("hart %lu: %lu frames cached, %lu allocs, %lu frees\n",
		       (unsigned long)m.hart_id[i], (unsigned long)m.hart_cached[i],
		       (unsigned long)m.hart_allocs[i], (unsigned long)m.hart_frees[i]);
	printf("copy-on-write: %lu frames shared, %lu copies made\n", (unsigned long)m.cow_shared,
	       (unsigned long)m.cow_copies);
	printf("lazy pages given on first touch: %lu\n", (unsigned long)m.lazy_faults);
	printf("spare frames: %lu (free, or kept by the kernel heap and %lu kernel page tables)\n",
	       (unsigned long)m.frames_spare, (unsigned long)m.kernel_table_frames);
	printf("kernel heap: %lu of %lu bytes in use, in %lu frames\n",
	       (unsigned long)m.kheap_bytes_used, (unsigned long)m.kheap_bytes_total,
	       (unsigned long)m.kheap_frames);
	printf("processes: %lu\n", (unsigned long)m.processes);
	print_blocks();

	/* One block of our own, so the heap has something to show. */
	void *probe = malloc(100);
	struct heap_stats h;
	if (malloc_stats(&h)) /* already reported */
		exit(1);
	printf("this process's heap: %lu bytes in %lu chunks; used %lu bytes in %lu blocks "
	       "(%lu payload), free %lu bytes in %lu blocks (largest %lu), fragmentation "
	       "%u/1000\n",
	       (unsigned long)h.total_bytes, (unsigned long)h.chunks, (unsigned long)h.used_bytes,
	       (unsigned long)h.used_blocks, (unsigned long)h.used_payload_bytes,
	       (unsigned long)h.free_bytes, (unsigned long)h.free_blocks,
	       (unsigned long)h.largest_free_bytes, heap_fragmentation_permille(&h));
	free(probe);
	exit(0);
}
