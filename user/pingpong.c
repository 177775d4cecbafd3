// LAB(util) begin
/*
 * user/pingpong.c - one byte to a child and back, over two pipes.
 *
 * The parent writes a byte into the first pipe; the child reads it, prints
 * "<pid>: received ping" and sends the byte back through the second pipe;
 * the parent reads it and prints "<pid>: received pong". The child prints
 * before it answers, so the two lines always come in that order.
 */
#include "kernel/types.h"
#include "user/user.h"

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(2, "pingpong: %s\n", what);
	exit(1);
}

int main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1)
		die("usage: pingpong");
	int ping[2], pong[2];
	if (pipe(ping) < 0 || pipe(pong) < 0)
		die("pipe failed");
	char byte = 'x';
	int pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		close(ping[1]);
		close(pong[0]);
		if (read(ping[0], &byte, 1) != 1)
			die("the child read no ping");
		printf("%d: received ping\n", getpid());
		if (write(pong[1], &byte, 1) != 1)
			die("the child could not send the pong");
		exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	if (write(ping[1], &byte, 1) != 1)
		die("the parent could not send the ping");
	if (read(pong[0], &byte, 1) != 1)
		die("the parent read no pong");
	printf("%d: received pong\n", getpid());
	int status;
	if (wait(&status) != pid || status != 0)
		die("the child failed");
	exit(0);
}
// LAB(util) stub
// /* user/pingpong.c - a byte to a child and back: lab util, yours to write. */
// #include "kernel/types.h"
// #include "user/user.h"
//
// int main(int argc, char *argv[])
// {
// 	// TODO(lab util): a byte to a child and back over two pipes (labs/util/README.md).
// 	(void)argc;
// 	(void)argv;
// 	fprintf(2, "pingpong: not implemented (lab util)\n");
// 	exit(1);
// }
// LAB(util) end
