#!/usr/bin/env python3
"""labs/util/grade.py - the grader of lab util (sleep, pingpong, primes, find, xargs).

One boot, shared by every test; its setup builds the directory tree that
find and xargs search (TREE). Each verdict comes from what the grader sees
at the console and computes itself: the lines a program prints against the
lines it should print, pids against the ones the shell hands out
(shell_probe.next_pid), exit statuses from the shell's report on a
background job (shell_probe.exit_status), and for sleep the time the
grader itself measured (a lower bound only: a slow host makes a sleep
longer, never shorter). The lab allows no leak: no spare frame and no
kernel heap byte may be lost across a test.
"""

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "grading"))
sys.path.insert(0, str(HERE))

from gradelib import Grader, LeakRule, check  # noqa: E402  (needs the path above)
from shell_probe import exit_status, next_pid, run  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
TICK_SECONDS = 0.01  # the kernel's clock runs at 100 Hz
SLEEP_TICKS = 50
PRIMES_LAST = 280
SHOWN_LINES = 10  # a failure shows the lines expected up to this many
XARGS_SLEEP_TICKS = 20

# The tree find searches, built at the prompt: (path, None) is a directory,
# (path, text) a file holding text and a newline. Directory order is the
# order made here; find's output is compared as a set of lines, so any
# order of walking passes.
TOP = "lab_util"
TREE = [
    (TOP, None),
    (f"{TOP}/b", "hello one"),
    (f"{TOP}/bb", "hello not a b"),
    (f"{TOP}/a", None),
    (f"{TOP}/a/b", "hello two"),
    (f"{TOP}/a/ab", "hello not a b either"),
    (f"{TOP}/a/c", None),
    (f"{TOP}/a/c/b", "goodbye three"),
    (f"{TOP}/d", None),
    (f"{TOP}/d/b", None),  # a directory called b: found, and walked
    (f"{TOP}/d/b/b", "hello four"),
    (f"{TOP}/d/b/e", "hello five"),
]


def build_tree(s):
    for path, text in TREE:
        command = f"mkdir {path}" if text is None else f"echo {text} > {path}"
        out = run(s, command)
        check(out == "", f"`{command}` printed {out!r}: cannot build the tree for find")


def named(name, under=TOP, shown_as=None):
    """The lines `find under name` should print; shown_as replaces under in them."""
    prefix = shown_as if shown_as is not None else under
    return sorted(prefix + path[len(under):] for path, _ in TREE
                  if path.startswith(under + "/") and path.rsplit("/", 1)[-1] == name)


def check_lines(command, out, want, ordered=True):
    """out's lines are want (in any order unless ordered); else a failure naming the first miss."""
    got = out.splitlines()
    if not ordered:
        got = sorted(got)
    if got == want:
        return
    if len(want) <= SHOWN_LINES:
        shown = "\n".join(want) or "(nothing)"
        check(False, f"`{command}` printed:\n{out}--- but should print:\n{shown}")
    first = next(i for i in range(len(want) + 1) if i == len(want) or i == len(got)
                 or got[i] != want[i])
    check(False, f"`{command}` printed {len(got)} lines, {len(want)} expected; "
          f"{'sorted, ' if not ordered else ''}line {first + 1} is "
          f"{got[first] if first < len(got) else '(none)'!r}, expected "
          f"{want[first] if first < len(want) else '(none)'!r}")


grader = Grader("util", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0))
shell = grader.boot("boots to the shell, builds the tree for find", points=0, setup=build_tree)


@grader.test("sleep waits its ticks", points=2, parent=shell)
def sleep_waits(s):
    start = time.monotonic()
    out = run(s, f"sleep {SLEEP_TICKS}")
    seconds = time.monotonic() - start
    check(out == "", f"sleep {SLEEP_TICKS} printed {out!r}")
    shortest = (SLEEP_TICKS - 1) * TICK_SECONDS  # the first tick may come at once
    check(seconds >= shortest, f"sleep {SLEEP_TICKS} came back after {seconds:.3f}s: "
          f"{SLEEP_TICKS} ticks are at least {shortest:.2f}s")
    status = exit_status(s, "sleep 5")
    check(status == 0, f"sleep 5 exited with status {status}, not 0")


@grader.test("sleep refuses a missing argument", points=1, parent=shell)
def sleep_no_argument(s):
    out = run(s, "sleep")
    check(out.strip(), "sleep without an argument printed no message")
    status = exit_status(s, "sleep")
    check(status != 0, "sleep without an argument exited with status 0")


@grader.test("pingpong", points=2, parent=shell)
def pingpong(s):
    parent = next_pid(s)
    out = run(s, "pingpong")
    check_lines("pingpong", out, [f"{parent + 1}: received ping", f"{parent}: received pong"])
    check(exit_status(s, "pingpong > lab_util_pingpong") == 0, "pingpong exited with a status "
          "other than 0")
    check(run(s, "rm lab_util_pingpong") == "", "could not remove pingpong's output file")


@grader.test("primes", points=2, parent=shell)
def primes(s):
    want = [f"prime {n}" for n in range(2, PRIMES_LAST + 1)
            if all(n % d for d in range(2, n))]
    check_lines("primes", run(s, "primes"), want)
    check(not run(s, "ps").count("primes"), "a primes process is left after primes returned")


@grader.test("find in one directory", points=1, parent=shell)
def find_flat(s):
    command = f"find {TOP}/a/c b"
    check_lines(command, run(s, command), named("b", f"{TOP}/a/c"))
    command = f"find {TOP} nothing-has-this-name"
    check_lines(command, run(s, command), [])


@grader.test("find walks subdirectories", points=2, parent=shell)
def find_deep(s):
    for name in ("b", "ab", "e"):
        command = f"find {TOP} {name}"
        check_lines(command, run(s, command), named(name), ordered=False)


@grader.test("find from . and from /", points=1, parent=shell)
def find_relative(s):
    check(run(s, f"cd {TOP}/a") == "", f"cd {TOP}/a failed")
    try:
        check_lines("find . b", run(s, "find . b"), named("b", f"{TOP}/a", "."),
                    ordered=False)
    finally:
        run(s, "cd /")
    command = "find / b"
    check_lines(command, run(s, command), named("b", TOP, f"/{TOP}"), ordered=False)


@grader.test("xargs appends a line's words", points=2, parent=shell)
def xargs_words(s):
    command = "echo hello too | xargs echo bye"
    check_lines(command, run(s, command), ["bye hello too"])


@grader.test("xargs runs the command once a line", points=2, parent=shell)
def xargs_lines(s):
    for line in ("echo 1 2 > lab_util_lines", "echo >> lab_util_lines",
                 "echo 3 >> lab_util_lines"):
        check(run(s, line) == "", f"`{line}` failed")
    command = "xargs echo line < lab_util_lines"
    check_lines(command, run(s, command), ["line 1 2", "line 3"])
    check(run(s, "rm lab_util_lines") == "", "could not remove xargs's input file")


@grader.test("xargs waits for each command", points=1, parent=shell)
def xargs_waits(s):
    command = f"(echo {XARGS_SLEEP_TICKS} ; echo {XARGS_SLEEP_TICKS}) | xargs sleep"
    start = time.monotonic()
    out = run(s, command)
    seconds = time.monotonic() - start
    check(out == "", f"`{command}` printed {out!r}")
    shortest = (2 * XARGS_SLEEP_TICKS - 2) * TICK_SECONDS  # each sleep's first tick may come at once
    check(seconds >= shortest, f"`{command}` came back after {seconds:.3f}s: two sleeps of "
          f"{XARGS_SLEEP_TICKS} ticks, one after the other, take at least {shortest:.2f}s")


@grader.test("find | xargs grep", points=1, parent=shell)
def find_xargs_grep(s):
    command = f"find {TOP} b | xargs grep hello"
    files = dict(TREE)
    want = sorted(files[path] for path in named("b") if files[path] and "hello" in files[path])
    check_lines(command, run(s, command), want, ordered=False)


if __name__ == "__main__":
    sys.exit(grader.main())
