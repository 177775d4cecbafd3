/*
 * user/modboot.c - the module bootstrap: starts and supervises the modules.
 *
 *   modboot [-n FD] [CONFIG]
 *
 * init starts it at boot when /etc/modules exists (CONFIG's default; its
 * format is lib/toast_config.h). It makes the Toast blocks (include/toast.h):
 * the 1 MiB shared block, with its own pid, the debug flag, the state and
 * the state tick, and a 512-byte private block per module, named from the
 * module file's path (lib/toast.h). Then, for each module in order:
 *
 * - activity 1 (discovered); the file is read and checked: not an
 *   executable gives 0x8A, an entry point missing 0x8B or 0x8C, and the
 *   module is never started;
 * - otherwise the private block gets 0x7A and the module runs as a child,
 *   `PATH INDEX`; its library checks in (0x7B, or 0x80 and stops), loads
 *   and marks itself 0x7C and active (user/module.c).
 *
 * It then supervises. A module that ends is reaped: one that crashed
 * (killed, or a nonzero status) after loading is restarted if both its
 * /etc/modules line and its restart byte say so, after a back-off that
 * doubles from 100 ms to at most 5 s (activity 3, then 4 once the new run
 * has loaded); one that failed its load is never started again, as it would
 * fail again, in a loop. The modules are its children, and it is their
 * parent the library checks each tick: when the bootstrap dies the modules
 * stop at their next tick, and init (their new parent) kills the rest and
 * unlinks the blocks (user/toastctl.c).
 *
 * With -n FD it writes one byte to FD and closes it once the first loads
 * have settled (each module loaded and ticked twice, failed, or crashed as
 * often as it may), so that init starts the shell after the modules' boot
 * messages, never among them. A module that does not settle within
 * SETTLE_LIMIT_TICKS is named and the shell starts anyway: a broken module
 * must not keep the console from its user.
 *
 * One bootstrap at a time: a second one (say, run from the shell) refuses
 * while the first lives, and takes over the blocks of one that died.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "include/shm.h"
#include "include/user_layout.h"
#include "lib/fmt.h"
#include "lib/toast.h"
#include "lib/toast_config.h"
#include "user/toastctl.h"
#include "user/user.h"

#define CONFIG_PATH         "/etc/modules"
#define MODULE_FILE_MAX     (4u << 20) /* bigger files are not read (0x8A): no executable is */
#define SETTLE_TICKS        2          /* state ticks that show a loaded module running */
#define SETTLE_RESTARTS     3    /* restarts after which a crashing module counts as settled */
#define SETTLE_LIMIT_TICKS  2000 /* 20 s in sleep()'s 10 ms ticks */
#define EXIT_STATUS_NO_EXEC 127  /* a child whose exec failed */

/* The bootstrap's view of one module. */
struct module_slot {
	const struct toast_config_module *config;
	volatile struct toast_private *private_block;
	volatile struct toast_module_status *status; /* shown to all; written by the bootstrap */
	int pid; /* its process (0: none), kept here: modules can write the shared block */
	uint32_t restarts; /* likewise */
	int reported;      /* its load's outcome has been said */
};

static struct toast_config config;
static struct module_slot slots[TOAST_MAX_MODULES];
static volatile struct toast_shared *shared;
/* After settle(), loads are not reported: no line among the shell's. */
static int first_loads_settled;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[300];
	va_list args;
	va_start(args, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, args);
	va_end(args);
	printf("modboot: %s\n", line);
}

#define debug(...)                        \
	do {                              \
		if (config.debug)         \
			say(__VA_ARGS__); \
	} while (0)

/* The name the module gave (cut to its field: the module wrote it), else its path. */
static const char *module_name(const struct module_slot *s)
{
	static char name[TOAST_NAME_BYTES];
	volatile struct toast_private *p = s->private_block;
	if (!p->info_set || !p->name[0])
		return s->config->path;
	for (unsigned i = 0; i < TOAST_NAME_BYTES - 1; i++)
		name[i] = p->name[i];
	name[TOAST_NAME_BYTES - 1] = '\0';
	return name;
}

/* The whole file at path in a malloc'd buffer, or 0 (unreadable, empty or too big). */
static char *read_file(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.type != T_FILE || st.size == 0 || st.size > MODULE_FILE_MAX) {
		close(fd);
		return 0;
	}
	char *buf = malloc((unsigned)st.size + 1);
	uint64_t got = 0;
	while (buf && got < st.size) {
		int n = read(fd, buf + got, (int)(st.size - got));
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	close(fd);
	if (!buf || got != st.size) {
		free(buf);
		return 0;
	}
	buf[got] = '\0';
	*size = got;
	return buf;
}

static void report_config_line(void *arg, unsigned line, enum toast_config_error why)
{
	say("%s:%u: %s; line skipped", (const char *)arg, line, toast_config_error_name(why));
}

/* The blocks of an earlier bootstrap that died go; a living one keeps them, and we stop. */
static void take_over_blocks(void)
{
	volatile struct toast_shared *old = toast_attach_shared(SHM_RDONLY);
	if (old) {
		int pid = old->bootstrap_pid;
		shmdetach((void *)old);
		if (pid != getpid() && toast_process_alive(pid)) {
			say("another bootstrap runs (pid %d); stopping", pid);
			exit(1);
		}
	}
	toast_unlink_all();
}

static void make_shared_block(void)
{
	if (shmcreate(TOAST_SHARED_NAME, TOAST_SHARED_SIZE) != 0 ||
	    !(shared = toast_attach_shared(0))) {
		say("cannot make the %u-byte %s block; no module is started", TOAST_SHARED_SIZE,
		    TOAST_SHARED_NAME);
		exit(1);
	}
	shared->bootstrap_pid = getpid();
	shared->debug = config.debug;
	shared->current_state = TOAST_STATE_STARTING;
	shared->last_state = TOAST_STATE_STARTING;
	shared->state_tick_ms = config.tick_ms;
	shared->module_count = config.count;
}

/* Its private block, made and filled with the file name; -1 if there is no memory for it. */
static int make_private_block(unsigned i)
{
	struct module_slot *s = &slots[i];
	volatile struct toast_module_status *st = &shared->module[i];
	char name[TOAST_PRIVATE_NAME_BYTES];
	toast_private_name(s->config->path, name); /* the parser let only absolute paths in */
	strcpy((char *)st->private_name, name);
	if (shmcreate(name, TOAST_PRIVATE_SIZE) != 0 ||
	    !(s->private_block = toast_attach_private(name, 0))) {
		say("%s: cannot make its private block %s; not started", s->config->path, name);
		return -1;
	}
	strcpy((char *)s->private_block->file, s->config->path);
	s->status = st;
	return 0;
}

/* The file check before a start: 0, or the verification code it earns. */
static uint8_t check_file(const char *path)
{
	uint64_t size = 0;
	char *file = read_file(path, &size);
	uint8_t verdict =
		file ? toast_check_module_file(file, size, USER_TEXT_BASE, USER_STACK_GUARD)
		     : TOAST_VERIFY_CORRUPT;
	free(file);
	return verdict;
}

/* Forks and execs module i with a fresh 0x7A; the library does the rest. */
static void start_module(unsigned i)
{
	struct module_slot *s = &slots[i];
	volatile struct toast_private *p = s->private_block;
	p->verification = TOAST_VERIFY_BEFORE_LOAD;
	p->restart = 0;
	p->info_set = 0;
	s->reported = first_loads_settled;
	char index[8];
	snprintf(index, sizeof index, "%u", i);
	int pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)s->config->path, index, 0 };
		exec(s->config->path, argv);
		exit(EXIT_STATUS_NO_EXEC);
	}
	if (pid < 0) {
		say("%s: cannot fork; not started", s->config->path);
		return;
	}
	s->pid = pid;
	s->status->pid = pid;
	debug("%s: started (pid %d)", s->config->path, pid);
}

/* Discovers module i, checks its file and starts it if it passes. */
static void load_module(unsigned i)
{
	struct module_slot *s = &slots[i];
	s->config = &config.module[i];
	shared->activity[i] = TOAST_ACTIVITY_DISCOVERED;
	if (make_private_block(i) != 0)
		return;
	uint8_t verdict = check_file(s->config->path);
	if (verdict) {
		s->private_block->verification = verdict;
		s->reported = 1;
		say("%s: not started: %s (0x%x)", s->config->path, toast_verification_name(verdict),
		    verdict);
		return;
	}
	start_module(i);
}

/* Says once how module i's load went, when it is known. */
static void report_load(unsigned i)
{
	struct module_slot *s = &slots[i];
	if (!s->private_block || s->reported ||
	    s->private_block->verification != TOAST_VERIFY_LOADED)
		return;
	s->reported = 1;
	if (s->restarts)
		say("%s: restarted (%s, pid %d, restart %u)", module_name(s), s->config->path,
		    s->pid, s->restarts);
	else
		say("%s: loaded (%s, pid %d%s)", module_name(s), s->config->path, s->pid,
		    s->config->restartable ? ", restartable" : "");
}

static int slot_of_pid(int pid)
{
	for (unsigned i = 0; i < config.count; i++) {
		if (slots[i].pid == pid)
			return (int)i;
	}
	return -1;
}

/* Module i's process ended with `status`: what that means, and a restart if it earns one. */
static void module_ended(unsigned i, int status)
{
	struct module_slot *s = &slots[i];
	volatile struct toast_private *p = s->private_block;
	s->pid = 0;
	s->status->pid = 0;
	s->status->last_status = status;
	report_load(i);
	uint8_t v = p->verification;
	switch (toast_after_exit(v, status, s->config->restartable, p->restart)) {
	case TOAST_EXIT_EXEC_FAILED: /* exec refused what the file check let through */
		p->verification = TOAST_VERIFY_CORRUPT;
		shared->activity[i] = TOAST_ACTIVITY_DISCOVERED;
		say("%s: cannot be loaded (0x%x)", s->config->path, TOAST_VERIFY_CORRUPT);
		return;
	case TOAST_EXIT_NOT_LOADED:
		shared->activity[i] = TOAST_ACTIVITY_DISCOVERED;
		say("%s: did not load: %s (0x%x); not restarted", s->config->path,
		    toast_verification_name(v), v);
		return;
	case TOAST_EXIT_ENDED:
		shared->activity[i] = TOAST_ACTIVITY_DISCOVERED;
		say("%s: ended", module_name(s));
		return;
	case TOAST_EXIT_STAY_CRASHED:
		shared->activity[i] = TOAST_ACTIVITY_CRASHED;
		say("%s: crashed (status %d); not restartable", module_name(s), status);
		return;
	case TOAST_EXIT_RESTART: break;
	}
	shared->activity[i] = TOAST_ACTIVITY_CRASHED;
	uint32_t wait_ms = toast_backoff_ms(s->restarts);
	say("%s: crashed (status %d); restarting in %u ms", module_name(s), status, wait_ms);
	sleep((int)((wait_ms + 9) / 10));
	s->status->restarts = ++s->restarts;
	start_module(i);
}

/* Reaps one ended child (waiting for one) and deals with it. */
static void reap_one(void)
{
	int status = 0;
	int pid = wait(&status);
	if (pid < 0) { /* no child at all: nothing to supervise until one is started */
		sleep(100);
		return;
	}
	int i = slot_of_pid(pid);
	if (i >= 0)
		module_ended((unsigned)i, status);
}

/* Whether module i's first load is over, for the shell's start (see the header). */
static int settled(unsigned i)
{
	struct module_slot *s = &slots[i];
	if (s->pid == 0)
		return 1; /* never started, or ended and not restarted */
	if (!toast_process_alive(s->pid))
		return 0; /* it ended: reap it first */
	if (s->restarts >= SETTLE_RESTARTS)
		return 1;
	return s->private_block->verification == TOAST_VERIFY_LOADED &&
	       s->status->ticks >= SETTLE_TICKS;
}

/* Polls until every module's first load is over (reaping and restarting as it goes). */
static void settle(void)
{
	for (int waited = 0;; waited++) {
		int all = 1;
		for (unsigned i = 0; i < config.count; i++) {
			report_load(i);
			if (settled(i))
				continue;
			all = 0;
			if (slots[i].pid && !toast_process_alive(slots[i].pid))
				reap_one();
		}
		if (all)
			return;
		if (waited == SETTLE_LIMIT_TICKS) {
			for (unsigned i = 0; i < config.count; i++) {
				if (!settled(i))
					say("%s: still loading after 20 s; the shell starts anyway",
					    slots[i].config->path);
			}
			return;
		}
		sleep(1);
	}
}

int main(int argc, char **argv)
{
	int notify = -1;
	const char *path = CONFIG_PATH;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			notify = atoi(argv[++i]);
		else if (argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(2, "usage: modboot [-n FD] [CONFIG]\n");
			exit(2);
		}
	}
	setpgid(0); /* the console's Ctrl-C is for the shell's jobs, not the modules */
	uint64_t size = 0;
	char *text = read_file(path, &size);
	if (!text) {
		say("cannot read %s; no module is started", path);
		exit(1);
	}
	toast_config_parse(text, size, &config, report_config_line, (void *)path);
	free(text);
	take_over_blocks();
	make_shared_block();
	say("%u module%s in %s", config.count, config.count == 1 ? "" : "s", path);
	for (unsigned i = 0; i < config.count; i++)
		load_module(i);
	settle();
	first_loads_settled = 1;
	shared->last_state = shared->current_state;
	shared->current_state = TOAST_STATE_RUNNING;
	if (notify >= 0) {
		write(notify, "", 1);
		close(notify);
	}
	for (;;)
		reap_one();
}
