#!/usr/bin/env python3
"""Tests of the lab graders' library (gradelib.py) and labs/example/grade.py.

Graders run as they do under `make grade`, as programs, on fake_qemu.py's shell
instead of QEMU; nothing here needs a kernel or QEMU. Run from the repository
root with either of:

    python3 -m unittest grading/test_gradelib.py
    python3 grading/test_gradelib.py
"""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

GRADING_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRADING_DIR.parent
sys.path.insert(0, str(GRADING_DIR))

import gradelib  # noqa: E402  (needs the sys.path entry above)

FAKE_SHELL = [sys.executable, str(GRADING_DIR / "fake_qemu.py"), "shell"]
EXAMPLE_LAB = REPO_ROOT / "labs" / "example" / "grade.py"
SECRET = "5ec7e7" * 8

# A lab with one of everything: passing, failing, flaky, leaking, tagged and forged
# tests on one boot, a test that kills its boot, and a test on its own.
SAMPLE_LAB = """\
import os, sys
sys.path.insert(0, {grading!r})
from gradelib import Grader, LeakRule, check
import harness

grader = Grader("sample", reference_boot_seconds=10.0, secret_path={secret!r},
                flaky_scores=os.environ.get("FLAKY_SCORES", "1") == "1",
                leak_rule=LeakRule(spare_frames=1, heap_bytes=None))
shell = grader.boot("boots", points=1)

@grader.test("echo", 2, parent=shell)
def echo(s):
    check(s.run("echo hi") == "hi\\n", "echo")

@grader.test("wrong", 3, parent=shell)
def wrong(s):
    check(s.run("echo hi") == "bye\\n", "deliberate failure")

@grader.test("flaky", 4, parent=shell)
def flaky(s):
    check(s.run("fail-once " + os.environ["FLAG_FILE"]) == "passed\\n", "failed this time")

@grader.test("small leak allowed", 1, parent=shell)
def small_leak(s):
    s.run("leak 1")
    s.run("grow 100000")  # the heap is not checked in this lab

@grader.test("leaks", 5, parent=shell)
def leaks(s):
    s.run("leak 3")

@grader.test("leak not checked", 1, parent=shell, leak=None)
def unchecked(s):
    s.run("leak 50")

@grader.test("tagged", 6, parent=shell)
def tagged(s):
    lines = s.check_tagged("labtest", "tagged")
    check(lines[-1] == "all three as expected", repr(lines))

@grader.test("forged", 7, parent=shell)
def forged(s):
    s.check_tagged("forge", "forged")

@grader.test("panics", 8, parent=shell)
def panics(s):
    s.run("panic")

@grader.test("after the panic", 9, parent=shell)
def after(s):
    check(s.run("echo again") == "again\\n", "the next boot did not answer")

@grader.test("alone", 10)
def alone():
    with harness.Qemu(harness.qemu_command()) as q:
        q.expect("init started", 5)

if __name__ == "__main__":
    sys.exit(grader.main())
"""

ALL_PASS_LAB = """\
import os, sys
sys.path.insert(0, {grading!r})
from gradelib import Grader, check

grader = Grader("allpass", reference_boot_seconds=10.0,
                flaky_scores=os.environ.get("FLAKY_SCORES", "1") == "1")
shell = grader.boot("boots")

@grader.test("flaky", 2, parent=shell)
def flaky(s):
    check(s.run("fail-once " + os.environ["FLAG_FILE"]) == "passed\\n", "failed this time")

@grader.test("echo", 1, parent=shell)
def echo(s):
    check(s.run("echo hi") == "hi\\n", "echo")

if __name__ == "__main__":
    sys.exit(grader.main())
"""

SCALE_LAB = """\
import os, sys
sys.path.insert(0, {grading!r})
from gradelib import Grader

grader = Grader("scale", reference_boot_seconds=10.0)

@grader.test("waits long enough", 1, parent=grader.boot("boots"))
def waits(s):
    print("scale seen:", os.environ["MAGMA_TIMEOUT_SCALE"], file=sys.stderr)
    s.run("sleep 0.6", timeout=0.1)  # passes only with the calibration factor on it

if __name__ == "__main__":
    sys.exit(grader.main())
"""

BROKEN_BOOT_LAB = """\
import sys
sys.path.insert(0, {grading!r})
from gradelib import Grader, check

grader = Grader("broken", reference_boot_seconds=10.0)
shell = grader.boot("boots", points=2, setup=lambda s: s.run("panic"))

@grader.test("never runs", 3, parent=shell)
def never(s):
    pass

if __name__ == "__main__":
    sys.exit(grader.main())
"""

HALT_LAB = """\
import sys
sys.path.insert(0, {grading!r})
from gradelib import Grader, LeakRule

grader = Grader("halt", reference_boot_seconds=10.0, leak_rule=None)
shell = grader.boot("boots", points=1)

@grader.test("halts", 2, parent=shell)
def halts(s):
    s.run("halt", timeout=60)

if __name__ == "__main__":
    sys.exit(grader.main())
"""


def fake_environment(**extra):
    return dict(os.environ, **dict(dict(MAGMA_QEMU_CMD_OVERRIDE=shlex.join(FAKE_SHELL),
                                        FAKE_QEMU_GRADE_SECRET=SECRET, MAGMA_TIMEOUT_SCALE="1"),
                                   **extra))


class GraderRun(unittest.TestCase):
    """Runs a grader program on the fake shell; results in a temporary directory."""

    def setUp(self):
        self.prepare(self)
        self.addCleanup(self.directory.cleanup)

    @staticmethod
    def prepare(obj):
        """A fresh directory for the secret, the flag file and the results."""
        obj.directory = tempfile.TemporaryDirectory()
        obj.dir = Path(obj.directory.name)
        (obj.dir / "secret").write_text(SECRET + "\n")
        obj.out = obj.dir / "results" / "lab"

    def lab(self, source):
        path = self.dir / "grade.py"
        path.write_text(source.format(grading=str(GRADING_DIR), secret=str(self.dir / "secret")))
        return path

    def grade(self, path, *args, **env):
        env.setdefault("FLAG_FILE", str(self.dir / "flag"))
        result = subprocess.run([sys.executable, str(path), "--out", str(self.out)] + list(args),
                                env=fake_environment(**env), capture_output=True, text=True,
                                timeout=120)
        self.stderr = result.stderr
        return result.returncode, result.stdout.splitlines()

    def results(self):
        return json.loads((self.out / "results.json").read_text())

    def junit(self):
        return ET.parse(self.out / "junit.xml").getroot()

    def assertLine(self, pattern, lines):
        self.assertTrue(any(re.fullmatch(pattern, line) for line in lines),
                        f"no line matches {pattern!r} in:\n" + "\n".join(lines))

    def statuses(self):
        return {t["name"]: (t["status"], t["points"], t["max_points"])
                for t in self.results()["tests"]}


class ExampleLabTest(GraderRun):
    def test_example_lab_scores_full_marks(self):
        status, lines = self.grade(EXAMPLE_LAB)
        self.assertEqual(status, 0, "\n".join(lines) + self.stderr)
        for name in ("boots to the shell", "echo prints its arguments", "ls lists README",
                     "a missing program is refused"):
            self.assertLine(rf"{name}: OK \(\d+\.\ds\)", lines)
        self.assertIn("Score: 5/5", lines)
        self.assertEqual(self.results()["score"], 5)
        suite = self.junit().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("4", "0"))


class SampleLabTest(GraderRun):
    """One run of SAMPLE_LAB, looked at by each test."""

    @classmethod
    def setUpClass(cls):
        run = cls("test_score_line_and_exit_status")
        cls.prepare(run)
        cls.directory, cls.dir, cls.out = run.directory, run.dir, run.out
        cls.status, cls.lines = run.grade(run.lab(SAMPLE_LAB))
        cls.output = "\n".join(cls.lines) + "\n" + run.stderr

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def setUp(self):
        pass  # the class's run is shared

    def test_each_test_gets_its_status_and_points(self):
        self.assertEqual(self.statuses(), {
            "boots": ("ok", 1, 1), "echo": ("ok", 2, 2), "wrong": ("fail", 0, 3),
            "flaky": ("flaky", 4, 4), "small leak allowed": ("ok", 1, 1),
            "leaks": ("fail", 0, 5), "leak not checked": ("ok", 1, 1),
            "tagged": ("ok", 6, 6), "forged": ("fail", 0, 7), "panics": ("fail", 0, 8),
            "after the panic": ("ok", 9, 9), "alone": ("ok", 10, 10)}, self.output)

    def test_score_line_and_exit_status(self):
        self.assertIn("Score: 34/57", self.lines)
        self.assertIn("Flaky (scored): flaky", self.lines)
        self.assertEqual(self.status, 1)
        results = self.results()
        self.assertEqual((results["score"], results["max_score"]), (34, 57))

    def test_lines_say_ok_fail_flaky(self):
        self.assertLine(r"echo: OK \(\d+\.\ds\)", self.lines)
        self.assertLine(r"wrong: FAIL \(\d+\.\ds\)", self.lines)
        self.assertLine(r"flaky: FLAKY \(passed on rerun\) \(\d+\.\ds\)", self.lines)
        self.assertLine(r"    deliberate failure", self.lines)
        self.assertLine(r"    --- and again on the rerun ---", self.lines)

    def test_failure_shows_console_tail_and_whole_log(self):
        index = self.lines.index(next(l for l in self.lines if l.startswith("wrong: FAIL")))
        report = "\n".join(self.lines[index:index + 12])
        self.assertIn("    echo hi\n    hi\n", report)  # the console since the test began
        log = re.search(r"whole log: (\S+)\)", report).group(1)
        self.assertTrue(log.startswith(str(self.out / "logs")), log)
        self.assertIn("magma: init started", Path(log).read_text())
        self.assertIn("echo hi\nhi\n", Path(log).read_text())

    def test_leak_check(self):
        self.assertLine(r"    leak check: 3 spare frames lost \(\d+ before, \d+ after; "
                        r"1 allowed\)", self.lines)

    def test_forged_pass_line_rejected(self):
        forged = next(t for t in self.results()["tests"] if t["name"] == "forged")
        self.assertIn("does not match", forged["message"])

    def test_a_dead_boot_gives_the_next_test_a_fresh_one(self):
        panics = next(t for t in self.results()["tests"] if t["name"] == "panics")
        self.assertIn("exited (exit status 1)", panics["message"])
        self.assertEqual(len(panics["logs"]), 2)  # the first boot's and the rerun's

    def test_json_and_junit_counts(self):
        results = self.results()
        self.assertEqual(len(results["tests"]), 12)
        self.assertEqual(results["calibration"]["factor"], 1.0)  # fake boots are fast
        suite = self.junit().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("12", "4"))
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        self.assertEqual(properties, {"score": "34", "max_score": "57", "flaky": "1"})
        cases = {c.get("name"): c for c in suite.iter("testcase")}
        self.assertIsNotNone(cases["wrong"].find("failure"))
        self.assertIsNone(cases["flaky"].find("failure"))
        self.assertIn("failed this time", cases["flaky"].find("flakyFailure").text)
        self.assertEqual(cases["tagged"].get("classname"), "sample.boots")


class FlakyAndExitTest(GraderRun):
    def test_flaky_scores_and_exits_0_unless_strict(self):
        path = self.lab(ALL_PASS_LAB)
        status, lines = self.grade(path)
        self.assertEqual(status, 0, "\n".join(lines) + self.stderr)
        self.assertIn("Score: 3/3", lines)
        (self.dir / "flag").unlink()
        status, lines = self.grade(path, "--strict")
        self.assertEqual(status, 1)
        self.assertIn("Score: 3/3", lines)

    def test_no_rerun_fails_a_flaky_test_at_once(self):
        status, lines = self.grade(self.lab(ALL_PASS_LAB), "--no-rerun")
        self.assertEqual(status, 1)
        self.assertIn("Score: 1/3", lines)
        self.assertLine(r"flaky: FAIL \(\d+\.\ds\)", lines)
        self.assertFalse(any("again on the rerun" in line for line in lines), lines)
        self.assertEqual(len(self.results()["tests"]), 3)

    def test_a_kernel_panic_fails_the_command_at_once(self):
        start = time.monotonic()
        status, lines = self.grade(self.lab(HALT_LAB), "--no-rerun")
        self.assertEqual(status, 1, "\n".join(lines) + self.stderr)
        self.assertLess(time.monotonic() - start, 30, "the grader waited out the command's 60 s")
        self.assertLine(r"    the kernel panicked while 'halt' ran: panic: hart 1: fake panic "
                        r"from the halt command", lines)

    def test_flaky_scores_nothing_when_the_lab_says_so(self):
        status, lines = self.grade(self.lab(ALL_PASS_LAB), FLAKY_SCORES="0")
        self.assertEqual(status, 1)
        self.assertIn("Score: 1/3", lines)
        self.assertIn("Flaky (not scored): flaky", lines)

    def test_failed_boot_fails_its_tests(self):
        status, lines = self.grade(self.lab(BROKEN_BOOT_LAB))
        self.assertEqual(status, 1)
        self.assertIn("Score: 0/5", lines)
        self.assertEqual(self.statuses(), {"boots": ("fail", 0, 2),
                                           "never runs": ("fail", 0, 3)})
        self.assertLine(r"    not run: boot 'boots' failed", lines)

    def test_calibration_factor_scales_timeouts(self):
        cache = self.out.parent / "calibration.json"
        cache.parent.mkdir(parents=True)
        with mock.patch.dict(os.environ, fake_environment()):
            key = (f"{gradelib.socket.gethostname()}:"
                   f"{gradelib.build_key(gradelib.harness.qemu_command(fresh_disk=False))}")
        cache.write_text(json.dumps({key: 40.0}))  # 4 x the reference of 10 s
        path = self.lab(SCALE_LAB)
        status, lines = self.grade(path, MAGMA_TIMEOUT_SCALE="2")
        self.assertEqual(status, 0, "\n".join(lines) + self.stderr)
        self.assertIn("scale seen: 8.0", self.stderr)
        self.assertIn("calibration: boot to the prompt 40.0s (cached for this build; "
                      "reference 10s): timeouts x4.00, x8.00 with MAGMA_TIMEOUT_SCALE=2", lines)
        cache.write_text(json.dumps({key: 5.0}))  # faster than the reference: factor 1
        status, lines = self.grade(path, MAGMA_TIMEOUT_SCALE="2")
        self.assertEqual(status, 1)
        self.assertIn("scale seen: 2.0", self.stderr)


class CalibrationTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.cache = Path(directory.name) / "calibration.json"

    def test_factor_is_never_below_1(self):
        self.assertEqual(gradelib.calibration_factor(3.0, 6.0), 1.0)
        self.assertEqual(gradelib.calibration_factor(12.0, 6.0), 2.0)

    def calibrate(self, mode="shell", recalibrate=False, **env):
        cmd = FAKE_SHELL[:-1] + [mode]
        with mock.patch.dict(os.environ, dict(fake_environment(**env),
                                              MAGMA_QEMU_CMD_OVERRIDE=shlex.join(cmd))):
            return gradelib.calibrate(0.1, 1.0, recalibrate, self.cache)

    def test_timed_then_cached(self):
        timed = self.calibrate(FAKE_QEMU_BOOT_DELAY="0.2")  # three boot lines: 0.6 s
        self.assertEqual(timed.source, "timed now")
        self.assertGreaterEqual(timed.measured_seconds, 0.6)
        self.assertGreaterEqual(timed.factor, 6.0)
        cached = self.calibrate()
        self.assertEqual((cached.source, cached.measured_seconds),
                         ("cached for this build", timed.measured_seconds))
        self.assertLess(self.calibrate(recalibrate=True).measured_seconds, 0.6)

    def test_build_key_changes_with_a_file(self):
        with tempfile.NamedTemporaryFile("w", dir=REPO_ROOT / "grading", suffix=".img") as f:
            cmd = ["qemu", "-drive", f"file=grading/{Path(f.name).name},format=raw"]
            before = gradelib.build_key(cmd)
            f.write("more")
            f.flush()
            self.assertNotEqual(gradelib.build_key(cmd), before)

    def test_failed_calibration_boot(self):
        nothing = self.calibrate(mode="hang")  # never prints a prompt: the limit, 1 s
        self.assertEqual(nothing.measured_seconds, 1.0)
        self.assertIn("at least", nothing.source)
        self.assertFalse(self.cache.exists())  # a bound is not a measurement
        self.calibrate(FAKE_QEMU_BOOT_DELAY="0.1")
        earlier = self.calibrate(mode="exit")  # exits: the slowest earlier boot
        self.assertIn("earlier build", earlier.source)
        self.assertGreaterEqual(earlier.measured_seconds, 0.3)


class TagTest(unittest.TestCase):
    SECRET = bytes.fromhex(SECRET)

    def report(self, test="t1", nonce="n1"):
        with mock.patch.dict(os.environ, {"FAKE_QEMU_GRADE_SECRET": SECRET}):
            sys.path.insert(0, str(GRADING_DIR))
            import fake_qemu
            return "\n".join(["magma: a kernel line"] + fake_qemu.tagged_report(test, nonce))

    def key(self, nonce="n1"):
        return gradelib.derive_key(self.SECRET, nonce)

    def test_a_right_report_passes(self):
        self.assertEqual(gradelib.verify_report(self.report(), self.key(), "t1"),
                         ["t1 checked 3 things", "all three as expected"])

    def rejected(self, output, key=None, test="t1"):
        with self.assertRaises(gradelib.TestFailure) as caught:
            gradelib.verify_report(output, key or self.key(), test)
        return str(caught.exception)

    def test_printing_ok_passes_nothing(self):
        self.assertIn("no tagged report", self.rejected("test t1: OK\nALL TESTS PASSED\n"))
        forged = "grade-line t1: fine\ngrade-end t1: PASS tag=" + "0" * 64
        self.assertIn("does not match", self.rejected(forged))

    def test_replayed_and_altered_reports_fail(self):
        self.assertIn("does not match", self.rejected(self.report(), key=self.key("n2")))
        altered = self.report().replace("3 things", "4 things")
        self.assertIn("does not match", self.rejected(altered))
        self.assertIn("does not match", self.rejected(self.report(test="t2").replace("t2", "t1")))
        self.assertIn("2 grade-end", self.rejected(self.report() + "\n" + self.report()))

    def test_a_tagged_fail_fails(self):
        key = self.key()
        tag = gradelib.report_tag(key, "t1", "FAIL", ["x was 3"])
        output = f"grade-line t1: x was 3\ngrade-end t1: FAIL tag={tag}"
        self.assertIn("says FAIL", self.rejected(output))


class LeakTest(unittest.TestCase):
    MEMSTAT = textwrap.dedent("""\
        frames: 32000 total (128000 KiB), 30000 free (120000 KiB), 2000 in use
        spare frames: 30100 (free, or kept by the kernel heap and 36 kernel page tables)
        kernel heap: 5000 of 262144 bytes in use, in 64 frames
        """)

    def test_parse_memstat(self):
        m = gradelib.parse_memstat(self.MEMSTAT)
        self.assertEqual((m.free_frames, m.spare_frames, m.heap_bytes_used),
                         (30000, 30000 + 64 + 36, 5000))
        with self.assertRaises(gradelib.TestFailure):
            gradelib.parse_memstat("memstat: the memstat system call failed\n")

    def test_rules(self):
        before = gradelib.MemStat(100, 200, 5000)
        self.assertEqual(gradelib.leak_problems(before, before, gradelib.LeakRule()), [])
        after = gradelib.MemStat(98, 198, 5100)
        problems = gradelib.leak_problems(before, after, gradelib.LeakRule())
        self.assertEqual(problems, [
            "2 spare frames lost (200 before, 198 after; 0 allowed)",
            "kernel heap grew by 100 bytes in use (5000 before, 5100 after; 0 allowed)"])
        self.assertEqual(gradelib.leak_problems(before, after, gradelib.LeakRule(2, None)), [])
        gained = gradelib.MemStat(110, 210, 4000)  # giving memory back is never a leak
        self.assertEqual(gradelib.leak_problems(before, gained, gradelib.LeakRule()), [])


if __name__ == "__main__":
    unittest.main()
