"""Constants from magma's C headers, read at load time.

The helpers decode what the C code lays out (the root range, heap magics,
system call numbers), so they read the numbers from the same headers the C
code includes instead of keeping copies that could drift.
"""

import os
import re

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

# "#define NAME VALUE /* comment */", the value a plain number (hex or decimal,
# perhaps with a u/ul/ull suffix) or a bit, (1ul << N); a backslash continues
# the line.
_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)\s+(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*"
                     r"|\(\s*1[uUlL]*\s*<<\s*(\d+)\s*\))[ \t]*(?:/\*(.*?)\*/)?", re.M | re.S)


class Define:
    """One #define: its name, its number and the comment after it ("" if none)."""

    def __init__(self, name, value, comment):
        self.name = name
        self.value = value
        self.comment = " ".join(comment.split())

    def __repr__(self):
        return f"Define({self.name}={self.value:#x}, {self.comment!r})"


def defines(relative_path):
    """The numeric #defines of a header (a path from the repository root), in order."""
    path = os.path.join(REPO_ROOT, relative_path)
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    return [Define(m.group(1), int(m.group(2), 0) if m.group(2) else 1 << int(m.group(3)),
                   m.group(4) or "")
            for m in _DEFINE.finditer(text)]


def define_map(relative_path):
    """A header's numeric #defines as a dict name -> number."""
    return {d.name: d.value for d in defines(relative_path)}
