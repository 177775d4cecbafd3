"""usertests (user/usertests.c) in the shell, on the AIA machine and on the PLIC machine.

The verdict is not taken from usertests' word alone. The test also asks
`usertests -l` for the names of all tests and requires one "test NAME: OK"
line for each, no FAILED line, the runner's own count to agree, and its
spare-frame figures at start and end to be equal. Then, from outside,
the `memstat` tool must see as many spare frames (free, plus the kernel
heap's and the kernel page tables', which keep what they grow by) after
the whole run as before it: a
leak usertests could not see or could misreport. The shell must still
answer.
"""

import re

from harness import Qemu, check, qemu_command, run_at_prompt, test

BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 60
USERTESTS_TIMEOUT = 1800  # the full run: a 64 MiB file twice, a fork bomb, memory exhaustion
STABLE_READ_TRIES = 5
PROMPT = r"\$ "
MEMSTAT_FREE = r"frames: \d+ total \(\d+ KiB\), (\d+) free"
MEMSTAT_KHEAP = r"kernel heap: \d+ of \d+ bytes in use, in (\d+) frames"
MEMSTAT_TABLES = r"spare frames: \d+ \(free, or kept by the kernel heap and (\d+) kernel page tables\)"
ROOT_VA = 0x7fff0000  # USER_ROOT_VA (include/user_layout.h): root_store's child stores there


def run_command(q, command, timeout=COMMAND_TIMEOUT):
    """Type command into the shell; what it printed before the next prompt."""
    return run_at_prompt(q, command, timeout)


def spare_frames_once(q):
    out = run_command(q, "memstat")
    free = re.search(MEMSTAT_FREE, out)
    heap = re.search(MEMSTAT_KHEAP, out)
    tables = re.search(MEMSTAT_TABLES, out)
    check(free and heap and tables,
          f"memstat printed no free-frame count, kernel heap frames or table count:\n{out}")
    return int(free.group(1)) + int(heap.group(1)) + int(tables.group(1))


def spare_frames(q):
    """Free frames plus those the kernel heap and kernel page tables keep, added up here
    from memstat's separate figures (usertests reads the kernel's own sum).

    The free count is no snapshot: a frame another hart takes or gives back while
    memstat adds up the harts' caches is counted in neither or both (the modules run
    beside the shell). As usertests does inside, two runs in a row that agree are the
    figure; a leak agrees with itself, so it still shows."""
    last = spare_frames_once(q)
    for _ in range(STABLE_READ_TRIES):
        now = spare_frames_once(q)
        if now == last:
            return now
        last = now
    return last


def test_names(q):
    out = run_command(q, "usertests -l")
    names = []
    for line in out.splitlines():
        fields = line.split()
        check(len(fields) in (1, 2) and re.fullmatch(r"\w+", fields[0]),
              f"usertests -l printed {line!r}")
        names.append(fields[0])
    check(len(names) >= 40 and len(set(names)) == len(names),
          f"usertests -l listed {len(names)} names, {len(set(names))} distinct")
    return names


def check_run(out, names):
    """The lines of one full `usertests` run against the list of tests."""
    failed = [line for line in out.splitlines() if "FAILED" in line]
    check(not failed, f"{len(failed)} FAILED lines:\n" + "\n".join(failed[:20]))
    check("panic" not in out, "the kernel panicked:\n" + out[out.find("panic") - 200:][:600])
    start = re.search(r"usertests: (\d+) tests, (\d+) spare frames\n", out)
    check(start, "usertests never said how many tests it runs")
    check(int(start.group(1)) == len(names),
          f"usertests runs {start.group(1)} tests, -l lists {len(names)}")
    oks = re.findall(r"^test (\w+): OK$", out, re.MULTILINE)
    missing = [n for n in names if oks.count(n) != 1]
    check(not missing, f"tests without exactly one OK line: {missing}")
    check(len(oks) == len(names), f"{len(oks)} OK lines for {len(names)} tests")
    verdict = re.search(r"usertests: (\d+) of (\d+) tests passed; "
                        r"(\d+) spare frames at start, (\d+) at end\n(.*)\n", out)
    check(verdict, "usertests printed no verdict")
    passed, total, first, last, word = verdict.groups()
    check(int(passed) == int(total) == len(names),
          f"the verdict says {passed} of {total}, for {len(names)} tests")
    check(first == start.group(2),
          f"spare frames at start: {first} in the verdict, {start.group(2)} at the start")
    check(first == last, f"spare frames went from {first} to {last} over the run")
    check(word == "ALL TESTS PASSED", f"the verdict's last line is {word!r}")
    check(re.search(rf"\(usertests\) killed: store .*pc 0x[0-9a-f]+.*address {ROOT_VA:#x}", out),
          "no kernel line names the process, pc and address of root_store's killed child")


def usertests_on(aia):
    with Qemu(qemu_command(aia=aia)) as q:
        q.expect(PROMPT, BOOT_TIMEOUT)
        names = test_names(q)
        spare_frames(q)  # the shell's and memstat's first run may grow their heaps once
        before = spare_frames(q)
        out = run_command(q, "usertests", USERTESTS_TIMEOUT)
        check_run(out, names)
        after = spare_frames(q)
        check(after == before, f"memstat sees {before} spare frames before usertests, "
              f"{after} after it: {before - after} lost")
        check(run_command(q, "echo alive").strip() == "alive", "the shell did not answer")


@test("usertests_aia")
def usertests_aia():
    usertests_on(aia=True)


@test("usertests_plic")
def usertests_plic():
    usertests_on(aia=False)


@test("usertests_sbrk_4g")
def usertests_sbrk_4g():
    """On a 4 GiB machine sbrk's address limits show: memory no longer refuses 2 GiB first."""
    with Qemu(qemu_command(mem="4G")) as q:
        q.expect(PROMPT, BOOT_TIMEOUT)
        out = run_command(q, "usertests sbrk_limits sbrk_lazy", COMMAND_TIMEOUT * 5)
        for name in ("sbrk_limits", "sbrk_lazy"):
            check(f"test {name}: OK\n" in out, f"{name} did not pass:\n{out}")
        check("ALL TESTS PASSED" in out, f"no verdict:\n{out}")
