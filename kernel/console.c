/*
 * kernel/console.c - kernel printf, a whole line at a time, and a line-echoing console.
 *
 * Each hart collects what it prints in its own line buffer and sends a
 * line out in one piece, under the cross-domain console lock shared with
 * the guard (sbi/console_lock.h), when it ends with '\n'. So neither another
 * hart nor the guard can land in the middle of a line, even one built by
 * several kprintf calls (panic prints its prefix and its message apart).
 *
 * Until processes and a shell exist, typed characters are echoed and each
 * finished line is reported, which proves the receive path end to end:
 * UART -> interrupt controller -> trap -> uart_handle_irq -> here.
 */
#include "console.h"

#include "../lib/fmt.h"
#include "../sbi/console_lock.h"
#include "hart.h"
#include "sbi.h"
#include "uart.h"

/* Longer lines go out in pieces of this size (and may then be split). */
#define LINE_BYTES 256

static struct line {
	char text[LINE_BYTES];
	unsigned len;
} lines[MAGMA_MAX_HARTS];

static int via_uart;

static struct {
	char buf[128];
	unsigned len;
} input;

static void put_raw(char c)
{
	if (via_uart)
		uart_putc(c);
	else
		sbi_console_putchar(c);
}

/* Sends the buffered text out under the console lock. Interrupts are off. */
static void emit(struct line *l)
{
	uint32_t owner = CONSOLE_LOCK_KERNEL(this_hartid());
	console_lock_wait(owner); /* the guard holds it for one short line, never longer */
	for (unsigned i = 0; i < l->len; i++) {
		if (l->text[i] == '\n')
			put_raw('\r');
		put_raw(l->text[i]);
	}
	console_lock_give(owner);
	l->len = 0;
}

static void append(void *ctx, char c)
{
	struct line *l = ctx;
	l->text[l->len++] = c;
	if (c == '\n' || l->len == LINE_BYTES)
		emit(l);
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

void console_flush(void)
{
	int was_on = intr_enabled();
	intr_off();
	struct line *l = &lines[this_hartid()];
	if (l->len)
		emit(l);
	if (was_on)
		intr_on();
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

void console_receive(char c)
{
	if (c == '\r' || c == '\n') {
		input.buf[input.len] = '\0';
		kprintf("\nmagma: console: \"%s\" (%u chars by uart interrupt on hart %lu)\n",
			input.buf, input.len, this_hartid());
		input.len = 0;
		return;
	}
	if (c == 0x7f || c == '\b') {
		if (input.len) {
			input.len--;
			kprintf("\b \b");
		}
	} else if (input.len + 1 < sizeof(input.buf)) {
		input.buf[input.len++] = c;
		kprintf("%c", c);
	}
	console_flush(); /* an echo cannot wait for the end of its line */
}
