/*
 * kernel/console.c - kernel printf and a line-echoing console.
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
#include "spinlock.h"
#include "uart.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");
static volatile int locking = 1;

/* How long to wait for the guard to finish its line: 10 ms at 10 MHz. */
#define GUARD_LINE_WAIT_TICKS 100000
static int via_uart;

static struct {
	char buf[128];
	unsigned len;
} line;

static void put_raw(char c)
{
	if (via_uart)
		uart_putc(c);
	else
		sbi_console_putchar(c);
}

static void sink(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

void kvprintf(const char *fmt, va_list args)
{
	int lock = locking;
	if (lock)
		spin_lock(&console_lock);
	/* The guard prints on the same UART (SBI console output ends up there too). */
	int shared = lock ? console_lock_take(CONSOLE_LOCK_KERNEL, GUARD_LINE_WAIT_TICKS) : 0;
	fmt_format(sink, 0, fmt, args);
	console_lock_give(shared);
	if (lock)
		spin_unlock(&console_lock);
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
	locking = 0;
}

void console_receive(char c)
{
	if (c == '\r' || c == '\n') {
		line.buf[line.len] = '\0';
		kprintf("\nmagma: console: \"%s\" (%u chars by uart interrupt on hart %lu)\n",
			line.buf, line.len, this_hartid());
		line.len = 0;
	} else if (c == 0x7f || c == '\b') {
		if (line.len) {
			line.len--;
			kprintf("\b \b");
		}
	} else if (line.len + 1 < sizeof(line.buf)) {
		line.buf[line.len++] = c;
		kprintf("%c", c);
	}
}
