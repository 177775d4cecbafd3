/*
 * tests/crash/crashtest.c - every crash state of a workload recorded in QEMU, checked on the host.
 *
 *   crashtest --prepare IMAGE
 *   crashtest [--big N] [--seed S] [--reorders N] [--only E.T] IMAGE LOG
 *
 * --prepare makes /console on IMAGE, as init would at its first boot, so
 * that the recorded boot writes nothing but the workload's calls.
 *
 * IMAGE is the disk before the boot, LOG what QEMU's blklogwrites driver
 * recorded while `crashload N` ran tests/crash/workload.h (--big N: the
 * same N). The kernel's
 * file system (compiled for the host over tests/shim/) first runs the same
 * table from IMAGE: the tree after each commit is a reference state, and
 * its writes must be the recording's, block for block (else the references
 * would not describe the guest's run). Then each crash state is a disk
 * image mounted through the shim (fs_init replays the log) and checked:
 * fsck_image must find it clean and its tree must be reference state k for
 * a k from "durable" (commits whose header a flush had made durable: every
 * call that returned before the last flush, and more) to "issued" (commits
 * whose header is on the image). The states:
 *
 *   prefix   the original and the first N writes, for every N
 *   torn     the first N writes and half the sectors of write N + 1
 *   reorder  the writes up to a flush, and a seeded random subset of the
 *            writes of the next flush epoch in a random order (a volatile
 *            write cache loses or reorders what was not flushed)
 *   recovery for prefix images whose mount replayed the log: the image
 *            and the first j writes of that replay, for each j, mounted
 *            again: a crash during recovery; the same tree must result
 *
 * The last line is "crash-test: N crash states checked, M wrong"; the exit
 * status is 1 if any was wrong, 2 if the inputs were unusable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../include/fs_format.h"
#include "../../kernel/fcntl.h"
#include "../../kernel/param.h"
#include "../../kernel/proc.h"
#include "../../lib/fs_layout.h"
#include "../shim/fsck.h"
#include "../shim/mount.h"
#include "../shim/shim.h"
#include "wlog.h"
#include "workload.h"

/* kernel/sysfile.c, called through shim_syscall */
long sys_write(void);
long sys_close(void);
long sys_open(void);
long sys_mkdir(void);
long sys_mknod(void);
long sys_link(void);
long sys_unlink(void);

#define BS          FS_BLOCK_SIZE
#define U_PATH0     0
#define U_PATH1     1024
#define U_DATA      4096
#define MAX_COMMITS 1024
#define SHOWN_WRONG 5 /* wrong states described in full */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "crashtest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf || ferror(f))
		die("cannot read %s", path);
	fclose(f);
	*len = n;
	return buf;
}

/* The original image in the shim's disk: its superblock, after checks. */
static struct fs_super load_image(const uint8_t *image, size_t len, const char *path)
{
	if (len % BS || len < 2 * BS)
		die("%s: %zu bytes, not a whole number of %u-byte blocks (two at least)", path, len,
		    BS);
	struct fs_super sb;
	memcpy(&sb, image + FS_SUPER_BLOCK * BS, sizeof(sb));
	char why[160];
	if (fs_super_check(&sb, len / BS, why, sizeof(why)) < 0)
		die("%s: %s", path, why);
	shim_disk_create(len / BS);
	shim_disk_load(image);
	return sb;
}

/* --- the workload's calls on the host --- */

static long host_call(const struct crash_step *s, long *fds)
{
	switch (s->op) {
	case CRASH_MKDIR: return shim_syscall(sys_mkdir, shim_ustr(U_PATH0, s->path), 0, 0);
	case CRASH_OPEN:
		return fds[s->slot] = shim_syscall(sys_open, shim_ustr(U_PATH0, s->path),
						   (uint64_t)s->flags, 0);
	case CRASH_WRITE:
		for (int i = 0; i < s->length; i++)
			shim_user[U_DATA + i] = crash_fill(s->seed, (unsigned int)i);
		return shim_syscall(sys_write, (uint64_t)fds[s->slot], shim_uva(U_DATA),
				    (uint64_t)s->length);
	case CRASH_CLOSE: return shim_syscall(sys_close, (uint64_t)fds[s->slot], 0, 0);
	case CRASH_LINK:
		return shim_syscall(sys_link, shim_ustr(U_PATH0, s->path),
				    shim_ustr(U_PATH1, s->path2), 0);
	case CRASH_UNLINK: return shim_syscall(sys_unlink, shim_ustr(U_PATH0, s->path), 0, 0);
	default: return -1;
	}
}

/* --- what the test knows --- */

struct crash {
	struct fs_super sb;
	uint64_t header_off; /* byte offset of the log header */
	uint32_t seq0;       /* the original header's seq: commit c has seq0 + c */
	const uint8_t *base; /* the original image */
	size_t image_bytes;
	char *ref[MAX_COMMITS + 1]; /* the tree after 0, 1, ... commits */
	int ref_call[MAX_COMMITS + 1];
	int commits, calls;
	struct wlog log;
	int *commit_of;  /* per log entry: the commit whose header it writes, or 0 */
	uint8_t *prefix; /* the image being built, write by write */
	int big;         /* the big file's writes, as crashload was told */
	uint64_t seed;
	long reorders; /* reorder states wanted in all */
	long only_epoch, only_trial;
	/* results */
	long states, wrong, prefixes, torn, reordered, recovery, replaying;
	long *counting;     /* the kind of state being checked: one of the four counts */
	long wrong_kind[4]; /* wrong prefixes, torn, reorders, recoveries */
	long epochs, reorder_epochs;
};

/* Whether a block write names a valid header with n > 0: the commit it makes, else 0. */
static int commit_in(const struct crash *c, const uint8_t *header_bytes)
{
	struct fs_log_header h;
	memset(&h, 0, sizeof(h));
	memcpy(&h, header_bytes, FS_SECTOR_SIZE); /* all its crc covers: nlog <= 64 slots */
	char why[160];
	if (fs_log_check(&h, &c->sb, why, sizeof(why)) < 0 || h.n == 0)
		return 0;
	return (int)(h.seq - c->seq0);
}

/* The commit that the first `bytes` of entry e write, if they hold the header's first sector. */
static int entry_commit(const struct crash *c, const struct wlog_entry *e, uint64_t bytes)
{
	if (!e->data || e->offset > c->header_off ||
	    e->offset + bytes < c->header_off + FS_SECTOR_SIZE)
		return 0;
	return commit_in(c, e->data + (c->header_off - e->offset));
}

static int host_commits(const struct crash *c, const struct shim_disk_event *ev, size_t from,
			size_t to)
{
	int n = 0;
	for (size_t i = from; i < to; i++)
		n += !ev[i].is_flush && ev[i].blockno == c->sb.logstart && commit_in(c, ev[i].data);
	return n;
}

static char *clean_tree(const char *when)
{
	char *state;
	int problems = fsck_image(shim_disk, &state);
	if (problems)
		die("the host run: %d fsck problems %s", problems, when);
	return state;
}

/*
 * The host run of the workload from the original image: the reference
 * states, and a check that its writes are the recording's.
 */
static void reference_run(struct crash *c)
{
	if (shim_mount() != 0)
		die("the original image does not mount: %s", shim_log());
	c->ref[0] = clean_tree("on the original image");
	shim_disk_record();
	long fds[CRASH_SLOTS] = { -1, -1, -1, -1 };
	struct crash_run at = { 0, 0, c->big };
	struct crash_step s;
	size_t seen = 0;
	while (crash_next(&at, &s)) {
		long r = host_call(&s, fds);
		if (r < 0)
			die("the host run: call %d (op %d, %s) returned %ld", c->calls, s.op,
			    s.path ? s.path : "", r);
		size_t n;
		const struct shim_disk_event *ev = shim_disk_recording(&n);
		int made = host_commits(c, ev, seen, n);
		seen = n;
		if (made > 1)
			die("call %d made %d commits: each call of the workload must be one "
			    "transaction (tests/crash/workload.h)",
			    c->calls, made);
		if (made == 1) {
			if (c->commits == MAX_COMMITS)
				die("more than %d commits", MAX_COMMITS);
			c->commits++;
			c->ref[c->commits] = clean_tree("after a call");
			c->ref_call[c->commits] = c->calls;
		}
		c->calls++;
	}
	shim_unmount();
	size_t n;
	struct shim_disk_event *ev = shim_disk_recorded(&n);
	/* The recording must be the same requests: whole blocks, flushes between them. */
	size_t i = 0, j = 0;
	for (; i < n || j < c->log.n; i++, j++) {
		while (j < c->log.n && (c->log.entries[j].flags & WLOG_MARK))
			j++;
		if (i == n && j == c->log.n)
			break;
		if (i == n || j == c->log.n)
			die("the recording has %lu entries, the host run %zu requests: they part at "
			    "request %zu (is the image the one QEMU booted on?)",
			    (unsigned long)c->log.n, n, i);
		const struct wlog_entry *e = &c->log.entries[j];
		int same = ev[i].is_flush ? e->flags == WLOG_FLUSH && e->bytes == 0
					  : e->data && e->bytes == BS &&
						    e->offset == (uint64_t)ev[i].blockno * BS &&
						    memcmp(e->data, ev[i].data, BS) == 0;
		if (!same)
			die("request %zu: the host run %s block %u, the recording (entry %zu) %s %lu "
			    "bytes at byte %lu: the guest did not make the calls the host made",
			    i, ev[i].is_flush ? "flushed" : "wrote", ev[i].blockno, j,
			    e->flags & WLOG_FLUSH ? "flushed" : "wrote", (unsigned long)e->bytes,
			    (unsigned long)e->offset);
	}
}

/* --- checking one crash state --- */

/* A wrong state: counted, and the first few described. */
static void wrong(struct crash *c, const char *what, const char *detail, const char *state)
{
	long *kinds[] = { &c->prefixes, &c->torn, &c->reordered, &c->recovery };
	for (int i = 0; i < 4; i++)
		c->wrong_kind[i] += c->counting == kinds[i];
	if (c->wrong++ >= SHOWN_WRONG)
		return;
	fprintf(stderr, "WRONG %s: %s\n", what, detail);
	if (state) {
		for (int k = 0; k <= c->commits; k++) {
			if (strcmp(state, c->ref[k]) == 0) {
				fprintf(stderr, "  (the tree after commit %d, call %d)\n", k,
					c->ref_call[k]);
				state = NULL;
				break;
			}
		}
		if (state)
			fprintf(stderr, "  tree:\n%s", state);
	}
	fprintf(stderr, "  the kernel said: %s\n", shim_log());
}

/* fsck_image of the shim's disk; its list of problems (stderr) only for the first wrong states. */
static int quiet_fsck(const struct crash *c, char **state)
{
	if (c->wrong < SHOWN_WRONG)
		return fsck_image(shim_disk, state);
	static FILE *null;
	if (!null && !(null = fopen("/dev/null", "w")))
		die("cannot open /dev/null");
	FILE *saved = stderr; /* glibc's stderr is a variable: fsck.c prints to whatever it holds */
	stderr = null;
	int problems = fsck_image(shim_disk, state);
	stderr = saved;
	return problems;
}

/*
 * Mounts the shim's disk and checks it; the tree (malloc'd) if the state
 * was right, else NULL. With rec non-NULL, the mount's own writes and
 * flushes are recorded into *rec, *nrec (valid until the next recording).
 */
static char *check_state(struct crash *c, const char *what, int durable, int issued,
			 const struct shim_disk_event **rec, size_t *nrec)
{
	c->states++;
	if (rec)
		shim_disk_record();
	int err = shim_mount();
	if (rec)
		*rec = shim_disk_recorded(nrec);
	char detail[200];
	if (err) {
		snprintf(detail, sizeof(detail), "does not mount (%d)", err);
		wrong(c, what, detail, NULL);
		return NULL;
	}
	char *state;
	int problems = quiet_fsck(c, &state);
	shim_unmount();
	int k = durable;
	while (k <= issued && k <= c->commits && strcmp(state, c->ref[k]) != 0)
		k++;
	if (problems || k > issued || k > c->commits) {
		snprintf(detail, sizeof(detail),
			 problems ? "%d fsck problems (commits %d to %d allowed)"
				  : "%d: not the tree after any of commits %d to %d",
			 problems, durable, issued);
		wrong(c, what, detail, problems ? NULL : state);
		free(state);
		return NULL;
	}
	return state;
}

/* The first `bytes` of entry e onto the shim's disk (a discard leaves zeros). */
static void put_entry(const struct wlog_entry *e, uint64_t bytes)
{
	static const uint8_t zeros[BS];
	if (e->data) {
		shim_disk_put_bytes(e->offset, e->data, bytes);
		return;
	}
	for (uint64_t done = 0; done < bytes; done += BS)
		shim_disk_put_bytes(e->offset + done, zeros, bytes - done < BS ? bytes - done : BS);
}

static int is_write(const struct wlog_entry *e)
{
	return e->bytes > 0 && !(e->flags & WLOG_MARK);
}

/*
 * A crash during recovery: the image now in c->prefix and the first j
 * writes of its replay rec[0 .. n), for each j, mounted again, must end in
 * the tree `want`.
 */
static void crash_recovery(struct crash *c, const char *what, const struct shim_disk_event *rec,
			   size_t n, const char *want)
{
	size_t writes = 0;
	for (size_t i = 0; i < n; i++)
		writes += !rec[i].is_flush;
	for (size_t j = 1; j < writes; j++) {
		shim_disk_revert(c->prefix);
		for (size_t i = 0, put = 0; put < j; i++) {
			if (!rec[i].is_flush) {
				shim_disk_put(rec[i].blockno, rec[i].data, BS);
				put++;
			}
		}
		char label[400];
		snprintf(label, sizeof(label),
			 "%s, then a crash after %zu of its recovery's %zu writes", what, j,
			 writes);
		c->recovery++;
		c->counting = &c->recovery;
		char *state = check_state(c, label, 0, c->commits, NULL, NULL);
		if (state && strcmp(state, want) != 0)
			wrong(c, label, "recovered again to another tree than the first recovery's",
			      state);
		free(state);
	}
	shim_disk_revert(c->prefix);
}

/* splitmix64: the reorder trials' random numbers, from seed, epoch and trial. */
static uint64_t next_random(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * The reorder states of the flush epoch whose first entry is `first`: the
 * shim's disk holds everything before it (durable commits `durable`).
 */
static void reorder_epoch(struct crash *c, size_t first, long epoch, long trials, int durable)
{
	size_t w[LOGSIZE * 4 + 8], m = 0;
	for (size_t i = first; i < c->log.n && !(c->log.entries[i].flags & WLOG_FLUSH); i++) {
		if (is_write(&c->log.entries[i]) && m < sizeof(w) / sizeof(w[0]))
			w[m++] = i;
	}
	if (m < 2) /* prefixes cover every subset */
		return;
	c->reorder_epochs++;
	for (long t = 0; t < trials; t++) {
		if (c->only_epoch >= 0 && (epoch != c->only_epoch || t != c->only_trial))
			continue;
		uint64_t x = c->seed ^ (uint64_t)epoch << 32 ^ (uint64_t)t;
		size_t order[sizeof(w) / sizeof(w[0])], kept = 0;
		memcpy(order, w, m * sizeof(w[0]));
		for (size_t i = m - 1; i > 0; i--) {
			size_t k = next_random(&x) % (i + 1), tmp = order[i];
			order[i] = order[k];
			order[k] = tmp;
		}
		int issued = durable;
		char applied[512];
		int len = snprintf(applied, sizeof(applied), "entries");
		for (size_t i = 0; i < m; i++) {
			const struct wlog_entry *e = &c->log.entries[order[i]];
			if (!(e->flags & WLOG_FUA) && (next_random(&x) & 1))
				continue; /* lost in the cache */
			put_entry(e, e->bytes);
			kept++;
			if (c->commit_of[order[i]] > issued)
				issued = c->commit_of[order[i]];
			if (len < (int)sizeof(applied) - 12)
				len += snprintf(applied + len, sizeof(applied) - (size_t)len,
						" %zu", order[i]);
		}
		char what[700];
		snprintf(what, sizeof(what),
			 "reorder: epoch %ld (entries %zu..%zu), trial %ld, %zu of %zu writes kept "
			 "(%s); repeat: --seed %lu --only %ld.%ld",
			 epoch, w[0], w[m - 1], t, kept, m, kept ? applied : "none",
			 (unsigned long)c->seed, epoch, t);
		c->reordered++;
		c->counting = &c->reordered;
		free(check_state(c, what, durable, issued, NULL, NULL));
		shim_disk_revert(c->prefix);
		if (c->only_epoch >= 0)
			fprintf(stderr, "ran %s\n", what);
	}
}

/* How many flush epochs have two writes or more (the reorder budget is shared among them). */
static long reorderable_epochs(const struct crash *c)
{
	long n = 0, writes = 0;
	for (size_t i = 0; i <= c->log.n; i++) {
		if (i == c->log.n || (c->log.entries[i].flags & WLOG_FLUSH)) {
			n += writes >= 2;
			writes = 0;
		} else {
			writes += is_write(&c->log.entries[i]);
		}
	}
	return n;
}

static void all_states(struct crash *c)
{
	long trials = c->reorders / (reorderable_epochs(c) ? reorderable_epochs(c) : 1) + 1;
	memcpy(c->prefix, c->base, c->image_bytes);
	shim_disk_load(c->base);
	int durable = 0, issued = 0;
	long epoch = 0;
	c->prefixes++;
	c->counting = &c->prefixes;
	free(check_state(c, "the original image", 0, 0, NULL, NULL));
	for (size_t i = 0; i < c->log.n; i++) {
		const struct wlog_entry *e = &c->log.entries[i];
		if (i == 0 || (c->log.entries[i - 1].flags & WLOG_FLUSH))
			reorder_epoch(c, i, epoch, trials, durable);
		if (e->flags & WLOG_FLUSH) {
			durable = issued;
			epoch++;
			c->epochs++;
		}
		if (!is_write(e))
			continue;
		int checking = c->only_epoch < 0; /* --only: one reorder state, no other */
		char what[160];
		uint64_t sectors = e->bytes / c->log.sector_size;
		if (checking && sectors > 1) {
			uint64_t half = sectors / 2 * c->log.sector_size;
			put_entry(e, half);
			int commit = entry_commit(c, e, half);
			snprintf(what, sizeof(what),
				 "torn: entry %zu cut after %lu of its %lu bytes", i,
				 (unsigned long)half, (unsigned long)e->bytes);
			c->torn++;
			c->counting = &c->torn;
			free(check_state(c, what, durable, commit > issued ? commit : issued, NULL,
					 NULL));
			shim_disk_revert(c->prefix);
		}
		put_entry(e, e->bytes);
		memcpy(c->prefix + e->offset, shim_disk + e->offset, e->bytes);
		if (c->commit_of[i] > issued)
			issued = c->commit_of[i];
		if (e->flags & WLOG_FUA && c->commit_of[i] > durable)
			durable = c->commit_of[i];
		if (!checking)
			continue;
		snprintf(what, sizeof(what),
			 "prefix: the first %zu entries (durable %d, issued %d)", i + 1, durable,
			 issued);
		c->prefixes++;
		c->counting = &c->prefixes;
		const struct shim_disk_event *rec;
		size_t nrec;
		char *state = check_state(c, what, durable, issued, &rec, &nrec);
		size_t rec_writes = 0;
		for (size_t k = 0; k < nrec; k++)
			rec_writes += !rec[k].is_flush;
		if (state && rec_writes > 1) { /* it replayed: blocks home, then the header */
			c->replaying++;
			crash_recovery(c, what, rec, nrec, state);
		}
		free(state);
		shim_disk_revert(c->prefix);
	}
}

static void prepare(const char *path)
{
	size_t len;
	uint8_t *image = read_file(path, &len);
	load_image(image, len, path);
	if (shim_mount() != 0)
		die("%s does not mount: %s", path, shim_log());
	if (shim_syscall(sys_mknod, shim_ustr(U_PATH0, "console"), CONSOLE, 0) != 0)
		die("%s: cannot make /console (is it there already?)", path);
	shim_unmount();
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(shim_disk, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", path);
	free(image);
	printf("crashtest: %s has /console, as init would make it\n", path);
}

static void usage(void)
{
	die("usage: crashtest --prepare IMAGE\n"
	    "       crashtest [--big N] [--seed S] [--reorders N] [--only EPOCH.TRIAL] IMAGE LOG");
}

int main(int argc, char **argv)
{
	static struct crash c = {
		.big = CRASH_BIG_WRITES, .seed = 1, .reorders = 1500, .only_epoch = -1
	};
	const char *paths[2];
	int npaths = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--prepare") == 0 && i + 1 < argc && argc == 3) {
			prepare(argv[i + 1]);
			return 0;
		} else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc) {
			c.big = atoi(argv[++i]);
			if (c.big < 1 || c.big > CRASH_BIG_MAX)
				usage();
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			c.seed = strtoull(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--reorders") == 0 && i + 1 < argc) {
			c.reorders = strtol(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%ld.%ld", &c.only_epoch, &c.only_trial) != 2)
				usage();
		} else if (argv[i][0] != '-' && npaths < 2) {
			paths[npaths++] = argv[i];
		} else {
			usage();
		}
	}
	if (npaths != 2)
		usage();
	clock_t start = clock();
	size_t log_len;
	c.base = read_file(paths[0], &c.image_bytes);
	uint8_t *log_bytes = read_file(paths[1], &log_len);
	c.sb = load_image(c.base, c.image_bytes, paths[0]);
	c.header_off = (uint64_t)c.sb.logstart * BS;
	c.seq0 = ((const struct fs_log_header *)(c.base + c.header_off))->seq;
	char why[200];
	if (wlog_parse(log_bytes, log_len, &c.log, why, sizeof(why)) < 0)
		die("%s: %s", paths[1], why);
	c.commit_of = calloc(c.log.n + 1, sizeof(int));
	long writes = 0, flushes = 0;
	for (size_t i = 0; i < c.log.n; i++) {
		const struct wlog_entry *e = &c.log.entries[i];
		if (e->offset > c.image_bytes || e->bytes > c.image_bytes - e->offset)
			die("%s: entry %zu writes %lu bytes at byte %lu, past the %zu-byte disk",
			    paths[1], i, (unsigned long)e->bytes, (unsigned long)e->offset,
			    c.image_bytes);
		c.commit_of[i] = entry_commit(&c, e, e->bytes);
		writes += is_write(e);
		flushes += (e->flags & WLOG_FLUSH) != 0;
	}
	reference_run(&c);
	printf("crash-test: %d calls, %d commits; the recording: %ld writes, %ld flushes "
	       "(sectors of %u bytes), the same as the host run's; seed %lu\n",
	       c.calls, c.commits, writes, flushes, c.log.sector_size, (unsigned long)c.seed);
	c.prefix = malloc(c.image_bytes);
	all_states(&c);
	printf("crash-test: %ld prefixes, %ld torn writes, %ld reorders (%ld of %ld flush epochs), "
	       "%ld crashes during recovery (of %ld replaying images); %.1f s\n",
	       c.prefixes, c.torn, c.reordered, c.reorder_epochs, c.epochs + 1, c.recovery,
	       c.replaying, (double)(clock() - start) / CLOCKS_PER_SEC);
	if (c.wrong)
		printf("crash-test: wrong: %ld prefixes, %ld torn, %ld reorders, %ld recoveries\n",
		       c.wrong_kind[0], c.wrong_kind[1], c.wrong_kind[2], c.wrong_kind[3]);
	printf("crash-test: %ld crash states checked, %ld wrong\n", c.states, c.wrong);
	return c.wrong ? 1 : 0;
}
