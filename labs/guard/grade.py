#!/usr/bin/env python3
"""labs/guard/grade.py - the guard lab's grader: MBOX_OP_SLOT_STATS, attacked.

Host checks (labs/guard/lab_guard.c) judge the request shape, the access list
and the tag over lib/mbox by exit status and each check's line. In QEMU, the
kernel self-test test=slot_stats sends a good request, a forged one (its tag
damaged), one sent twice (a replay), one about another hart's slot and a good
one again. It prints statuses but no verdict: the grader reads the guard's
counters in the root through gdb (QEMU's gdb stub, physical addresses)
before it lets the test start and after it is done, and judges from those,
which only the guard writes. The statuses and replies the kernel printed are
checked against them.
"""

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check  # noqa: E402
from harness import REPO_ROOT, Qemu, elf_symbol, free_port, gdb_physical, qemu_command  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
TIMEOUT = 30
ROOT = 0x80100000
REQUESTS_OK = 0x148  # include/root.h: u64
ERR_COUNTERS = 0x150  # u32 per refusal kind, MBOX_ERR_x at index -x - 1
ERRORS = {-1: "malformed", -2: "unknown operation", -3: "bad tag", -4: "replay",
          -5: "denied", -6: "bad offset", -7: "no session", -8: "name taken",
          -9: "bad length", -10: "session live", -11: "no entropy"}
BAD_TAG, REPLAY, DENIED, UNKNOWN_OP = -3, -4, -5, -2

grader = Grader("guard", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0))


@grader.test("host: SLOT_STATS shape, access list, tag and seq", points=2)
def host_checks():
    build = subprocess.run(["make", "-s", "--no-print-directory", "lab-host-guard"], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    check(build.returncode == 0, f"make lab-host-guard failed:\n{build.stdout}{build.stderr}")
    run = subprocess.run([str(REPO_ROOT / "build/host/lab_guard")], capture_output=True,
                         text=True, timeout=60)
    out = run.stdout + run.stderr
    for name in ("slot_stats_shape", "slot_stats_acl", "slot_stats_tag_and_seq"):
        check(re.search(rf"^{name}: OK$", run.stdout, re.M), f"{name} failed:\n{out}")
    check(run.returncode == 0, f"lab_guard exited {run.returncode}:\n{out}")


def read_counters(port, extra=()):
    """(requests_ok, {error: count}) from the root, read through gdb; extra runs after."""
    out = gdb_physical(port, [f"x/1gx {ROOT + REQUESTS_OK:#x}",
                              f"x/{len(ERRORS)}wx {ROOT + ERR_COUNTERS:#x}"] + list(extra))
    words = [int(word, 16) for line in re.findall(r"^0x[0-9a-f]+:\s+(.*)$", out, re.M)
             for word in line.split()]
    check(len(words) == 1 + len(ERRORS), f"gdb did not show the root's counters:\n{out}")
    return words[0], {-(i + 1): n for i, n in enumerate(words[1:])}


_seen = {}


def observed():
    """One boot of test=slot_stats, shared by the QEMU tests (a failing test boots again)."""
    if _seen:
        return _seen
    go = elf_symbol("build/kernel/kernel.elf", "selftest_guard_go")
    port = free_port()
    with Qemu(qemu_command(bootargs="test=slot_stats") + ["-gdb", f"tcp:127.0.0.1:{port}"]) as q:
        q.expect(r"magma: test slot_stats: waiting for the grader", TIMEOUT)
        before = read_counters(port, [f"set {{int}}{go:#x} = 1"])
        q.expect(r"magma: test slot_stats: done\n", TIMEOUT)
        after = read_counters(port)
        _seen.update(before=before, after=after, output=q.output)
    return _seen


def refusal_delta(error):
    seen = observed()
    return seen["after"][1][error] - seen["before"][1][error]


def check_refused(status, error, what):
    """what got status `error` (printed as the string status), and the root counted it once."""
    check(int(status) == error, f"{what} got status {status}, not {error} ({ERRORS[error]})")
    delta = refusal_delta(error)
    check(delta == 1, f"the root's {ERRORS[error]} counter went up by {delta}, not 1")


def printed(pattern):
    m = re.search(pattern, observed()["output"])
    check(m, f"the self-test did not print {pattern!r}")
    return m


def graded(fn):
    """A QEMU test: its failure also forgets the shared boot, so the rerun boots again."""
    def run():
        try:
            fn()
        except Exception:
            _seen.clear()
            raise
    run.__name__ = fn.__name__
    return run


@grader.test("a good SLOT_STATS request is served", points=3)
@graded
def good_request():
    seen = observed()
    served = seen["after"][0] - seen["before"][0]
    unknown = refusal_delta(UNKNOWN_OP)
    check(unknown == 0, f"the guard refused {unknown} request(s) as an unknown operation")
    check(served == 4, f"the guard served {served} request(s) (root requests_ok), expected 4: "
                       f"two SLOT_STATS, the first of the pair sent twice, and a ping")
    stats = re.findall(r"magma: test slot_stats: own slot(?: again)?: status (-?\d+) \(.*\), "
                       r"session (\d+), last seq (\d+), accepted (\d+), refused (\d+)\n",
                       seen["output"])
    check(len(stats) == 2, "the self-test did not print both SLOT_STATS replies")
    (s1, id1, seq1, ok1, no1), (s2, id2, seq2, ok2, no2) = [[int(v) for v in s] for s in stats]
    check(s1 == 0 and s2 == 0, f"SLOT_STATS on the own slot answered {s1} and {s2}, not 0")
    check(id1 == id2 and id1 != 0, f"the session ids differ or are 0: {id1}, {id2}")
    check(seq2 > seq1, f"last seq did not grow: {seq1} then {seq2}")
    check(ok2 - ok1 == 2, f"accepted went {ok1} -> {ok2}: 2 were served on the slot between")
    check(no2 - no1 == 3, f"refused went {no1} -> {no2}: 3 were refused on the slot between")


@grader.test("a forged request (bad MAC) is refused", points=2)
@graded
def forged_refused():
    m = printed(r"forged \(tag bit flipped\): status (-?\d+)\n")
    check_refused(m.group(1), BAD_TAG, "the forged request")


@grader.test("a replayed request is refused", points=2)
@graded
def replay_refused():
    m = printed(r"sent twice: status (-?\d+), then (-?\d+)\n")
    check(int(m.group(1)) == 0, f"the first of the two got status {m.group(1)}, not 0")
    check_refused(m.group(2), REPLAY, "the replay")


@grader.test("another hart's slot is refused by the ACL", points=2)
@graded
def acl_refused():
    m = printed(r"slot of hart (\d+): status (-?\d+)\n")
    check_refused(m.group(2), DENIED, f"asking about hart {m.group(1)}'s slot")
    others = {e: refusal_delta(e) for e in ERRORS if e not in (BAD_TAG, REPLAY, DENIED)}
    check(not any(others.values()), "other refusal counters moved: " + ", ".join(
        f"{ERRORS[e]} +{n}" for e, n in others.items() if n))


if __name__ == "__main__":
    sys.exit(grader.main())
