#!/usr/bin/env python3
"""grading/lab_check.py - every lab's solution at full marks, its starter below them.

For each lab k of labs/ORDER (or those named), in build/labcheck/k:
  1. the tree with the labs up to k solved and the later ones as their stubs
     (`tools/handout.py tree k --solved`: the starter of k plus the solution
     of k) builds, boots and scores full marks on `make grade LAB=k`;
  2. the starter of k (`tools/handout.py tree k`, what `make handout LAB=k`
     writes), rewritten over the same directory, builds, boots and scores
     below full marks, its grader exiting 1: a low score, not a broken
     grader (exit 2) or a build that failed.
Both are tests of `make test` (lab_K_solved_full_marks,
lab_K_starter_below_full_marks); the last line is "N passed, N failed".

The first tree starts from a copy of this tree's build/ and each rewrite
changes only the files whose text differs, so a build remakes only what the
lab's regions touch.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import handout  # noqa: E402  (needs the path above)

WORK = REPO / "build" / "labcheck"
# What a lab tree's build can reuse of this tree's (the rest is big and not used to grade).
REUSED_BUILD = ("kernel", "guard", "user", "dt", "mkfs", "fs", "fs.img", "host", "grade/secret",
                "firmware.version")
GRADER_ERROR = 2


def copy_build(tree: Path) -> None:
    """This tree's build products into the lab tree's build/ (times kept)."""
    for name in REUSED_BUILD:
        source = REPO / "build" / name
        target = tree / "build" / name
        if target.exists() or not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)


BUILD_FAILED = -1


def grade(tree: Path, lab: str, log: Path) -> tuple[int, str, str]:
    """What `make grade LAB=lab` does in tree, in its two steps (make's own exit status
    would not tell a low score from a broken grader): build, then the lab's grade.py.
    Returns the grader's exit status (BUILD_FAILED if the build failed), the Score line
    (or ''), the output's tail."""
    with log.open("w") as out:
        built = subprocess.run(["make", "-C", str(tree), "--no-print-directory", "build-for-run"],
                               stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        status = BUILD_FAILED
        if built.returncode == 0:
            status = subprocess.run([sys.executable, f"labs/{lab}/grade.py"], cwd=tree,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL).returncode
    text = log.read_text(errors="replace")
    scores = [line for line in text.splitlines() if line.startswith("Score: ")]
    return status, scores[-1] if scores else "", "\n".join(text.splitlines()[-25:])


def score_of(line: str) -> tuple[int, int] | None:
    try:
        got, total = line.split()[1].split("/")
        return int(got), int(total)
    except (IndexError, ValueError):
        return None


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name: str, seconds: float, problem: str | None, detail: str = "") -> None:
        if problem is None:
            self.passed += 1
            print(f"{name}: OK ({seconds:.1f}s) {detail}", flush=True)
        else:
            self.failed += 1
            print(f"{name}: FAIL ({seconds:.1f}s)\n    {problem}", flush=True)


def check_lab(lab: str, report: Report) -> None:
    tree = WORK / lab
    tree.mkdir(parents=True, exist_ok=True)
    copy_build(tree)
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    start = time.monotonic()
    handout.write_tree(REPO, lab, True, tree)
    status, score, tail = grade(tree, lab, logs / f"{lab}-solved.log")
    problem = None
    if status != 0:
        problem = (f"the solved tree of lab {lab} did not score full marks (exit {status}, "
                   f"{score or 'no score'}); log {logs / f'{lab}-solved.log'}:\n{tail}")
    report.record(f"lab_{lab}_solved_full_marks", time.monotonic() - start, problem, score)

    start = time.monotonic()
    handout.write_tree(REPO, lab, False, tree)
    status, score, tail = grade(tree, lab, logs / f"{lab}-starter.log")
    scored = score_of(score)
    problem = None
    where = f"log {logs / f'{lab}-starter.log'}"
    if status == BUILD_FAILED:
        problem = f"the starter of lab {lab} did not build; {where}:\n{tail}"
    elif status == GRADER_ERROR:
        problem = f"the grader broke on the starter of lab {lab}; {where}:\n{tail}"
    elif scored is None:
        problem = f"the starter of lab {lab} ended with no score (exit {status}); {where}:\n{tail}"
    elif status != 1 or scored[0] >= scored[1]:
        problem = (f"the starter of lab {lab} scored {score} (exit {status}): a starter must "
                   f"score below full marks; {where}")
    report.record(f"lab_{lab}_starter_below_full_marks", time.monotonic() - start, problem, score)


def check_repo(order: list[str], report: Report) -> None:
    """`make handout-repo`: a branch per lab, each lab's handout at the top of its own."""
    start = time.monotonic()
    repo = WORK / "handout-repo"
    problem = None
    try:
        handout.write_repo(REPO, repo)
        branches = subprocess.run(["git", "-C", str(repo), "branch", "--format=%(refname:short)"],
                                  check=True, capture_output=True, text=True).stdout.split()
        if sorted(branches) != sorted(order):
            problem = f"branches {branches}, labs {order}"
        for lab in order:
            shown = subprocess.run(["git", "-C", str(repo), "show", f"{lab}:LAB.md"],
                                   capture_output=True, text=True).stdout
            if shown != (REPO / "labs" / lab / "README.md").read_text():
                problem = f"branch {lab}'s LAB.md is not labs/{lab}/README.md"
    except (OSError, subprocess.CalledProcessError, SystemExit) as error:
        problem = f"make handout-repo failed: {error}"
    report.record("lab_handout_repo_has_a_branch_per_lab", time.monotonic() - start, problem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="labs to check (default: every lab of labs/ORDER)")
    args = parser.parse_args(argv)
    order = handout.read_order(REPO)
    labs = args.labs or order
    report = Report()
    problems = handout.check(REPO)
    report.record("lab_markers_balanced_and_known", 0.0,
                  "; ".join(problems) if problems else None)
    if not problems and not args.labs:
        check_repo(order, report)
    for lab in labs:
        if lab not in order:
            report.record(f"lab_{lab}", 0.0, f"no lab {lab!r} in labs/ORDER")
            continue
        missing = [f for f in ("README.md", "grade.py") if not (REPO / "labs" / lab / f).is_file()]
        if missing:
            report.record(f"lab_{lab}", 0.0, f"labs/{lab} has no {', '.join(missing)}")
            continue
        if not problems:
            check_lab(lab, report)
    (WORK / "results.json").write_text(json.dumps({"passed": report.passed,
                                                   "failed": report.failed}))
    print(f"{report.passed} passed, {report.failed} failed")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
