/*
 * user/sysfuzz.c - a system-call fuzzer: random calls with hostile arguments.
 *
 *   sysfuzz [-s SEED] [-t SECONDS] [-p PROCS]
 *
 * PROCS workers (default 4) each issue random system calls for SECONDS
 * (default 10, counted in uptime ticks: a slow host makes fewer calls, never
 * a different verdict). Every call goes through one raw ecall (sc()), by
 * number, so each of the kernel's calls (and numbers it has no call for) is
 * reached with arbitrary register values: pointers at page 0, unmapped
 * pages, the kernel's half, the read-only root (USER_ROOT_VA) and info page,
 * the stack's guard page, page-straddling and misaligned buffers, the heap's
 * end; lengths 0, 1, 4095, 4096, huge and negative; fds -1, 0..NOFILE+2,
 * closed ones and 64-bit values whose low half is an fd; paths of every
 * length up to and past MAXPATH, with and without a NUL in reach, "..",
 * deep directories; exec of garbage and of mutated ELF files it writes;
 * fork trees to a bounded depth; kill of its own children; sbrk up and down;
 * named shared memory: names of its own and bad ones (NULL, unmapped, the
 * kernel's, no NUL in reach, past SHM_NAME_MAX, empty, unprintable bytes),
 * sizes 0, 1, 4095, 4096, pages, SHM_SIZE_MAX and past it, 64-bit garbage;
 * attach at 0, misaligned, in the program and heap, right above the break,
 * the stack and its guard page, the info page, the root, the kernel's half,
 * over its own attachments; flags with garbage bits; detach at an
 * attachment's start, inside it and anywhere; shmstat with bad buffers and
 * max values; pointers of the other calls into its attachments.
 * SEED (printed, default from the clock) makes each worker's sequence of
 * calls repeatable: worker i draws from SEED + i.
 *
 * The kernel is watched, not just survived: a call that must fail (a read
 * into the read-only root, an fd the worker knows is closed, a path with no
 * NUL) but succeeds, an fd handed out twice, a wrong getpid, each counts as
 * an anomaly; so do shmcreate of a name the worker holds, shmattach of one
 * it does not hold or where no attachment may go, a new block not all zero,
 * two attachments of a block (or a fork child and its parent) not seeing
 * each other's stores, and shmstat listing the worker's names wrongly (after
 * one of these the worker makes no more shm calls: what it knows of its
 * blocks may be wrong, and a touch could kill it). The summary names the
 * first. The last line is "sysfuzz: OK" or "sysfuzz: FAILED ...".
 *
 * What keeps the fuzzer from harming anything but the kernel's error paths:
 * - Paths stay in the scratch directory /sysfuzz.PID, which it removes at
 *   the end: a ".." never climbs above it, names come from "abcd" (the
 *   garbage files it execs, gN, and the ELF mutants, xN, cannot be named),
 *   and after every chdir the worker goes back to its own directory.
 * - Workers close the console first; device files they make are never read
 *   or written (the console's would block or print), nor are pipe ends whose
 *   read would block or whose write would not fit (the worker tracks every
 *   fd it holds and how full each pipe is).
 * - Memory the kernel may write (read's buffer, fstat's, ...) is kept off
 *   the worker's own data and the live top of its stack; the heap below its
 *   fixed buffers is never shrunk; it uses no malloc.
 * - kill only names pids of its own unreaped children (a pid cannot be
 *   reused while its zombie exists, so each is the child) and values no
 *   process can have (negative, 0, 2^30 and up); sleep, pause and wait are
 *   given only what ends soon, and every child ends by itself within about
 *   a second. exec runs only in a child, which has closed every fd.
 * - Shared-memory names all begin "fz.PID." (the worker's pid): no other
 *   program's block is reached. A name pointer points at bytes laid there
 *   for the call or at nothing mapped. The worker tracks its blocks and
 *   attachments (where, which block, read-only or not), stores only into
 *   read-write ones (a store into a read-only one kills by design), keeps
 *   its blocks to SHM_BUDGET_PAGES pages, and tells access_of() where they
 *   lie. Its fork children share them; exit and exec detach.
 * - At the end each worker kills and reaps its children and detaches and
 *   unlinks all it made, and the parent waits until the process count is
 *   what it was before, so memstat after it can be compared with memstat
 *   before. Then no block may be left under a worker's prefix (the parent
 *   unlinks any, and fails).
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/syscall.h"
#include "user/random.h"
#include "user/user.h"

#include "include/fs_format.h"
#include "include/shm.h"
#include "include/sysinfo.h"
#include "include/user_layout.h"
#include "user/args.h"

#define PAGE           4096ul
#define TICKS_PER_S    100
#define DEFAULT_PROCS  4
#define MAX_PROCS      16
#define DEFAULT_SECS   10
#define BUF_BYTES      (64 * 1024)   /* the fixed buffers at the bottom of the heap */
#define HEAP_CAP       (1024 * 1024) /* how far sbrk may take the heap above them */
#define STACK_LO       (USER_STACK_TOP - USER_STACK_SIZE)
#define STACK_SAFE_TOP (USER_STACK_TOP - 64 * 1024) /* the kernel never writes above */
#define KERNEL_VA      0xffffffc000000000ul
#define MAX_CHILDREN   8
#define GARBAGE_FILES  4
#define MUTANTS        4
#define EXEC_FAILED    95 /* an exec child's status when exec returned -1 */
#define MUTANT_STATUS  7  /* what the unmutated ELF's code exits with */
#define MAINTAIN_EVERY 256
#define SLOT_NONE      SYS_COUNT /* the counting slot of numbers with no call */
#define REPORT_MAGIC   0x5f5a5a46u
#define NAMES          "abcd"
#define NAME_CHARS     4
#define TREE_DEPTH     8
#define SHM_NAMES      "abc" /* the letters after a worker's prefix */
#define SHM_NAME_CHARS 3
/* A worker's shm names: its prefix and 1 or 2 letters, or letters up to SHM_NAME_MAX bytes. */
#define SHM_SLOTS  (SHM_NAME_CHARS + SHM_NAME_CHARS * SHM_NAME_CHARS + 1)
#define MAX_ATTACH 8
#define MAX_BLOCKS (SHM_SLOTS + MAX_ATTACH) /* named ones, and unlinked ones still attached */
#define SHM_BUDGET_PAGES \
	512 /* pages of blocks a worker keeps at once: the others need memory too */
#define SHM_BIG_PAGES 64

/* Offsets in the buffer area of what the worker builds there. */
#define PATH_ROOM   1024
#define PATH1_AT    (2 * PAGE)
#define PATH2_AT    (2 * PAGE + PATH_ROOM)
#define STRADDLE_AT (4 * PAGE) /* a path laid across this page boundary */
#define ARGV_AT     (5 * PAGE)
#define ARGS_AT     (6 * PAGE)
#define NONUL_AT    (8 * PAGE) /* MAXPATH + 16 bytes without a NUL, laid there when used */

/* ---------------------------------------------------------------- state */

enum fd_kind { FD_FREE, FD_FILE, FD_DIR, FD_DEV, FD_PIPE_R, FD_PIPE_W };

struct fd_slot {
	int kind;
	int pipe; /* index into pipes[] for a pipe end */
};

struct pipe_state {
	int ends_r, ends_w; /* fds of this worker on each end */
	int avail;          /* bytes it holds */
	int unknown;        /* a write failed partway: avail is not known */
};

enum child_mode { CHILD_PAUSE, CHILD_PIPE, CHILD_TREE, CHILD_EXEC, CHILD_MEM, CHILD_MODES };

struct child {
	int pid;
	int mode;
};

/* What a worker sends its parent at the end. */
struct report {
	uint32 magic;
	uint32 anomalies;
	uint64 calls;
	uint64 ok[SYS_COUNT + 1];
	uint64 failed[SYS_COUNT + 1];
	char first_anomaly[120];
};

/* A block this worker made: the kernel has it while it is named or attached here. */
struct shm_block_state {
	int live;
	int named;         /* its name still refers to it */
	uint64 size_bytes; /* as created */
	uint64 len;        /* what an attachment spans: size_bytes in whole pages */
	int attached;      /* this worker's attachments of it */
	int written;       /* it had a read-write attachment: it may no longer be all zero */
};

/* One of the worker's attachments (start 0: a free entry). */
struct shm_map {
	uint64 start;
	int block; /* index into shm_blocks[] */
	int readonly;
};

static uint64 image_end, buf_base, heap_end;
static struct fd_slot fds[NOFILE];
static struct pipe_state pipes[NOFILE];
static struct child children[MAX_CHILDREN];
static int nchildren;
static int report_fd = -1, my_pid, parent_pid, nprocs;
static char scratch[32], workdir[48];
static struct report rep;
static char shm_prefix[24]; /* "fz.PID.": this worker's names begin so */
static char shm_names[SHM_SLOTS][SHM_NAME_MAX + 1];
static int slot_block[SHM_SLOTS]; /* the block a name refers to, or -1 */
static struct shm_block_state shm_blocks[MAX_BLOCKS];
static struct shm_map shm_maps[MAX_ATTACH];
static struct shminfo shm_list[SHMSTAT_MAX]; /* what shmstat gave, to check */
static int shm_lost;                         /* see shm_anomaly() */
static uint64 shm_frames_total;              /* RAM: a block of more pages must be refused */

static const char *const call_names[SYS_COUNT + 1] = {
	[SYS_fork] = "fork",
	[SYS_exit] = "exit",
	[SYS_wait] = "wait",
	[SYS_pipe] = "pipe",
	[SYS_read] = "read",
	[SYS_kill] = "kill",
	[SYS_exec] = "exec",
	[SYS_fstat] = "fstat",
	[SYS_chdir] = "chdir",
	[SYS_dup] = "dup",
	[SYS_getpid] = "getpid",
	[SYS_sbrk] = "sbrk",
	[SYS_sleep] = "sleep",
	[SYS_uptime] = "uptime",
	[SYS_open] = "open",
	[SYS_write] = "write",
	[SYS_mknod] = "mknod",
	[SYS_unlink] = "unlink",
	[SYS_link] = "link",
	[SYS_mkdir] = "mkdir",
	[SYS_close] = "close",
	[SYS_pause] = "pause",
	[SYS_setpgid] = "setpgid",
	[SYS_fgset] = "fgset",
	[SYS_memstat] = "memstat",
	[SYS_procinfo] = "procinfo",
	[SYS_lsdev] = "lsdev",
	[SYS_getppid] = "getppid",
	[SYS_shmcreate] = "shmcreate", /* named shared memory: include/shm.h */
	[SYS_shmattach] = "shmattach",
	[SYS_shmdetach] = "shmdetach",
	[SYS_shmunlink] = "shmunlink",
	[SYS_shmstat] = "shmstat",
	[SLOT_NONE] = "(no such call)",
};

/* ---------------------------------------------------------- primitives */

/* One system call by number, every argument register as given. */
static long sc(uint64 num, uint64 a0, uint64 a1, uint64 a2, uint64 a3, uint64 a4, uint64 a5)
{
	register uint64 r0 asm("a0") = a0;
	register uint64 r1 asm("a1") = a1;
	register uint64 r2 asm("a2") = a2;
	register uint64 r3 asm("a3") = a3;
	register uint64 r4 asm("a4") = a4;
	register uint64 r5 asm("a5") = a5;
	register uint64 r7 asm("a7") = num;
	asm volatile("ecall"
		     : "+r"(r0)
		     : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
		     : "memory");
	return (long)r0;
}

static uint64 page_up(uint64 a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

static void anomaly(const char *what, long value)
{
	if (rep.anomalies++ == 0)
		snprintf(rep.first_anomaly, sizeof rep.first_anomaly, "%s (%ld, pid %d)", what,
			 value, my_pid);
}

static void count(uint64 num, long result)
{
	int slot = num < SYS_COUNT ? (int)num : SLOT_NONE;
	rep.calls++;
	if (result == -1)
		rep.failed[slot]++;
	else
		rep.ok[slot]++;
}

/* ------------------------------------------------------------- memory */

enum access { NONE, READ_ONLY, READ_WRITE, UNKNOWN };

/* The index of the worker's attachment that holds va, or -1. */
static int map_holding(uint64 va)
{
	for (int i = 0; i < MAX_ATTACH; i++) {
		const struct shm_map *m = &shm_maps[i];
		if (m->start && va >= m->start && va - m->start < shm_blocks[m->block].len)
			return i;
	}
	return -1;
}

/* What a user access to va may do in this worker, from the layout it knows. */
static int access_of(uint64 va)
{
	if (va < USER_TEXT_BASE)
		return NONE;
	if (va < USER_TEXT_BASE + PAGE)
		return READ_ONLY; /* the first page of text */
	if (va < image_end)
		return UNKNOWN; /* text, rodata, data: not told apart here */
	if (va < page_up(heap_end))
		return READ_WRITE;
	if (va < STACK_LO) { /* the heap's gap and the stack's guard page: attachments only */
		int m = map_holding(va);
		return m < 0 ? NONE : shm_maps[m].readonly ? READ_ONLY : READ_WRITE;
	}
	if (va < USER_STACK_TOP)
		return READ_WRITE;
	if (va >= USER_INFO_VA && va < USER_INFO_VA + PAGE)
		return READ_ONLY;
	// LAB(pgtbl) begin
	if (va >= USER_ROOT_VA && va < USER_TOP)
		return READ_ONLY;
	// LAB(pgtbl) end
	return NONE;
}

/* 1 if every byte of [va, va + len) allows at least `want` (READ_ONLY: reading). */
static int range_allows(uint64 va, uint64 len, int want)
{
	if (len == 0)
		return 1;
	if (va + len < va)
		return 0;
	for (uint64 page = va & ~(PAGE - 1); page < va + len; page += PAGE) {
		int a = access_of(page < va ? va : page);
		if (a == UNKNOWN)
			return 1; /* no verdict */
		if (a == NONE || (want == READ_WRITE && a != READ_WRITE))
			return 0;
	}
	return 1;
}

/* 1 if no byte of [va, va + len) is writable: a call that wrote there succeeded wrongly. */
static int surely_unwritable(uint64 va, uint64 len)
{
	int a = access_of(va);
	return len > 0 && (a == NONE || a == READ_ONLY) && !range_allows(va, 1, READ_WRITE);
}

/*
 * The kernel may write [*va, *va + *len): keep the worker's own data and the
 * live top of its stack out of it. The kernel writes upwards from *va and
 * stops at the first page it may not write, so only these two places matter.
 */
static void keep_off_own_memory(uint64 *va, uint64 *len)
{
	if (*va >= USER_TEXT_BASE + PAGE && *va < image_end)
		*va = buf_base + random_below(BUF_BYTES / 2);
	if (*va >= STACK_LO && *va < USER_STACK_TOP) {
		if (*va >= STACK_SAFE_TOP)
			*va = STACK_LO + random_below(PAGE);
		if (*len > STACK_SAFE_TOP - *va)
			*len = STACK_SAFE_TOP - *va;
	}
}

/* A pointer: an edge case, or somewhere in the buffers. */
static uint64 pick_ptr(void)
{
	switch (random_below(24)) {
	case 0: return 0;
	case 1: return 1 + random_below(PAGE - 1); /* page 0 */
	case 2: return USER_TEXT_BASE + random_below(PAGE);
	case 3: return buf_base + random_below(BUF_BYTES); /* misaligned */
	case 4:
		return buf_base + PAGE * (1 + random_below(BUF_BYTES / PAGE - 1)) -
		       random_below(16);
	case 5: return page_up(heap_end) - random_below(64); /* runs into unmapped memory */
	case 6: return heap_end;
	case 7: return page_up(heap_end) + PAGE * random_below(16); /* the heap's gap */
	case 8: return USER_STACK_GUARD + random_below(PAGE);
	case 9: return USER_STACK_GUARD - 8;
	case 10: return STACK_LO + random_below(2 * PAGE);
	case 11: return USER_INFO_VA + random_below(PAGE);
	case 12: return USER_ROOT_VA + random_below(USER_TOP - USER_ROOT_VA);
	case 13: return USER_TOP - random_below(16);
	case 14: return KERNEL_VA + 8 * random_below(1 << 20);
	case 15: return 0x80000000ul + 8 * random_below(1 << 24); /* RAM, kernel-only */
	case 16: return USER_STACK_TOP + random_below(PAGE);
	case 17: return random_next();
	case 18: return random_next() % USER_TOP;
	case 19: { /* in an attachment, read-only or not */
		int m = (int)random_below(MAX_ATTACH);
		if (shm_maps[m].start)
			return shm_maps[m].start + random_below(shm_blocks[shm_maps[m].block].len);
		return buf_base + 8 * random_below(BUF_BYTES / 8);
	}
	default: return buf_base + 8 * random_below(BUF_BYTES / 8); /* valid */
	}
}

static uint64 pick_len(void)
{
	switch (random_below(16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2 + random_below(62);
	case 3: return PAGE - 1;
	case 4: return PAGE;
	case 5: return PAGE + 1;
	case 6: return 2 * PAGE + random_below(64);
	case 7: return 65536;
	case 8: return 0x7fffffff;
	case 9: return (uint64)-1;
	case 10: return 0x80000000ul; /* INT_MIN as an int */
	case 11: return random_next();
	case 12: return random_below(16384);
	default: return random_below(512);
	}
}

/* ---------------------------------------------------------------- fds */

static int open_fd_at_random(void)
{
	int start = (int)random_below(NOFILE);
	for (int i = 0; i < NOFILE; i++) {
		int fd = (start + i) % NOFILE;
		if (fds[fd].kind != FD_FREE)
			return fd;
	}
	return -1;
}

static uint64 pick_fd(void)
{
	uint64 fd;
	switch (random_below(12)) {
	case 0: fd = (uint64)-1; break;
	case 1: fd = 0xffffffff80000000ul; break;
	case 2: fd = NOFILE + random_below(3); break;
	case 3: fd = 0x7fffffff; break;
	case 4:
		fd = (random_next() & ~0xfffffffful) | random_below(NOFILE);
		break; /* the kernel takes the int */
	case 5:
	case 6: fd = random_below(NOFILE); break;
	default: fd = (uint64)(long)open_fd_at_random(); break;
	}
	if ((int)fd == report_fd)
		fd = (uint64)-1;
	return fd;
}

/* The slot (int)fd names, or NULL when it names none of the worker's fds. */
static struct fd_slot *slot_of(uint64 fd)
{
	int n = (int)fd;
	return n >= 0 && n < NOFILE ? &fds[n] : 0;
}

static int is_open(uint64 fd)
{
	struct fd_slot *s = slot_of(fd);
	return s && s->kind != FD_FREE;
}

/* Records a new fd the kernel returned: it must be in range and not in use. */
static int take_fd(long fd, int kind, int pipe)
{
	if (fd < 0 || fd >= NOFILE || fds[fd].kind != FD_FREE || fd == report_fd) {
		anomaly("the kernel returned an fd that is in use or out of range", fd);
		return -1;
	}
	fds[fd].kind = kind;
	fds[fd].pipe = pipe;
	if (kind == FD_PIPE_R)
		pipes[pipe].ends_r++;
	if (kind == FD_PIPE_W)
		pipes[pipe].ends_w++;
	return 0;
}

static void drop_fd(int fd)
{
	struct fd_slot *s = &fds[fd];
	if (s->kind == FD_PIPE_R)
		pipes[s->pipe].ends_r--;
	if (s->kind == FD_PIPE_W)
		pipes[s->pipe].ends_w--;
	s->kind = FD_FREE;
}

static int new_pipe_state(void)
{
	for (int i = 0; i < NOFILE; i++) {
		if (pipes[i].ends_r == 0 && pipes[i].ends_w == 0) {
			pipes[i].avail = 0;
			pipes[i].unknown = 0;
			return i;
		}
	}
	return -1;
}

/* ------------------------------------------------------------- paths */

/* Appends a random name of 1..len_max characters from NAMES; the new end. */
static char *put_name(char *at, int len_max)
{
	int len = 1 + (int)random_below((uint64)len_max);
	for (int i = 0; i < len; i++)
		*at++ = NAMES[random_below(NAME_CHARS)];
	return at;
}

static char *put_str(char *at, const char *s)
{
	while (*s)
		*at++ = *s++;
	return at;
}

/*
 * Components up to about len bytes: names (some longer than FS_NAME_MAX),
 * ".", "", and ".." only while it stays inside the scratch directory
 * (depth counts levels below the worker's own directory).
 */
static char *put_components(char *at, int len, int depth)
{
	char *start = at, *end = at + len;
	while (at < end) {
		int r = (int)random_below(8);
		if (r == 0 && depth > -1) {
			at = put_str(at, "..");
			depth--;
		} else if (r == 1) {
			*at++ = '.';
		} else if (r == 2 && at > start) {
			/* an empty component: "//" (first, it would make the path absolute) */
		} else {
			at = put_name(at, r == 3 ? FS_NAME_MAX + 8 : 3);
			depth++;
		}
		*at++ = '/';
	}
	return at > start ? at - 1 : at; /* without the last '/' */
}

static const char *const special_paths[] = {
	"", ".", "..", "/", "./", "a/..", "a//b", "a/", "./a/./b", "../", "../.", "...",
};

/* Writes a path for the worker at dst (PATH_ROOM bytes); its address. */
static uint64 build_path(char *dst)
{
	char *at = dst;
	switch (random_below(20)) {
	case 0:
		at = put_name(at, 2);
		*at++ = '/';
		at = put_name(at, 3);
		break;
	case 1:
		at = put_str(at, "../w");
		*at++ = (char)('0' + random_below((uint64)nprocs));
		*at++ = '/';
		at = put_name(at, 3);
		break;
	case 2:
		at = put_str(at, workdir);
		*at++ = '/';
		at = put_name(at, 3);
		break;
	case 3: { /* deep: d/d/d/... */
		int levels = 1 + (int)random_below(MAXPATH / 2 + 4);
		for (int i = 0; i < levels; i++)
			at = put_str(at, i ? "/d" : "d");
		break;
	}
	case 4: { /* around MAXPATH long */
		static const int lens[] = { MAXPATH - 2, MAXPATH - 1, MAXPATH, MAXPATH + 1 };
		int len = random_below(2) ? lens[random_below(4)] : (int)random_below(MAXPATH + 40);
		at = put_components(at, len, 0);
		break;
	}
	case 5:
		at = put_str(
			at,
			special_paths[random_below(sizeof special_paths / sizeof *special_paths)]);
		break;
	case 6: /* one element longer than a directory entry holds */
		for (int n = FS_NAME_MAX - 1 + (int)random_below(4); n > 0; n--)
			*at++ = 'a';
		break;
	case 7: at = put_components(at, 1 + (int)random_below(48), 0); break;
	case 8:
		*at++ = 'g';
		*at++ = (char)('0' + random_below(GARBAGE_FILES));
		break;
	default: at = put_name(at, 3); break;
	}
	*at = 0;
	return (uint64)dst;
}

/* The longest path build_path writes: put_components may end past its length by a name. */
_Static_assert(MAXPATH + 40 + FS_NAME_MAX + 8 + 2 <= PATH_ROOM, "a path fits its buffer");

/*
 * A path pointer: a path built at area (or across a page boundary), bytes
 * that run out before a NUL, or a pointer at nothing. Never a pointer into
 * bytes it did not lay there for this call (old file data, text): a tail
 * of some string there could name a file outside the scratch directory.
 * wipe_paths() clears the built ones after the call for the same reason.
 */
static uint64 pick_path(uint64 area, int *must_fail)
{
	*must_fail = 0;
	switch (random_below(16)) {
	case 0: { /* no NUL before the heap's end (unless an attachment lies right above it) */
		uint64 end = page_up(heap_end);
		if (access_of(end) != NONE)
			return build_path((char *)(buf_base + area));
		int len = 1 + (int)random_below(MAXPATH + 8);
		memset((char *)(end - len), 'a', (uint)len);
		*must_fail = 1;
		return end - len;
	}
	case 1: /* MAXPATH bytes and more with no NUL */
		memset((char *)(buf_base + NONUL_AT), 'a', MAXPATH + 16);
		*must_fail = 1;
		return buf_base + NONUL_AT + random_below(16);
	case 2: { /* a valid path across a page boundary */
		char tmp[PATH_ROOM];
		build_path(tmp);
		uint64 at = buf_base + STRADDLE_AT - random_below(strlen(tmp) + 1);
		strcpy((char *)at, tmp);
		memset(tmp, 0, sizeof tmp);
		return at;
	}
	case 3: {
		uint64 p;
		do
			p = pick_ptr();
		while (access_of(p) != NONE);
		*must_fail = 1;
		return p;
	}
	default: return build_path((char *)(buf_base + area));
	}
}

/* Clears every path pick_path built (see there). */
static void wipe_paths(void)
{
	memset((char *)(buf_base + PATH1_AT), 0, 2 * PATH_ROOM);
	memset((char *)(buf_base + STRADDLE_AT - PATH_ROOM), 0, 2 * PATH_ROOM);
}

/* A path that must fail if the kernel reads it right: too long, or no NUL in reach. */
static int path_must_fail(uint64 p, int must_fail)
{
	if (must_fail)
		return 1;
	if (p < buf_base || access_of(p) != READ_WRITE)
		return 0; /* no verdict */
	for (uint64 i = 0; i < MAXPATH; i++) {
		int a = access_of(p + i);
		if (a == NONE)
			return 1; /* runs into memory it cannot read */
		if (a != READ_WRITE)
			return 0; /* a read-only attachment or the image: no verdict */
		if (!((char *)p)[i])
			return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- children */

static void close_all_fds(void)
{
	for (int fd = 0; fd < NOFILE; fd++)
		sc(SYS_close, (uint64)fd, 0, 0, 0, 0, 0);
}

static void add_child(int pid, int mode)
{
	children[nchildren].pid = pid;
	children[nchildren].mode = mode;
	nchildren++;
}

/* A child the worker reaped: off the kill list; an exec child's status counts for exec. */
static void reaped(long pid, int status, int status_known)
{
	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid != pid)
			continue;
		if (status_known && children[i].mode == CHILD_EXEC) {
			if (status == EXEC_FAILED)
				count(SYS_exec, -1);
			else if (status == MUTANT_STATUS)
				count(SYS_exec, 0);
		}
		children[i] = children[--nchildren];
		return;
	}
	anomaly("wait returned a pid that is not a child of this worker", pid);
}

/* The unmutated ELF: one R X segment at USER_TEXT_BASE whose code is exit(MUTANT_STATUS). */
#define ELF_CODE_AT 120
static int build_elf(uchar *e)
{
	static const uchar code[] = {
		0x13, 0x05, 0x70, 0x00, /* addi a0, zero, 7 */
		0x93, 0x08, 0x20, 0x00, /* addi a7, zero, SYS_exit */
		0x73, 0x00, 0x00, 0x00, /* ecall */
	};
	_Static_assert(MUTANT_STATUS == 7 && SYS_exit == 2, "the code's immediates");
	int size = ELF_CODE_AT + (int)sizeof code;
	memset(e, 0, (uint)size);
	static const uchar ident[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	memcpy(e, ident, sizeof ident);
	uint64 entry = USER_TEXT_BASE + ELF_CODE_AT;
	e[16] = 2;   /* e_type: ET_EXEC */
	e[18] = 243; /* e_machine: RISC-V */
	e[20] = 1;   /* e_version */
	memcpy(e + 24, &entry, 8);
	e[32] = 64; /* e_phoff */
	e[52] = 64; /* e_ehsize */
	e[54] = 56; /* e_phentsize */
	e[56] = 1;  /* e_phnum */
	uchar *ph = e + 64;
	ph[0] = 1; /* PT_LOAD */
	ph[4] = 5; /* R X */
	uint64 vaddr = USER_TEXT_BASE, filesz = (uint64)size;
	memcpy(ph + 16, &vaddr, 8);
	memcpy(ph + 24, &vaddr, 8);
	memcpy(ph + 32, &filesz, 8);
	memcpy(ph + 40, &filesz, 8);
	memcpy(e + ELF_CODE_AT, code, sizeof code);
	return size;
}

/* Fields of the ELF worth setting to edge values: (offset, width). */
static const uchar elf_fields[][2] = {
	{ 24, 8 }, { 32, 8 }, { 54, 2 }, { 56, 2 }, { 64, 4 },
	{ 68, 4 }, { 72, 8 }, { 80, 8 }, { 96, 8 }, { 104, 8 },
};

static const uint64 elf_edges[] = {
	0,
	1,
	0x1000,
	0x1078,
	0x2000,
	56,
	64,
	0xffff,
	0x7fffffff,
	0x80000000ul,
	USER_STACK_GUARD - 0x1000,
	USER_STACK_GUARD,
	USER_TOP - 0x1000,
	0xfffffffffffff000ul,
	(uint64)-1,
	0x7fffffffffffffff,
	16,
	17,
};

/* The unmutated ELF, or one with a few bytes, fields or its length changed; its size. */
static int build_mutant(uchar *e, int room)
{
	int size = build_elf(e);
	if (random_below(8) == 0)
		return size;
	int changes = 1 + (int)random_below(3);
	for (int i = 0; i < changes; i++) {
		switch (random_below(4)) {
		case 0: e[random_below((uint64)size)] = (uchar)random_next(); break;
		case 1: {
			const uchar *f =
				elf_fields[random_below(sizeof elf_fields / sizeof *elf_fields)];
			uint64 v = elf_edges[random_below(sizeof elf_edges / sizeof *elf_edges)];
			memcpy(e + f[0], &v, f[1]);
			break;
		}
		case 2: size = (int)random_below((uint64)size + 1); break;
		default: { /* a second program header, overlapping or not */
			int extra = (int)random_below((uint64)(room - size));
			memcpy(e + 120, e + 64, 56);
			e[56] = 2;
			uint64 v = USER_TEXT_BASE + PAGE * random_below(3);
			memcpy(e + 120 + 16, &v, 8);
			for (int j = 0; j < extra; j++)
				e[size + j] = (uchar)random_next();
			size += extra;
			break;
		}
		}
	}
	return size;
}

/* Writes len bytes to the named file in the worker's directory (housekeeping, not counted). */
static void write_file(const char *name, const void *data, int len)
{
	int fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);
	if (fd < 0)
		return;
	write(fd, data, len);
	close(fd);
}

static void write_garbage(int k)
{
	static uchar junk[8192];
	int len = (int)random_below(sizeof junk + 1);
	for (int i = 0; i < len; i++)
		junk[i] = (uchar)random_next();
	if (len >= 4 && random_below(2))
		memcpy(junk, "\177ELF", 4);
	char name[] = { 'g', (char)('0' + k), 0 };
	write_file(name, junk, len);
}

static void write_mutant(int k)
{
	static uchar elf[1024];
	int len = build_mutant(elf, sizeof elf);
	char name[] = { 'x', (char)('0' + k), 0 };
	write_file(name, elf, len);
}

/* A child's exec: a garbage file, an ELF mutant or any path, with odd argv. */
static void exec_child(void)
{
	uint64 path;
	char *p = (char *)(buf_base + PATH1_AT);
	int must_fail;
	switch (random_below(4)) {
	case 0:
		p[0] = 'g';
		p[1] = (char)('0' + random_below(GARBAGE_FILES));
		p[2] = 0;
		path = (uint64)p;
		break;
	case 1:
		p[0] = 'x';
		p[1] = (char)('0' + random_below(MUTANTS));
		p[2] = 0;
		path = (uint64)p;
		break;
	default: path = pick_path(PATH1_AT, &must_fail); break;
	}
	uint64 *argv = (uint64 *)(buf_base + ARGV_AT);
	int argc = (int)random_below(MAXARG + 3);
	char *strings = (char *)(buf_base + ARGS_AT);
	for (int i = 0; i < argc; i++) {
		switch (random_below(6)) {
		case 0: argv[i] = pick_ptr(); break;
		case 1: /* a page of bytes and no NUL */
			memset(strings, 'a', PAGE);
			argv[i] = (uint64)strings;
			break;
		default: argv[i] = (uint64) "arg"; break;
		}
	}
	argv[argc] = random_below(8) ? 0 : random_next();
	uint64 uargv = random_below(6) ? (uint64)argv : pick_ptr();
	sc(SYS_exec, path, uargv, random_next(), random_next(), random_next(), random_next());
	exit(EXEC_FAILED);
}

/* A fork tree of the given depth: each process forks one or two children and reaps them. */
static void fork_tree(int depth)
{
	for (; depth > 0; depth--) { /* a child goes round again, one level down */
		int kids = random_below(4) ? 1 : 2, am_child = 0;
		for (int i = 0; i < kids && !am_child; i++)
			am_child = sc(SYS_fork, 0, 0, 0, 0, 0, 0) == 0;
		if (!am_child)
			break;
	}
	while (wait(0) >= 0) {
	}
	exit((int)random_below(256));
}

/* A child whose parent may kill it while it sleeps, reads a pipe, forks, execs or grows. */
static void child_main(int mode)
{
	close_all_fds();
	switch (mode) {
	case CHILD_PAUSE: sc(SYS_pause, random_below(100), 0, 0, 0, 0, 0); break;
	case CHILD_PIPE: {
		int p[2];
		if (pipe(p) < 0)
			break;
		if (fork() == 0) { /* writes after a while, so the read ends by itself */
			close(p[0]);
			sleep((int)random_below(100));
			write(p[1], "x", 1);
			exit(0);
		}
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		wait(0);
		break;
	}
	case CHILD_TREE: fork_tree(1 + (int)random_below(TREE_DEPTH)); break;
	case CHILD_EXEC: exec_child(); break;
	case CHILD_MEM: {
		int grow = (int)random_below(4 << 20);
		char *base = sbrk(grow);
		if (base != SBRK_ERROR) {
			for (int off = 0; off < grow; off += (int)PAGE * (1 + (int)random_below(8)))
				base[off] = 1;
			sbrk(-(int)random_below((uint64)grow + 1));
			if (fork() == 0)
				exit(0);
			wait(0);
		}
		break;
	}
	}
	exit((int)random_below(256));
}

/* ------------------------------------------------- named shared memory */

/* "fz.PID.": the prefix of every name worker pid makes, so no one else's block is reached. */
static void shm_prefix_of(char *out, uint64 room, int pid)
{
	snprintf(out, room, "fz.%d.", pid);
}

/*
 * After an anomaly here the worker's picture of its blocks may be wrong (a
 * block smaller than it thinks, an attachment it does not know of), and a
 * touch could kill it before it reports: it makes no more shm calls.
 */
static void shm_anomaly(const char *what, long value)
{
	anomaly(what, value);
	shm_lost = 1;
}

/* The worker's names: its prefix and one or two letters, and one of exactly SHM_NAME_MAX bytes. */
static void shm_setup(void)
{
	shm_prefix_of(shm_prefix, sizeof shm_prefix, my_pid);
	for (int slot = 0; slot < SHM_SLOTS; slot++) {
		char *at = put_str(shm_names[slot], shm_prefix);
		int k = slot - SHM_NAME_CHARS;
		if (slot == SHM_SLOTS - 1) {
			memset(at, 'c', SHM_NAME_MAX - strlen(shm_prefix));
			at = shm_names[slot] + SHM_NAME_MAX;
		} else if (k < 0) {
			*at++ = SHM_NAMES[slot];
		} else {
			*at++ = SHM_NAMES[k / SHM_NAME_CHARS];
			*at++ = SHM_NAMES[k % SHM_NAME_CHARS];
		}
		*at = 0;
		slot_block[slot] = -1;
	}
	struct memstat m;
	shm_frames_total = memstat(&m) < 0 ? 0 : m.frames_total;
}

/* The slot whose name this is, or -1. */
static int slot_named(const char *name)
{
	for (int slot = 0; slot < SHM_SLOTS; slot++)
		if (strcmp(shm_names[slot], name) == 0)
			return slot;
	return -1;
}

/* Pages of the blocks the worker keeps alive: named, or unlinked and still attached. */
static uint64 live_pages(void)
{
	uint64 pages = 0;
	for (int b = 0; b < MAX_BLOCKS; b++)
		if (shm_blocks[b].live)
			pages += shm_blocks[b].len / PAGE;
	return pages;
}

/* Forgets block b once the kernel has freed it: no name and no attachment left. */
static void settle_block(int b)
{
	if (!shm_blocks[b].named && shm_blocks[b].attached == 0)
		shm_blocks[b].live = 0;
}

/* Whether an attachment of len bytes may go at va (include/shm.h), from what the worker knows. */
static int shm_room_at(uint64 va, uint64 len)
{
	if (va % PAGE || va < page_up(heap_end) || va >= USER_STACK_GUARD ||
	    len > USER_STACK_GUARD - va)
		return 0;
	for (int i = 0; i < MAX_ATTACH; i++) {
		const struct shm_map *m = &shm_maps[i];
		if (m->start && m->start < va + len && va < m->start + shm_blocks[m->block].len)
			return 0;
	}
	return 1;
}

/* Reads both ends of attachment i and, if it is read-write, stores there: it is still mapped. */
static void touch_map(int i)
{
	const struct shm_map *m = &shm_maps[i];
	volatile uchar *p = (volatile uchar *)m->start;
	uint64 last = shm_blocks[m->block].len - 1;
	uchar first = p[0], end = p[last];
	if (!m->readonly) {
		p[0] = (uchar)(first + 1);
		p[last] = (uchar)(end + 1);
	}
}

/* Detaches the worker's attachment i, which must work; the result. */
static long detach_map(int i)
{
	if (!shm_lost)
		touch_map(i);
	struct shm_map *m = &shm_maps[i];
	long r = sc(SYS_shmdetach, m->start, random_next(), random_next(), random_next(),
		    random_next(), random_next());
	if (r != 0) {
		shm_anomaly("shmdetach of an attachment failed", r);
		return r;
	}
	shm_blocks[m->block].attached--;
	settle_block(m->block);
	m->start = 0;
	return r;
}

/* Unlinks the worker's name slot, which must work; the result. */
static long unlink_slot(uint64 name, int slot)
{
	long r = sc(SYS_shmunlink, name, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != 0) {
		shm_anomaly("shmunlink of a name the worker holds failed", r);
		return r;
	}
	int b = slot_block[slot];
	shm_blocks[b].named = 0;
	slot_block[slot] = -1;
	settle_block(b);
	return r;
}

/*
 * A name pointer: one of the worker's names (*slot its index), or one the
 * kernel must refuse (*slot -1): NULL, unmapped or the kernel's, no NUL in
 * reach, too long, empty, or with a byte no name may have. Never bytes it
 * did not lay there for this call: they could spell another's name.
 */
static uint64 pick_shm_name(int *slot)
{
	char *at = (char *)(buf_base + PATH1_AT);
	*slot = -1;
	switch (random_below(16)) {
	case 0: {
		uint64 p;
		do
			p = pick_ptr();
		while (access_of(p) != NONE);
		return p;
	}
	case 1: { /* no NUL before the heap's end (unless an attachment lies right above it) */
		uint64 end = page_up(heap_end);
		if (access_of(end) != NONE)
			break;
		int len = 1 + (int)random_below(SHM_NAME_MAX + 8);
		memset((char *)(end - len), 'a', (uint)len);
		return end - len;
	}
	case 2: { /* SHM_NAME_MAX + 1 bytes and more */
		int len = SHM_NAME_MAX + 1 + (int)random_below(random_below(2) ? 2 : MAXPATH);
		char *end = put_str(at, shm_prefix);
		memset(end, 'a', (uint)(len - (end - at)));
		at[len] = 0;
		return (uint64)at;
	}
	case 3: { /* a control byte, a space, DEL or a byte past ASCII in one of its names */
		static const uchar bad[] = { 1, '\t', '\n', ' ', 0x7f, 0x80, 0xff };
		strcpy(at, shm_names[random_below(SHM_SLOTS)]);
		uchar c = random_below(2) ? bad[random_below(sizeof bad)]
					  : (uchar)(0x7f + random_below(0x81));
		at[random_below(strlen(at))] = (char)c;
		return (uint64)at;
	}
	case 4: at[0] = 0; return (uint64)at;
	case 5: { /* one of its names across a page boundary */
		*slot = (int)random_below(SHM_SLOTS);
		uint64 p = buf_base + STRADDLE_AT - random_below(strlen(shm_names[*slot]) + 1);
		strcpy((char *)p, shm_names[*slot]);
		return p;
	}
	}
	*slot = (int)random_below(SHM_SLOTS);
	strcpy(at, shm_names[*slot]);
	return (uint64)at;
}

/* Half the time one of the names the worker holds, when it holds any; else pick_shm_name(). */
static uint64 pick_held_name(int *slot)
{
	int start = (int)random_below(SHM_SLOTS), tries = random_below(2) ? SHM_SLOTS : 0;
	for (int i = 0; i < tries; i++) {
		*slot = (start + i) % SHM_SLOTS;
		if (slot_block[*slot] >= 0) {
			char *at = (char *)(buf_base + PATH1_AT);
			strcpy(at, shm_names[*slot]);
			return (uint64)at;
		}
	}
	return pick_shm_name(slot);
}

/* A size for shmcreate: edges, a few pages, and what it must refuse: 0, too big, 64-bit garbage. */
static uint64 pick_shm_size(void)
{
	switch (random_below(16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return PAGE - 1;
	case 3: return PAGE;
	case 4: return PAGE + 1;
	case 5: return PAGE * (2 + random_below(7));
	case 6: return PAGE * SHM_BIG_PAGES - random_below(PAGE);
	case 7: return SHM_SIZE_MAX;
	case 8: return SHM_SIZE_MAX + 1;
	case 9: return (uint64)-1;
	case 10: return 0x80000000ul;                           /* INT_MIN as an int */
	case 11: return (1ul << 32) | (1 + random_below(PAGE)); /* small in its low half */
	case 12: return (uint64) - (long)PAGE;
	case 13: return random_next();
	default: return 1 + random_below(4 * PAGE);
	}
}

/* Whether the kernel could make a block of size bytes: not 0, not too big, not more than RAM. */
static int shm_size_ok(uint64 size)
{
	return size > 0 && size <= SHM_SIZE_MAX && page_up(size) / PAGE <= shm_frames_total;
}

/*
 * An address for shmattach of len bytes: 0 (the kernel picks), room between
 * the break and the stack, or where no attachment may go: misaligned, the
 * program, its heap, the stack and its guard page, the info page, the root
 * range, the kernel's half, over an attachment, garbage.
 */
static uint64 pick_shm_addr(uint64 len)
{
	uint64 low = page_up(heap_end);
	uint64 top = len <= USER_STACK_GUARD - low ? USER_STACK_GUARD - len : low;
	uint64 room = low + PAGE * random_below((top - low) / PAGE + 1);
	static const uint64 not_user[] = {
		USER_INFO_VA, USER_ROOT_VA, USER_TOP - PAGE, USER_TOP, KERNEL_VA, (uint64)-PAGE,
	};
	switch (random_below(16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: return 0;
	case 5: return low; /* right above the break: sbrk meets it */
	case 6: return top; /* right below the stack's guard page */
	case 7:
	case 8: return room;
	case 9: return room + 1 + random_below(PAGE - 1);
	case 10: return USER_TEXT_BASE + PAGE * random_below((low - USER_TEXT_BASE) / PAGE);
	case 11:
		return random_below(2)
			       ? top + PAGE
			       : USER_STACK_GUARD + PAGE * random_below(USER_STACK_SIZE / PAGE + 1);
	case 12:
		return not_user[random_below(sizeof not_user / sizeof *not_user)] +
		       PAGE * random_below(2);
	case 13: { /* over one of its attachments: at its start, inside, or running into it */
		const struct shm_map *m = &shm_maps[random_below(MAX_ATTACH)];
		if (!m->start)
			return room;
		uint64 span = shm_blocks[m->block].len;
		switch (random_below(3)) {
		case 0: return m->start;
		case 1: return m->start + PAGE * random_below(span / PAGE);
		default: return m->start - len + PAGE * (1 + random_below(len / PAGE));
		}
	}
	case 14: return random_next() & ~(PAGE - 1);
	default: return random_next();
	}
}

static uint64 pick_shm_flags(void)
{
	switch (random_below(8)) {
	case 0:
	case 1:
	case 2: return 0;
	case 3:
	case 4: return SHM_RDONLY;
	case 5:
		return (random_next() & ~0xfffffffful) |
		       random_below(2); /* the kernel takes the int */
	case 6: return 1ul << random_below(32);
	default: return random_next();
	}
}

/* The worker's other attachment of block b (not map n), or -1. */
static int other_map_of(int b, int n)
{
	for (int i = 0; i < MAX_ATTACH; i++)
		if (i != n && shm_maps[i].start && shm_maps[i].block == b)
			return i;
	return -1;
}

/*
 * Checks the new attachment n at three offsets: all zero while no
 * read-write attachment could have stored, and the same bytes as another
 * attachment of its block, both ways. Stores only into read-write ones.
 */
static void check_new_map(int n)
{
	const struct shm_map *new = &shm_maps[n];
	struct shm_block_state *b = &shm_blocks[new->block];
	int o = other_map_of(new->block, n);
	volatile uchar *p = (volatile uchar *)new->start;
	volatile uchar *q = o >= 0 ? (volatile uchar *)shm_maps[o].start : 0;
	uint64 offs[] = { 0, b->len - 1, random_below(b->len) };
	/* All three read before any store: the random offset may be one of the others. */
	for (int i = 0; i < 3 && !b->written; i++) {
		if (p[offs[i]] != 0)
			shm_anomaly("a new block is not zero-filled", (long)offs[i]);
	}
	for (int i = 0; i < 3; i++) {
		uint64 off = offs[i];
		if (q && !shm_maps[o].readonly)
			q[off] = (uchar)random_next();
		if (q && p[off] != q[off])
			shm_anomaly(
				"an attachment does not show what another one of its block holds",
				(long)off);
		if (!new->readonly) {
			p[off] = (uchar)random_next();
			if (q && q[off] != p[off])
				shm_anomaly(
					"a store into an attachment is not seen by another one of "
					"its block",
					(long)off);
		}
	}
	if (!new->readonly)
		b->written = 1;
}

static long do_shmcreate(void)
{
	int slot;
	uint64 name = pick_shm_name(&slot), size = pick_shm_size();
	int size_ok = shm_size_ok(size);
	if (size_ok && live_pages() + page_up(size) / PAGE > SHM_BUDGET_PAGES)
		size = 0; /* a size it must refuse instead */
	size_ok = shm_size_ok(size);
	long r = sc(SYS_shmcreate, name, size, random_next(), random_next(), random_next(),
		    random_next());
	if (r == -1)
		return r;
	/* What the kernel took wrongly is not tracked: the parent unlinks it at the end. */
	if (slot < 0)
		shm_anomaly("shmcreate of a bad name succeeded", r);
	else if (slot_block[slot] >= 0)
		shm_anomaly("shmcreate of a name the worker holds succeeded", slot);
	else if (!size_ok)
		shm_anomaly("shmcreate of size 0 or more than SHM_SIZE_MAX or RAM succeeded",
			    (long)size);
	else if (r != 0)
		shm_anomaly("shmcreate returned neither 0 nor -1", r);
	if (slot < 0 || slot_block[slot] >= 0 || !size_ok || r != 0)
		return r;
	int b = 0;
	while (shm_blocks[b].live) /* a free entry: live blocks are named or attached */
		b++;
	shm_blocks[b] = (struct shm_block_state){ 1, 1, size, page_up(size), 0, 0 };
	slot_block[slot] = b;
	return r;
}

static long do_shmattach(void)
{
	int slot;
	uint64 name = pick_held_name(&slot);
	int b = slot >= 0 ? slot_block[slot] : -1;
	uint64 len = b >= 0 ? shm_blocks[b].len : PAGE * (1 + random_below(4));
	uint64 addr = pick_shm_addr(len), flags = pick_shm_flags();
	int flags_ok = ((int)flags & ~SHM_RDONLY) == 0;
	int may = b >= 0 && flags_ok && (addr == 0 || shm_room_at(addr, len));
	int n = 0;
	while (n < MAX_ATTACH && shm_maps[n].start)
		n++;
	if (may && n == MAX_ATTACH) { /* room in the table for what may succeed */
		n = (int)random_below(MAX_ATTACH);
		if (detach_map(n) != 0)
			return -2;
		may = addr == 0 || shm_room_at(addr, len);
	}
	long r = sc(SYS_shmattach, name, addr, flags, random_next(), random_next(), random_next());
	if (r == -1)
		return r;
	const char *wrong = 0;
	if (slot < 0)
		wrong = "shmattach of a bad name succeeded";
	else if (b < 0)
		wrong = "shmattach of a name the worker does not hold succeeded";
	else if (!flags_ok)
		wrong = "shmattach with bad flags succeeded";
	else if (!may)
		wrong = "shmattach at an address where no attachment may go succeeded";
	else if (addr ? (uint64)r != addr : !shm_room_at((uint64)r, len))
		wrong = "shmattach returned an address other than asked, or one it may not use";
	if (wrong) {
		shm_anomaly(wrong, r);
		sc(SYS_shmdetach, (uint64)r, 0, 0, 0, 0, 0); /* not tracked: away with it */
		return r;
	}
	shm_maps[n] = (struct shm_map){ (uint64)r, b, (int)flags & SHM_RDONLY };
	shm_blocks[b].attached++;
	check_new_map(n);
	return r;
}

static long do_shmdetach(void)
{
	const struct shm_map *m = &shm_maps[random_below(MAX_ATTACH)];
	uint64 addr;
	switch (random_below(8)) {
	case 0:
	case 1:
	case 2: addr = m->start ? m->start : pick_ptr(); break;
	case 3: /* inside an attachment, not its start */
		addr = m->start ? m->start + 1 + random_below(shm_blocks[m->block].len - 1)
				: pick_ptr();
		break;
	case 4: addr = 0; break;
	case 5: addr = random_next(); break;
	default: addr = pick_ptr(); break;
	}
	for (int i = 0; i < MAX_ATTACH; i++)
		if (shm_maps[i].start && shm_maps[i].start == addr)
			return detach_map(i);
	long r = sc(SYS_shmdetach, addr, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != -1)
		shm_anomaly("shmdetach where no attachment of the worker starts succeeded",
			    (long)addr);
	return r;
}

static long do_shmunlink(void)
{
	int slot;
	uint64 name = pick_shm_name(&slot);
	if (slot >= 0 && slot_block[slot] >= 0)
		return unlink_slot(name, slot);
	long r = sc(SYS_shmunlink, name, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != -1)
		shm_anomaly(slot < 0 ? "shmunlink of a bad name succeeded"
				     : "shmunlink of a name the worker does not hold succeeded",
			    r);
	return r;
}

/*
 * Checks the n entries shmstat gave against what the worker holds: each of
 * its names once, with its size and at least its attachments (its children
 * may have more). complete: the list holds every block, so none is missing.
 */
static void check_listing(int n, int complete)
{
	int listed[SHM_SLOTS] = { 0 };
	for (int i = 0; i < n; i++) {
		const struct shminfo *e = &shm_list[i];
		if (e->unlinked || strncmp(e->name, shm_prefix, strlen(shm_prefix)) != 0)
			continue; /* another's, or an old block of its own that a child has attached */
		int slot = slot_named(e->name), b = slot < 0 ? -1 : slot_block[slot];
		if (b < 0)
			shm_anomaly("shmstat lists a name the worker unlinked or never made", slot);
		else if (listed[slot]++)
			shm_anomaly("shmstat lists a name twice", slot);
		else if (e->size_bytes != shm_blocks[b].size_bytes ||
			 e->mappings < (uint32)shm_blocks[b].attached)
			shm_anomaly("shmstat gives a block's size or attachments wrong",
				    (long)e->size_bytes);
	}
	for (int slot = 0; complete && slot < SHM_SLOTS; slot++)
		if (slot_block[slot] >= 0 && !listed[slot])
			shm_anomaly("shmstat does not list a name the worker holds", slot);
}

static long do_shmstat(void)
{
	uint64 max;
	switch (random_below(10)) {
	case 0: max = 0; break;
	case 1: max = 1 + random_below(4); break;
	case 2: max = SHMSTAT_MAX + 1 + random_below(8); break;
	case 3: max = 0x7fffffff; break;
	case 4: max = (uint64)-1; break;
	case 5: max = 0x80000000ul; break;                                  /* INT_MIN as an int */
	case 6: max = (random_next() & ~0xfffffffful) | SHMSTAT_MAX; break; /* the int is taken */
	default: max = SHMSTAT_MAX; break;
	}
	int asked = (int)max;
	uint64 fits = asked < 0 ? 0 : asked > SHMSTAT_MAX ? SHMSTAT_MAX : (uint64)asked;
	uint64 p = (uint64)shm_list, len = fits * sizeof(struct shminfo);
	if (random_below(3) == 0) {
		uint64 want = len;
		p = pick_ptr();
		keep_off_own_memory(&p, &len);
		if (len < want)
			p = (uint64)shm_list;
	}
	long r =
		sc(SYS_shmstat, p, max, random_next(), random_next(), random_next(), random_next());
	if (asked < 0 && r != -1)
		shm_anomaly("shmstat with a negative max succeeded", r);
	if (r < 0)
		return r;
	uint64 filled = (uint64)r < fits ? (uint64)r : fits;
	if (!range_allows(p, filled * sizeof(struct shminfo), READ_WRITE))
		shm_anomaly("shmstat wrote its list to an unwritable address", (long)p);
	if (p == (uint64)shm_list)
		check_listing((int)filled, (uint64)r <= fits);
	return r;
}

/*
 * A fork child shares read-write attachment m (the same frames, not a
 * copy): it sees the worker's store and the worker sees its own. The worker
 * waits for it (its other children end by themselves soon).
 */
static long fork_shares(int m)
{
	volatile uchar *p = (volatile uchar *)shm_maps[m].start;
	uint64 off = random_below(shm_blocks[shm_maps[m].block].len);
	uchar before = (uchar)random_next(), after = (uchar)~before;
	p[off] = before;
	long pid = sc(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		int saw = p[off] == before;
		p[off] = after;
		exit(saw ? 0 : 1);
	}
	if (pid < 0)
		return pid;
	int status;
	long got;
	while ((got = wait(&status)) > 0 && got != pid)
		reaped(got, status, 1);
	if (got != pid)
		shm_anomaly("wait did not give the child that checks a shared attachment", got);
	else if (status != 0)
		shm_anomaly("a fork child does not see its parent's attachment", status);
	else if (p[off] != after)
		shm_anomaly("a fork child's store into an attachment is not seen: fork copied it",
			    (long)off);
	return pid;
}

/* One of the worker's read-write attachments, or -1. */
static int rw_map_at_random(void)
{
	int start = (int)random_below(MAX_ATTACH);
	for (int i = 0; i < MAX_ATTACH; i++) {
		int m = (start + i) % MAX_ATTACH;
		if (shm_maps[m].start && !shm_maps[m].readonly)
			return m;
	}
	return -1;
}

/* One shm call (skipped: -2, once the worker lost track, see shm_anomaly()). */
static long do_shm(uint64 num)
{
	if (shm_lost)
		return -2;
	switch (num) {
	case SYS_shmcreate: return do_shmcreate();
	case SYS_shmattach: return do_shmattach();
	case SYS_shmdetach: return do_shmdetach();
	case SYS_shmunlink: return do_shmunlink();
	default: return do_shmstat();
	}
}

/* Detaches and unlinks everything the worker made; then shmstat must list none of its names. */
static void shm_cleanup(void)
{
	for (int i = 0; i < MAX_ATTACH; i++)
		if (shm_maps[i].start)
			detach_map(i);
	for (int slot = 0; slot < SHM_SLOTS; slot++)
		if (slot_block[slot] >= 0)
			unlink_slot((uint64)shm_names[slot], slot);
	int n = shmstat(shm_list, SHMSTAT_MAX);
	check_listing(n < 0 ? 0 : n < SHMSTAT_MAX ? n : SHMSTAT_MAX, 0);
}

/* --------------------------------------------------------------- calls */

/* A value kill, setpgid or fgset may be given: a child of ours, or no pid at all. */
static uint64 pick_pid(void)
{
	if (nchildren && random_below(2))
		return (uint64)children[random_below((uint64)nchildren)].pid;
	switch (random_below(6)) {
	case 0: return (uint64)-1;
	case 1: return 0;
	case 2: return 0xffffffff80000000ul;
	case 3: return 0x40000000ul + random_below(0x3fffffff);
	case 4: return (random_next() & ~0xfffffffful) | 0xc0000000ul; /* a negative int */
	default: return (uint64) - (long)(1 + random_below(1000));
	}
}

static void kill_some_child(void)
{
	if (nchildren)
		kill(children[random_below((uint64)nchildren)].pid);
}

static void reap_one(void)
{
	int status;
	int pid = wait(&status);
	if (pid > 0)
		reaped(pid, status, 1);
}

static long do_fork(void)
{
	int shared = rw_map_at_random();
	if (shared >= 0 && !shm_lost && random_below(4) == 0)
		return fork_shares(shared);
	if (nchildren == MAX_CHILDREN) {
		kill_some_child();
		reap_one();
	}
	int mode = (int)random_below(CHILD_MODES);
	long pid = sc(SYS_fork, random_next(), random_next(), random_next(), random_next(),
		      random_next(), random_next());
	if (pid == 0)
		child_main(mode);
	if (pid > 0)
		add_child((int)pid, mode);
	return pid;
}

static long do_exec(void)
{
	/* exec from a child only: a success would end the worker. */
	if (nchildren == MAX_CHILDREN) {
		kill_some_child();
		reap_one();
	}
	long pid = sc(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		child_main(CHILD_EXEC);
	if (pid > 0)
		add_child((int)pid, CHILD_EXEC);
	return pid; /* counted as a fork; the exec counts when the child is reaped */
}

static long do_wait(void)
{
	if (nchildren && random_below(4))
		kill_some_child(); /* so the wait is short */
	uint64 p = pick_ptr(), len = 4;
	keep_off_own_memory(&p, &len);
	if (len < 4 || random_below(4) == 0)
		p = 0;
	long pid = sc(SYS_wait, p, random_next(), random_next(), random_next(), random_next(),
		      random_next());
	if (pid > 0) {
		int known = range_allows(p, 4, READ_WRITE) && p;
		int status = 0;
		if (known)
			memcpy(&status, (void *)p, 4);
		reaped(pid, status, known);
		if (p && surely_unwritable(p, 4))
			anomaly("wait wrote a status to an unwritable address", (long)p);
	} else if (pid != -1) {
		anomaly("wait returned neither a pid nor -1", pid);
	}
	return pid;
}

static long do_read(void)
{
	uint64 fd = pick_fd(), p = pick_ptr(), n = pick_len();
	struct fd_slot *s = slot_of(fd);
	int kind = s ? s->kind : FD_FREE;
	if (kind == FD_DEV)
		return -2;
	struct pipe_state *pi = kind == FD_PIPE_R ? &pipes[s->pipe] : 0;
	if (pi && (pi->unknown || (pi->avail == 0 && pi->ends_w > 0)))
		return -2; /* it would block */
	uint64 len = (int)n > 0 ? (uint64)(int)n : 0;
	uint64 want = len;
	keep_off_own_memory(&p, &len);
	if (len != want)
		n = len;
	long r = sc(SYS_read, fd, p, n, random_next(), random_next(), random_next());
	if (kind == FD_FREE && r != -1)
		anomaly("read of a closed fd did not return -1", r);
	if (r > 0 && (r > (long)(int)n || !range_allows(p, (uint64)r, READ_WRITE)))
		anomaly("read returned more than asked or wrote an unwritable address", r);
	if (pi && r > 0) {
		if (r > pi->avail)
			anomaly("a pipe gave more bytes than were written to it", r);
		pi->avail -= (int)r;
	}
	return r;
}

static long do_write(void)
{
	uint64 fd = pick_fd(), p = pick_ptr(), n = pick_len();
	struct fd_slot *s = slot_of(fd);
	int kind = s ? s->kind : FD_FREE;
	if (kind == FD_DEV)
		return -2;
	struct pipe_state *pi = kind == FD_PIPE_W ? &pipes[s->pipe] : 0;
	if (pi && pi->ends_r > 0) {
		int space = PAGE - pi->avail;
		if (pi->unknown)
			return -2;
		if ((int)n > space)
			n = (uint64)(space > 0 ? random_below((uint64)space + 1)
					       : 0); /* it would block */
	}
	long r = sc(SYS_write, fd, p, n, random_next(), random_next(), random_next());
	if (kind == FD_FREE && r != -1)
		anomaly("write to a closed fd did not return -1", r);
	if (r > 0 && (r > (long)(int)n || !range_allows(p, (uint64)r, READ_ONLY)))
		anomaly("write returned more than asked or read an unreadable address", r);
	if (pi && r > 0)
		pi->avail += (int)r;
	if (pi && r == -1 && (int)n > 0)
		pi->unknown = 1;
	return r;
}

static long do_open(void)
{
	static const int modes[] = {
		O_RDONLY,
		O_WRONLY,
		O_RDWR,
		O_CREATE | O_RDWR,
		O_CREATE | O_WRONLY | O_TRUNC,
		O_APPEND | O_RDWR,
		O_TRUNC,
		O_WRONLY | O_RDWR,
		O_CREATE | O_APPEND | O_WRONLY,
	};
	int must_fail;
	uint64 path = pick_path(PATH1_AT, &must_fail);
	uint64 mode = random_below(8) ? (uint64)modes[random_below(sizeof modes / sizeof *modes)]
				      : random_next();
	must_fail = path_must_fail(path, must_fail);
	long fd = sc(SYS_open, path, mode, random_next(), random_next(), random_next(),
		     random_next());
	if (fd == -1)
		return fd;
	if (must_fail)
		anomaly("open of a path with no NUL in reach, or too long, succeeded", fd);
	struct stat st;
	if (fd < 0 || fd >= NOFILE || fstat((int)fd, &st) < 0) {
		anomaly("open returned an fd fstat refuses", fd);
		return fd;
	}
	take_fd(fd, st.type == T_DIR ? FD_DIR : st.type == T_DEVICE ? FD_DEV : FD_FILE, 0);
	return fd;
}

static long do_close(void)
{
	uint64 fd = pick_fd();
	int was_open = is_open(fd);
	long r = sc(SYS_close, fd, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != (was_open ? 0 : -1))
		anomaly(was_open ? "close of an open fd failed" : "close of a closed fd succeeded",
			r);
	if (was_open && r == 0)
		drop_fd((int)fd);
	return r;
}

static long do_dup(void)
{
	uint64 fd = pick_fd();
	struct fd_slot *s = slot_of(fd);
	int was_open = is_open(fd);
	long r = sc(SYS_dup, fd, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != -1) {
		if (!was_open)
			anomaly("dup of a closed fd succeeded", r);
		else
			take_fd(r, s->kind, s->pipe);
	}
	return r;
}

static long do_pipe(void)
{
	uint64 p = pick_ptr(), len = 8;
	keep_off_own_memory(&p, &len);
	if (len < 8)
		p = buf_base;
	long r = sc(SYS_pipe, p, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != 0)
		return r;
	if (!range_allows(p, 8, READ_WRITE)) {
		anomaly("pipe wrote its fds to an unwritable address", (long)p);
		return r;
	}
	int two[2];
	memcpy(two, (void *)p, sizeof two);
	int pi = new_pipe_state();
	if (two[0] == two[1] || pi < 0) {
		anomaly("pipe returned one fd twice", two[0]);
		return r;
	}
	take_fd(two[0], FD_PIPE_R, pi);
	take_fd(two[1], FD_PIPE_W, pi);
	return r;
}

/* Calls that write a fixed-size record to a user pointer: fstat, memstat, procinfo. */
static long do_record(uint64 num)
{
	uint64 a0, p = pick_ptr(), len, a1 = random_next();
	switch (num) {
	case SYS_fstat:
		a0 = pick_fd();
		len = sizeof(struct stat);
		break;
	case SYS_memstat: len = sizeof(struct memstat); break;
	default: /* procinfo(buf, max) */
		a1 = random_below(4) ? random_below(40) : pick_len();
		len = (int)a1 < 0
			      ? 0
			      : ((int)a1 > 256 ? 256 : (uint64)(int)a1) * sizeof(struct procinfo);
		break;
	}
	uint64 want = len;
	keep_off_own_memory(&p, &len);
	if (len < want)
		p = buf_base;
	if (num == SYS_fstat) {
		a1 = p;
	} else {
		a0 = p;
	}
	long r = sc(num, a0, a1, random_next(), random_next(), random_next(), random_next());
	if (num == SYS_fstat && !is_open(a0) && r != -1)
		anomaly("fstat of a closed fd succeeded", r);
	uint64 wrote =
		num == SYS_procinfo ? (r > 0 ? (uint64)r * sizeof(struct procinfo) : 0) : len;
	if (r >= 0 && !range_allows(p, wrote, READ_WRITE))
		anomaly("a call wrote its record to an unwritable address", (long)p);
	return r;
}

/* The calls that take one path: chdir, mkdir, unlink, mknod. */
static long do_path_call(uint64 num)
{
	int must_fail;
	uint64 path = pick_path(PATH1_AT, &must_fail);
	must_fail = path_must_fail(path, must_fail);
	uint64 a1 = random_next(), a2 = random_next();
	if (num == SYS_mknod) {
		a1 = random_below(8) ? random_below(NDEV) : pick_len();
		a2 = random_below(8) ? random_below(4) : pick_len();
	}
	long r = sc(num, path, a1, a2, random_next(), random_next(), random_next());
	if (r != -1 && must_fail)
		anomaly("a call with a path with no NUL in reach, or too long, succeeded",
			(long)num);
	if (num == SYS_chdir && chdir(workdir) < 0) {
		mkdir(workdir); /* another worker removed it: a cwd that was unlinked is tested too */
		chdir(workdir);
	}
	return r;
}

static long do_link(void)
{
	int fail1, fail2;
	uint64 old = pick_path(PATH1_AT, &fail1);
	fail1 = path_must_fail(old, fail1);
	uint64 new = pick_path(PATH2_AT, &fail2);
	fail2 = path_must_fail(new, fail2);
	long r = sc(SYS_link, old, new, random_next(), random_next(), random_next(), random_next());
	if (r != -1 && (fail1 || fail2))
		anomaly("link with a path with no NUL in reach, or too long, succeeded", r);
	return r;
}

static long do_sbrk(void)
{
	uint64 floor = buf_base + BUF_BYTES, ceiling = floor + HEAP_CAP;
	long n;
	switch (random_below(8)) {
	case 0: n = 0; break;
	case 1: n = 1 + (long)random_below(PAGE); break;
	case 2: n = (long)PAGE * (long)random_below(64); break;
	case 3: n = 0x7fffffff; break; /* past the stack: refused */
	case 4: n = -(long)random_below(heap_end - floor + 1); break;
	case 5:
		n = -(long)(heap_end - image_end + 1 + random_below(PAGE));
		break; /* below the image */
	case 6: n = -0x80000000l; break;
	default: n = -(long)random_below(PAGE); break;
	}
	if (n > 0 && n < 0x7fffffff && heap_end + (uint64)n > ceiling)
		n = -n; /* keep the heap small: the kernel would have granted it */
	if (n < 0 && (uint64)-n <= heap_end - image_end && (uint64)-n > heap_end - floor)
		n = -(long)(heap_end - floor); /* never into the worker's own buffers */
	uint64 reg = (uint64)n;
	if (random_below(8) == 0)
		reg |= random_next() & ~0xfffffffful; /* the kernel takes the int */
	long r = sc(SYS_sbrk, reg, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	uint64 now = (uint64)sc(SYS_sbrk, 0, 0, 0, 0, 0, 0);
	if (r != -1 && (uint64)r != heap_end)
		anomaly("sbrk did not return the old break", r);
	if (r == -1 && now != heap_end)
		anomaly("sbrk failed but moved the break", (long)now);
	heap_end = now;
	return r;
}

static long do_simple(uint64 num)
{
	uint64 a0 = random_next();
	switch (num) {
	case SYS_kill:
	case SYS_setpgid:
	case SYS_fgset: a0 = pick_pid(); break;
	case SYS_sleep:
	case SYS_pause:
		a0 = random_below(4) ? random_below(3)
				     : (random_next() & ~0xfffffffful) | 0x80000000ul;
		break;
	}
	if (num == SYS_setpgid && (int)a0 == 0)
		a0 = (uint64)-1; /* 0 is the caller itself: it would leave the Ctrl-C group */
	if (num == SYS_fgset && random_below(2))
		a0 = (uint64)parent_pid; /* the group the shell made the foreground */
	long r = sc(num, a0, random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (num == SYS_getpid && r != my_pid)
		anomaly("getpid returned another pid", r);
	return r;
}

/* ------------------------------------------------------------- worker */

struct weighted {
	uchar num;
	uchar weight;
};

/* How often each call is drawn: the file-system and memory calls most. */
static const struct weighted calls[] = {
	{ SYS_read, 12 },     { SYS_write, 12 },    { SYS_open, 12 },     { SYS_close, 8 },
	{ SYS_dup, 4 },       { SYS_pipe, 4 },      { SYS_fstat, 4 },     { SYS_chdir, 3 },
	{ SYS_mkdir, 5 },     { SYS_unlink, 6 },    { SYS_link, 4 },      { SYS_mknod, 2 },
	{ SYS_sbrk, 5 },      { SYS_fork, 3 },      { SYS_exec, 2 },      { SYS_kill, 3 },
	{ SYS_wait, 3 },      { SYS_getpid, 1 },    { SYS_getppid, 1 },   { SYS_uptime, 1 },
	{ SYS_sleep, 1 },     { SYS_pause, 1 },     { SYS_setpgid, 1 },   { SYS_fgset, 1 },
	{ SYS_memstat, 1 },   { SYS_procinfo, 1 },  { SYS_shmcreate, 4 }, { SYS_shmattach, 6 },
	{ SYS_shmdetach, 4 }, { SYS_shmunlink, 3 }, { SYS_shmstat, 2 },
};
#define NO_CALL_ONE_IN 2048 /* numbers with no call: rare, the kernel logs each */

static uint64 pick_call(void)
{
	static int total;
	if (!total)
		for (uint i = 0; i < sizeof calls / sizeof *calls; i++)
			total += calls[i].weight;
	int r = (int)random_below((uint64)total);
	for (uint i = 0;; i++) {
		r -= calls[i].weight;
		if (r < 0)
			return calls[i].num;
	}
}

static long call_no_such(void)
{
	static const uint64 nums[] = { 0, SYS_lsdev, SYS_COUNT, 0x100000000ul | SYS_getpid,
				       (uint64)-1 };
	uint64 num = nums[random_below(sizeof nums / sizeof *nums)];
	long r = sc(num, random_next(), random_next(), random_next(), random_next(), random_next(),
		    random_next());
	if (r != -1)
		anomaly("a number with no system call did not return -1", r);
	count(num == SYS_lsdev ? SYS_lsdev : SLOT_NONE, r);
	return r;
}

/* One random call; counted unless its arguments were found to block and it was skipped. */
static void fuzz_one(void)
{
	if (random_below(NO_CALL_ONE_IN) == 0) {
		call_no_such();
		return;
	}
	uint64 num = pick_call();
	long r;
	switch (num) {
	case SYS_read: r = do_read(); break;
	case SYS_write: r = do_write(); break;
	case SYS_open: r = do_open(); break;
	case SYS_close: r = do_close(); break;
	case SYS_dup: r = do_dup(); break;
	case SYS_pipe: r = do_pipe(); break;
	case SYS_fstat:
	case SYS_memstat:
	case SYS_procinfo: r = do_record(num); break;
	case SYS_chdir:
	case SYS_mkdir:
	case SYS_unlink:
	case SYS_mknod: r = do_path_call(num); break;
	case SYS_link: r = do_link(); break;
	case SYS_sbrk: r = do_sbrk(); break;
	case SYS_fork: r = do_fork(); break;
	case SYS_exec:
		r = do_exec();
		num = SYS_fork;
		break;
	case SYS_wait: r = do_wait(); break;
	case SYS_shmcreate:
	case SYS_shmattach:
	case SYS_shmdetach:
	case SYS_shmunlink:
	case SYS_shmstat: r = do_shm(num); break;
	default: r = do_simple(num); break;
	}
	if (r != -2)
		count(num, r);
	wipe_paths();
}

/* Fresh garbage and mutants now and then, so exec meets many; every attachment still works. */
static void maintain(void)
{
	write_garbage((int)random_below(GARBAGE_FILES));
	write_mutant((int)random_below(MUTANTS));
	for (int i = 0; i < MAX_ATTACH && !shm_lost; i++)
		if (shm_maps[i].start)
			touch_map(i);
}

static uint64 worker_seed(uint64 seed, int index)
{
	uint64 s = (seed + 1) * 0x9e3779b97f4a7c15ul + (uint64)index * 0xbf58476d1ce4e5b9ul;
	return s ? s : 1;
}

/* Fuzzes until deadline (uptime ticks), reaps every child and sends its report on wfd. */
static void worker(int index, uint64 seed, int deadline, int wfd)
{
	random_seed(worker_seed(seed, index));
	my_pid = getpid();
	report_fd = wfd;
	shm_setup();
	for (int fd = 0; fd < NOFILE; fd++)
		if (fd != wfd)
			close(fd); /* the console too: a worker never reads or prints it */
	if (chdir(workdir) < 0)
		anomaly("cannot enter the worker's directory", 0);
	for (int k = 0; k < GARBAGE_FILES; k++)
		write_garbage(k);
	for (int k = 0; k < MUTANTS; k++)
		write_mutant(k);
	while (uptime() < deadline) {
		fuzz_one();
		if (rep.calls % MAINTAIN_EVERY == 0)
			maintain();
	}
	while (nchildren) {
		for (int i = 0; i < nchildren; i++)
			kill(children[i].pid);
		reap_one();
	}
	shm_cleanup();
	if (wait(0) != -1)
		anomaly("a child no list knew of was left", 0);
	rep.magic = REPORT_MAGIC;
	write(wfd, &rep, sizeof rep);
	exit(0);
}

/* ------------------------------------------------------------- parent */

/* The first entry of the cwd other than "." and ".." into name; 0 when there is none. */
static int first_entry(char name[FS_NAME_MAX + 1])
{
	int fd = open(".", O_RDONLY), found = 0;
	struct fs_dirent de;
	while (fd >= 0 && !found && read(fd, &de, sizeof de) == sizeof de) {
		memcpy(name, de.name, FS_NAME_MAX);
		name[FS_NAME_MAX] = 0;
		found = de.inum != 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* Removes name, and everything below it if it is a directory (entering each: no long paths). */
static int remove_tree(const char *name)
{
	if (unlink(name) == 0)
		return 0;
	struct stat st;
	if (stat(name, &st) < 0 || st.type != T_DIR || chdir(name) < 0)
		return -1;
	char entry[FS_NAME_MAX + 1];
	int failed = 0;
	while (!failed && first_entry(entry))
		failed = remove_tree(entry) < 0;
	if (chdir("..") < 0 || failed)
		return -1;
	return unlink(name);
}

static void add_report(struct report *sum, const struct report *r)
{
	sum->calls += r->calls;
	for (int i = 0; i <= SYS_COUNT; i++) {
		sum->ok[i] += r->ok[i];
		sum->failed[i] += r->failed[i];
	}
	if (r->anomalies && !sum->anomalies)
		memcpy(sum->first_anomaly, r->first_anomaly, sizeof sum->first_anomaly);
	sum->anomalies += r->anomalies;
}

/* Reads worker i's report from fd; 0, or -1 if it sent none (it died). */
static int read_report(int fd, struct report *r)
{
	int got = 0, n;
	while (got < (int)sizeof *r && (n = read(fd, (char *)r + got, sizeof *r - got)) > 0)
		got += n;
	close(fd);
	return got == (int)sizeof *r && r->magic == REPORT_MAGIC ? 0 : -1;
}

static uint64 processes_now(void)
{
	struct memstat m;
	return memstat(&m) < 0 ? 0 : m.processes;
}

/* Waits (saying so every 10 s) until the orphans of the workers' children are gone too. */
static void wait_for_orphans(uint64 processes)
{
	int since = uptime();
	while (processes_now() > processes) {
		if (uptime() - since >= 10 * TICKS_PER_S) {
			printf("sysfuzz: still waiting for %lu orphaned processes to exit\n",
			       processes_now() - processes);
			since = uptime();
		}
		sleep(1);
	}
}

/*
 * Blocks under a worker's prefix once every process of the run is gone:
 * the worker should have unlinked them, and nothing may have them attached.
 * Names the first, unlinks the named ones; how many there were.
 */
static int leftover_blocks(const int *pids, int n)
{
	int listed = shmstat(shm_list, SHMSTAT_MAX), left = 0;
	if (listed < 0) {
		printf("sysfuzz: shmstat failed: cannot look for blocks the workers left\n");
		return 1;
	}
	for (int i = 0; i < listed && i < SHMSTAT_MAX; i++) {
		for (int w = 0; w < n; w++) {
			char prefix[24];
			shm_prefix_of(prefix, sizeof prefix, pids[w]);
			if (strncmp(shm_list[i].name, prefix, strlen(prefix)) != 0)
				continue;
			if (left++ == 0)
				printf("sysfuzz: block %s of worker %d outlived it%s\n",
				       shm_list[i].name, w,
				       shm_list[i].unlinked ? " (unlinked, still attached)" : "");
			if (!shm_list[i].unlinked)
				shmunlink(shm_list[i].name);
		}
	}
	if (left > 1)
		printf("sysfuzz: %d blocks of the workers outlived them\n", left);
	return left;
}

static void usage(void)
{
	fprintf(2, "usage: sysfuzz [-s SEED] [-t SECONDS] [-p PROCS]\n");
	exit(1);
}

int main(int argc, char *argv[])
{
	int seed = -1, secs = DEFAULT_SECS;
	nprocs = DEFAULT_PROCS;
	for (int i = 1; i < argc; i += 2) {
		int *to = 0;
		if (!strcmp(argv[i], "-s"))
			to = &seed;
		else if (!strcmp(argv[i], "-t"))
			to = &secs;
		else if (!strcmp(argv[i], "-p"))
			to = &nprocs;
		if (!to || i + 1 >= argc || args_number(argv[i + 1], to) < 0)
			usage();
	}
	if (secs < 0 || nprocs < 1 || nprocs > MAX_PROCS) {
		fprintf(2, "sysfuzz: SECONDS must be 0 or more and PROCS 1..%d\n", MAX_PROCS);
		exit(1);
	}
	if (seed < 0)
		seed = (int)((time_us() ^ (time_us() >> 17)) & 0x7fffffff);
	printf("sysfuzz: seed %d, %d processes, %d s\n", seed, nprocs, secs);

	parent_pid = getpid();
	uint64 processes = processes_now();
	snprintf(scratch, sizeof scratch, "/sysfuzz.%d", parent_pid);
	if (mkdir(scratch) < 0) {
		fprintf(2, "sysfuzz: cannot make the scratch directory %s\n", scratch);
		exit(1);
	}
	image_end = (uint64)sbrk(0);
	buf_base = (uint64)sbrk(BUF_BYTES);
	heap_end = (uint64)sbrk(0);
	int deadline = uptime() + secs * TICKS_PER_S;
	int report_fds[MAX_PROCS], pids[MAX_PROCS];
	for (int i = 0; i < nprocs; i++) {
		int p[2];
		snprintf(workdir, sizeof workdir, "%s/w%d", scratch, i);
		if (mkdir(workdir) < 0 || pipe(p) < 0 || (pids[i] = fork()) < 0) {
			fprintf(2, "sysfuzz: cannot start worker %d\n", i);
			exit(1);
		}
		if (pids[i] == 0)
			worker(i, (uint64)seed, deadline, p[1]);
		close(p[1]);
		report_fds[i] = p[0];
	}

	struct report sum, r;
	memset(&sum, 0, sizeof sum);
	int dead = 0;
	for (int i = 0; i < nprocs; i++) {
		memset(&r, 0, sizeof r);
		if (read_report(report_fds[i], &r) < 0) {
			printf("sysfuzz: worker %d (pid %d) died without a report\n", i, pids[i]);
			dead++;
		}
		add_report(&sum, &r);
	}
	while (wait(0) >= 0) {
	}
	wait_for_orphans(processes);
	int left = leftover_blocks(pids, nprocs);
	int removed = remove_tree(scratch) == 0;

	printf("sysfuzz: %lu calls (seed %d)\n", sum.calls, seed);
	printf("  %-14s %9s %9s\n", "call", "ok", "-1");
	for (int i = 0; i <= SYS_COUNT; i++)
		if (call_names[i] && sum.ok[i] + sum.failed[i])
			printf("  %-14s %9lu %9lu\n", call_names[i], sum.ok[i], sum.failed[i]);
	printf("  (exit: by every child; exec: by children, counted when reaped)\n");
	if (sum.anomalies)
		printf("sysfuzz: %u anomalies; the first: %s\n", sum.anomalies, sum.first_anomaly);
	if (!removed)
		printf("sysfuzz: cannot remove the scratch directory %s\n", scratch);
	if (sum.anomalies || dead || left || !removed) {
		printf("sysfuzz: FAILED (seed %d)\n", seed);
		exit(1);
	}
	printf("sysfuzz: OK\n");
	exit(0);
}
