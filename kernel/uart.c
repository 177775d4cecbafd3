/*
 * kernel/uart.c - 16550 UART driver: polled output, interrupt-driven input.
 *
 * Register offsets and bits are those of the NS16550A data sheet, as QEMU
 * virt's "ns16550a" models them (one byte per register, reg-shift 0).
 * The guard prints on the same UART; both sides only write THR when LSR
 * says it is empty, so the worst case is interleaved characters, never a
 * lost one. OpenSBI already set the line parameters, so we keep them.
 */
#include "uart.h"
#include "vm.h"

#include "console.h"
#include "hart.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_IER 1 /* interrupt enable */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LSR 5 /* line status */

#define IER_RX_AVAILABLE 0x01
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define LSR_DATA_READY   0x01
#define LSR_THR_EMPTY    0x20

static volatile uint8_t *uart;

static uint8_t reg_read(int reg)
{
	return uart[reg];
}

static void reg_write(int reg, uint8_t value)
{
	uart[reg] = value;
}

void uart_init(uintptr_t base)
{
	uart = (volatile uint8_t *)mmio_va(base);
	reg_write(UART_FCR, FCR_ENABLE_CLEAR);
	reg_write(UART_IER, IER_RX_AVAILABLE);
}

void uart_putc(char c)
{
	while (!(reg_read(UART_LSR) & LSR_THR_EMPTY))
		;
	reg_write(UART_THR, (uint8_t)c);
}

void uart_handle_irq(void)
{
	this_hart()->uart_irqs++;
	while (reg_read(UART_LSR) & LSR_DATA_READY)
		console_receive((char)reg_read(UART_RBR));
}
