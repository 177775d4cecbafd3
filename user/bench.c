/*
 * user/bench.c - what common system calls cost, measured from user space.
 *
 *   bench          every benchmark
 *   bench NAME...  the named ones (getpid fork pipe sbrk exec malloc)
 *
 * Each runs N iterations between two reads of the time CSR (lib/counters.h;
 * the kernel lets user code read it through scounteren) and prints
 *
 *   bench: NAME N iterations, X ticks/op (~Y instructions)
 *
 * The time CSR counts at the timebase (10 MHz on QEMU virt). Under QEMU's
 * -icount shift=0 (make bench) every instruction takes 1 ns of virtual time,
 * so a tick is 100 instructions and Y = 100 X is an instruction count; in
 * any other run Y means nothing and X is host-dependent time.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "lib/counters.h"

#define TIMEBASE_HZ    10000000ul /* QEMU virt's /cpus/timebase-frequency */
#define NS_PER_INSN    1ul        /* -icount shift=0: 2^0 ns per instruction */
#define INSNS_PER_TICK (1000000000ul / TIMEBASE_HZ / NS_PER_INSN)
#define NOP_PROGRAM    "/bench_nop"

static void report(const char *name, int n, uint64 ticks)
{
	uint64 tenths = ticks * 10 / n;
	printf("bench: %s %d iterations, %lu.%lu ticks/op (~%lu instructions)\n", name, n,
	       tenths / 10, tenths % 10, ticks * INSNS_PER_TICK / n);
}

static void die(const char *what)
{
	printf("bench: %s failed\n", what);
	exit(1);
}

static uint64 bench_getpid(int n)
{
	getpid();
	uint64 t0 = rdtime();
	for (int i = 0; i < n; i++)
		getpid();
	return rdtime() - t0;
}

static void fork_exit_wait(void)
{
	int pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		exit(0);
	if (wait(0) != pid)
		die("wait");
}

static uint64 bench_fork(int n)
{
	fork_exit_wait();
	uint64 t0 = rdtime();
	for (int i = 0; i < n; i++)
		fork_exit_wait();
	return rdtime() - t0;
}

/* A child echoes each byte back; one op is a byte there and back. */
static uint64 bench_pipe(int n)
{
	int there[2], back[2];
	if (pipe(there) < 0 || pipe(back) < 0)
		die("pipe");
	int pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		char c;
		while (read(there[0], &c, 1) == 1)
			if (write(back[1], &c, 1) != 1)
				exit(1);
		exit(0);
	}
	close(there[0]);
	close(back[1]);
	char c = 'x';
	uint64 t0 = 0;
	for (int i = -1; i < n; i++) { /* round -1 warms up */
		if (i == 0)
			t0 = rdtime();
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			die("pipe round trip");
	}
	uint64 spent = rdtime() - t0;
	close(there[1]);
	wait(0);
	close(back[0]);
	return spent;
}

static uint64 bench_sbrk(int n)
{
	sbrk(4096);
	sbrk(-4096);
	uint64 t0 = rdtime();
	for (int i = 0; i < n; i++) {
		if (sbrk(4096) == (char *)-1)
			die("sbrk(4096)");
		sbrk(-4096);
	}
	return rdtime() - t0;
}

static void fork_exec_wait(void)
{
	int pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *argv[] = { NOP_PROGRAM, 0 };
		exec(NOP_PROGRAM, argv);
		die("exec " NOP_PROGRAM);
	}
	int status = -1;
	if (wait(&status) != pid || status != 0)
		die("wait for " NOP_PROGRAM);
}

static uint64 bench_exec(int n)
{
	fork_exec_wait();
	uint64 t0 = rdtime();
	for (int i = 0; i < n; i++)
		fork_exec_wait();
	return rdtime() - t0;
}

/* Pairs of sizes from 16 to 1000 bytes, one block at a time, as a program's small objects. */
static uint64 bench_malloc(int n)
{
	free(malloc(64));
	uint64 t0 = rdtime();
	for (int i = 0; i < n; i++) {
		void *p = malloc(16 + (i * 40) % 1000);
		if (!p)
			die("malloc");
		free(p);
	}
	return rdtime() - t0;
}

static const struct {
	const char *name;
	uint64 (*run)(int n);
	int n;
} benches[] = {
	{ "getpid", bench_getpid, 20000 }, { "fork", bench_fork, 200 },
	{ "pipe", bench_pipe, 2000 },      { "sbrk", bench_sbrk, 10000 },
	{ "exec", bench_exec, 100 },       { "malloc", bench_malloc, 20000 },
};
#define NBENCH ((int)(sizeof benches / sizeof benches[0]))

int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		int found = 0;
		for (int b = 0; b < NBENCH; b++)
			found |= strcmp(argv[a], benches[b].name) == 0;
		if (!found) {
			fprintf(2, "bench: no benchmark is called %s\n", argv[a]);
			exit(1);
		}
	}
	printf("bench: time CSR at %lu Hz; ~instructions = ticks x %lu under -icount shift=0\n",
	       TIMEBASE_HZ, INSNS_PER_TICK);
	for (int b = 0; b < NBENCH; b++) {
		int wanted = argc == 1;
		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], benches[b].name) == 0;
		if (wanted)
			report(benches[b].name, benches[b].n, benches[b].run(benches[b].n));
	}
	exit(0);
}
