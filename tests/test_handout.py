#!/usr/bin/env python3
"""tests/test_handout.py - tools/handout.py: markers checked, student trees and the lab repo."""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import handout  # noqa: E402  (needs the path above)

LABS = ["one", "two", "three"]

MARKED_C = """\
int base;
\t// LAB(one) begin
int one_solved;
\t// LAB(one) stub
\t// int one_stub; /* TODO(lab one) */
\t//
\t// LAB(one) end
\t// LAB(two) begin
int two_solved;
\t// LAB(two) stub
\t// \tint two_stub;
\t// LAB(two) end
// LAB(three) begin
int three_solved;
// LAB(three) end
int tail;
"""

MARKED_PY = """\
x = 1
# LAB(two) begin
y = 2
# LAB(two) stub
# y = None
# LAB(two) end
"""


def make_tree(root: Path, files: dict[str, str]) -> None:
    (root / "labs").mkdir(parents=True)
    (root / "labs" / "ORDER").write_text("# the order\n" + "\n".join(LABS) + "\n")
    for lab in LABS:
        (root / "labs" / lab).mkdir()
        (root / "labs" / lab / "README.md").write_text(f"# lab {lab}\n")
        (root / "labs" / lab / "grade.py").write_text("")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


class Parse(unittest.TestCase):
    def problem(self, text: str) -> str:
        with self.assertRaises(handout.MarkerError) as caught:
            handout.parse(text, "f.c", LABS)
        return str(caught.exception)

    def test_balanced_regions_parse(self):
        parts = handout.parse(MARKED_C, "f.c", LABS)
        regions = [p for p in parts if isinstance(p, handout.Region)]
        self.assertEqual([r.lab for r in regions], LABS)
        self.assertEqual(regions[0].stub, ["\tint one_stub; /* TODO(lab one) */", ""])
        self.assertEqual(regions[1].stub, ["\t\tint two_stub;"])
        self.assertEqual(regions[2].stub, [])

    def test_begin_without_end(self):
        self.assertIn("f.c:1: LAB(one) begin has no end", self.problem("// LAB(one) begin\nx\n"))

    def test_end_without_begin(self):
        self.assertIn("f.c:2: LAB(one) end with no begin", self.problem("x\n// LAB(one) end\n"))

    def test_unknown_lab(self):
        self.assertIn("lab 'four', which labs/ORDER does not list",
                      self.problem("// LAB(four) begin\n// LAB(four) end\n"))

    def test_nested_regions(self):
        text = "// LAB(one) begin\n// LAB(two) begin\n// LAB(two) end\n// LAB(one) end\n"
        self.assertIn("regions do not nest", self.problem(text))

    def test_end_of_another_lab(self):
        self.assertIn("LAB(two) end inside LAB(one)",
                      self.problem("// LAB(one) begin\n// LAB(two) end\n"))

    def test_two_stubs(self):
        text = "// LAB(one) begin\n// LAB(one) stub\n// LAB(one) stub\n// LAB(one) end\n"
        self.assertIn("a second LAB(one) stub", self.problem(text))

    def test_uncommented_stub_line(self):
        text = "// LAB(one) begin\n// LAB(one) stub\nint x;\n// LAB(one) end\n"
        self.assertIn("f.c:3: stub line not commented", self.problem(text))

    def test_misspelled_marker(self):
        self.assertIn("marker word 'begn'", self.problem("// LAB(one) begn\n"))
        self.assertIn("not a marker", self.problem("// LAB(one begin\n"))


class Render(unittest.TestCase):
    def lines(self, solved: set[str]) -> list[str]:
        return handout.render(handout.parse(MARKED_C, "f.c", LABS), solved).splitlines()

    def test_solved_labs_keep_their_solution(self):
        out = self.lines({"one"})
        self.assertIn("int one_solved;", out)
        self.assertIn("\t\tint two_stub;", out)
        self.assertNotIn("int three_solved;", out)
        self.assertFalse(any("LAB(" in line for line in out), out)

    def test_nothing_solved_is_every_stub(self):
        out = self.lines(set())
        self.assertEqual(out, ["int base;", "\tint one_stub; /* TODO(lab one) */", "",
                               "\t\tint two_stub;", "int tail;"])

    def test_everything_solved_is_the_tree_without_markers(self):
        out = self.lines(set(LABS))
        self.assertEqual(out, ["int base;", "int one_solved;", "int two_solved;",
                               "int three_solved;", "int tail;"])


class Trees(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = Path(self.dir.name) / "src"
        make_tree(self.root, {"kernel/f.c": MARKED_C, "grading/g.py": MARKED_PY,
                              "README.md": "// LAB(nothing) begin  (not scanned)\n"})
        self.out = Path(self.dir.name) / "out"

    def tearDown(self):
        self.dir.cleanup()

    def test_check_finds_no_problem_in_a_sound_tree(self):
        self.assertEqual(handout.check(self.root), [])

    def test_check_names_the_file_and_line(self):
        (self.root / "kernel" / "bad.c").write_text("x\n// LAB(one) begin\n")
        self.assertEqual(handout.check(self.root), ["kernel/bad.c:2: LAB(one) begin has no end"])
        self.assertEqual(handout.main(["--root", str(self.root), "tree", "one", "--out",
                                       str(self.out)]), 1)
        self.assertFalse(self.out.exists(), "a tree was written despite a bad marker")

    def test_starter_of_the_second_lab(self):
        handout.write_tree(self.root, "two", False, self.out)
        c = (self.out / "kernel/f.c").read_text()
        self.assertIn("int one_solved;", c)
        self.assertIn("int two_stub;", c)
        self.assertNotIn("three_solved", c)
        self.assertIn("y = None", (self.out / "grading/g.py").read_text())
        self.assertEqual(sorted(p.name for p in (self.out / "labs").iterdir()),
                         ["ORDER", "one", "two"])
        self.assertEqual((self.out / "LAB.md").read_text(), "# lab two\n")

    def test_solved_tree_of_the_second_lab(self):
        handout.write_tree(self.root, "two", True, self.out)
        c = (self.out / "kernel/f.c").read_text()
        self.assertIn("int two_solved;", c)
        self.assertNotIn("two_stub", c)
        self.assertNotIn("three_solved", c)

    def test_a_tree_rewritten_keeps_what_did_not_change(self):
        handout.write_tree(self.root, "three", True, self.out)
        (self.out / "build").mkdir()
        (self.out / "build" / "kernel.o").write_text("object")
        py, c = self.out / "grading/g.py", self.out / "kernel/f.c"
        for path in (py, c):
            os.utime(path, (1000, 1000))
        handout.write_tree(self.root, "three", False, self.out)
        self.assertEqual(py.stat().st_mtime, 1000, "an unchanged file was written again")
        self.assertNotEqual(c.stat().st_mtime, 1000, "a changed file kept its old time")
        self.assertTrue((self.out / "build" / "kernel.o").exists(), "build/ was touched")
        handout.write_tree(self.root, "one", False, self.out)
        self.assertFalse((self.out / "labs" / "three").exists(), "a later lab was left behind")

    def test_unknown_lab_is_refused(self):
        with self.assertRaises(SystemExit) as caught:
            handout.write_tree(self.root, "seven", False, self.out)
        self.assertIn("no lab 'seven'", str(caught.exception))

    def test_repo_has_a_branch_per_lab(self):
        subprocess.run(["git", "init", "-q", str(self.root)], check=True)
        subprocess.run(["git", "-C", str(self.root), "add", "-A"], check=True)
        repo = Path(self.dir.name) / "repo"
        handout.write_repo(self.root, repo)
        branches = subprocess.run(["git", "-C", str(repo), "branch", "--format=%(refname:short)"],
                                  check=True, capture_output=True, text=True).stdout.split()
        self.assertEqual(sorted(branches), sorted(LABS))
        show = subprocess.run(["git", "-C", str(repo), "show", "three:kernel/f.c"], check=True,
                              capture_output=True, text=True).stdout
        self.assertIn("int two_solved;", show)
        self.assertNotIn("three_solved", show)
        log = subprocess.run(["git", "-C", str(repo), "log", "--format=%s", "three"], check=True,
                             capture_output=True, text=True).stdout.splitlines()
        self.assertEqual(len(log), 3, "each lab's branch is on top of the one before")


if __name__ == "__main__":
    unittest.main()
