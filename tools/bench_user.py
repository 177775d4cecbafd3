#!/usr/bin/env python3
"""tools/bench_user.py - the user-space benchmarks of `make bench`: figures, not pass/fail.

1. Boots magma with one kernel hart (CPUS=2) under QEMU -icount shift=0, so a
   figure is instructions, types `bench` at the shell and prints its lines.
2. The same for 2 and 3 kernel harts (CPUS=3, 4), for pipe and fork: how the
   figures change when the two ends of a pipe may run on different harts.
3. Wall time from starting QEMU to the first "$ " prompt, 3 kernel harts,
   no -icount, the median of RUNS boots (host time: it depends on the host).

    tools/bench_user.py [--runs N] [--quick]
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "grading"))
from harness import Qemu, qemu_command  # noqa: E402

PROMPT = r"(?m)^\$ "
BENCH_TIMEOUT = 600


def bench_lines(cpus, names=""):
    """The bench: lines of one `bench NAMES` run with cpus-1 kernel harts under -icount."""
    with Qemu(qemu_command(cpus=cpus) + ["-icount", "shift=0"]) as q:
        q.expect(PROMPT, BENCH_TIMEOUT)
        start = len(q.output)
        q.send(f"bench {names}".rstrip() + "\n")
        q.expect(PROMPT, BENCH_TIMEOUT)  # the shell's next prompt: bench is done
        return [line.strip() for line in q.output[start:].splitlines()
                if line.startswith("bench:")]


def first_prompt_seconds(cpus):
    """Host seconds from QEMU's start to the shell's first prompt."""
    cmd = qemu_command(cpus=cpus)
    start = time.monotonic()
    with Qemu(cmd) as q:
        q.expect(PROMPT, BENCH_TIMEOUT)
        return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="boots for the prompt-time median")
    args = parser.parse_args()

    print("== user space, 1 kernel hart, QEMU -icount shift=0 (instructions)", flush=True)
    for line in bench_lines(2):
        print(line, flush=True)
    for cpus in (3, 4):
        print(f"== pipe and fork with {cpus - 1} kernel harts, -icount shift=0", flush=True)
        for line in bench_lines(cpus, "pipe fork"):
            print(line, flush=True)
    times = [first_prompt_seconds(4) for _ in range(args.runs)]
    print(f"== QEMU start to the first '$ ' prompt, 3 kernel harts: median "
          f"{statistics.median(times):.3f} s over {len(times)} boots "
          f"(min {min(times):.3f}, max {max(times):.3f})", flush=True)


if __name__ == "__main__":
    main()
