#!/usr/bin/env python3
"""tests/run_all.py - runs every suite of `make test` and adds up the results.

Suites, in order: host unit tests (C, with sanitizers), the Python unit
tests (device-tree generator, QEMU harness, lab grader, handout markers), the
tool-script tests, the layout of the C sources (clang-format, one test per
file), the crash test (`make crash-test`: one test, passed when its thousands
of crash states are all right), the QEMU system tests, and the labs
(grading/lab_check.py: each lab's solved tree at full marks, its starter
below them). Each suite's own output is shown as it runs; the last
line is the total, `N passed, N failed`. Exits 1 if anything failed or a
suite could not report a count (a suite that ran no test counts as failed).

    tests/run_all.py [--only host|python|tools|format|crash|qemu|labs ...]
"""
import argparse
import glob
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed\b", re.M)
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests?", re.M)
UNITTEST_FAILED = re.compile(r"^FAILED \((.*)\)", re.M)


LEFT_BEHIND_GRACE_SECONDS = 30  # for the suite's last output after its main process exits


def run(argv, label):
    """Runs one command, echoing its output; returns (exit code, output).

    The suite runs in its own session. Once its main process has exited, a
    process it left behind that still holds the output pipe open is killed
    (with the whole session) instead of keeping this runner waiting for an
    end of file that never comes; the suite then counts as failed.
    """
    print(f"== {label}", flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True)
    lines = []

    def echo():
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    code = proc.wait()
    reader.join(LEFT_BEHIND_GRACE_SECONDS)
    if reader.is_alive():
        print(f"== {label}: a process it started outlived it and holds its output: killed",
              flush=True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        reader.join(5)
        code = code or 1
    print(f"== {label}: exit {code} ({time.monotonic() - start:.1f}s)", flush=True)
    return code, "".join(lines)


def counted(code, output):
    """(passed, failed) from a suite that prints `N passed, N failed`."""
    match = None
    for match in SUMMARY.finditer(output):
        pass
    if not match:
        return 0, 1  # no count at all: treat as a failure of the suite
    passed, failed = int(match.group(1)), int(match.group(2))
    if code != 0 and failed == 0:
        failed = 1  # crashed after printing, or a sanitizer report at exit
    if passed + failed == 0:
        failed = 1
    return passed, failed


def counted_unittest(code, output):
    """(passed, failed) from Python's unittest output."""
    ran = UNITTEST_RAN.search(output)
    if not ran:
        return 0, 1
    total = int(ran.group(1))
    failed = 0
    bad = UNITTEST_FAILED.search(output)
    if bad:
        failed = sum(int(n) for n in re.findall(r"=(\d+)", bad.group(1)))
    if code != 0 and failed == 0:
        failed = 1
    return max(total - failed, 0), failed or (1 if total == 0 else 0)


def host_suites():
    binaries = sorted(glob.glob(os.path.join(ROOT, "build", "host", "test_*")))
    binaries = [b for b in binaries if os.access(b, os.X_OK) and not b.endswith(".d")]
    if not binaries:
        print("no host test binaries in build/host: run `make host-test-build` first")
        return [(0, 1)]
    return [counted(*run([b], f"host: {os.path.basename(b)}")) for b in binaries]


def python_suites():
    results = []
    for path in ("tests/test_mkdts.py", "tests/test_usys.py", "tests/test_handout.py",
                 "grading/test_harness_selftest.py",
                 "grading/test_gradelib.py"):
        results.append(counted_unittest(*run([sys.executable, path], f"python: {path}")))
    return results


def tools_suites():
    return [counted(*run(["bash", "tests/test_tools.sh"], "tools: tests/test_tools.sh"))]


def format_suites():
    return [counted(*run(["bash", "tools/format.sh", "--check"], "format: tools/format.sh --check"))]


CRASH_COUNT = re.compile(r"^crash-test: (\d+) crash states checked, (\d+) wrong$", re.M)
CRASH_MIN_STATES = 2000  # fewer: the workload or the test lost its reach


def crash_suites():
    code, output = run(["make", "-s", "--no-print-directory", "crash-test"], "crash: make crash-test")
    match = CRASH_COUNT.search(output)
    if code == 0 and match and int(match.group(2)) == 0 and int(match.group(1)) >= CRASH_MIN_STATES:
        return [(1, 0)]
    if match and int(match.group(1)) < CRASH_MIN_STATES:
        print(f"crash: only {match.group(1)} crash states, fewer than {CRASH_MIN_STATES}")
    return [(0, 1)]


def qemu_suites():
    return [counted(*run([sys.executable, "grading/run_tests.py"], "qemu: grading/run_tests.py"))]


def lab_suites():
    return [counted(*run([sys.executable, "grading/lab_check.py"], "labs: grading/lab_check.py"))]


SUITES = {"host": host_suites, "python": python_suites, "tools": tools_suites,
          "format": format_suites, "crash": crash_suites, "qemu": qemu_suites, "labs": lab_suites}


def main():
    parser = argparse.ArgumentParser(description="Run magma's test suites.")
    parser.add_argument("--only", nargs="+", choices=SUITES, help="run only these suites")
    args = parser.parse_args()
    passed = failed = 0
    for name in args.only or SUITES:
        for p, f in SUITES[name]():
            passed += p
            failed += f
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
