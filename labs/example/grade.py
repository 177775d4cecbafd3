#!/usr/bin/env python3
"""labs/example/grade.py - the example lab's grader: what a lab's grade.py looks like.

`make grade LAB=example` runs it on the built tree. One boot to the shell,
shared by three scored tests; each is checked for leaks by the lab's rule
(no spare frame and no kernel heap byte may be lost for good). The verdicts
come from output the grader compares itself, never from a line the system
prints about its own success. grading/test_gradelib.py runs this grader on
grading/fake_qemu.py's shell instead of QEMU.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check  # noqa: E402  (needs the path above)

# About twice the boot to the prompt on a quiet 2-core machine (0.4 s, KVM-less QEMU).
REFERENCE_BOOT_SECONDS = 1.0

grader = Grader("example", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0,
                                                                      heap_bytes=0))
shell = grader.boot("boots to the shell", points=1)


@grader.test("echo prints its arguments", points=2, parent=shell)
def echo_prints(s):
    out = s.run("echo hello from the lab")
    check(out == "hello from the lab\n", f"echo printed {out!r}")


@grader.test("ls lists README", points=1, parent=shell)
def ls_lists_readme(s):
    out = s.run("ls")
    check(any(line.split()[:1] == ["README"] for line in out.splitlines()),
          f"no README in what ls printed:\n{out}")


@grader.test("a missing program is refused", points=1, parent=shell)
def missing_program(s):
    out = s.run("no-such-program")
    check("no-such-program" in out, f"the shell did not name the missing program:\n{out}")
    check(s.run("echo still here") == "still here\n", "the shell did not answer after it")


if __name__ == "__main__":
    sys.exit(grader.main())
