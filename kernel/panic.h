/*
 * kernel/panic.h - stopping the kernel with a message that says what, where
 * and which value, plus a backtrace.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

/* Set once any hart panics; other harts halt when they see it. */
extern volatile int panicked;

/*
 * Prints "panic: hart N: <message>" and a frame-pointer backtrace, stops the
 * other kernel harts and halts this one.
 */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Halts this hart for good: interrupts off, wfi forever. */
void halt(void) __attribute__((noreturn));

/* Prints the return addresses of the call chain starting at frame pointer fp. */
void backtrace(uint64_t fp);

#endif
