"""gdb on a user program: `user-symbols` and `user-break` from build/gdbinit.

QEMU boots to the prompt with its gdb stub open; gdb then attaches
(build/gdbinit, as `make gdb` does), loads the shell's symbols and sets a
breakpoint in the shell's run_list that fires only while sh runs. A command
typed at the prompt must stop there, in user/sh.c, with a backtrace gdb can
read. gdb attaches after the boot, as the README advises for user
breakpoints: while the modules load, their code runs at the same addresses
as the shell's, and gdb's step past a breakpoint another process reaches can
hang a machine of several harts (README, "Debugging with gdb").
"""

import subprocess
import threading

from harness import (Qemu, REPO_ROOT, check, free_port, qemu_command, scaled, test)

GDB_TIMEOUT = 120


def wait_for_line(proc, text, timeout):
    """proc's output up to and including its first line containing text (all of it if it ends first)."""
    lines = []

    def read():
        for line in proc.stdout:
            lines.append(line)
            if text in line:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    check(not reader.is_alive(), f"gdb printed no {text!r} in {timeout:.0f} s:\n{''.join(lines)}")
    return "".join(lines)


@test("gdb_breaks_in_a_user_program")
def gdb_breaks_in_a_user_program():
    port = free_port()
    subprocess.run(["make", "-s", "--no-print-directory", "build/gdbinit", f"GDBPORT={port}"],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    cmd = qemu_command() + ["-gdb", f"tcp:127.0.0.1:{port}"]
    with Qemu(cmd) as q:
        q.expect(r"(?m)^\$ ", scaled(GDB_TIMEOUT))  # booted, the modules loaded
        gdb = subprocess.Popen(
            ["gdb-multiarch", "-q", "-batch", "-x", "build/gdbinit",
             "-ex", "user-symbols sh", "-ex", "user-break sh run_list",
             "-ex", "continue", "-ex", "backtrace 2", "-ex", "print n->kind", "-ex", "kill"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            # Typed once the breakpoint is in: the machine is stopped from the attach
            # on, so the line waits in the console until gdb continues.
            seen = wait_for_line(gdb, "Breakpoint 1 at", scaled(GDB_TIMEOUT))
            q.send("echo stop here\n")
            out, _ = gdb.communicate(timeout=scaled(GDB_TIMEOUT))
            out = seen + out
        finally:
            if gdb.poll() is None:
                gdb.kill()
        check("Breakpoint 1, run_list" in out, f"gdb did not stop in sh's run_list:\n{out}")
        check("user/sh.c" in out, f"gdb does not show sh's source file:\n{out}")
        check("stop here" not in q.output.split("echo stop here", 1)[-1],
              "echo ran although gdb should hold the shell at the breakpoint")
