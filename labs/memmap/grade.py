#!/usr/bin/env python3
"""labs/memmap/grade.py - the memmap lab's grader.

Host tests first (tests/test_memmap.c, by group; labs/memmap/lab_memmap on
the hand-made trees of labs/memmap/trees/), then boots. Every verdict on a
map compares what mm/memmap produced with the map this grader computes
itself from the same tree bytes (memmap_model.py: unbounded integers, no
code shared with mm/).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
REPO = LAB_DIR.parents[1]
sys.path.insert(0, str(REPO / "grading"))
sys.path.insert(0, str(LAB_DIR))

import harness  # noqa: E402  (needs the path above)
import memmap_model as model  # noqa: E402
from gradelib import BOOT_TIMEOUT, Grader, HostTests, LeakRule, check  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
PAGE = model.PAGE

grader = Grader("memmap", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0,
                                                                     heap_bytes=0))

# ---------------------------------------------------------------- host tests

HOST_GROUPS = {
    "overflow": ["empty_and_wrapping_ram_dropped_wrapping_reservation_clamped",
                 "wrapping_reservation_is_clamped_not_dropped",
                 "tree_reservation_wrapping_past_2_64_is_clamped",
                 "ram_ending_at_top_of_address_space"],
    "alignment": ["unaligned_ranges_shrink_to_whole_pages",
                  "ranges_ending_exactly_at_2_64_are_valid", "whole_address_space",
                  "tree_ranges_ending_exactly_at_2_64"],
    "subtraction": ["reservation_splits_ram", "overlapping_and_touching_ram_merges",
                    "reservations_over_ram_edges_are_trimmed", "everything_reserved_is_noram",
                    "tree_with_several_nodes_reservations_and_rsvmap", "tree_with_32bit_cells",
                    "random_maps_match_page_model"],
}
HOST = HostTests("lab-host-memmap", "build/host/test_memmap", "tests/test_memmap.c", timeout=120)


def check_group(group: str) -> None:
    HOST.check(HOST_GROUPS[group])


@grader.test("host: a range past 2^64 is dropped (RAM) or clamped (reservation)", points=2)
def host_overflow():
    check_group("overflow")


@grader.test("host: ranges rounded inward to whole pages, up to 2^64", points=2)
def host_alignment():
    check_group("alignment")


@grader.test("host: reservations subtracted (overlapping, over RAM's edges, all of it)",
             points=2)
def host_subtraction():
    check_group("subtraction")


def fmt_map(ranges: list[tuple[int, int]]) -> str:
    return "\n".join(f"  0x{b:x}-0x{b + s - 1:x} ({s // 1024} KiB)" for b, s in ranges) or "  none"


@grader.test("hand-made trees: lab_memmap's map is the grader's", points=4)
def hand_made_trees():
    HOST.build()
    trees = sorted((LAB_DIR / "trees").glob("*.dts"))
    check(trees, f"no trees in {LAB_DIR / 'trees'}")
    with tempfile.TemporaryDirectory(prefix="memmap-lab-") as tmp:
        for dts in trees:
            dtb = Path(tmp) / (dts.stem + ".dtb")
            subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts)],
                           check=True)
            ram, reserved = model.ram_and_reservations(dtb.read_bytes())
            want = model.usable(ram, reserved)
            done = subprocess.run([str(REPO / "build/host/lab_memmap"), str(dtb)],
                                  capture_output=True, text=True, timeout=harness.scaled(30))
            got = [(int(b, 16), int(s, 16)) for b, s in
                   re.findall(r"^usable 0x([0-9a-f]+) 0x([0-9a-f]+)$", done.stdout, re.M)]
            check(done.returncode == 0 and got == want,
                  f"tree {dts.name}: mm/memmap gave (exit status {done.returncode}):\n"
                  f"{fmt_map(got) if done.returncode == 0 else done.stdout + done.stderr}\n"
                  f"the grader computes:\n{fmt_map(want)}")


# ---------------------------------------------------------------- boots

LAYOUT = (REPO / "include/layout.h").read_text()


def layout(name: str) -> int:
    return int(re.search(rf"#define {name}\s+(0x[0-9a-fA-F]+)", LAYOUT).group(1), 16)


def kernel_reservations(console: str) -> list[tuple[int, int]]:
    """What the kernel reserves besides the tree: firmware, its image, the tree blob."""
    tree = re.search(r"magma: device tree at 0x([0-9a-f]+) \((\d+) bytes\)", console)
    check(tree, "the boot log has no 'device tree at ...' line")
    kernel_end = model.elf_symbol(str(REPO / "build/kernel/kernel.elf"), "__kernel_end")
    base = layout("MAGMA_KERNEL_BASE")
    return [(layout("MAGMA_FIRMWARE_BASE"), layout("MAGMA_FIRMWARE_SIZE")),
            (base, kernel_end - base), (int(tree.group(1), 16), int(tree.group(2)))]


def dtb_of(cmd: list[str]) -> Path:
    return REPO / cmd[cmd.index("-dtb") + 1]


def expected_map(dtb: Path, console: str) -> list[tuple[int, int]]:
    ram, reserved = model.ram_and_reservations(dtb.read_bytes())
    return model.usable(ram, reserved + kernel_reservations(console))


def check_boot_map(console: str, dtb: Path) -> int:
    """The boot log's usable ranges and total against the grader's map; its frames."""
    want = expected_map(dtb, console)
    got = [(int(b, 16), int(e, 16) - int(b, 16) + 1) for b, e in
           re.findall(r"magma: memory: usable 0x([0-9a-f]+)-0x([0-9a-f]+) ", console)]
    check(got == want, f"the kernel's usable ranges (from {dtb.name}):\n{fmt_map(got)}\n"
          f"the grader computes from the same tree and the kernel's own reservations:\n"
          f"{fmt_map(want)}")
    frames = sum(s for _, s in want) // PAGE
    total = re.search(r"magma: memory: (\d+) regions, \d+ MiB usable \((\d+) frames\)", console)
    check(total and int(total.group(2)) == frames and int(total.group(1)) == len(want),
          f"the kernel's total line: {total.group(0) if total else 'missing'}; "
          f"the grader expects {len(want)} regions, {frames} frames")
    return frames


def check_memstat_total(memstat: str, frames: int) -> None:
    """memstat's total is the usable frames less the frame allocator's metadata pages."""
    meta_pages = -(-8 * frames // PAGE)
    total = re.search(r"frames: (\d+) total", memstat)
    check(total and int(total.group(1)) == frames - meta_pages,
          f"memstat says {total.group(0) if total else 'nothing about frames'}; "
          f"the grader expects {frames - meta_pages} ({frames} usable, {meta_pages} of "
          f"them the allocator's metadata)")


def declare_boot(cpus: int, mem: str) -> None:
    boot = grader.boot(f"boots on {cpus} harts with {mem}", points=1, cpus=cpus, mem=mem)
    found: dict[str, int] = {}

    @grader.test(f"{cpus} harts, {mem}: usable ranges are the tree's", points=2, parent=boot)
    def boot_map(s):
        dtb = dtb_of(harness.qemu_command(cpus=cpus, mem=mem, fresh_disk=False))
        found["frames"] = check_boot_map(s.q.output, dtb)

    @grader.test(f"{cpus} harts, {mem}: memstat's frame total", points=1, parent=boot)
    def memstat_total(s):
        check("frames" in found, "the usable ranges did not match: no total to compare")
        check_memstat_total(s.run("memstat"), found["frames"])


declare_boot(2, "130M")
declare_boot(8, "1G")

# Reservations added to magma's own tree: over RAM's end, overlapping, unaligned.
HOSTILE_RESERVATIONS = [
    ("over-end", [(0x87FFF800, 0x10000)]),
    ("pair", [(0x84000C00, 0x2000), (0x84001000, 0x3000)]),
    ("in-kernel", [(0x80300800, 0x20000)]),
]


@grader.test("hostile tree (reservations over RAM's end, overlapping): boot map", points=3)
def hostile_boot():
    cmd = harness.qemu_command()
    with tempfile.TemporaryDirectory(prefix="memmap-lab-") as tmp:
        dtb = Path(tmp) / "hostile.dtb"
        dtb.write_bytes(dtb_of(cmd).read_bytes())
        for name, regs in HOSTILE_RESERVATIONS:
            node = f"/reserved-memory/{name}@{regs[0][0]:x}"
            cells = [f"0x{w:x}" for b, s in regs for w in (b >> 32, b & 0xFFFFFFFF, s >> 32,
                                                          s & 0xFFFFFFFF)]
            subprocess.run(["fdtput", "-c", str(dtb), node], check=True)
            subprocess.run(["fdtput", "-t", "x", str(dtb), node, "reg"] + cells, check=True)
        cmd[cmd.index("-dtb") + 1] = str(dtb)
        q = harness.Qemu(cmd)
        q.expect(harness.SHELL_PROMPT, BOOT_TIMEOUT)
        frames = check_boot_map(q.output, dtb)
        check_memstat_total(harness.run_at_prompt(q, "memstat", 60), frames)


if __name__ == "__main__":
    sys.exit(grader.main())
