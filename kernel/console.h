/*
 * kernel/console.h - kernel printing, and the console device (major CONSOLE).
 *
 * Output goes to the SBI console until the UART driver takes over, so the
 * very first boot messages print before any device is found. Either way a
 * line goes out whole, under the console lock shared with the guard (the
 * rules are in sbi/console_lock.h); user programs' writes too.
 *
 * Input is edited a line at a time before anyone reads it: backspace or DEL
 * erases a character, Ctrl-U the line, Ctrl-D ends the input (a read then
 * returns what was typed; at the start of a line, 0: end of file), Ctrl-C
 * kills the foreground process group (set with fgset) and Ctrl-P lists the
 * processes.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stdint.h>

/*
 * printf to the console. Text is sent a whole line at a time, when its '\n'
 * comes, so lines from different harts and from the guard never interleave;
 * text after the last '\n' waits in this hart's buffer for the rest of its line.
 */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list args);

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

/*
 * The console device's read (devsw[CONSOLE]): up to n bytes of typed input
 * into dst (a user address when user_dst, else a kernel one). Sleeps until
 * a line is ready, then returns at most one line (its '\n' included): the
 * byte count, 0 at end of file (Ctrl-D at the start of a line), or -1 when
 * the reader was killed or dst is bad. Without a process (boot) it waits in
 * wfi.
 */
int console_read(int user_dst, uint64_t dst, int n);
/*
 * The console device's write: n bytes from src (user or kernel address),
 * out a whole line at a time. The bytes written, or -1 if none could be
 * read from src.
 */
int console_write(int user_src, uint64_t src, int n);
/* fgset(pgid): Ctrl-C now kills process group pgid (0: nobody). 0, or -1 for pgid < 0. */
long sys_fgset(void);

#endif
