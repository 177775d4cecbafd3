/*
 * kernel/sbi.c - SBI calls: base, console, timer, IPI, HSM, system reset.
 *
 * Extension and function ids are from the SBI specification. Probing is
 * done once in sbi_init() so hot calls (timer, console) branch on a flag.
 */
#include "sbi.h"

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_BASE           0x10
#define SBI_EXT_TIME           0x54494d45
#define SBI_EXT_IPI            0x735049
#define SBI_EXT_HSM            0x48534d
#define SBI_EXT_SRST           0x53525354
#define SBI_EXT_DBCN           0x4442434e

static struct {
	long spec_version, impl_id, impl_version;
	int has_time, has_dbcn;
} sbi;

static struct sbiret sbi_call(long eid, long fid, unsigned long a0, unsigned long a1,
			      unsigned long a2)
{
	register unsigned long r0 asm("a0") = a0;
	register unsigned long r1 asm("a1") = a1;
	register unsigned long r2 asm("a2") = a2;
	register long r6 asm("a6") = fid;
	register long r7 asm("a7") = eid;
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ (long)r0, (long)r1 };
}

int sbi_has_extension(long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, (unsigned long)eid, 0, 0);
	return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_init(void)
{
	sbi.spec_version = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0).value;
	sbi.impl_id = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0).value;
	sbi.impl_version = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0).value;
	sbi.has_time = sbi_has_extension(SBI_EXT_TIME);
	sbi.has_dbcn = sbi_has_extension(SBI_EXT_DBCN);
}

long sbi_spec_version(void)
{
	return sbi.spec_version;
}
long sbi_impl_id(void)
{
	return sbi.impl_id;
}
long sbi_impl_version(void)
{
	return sbi.impl_version;
}

const char *sbi_impl_name(long impl_id)
{
	switch (impl_id) {
	case 0: return "Berkeley Boot Loader";
	case 1: return "OpenSBI";
	case 2: return "Xvisor";
	case 3: return "KVM";
	case 4: return "RustSBI";
	case 5: return "Diosix";
	default: return "unknown";
	}
}

void sbi_console_putchar(int c)
{
	if (sbi.has_dbcn) {
		/* DBCN write_byte (fid 2) takes the byte itself. */
		sbi_call(SBI_EXT_DBCN, 2, (unsigned char)c, 0, 0);
		return;
	}
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

int sbi_console_getchar(void)
{
	return (int)sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0).error;
}

void sbi_set_timer(uint64_t when)
{
	if (sbi.has_time)
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
	else
		sbi_call(0x00, 0, when, 0, 0); /* legacy set_timer */
}

struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0);
}

struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque);
}

struct sbiret sbi_hart_get_status(unsigned long hartid)
{
	return sbi_call(SBI_EXT_HSM, 2, hartid, 0, 0);
}

struct sbiret sbi_shutdown(void)
{
	/* SRST system_reset: type 0 = shutdown, reason 0 = none. */
	return sbi_call(SBI_EXT_SRST, 0, 0, 0, 0);
}
