/*
 * kernel/console.h - kernel printing and the console's input line.
 *
 * Output goes to the SBI console until the UART driver takes over, so the
 * very first boot messages print before any device is found.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>

/* printf to the console; whole lines from different harts never interleave. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list args);

/* From now on write through the UART driver instead of SBI. */
void console_use_uart(void);

/* For panic: stop taking the console lock (the panicking hart may hold it). */
void console_panic_mode(void);

/* One received byte, from the UART interrupt handler. */
void console_receive(char c);

#endif
