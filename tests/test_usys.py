"""Unit tests for user/usys.py, the system call stub generator (run by `make test`).

The rules: a stub for every SYS_ number that user/user.h declares as a
function, none for a number with no declaration (reserved) or for a call
the library answers itself (--in-library), names in comments do not count,
and an --in-library name with no number is refused. The real headers are
checked too: every magma system call of user.h has a stub, uptime none.
"""
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "user"))
import usys  # noqa: E402

SYSCALLS_H = """
#define SYS_fork    1
#define SYS_uptime  14
#define SYS_lsdev   27 /* reserved */
#define SYS_getppid 28
#define SYS_COUNT   29
"""

USER_H = """
int fork(void);
int uptime(void);
/* lsdev(void) is not a call yet, and neither is // COUNT( */
int getppid(void);
void printf(const char *, ...) __attribute__((format(printf, 1, 2)));
"""


def stub_names(text):
    return re.findall(r"^(\w+):$", text, re.M)


class Generator(unittest.TestCase):
    def test_a_stub_per_declared_number(self):
        self.assertEqual(stub_names(usys.stubs(SYSCALLS_H, USER_H, [])),
                         ["fork", "uptime", "getppid"])

    def test_library_calls_get_no_stub(self):
        self.assertEqual(stub_names(usys.stubs(SYSCALLS_H, USER_H, ["uptime"])),
                         ["fork", "getppid"])

    def test_a_stub_traps_with_its_number_from_the_header(self):
        text = usys.stubs(SYSCALLS_H, USER_H, [])
        self.assertIn('#include "kernel/syscall.h"', text)
        fork = text[text.index("fork:"):text.index(".size fork")]
        self.assertEqual([l.strip() for l in fork.splitlines()[1:4]],
                         ["li a7, SYS_fork", "ecall", "ret"])
        self.assertIn(".section .text.fork", text)  # its own section: --gc-sections drops it

    def test_unknown_library_call_is_refused(self):
        with self.assertRaises(SystemExit) as cm:
            usys.stubs(SYSCALLS_H, USER_H, ["nosuch"])
        self.assertIn("nosuch", str(cm.exception))


class RealHeaders(unittest.TestCase):
    def test_every_call_of_user_h_but_uptime(self):
        with tempfile.TemporaryDirectory() as d:
            out = pathlib.Path(d) / "usys.S"
            subprocess.run([sys.executable, str(ROOT / "user" / "usys.py"),
                            "--syscalls", str(ROOT / "kernel" / "syscall.h"),
                            "--user-h", str(ROOT / "user" / "user.h"),
                            "--in-library", "uptime", "-o", str(out)], check=True)
            names = stub_names(out.read_text())
        for name in ("fork", "exit", "wait", "pipe", "read", "write", "close", "kill", "exec",
                     "open", "mknod", "unlink", "fstat", "link", "mkdir", "chdir", "dup",
                     "getpid", "sbrk", "sleep", "pause", "getppid", "setpgid", "fgset",
                     "memstat", "procinfo"):
            self.assertIn(name, names)
        self.assertNotIn("uptime", names)
        self.assertNotIn("lsdev", names)
        self.assertEqual(len(names), len(set(names)))


if __name__ == "__main__":
    unittest.main()
