/*
 * kernel/riscv.h - supervisor CSRs and instructions the kernel uses.
 *
 * Names and bit positions follow the RISC-V privileged specification
 * (v1.12, chapter 4 "Supervisor-Level ISA"); the AIA CSRs follow the
 * Advanced Interrupt Architecture specification (v1.0, chapters 2-3).
 */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

#include <stdint.h>

#define CSR_STR_(x) #x
#define CSR_STR(x)  CSR_STR_(x)

#define csr_read(csr)                                              \
	({                                                         \
		uint64_t v_;                                       \
		asm volatile("csrr %0, " CSR_STR(csr) : "=r"(v_)); \
		v_;                                                \
	})
#define csr_write(csr, v) \
	asm volatile("csrw " CSR_STR(csr) ", %0" : : "rK"((uint64_t)(v)) : "memory")
#define csr_set(csr, bits) \
	asm volatile("csrs " CSR_STR(csr) ", %0" : : "rK"((uint64_t)(bits)) : "memory")
#define csr_clear(csr, bits) \
	asm volatile("csrc " CSR_STR(csr) ", %0" : : "rK"((uint64_t)(bits)) : "memory")
/* Atomically swap a CSR (csrrw); used to claim from stopei. */
#define csr_swap(csr, v)                                      \
	({                                                    \
		uint64_t v_;                                  \
		asm volatile("csrrw %0, " CSR_STR(csr) ", %1" \
			     : "=r"(v_)                       \
			     : "rK"((uint64_t)(v))            \
			     : "memory");                     \
		v_;                                           \
	})

/* sstatus */
#define SSTATUS_SIE  (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP  (1ul << 8)
#define SSTATUS_SUM  (1ul << 18)

/* sie / sip bits: software, timer, external */
#define SIE_SSIE (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)

/* scause */
#define SCAUSE_INTERRUPT    (1ul << 63)
#define IRQ_S_SOFT          1
#define IRQ_S_TIMER         5
#define IRQ_S_EXT           9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS     1
#define EXC_ILLEGAL_INST    2
#define EXC_BREAKPOINT      3
#define EXC_LOAD_ACCESS     5
#define EXC_STORE_ACCESS    7
#define EXC_ECALL_U         8
#define EXC_INST_PAGE       12
#define EXC_LOAD_PAGE       13
#define EXC_STORE_PAGE      15

/* AIA indirect CSR access (siselect/sireg) and the IMSIC top-interrupt CSR. */
#define CSR_SISELECT      0x150
#define CSR_SIREG         0x151
#define CSR_STOPEI        0x15c
#define IMSIC_EIDELIVERY  0x70
#define IMSIC_EITHRESHOLD 0x72
#define IMSIC_EIE0        0xc0

/* Sstc: the supervisor timer compare register. */
#define CSR_STIMECMP 0x14d

/* satp (section 4.1.11): MODE in bits 63:60, the root table's page number below. */
#define SATP_MODE_MASK     (0xful << 60)
#define SATP_MODE_SV39     (8ul << 60)
#define SATP_SV39(root_pa) (SATP_MODE_SV39 | ((uint64_t)(root_pa) >> 12))

static inline uint64_t read_tp(void)
{
	uint64_t v;
	asm volatile("mv %0, tp" : "=r"(v));
	return v;
}

static inline uint64_t read_fp(void)
{
	uint64_t v;
	asm volatile("mv %0, s0" : "=r"(v));
	return v;
}

static inline void intr_on(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void intr_off(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline int intr_enabled(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

static inline void wfi(void)
{
	asm volatile("wfi");
}

static inline void fence(void)
{
	asm volatile("fence rw, rw" : : : "memory");
}

/*
 * sfence.vma (section 4.2.1): earlier page-table stores become visible to
 * this hart's later translations, and stale TLB entries go. The "memory"
 * clobber keeps the compiler from moving those stores past it. Other harts
 * are not affected: each flushes its own.
 */
static inline void sfence_vma_all(void)
{
	asm volatile("sfence.vma zero, zero" : : : "memory");
}

/* The same, for the translations of one virtual address only. */
static inline void sfence_vma_page(uint64_t va)
{
	asm volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

#endif
