#!/usr/bin/env python3
"""tools/handout.py - student trees made from the solution: the labs' markers.

The labs' solutions live in the real tree, marked line by line with the
comment leader of the file's language (`//` in C, .S and linker scripts,
`#` in Python, Makefiles and shell):

        // LAB(cow) begin
        ... the solution, compiled on main ...
        // LAB(cow) stub
        // ... the code a student starts from, commented out with the
        // ... marker's leader (one space after the leader is dropped)
        // LAB(cow) end

The stub part is optional (no stub: the code is not there before the lab).
A stub line keeps the indentation written before its leader. Regions do not
nest; the lab must be one of labs/ORDER.

Commands:
  check                     every marker balanced and naming a known lab
                            (the build runs it; exit 1 names each problem)
  tree LAB [--solved] --out DIR
                            the student tree of LAB: labs before LAB solved,
                            LAB and the labs after it as their stubs (with
                            --solved, LAB solved too); labs/ holds LAB and
                            the labs before it, and LAB's handout is LAB.md
  repo --out DIR            a git repository with one branch per lab, each
                            the student tree of that lab, on top of the last
  list                      the labs, in order
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORDER_FILE = Path("labs/ORDER")

# Files that may hold markers: by suffix, or by whole name.
MARKED_SUFFIXES = {".c": "//", ".h": "//", ".S": "//", ".in": None, ".py": "#", ".sh": "#",
                   ".mk": "#", ".gdb": "#"}
MARKED_NAMES = {"Makefile": "#"}
# This file's own docstring shows the markers; it is not marked.
NOT_MARKED = {Path("tools/handout.py"), Path("tests/test_handout.py")}

MARKER = re.compile(r"^(?P<indent>\s*)(?P<leader>//|#)\s*LAB\((?P<lab>[^)]*)\)\s*(?P<word>\S*)\s*$")
# A line that starts like a marker but is not one is a mistake, not code.
MARKER_LIKE = re.compile(r"^\s*(//|#)\s*LAB\(")
WORDS = ("begin", "stub", "end")


class MarkerError(Exception):
    """A marker problem, with the file and line it is on."""


@dataclass
class Region:
    lab: str
    leader: str
    solution: list[str]
    stub: list[str]


def read_order(root: Path) -> list[str]:
    """labs/ORDER: one lab name a line, '#' comments."""
    path = root / ORDER_FILE
    labs = []
    for line in path.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            labs.append(name)
    return labs


def leader_of(path: Path) -> str | None:
    """The comment leader markers in `path` use, or None for a file that is not scanned."""
    if path in NOT_MARKED:
        return None
    if path.name in MARKED_NAMES:
        return MARKED_NAMES[path.name]
    if path.suffix == ".in":  # a template: the language of what it makes
        return MARKED_SUFFIXES.get(Path(path.stem).suffix) or "//"
    return MARKED_SUFFIXES.get(path.suffix)


def parse(text: str, where: str, labs: list[str]) -> list[str | Region]:
    """A file as plain lines and Regions; MarkerError for a bad marker."""
    parts: list[str | Region] = []
    region: Region | None = None
    in_stub = False
    begin_line = 0
    for number, line in enumerate(text.split("\n"), 1):
        m = MARKER.match(line)
        if m is None:
            if MARKER_LIKE.match(line):
                raise MarkerError(f"{where}:{number}: not a marker: {line.strip()!r} "
                                  f"(write '{line.split('LAB(')[0].strip()} LAB(name) begin|stub|end')")
            if region is None:
                parts.append(line)
            elif in_stub:
                region.stub.append(uncomment(line, region.leader, f"{where}:{number}"))
            else:
                region.solution.append(line)
            continue
        lab, word = m.group("lab"), m.group("word")
        if word not in WORDS:
            raise MarkerError(f"{where}:{number}: marker word {word!r}: one of {', '.join(WORDS)}")
        if lab not in labs:
            raise MarkerError(f"{where}:{number}: marker names lab {lab!r}, which labs/ORDER "
                              f"does not list ({' '.join(labs)})")
        if word == "begin":
            if region is not None:
                raise MarkerError(f"{where}:{number}: LAB({lab}) begin inside LAB({region.lab}) "
                                  f"(begun at line {begin_line}): regions do not nest")
            region, in_stub, begin_line = Region(lab, m.group("leader"), [], []), False, number
            continue
        if region is None:
            raise MarkerError(f"{where}:{number}: LAB({lab}) {word} with no begin before it")
        if lab != region.lab:
            raise MarkerError(f"{where}:{number}: LAB({lab}) {word} inside LAB({region.lab}) "
                              f"(begun at line {begin_line})")
        if word == "stub":
            if in_stub:
                raise MarkerError(f"{where}:{number}: a second LAB({lab}) stub in one region")
            in_stub = True
            continue
        parts.append(region)
        region = None
    if region is not None:
        raise MarkerError(f"{where}:{begin_line}: LAB({region.lab}) begin has no end")
    return parts


def uncomment(line: str, leader: str, where: str) -> str:
    """A stub line without its leader (and one space after it); MarkerError if it has none."""
    stripped = line.lstrip()
    if not stripped.startswith(leader):
        raise MarkerError(f"{where}: stub line not commented with {leader!r}: {line.strip()!r}")
    indent = line[: len(line) - len(stripped)]
    rest = stripped[len(leader):]
    if rest.startswith(" "):
        rest = rest[1:]
    return (indent + rest).rstrip() if rest.strip() else ""


def render(parts: list[str | Region], solved: set[str]) -> str:
    """The file with each region's solution (its lab in `solved`) or stub, markers dropped."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, Region):
            out.extend(part.solution if part.lab in solved else part.stub)
        else:
            out.append(part)
    return "\n".join(out)


def tree_files(root: Path) -> list[Path]:
    """The files of the tree, relative: git's list in a checkout, else everything but build/."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], check=True,
                             capture_output=True, text=True).stdout.strip()
        if Path(top).resolve() == root.resolve():  # not a plain tree inside another checkout
            listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                                    capture_output=True).stdout.decode()
            return sorted(Path(p) for p in listed.split("\0") if p and (root / p).is_file())
    except (OSError, subprocess.CalledProcessError):
        pass
    skip = {"build", ".git"}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) == root and d in skip)]
        found += [Path(dirpath, f).relative_to(root) for f in filenames]
    return sorted(found)


def check(root: Path) -> list[str]:
    """Every marker problem in the tree (empty: all sound)."""
    labs = read_order(root)
    problems = []
    for path in tree_files(root):
        if leader_of(path) is None:
            continue
        try:
            parse((root / path).read_text(), str(path), labs)
        except UnicodeDecodeError:
            continue
        except MarkerError as error:
            problems.append(str(error))
    return problems


def write_tree(root: Path, lab: str, solved_too: bool, out: Path) -> None:
    """The student tree of `lab` (see the module's docstring) into `out`."""
    labs = read_order(root)
    if lab not in labs:
        raise SystemExit(f"handout: no lab {lab!r}; labs/ORDER lists {' '.join(labs)}")
    handout = root / "labs" / lab / "README.md"
    if not handout.is_file():
        raise SystemExit(f"handout: lab {lab!r} has no handout ({handout})")
    index = labs.index(lab)
    solved = set(labs[: index + 1] if solved_too else labs[:index])
    released = set(labs[: index + 1])
    out.mkdir(parents=True, exist_ok=True)
    files = tree_files(root)
    remove_others(out, {p for p in files if not (len(p.parts) >= 3 and p.parts[0] == "labs"
                                                 and p.parts[1] not in released)} | {Path("LAB.md")})
    for path in files:
        parts = path.parts
        if len(parts) >= 3 and parts[0] == "labs" and parts[1] not in released:
            continue
        source = root / path
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = None
        if leader_of(path) is not None:
            try:
                text = source.read_text()
            except UnicodeDecodeError:
                pass
        rendered = render(parse(text, str(path), labs), solved) if text is not None else None
        if rendered is None or rendered == text:
            copy_if_changed(source, target)
        else:
            write_if_changed(target, rendered)
            shutil.copymode(source, target)
    copy_if_changed(handout, out / "LAB.md")


def remove_others(out: Path, keep: set[Path]) -> None:
    """Everything in `out` that is not in `keep`, except .git and build/, goes."""
    for dirpath, dirnames, filenames in os.walk(out, topdown=True):
        here = Path(dirpath).relative_to(out)
        if here == Path("."):
            dirnames[:] = [d for d in dirnames if d not in (".git", "build")]
        for name in filenames:
            if here / name not in keep:
                (Path(dirpath) / name).unlink()
    for dirpath, _, _ in os.walk(out, topdown=False):
        here = Path(dirpath).relative_to(out)
        if here.parts and here.parts[0] not in (".git", "build") and not os.listdir(dirpath):
            os.rmdir(dirpath)


# A file already there with the same bytes keeps its time, so a build already made in
# `out` (grading/lab_check.py reuses one) remakes only what a changed file touches.
def copy_if_changed(source: Path, target: Path) -> None:
    if not (target.is_file() and target.read_bytes() == source.read_bytes()):
        shutil.copy2(source, target)


def write_if_changed(target: Path, text: str) -> None:
    if not (target.is_file() and target.read_text() == text):
        target.write_text(text)


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="magma", GIT_AUTHOR_EMAIL="magma@localhost",
               GIT_COMMITTER_NAME="magma", GIT_COMMITTER_EMAIL="magma@localhost")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def write_repo(root: Path, out: Path) -> None:
    """One branch per lab, each the student tree of that lab, each on top of the one before."""
    labs = read_order(root)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    git(out, "init", "-q", "-b", labs[0])
    for number, lab in enumerate(labs):
        if number:
            git(out, "checkout", "-q", "-b", lab)
        write_tree(root, lab, False, out)
        git(out, "add", "-A")
        earlier = ", ".join(labs[:number]) or "none"
        git(out, "commit", "-q", "-m", f"lab {lab}: the starter (solutions released: {earlier})\n\n"
            f"Read LAB.md, then `make grade LAB={lab}`.")
    git(out, "checkout", "-q", labs[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Student trees from the marked solution.")
    parser.add_argument("--root", type=Path, default=REPO, help="the marked tree (default: this one)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="every marker balanced and naming a known lab")
    sub.add_parser("list", help="the labs, in order")
    tree = sub.add_parser("tree", help="the student tree of a lab")
    tree.add_argument("lab")
    tree.add_argument("--solved", action="store_true", help="with the lab's own solution too")
    tree.add_argument("--out", type=Path, required=True)
    repo = sub.add_parser("repo", help="a git repository, one branch per lab")
    repo.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "list":
        print(" ".join(read_order(root)))
        return 0
    problems = check(root)
    for problem in problems:
        print(f"handout: {problem}", file=sys.stderr)
    if problems:
        print(f"handout: {len(problems)} marker problem(s); nothing written", file=sys.stderr)
        return 1
    if args.command == "tree":
        write_tree(root, args.lab, args.solved, args.out.resolve())
        print(f"handout: lab {args.lab}{' (solved)' if args.solved else ''} written to {args.out}")
    elif args.command == "repo":
        write_repo(root, args.out.resolve())
        print(f"handout: {args.out}: branches {' '.join(read_order(root))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
