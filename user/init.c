/*
 * user/init.c - the first process: the console, then a shell, forever.
 *
 * It makes the console device file if the disk has none (mknod, major
 * CONSOLE), opens it as fds 0, 1 and 2 (which every process inherits), and
 * starts /sh. It then waits: a child that is not the shell is an orphan
 * that the kernel handed to init, reaped here; when the shell ends, init
 * says how and starts a new one. A shell that fails within a second of its
 * start (say /sh is missing) is restarted after a second's pause, so a
 * broken disk gives a message a second rather than a flood.
 *
 * Before the first shell, when /etc/modules exists, it starts the module
 * bootstrap, /modboot (user/modboot.c), and waits until the modules' first
 * loads have settled, so their boot messages come before the prompt. The
 * bootstrap is not restarted: when it dies, init stops its modules and
 * unlinks their blocks (user/toastctl.c), as the Toast seed wants.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/toastctl.h"
#include "user/user.h"

#define QUICK_FAILURE_TICKS 100 /* 1 s in uptime()'s 10 ms ticks */

static int open_console(void)
{
	int fd = open("console", O_RDWR);
	if (fd < 0 && mknod("console", CONSOLE, 0) == 0)
		fd = open("console", O_RDWR);
	return fd;
}

/* Forks a shell; its pid, or -1 when fork fails. */
static int start_shell(void)
{
	char *argv[] = { "sh", 0 };
	int pid = fork();
	if (pid == 0) {
		exec("/sh", argv);
		fprintf(2, "init: cannot run /sh\n");
		exit(1);
	}
	return pid;
}

/*
 * Starts /modboot if /etc/modules exists and waits for its word that the
 * first loads are over (or for its end); its pid, or -1 when there is none.
 */
static int start_modules(void)
{
	struct stat st;
	if (stat("/etc/modules", &st) != 0)
		return -1;
	int ready[2];
	if (pipe(ready) != 0) {
		fprintf(2, "init: no pipe for the module bootstrap; modules not started\n");
		return -1;
	}
	char fd[12];
	snprintf(fd, sizeof fd, "%d", ready[1]);
	char *argv[] = { "modboot", "-n", fd, 0 };
	int pid = fork();
	if (pid == 0) {
		close(ready[0]);
		exec("/modboot", argv);
		fprintf(2, "init: cannot run /modboot; modules not started\n");
		exit(1);
	}
	close(ready[1]);
	if (pid < 0) {
		fprintf(2, "init: fork failed; modules not started\n");
		close(ready[0]);
		return -1;
	}
	char byte;
	read(ready[0], &byte, 1); /* one byte when settled, or end of file when it is gone */
	close(ready[0]);
	return pid;
}

int main(void)
{
	if (open_console() != 0) /* nowhere to say so: the kernel reports init's exit */
		exit(1);
	dup(0); /* fd 1, standard output */
	dup(0); /* fd 2, standard error */
	int bootstrap = start_modules();
	for (;;) {
		int started = uptime();
		int shell = start_shell();
		if (shell < 0) {
			fprintf(2, "init: fork failed; trying again in a second\n");
			sleep(QUICK_FAILURE_TICKS);
			continue;
		}
		int status = 0, pid;
		while ((pid = wait(&status)) != shell) {
			if (pid < 0) { /* no children at all: the shell is gone without a trace */
				status = -1;
				break;
			}
			if (pid == bootstrap) {
				printf("init: module bootstrap (pid %d) ended with status %d; "
				       "stopping its modules\n",
				       pid, status);
				toast_stop_modules(shell);
				bootstrap = -1;
			}
			/* else an orphan, reaped */
		}
		printf("init: sh (pid %d) exited with status %d; starting a new one\n", shell,
		       status);
		if (status != 0 && uptime() - started < QUICK_FAILURE_TICKS)
			sleep(QUICK_FAILURE_TICKS);
	}
}
