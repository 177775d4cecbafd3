#!/usr/bin/env python3
"""Self-test of the test harness (harness.py and run_tests.py).

Uses fake_qemu.py instead of QEMU, so it needs neither a kernel nor QEMU.
Run from the repository root with either of:

    python3 -m unittest grading/test_harness_selftest.py
    python3 grading/test_harness_selftest.py
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path
from unittest import mock

GRADING_DIR = Path(__file__).resolve().parent
TOOLS_DIR = GRADING_DIR.parent / "tools"
sys.path.insert(0, str(GRADING_DIR))
sys.path.insert(0, str(TOOLS_DIR))

import harness  # noqa: E402  (needs the sys.path entry above)
import stress  # noqa: E402  (tools/stress.py)

FAKE_QEMU = [sys.executable, str(GRADING_DIR / "fake_qemu.py")]
RUN_TESTS = [sys.executable, str(GRADING_DIR / "run_tests.py")]
STRESS = [sys.executable, str(TOOLS_DIR / "stress.py")]


def is_running(pid: int) -> bool:
    """True if process `pid` exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until_gone(pid: int, timeout: float = 2.0) -> bool:
    """True if `pid` stops running within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class ExpectTest(unittest.TestCase):
    def test_expect_matches_in_order(self):
        with harness.Qemu(FAKE_QEMU) as q:
            self.assertEqual(q.expect(r"booting on (\d+) harts", 5).group(1), "4")
            q.expect("init started", 5)
            # "OpenSBI" was printed before the last match, so it is not found again.
            with self.assertRaises(harness.TestFailure):
                q.expect("OpenSBI", 0.3)

    def test_expect_any_returns_earliest_pattern(self):
        with harness.Qemu(FAKE_QEMU) as q:
            index, match = q.expect_any(["init started", "OpenSBI"], 5)
            self.assertEqual((index, match.group()), (1, "OpenSBI"))

    def test_expect_seen_looks_everywhere_and_counts(self):
        with harness.Qemu(FAKE_QEMU) as q:
            q.expect("init started", 5)
            self.assertEqual(q.expect_seen(r"OpenSBI v([\d.]+) ", 5)[0].group(1), "1.3")
            self.assertEqual(len(q.expect_seen(r"magma: ", 5, count=2)), 2)
            with self.assertRaises(harness.TestFailure) as caught:
                q.expect_seen(r"magma: ", 0.3, count=3)
            self.assertIn("3 times", str(caught.exception))
            q.send("late\n")
            q.expect_seen("echo: late", 5)
            q.expect("echo: late", 5)  # expect_seen did not move the expect position

    def test_expect_times_out(self):
        with harness.Qemu(FAKE_QEMU + ["hang"]) as q:
            start = time.monotonic()
            with self.assertRaises(harness.TestFailure) as caught:
                q.expect("never printed", 0.5)
            elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.5)
        self.assertLess(elapsed, 1.5)
        self.assertIn("'never printed'", str(caught.exception))
        self.assertIn("0.5s", str(caught.exception))

    def test_timeout_scale(self):
        with mock.patch.dict(os.environ, {"MAGMA_TIMEOUT_SCALE": "4"}):
            self.assertEqual(harness.scaled(0.5), 2.0)
            with harness.Qemu(FAKE_QEMU + ["hang"]) as q:
                start = time.monotonic()
                with self.assertRaises(harness.TestFailure):
                    q.expect("never printed", 0.25)
                self.assertGreaterEqual(time.monotonic() - start, 1.0)

    def test_expect_fails_at_once_when_process_exits(self):
        with harness.Qemu(FAKE_QEMU + ["exit", "3"]) as q:
            start = time.monotonic()
            with self.assertRaises(harness.TestFailure) as caught:
                q.expect("never printed", 30)
            self.assertLess(time.monotonic() - start, 5)
            self.assertIn("exit status 3", str(caught.exception))
            self.assertEqual(q.wait_exit(5), 3)

    def test_wait_exit_times_out(self):
        with harness.Qemu(FAKE_QEMU + ["hang"]) as q:
            with self.assertRaises(harness.TestFailure):
                q.wait_exit(0.3)

    def test_send_and_output(self):
        with harness.Qemu(FAKE_QEMU) as q:
            q.send("hello world\n")
            q.expect("echo: hello world", 5)
            self.assertIn("magma: init started\necho: hello world", q.output)
            self.assertEqual(q.tail(1), "echo: hello world")


class SplitLinesTest(unittest.TestCase):
    def test_interleaved_lines_are_found(self):
        text = ("magma: paging on (Sv39), 32310 frames free; guard: hartkernel heap at 0x3000\n"
                "magguard: mailbox ready: 16 slots\n"
                "magma: guard: root ON state 2 (protected) after 81 us\n"
                "guard: hart 3: root installed\n"
                "magma: test mailbox: a second session named magma-kernel refused\n")
        self.assertEqual(harness.split_lines(text), text.splitlines()[:2])


class KillTest(unittest.TestCase):
    def test_process_group_killed_on_exit(self):
        with harness.Qemu(FAKE_QEMU + ["with-child"]) as q:
            child = int(q.expect(r"child pid (\d+)", 5).group(1))
            leader = q.pid
        self.assertTrue(wait_until_gone(leader), "fake QEMU still running")
        self.assertTrue(wait_until_gone(child), "child of fake QEMU still running")
        self.assertNotIn(q, harness._live)

    def test_ignored_sigterm_is_followed_by_sigkill(self):
        q = harness.Qemu(FAKE_QEMU + ["ignore-term"])
        q.expect("init started", 5)
        start = time.monotonic()
        q.kill()
        self.assertGreaterEqual(time.monotonic() - start, harness.KILL_GRACE_SECONDS - 0.1)
        self.assertTrue(wait_until_gone(q.pid))

    def test_kill_all_kills_every_process(self):
        sessions = [harness.Qemu(FAKE_QEMU + ["hang"]) for _ in range(2)]
        harness.kill_all()
        for q in sessions:
            self.assertTrue(wait_until_gone(q.pid))


class KillOnExitTest(unittest.TestCase):
    """A script using the harness must not leave QEMU running when it ends."""

    SCRIPT = textwrap.dedent("""\
        import sys, time
        sys.path.insert(0, {grading!r})
        import harness
        q = harness.Qemu({fake!r} + ["hang"])
        q.expect("init started", 5)
        try:
            print(q.pid, flush=True)
            if sys.argv[1] == "wait-for-signal":
                time.sleep(60)
        except (KeyboardInterrupt, SystemExit):
            print("caught", flush=True)
            time.sleep(60)  # stay alive: only the signal handler can have killed QEMU
        """).format(grading=str(GRADING_DIR), fake=FAKE_QEMU)

    def start_script(self, mode):
        script = subprocess.Popen([sys.executable, "-c", self.SCRIPT, mode],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(script.wait)
        self.addCleanup(script.kill)
        self.addCleanup(script.stdout.close)
        return script, int(script.stdout.readline())

    def test_qemu_killed_when_python_exits(self):
        script, pid = self.start_script("exit")
        script.wait(timeout=10)
        self.assertTrue(wait_until_gone(pid), "fake QEMU survived the end of the script")

    def test_qemu_killed_on_sigint_and_sigterm(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=signum.name):
                script, pid = self.start_script("wait-for-signal")
                script.send_signal(signum)
                self.assertEqual(script.stdout.readline(), "caught\n")
                self.assertTrue(wait_until_gone(pid), f"fake QEMU survived {signum.name}")


class QemuCommandTest(unittest.TestCase):
    MAKEFILE = textwrap.dedent("""\
        qemu-cmd:
        \t@echo "building the kernel"
        \t@echo 'qemu-system-riscv64 -nographic -smp $(CPUS) -m $(MEM) aia=$(AIA) -append "$(BOOTARGS)" x=$(X)'
        """)
    FAILING_MAKEFILE = "qemu-cmd:\n\t@echo 'kernel.c:1: error: oops' >&2; exit 2\n"

    def qemu_command_with(self, makefile, **kwargs):
        with tempfile.TemporaryDirectory() as root:
            Path(root, "Makefile").write_text(makefile)
            environment = {k: v for k, v in os.environ.items()
                           if k != "MAGMA_QEMU_CMD_OVERRIDE"}
            with mock.patch.object(harness, "REPO_ROOT", Path(root)), \
                    mock.patch.dict(os.environ, environment, clear=True):
                return harness.qemu_command(**kwargs)

    def test_runs_make_qemu_cmd(self):
        argv = self.qemu_command_with(self.MAKEFILE, cpus=2, mem="64M", aia=False,
                                      bootargs="quiet init=/sh", extra_make_vars={"X": "y"})
        self.assertEqual(argv, ["qemu-system-riscv64", "-nographic", "-smp", "2", "-m", "64M",
                                "aia=0", "-append", "quiet init=/sh", "x=y"])

    def test_make_failure_raises_with_stderr(self):
        with self.assertRaises(harness.TestFailure) as caught:
            self.qemu_command_with(self.FAILING_MAKEFILE)
        self.assertIn("kernel.c:1: error: oops", str(caught.exception))

    def test_override(self):
        with mock.patch.dict(os.environ, {"MAGMA_QEMU_CMD_OVERRIDE": "fake 'a b' c"}):
            self.assertEqual(harness.qemu_command(cpus=1), ["fake", "a b", "c"])


class PtyTest(unittest.TestCase):
    def test_typing_on_a_terminal(self):
        with harness.run_in_pty(FAKE_QEMU) as p:
            p.expect("init started", 5)
            p.send("hi\r")
            p.expect("echo: hi", 5)
            p.send("\x01x")
            p.expect("QEMU: Terminated", 5)
            self.assertEqual(p.wait_exit(5), 0)


SAMPLE_TESTS = """\
import os
from harness import test, Qemu, qemu_command, check

@test("boots")
def boots():
    with Qemu(qemu_command()) as q:
        q.expect("init started", 5)

@test("wrong banner")
def wrong_banner():
    with Qemu(qemu_command()) as q:
        q.expect("init started", 5)
        check(False, "deliberate failure")

@test("crashes")
def crashes():
    raise RuntimeError("boom")

@test("leaves qemu running")
def leaves_qemu_running():
    q = Qemu(qemu_command() + ["hang"])
    q.expect("init started", 5)
    os.environ["LEFT_PID"] = str(q.pid)

@test("boots again, previous qemu gone")
def boots_again():
    check(not os.path.exists("/proc/" + os.environ["LEFT_PID"]), "previous QEMU still running")
    with Qemu(qemu_command()) as q:
        q.expect("init started", 5)
"""

HANGING_TESTS = """\
from harness import test, Qemu, qemu_command

@test("hangs")
def hangs():
    q = Qemu(qemu_command() + ["hang"])
    q.expect("init started", 5)
    print("started", q.pid, flush=True)
    q.expect("never printed", 600)
"""


class RunnerTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)
        self.environment = dict(os.environ, MAGMA_QEMU_CMD_OVERRIDE=shlex.join(FAKE_QEMU))

    def module(self, name, source):
        path = self.directory / name
        path.write_text(source)
        return str(path)

    def run_tests(self, *args):
        result = subprocess.run(RUN_TESTS + list(args), env=self.environment,
                                capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout.splitlines()

    def assertLine(self, pattern, lines):
        self.assertTrue(any(re.fullmatch(pattern, line) for line in lines),
                        f"no line matches {pattern!r} in:\n" + "\n".join(lines))

    def test_reports_ok_and_fail(self):
        status, lines = self.run_tests(self.module("sample_tests.py", SAMPLE_TESTS))
        self.assertEqual(status, 1)
        self.assertLine(r"boots: OK \(\d+\.\ds\)", lines)
        self.assertLine(r"wrong banner: FAIL \(\d+\.\ds\)", lines)
        self.assertLine(r"    deliberate failure", lines)
        self.assertLine(r"    magma: init started", lines)  # the console tail
        self.assertLine(r"crashes: FAIL \(\d+\.\ds\)", lines)
        self.assertLine(r"    RuntimeError: boom", lines)
        self.assertLine(r"leaves qemu running: OK \(\d+\.\ds\)", lines)
        self.assertLine(r"boots again, previous qemu gone: OK \(\d+\.\ds\)", lines)
        self.assertEqual(lines[-1], "3 passed, 2 failed")

    def test_exit_0_when_all_selected_pass(self):
        status, lines = self.run_tests("-k", "boots", "-k", "leaves",
                                       self.module("sample_tests.py", SAMPLE_TESTS))
        self.assertEqual(status, 0)
        self.assertEqual(lines[-1], "3 passed, 0 failed")

    def test_exit_1_when_no_test_ran(self):
        status, lines = self.run_tests("-k", "no such test",
                                       self.module("sample_tests.py", SAMPLE_TESTS))
        self.assertEqual(status, 1)
        self.assertEqual(lines[-1], "0 passed, 0 failed")

    def test_list(self):
        status, lines = self.run_tests("--list", self.module("sample_tests.py", SAMPLE_TESTS))
        self.assertEqual(status, 0)
        self.assertEqual(lines[:3], ["boots", "wrong banner", "crashes"])

    def test_broken_module_is_a_failure(self):
        status, lines = self.run_tests(self.module("broken_tests.py", "this is not python\n"))
        self.assertEqual(status, 1)
        self.assertLine(r"import broken_tests: FAIL \(\d+\.\ds\)", lines)
        self.assertEqual(lines[-1], "0 passed, 1 failed")

    def test_ctrl_c_kills_qemu_and_prints_summary(self):
        runner = subprocess.Popen(RUN_TESTS + [self.module("hanging_tests.py", HANGING_TESTS)],
                                  env=self.environment, stdout=subprocess.PIPE, text=True)
        self.addCleanup(runner.stdout.close)
        self.addCleanup(runner.kill)  # a failed check must not leave the runner behind
        started = runner.stdout.readline().split()
        self.assertEqual(started[0], "started")
        runner.send_signal(signal.SIGINT)
        output, _ = runner.communicate(timeout=10)
        self.assertEqual(runner.returncode, 130)
        self.assertEqual(output.splitlines()[-1], "0 passed, 0 failed")
        self.assertTrue(wait_until_gone(int(started[1])), "fake QEMU survived Ctrl-C")


# A stand-in for run_tests.py: test "b" fails on even runs; "hang" prints its pid and waits.
FAKE_SUITE = """\
import os, sys, time
run = int(os.environ["MAGMA_STRESS_RUN"])
print("args:", " ".join(sys.argv[1:]), flush=True)
if sys.argv[1:2] == ["hang"]:
    print("suite pid", os.getpid(), flush=True)
    time.sleep(60)
print("a: OK (0.1s)")
print("    a detail line: FAIL (1.0s)")
b_fails = run % 2 == 0
print("b: %s (0.2s)" % ("FAIL" if b_fails else "OK"))
print("%d passed, %d failed" % (2 - b_fails, b_fails))
sys.exit(1 if b_fails else 0)
"""
SLEEPING_HOG = shlex.join([sys.executable, "-c", "import time; time.sleep(60)"])


class StressTest(unittest.TestCase):
    """tools/stress.py: runs a suite N times under M hogs, reports flakes, never leaves a hog."""

    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)
        suite = self.directory / "fake_suite.py"
        suite.write_text(FAKE_SUITE)
        self.suite = shlex.join([sys.executable, str(suite)])

    def stress_argv(self, *args, suite_mode=None):
        suite = self.suite + (f" {suite_mode}" if suite_mode else "")
        return STRESS + ["--hog", SLEEPING_HOG, "--log-dir", str(self.directory / "logs"),
                         "--suite", suite] + list(args)

    @staticmethod
    def hog_pids(first_line):
        return [int(pid) for pid in re.findall(r"\d+", first_line.split("pids", 1)[1].split(";")[0])]

    def test_parse_and_summarize(self):
        ok = stress.parse_run(1, 0, "x: OK (1.0s)\n    y: FAIL (2.0s)\n1 passed, 0 failed\n")
        self.assertEqual((ok.passed, ok.failed, ok.ok), (["x"], [], True))
        bad = stress.parse_run(2, 1, "x: OK (1.0s)\nwrong banner: FAIL (2.0s)\n1 passed, 1 failed\n")
        self.assertEqual((bad.failed, bad.ok), (["wrong banner"], False))
        crashed = stress.parse_run(3, 1, "x: OK (1.0s)\nTraceback ...\n")
        self.assertFalse(crashed.ok)
        self.assertIn("without naming a failed test", stress.describe_run(crashed, 3))
        self.assertEqual(stress.summarize([ok, bad, crashed], 2), [
            "stress: 3 runs, 2 hogs: 1 passed, 2 failed; flaky tests: wrong banner (1 of 3)",
            "stress: flake rate 66% (runs with a failure)"])
        self.assertEqual(stress.summarize([ok], 0)[0],
                         "stress: 1 runs, 0 hogs: 1 passed, 0 failed; flaky tests: none")

    def test_runs_report_flakes_and_hogs_are_stopped(self):
        result = subprocess.run(self.stress_argv("--runs", "3", "--hogs", "2", "-k", "sel"),
                                capture_output=True, text=True, timeout=60)
        lines = result.stdout.splitlines()
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        pids = self.hog_pids(lines[0])
        self.assertEqual(len(pids), 2)
        for pid in pids:
            self.assertTrue(wait_until_gone(pid), f"hog {pid} survived the stress run")
        self.assertEqual(lines[1:4], ["stress: run 1 of 3: 2 passed, 0 failed",
                                      "stress: run 2 of 3: 1 passed, 1 failed: b",
                                      "stress: run 3 of 3: 2 passed, 0 failed"])
        self.assertEqual(lines[-2], "stress: 3 runs, 2 hogs: 2 passed, 1 failed; "
                                    "flaky tests: b (1 of 3)")
        self.assertEqual(lines[-1], "stress: flake rate 33% (runs with a failure)")
        log = (self.directory / "logs" / "run-2.log").read_text()
        self.assertIn("args: -k sel", log)

    def test_ctrl_c_stops_the_suite_and_the_hogs(self):
        runner = subprocess.Popen(self.stress_argv("--runs", "2", "--hogs", "1",
                                                   suite_mode="hang"),
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(runner.wait)
        self.addCleanup(runner.kill)
        self.addCleanup(runner.stdout.close)
        pids = self.hog_pids(runner.stdout.readline())
        log = self.directory / "logs" / "run-1.log"
        deadline = time.monotonic() + 10
        while not re.search(r"suite pid (\d+)", log.read_text() if log.exists() else ""):
            self.assertLess(time.monotonic(), deadline, "the fake suite never started")
            time.sleep(0.05)
        suite_pid = int(re.search(r"suite pid (\d+)", log.read_text()).group(1))
        runner.send_signal(signal.SIGINT)
        output, _ = runner.communicate(timeout=20)
        self.assertEqual(runner.returncode, 130)
        self.assertIn("stress: interrupted", output)
        self.assertTrue(wait_until_gone(suite_pid), "the suite survived Ctrl-C")
        self.assertTrue(wait_until_gone(pids[0]), "the hog survived Ctrl-C")


if __name__ == "__main__":
    unittest.main()
