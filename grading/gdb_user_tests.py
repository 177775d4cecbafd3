"""gdb on a user program: `user-symbols` and `user-break` from build/gdbinit.

QEMU starts halted with its gdb stub open; gdb loads the kernel's symbols
(build/gdbinit, as `make gdb` does), then the shell's, and sets a breakpoint
in the shell's run_list that fires only while sh runs. A command typed at the
prompt must stop there, in user/sh.c, with a backtrace gdb can read.
"""

import subprocess

from harness import (Qemu, REPO_ROOT, check, free_port, qemu_command, scaled, test)

GDB_TIMEOUT = 120


@test("gdb_breaks_in_a_user_program")
def gdb_breaks_in_a_user_program():
    port = free_port()
    subprocess.run(["make", "-s", "--no-print-directory", "build/gdbinit", f"GDBPORT={port}"],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    cmd = qemu_command() + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]
    with Qemu(cmd) as q:
        gdb = subprocess.Popen(
            ["gdb-multiarch", "-q", "-batch", "-x", "build/gdbinit",
             "-ex", "user-symbols sh", "-ex", "user-break sh run_list",
             "-ex", "continue", "-ex", "backtrace 2", "-ex", "print n->kind", "-ex", "kill"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            q.expect(r"(?m)^\$ ", scaled(GDB_TIMEOUT))  # gdb let it run to the prompt
            q.send("echo stop here\n")
            out, _ = gdb.communicate(timeout=scaled(GDB_TIMEOUT))
        finally:
            if gdb.poll() is None:
                gdb.kill()
        check("Breakpoint 1, run_list" in out, f"gdb did not stop in sh's run_list:\n{out}")
        check("user/sh.c" in out, f"gdb does not show sh's source file:\n{out}")
        check("stop here" not in q.output.split("echo stop here", 1)[-1],
              "echo ran although gdb should hold the shell at the breakpoint")
