"""magma's gdb helpers: build/gdbinit (from tools/gdbinit.in) sources this file.

Adds magma-ps, magma-pgtbl, magma-root, magma-frames, magma-heap and
magma-trapframe (tools/gdb/README.md; `help magma-ps` in gdb). The code
is in the magmagdb package beside this file.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from magmagdb import commands  # noqa: E402  (the path above first)

commands.register_all()
