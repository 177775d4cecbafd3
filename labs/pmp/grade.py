#!/usr/bin/env python3
"""labs/pmp/grade.py - the pmp lab's grader: the boot-time lock proof and access faults.

Every verdict comes from what the grader sees on the console and does itself:
the proof's lines for this board, a boot on a deliberately weak tree that must
stop, a kernel store through a writable alias that must panic naming PMP, and
two processes whose page tables the grader changes through gdb (QEMU's gdb
stub, physical addresses) so that only PMP stands between them and guard
memory: each must be killed with a line naming its address, and the shell
must answer after it.
"""

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check, leak_problems, parse_memstat  # noqa: E402
from harness import (Qemu, elf_symbol, free_port, gdb_physical, qemu_command,  # noqa: E402
                     run_at_prompt, scaled)

REFERENCE_BOOT_SECONDS = 1.0
TIMEOUT = 30  # seconds for a line to appear, before the calibrated scale
BOOTED = r"magma: boot complete"
PROMPT = r"\$ "
GUARD_PRIVATE = (0x80080000, 0x800fffff)
ROOT = (0x80100000, 0x8010ffff)
USER_ROOT_VA = 0x7fff0000  # include/user_layout.h
USER_TOP = 0x80000000
PTE_V, PTE_R, PTE_W, PTE_U, PTE_A, PTE_D = 1, 2, 4, 16, 64, 128

# What the proof must say for each range of the default board (4 harts, 128M).
PROOF_LINES = [
    "guard private 0x80080000-0x800fffff (no kernel access): loads from its first and last "
    "byte fault (scause 5)",
    "root range 0x80100000-0x8010ffff (read-only to the kernel): loads from its first and last "
    "byte work, stores fault (scause 7)",
    "OpenSBI firmware 0x80000000-0x8007ffff (M-mode only): loads from its first and last byte "
    "fault (scause 5)",
    "fw_cfg 0x10100000-0x10100017 (no kernel access: its DMA writes anywhere): loads from its "
    "first and last byte fault (scause 5)",
]

grader = Grader("pmp", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0))
shell = grader.boot("boots to the shell", points=1)


@grader.test("the lock proof's boot lines", points=2, parent=shell)
def proof_lines(s):
    out = s.q.output
    for line in PROOF_LINES:
        check(f"magma: lock check: {line}\n" in out, f"no proof line 'magma: lock check: {line}'")
    check(re.search(r"magma: lock check: 4 ranges, first and last byte of each: PMP lock OK\n",
                    out), "no summary line 'magma: lock check: 4 ranges, ...: PMP lock OK'")
    proof = out.index("PMP lock OK")
    check(proof < out.index("magma: paging on"), "the proof must run before paging is on")


@grader.test("a tree with a weak lock is refused", points=2)
def weak_lock_refused():
    with Qemu(qemu_command(extra_make_vars={"WEAK_LOCK": "1"})) as q:
        which, _ = q.expect_any([r"magma: refusing to continue without the PMP lock", BOOTED],
                                TIMEOUT)
        check(which == 0, "the kernel booted on a tree that lets it write the root range")
        for end, pa in (("first", "0x80100000"), ("last", "0x8010ffff")):
            check(re.search(rf"magma: lock check FAILED: root range 0x80100000-0x8010ffff: "
                            rf"store to its {end} byte {pa} went through \(want scause 7\)",
                            q.output), f"no line saying the store to the root's {end} byte "
                                       f"({pa}) went through")
        check(re.search(r"magma: lock check FAILED for 1 of 4 ranges", q.output),
              "no line 'lock check FAILED for 1 of 4 ranges'")
        time.sleep(scaled(0.5))
        check(BOOTED not in q.output and "paging on" not in q.output,
              "the kernel went on booting after refusing")


@grader.test("a kernel store to the root panics naming PMP", points=2)
def kernel_store_panics():
    with Qemu(qemu_command(bootargs="test=pmp_store")) as q:
        q.expect(r"test pmp_store: storing to root", TIMEOUT)
        m = q.expect(r"panic: hart \d+: (.*)\n", TIMEOUT)
        check(re.match(r"PMP: store access fault at 0x2000000000 \(pa 0x80100000\) in the root "
                       r"range 0x80100000-0x8010ffff \(read-only to the kernel\), pc 0x[0-9a-f]+",
                       m.group(1)),
              f"the panic does not name PMP, the address, pa and range: {m.group(1)}")


# ---------------------------------------------------------------- processes and gdb


def kernel_symbol(name):
    """The address of a kernel symbol (the kernel's virtual and physical addresses agree)."""
    return elf_symbol("build/kernel/kernel.elf", name)


def process_satp(port):
    """satp of the hart running the spinning process: not 0 (the guard) nor the kernel's own."""
    root_var = kernel_symbol("kernel_root")
    for _ in range(20):
        out = gdb_physical(port, [f"p/x *(unsigned long long *){root_var:#x}",
                                  "thread apply all p/x $satp"])
        values = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", out, re.M)]
        check(len(values) >= 2, f"gdb printed no satp values:\n{out}")
        kernel_satp = (8 << 60) | (values[0] >> 12)
        user = [v for v in values[1:] if v and v != kernel_satp]
        if user:
            return user[0]
        time.sleep(0.05)  # the process was between time slices; look again
    check(False, "no hart runs the spinning process (every satp is the kernel's or 0)")


def pte_walk_commands(satp, va, var):
    """gdb commands leaving in $<var> the physical address of va's level-0 PTE."""
    ppn = "& 0xfffffffffff) << 12"
    return [f"set $t2 = ({satp:#x} {ppn}",
            f"set $e2 = *(unsigned long long *)($t2 + 8 * {(va >> 30) & 0x1ff})",
            f"set $t1 = (($e2 >> 10) {ppn}",
            f"set $e1 = *(unsigned long long *)($t1 + 8 * {(va >> 21) & 0x1ff})",
            f"set $t0 = (($e1 >> 10) {ppn}",
            f"set ${var} = $t0 + 8 * {(va >> 12) & 0x1ff}",
            f"p/x *(unsigned long long *)${var}"]


def touch_guard_memory(mode, new_pte):
    """Boot, run `pmptouch MODE`, rewrite the PTE of the page it will touch, release it.

    new_pte: a gdb expression over $old (the PTE as the kernel left it).
    Returns (the console after the kill, the process's line), with the leak checked.
    """
    port = free_port()
    with Qemu(qemu_command() + ["-gdb", f"tcp:127.0.0.1:{port}"]) as q:
        q.expect(PROMPT, TIMEOUT)
        before = parse_memstat(run_at_prompt(q, "memstat", TIMEOUT))
        q.send(f"pmptouch {mode}\n")
        q.expect(r"pmptouch: pid \d+ spins until pmptouch_go is set", TIMEOUT)
        satp = process_satp(port)
        page = USER_ROOT_VA + (0x800 if mode == "store" else 0x1000)
        go = elf_symbol("build/user/pmptouch", "pmptouch_go")
        out = gdb_physical(port, pte_walk_commands(satp, page, "pte") + [
            "set $old = *(unsigned long long *)$pte",
            f"set *(unsigned long long *)$pte = {new_pte}",
            "p/x *(unsigned long long *)$pte"] + pte_walk_commands(satp, go, "gopte") + [
            f"set $go = ((*(unsigned long long *)$gopte >> 10) & 0xfffffffffff) * 4096 "
            f"+ {go & 0xfff}",
            "set *(int *)$go = 1"])
        ptes = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", out, re.M)]
        check(len(ptes) == 3 and ptes[0] & PTE_V and ptes[0] & PTE_U and ptes[2] & PTE_V,
              f"could not find the page's PTE in the process's page table:\n{out}")
        root_page = ROOT[0] + (page - USER_ROOT_VA) // 4096 * 4096
        check(ptes[0] & PTE_R and not ptes[0] & PTE_W and (ptes[0] >> 10) << 12 == root_page,
              f"{page:#x} is not mapped read-only to the root's page {root_page:#x} "
              f"(PTE {ptes[0]:#x}): the root mapping is lab pgtbl's")
        which, m = q.expect_any([r"magma: pid \d+ \(pmptouch\) killed: (.*)\n",
                                 r"pmptouch: the (store|load) .* went through.*\n",
                                 r"panic: (.*)\n"], TIMEOUT)
        check(which != 1, f"PMP let the process through: {m.group(0).strip()}")
        check(which == 0, f"the kernel panicked on a process's access fault: {m.group(1)}")
        q.expect(PROMPT, TIMEOUT)
        echo = run_at_prompt(q, "echo still alive", TIMEOUT)
        check(echo == "still alive\n", f"the shell did not answer after the kill: {echo!r}")
        problems = leak_problems(before, parse_memstat(run_at_prompt(q, "memstat", TIMEOUT)),
                                 grader.leak_rule)
        check(not problems, "leak check: " + "; ".join(problems))
        return m.group(1)


@grader.test("a process storing into the root range is killed", points=3)
def process_store_killed():
    line = touch_guard_memory("store", f"$old | {PTE_W | PTE_A | PTE_D}")
    va, pa = USER_ROOT_VA + 0x800, ROOT[0] + 0x800
    check(re.match(rf"store access fault at pc 0x[0-9a-f]+, address {va:#x}: ", line),
          f"the kill line does not say 'store access fault at pc ..., address {va:#x}: ': {line}")
    check(f"{pa:#x}" in line and "root range" in line,
          f"the kill line does not name pa {pa:#x} and the root range: {line}")


@grader.test("a process loading from guard private is killed", points=3)
def process_load_killed():
    line = touch_guard_memory("load", f"{(GUARD_PRIVATE[0] >> 12) << 10 | PTE_V | PTE_R | PTE_U | PTE_A}")
    va, pa = USER_ROOT_VA + 0x1000, GUARD_PRIVATE[0]
    check(re.match(rf"load access fault at pc 0x[0-9a-f]+, address {va:#x}: ", line),
          f"the kill line does not say 'load access fault at pc ..., address {va:#x}: ': {line}")
    check(f"{pa:#x}" in line and "guard private" in line,
          f"the kill line does not name pa {pa:#x} and guard private: {line}")


if __name__ == "__main__":
    sys.exit(grader.main())
