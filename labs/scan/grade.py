#!/usr/bin/env python3
"""labs/scan/grade.py - the scan lab's grader: flipped bits, found and repaired.

Each test boots magma with a fast scan (guard.scan_us=20000) and QEMU's gdb
stub, and damages memory from outside, as a debugger, a device's DMA or a
cosmic ray would: bytes of the root range, a byte of the guard's shadow copy,
or the guard's stored CRC (gdb on physical addresses, the machine stopped for
the moment of the write). It then lets the guard scan a few times (it counts
the scans in the root, ROOT_SCAN_COUNT) and judges from what it reads itself:
the bytes back through gdb, the incident counter through rootstat, the
stored CRC against a CRC-32C it computes over the root. The guard's event
lines that the kernel prints are checked too, as the lab's incidents.
"""

import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check, leak_problems, parse_memstat  # noqa: E402
from harness import (Qemu, elf_symbol, free_port, gdb_physical, qemu_command,  # noqa: E402
                     run_at_prompt, scaled)

REFERENCE_BOOT_SECONDS = 1.0
TIMEOUT = 30
SCAN_US = 20000
ROOT = 0x80100000
ROOT_SIZE = 0x10000
SCAN_COUNT = 0x128  # include/root.h: u64
PROTECT_STATE = 0x005
KERNEL_NOTE = 0x1c0
SCANS_TO_WAIT = 3  # scans after a flip before the grader judges
# Root bytes nothing changes while the machine idles: the protected bits but the
# protect state, the kernel note, the vector clock, the board tables, the zeroed rest.
STATIC_OFFSETS = [o for o in range(0x000, 0x100) if o != PROTECT_STATE] + \
    list(range(0x1c0, ROOT_SIZE))

grader = Grader("scan", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0))


def crc32c(data):
    """CRC-32C (Castagnoli, reflected 0x82F63B78, all-ones in and out), as lib/crc32c.h."""
    table = crc32c.table
    crc = 0xffffffff
    for byte in data:
        crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


def _table():
    out = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        out.append(c)
    return out


crc32c.table = _table()


def guard_symbol(name):
    return elf_symbol("build/guard/guard.elf", name)


def read_ranges(port, ranges, extra=()):
    """The bytes of each (physical address, length), all in one stop of the machine."""
    files = [tempfile.NamedTemporaryFile(suffix=".bin") for _ in ranges]
    try:
        out = gdb_physical(port, [f"dump binary memory {f.name} {a:#x} {a + n:#x}"
                                  for f, (a, n) in zip(files, ranges)] + list(extra))
        data = [Path(f.name).read_bytes() for f in files]
    finally:
        for f in files:
            f.close()
    for (a, n), d in zip(ranges, data):
        check(len(d) == n, f"gdb could not read {n} bytes at {a:#x}:\n{out}")
    return data


def read_memory(port, address, length, extra=()):
    """length bytes at a physical address (one gdb session; extra commands run after)."""
    return read_ranges(port, [(address, length)], extra)[0]


def flip(port, flips):
    """XOR each (physical address, mask); returns the root as it was just before."""
    return read_memory(port, ROOT, ROOT_SIZE, [
        f"set {{unsigned char}}{a:#x} = {{unsigned char}}{a:#x} ^ {m:#x}" for a, m in flips])


def scans(port):
    return int.from_bytes(read_memory(port, ROOT + SCAN_COUNT, 8), "little")


def let_the_guard_scan(port):
    """Waits until the guard has scanned SCANS_TO_WAIT times more (its own count, in the root)."""
    start = scans(port)
    deadline = time.monotonic() + scaled(TIMEOUT)
    while (now := scans(port)) < start + SCANS_TO_WAIT:
        check(time.monotonic() < deadline,
              f"the guard stopped scanning (ROOT_SCAN_COUNT {start} -> {now} in "
              f"{scaled(TIMEOUT):g} s)")
        time.sleep(SCAN_US * SCANS_TO_WAIT / 1e6)


def rootstat_incidents(q):
    out = run_at_prompt(q, "rootstat", TIMEOUT)
    m = re.search(r"^  incidents +(\d+)$", out, re.M)
    check(m, f"rootstat printed no incident count:\n{out}")
    return int(m.group(1))


class Machine:
    """A boot to the shell with gdb's port open; the leak check around what a test does."""

    def __enter__(self):
        self.port = free_port()
        self.q = Qemu(qemu_command(bootargs=f"guard.scan_us={SCAN_US}") +
                      ["-gdb", f"tcp:127.0.0.1:{self.port}"])
        self.q.__enter__()
        self.q.expect(r"\$ ", TIMEOUT)
        self.before = parse_memstat(run_at_prompt(self.q, "memstat", TIMEOUT))
        return self

    def __exit__(self, kind, *rest):
        try:
            if kind is None:
                after = parse_memstat(run_at_prompt(self.q, "memstat", TIMEOUT))
                problems = leak_problems(self.before, after, grader.leak_rule)
                check(not problems, "leak check: " + "; ".join(problems))
        finally:
            self.q.__exit__(kind, *rest)


@grader.test("flipped root bytes are found and put back", points=4)
def root_flips_repaired():
    rng = random.Random(20261201)
    offsets = sorted(rng.sample([o for o in STATIC_OFFSETS if o < 0x8000], 6) +
                     [0x000, ROOT_SIZE - 1] + [0x9000, 0x9001, 0x9002])  # three of one word
    with Machine() as m:
        incidents = rootstat_incidents(m.q)
        before = flip(m.port, [(ROOT + o, 0x5a) for o in offsets])
        let_the_guard_scan(m.port)
        after = read_memory(m.port, ROOT, ROOT_SIZE)
        wrong = [o for o in offsets if after[o] != before[o]]
        check(not wrong, "root bytes still flipped after 3 scans: " + ", ".join(
            f"root+{o:#x} is {after[o]:#04x}, was {before[o]:#04x}" for o in wrong))
        changed = [o for o in STATIC_OFFSETS if after[o] != before[o]]
        check(not changed, "root bytes nobody flipped changed: " +
              ", ".join(f"root+{o:#x}" for o in changed[:8]))
        found = rootstat_incidents(m.q) - incidents
        check(found == len(offsets), f"rootstat's incident count went up by {found}, "
                                     f"expected {len(offsets)}: one per byte repaired")
        for o in offsets:
            check(re.search(rf"magma: guard: repaired 1 byte\(s\) at root\+{o:#x} "
                            rf"\(0x{before[o] ^ 0x5a:02x} -> 0x{before[o]:02x}\)", m.q.output),
                  f"no incident line for root+{o:#x} "
                  f"(0x{before[o] ^ 0x5a:02x} -> 0x{before[o]:02x})")
        check(after[PROTECT_STATE] == 2, f"the protect state is {after[PROTECT_STATE]}, not 2 "
                                         f"(repaired)")


@grader.test("a flipped shadow byte is not sealed into the root", points=3)
def shadow_flip_rebuilt():
    shadow = guard_symbol("shadow")
    offset = KERNEL_NOTE + 3
    with Machine() as m:
        before = flip(m.port, [(shadow + offset, 0x24)])
        let_the_guard_scan(m.port)
        root = read_memory(m.port, ROOT, ROOT_SIZE)
        copy = read_memory(m.port, shadow + offset, 1)[0]
        check(root[offset] == before[offset],
              f"the root's byte root+{offset:#x} was 'repaired' into the shadow's flip: "
              f"{before[offset]:#04x} -> {root[offset]:#04x}")
        check(copy == before[offset], f"the shadow still holds the flip at +{offset:#x}: "
                                      f"{copy:#04x}, the root {before[offset]:#04x}")
        check(re.search(rf"magma: guard: shadow copy failed the CRC \(first difference at "
                        rf"root\+{offset:#x}\); rebuilt from the root", m.q.output),
              "no incident line saying the shadow was rebuilt from the root")
        check("repaired 1 byte" not in m.q.output, "a root byte was 'repaired'")


@grader.test("a flipped CRC store is caught by its MD5", points=3)
def crc_store_flip_caught():
    stored_crc = guard_symbol("stored_crc")
    with Machine() as m:
        flip(m.port, [(stored_crc + 1, 0x10)])
        let_the_guard_scan(m.port)
        for _ in range(3):  # the machine may have stopped between a write and its fold
            data, crc_bytes = read_ranges(m.port, [(ROOT, ROOT_SIZE), (stored_crc, 4)])
            crc = int.from_bytes(crc_bytes, "little")
            if crc == crc32c(data):
                break
        check(crc == crc32c(data), f"the stored CRC {crc:#010x} is not the CRC-32C of the root "
                                   f"({crc32c(data):#010x}): the flip was sealed in")
        check(re.search(r"magma: guard: stored CRC failed its MD5; rebuilt from the shadow",
                        m.q.output), "no incident line saying the CRC store failed its MD5")
        check("repaired 1 byte" not in m.q.output, "a CRC-store flip looked like a root flip")


if __name__ == "__main__":
    sys.exit(grader.main())
