/*
 * kernel/sbi.h - the kernel's calls into OpenSBI (SBI specification v1.0 / v2.0).
 *
 * Each call is an ecall with the extension id in a7 and the function id in
 * a6; the firmware answers an error code in a0 and a value in a1.
 */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stdint.h>

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
/* Added by SBI v2.0 and v3.0: a newer firmware may answer them. */
#define SBI_ERR_ALREADY_STARTED -7
#define SBI_ERR_ALREADY_STOPPED -8
#define SBI_ERR_NO_SHMEM        -9
#define SBI_ERR_INVALID_STATE   -10
#define SBI_ERR_BAD_RANGE       -11
#define SBI_ERR_TIMEOUT         -12
#define SBI_ERR_IO              -13
#define SBI_ERR_DENIED_LOCKED   -14

/* HSM hart states (SBI spec, chapter 9). */
#define SBI_HSM_STARTED       0
#define SBI_HSM_STOPPED       1
#define SBI_HSM_START_PENDING 2
#define SBI_HSM_STOP_PENDING  3
#define SBI_HSM_SUSPENDED     4

struct sbiret {
	long error;
	long value;
};

/* A name for an SBI error code, "SBI_ERR_INVALID_PARAM" (sbi_error.c: host-tested). */
const char *sbi_strerror(long error);

/* Base extension: probes and fills what later calls need. Call once at boot. */
void sbi_init(void);
long sbi_spec_version(void);
long sbi_impl_id(void);
long sbi_impl_version(void);
const char *sbi_impl_name(long impl_id);
int sbi_has_extension(long eid);

/* Console: DBCN when the firmware has it, else the legacy putchar/getchar. */
void sbi_console_putchar(int c);
int sbi_console_getchar(void);

/* Timer: next timer interrupt at absolute time `when` (time CSR units). */
void sbi_set_timer(uint64_t when);

/* IPI to the harts in hart_mask (bit i = hart hart_mask_base + i). */
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

/* HSM: start a hart at start_pa with a1 = opaque; query a hart's state. */
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque);
struct sbiret sbi_hart_get_status(unsigned long hartid);

/* System reset: power off. Returns only if the firmware refused. */
struct sbiret sbi_shutdown(void);

#endif
