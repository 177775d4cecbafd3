#!/usr/bin/env python3
"""labs/heap/grade.py - the heap lab's grader.

Host tests (tests/test_heap.c, by group), the fragmentation bound
(labs/heap/lab_heap_frag: the heap's size after a fixed pattern against the
most bytes it held at once, divided here), and the kernel's self-tests in
two boots: kmalloc, heap_coalesce and heap_corrupt in one, heap_overrun in
the other (each corruption test ends in the panic it checks).
"""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "grading"))

import harness  # noqa: E402  (needs the path above)
from gradelib import BOOT_TIMEOUT, Grader, HostTests, LeakRule, check  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
# Heap bytes over peak live bytes, at most. Chunks grow by doubling, so up to
# 2 is the price of growing at all; a heap that does not coalesce needs many times that.
FRAGMENTATION_BOUND = 3.0

grader = Grader("heap", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0,
                                                                   heap_bytes=0))

HOST_GROUPS = {
    "blocks": ["magic_layout", "alignment_and_sizes", "huge_sizes_fail_cleanly",
               "growth_across_chunks", "stats_and_fragmentation",
               "random_sequence_matches_model"],
    "coalesce": ["coalescing_three_neighbours_in_every_order",
                 "full_quick_list_falls_back_to_coalescing",
                 "quick_lists_are_flushed_before_growing", "realloc_in_place_and_moved"],
    "corruption": ["every_header_byte_corruption_is_named", "no_room_after_a_block_is_caught",
                   "corrupt_used_header_refused_by_free", "corrupt_next_is_caught_not_followed",
                   "double_free_is_caught", "bad_pointers_are_refused",
                   "payload_overrun_is_caught", "free_list_corruption_is_caught",
                   "corrupt_quick_block_is_reported_by_the_alloc_that_takes_it",
                   "heap_check_validates_the_quick_lists"],
    "threads": ["remote_free_is_scheduled_then_reclaimed", "racing_double_free_has_one_winner",
                "racing_owner_and_remote_free_have_one_winner", "threads_with_per_hart_arenas",
                "threads_sharing_one_locked_arena"],
}
HOST = HostTests("lab-host-heap", "build/host/test_heap", "tests/test_heap.c", timeout=300)


def check_group(group: str) -> None:
    HOST.check(HOST_GROUPS[group])


@grader.test("host: blocks, sizes, growth, statistics", points=2)
def host_blocks():
    check_group("blocks")


@grader.test("host: neighbouring free blocks coalesce (every order, quick lists flushed)",
             points=3)
def host_coalesce():
    check_group("coalesce")


@grader.test("host: corruption detected and named (every header byte, trailers, links)",
             points=4)
def host_corruption():
    check_group("corruption")


@grader.test("host: threads, remote frees, racing double frees", points=2)
def host_threads():
    check_group("threads")


@grader.test(f"fragmentation: heap at most {FRAGMENTATION_BOUND:g} times the peak live bytes",
             points=3)
def fragmentation():
    HOST.build()
    done = subprocess.run([str(REPO / "build/host/lab_heap_frag")], capture_output=True,
                          text=True, timeout=harness.scaled(120))
    out = done.stdout + done.stderr
    peak = re.search(r"^peak live bytes (\d+)$", out, re.M)
    total = re.search(r"^heap bytes (\d+)$", out, re.M)
    check(done.returncode == 0 and peak and total,
          f"lab_heap_frag failed (exit status {done.returncode}):\n{out}")
    ratio = int(total.group(1)) / int(peak.group(1))
    check(ratio <= FRAGMENTATION_BOUND,
          f"the heap grew to {total.group(1)} bytes for at most {peak.group(1)} live bytes: "
          f"{ratio:.2f} times (at most {FRAGMENTATION_BOUND:g} allowed); freed blocks that "
          f"are not merged cannot hold the larger requests that come later")


# ---------------------------------------------------------------- the kernel

_boots: dict[str, str] = {}


def self_test_boot(bootargs: str, last: str, fresh: bool) -> str:
    """The console of a self-test boot, up to its `last` line (a panic's, or a FAIL)."""
    if fresh or bootargs not in _boots:
        with harness.Qemu(harness.qemu_command(bootargs=bootargs)) as q:
            q.expect(last, BOOT_TIMEOUT)
            _boots[bootargs] = q.output
    return _boots[bootargs]


CHECKS = "test=kmalloc,heap_coalesce,heap_corrupt"
CHECKS_END = r"(magma: test heap_corrupt: FAIL.*|panic: stopped .*)\n"


@grader.test("kernel: kmalloc's mixed pattern on every hart, heap_check clean", points=1)
def kernel_kmalloc():
    console = self_test_boot(CHECKS, CHECKS_END, fresh=True)
    line = re.search(r"magma: test kmalloc: (\d+) ops, (\d+) corrupted payloads, "
                     r"heap_check (\S+),.*\n", console)
    check(line, "no result line from test=kmalloc")
    check(line.group(2) == "0" and line.group(3) == "clean",
          f"test kmalloc: {line.group(0).strip()}")


@grader.test("kernel: three freed neighbours leave no more free blocks", points=2)
def kernel_coalesce():
    console = self_test_boot(CHECKS, CHECKS_END, fresh=False)
    line = re.search(r"magma: test heap_coalesce: free blocks (\d+) before, (\d+) with 3 held, "
                     r"(\d+) after; largest free (\d+) before, (\d+) after: \w+\n", console)
    check(line, "no result line from test=heap_coalesce")
    before, _held, after, largest_before, largest_after = (int(x) for x in line.groups())
    check(after <= before and largest_after >= largest_before,
          f"the kernel heap had {before} free blocks before three neighbours were "
          f"allocated and {after} after they were freed (largest free {largest_before}, "
          f"then {largest_after}): they were not merged")


def check_panic(console: str, test: str, field: str, what: str) -> None:
    """The test's block was named by a panic of kfree, with the field."""
    block = re.search(rf"magma: test {test}: .* block 0x([0-9a-f]+)\n", console)
    check(block, f"test {test} did not say which block it damaged")
    header = int(block.group(1), 16)
    panic = re.search(r"panic: hart \d+: heap: kfree: (.*) in block 0x([0-9a-f]+), "
                      r"field ([^:]+):", console)
    check(panic, f"kfree did not stop the kernel on {what}: "
          + (f"the test says:\n{m.group(0)}" if (m := re.search(
              rf"magma: test {test}: FAIL.*", console)) else "no panic line"))
    named = int(panic.group(2), 16)
    check(named in (header, header + 24) and panic.group(3) == field,
          f"the panic names block 0x{named:x}, field {panic.group(3)}; the test damaged "
          f"the {field} of block 0x{header:x} (payload 0x{header + 24:x})")


@grader.test("kernel: a flipped magic byte stops kfree, naming block and field", points=2)
def kernel_corrupt():
    check_panic(self_test_boot(CHECKS, CHECKS_END, fresh=False), "heap_corrupt", "magic",
                "a corrupt header")


@grader.test("kernel: a payload overrun stops kfree, naming the trailer", points=2)
def kernel_overrun():
    console = self_test_boot("test=heap_overrun",
                             r"(magma: test heap_overrun: FAIL.*|panic: stopped .*)\n",
                             fresh=True)
    check_panic(console, "heap_overrun", "trailer", "an overrun payload")


if __name__ == "__main__":
    sys.exit(grader.main())
