#!/usr/bin/env python3
"""tools/stress.py - run the QEMU system tests again and again on a busy machine.

    python3 tools/stress.py --runs 10 --hogs 2            # the whole QEMU suite
    python3 tools/stress.py --runs 5 --hogs 2 -k guard    # tests whose name has "guard"
    make stress RUNS=10 HOGS=2 K="boot ipi"

It starts HOGS CPU hogs (`yes`, output thrown away), runs the suite
(grading/run_tests.py) RUNS times one after another, and stops the hogs at
the end, also on failure, Ctrl-C or SIGTERM. Each run's output goes to
build/stress/run-N.log; the console shows one line per run and then the
summary, for example:

    stress: 10 runs, 2 hogs: 9 passed, 1 failed; flaky tests: boot_plic (1 of 10)
    stress: flake rate 10% (runs with a failure)

Exit status: 0 if every run passed, 1 if any failed, 130 on Ctrl-C.
Python standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SUITE = [sys.executable, "grading/run_tests.py"]
HOG = ["yes"]
STOP_GRACE_SECONDS = 10  # a stopped suite gets this long to kill its QEMU before SIGKILL

RESULT_LINE = re.compile(r"^(\S.*): (OK|FAIL) \(\d+\.\ds\)$")
SUMMARY_LINE = re.compile(r"^(\d+) passed, (\d+) failed$")


@dataclass
class Run:
    """What one run of the suite reported."""

    number: int
    exit_status: int
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    summary_seen: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.failed and self.summary_seen


def parse_run(number: int, exit_status: int, output: str) -> Run:
    """The tests a suite's output names as OK and FAIL (run_tests.py's format)."""
    run = Run(number, exit_status)
    for line in output.splitlines():
        result = RESULT_LINE.match(line)
        if result:
            (run.passed if result.group(2) == "OK" else run.failed).append(result.group(1))
        elif SUMMARY_LINE.match(line):
            run.summary_seen = True
    return run


def describe_run(run: Run, runs: int) -> str:
    text = f"stress: run {run.number} of {runs}: {len(run.passed)} passed, {len(run.failed)} failed"
    if run.failed:
        text += ": " + ", ".join(run.failed)
    elif not run.ok:
        text += f" (the suite exited {run.exit_status} without naming a failed test)"
    return text


def summarize(runs: list[Run], hogs: int) -> list[str]:
    """The closing lines: runs passed and failed, flaky tests with their counts, the flake rate."""
    failed_runs = [r for r in runs if not r.ok]
    failures: dict[str, int] = {}
    for run in runs:
        for name in run.failed:
            failures[name] = failures.get(name, 0) + 1
    flaky = ", ".join(f"{name} ({count} of {len(runs)})"
                      for name, count in sorted(failures.items(), key=lambda item: -item[1]))
    lines = [f"stress: {len(runs)} runs, {hogs} hogs: {len(runs) - len(failed_runs)} passed, "
             f"{len(failed_runs)} failed; flaky tests: {flaky or 'none'}"]
    rate = 100 * len(failed_runs) // len(runs) if runs else 0
    lines.append(f"stress: flake rate {rate}% (runs with a failure)")
    return lines


class Hogs:
    """CPU hogs, each in its own process group; stop() always kills every one."""

    def __init__(self, count: int, argv: list[str]):
        self.processes: list[subprocess.Popen] = []
        for _ in range(count):
            self.processes.append(subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        self.processes.clear()


def run_suite(argv: list[str], number: int, log_path: Path) -> Run:
    """Runs the suite once, its output into log_path; stops it if we are interrupted."""
    environment = dict(os.environ, MAGMA_STRESS_RUN=str(number))
    with open(log_path, "w") as log:
        suite = subprocess.Popen(argv, cwd=REPO_ROOT, env=environment, stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            status = suite.wait()
        except BaseException:
            stop_suite(suite)
            raise
    return parse_run(number, status, log_path.read_text(errors="replace"))


def stop_suite(suite: subprocess.Popen) -> None:
    """SIGTERM first: run_tests.py then kills the QEMU it started."""
    suite.terminate()
    try:
        suite.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        suite.kill()
        suite.wait()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the QEMU tests N times under M CPU hogs.")
    parser.add_argument("--runs", type=int, default=10, help="how many times (default 10)")
    parser.add_argument("--hogs", type=int, default=2, help="CPU hogs to start (default 2)")
    parser.add_argument("-k", dest="substrings", action="append", default=[],
                        metavar="SUBSTRING", help="only tests whose name contains SUBSTRING")
    parser.add_argument("--log-dir", type=Path, default=REPO_ROOT / "build" / "stress",
                        help="where run-N.log files go (default build/stress)")
    parser.add_argument("--suite", default=shlex.join(SUITE),
                        help="the suite command (default: %(default)s); -k options are added")
    parser.add_argument("--hog", default=shlex.join(HOG), help="a hog's command (default: yes)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.hogs < 0:
        parser.error("--runs must be at least 1 and --hogs at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    suite = shlex.split(args.suite) + [arg for k in args.substrings for arg in ("-k", k)]
    args.log_dir.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    hogs = Hogs(args.hogs, shlex.split(args.hog))
    try:
        print(f"stress: {args.hogs} hogs ({args.hog}), pids {hogs.pids or 'none'}; "
              f"suite: {shlex.join(suite)}; logs in {args.log_dir}")
        for number in range(1, args.runs + 1):
            run = run_suite(suite, number, args.log_dir / f"run-{number}.log")
            runs.append(run)
            print(describe_run(run, args.runs))
    except KeyboardInterrupt:
        print("stress: interrupted")
        return 130
    finally:
        hogs.stop()
        if runs:
            for line in summarize(runs, args.hogs):
                print(line)
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
