/*
 * user/sh.c - magma's shell: reads lines, runs them as jobs.
 *
 * The language (pipes, < > >>, ; &, parentheses, quotes, comments) is
 * user/sh_parse.h's; this file runs the tree. Each command of a line is a
 * job in a process group of its own: the child calls setpgid(0) and the
 * shell setpgid(pid) (both, so it holds whichever runs first), then a
 * foreground job is made the console's foreground group with fgset(pid)
 * until it ends. Ctrl-C kills the console's foreground group, so it stops
 * the job and never the shell; a background job (&) keeps its own group and
 * is not touched by Ctrl-C either.
 *
 * Built in: cd [DIR] (default /) and exit [STATUS], which must act on the
 * shell itself. A program name without a '/' is looked up in the current
 * directory, then in /. The prompt "$ " is printed only when the input is
 * the console; `sh FILE` runs the lines of FILE. End of file (Ctrl-D on an
 * empty line) ends the shell.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/user.h"

#include "user/args.h"
#include "user/sh_parse.h"

#define LINE_BYTES 512
#define PATH_BYTES 128

static struct sh_tree tree;
static char line[LINE_BYTES];

static void __attribute__((noreturn)) fail(const char *what, const char *name)
{
	fprintf(2, "sh: %s %s\n", what, name);
	exit(1);
}

static int fork_or_die(void)
{
	int pid = fork();
	if (pid < 0)
		fail("fork failed:", "out of memory or processes");
	return pid;
}

/* Opens each redirection's file and puts it on fd 0 or 1; exits if one cannot be opened. */
static void redirect(const struct sh_node *n)
{
	for (int i = 0; i < n->nredirects; i++) {
		const struct sh_redirect *r = &n->redirects[i];
		int flags = r->kind == SH_REDIRECT_IN    ? O_RDONLY
			    : r->kind == SH_REDIRECT_OUT ? O_WRONLY | O_CREATE | O_TRUNC
							 : O_WRONLY | O_CREATE | O_APPEND;
		int target = r->kind == SH_REDIRECT_IN ? 0 : 1;
		int fd = open(r->path, flags);
		if (fd < 0)
			fail("cannot open", r->path);
		if (fd != target) {
			close(target);
			dup(fd); /* the lowest free descriptor: target */
			close(fd);
		}
	}
}

static int is_builtin(const struct sh_node *n)
{
	return n->kind == SH_EXEC && (!strcmp(n->argv[0], "cd") || !strcmp(n->argv[0], "exit"));
}

/* cd and exit; in a child (a pipeline, a group) they act on that child only. */
static int builtin(const struct sh_node *n)
{
	if (!strcmp(n->argv[0], "exit")) {
		int status = 0;
		if (n->argc > 2 || (n->argc == 2 && args_number(n->argv[1], &status))) {
			fprintf(2, "usage: exit [STATUS] (a number)\n");
			return 1;
		}
		exit(status);
	}
	const char *dir = n->argc > 1 ? n->argv[1] : "/";
	if (n->argc > 2) {
		fprintf(2, "usage: cd [DIR]\n");
		return 1;
	}
	if (chdir(dir) < 0) {
		fprintf(2, "sh: cd: cannot change to %s\n", dir);
		return 1;
	}
	return 0;
}

static void __attribute__((noreturn)) run(struct sh_node *n);

/* Forks a child that runs n; in its own process group when own_group. The child's pid. */
static int start(struct sh_node *n, int own_group)
{
	int pid = fork_or_die();
	if (pid == 0) {
		if (own_group)
			setpgid(0);
		run(n);
	}
	if (own_group)
		setpgid(pid);
	return pid;
}

/* Waits until child pid ends and returns its status; at the top, says which others ended. */
static int wait_for(int pid, int top)
{
	for (;;) {
		int status = 0, w = wait(&status);
		if (w == pid || w < 0)
			return w < 0 ? -1 : status;
		if (top)
			printf("[%d] done, status %d\n", w, status);
	}
}

/*
 * Runs the commands of a list one after the other, each as a child (a
 * background one without waiting). top: this is the interactive shell, so
 * each job gets its own process group, a foreground job the console, and
 * cd and exit act on the shell. The status of the last command waited for.
 */
static int run_list(struct sh_node *n, int top)
{
	if (n->kind == SH_SEQUENCE) {
		run_list(n->left, top);
		return run_list(n->right, top);
	}
	if (n->kind == SH_BACKGROUND) {
		int pid = start(n->left, top);
		if (top)
			printf("[%d]\n", pid);
		return 0;
	}
	if (top && is_builtin(n))
		return builtin(n);
	int pid = start(n, top);
	if (top)
		fgset(pid);
	int status = wait_for(pid, top);
	if (top)
		fgset(0);
	return status;
}

/* Executes argv[0]: as given, then from / when the name has no '/'. Never returns. */
static void __attribute__((noreturn)) run_command(struct sh_node *n)
{
	redirect(n);
	if (is_builtin(n))
		exit(builtin(n));
	char *name = n->argv[0];
	exec(name, n->argv);
	if (!strchr(name, '/') && strlen(name) + 2 <= PATH_BYTES) {
		char path[PATH_BYTES] = "/";
		strcpy(path + 1, name);
		exec(path, n->argv);
	}
	fail("cannot run", name);
}

/* left | right: two children joined by a pipe; the pipeline's status is right's. */
static void __attribute__((noreturn)) run_pipe(struct sh_node *n)
{
	int p[2];
	if (pipe(p) < 0)
		fail("pipe failed:", "out of memory or files");
	int left = fork_or_die();
	if (left == 0) {
		close(1);
		dup(p[1]);
		close(p[0]);
		close(p[1]);
		run(n->left);
	}
	int right = fork_or_die();
	if (right == 0) {
		close(0);
		dup(p[0]);
		close(p[0]);
		close(p[1]);
		run(n->right);
	}
	close(p[0]);
	close(p[1]);
	int status = wait_for(right, 0);
	wait_for(left, 0);
	exit(status);
}

/* Runs n in this (child) process and exits with its status. */
static void __attribute__((noreturn)) run(struct sh_node *n)
{
	switch (n->kind) {
	case SH_EXEC: run_command(n);
	case SH_PIPE: run_pipe(n);
	case SH_GROUP: redirect(n); exit(run_list(n->left, 0));
	case SH_SEQUENCE:
	case SH_BACKGROUND: exit(run_list(n, 0));
	}
	fail("bad node in the command tree:", "internal error");
}

/* The next line into line[]; 0 at end of file. A line too long is skipped with a message. */
static int read_line(int prompt)
{
	for (;;) {
		if (prompt)
			write(2, "$ ", 2);
		gets(line, sizeof(line));
		int n = strlen(line);
		if (n == 0)
			return 0;
		if (n < LINE_BYTES - 1 || line[n - 1] == '\n' || line[n - 1] == '\r')
			return 1;
		while (n == LINE_BYTES - 1 && line[n - 1] != '\n' && line[n - 1] != '\r') {
			gets(line, sizeof(line)); /* the rest of the long line */
			n = strlen(line);
		}
		fprintf(2, "sh: line too long (at most %d bytes): ignored\n", LINE_BYTES - 2);
	}
}

int main(int argc, char *argv[])
{
	if (argc > 2) {
		fprintf(2, "usage: sh [FILE]\n");
		exit(1);
	}
	if (argc == 2) {
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0)
			fail("cannot open", argv[1]);
		close(0);
		dup(fd);
		close(fd);
	}
	struct stat st;
	int prompt = fstat(0, &st) == 0 && st.type == T_DEVICE;
	while (read_line(prompt)) {
		if (sh_parse(line, &tree)) {
			fprintf(2, "sh: %s\n", tree.error);
			continue;
		}
		if (tree.root)
			run_list(tree.root, 1);
	}
	exit(0);
}
