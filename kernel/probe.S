# kernel/probe.S - probes: single instructions that may fault on purpose.
#
# PROBE(insn) emits the instruction and records (its address, fixup) in
# __extable. On a trap at that address the handler sets a0 = scause and
# resumes at the fixup, which simply returns to the caller.

#define PROBE(insn...)            \
1:	insn;                     \
	.pushsection __extable, "a"; \
	.balign 8;                \
	.dword 1b, probe_return;  \
	.popsection

	.section .text
	.globl probe_load_u8
probe_load_u8:
	PROBE(lb t0, 0(a0))
	li a0, 0
	ret

	.globl probe_store_u8
probe_store_u8:
	PROBE(sb a1, 0(a0))
	li a0, 0
	ret

	.globl probe_read_stimecmp
probe_read_stimecmp:
	PROBE(csrr t0, 0x14d)
	li a0, 0
	ret

probe_return:
	ret
