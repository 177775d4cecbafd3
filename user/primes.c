// LAB(util) begin
/*
 * user/primes.c - the primes up to PRIMES_LAST, by a pipeline of processes.
 *
 * The first process writes 2..PRIMES_LAST into a pipe. Every process of the
 * chain prints the first number it reads, a prime p ("prime p"), and passes
 * on to the next process (started when the first such number comes) every
 * number that p does not divide. A process closes its output at the end of
 * its input and waits for the next one, so the first exits last and the
 * shell's prompt comes after every line. A stage prints its prime before it
 * passes anything on, so the lines come in order.
 */
#include "kernel/types.h"
#include "user/user.h"

#define PRIMES_LAST 280

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(2, "primes: %s\n", what);
	exit(1);
}

/*
 * Forks the stage after this one, which must not keep this one's input
 * open (parent_in; -1 for none: the fds would pile up along the chain).
 * The fd to write to it.
 */
static int next_stage(int parent_in);

/* One stage: reads numbers from fd in, the first of them its prime. Never returns. */
static void __attribute__((noreturn)) sieve(int in)
{
	int prime, n, out = -1;
	if (read(in, &prime, sizeof prime) != sizeof prime)
		exit(0); /* nothing came: the chain ends here */
	printf("prime %d\n", prime);
	while (read(in, &n, sizeof n) == sizeof n) {
		if (n % prime == 0)
			continue;
		if (out < 0)
			out = next_stage(in);
		if (write(out, &n, sizeof n) != sizeof n)
			die("write to the next stage failed");
	}
	close(in);
	int status = 0;
	if (out >= 0) {
		close(out);
		if (wait(&status) < 0)
			die("the next stage vanished");
	}
	exit(status);
}

static int next_stage(int parent_in)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe failed");
	int pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		close(p[1]);
		if (parent_in >= 0)
			close(parent_in);
		sieve(p[0]);
	}
	close(p[0]);
	return p[1];
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1)
		die("usage: primes");
	int out = next_stage(-1);
	for (int n = 2; n <= PRIMES_LAST; n++)
		if (write(out, &n, sizeof n) != sizeof n)
			die("write to the first stage failed");
	close(out);
	int status = 0;
	if (wait(&status) < 0)
		die("the first stage vanished");
	exit(status);
}
// LAB(util) stub
// /* user/primes.c - the primes up to 280 by a pipeline of processes: lab util, yours to write. */
// #include "kernel/types.h"
// #include "user/user.h"
//
// int main(int argc, char *argv[])
// {
// 	// TODO(lab util): the sieve of processes and pipes (labs/util/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "primes: not implemented (lab util)\n");
// 	exit(1);
// }
// LAB(util) end
