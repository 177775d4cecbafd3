/*
 * kernel/console.h - kernel printing and the console's input line.
 *
 * Output goes to the SBI console until the UART driver takes over, so the
 * very first boot messages print before any device is found. Either way a
 * line goes out whole, under the console lock shared with the guard (the
 * rules are in sbi/console_lock.h).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>

/*
 * printf to the console. Text is sent a whole line at a time, when its '\n'
 * comes, so lines from different harts and from the guard never interleave;
 * text after the last '\n' waits in this hart's buffer for the rest of its line.
 */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list args);
/* Sends this hart's unfinished line as it is (for echoing typed keys). */
void console_flush(void);

/* From now on write through the UART driver instead of SBI. */
void console_use_uart(void);

/*
 * For panic, on every panicking hart before anything else: this hart may
 * have faulted halfway through a line, so it gives up the console lock and
 * the rest of that line (it prints its report afresh, or halts at once).
 */
void console_panic_mode(void);

/* One received byte, from the UART interrupt handler. */
void console_receive(char c);

#endif
