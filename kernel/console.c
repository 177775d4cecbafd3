/*
 * kernel/console.c - the console: kernel printf a whole line at a time, the
 * console device's read and write, and the line discipline on UART input.
 *
 * Output. Each hart collects what kprintf prints in its own line buffer and
 * sends a line out in one piece, under the cross-domain console lock shared
 * with the guard (sbi/console_lock.h), when it ends with '\n'. So neither
 * another hart nor the guard can land in the middle of a line, even one
 * built by several kprintf calls. A user program's write() goes out the same
 * way, a line per hold of the lock, from a buffer of its own call (its text
 * never mixes with a kernel line a hart has half built); what is left after
 * its last '\n' (a prompt) goes out at the end of the call.
 *
 * Input. console_receive() gets each byte from the UART interrupt and edits
 * the line being typed: echo, backspace/DEL, Ctrl-U (erase the line),
 * Ctrl-D (end of input), Ctrl-C (kill the foreground process group), Ctrl-P
 * (list the processes). A line becomes readable when it ends: with '\n',
 * Ctrl-D, or a full buffer. Readers sleep until then; with no process (a
 * boot-time test) they wait in wfi.
 */
#include "console.h"

#include "../lib/fmt.h"
#include "../sbi/console_lock.h"
#include "hart.h"
#include "proc.h"
#include "sbi.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"
#include "uart.h"

/* Longer lines go out in pieces of this size (and may then be split). */
#define LINE_BYTES 256

#define CTRL(c) ((c) - '@')
#define DEL     0x7f

static struct line {
	char text[LINE_BYTES];
	unsigned len;
} lines[MAGMA_MAX_HARTS];

static int via_uart;

/*
 * Typed input, a ring of INPUT_BYTES. [r, w) is ready for readers, [w, e)
 * the line being edited; the indices only grow (mod 2^32, a power of two
 * apart from INPUT_BYTES, so the differences stay right). A page of it, not
 * xv6's 128 bytes: lines pasted while a command runs wait for the next
 * reader whole. Past a page of type-ahead a key is still dropped: holding
 * the UART back instead would hold back Ctrl-C behind it.
 */
#define INPUT_BYTES 4096
static struct {
	struct spinlock lock;
	char buf[INPUT_BYTES];
	uint32_t r, w, e;
	int foreground_pgid; /* Ctrl-C kills this group; 0: none */
} input = { .lock = SPINLOCK_INIT("console input") };

static void put_raw(char c)
{
	if (via_uart)
		uart_putc(c);
	else
		sbi_console_putchar(c);
}

/* Sends text out in one hold of the console lock. Interrupts must be off. */
static void emit(const char *text, unsigned len)
{
	uint32_t owner = CONSOLE_LOCK_KERNEL(this_hartid());
	console_lock_wait(owner); /* the guard holds it for one short line, never longer */
	for (unsigned i = 0; i < len; i++) {
		if (text[i] == '\n')
			put_raw('\r');
		put_raw(text[i]);
	}
	console_lock_give(owner);
}

/* emit() from any context: interrupts off around it, so no handler on this hart can wait on our hold. */
static void emit_now(const char *text, unsigned len)
{
	int was_on = intr_enabled();
	intr_off();
	emit(text, len);
	if (was_on)
		intr_on();
}

static void append(void *ctx, char c)
{
	struct line *l = ctx;
	l->text[l->len++] = c;
	if (c == '\n' || l->len == LINE_BYTES) {
		emit(l->text, l->len);
		l->len = 0;
	}
}

/*
 * Interrupts stay off while this hart's buffer is in use, so an interrupt
 * handler that prints cannot tear it, nor spin on a lock this hart holds.
 * (Plain on/off, not push_intr_off: panic prints through here too and must
 * not depend on a nesting count that may be what it is reporting.)
 */
void kvprintf(const char *fmt, va_list args)
{
	int was_on = intr_enabled();
	intr_off();
	fmt_format(append, &lines[this_hartid()], fmt, args);
	if (was_on)
		intr_on();
}

void kprintf(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	kvprintf(fmt, args);
	va_end(args);
}

void console_use_uart(void)
{
	via_uart = 1;
}

void console_panic_mode(void)
{
	/* This hart may have faulted in the middle of emit(): give up its hold and its line. */
	console_lock_give(CONSOLE_LOCK_KERNEL(this_hartid()));
	lines[this_hartid()].len = 0;
}

/* --- the console device --- */

int console_write(int user_src, uint64_t src, int n)
{
	if (n < 0)
		return -1;
	char line[LINE_BYTES];
	unsigned len = 0;
	int done = 0;
	while (done < n) {
		/* Copy with interrupts on (the copy may fault a page in); print with them off. */
		char chunk[64];
		int m = n - done < (int)sizeof(chunk) ? n - done : (int)sizeof(chunk);
		if (either_copyin(chunk, user_src, src + (uint64_t)done, (uint64_t)m) < 0)
			break;
		for (int i = 0; i < m; i++) {
			line[len++] = chunk[i];
			if (chunk[i] == '\n' || len == LINE_BYTES) {
				emit_now(line, len);
				len = 0;
			}
		}
		done += m;
	}
	if (len)
		emit_now(line, len);
	return done == 0 && n > 0 ? -1 : done;
}

/*
 * Waits, input lock held, until a line is ready. 0, or -1 when the reader
 * is killed. At boot (no process) a hart waits for the next interrupt.
 */
static int wait_for_input(void)
{
	while (input.r == input.w) {
		struct proc *p = myproc();
		if (p && proc_killed(p))
			return -1;
		if (p) {
			sleep(&input.r, &input.lock);
		} else {
			spin_unlock(&input.lock);
			intr_on(); /* the UART's interrupt must come in while we wait */
			wfi();
			spin_lock(&input.lock);
		}
	}
	return 0;
}

int console_read(int user_dst, uint64_t dst, int n)
{
	if (n < 0)
		return -1;
	int done = 0;
	while (done < n) {
		char chunk[64];
		int m = 0, line_ended = 0;
		spin_lock(&input.lock);
		if (done == 0 && wait_for_input() < 0) {
			spin_unlock(&input.lock);
			return -1;
		}
		while (m < n - done && m < (int)sizeof(chunk) && input.r != input.w) {
			char c = input.buf[input.r++ % INPUT_BYTES];
			if (c == CTRL('D')) { /* ends the read; alone, it is the end of the file */
				line_ended = 1;
				break;
			}
			chunk[m++] = c;
			if (c == '\n') {
				line_ended = 1;
				break;
			}
		}
		spin_unlock(&input.lock);
		if (m && either_copyout(user_dst, dst + (uint64_t)done, chunk, (uint64_t)m) < 0)
			return done ? done : -1;
		done += m;
		if (line_ended || m == 0)
			break;
	}
	return done;
}

long sys_fgset(void)
{
	int pgid = arg_int(0);
	if (pgid < 0)
		return -1;
	spin_lock(&input.lock);
	input.foreground_pgid = pgid;
	spin_unlock(&input.lock);
	return 0;
}

/* --- the line discipline --- */

/* Erases the last character of the line being edited, on screen too. Lock held. */
static int erase_one(void)
{
	if (input.e == input.w)
		return 0;
	input.e--;
	emit("\b \b", 3);
	return 1;
}

/* The line so far becomes readable. Lock held. */
static void commit(void)
{
	input.w = input.e;
	wakeup(&input.r);
}

void console_receive(char c)
{
	spin_lock(&input.lock);
	switch (c) {
	case CTRL('C'): {
		input.e = input.w; /* the half-typed line goes with the program */
		int pgid = input.foreground_pgid;
		emit("^C\n", 3);
		spin_unlock(&input.lock);
		if (pgid)
			proc_kill_group(pgid);
		return;
	}
	case CTRL('P'):
		spin_unlock(&input.lock);
		proc_dump();
		return;
	case CTRL('U'):
		while (erase_one())
			;
		break;
	case DEL:
	case '\b': erase_one(); break;
	default:
		if (c == 0 || input.e - input.r == INPUT_BYTES)
			break; /* a NUL, or no room: the key is dropped */
		if (c == '\r')
			c = '\n';
		input.buf[input.e++ % INPUT_BYTES] = c;
		if (c != CTRL('D'))
			emit(&c, 1);
		if (c == '\n' || c == CTRL('D') || input.e - input.r == INPUT_BYTES)
			commit();
	}
	spin_unlock(&input.lock);
}
