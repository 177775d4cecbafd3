"""Library for the lab graders (labs/NAME/grade.py): tests with points, a score.

A grader declares boots and tests; `make grade LAB=name` runs it:

    grader = Grader("example", reference_boot_seconds=3.0)
    shell = grader.boot("boots to the shell", points=1)

    @grader.test("echo", points=2, parent=shell)
    def echo(s):
        check(s.run("echo hi").strip() == "hi", "echo did not print hi")

    sys.exit(grader.main())

A test with a parent runs on the parent boot's shell, after the tests declared
before it (several scored checks on one boot); a test without one is a
function of no arguments that starts what it needs (harness.Qemu). Each test
prints `name: OK (1.2s)`, `name: FAIL (1.2s)` with the reason, the tail of the
console and the file that holds the whole console log, or `name: FLAKY (passed
on rerun)`; then `Score: N/M`. Exit status 0 only on full marks (and, with
--strict, no flaky test). results.json and junit.xml land beside the logs in
build/grade/NAME/.

Reruns. A test that fails runs once more, on a fresh boot. If it passes then,
it is FLAKY: it scores (the same code passed; a loaded machine is not the
student's fault) but says so on its line, in the JSON ("status": "flaky") and
in the JUnit XML (a <flakyFailure>, as Maven's rerun reports write it). A lab
whose bug is a race sets flaky_scores=False: there a pass on the second try is
no pass. After a test fails, its shared boot is not used again (the failure may
have left the shell in any state): the tests after it go on on the rerun's boot
if the rerun passed, else on a fresh one.

Timeouts. Before the tests, a calibration boot (to the shell's prompt) is timed
on this machine and compared with the lab's reference_boot_seconds: every
timeout is multiplied by factor = max(1, measured / reference), and by
$MAGMA_TIMEOUT_SCALE on top (both go into $MAGMA_TIMEOUT_SCALE, which
harness.scaled() reads). The measurement is cached per build (a hash of the
QEMU command and the size and time of every file it names) and machine in
build/grade/calibration.json. A calibration boot that does not reach the
prompt measures nothing: the slowest boot cached for this machine counts, or,
with none, the limit of CALIBRATION_LIMIT_TIMES references (the machine is at
least that slow). A slow machine gets long timeouts, never a failure from
calibrating.

Leak check. Around every test on a shared boot, the grader runs memstat in the
guest (as grading/user_tests.py does) and compares the spare frames (free,
plus those the kernel heap and kernel page tables keep) and the kernel heap's
bytes in use after the test with before it. The lab's LeakRule says how much
each may change; a test may carry its own rule, or leak=None.

Verdicts a program cannot fake. A line a test program prints ("test x: OK")
proves nothing: a student's program can print it too. A grader decides from
what it observes itself (output it compares, exit status, files, counters in
the root, gdb) or from a tagged report (check_tagged): the grader types
`PROGRAM TEST NONCE` with a fresh random nonce; the test program derives the
run's key as HMAC-SHA256(secret, "magma-grade-key" NONCE) from a secret built
into it (read here from the lab's secret file, never typed), prints its report
lines as `grade-line TEST: text`, and ends with `grade-end TEST: PASS tag=HEX`,
HEX being HMAC-SHA256(key, "TEST\\nPASS\\n" + each report line + "\\n"). So a
program without the secret cannot make a pass line, a pass line copied from an
earlier run fails (another nonce), and a report line changed on the way fails.
The secret is in the test program's image, so a student who extracts it on
purpose could forge: the tag stops printing, copying and replaying, not a
deliberate forger, whose code shows it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import traceback
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import harness
from harness import TestFailure, check  # noqa: F401  (graders import check from here)

BOOT_TIMEOUT = 60  # seconds to the shell's prompt, before scaling
COMMAND_TIMEOUT = 60
CALIBRATION_LIMIT_TIMES = 10  # a calibration boot waits this many reference times at most
TAIL_LINES = 40
INDENT = "    "
RESULTS_DIR = harness.REPO_ROOT / "build" / "grade"
GRADER_ERROR = 2  # main's exit status when the grader breaks, not the code under test
DEFAULT_SECRET = RESULTS_DIR / "secret"  # written by the build of the labs' test programs


# ---------------------------------------------------------------- leak check


@dataclass
class MemStat:
    """What memstat printed: the figures a leak check compares."""

    free_frames: int
    spare_frames: int  # free, plus the frames the kernel heap and page tables keep
    heap_bytes_used: int


MEMSTAT_FREE = re.compile(r"frames: \d+ total \(\d+ KiB\), (\d+) free")
MEMSTAT_HEAP = re.compile(r"kernel heap: (\d+) of (\d+) bytes in use, in (\d+) frames")
MEMSTAT_TABLES = re.compile(r"spare frames: \d+ \(free, or kept by the kernel heap and "
                            r"(\d+) kernel page tables\)")


def parse_memstat(text: str) -> MemStat:
    """memstat's figures; TestFailure if a line is missing.

    The spare frames are added up here from the separate figures (free, heap
    size in frames, page tables), not taken from memstat's own sum.
    """
    free = MEMSTAT_FREE.search(text)
    heap = MEMSTAT_HEAP.search(text)
    tables = MEMSTAT_TABLES.search(text)
    check(free and heap and tables,
          f"memstat printed no free-frame count, kernel heap or table count:\n{text}")
    spare = int(free.group(1)) + int(heap.group(3)) + int(tables.group(1))
    return MemStat(int(free.group(1)), spare, int(heap.group(1)))


@dataclass(frozen=True)
class LeakRule:
    """How much a test may take from memory for good: spare frames, heap bytes in use.

    None leaves that figure unchecked (e.g. a lab whose kernel keeps a cache).
    """

    spare_frames: int | None = 0
    heap_bytes: int | None = 0


def leak_problems(before: MemStat, after: MemStat, rule: LeakRule) -> list[str]:
    """What the rule finds wrong with the figures after a test; [] if nothing."""
    problems = []
    lost = before.spare_frames - after.spare_frames
    if rule.spare_frames is not None and lost > rule.spare_frames:
        problems.append(f"{lost} spare frames lost ({before.spare_frames} before, "
                        f"{after.spare_frames} after; {rule.spare_frames} allowed)")
    grown = after.heap_bytes_used - before.heap_bytes_used
    if rule.heap_bytes is not None and grown > rule.heap_bytes:
        problems.append(f"kernel heap grew by {grown} bytes in use ({before.heap_bytes_used} "
                        f"before, {after.heap_bytes_used} after; {rule.heap_bytes} allowed)")
    return problems


# ---------------------------------------------------------------- tagged reports

KEY_LABEL = b"magma-grade-key"
PASS = "PASS"


def derive_key(secret: bytes, nonce: str) -> bytes:
    """The key of one run of a test program: HMAC-SHA256(secret, "magma-grade-key" nonce)."""
    return hmac.new(secret, KEY_LABEL + nonce.encode(), hashlib.sha256).digest()


def report_tag(key: bytes, test: str, verdict: str, lines: list[str]) -> str:
    """The tag (hex) a test program puts on its grade-end line."""
    message = "".join(part + "\n" for part in [test, verdict] + lines)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def verify_report(output: str, key: bytes, test: str) -> list[str]:
    """A tagged report in `output`: its grade-line texts if it is a pass with a right tag.

    Raises TestFailure for no report, two reports, a wrong tag (forged,
    replayed or garbled) or a verdict other than PASS.
    """
    name = re.escape(test)
    lines = re.findall(rf"^grade-line {name}: (.*)$", output, re.MULTILINE)
    ends = re.findall(rf"^grade-end {name}: (\S+) tag=(\S*)$", output, re.MULTILINE)
    check(ends, f"no tagged report (grade-end {test}: ...) in the output:\n{output}")
    check(len(ends) == 1, f"{len(ends)} grade-end lines for {test}: one run makes one")
    verdict, tag = ends[0]
    want = report_tag(key, test, verdict, lines)
    check(hmac.compare_digest(tag, want),
          f"the tag on {test}'s report does not match what the grader computes from this "
          f"run's key: the report was not made by the test program in this run (printed, "
          f"copied from another run, or garbled on the console)")
    check(verdict == PASS, f"the test program says {verdict}:\n" + "\n".join(lines))
    return lines


# ---------------------------------------------------------------- host test programs


class HostTests:
    """A host test program (tests/check.h: a `name: OK` or `name: FAIL` line per test) that a
    lab scores in groups of its tests. Built by `make TARGET` and run once per grade run."""

    def __init__(self, make_target: str, program: str, source: str, timeout: float = 300):
        self.make_target = make_target
        self.program = program  # e.g. "build/host/test_heap", from the top of the tree
        self.source = source  # named in failures, e.g. "tests/test_heap.c"
        self.timeout = timeout
        self._output: str | None = None

    def build(self) -> None:
        harness.host_tool(self.make_target)

    def output(self) -> str:
        if self._output is None:
            self.build()
            done = subprocess.run([str(Path(harness.REPO_ROOT) / self.program)],
                                  cwd=harness.REPO_ROOT, capture_output=True, text=True,
                                  timeout=harness.scaled(self.timeout))
            self._output = done.stdout + done.stderr
        return self._output

    def check(self, names: list[str]) -> None:
        """TestFailure naming the first of `names` that failed (with its failed checks, the
        lines above its verdict) or did not run (the program stopped before it)."""
        out = self.output()
        for name in names:
            verdict = re.search(rf"^{re.escape(name)}: (OK|FAIL)$", out, re.MULTILINE)
            if verdict and verdict.group(1) == "OK":
                continue
            if verdict:
                above = out[:verdict.start()].splitlines()[-12:]
                check(False, f"{self.source} {name}: FAIL\n" + "\n".join(above))
            check(False, f"{self.source} {name} did not run: the test program stopped before "
                  f"it (a crash: the sanitizer's report is among its last lines):\n"
                  + "\n".join(out.splitlines()[-10:]))


# ---------------------------------------------------------------- the shell


class Shell:
    """A booted system at its shell's prompt, shared by a boot's tests."""

    def __init__(self, q: harness.ConsoleProcess, grader: Grader, log: str):
        self.q = q
        self.log = log  # where its console log is written when the boot ends
        self._grader = grader

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Type command at the prompt; what it printed before the next prompt."""
        return harness.run_at_prompt(self.q, command, timeout)

    def memstat(self) -> MemStat:
        return parse_memstat(self.run("memstat"))

    def check_tagged(self, program: str, test: str, timeout: float = COMMAND_TIMEOUT) -> list[str]:
        """Run `program test NONCE` with a fresh nonce; its report's lines if it passed."""
        nonce = secrets.token_hex(16)
        output = self.run(f"{program} {test} {nonce}", timeout)
        return verify_report(output, derive_key(self._grader.secret(), nonce), test)


# ---------------------------------------------------------------- declarations


@dataclass
class Boot:
    """A parent: one boot to the shell that the tests declared with it share."""

    name: str
    points: int
    qemu_options: dict
    setup: Callable[[Shell], None] | None = None
    children: list[Test] = field(default_factory=list)


USE_LAB_RULE = object()  # a test's leak rule is the lab's unless it names another


@dataclass
class Test:
    name: str
    points: int
    fn: Callable
    parent: Boot | None
    leak: LeakRule | None


@dataclass
class Result:
    name: str
    points: int
    max_points: int
    status: str  # "ok", "fail" or "flaky"
    seconds: float
    parent: str | None = None
    message: str = ""  # why it failed (for a flaky test: why the first run failed)
    logs: list[str] = field(default_factory=list)


class Grader:
    """One lab's tests, their points, and the run that scores them."""

    def __init__(self, lab: str, reference_boot_seconds: float,
                 leak_rule: LeakRule | None = LeakRule(), flaky_scores: bool = True,
                 secret_path: Path = DEFAULT_SECRET):
        self.lab = lab
        self.reference_boot_seconds = reference_boot_seconds
        self.leak_rule = leak_rule
        self.flaky_scores = flaky_scores
        self.secret_path = Path(secret_path)
        self.items: list[Boot | Test] = []  # in declaration order
        self.results: list[Result] = []
        self.out_dir = RESULTS_DIR / lab
        self.reruns = True  # a failed test runs once more (main's --no-rerun turns it off)
        self._log_count: dict[str, int] = {}

    def boot(self, name: str, points: int = 0, setup: Callable[[Shell], None] | None = None,
             **qemu_options) -> Boot:
        """Declare a boot to the shell (harness.qemu_command(**qemu_options)).

        `points` score the boot itself; `setup`, if given, runs after the
        prompt (and counts as part of the boot).
        """
        boot = Boot(name, points, qemu_options, setup)
        self._declare(boot)
        return boot

    def test(self, name: str, points: int, parent: Boot | None = None, leak=USE_LAB_RULE):
        """Decorator: fn(shell) on `parent`'s boot, or fn() on its own, worth `points`.

        `leak`: the LeakRule checked around the test (the lab's by default,
        None for no check); only tests on a shared boot have one.
        """
        def declare(fn: Callable) -> Callable:
            rule = self.leak_rule if leak is USE_LAB_RULE else leak
            t = Test(name, points, fn, parent, rule if parent else None)
            if parent:
                self._check_new_name(name)
                parent.children.append(t)
            else:
                self._declare(t)
            return fn

        return declare

    def _declare(self, item: Boot | Test) -> None:
        self._check_new_name(item.name)
        self.items.append(item)

    def _check_new_name(self, name: str) -> None:
        names = [i.name for i in self.items] + [c.name for i in self.items
                                                 if isinstance(i, Boot) for c in i.children]
        if name in names:
            raise ValueError(f"two tests of lab {self.lab} are called {name!r}")

    def secret(self) -> bytes:
        """The secret the lab's test programs were built with (for tagged reports)."""
        try:
            return bytes.fromhex(self.secret_path.read_text().strip())
        except (OSError, ValueError) as error:
            raise TestFailure(f"cannot read the grade secret {self.secret_path} ({error}): "
                              f"it is made when the lab's test programs are built") from None

    # ------------------------------------------------------------ running

    def main(self, argv: list[str] | None = None) -> int:
        """Run every test, print the lines and the score, write the results; exit status.

        0: full marks; 1: below full marks (or, with --strict, a flaky test);
        2: the grader itself broke (a test's own failure never gets here).
        """
        try:
            return self._main(argv)
        except Exception:  # noqa: BLE001  (reported, and told apart from a low score)
            traceback.print_exc()
            print(f"grader error: lab {self.lab}'s grader stopped before it could score",
                  file=sys.stderr)
            harness.kill_all()
            return GRADER_ERROR

    def _main(self, argv: list[str] | None) -> int:
        sys.stdout.reconfigure(line_buffering=True)
        parser = argparse.ArgumentParser(description=f"Grade lab {self.lab}.")
        parser.add_argument("--out", type=Path, help=f"results and logs (default {self.out_dir})")
        parser.add_argument("--recalibrate", action="store_true",
                            help="time a calibration boot even if one is cached for this build")
        parser.add_argument("--strict", action="store_true",
                            help="exit 1 if a test was flaky, even on full marks (CI)")
        parser.add_argument("--no-rerun", action="store_true",
                            help="a failed test is not run again (for a tree that is meant to "
                                 "fail, as grading/lab_check.py grades a starter)")
        args = parser.parse_args(argv)
        self.reruns = not args.no_rerun
        self.out_dir = args.out or self.out_dir
        (self.out_dir / "logs").mkdir(parents=True, exist_ok=True)
        user_scale = float(os.environ.get("MAGMA_TIMEOUT_SCALE", "1"))
        calibration = calibrate(self.reference_boot_seconds, user_scale, args.recalibrate,
                                self.out_dir.parent / "calibration.json")
        print(calibration.describe())
        saved = os.environ.get("MAGMA_TIMEOUT_SCALE")
        os.environ["MAGMA_TIMEOUT_SCALE"] = repr(user_scale * calibration.factor)
        try:
            for item in self.items:
                if isinstance(item, Boot):
                    self._run_boot(item)
                else:
                    self._run_alone(item)
        finally:
            harness.kill_all()
            if saved is None:
                os.environ.pop("MAGMA_TIMEOUT_SCALE", None)
            else:
                os.environ["MAGMA_TIMEOUT_SCALE"] = saved
        score, total = self.score()
        print(f"Score: {score}/{total}")
        flaky = [r.name for r in self.results if r.status == "flaky"]
        if flaky:
            scored = "scored" if self.flaky_scores else "not scored"
            print(f"Flaky ({scored}): {', '.join(flaky)}")
        write_json(self, calibration, self.out_dir / "results.json")
        write_junit(self, self.out_dir / "junit.xml")
        print(f"results: {self.out_dir / 'results.json'}, {self.out_dir / 'junit.xml'}")
        full = score == total and all(r.status != "fail" for r in self.results)
        return 0 if full and not (args.strict and flaky) else 1

    def score(self) -> tuple[int, int]:
        return (sum(r.points for r in self.results), sum(r.max_points for r in self.results))

    def _record(self, t: Boot | Test, parent: Boot | None, first: Attempt,
                rerun: Attempt | None) -> None:
        """Score and print one test from its first attempt and, if that failed, its rerun."""
        if first.failure is None:
            status, message = "ok", ""
        elif rerun is not None and rerun.failure is None:
            status, message = "flaky", first.failure
        else:
            status = "fail"
            message = first.failure
            if rerun is not None:
                message += f"\n--- and again on the rerun ---\n{rerun.failure}"
        scores = status == "ok" or (status == "flaky" and self.flaky_scores)
        attempts = [first] + ([rerun] if rerun else [])
        result = Result(t.name, t.points if scores else 0, t.points, status,
                        sum(a.seconds for a in attempts), parent.name if parent else None,
                        message, [log for a in attempts for log in a.logs])
        self.results.append(result)
        print_result(result)

    def _run_alone(self, t: Test) -> None:
        first = self._attempt(t.fn, t.name)
        rerun = self._attempt(t.fn, t.name) if first.failure and self.reruns else None
        self._record(t, None, first, rerun)

    def _run_boot(self, boot: Boot) -> None:
        """The boot, then its tests in order; a failure ends the shared boot."""
        first = self._start(boot)
        rerun = self._start(boot) if first.failure and self.reruns else None
        self._record(boot, None, first, rerun)
        shell = (rerun or first).shell
        for t in boot.children:
            if shell is None:  # the boot failed twice: its tests cannot run
                self._record(t, boot, Attempt(f"not run: boot {boot.name!r} failed", 0.0), None)
                continue
            attempt = self._on_shell(t, shell)
            if attempt.failure is None:
                self._record(t, boot, attempt, None)
                continue
            self._end(shell)
            if not self.reruns:
                self._record(t, boot, attempt, None)
                shell = self._start(boot).shell
                continue
            retry = self._start(boot)
            rerun = self._on_shell(t, retry.shell) if retry.shell else retry
            self._record(t, boot, attempt, rerun)
            if retry.shell and rerun.failure is None:
                shell = retry.shell  # left as any passing test leaves it
                continue
            if retry.shell:
                self._end(retry.shell)
            shell = self._start(boot).shell  # the next tests get a clean boot
        if shell is not None:
            self._end(shell)

    def _attempt(self, fn: Callable[[], None], name: str) -> Attempt:
        """Run a test that starts its own processes; every process it started is killed."""
        harness.begin_test()
        start = time.monotonic()
        failure = None
        try:
            fn()
        except Exception as error:  # noqa: BLE001  (any error fails the test, with its report)
            failure = describe(error)
        finally:
            harness.kill_all()
        sessions = harness.used_sessions()
        logs = [self._new_log(name) for _ in sessions]
        for session, log in zip(sessions, logs):
            Path(log).write_text(session.output)
        if failure is not None:
            failure = "\n".join([failure] + tails(sessions, logs))
        return Attempt(failure, time.monotonic() - start, logs)

    def _start(self, boot: Boot) -> Attempt:
        """Boot to the prompt and run the setup; the attempt holds the Shell if it worked."""
        start = time.monotonic()
        log = self._new_log(boot.name)
        q = None
        try:
            q = harness.Qemu(harness.qemu_command(**boot.qemu_options))
            q.expect(harness.SHELL_PROMPT, BOOT_TIMEOUT)
            shell = Shell(q, self, log)
            if boot.setup:
                boot.setup(shell)
            if any(t.leak for t in boot.children):
                shell.memstat()  # memstat's and the shell's first run may grow their heaps
        except Exception as error:  # noqa: BLE001
            report = describe(error)
            if q is None:
                return Attempt(report, time.monotonic() - start)
            q.kill()
            Path(log).write_text(q.output)
            return Attempt("\n".join([report] + tails([q], [log])),
                           time.monotonic() - start, [log])
        return Attempt(None, time.monotonic() - start, [log], shell)

    def _on_shell(self, t: Test, shell: Shell) -> Attempt:
        """Run a test on a shared boot, with its leak check; its log is the boot's."""
        start = time.monotonic()
        failure = None
        from_char = len(shell.q.output)
        try:
            before = shell.memstat() if t.leak else None
            from_char = len(shell.q.output)  # the tail shows the test's part, not memstat's
            t.fn(shell)
            if t.leak:
                problems = leak_problems(before, shell.memstat(), t.leak)
                check(not problems, "leak check: " + "; ".join(problems))
        except Exception as error:  # noqa: BLE001
            failure = describe(error)
        if failure is not None:
            since = shell.q.output[from_char:].splitlines()[-TAIL_LINES:]
            failure = "\n".join([failure, f"--- console since the test began "
                                 f"(whole log: {shell.log}) ---",
                                 "\n".join(since) or "(no output)"])
        return Attempt(failure, time.monotonic() - start, [shell.log])

    @staticmethod
    def _end(shell: Shell) -> None:
        """Kill a shared boot and write its console log where its tests said it would be."""
        shell.q.kill()
        Path(shell.log).write_text(shell.q.output)

    def _new_log(self, name: str) -> str:
        """A fresh log file path for a session of `name`: logs/NAME-1.log, -2, ..."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self._log_count[slug] = self._log_count.get(slug, 0) + 1
        return str(self.out_dir / "logs" / f"{slug}-{self._log_count[slug]}.log")


@dataclass
class Attempt:
    """One run of a test: None or why it failed, how long it took, its logs."""

    failure: str | None
    seconds: float
    logs: list[str] = field(default_factory=list)
    shell: Shell | None = None  # a boot's attempt: the shell, if it came up


def describe(error: Exception) -> str:
    """A TestFailure's message, or the last lines of the traceback of anything else."""
    if isinstance(error, TestFailure):
        return str(error)
    lines = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join(lines.splitlines()[-8:])


def tails(sessions: list[harness.ConsoleProcess], logs: list[str]) -> list[str]:
    """The end of each session's console, and the file with the whole of it."""
    report = []
    lines_each = max(10, TAIL_LINES // max(1, len(sessions)))
    for session, log in zip(sessions, logs):
        report.append(f"--- last {lines_each} console lines of {session.name} "
                      f"(whole log: {log}) ---")
        report.append(session.tail(lines_each) or "(no output)")
    return report


def print_result(result: Result) -> None:
    if result.status == "ok":
        print(f"{result.name}: OK ({result.seconds:.1f}s)")
        return
    if result.status == "flaky":
        print(f"{result.name}: FLAKY (passed on rerun) ({result.seconds:.1f}s)")
        print(f"{INDENT}the first run failed:")
    else:
        print(f"{result.name}: FAIL ({result.seconds:.1f}s)")
    for line in result.message.splitlines():
        print(f"{INDENT}{line}".rstrip())


# ---------------------------------------------------------------- calibration


@dataclass
class Calibration:
    measured_seconds: float
    reference_seconds: float
    user_scale: float
    source: str  # where measured_seconds comes from

    @property
    def factor(self) -> float:
        return calibration_factor(self.measured_seconds, self.reference_seconds)

    def describe(self) -> str:
        return (f"calibration: boot to the prompt {self.measured_seconds:.1f}s ({self.source}; "
                f"reference {self.reference_seconds:g}s): timeouts x{self.factor:.2f}, "
                f"x{self.factor * self.user_scale:.2f} with MAGMA_TIMEOUT_SCALE={self.user_scale:g}")


def calibration_factor(measured_seconds: float, reference_seconds: float) -> float:
    """How much longer timeouts are on this machine: never shorter than the lab's own."""
    return max(1.0, measured_seconds / reference_seconds)


def build_key(cmd: list[str]) -> str:
    """A hash naming one build: the QEMU command and each file it names (size, mtime)."""
    digest = hashlib.sha256(shlex.join(cmd).encode())
    for arg in cmd:
        for word in re.split(r"[=,]", arg):
            path = harness.REPO_ROOT / word
            if word and path.is_file():
                st = path.stat()
                digest.update(f"{word}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def time_boot(limit_seconds: float) -> float | None:
    """Seconds from starting QEMU to the shell's prompt; None if it did not get there.

    The limit is in real seconds (the caller has set MAGMA_TIMEOUT_SCALE=1).
    """
    start = time.monotonic()
    with harness.Qemu(harness.qemu_command()) as q:
        try:
            q.expect(harness.SHELL_PROMPT, limit_seconds)
        except TestFailure:
            return None
        return time.monotonic() - start


def calibrate(reference_seconds: float, user_scale: float, recalibrate: bool,
              cache: Path) -> Calibration:
    """This machine's calibration for the current build: cached, or a boot timed now.

    A calibration boot that does not reach the prompt (a broken kernel, or
    a machine slower than CALIBRATION_LIMIT_TIMES references) measures
    nothing: then the slowest boot cached for this machine counts, or, with
    none, the limit itself (the machine is at least that slow).
    """
    host = socket.gethostname()
    key = f"{host}:{build_key(harness.qemu_command(fresh_disk=False))}"
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known and not recalibrate:
        return Calibration(known[key], reference_seconds, user_scale, "cached for this build")
    limit = CALIBRATION_LIMIT_TIMES * reference_seconds * user_scale
    saved = os.environ.get("MAGMA_TIMEOUT_SCALE")
    os.environ["MAGMA_TIMEOUT_SCALE"] = "1"
    try:
        seconds = time_boot(limit)
    finally:
        harness.kill_all()
        if saved is None:
            os.environ.pop("MAGMA_TIMEOUT_SCALE")
        else:
            os.environ["MAGMA_TIMEOUT_SCALE"] = saved
    if seconds is not None:
        known[key] = seconds
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
        return Calibration(seconds, reference_seconds, user_scale, "timed now")
    earlier = [value for name, value in known.items() if name.startswith(f"{host}:")]
    if earlier:
        return Calibration(max(earlier), reference_seconds, user_scale,
                           "the calibration boot failed: this machine's slowest earlier build")
    return Calibration(limit, reference_seconds, user_scale,
                       f"at least: the calibration boot did not reach the prompt in {limit:g}s")


# ---------------------------------------------------------------- results files


def write_json(grader: Grader, calibration: Calibration, path: Path) -> None:
    score, total = grader.score()
    document = {
        "lab": grader.lab, "score": score, "max_score": total,
        "flaky_scores": grader.flaky_scores,
        "calibration": {"measured_seconds": round(calibration.measured_seconds, 3),
                        "reference_seconds": calibration.reference_seconds,
                        "factor": round(calibration.factor, 3),
                        "timeout_scale": round(calibration.factor * calibration.user_scale, 3),
                        "source": calibration.source},
        "tests": [{"name": r.name, "parent": r.parent, "status": r.status, "points": r.points,
                   "max_points": r.max_points, "seconds": round(r.seconds, 3),
                   "message": r.message, "logs": r.logs} for r in grader.results],
    }
    path.write_text(json.dumps(document, indent=1) + "\n")


def write_junit(grader: Grader, path: Path) -> None:
    """JUnit XML: a failed test has a <failure>, a flaky one passes with a <flakyFailure>."""
    score, total = grader.score()
    suite = ET.Element("testsuite", name=f"lab.{grader.lab}", tests=str(len(grader.results)),
                       failures=str(sum(r.status == "fail" for r in grader.results)),
                       errors="0", skipped="0",
                       time=f"{sum(r.seconds for r in grader.results):.3f}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", score), ("max_score", total),
                        ("flaky", sum(r.status == "flaky" for r in grader.results))):
        ET.SubElement(properties, "property", name=name, value=str(value))
    for r in grader.results:
        case = ET.SubElement(suite, "testcase", name=r.name, time=f"{r.seconds:.3f}",
                             classname=f"{grader.lab}.{r.parent or r.name}")
        if r.status != "ok":
            tag = "failure" if r.status == "fail" else "flakyFailure"
            element = ET.SubElement(case, tag, message=r.message.splitlines()[0][:200])
            element.text = r.message
        out = ET.SubElement(case, "system-out")
        out.text = f"points {r.points}/{r.max_points}; logs: {' '.join(r.logs) or 'none'}"
    root = ET.Element("testsuites", name=f"lab {grader.lab}")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
