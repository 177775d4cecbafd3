/*
 * user/sysinfotest.c - lab syscall's probe of sysinfo(), run by labs/syscall/grade.py.
 *
 * It makes the system call by its number (SYS_sysinfo, kernel/syscall.h)
 * with an ecall of its own, so it builds and runs whether or not user/user.h
 * declares sysinfo() yet; a kernel without the call answers -1. It prints
 * what it saw as "sysinfotest: KEY VALUE" lines and judges nothing: the
 * grader compares the figures with memstat's, with ps's and with what it
 * asked for.
 *
 *   sysinfotest              sysinfo between two memstat calls that agree
 *   sysinfotest grow PAGES   free memory before, with PAGES more pages in use, after
 *   sysinfotest procs N      processes before, with N more children, after they end
 *   sysinfotest bad          what sysinfo returns for addresses it must not write
 */
#include "kernel/types.h"
#include "kernel/syscall.h"
#include "user/user.h"

#include "include/sysinfo.h"
#include "include/user_layout.h"
#include "user/args.h"

#define PAGE          4096
#define COMPARE_TRIES 20   /* memstat before and after must agree once: nothing else runs */
#define MAX_PAGES     4096 /* 16 MiB */
#define MAX_CHILDREN  64

static long call_sysinfo(uint64 addr)
{
	register uint64 a0 asm("a0") = addr;
	register uint64 a7 asm("a7") = SYS_sysinfo;
	asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return (long)a0;
}

static void __attribute__((noreturn)) die(const char *what, long value)
{
	fprintf(2, "sysinfotest: %s (%ld)\n", what, value);
	exit(1);
}

static struct sysinfo get(void)
{
	struct sysinfo info;
	long r = call_sysinfo((uint64)&info);
	if (r != 0)
		die("sysinfo failed: does the kernel handle SYS_sysinfo?", r);
	return info;
}

static void compare(void)
{
	for (int i = 0; i < COMPARE_TRIES; i++) {
		struct memstat before, after;
		if (memstat(&before) < 0)
			die("memstat failed", -1);
		struct sysinfo info = get();
		if (memstat(&after) < 0)
			die("memstat failed", -1);
		if (before.frames_free != after.frames_free || before.processes != after.processes)
			continue;
		printf("sysinfotest: freemem %lu\n", (unsigned long)info.freemem);
		printf("sysinfotest: memstat_free_bytes %lu\n",
		       (unsigned long)(after.frames_free * PAGE));
		printf("sysinfotest: nproc %lu\n", (unsigned long)info.nproc);
		printf("sysinfotest: memstat_processes %lu\n", (unsigned long)after.processes);
		return;
	}
	die("memstat's free frames moved every time", COMPARE_TRIES);
}

static void grow(int pages)
{
	struct sysinfo before = get();
	char *start = sbrk(pages * PAGE);
	if (start == SBRK_ERROR)
		die("sbrk failed", pages);
	for (int i = 0; i < pages; i++)
		start[i * PAGE] = 1; /* sbrk may be lazy: a page is taken when touched */
	struct sysinfo grown = get();
	if (sbrk(-pages * PAGE) == SBRK_ERROR)
		die("sbrk could not give the pages back", pages);
	struct sysinfo after = get();
	printf("sysinfotest: before %lu\n", (unsigned long)before.freemem);
	printf("sysinfotest: grown %lu\n", (unsigned long)grown.freemem);
	printf("sysinfotest: after %lu\n", (unsigned long)after.freemem);
}

static void procs(int n)
{
	struct sysinfo before = get();
	int hold[2];
	if (pipe(hold) < 0)
		die("pipe failed", -1);
	for (int i = 0; i < n; i++) {
		int pid = fork();
		if (pid < 0)
			die("fork failed", i);
		if (pid == 0) {
			char c;
			close(hold[1]);
			read(hold[0], &c, 1); /* until the parent closes the pipe */
			exit(0);
		}
	}
	struct sysinfo with = get();
	close(hold[0]);
	close(hold[1]);
	for (int i = 0; i < n; i++)
		if (wait(0) < 0)
			die("a child vanished", i);
	struct sysinfo after = get();
	printf("sysinfotest: before %lu\n", (unsigned long)before.nproc);
	printf("sysinfotest: with %lu\n", (unsigned long)with.nproc);
	printf("sysinfotest: after %lu\n", (unsigned long)after.nproc);
}

static void bad(void)
{
	char *brk = sbrk(0);
	uint64 gap = (PAGE - (uint64)brk % PAGE) % PAGE;
	if (sbrk((int)gap) == SBRK_ERROR) /* the break on a page boundary: nothing beyond it */
		die("sbrk failed", (long)gap);
	const struct {
		const char *what;
		uint64 addr;
	} addrs[] = {
		{ "null", 0 },
		{ "text", (uint64)&bad },
		{ "root", USER_ROOT_VA },
		{ "break", (uint64)brk + gap - sizeof(struct sysinfo) / 2 },
		{ "top", USER_TOP - sizeof(struct sysinfo) / 2 },
		{ "kernel", 0x80200000ul },
		{ "huge", 0xffffffffffffff00ul },
	};
	for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++)
		printf("sysinfotest: %s %ld\n", addrs[i].what, call_sysinfo(addrs[i].addr));
	get(); /* a good address still works */
	printf("sysinfotest: good 0\n");
}

static int number(const char *s, int max)
{
	int n;
	if (args_number(s, &n) || n < 0 || n > max)
		die("not a count in range", max);
	return n;
}

int main(int argc, char *argv[])
{
	if (argc == 1)
		compare();
	else if (argc == 3 && strcmp(argv[1], "grow") == 0)
		grow(number(argv[2], MAX_PAGES));
	else if (argc == 3 && strcmp(argv[1], "procs") == 0)
		procs(number(argv[2], MAX_CHILDREN));
	else if (argc == 2 && strcmp(argv[1], "bad") == 0)
		bad();
	else
		die("usage: sysinfotest [grow PAGES | procs N | bad]", argc);
	exit(0);
}
