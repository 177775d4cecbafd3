#!/usr/bin/env python3
"""labs/syscall/grade.py - the grader of lab syscall (trace and sysinfo).

One boot, shared by every test. trace's lines are the kernel's: the
grader parses every "PID: syscall NAME -> RESULT" on the console and
compares them with what it computes itself (the pid the shell hands out,
shell_probe.next_pid; README's size from ls; the calls the programs make).
sysinfo is probed by user/sysinfotest, which only prints what the call
returned; the grader compares those figures with memstat's (taken in the
same process, back to back), with the processes ps lists, and with the
pages and children it asked sysinfotest to add. The lab allows no leak: no
spare frame and no kernel heap byte may be lost across a test.
"""

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "grading"))
sys.path.insert(0, str(HERE.parent / "util"))  # lab util comes before this one

from gradelib import Grader, LeakRule, check  # noqa: E402  (needs the path above)
from shell_probe import exit_status, next_pid, run  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
PAGE = 4096
SYS = {"fork": 1, "read": 5, "exec": 7, "write": 16}  # kernel/syscall.h
ALL_CALLS = 2147483647  # every bit but the sign's
GROW_PAGES = 256
TABLE_SLACK_PAGES = 8  # page-table pages the growth may cost besides its own pages
CHILDREN = 5

TRACE_LINE = re.compile(r"(\d+): syscall (\w+) -> (-?\d+)\n?")  # anywhere: it may cut a line


def traced(out):
    """The trace lines in out as (pid, name, result), and out without them."""
    calls = [(int(p), name, int(r)) for p, name, r in TRACE_LINE.findall(out)]
    return calls, TRACE_LINE.sub("", out)


def mask(*names):
    return sum(1 << SYS[name] for name in names)


def readme_bytes(s):
    out = run(s, "ls README")
    fields = out.split()
    check(len(fields) == 4 and fields[0] == "README", f"ls README printed {out!r}")
    return int(fields[3])


def check_reads(command, calls, pid, size):
    """calls are reads by pid, each giving bytes, that add up to size and end with a 0."""
    check(calls, f"`{command}` printed no trace line")
    for call in calls:
        check(call[:2] == (pid, "read"), f"`{command}` traced {call}: expected only reads "
              f"by pid {pid} (the pid the shell gave trace, which exec keeps)")
    results = [r for _, _, r in calls]
    check(results[-1] == 0 and all(r > 0 for r in results[:-1]) and sum(results) == size,
          f"`{command}`: the reads returned {results}: README's {size} bytes, then 0 at its end, "
          f"were expected")


def parse_probe(out, keys):
    """sysinfotest's "sysinfotest: KEY VALUE" lines as a dict; every key of keys must be there."""
    found = dict((k, int(v)) for k, v in re.findall(r"^sysinfotest: (\w+) (-?\d+)$", out,
                                                     re.MULTILINE))
    missing = [k for k in keys if k not in found]
    check(not missing, f"sysinfotest printed no {', '.join(missing)}:\n{out}")
    return found


grader = Grader("syscall", REFERENCE_BOOT_SECONDS,
                leak_rule=LeakRule(spare_frames=0, heap_bytes=0))
shell = grader.boot("boots to the shell", points=0)


@grader.test("trace 32 grep hello README", points=2, parent=shell)
def trace_reads(s):
    size = readme_bytes(s)
    untraced = run(s, "grep hello README")
    pid = next_pid(s)
    command = f"trace {mask('read')} grep hello README"
    calls, rest = traced(run(s, command))
    check_reads(command, calls, pid, size)
    check(rest == untraced, f"`{command}` printed {rest!r} besides its trace lines; grep alone "
          f"prints {untraced!r}")
    after, _ = traced(run(s, "grep hello README"))
    check(not after, f"grep, run after trace by the shell, was traced: {after}")


@grader.test("trace of every call", points=1, parent=shell)
def trace_all(s):
    size = readme_bytes(s)
    matches = run(s, "grep hello README").splitlines()  # grep writes each line it prints
    pid = next_pid(s)
    command = f"trace {ALL_CALLS} grep hello README"
    calls, _ = traced(run(s, command))
    first = [(pid, "trace", 0), (pid, "exec", 3), (pid, "open", 3)]
    check(calls[:3] == first and calls[-1:] == [(pid, "close", 0)],
          f"`{command}` traced {calls}: expected it to begin with {first} (trace itself, exec "
          f"returning grep's argc, open giving fd 3) and end with {(pid, 'close', 0)}")
    writes = [c for c in calls[3:-1] if c[1] == "write"]
    check(len(writes) == len(matches) and all(c[0] == pid and c[2] > 0 for c in writes),
          f"`{command}` traced the writes {writes}: grep prints {len(matches)} lines")
    check_reads(command, [c for c in calls[3:-1] if c[1] != "write"], pid, size)
    pid = next_pid(s)
    command = f"trace {mask('write')} echo hi"
    calls, rest = traced(run(s, command))
    check(calls == [(pid, "write", 3)] and rest == "hi\n",
          f"`{command}` traced {calls} and printed {rest!r}: expected one write of 3 bytes "
          f"by pid {pid} and hi")


@grader.test("trace follows fork", points=2, parent=shell)
def trace_fork(s):
    command = f"echo echo hi | trace {mask('fork', 'exec')} sh"
    out = run(s, command)
    calls, rest = traced(out)
    check("hi\n" in rest, f"`{command}` did not print hi:\n{out}")
    check(len(calls) >= 3 and calls[0][1:] == ("exec", 1) and calls[1][1] == "fork",
          f"`{command}` traced {calls}: expected trace's exec of sh (1 argument), then sh's "
          f"fork, then the child's exec of echo")
    parent, child = calls[0][0], calls[1][2]
    check(calls[1][0] == parent and child > parent,
          f"`{command}`: the fork {calls[1]} is not sh's (pid {parent}) or gave no new pid")
    rest_calls = calls[2:]
    check(all(c[:2] == (child, "exec") for c in rest_calls) and rest_calls[-1][2] == 2,
          f"`{command}` traced {rest_calls} after the fork: expected the child {child}'s exec "
          f"of echo (2 arguments): the child inherits the mask")


@grader.test("trace refuses a bad mask", points=1, parent=shell)
def trace_bad_mask(s):
    for command in ("trace -1 echo hi", "trace abc echo hi"):
        out = run(s, command)
        calls, rest = traced(out)
        check(not calls and "hi" not in rest.split() and rest.strip(),
              f"`{command}` should print an error and run nothing; it printed:\n{out}")
        status = exit_status(s, command)
        check(status != 0, f"`{command}` exited with status 0")
    command = "trace 0 echo hi"
    out = run(s, command)
    check(out == "hi\n", f"`{command}` should trace nothing and print hi; it printed:\n{out}")


@grader.test("sysinfo free memory matches memstat", points=2, parent=shell)
def sysinfo_memory(s):
    got = parse_probe(run(s, "sysinfotest"), ["freemem", "memstat_free_bytes", "nproc",
                                              "memstat_processes"])
    check(got["freemem"] == got["memstat_free_bytes"],
          f"sysinfo said {got['freemem']} bytes free; memstat, just before and after it, "
          f"{got['memstat_free_bytes']} (its free frames times {PAGE})")
    check(got["nproc"] == got["memstat_processes"],
          f"sysinfo counted {got['nproc']} processes, memstat {got['memstat_processes']}")


@grader.test("sysinfo counts processes", points=1, parent=shell)
def sysinfo_processes(s):
    listed = len(run(s, "ps").splitlines()) - 1  # ps, the shell and init: as many as now
    got = parse_probe(run(s, f"sysinfotest procs {CHILDREN}"), ["before", "with", "after"])
    want = {"before": listed, "with": listed + CHILDREN, "after": listed}
    check(got == want, f"sysinfo counted {got} processes; expected {want} (ps listed {listed}: "
          f"itself, the shell and init, as sysinfotest, the shell and init; then {CHILDREN} "
          f"children more until they end)")


@grader.test("sysinfo follows allocation", points=1, parent=shell)
def sysinfo_allocation(s):
    got = parse_probe(run(s, f"sysinfotest grow {GROW_PAGES}"), ["before", "grown", "after"])
    taken = (got["before"] - got["grown"]) // PAGE
    given = (got["after"] - got["grown"]) // PAGE
    low, high = GROW_PAGES, GROW_PAGES + TABLE_SLACK_PAGES
    check(low <= taken <= high and low - TABLE_SLACK_PAGES <= given <= high,
          f"sysinfo's free memory {got}: {taken} pages fewer after sysinfotest touched "
          f"{GROW_PAGES} new pages, {given} more after it gave them back; both should be "
          f"{low}..{high} (page tables may come and go)")


@grader.test("sysinfo refuses bad addresses", points=1, parent=shell)
def sysinfo_bad_address(s):
    places = ["null", "text", "root", "break", "top", "kernel", "huge"]
    got = parse_probe(run(s, "sysinfotest bad"), places + ["good"])
    wrong = {p: got[p] for p in places if got[p] != -1}
    check(not wrong, f"sysinfo returned {wrong} for addresses it must not write (-1 expected: "
          f"copy out through kernel/uaccess.h)")


if __name__ == "__main__":
    sys.exit(grader.main())
