#!/usr/bin/env python3
"""labs/lazy/grade.py - the grader of lab lazy (lazy sbrk and file-backed mmap).

One boot shared by every test. user/mmaptest's tests report through a
tagged report; three checks are the grader's own: memstat's free frames
before and after touching a big sbrk and a mapping of a file (what a
lazy kernel costs is known in advance), and a file's contents after
`mmaptest upcase` changed it through a MAP_SHARED mapping, read back with
`cat` and compared with what the grader computed. Every test is
leak-checked (no spare frame and no kernel heap byte may be lost).
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

from gradelib import Grader, LeakRule, check, parse_memstat  # noqa: E402

REFERENCE_BOOT_SECONDS = 1.0
TIMEOUT = 30
SBRK_PAGES = 4096  # 16 MiB of heap
# The disk's README (a copy of the tree's README.md, 10 pages): what `mmaptest upcase` changes.
DISK_README = Path(__file__).resolve().parents[2] / "build" / "fs" / "README"

grader = Grader("lazy", REFERENCE_BOOT_SECONDS, leak_rule=LeakRule(spare_frames=0, heap_bytes=0))
shell = grader.boot("boots to the shell", points=1, cpus=4, mem="64M")


def mmaptest(test, points):
    @grader.test(f"mmaptest {test}", points, parent=shell)
    def run(s):
        s.check_tagged("mmaptest", test, timeout=TIMEOUT)
    return run


def held(s, command):
    """Runs an `mmaptest hold` command: its page count, and memstat before, untouched, touched."""
    out = s.run(command, timeout=TIMEOUT)
    pages = re.search(r"^mmaptest: hold: (\d+) pages$", out, re.MULTILINE)
    parts = re.split(r"^mmaptest: hold: (?:untouched|touched)$", out, flags=re.MULTILINE)
    check(pages and len(parts) == 3, f"{command} did not get to its last memstat:\n{out}")
    return (int(pages.group(1)),) + tuple(parse_memstat(part) for part in parts)


def check_lazy(s, command, what):
    """The hold command's pages cost (almost) nothing until touched, then a frame each."""
    pages, before, untouched, touched = held(s, command)
    early = before.free_frames - untouched.free_frames
    check(early <= 4, f"{what} of {pages} pages took {early} frames before any page was touched")
    given = untouched.free_frames - touched.free_frames
    check(given >= pages, f"touching {pages} pages of the {what} took only {given} frames")
    return pages


@grader.test("sbrk takes no frame until a page is touched (memstat)", 2, parent=shell)
def sbrk_is_lazy(s):
    check_lazy(s, f"mmaptest hold sbrk {SBRK_PAGES}", "sbrk")


mmaptest("sbrk", 2)
mmaptest("read", 2)
mmaptest("private", 1)
mmaptest("refused", 1)
mmaptest("shared", 2)
mmaptest("partial", 2)
mmaptest("fork", 2)
mmaptest("exit", 1)
mmaptest("syscall", 2)
mmaptest("lazy", 1)


@grader.test("a mapping reads its file page by page (memstat)", 2, parent=shell)
def mmap_is_lazy(s):
    s.run("cat README > mapped.txt")
    pages = check_lazy(s, "mmaptest hold mmap mapped.txt", "mapping")
    check(pages > 4, f"README is only {pages} pages")
    s.run("rm mapped.txt")


@grader.test("a MAP_SHARED store reaches the file (cat)", 3, parent=shell)
def shared_store_reaches_file(s):
    s.run("cat README > upcase.txt")
    out = s.run("mmaptest upcase upcase.txt", timeout=TIMEOUT)
    check(out == "", f"mmaptest upcase said:\n{out}")
    got = s.run("cat upcase.txt", timeout=TIMEOUT)
    want = DISK_README.read_bytes().upper().replace(b"$", b"#").decode("utf-8", "replace")
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    check(got == want, f"cat upcase.txt printed {len(got)} characters, not the {len(want)} of "
          f"README upper-cased; the first difference is at character {first}: "
          f"{got[first:first + 40]!r} where {want[first:first + 40]!r} was due")
    s.run("rm upcase.txt")


if __name__ == "__main__":
    sys.exit(grader.main())
