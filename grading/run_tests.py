#!/usr/bin/env python3
"""Run magma's system tests and report each one as OK or FAIL.

    python3 grading/run_tests.py                     # every grading/*_tests.py
    python3 grading/run_tests.py -k boot -k smp      # names containing "boot" or "smp"
    python3 grading/run_tests.py --list              # only print the test names
    python3 grading/run_tests.py grading/boot_tests.py

Tests are functions registered with @test (see harness.py).  For each test
the runner prints `name: OK (1.2s)` or `name: FAIL (3.4s)`; a failure is
followed, indented, by its message and the end of the console output of the
QEMU sessions the test started.  The last line is `N passed, N failed`.

Exit status: 0 if every test passed, 1 if any failed or none ran, 130 on
Ctrl-C.  QEMU is killed after each test and on Ctrl-C.
"""

import argparse
import importlib.util
import sys
import time
import traceback
from pathlib import Path

import harness

GRADING_DIR = Path(__file__).resolve().parent
TAIL_LINES = 40  # console lines shown for a failed test, shared by its sessions
TRACEBACK_LINES = 8  # lines of traceback shown for an unexpected exception
INDENT = "    "


class Report:
    """Prints each result as it comes and counts them."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name: str, seconds: float, failure: str | None) -> None:
        if failure is None:
            self.passed += 1
            print(f"{name}: OK ({seconds:.1f}s)")
        else:
            self.failed += 1
            print(f"{name}: FAIL ({seconds:.1f}s)")
            for line in failure.splitlines():
                print(f"{INDENT}{line}".rstrip())

    def print_summary(self) -> None:
        print(f"{self.passed} passed, {self.failed} failed")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run magma's QEMU system tests.")
    parser.add_argument("-k", dest="substrings", action="append", metavar="SUBSTRING",
                        help="run only tests whose name contains SUBSTRING (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the tests, run nothing")
    parser.add_argument("modules", nargs="*",
                        help="test modules, as paths or names in grading/ "
                             "(default: every grading/*_tests.py)")
    return parser.parse_args(argv)


def module_paths(modules: list[str]) -> list[Path]:
    if not modules:
        return sorted(GRADING_DIR.glob("*_tests.py"))
    return [Path(m) if m.endswith(".py") else GRADING_DIR / f"{m}.py" for m in modules]


def import_module(path: Path) -> None:
    """Import a test module by file path; its @test functions register themselves."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)


def is_selected(name: str, substrings: list[str] | None) -> bool:
    return not substrings or any(s in name for s in substrings)


def describe(error: Exception) -> str:
    """A TestFailure's message, or the end of the traceback of anything else."""
    if isinstance(error, harness.TestFailure):
        return str(error)
    test_frames = error.__traceback__.tb_next  # skip run_guarded's own frame
    lines = "".join(traceback.format_exception(type(error), error, test_frames)).splitlines()
    return "\n".join(lines[-TRACEBACK_LINES:])


def console_tails(sessions: list[harness.ConsoleProcess]) -> list[str]:
    if not sessions:
        return []
    lines_each = max(10, TAIL_LINES // len(sessions))
    report = []
    for session in sessions:
        report.append(f"--- last {lines_each} console lines of {session.name} "
                      f"(pid {session.pid}) ---")
        report.append(session.tail(lines_each) or "(no output)")
    return report


def run_guarded(fn) -> str | None:
    """Call fn(); return None if it succeeded, else a failure report.

    Every process the call started is killed before this returns.
    """
    harness.begin_test()
    error = None
    try:
        fn()
    except Exception as caught:
        error = caught
    finally:
        harness.kill_all()
    if error is None:
        return None
    return "\n".join([describe(error)] + console_tails(harness.used_sessions()))


def run(args: argparse.Namespace, report: Report) -> None:
    for path in module_paths(args.modules):
        start = time.monotonic()
        failure = run_guarded(lambda: import_module(path))
        if failure:  # a broken test module counts as a failed test
            report.record(f"import {path.stem}", time.monotonic() - start, failure)
    tests = [t for t in harness.TESTS if is_selected(t.name, args.substrings)]
    if args.list:
        for t in tests:
            print(t.name)
        return
    for t in tests:
        start = time.monotonic()
        failure = run_guarded(t.fn)
        report.record(t.name, time.monotonic() - start, failure)


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # CI logs must show each line at once
    args = parse_args(argv)
    report = Report()
    try:
        run(args, report)
    except KeyboardInterrupt:  # run_guarded() has killed QEMU already
        print("interrupted")
        report.print_summary()
        return 130
    if args.list:
        return 1 if report.failed else 0
    if report.passed + report.failed == 0:
        print("no test ran")
    report.print_summary()
    return 0 if report.passed and not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
