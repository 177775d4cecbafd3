"""The system-call fuzzer (user/sysfuzz.c) in the shell for 60 s.

Its workers issue random calls with hostile arguments from several
processes. The verdict: sysfuzz's own "sysfuzz: OK" (no anomaly it could
see, every worker reported, its scratch directory removed), no panic on the
console, memstat seeing as many spare frames and kernel-heap bytes in use
after it as before (the rule of usertests' leak check), `ls /` as before
(it works in a scratch directory it removes), and fsck finding
the disk the boot used clean once QEMU is gone.

The seed is fixed (SYSFUZZ_SEED overrides it, SYSFUZZ_SECONDS the time) and
printed, so a failure can be repeated: `sysfuzz -s SEED -t SECONDS`.
"""

import os
import re

from harness import Qemu, check, disk_image, fsck, qemu_command, run_at_prompt, test

BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 60
SEED = int(os.environ.get("SYSFUZZ_SEED", "9"))
SECONDS = int(os.environ.get("SYSFUZZ_SECONDS", "60"))
PROCS = 4
# Beyond its SECONDS, sysfuzz reaps its children, waits for orphans and removes its files.
FINISH_TIMEOUT = 300
MEMSTAT_SPARE = r"spare frames: (\d+) "
MEMSTAT_KHEAP = r"kernel heap: (\d+) of \d+ bytes in use"


def memory_figures(q):
    """(spare frames, kernel heap bytes in use) as memstat prints them."""
    out = run_at_prompt(q, "memstat", COMMAND_TIMEOUT)
    spare = re.search(MEMSTAT_SPARE, out)
    heap = re.search(MEMSTAT_KHEAP, out)
    check(spare and heap, f"memstat printed no spare frames or kernel heap figure:\n{out}")
    return int(spare.group(1)), int(heap.group(1))


def root_names(q):
    """The names and types `ls /` lists (a directory's size stays grown: not compared)."""
    out = run_at_prompt(q, "ls /", COMMAND_TIMEOUT)
    return {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}


def settled_figures(q, before):
    """memstat's figures, read again a few times while they differ from before:
    the last exits' frames may come back a moment after the prompt (as usertests allows)."""
    for _ in range(5):
        after = memory_figures(q)
        if after == before:
            break
        run_at_prompt(q, "sleep 10", COMMAND_TIMEOUT)
    return after


@test("sysfuzz_60s")
def sysfuzz_60s():
    cmd = qemu_command()
    with Qemu(cmd) as q:
        q.expect(r"\$ ", BOOT_TIMEOUT)
        memory_figures(q)  # the shell's and memstat's first runs may grow their heaps once
        before = memory_figures(q)
        root_before = root_names(q)
        command = f"sysfuzz -s {SEED} -t {SECONDS} -p {PROCS}"
        start = len(q.output)
        q.send(command + "\n")
        which, end = q.expect_any([r"\n\$ ", r"panic: .*\n"], SECONDS + FINISH_TIMEOUT)
        out = q.output[start:end.start()]
        check(f"sysfuzz: seed {SEED}, {PROCS} processes, {SECONDS} s\n" in out,
              f"sysfuzz did not print its seed line:\n{out[:2000]}")
        check("panic" not in q.output, "the kernel panicked:\n" +
              q.output[max(0, q.output.find("panic") - 1500):][:3000])
        check(re.search(r"^sysfuzz: OK$", out, re.M), f"sysfuzz did not pass:\n{out[-3000:]}")
        calls = re.search(r"sysfuzz: (\d+) calls", out)
        check(calls and int(calls.group(1)) > 0, f"sysfuzz made no calls:\n{out[-2000:]}")
        root_after = root_names(q)
        check(root_after == root_before, "sysfuzz left or removed names in /: "
              f"{sorted(root_after ^ root_before)}")
        after = settled_figures(q, before)
        check(after == before, f"memstat: {before[0]} spare frames and {before[1]} kernel heap "
              f"bytes in use before sysfuzz, {after[0]} and {after[1]} after")
        check(run_at_prompt(q, "echo alive", COMMAND_TIMEOUT).strip() == "alive",
              "the shell did not answer")
    status, report = fsck(disk_image(cmd))
    check(status == 0, f"fsck exit status {status} on the disk after sysfuzz:\n{report[-3000:]}")
