#!/usr/bin/env python3
"""labs/cow/grade.py - the grader of lab cow (copy-on-write fork).

One boot (3 kernel harts, 64 MiB) shared by every test. user/cowtest's
tests report through a tagged report (its verdict cannot be printed by
anything else); the sharing check is the grader's own: it reads memstat's
free frames before and while a child shares a big process's pages, and
computes what a copy would have cost. Every test is leak-checked (no spare
frame and no kernel heap byte may be lost). The lab is about races, so a
test that passes only on its rerun does not score.
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check, parse_memstat  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
HOLD_PAGES = 4096  # 16 MiB: a copy of it fits in 64 MiB, so an eager fork shows as twice the cost

grader = Grader("cow", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0),
                flaky_scores=False)
shell = grader.boot("boots to the shell", points=1, cpus=4, mem="64M")


def cowtest(test, points):
    @grader.test(f"cowtest {test}", points, parent=shell)
    def run(s):
        s.check_tagged("cowtest", test, timeout=30)
    return run


cowtest("simple", 2)
cowtest("three", 2)
cowtest("race", 3)
cowtest("copyout", 3)
cowtest("free", 2)


@grader.test("fork shares a big process's pages (memstat)", 3, parent=shell)
def fork_shares(s):
    before = parse_memstat(s.run("memstat"))
    out = s.run(f"cowtest hold {HOLD_PAGES}", timeout=30)
    check(f"cowtest: hold: {HOLD_PAGES} pages touched" in out,
          f"cowtest hold did not get to its fork:\n{out}")
    during = parse_memstat(out)
    shared = re.search(r"copy-on-write: (\d+) frames shared", out)
    taken = before.free_frames - during.free_frames
    # The parent's pages, and for the child only page tables, a kernel stack and the like.
    check(taken >= HOLD_PAGES, f"only {taken} frames were in use for {HOLD_PAGES} touched pages")
    check(taken < HOLD_PAGES + HOLD_PAGES // 4,
          f"a process of {HOLD_PAGES} pages and its child took {taken} frames: the child's "
          f"pages were copied at fork, not shared")
    check(shared and int(shared.group(1)) >= HOLD_PAGES,
          f"memstat counts {shared.group(1) if shared else 'no'} frames shared while a child "
          f"shares {HOLD_PAGES} pages (pageref_shared_frames)")


if __name__ == "__main__":
    sys.exit(grader.main())
