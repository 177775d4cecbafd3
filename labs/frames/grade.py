#!/usr/bin/env python3
"""labs/frames/grade.py - the frames lab's grader.

Host tests (tests/test_frame.c, by group, threads included), then the
kernel's frame_harts self-test on 4 and on 8 harts: every kernel hart
allocates and frees bursts at once, then one hart takes every free frame.
The grader reads each hart's counters from the boot log and decides
itself: the work done, every frame back, and how often the shared pool's
lock was taken per alloc or free.
"""

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "grading"))

import harness  # noqa: E402  (needs the path above)
from gradelib import BOOT_TIMEOUT, Grader, HostTests, LeakRule, check  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
# The self-test's workload (kernel/selftest.c, test_frame_harts): per hart.
BURST_OPS = 100 * 96
# Pool-lock takings per alloc or free, at most. One per call (no cache) is 1;
# batches of FRAME_BATCH (32) make it about 1/32 on each hart.
POOL_LOCKS_PER_OP = 1 / 8

# A race fixed on the second try is no fix: a flaky test scores nothing here.
grader = Grader("frames", REFERENCE_BOOT_SECONDS,
                leak_rule=LeakRule(spare_frames=0, heap_bytes=0), flaky_scores=False)

HOST_GROUPS = {
    "single": ["meta_bytes_and_strerror", "init_rejects_bad_input",
               "every_frame_once_until_oom", "many_ranges_any_sizes", "recovers_after_oom",
               "bad_frees_are_caught_with_the_address"],
    "caches": ["check_finds_corruption", "refill_drain_steal_happen",
               "random_steps_match_model", "contention_is_counted"],
    "threads": ["threads_share_and_steal", "racing_frees_one_wins", "thief_races_owner"],
}
HOST = HostTests("lab-host-frames", "build/host/test_frame", "tests/test_frame.c", timeout=300)


def check_group(group: str) -> None:
    HOST.check(HOST_GROUPS[group])


@grader.test("host: one hart: every frame once, bad frees refused", points=2)
def host_single():
    check_group("single")


@grader.test("host: caches refill, drain and steal in batches (frame_check agrees)", points=3)
def host_caches():
    check_group("caches")


@grader.test("host: threads share, race and steal", points=3)
def host_threads():
    check_group("threads")


# ---------------------------------------------------------------- the kernel

_boots: dict[int, str] = {}
HART_LINE = re.compile(r"magma: test frame_harts: hart (\d+): (\d+) allocs, (\d+) frees, "
                       r"(\d+) pool locks, (\d+) steals, (\d+) short bursts\n")
TOOK_LINE = re.compile(r"magma: test frame_harts: took (\d+) of (\d+) free frames, "
                       r"frame_check (.*) \(0x[0-9a-f]+\): \w+\n")


def self_test(cpus: int, fresh: bool) -> str:
    """The console of a boot with test=frame_harts on cpus harts, up to its last line."""
    if fresh or cpus not in _boots:
        with harness.Qemu(harness.qemu_command(cpus=cpus, bootargs="test=frame_harts")) as q:
            index, _ = q.expect_any([TOOK_LINE.pattern, r"panic"], BOOT_TIMEOUT)
            check(index == 0, "the kernel panicked during test=frame_harts:\n" + q.tail(15))
            _boots[cpus] = q.output
    return _boots[cpus]


def hart_lines(console: str, cpus: int) -> list[tuple[int, ...]]:
    lines = [tuple(int(x) for x in m.groups()) for m in HART_LINE.finditer(console)]
    check(len(lines) == cpus - 1, f"{len(lines)} hart lines from test=frame_harts; "
          f"{cpus - 1} kernel harts should each report")
    return lines


def declare_kernel(cpus: int) -> None:
    @grader.test(f"kernel, {cpus} harts: bursts on every hart at once, every frame back",
                 points=2)
    def correct():
        console = self_test(cpus, fresh=True)
        for hart, allocs, frees, _locks, _steals, short in hart_lines(console, cpus):
            check(allocs == BURST_OPS and frees == BURST_OPS and short == 0,
                  f"hart {hart}: {allocs} allocs and {frees} frees ({BURST_OPS} each "
                  f"expected), {short} bursts found memory short")
        took = TOOK_LINE.search(console)
        check(took.group(1) == took.group(2),
              f"one hart took {took.group(1)} frames of {took.group(2)} free: the frames "
              f"left in other harts' caches must be stolen")
        check(took.group(3) == "clean", f"frame_check after the test: {took.group(3)}")

    @grader.test(f"kernel, {cpus} harts: pool lock taken at most once per "
                 f"{round(1 / POOL_LOCKS_PER_OP)} allocs or frees", points=3)
    def contention():
        console = self_test(cpus, fresh=False)
        for hart, allocs, frees, locks, _steals, _short in hart_lines(console, cpus):
            ops = allocs + frees
            check(ops > 0 and locks <= ops * POOL_LOCKS_PER_OP,
                  f"hart {hart} took the pool's lock {locks} times in {ops} allocs and "
                  f"frees ({locks / max(ops, 1):.3f} per call; at most "
                  f"{POOL_LOCKS_PER_OP:.3f} allowed)")


declare_kernel(4)
declare_kernel(8)

if __name__ == "__main__":
    sys.exit(grader.main())
