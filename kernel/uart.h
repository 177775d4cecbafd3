/*
 * kernel/uart.h - the 16550 UART the console uses (found from the device tree).
 */
#ifndef KERNEL_UART_H
#define KERNEL_UART_H

#include <stdint.h>

/* Takes over the UART at base (mapped) and enables its receive interrupt. */
void uart_init(uintptr_t base);
/* Writes one byte, waiting for room in the transmit holding register. */
void uart_putc(char c);
/* Interrupt handler: drains the receive FIFO into the console. */
void uart_handle_irq(void);

#endif
