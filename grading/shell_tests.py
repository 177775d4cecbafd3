"""Shell system tests: magma boots to init and sh, and a student types commands.

Each test boots the default machine (or the PLIC one) on a fresh copy of the
disk image (fresh_disk), so what one test writes never changes another's
starting point, waits for the "$ " prompt and types lines as a student
would. Verdicts come from what the commands print, checked against what the
host computes for the same files (README's wc counts), never from a line a
program prints about itself.
"""

import os
import re

from harness import Qemu, TestFailure, check, qemu_command, test, REPO_ROOT

BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 60
PROMPT = r"\$ $"


def shell(aia=True, cpus=4):
    """QEMU booting to the shell, on a fresh copy of the disk image (qemu_command's default)."""
    return Qemu(qemu_command(cpus=cpus, aia=aia))


def run(q, line, timeout=COMMAND_TIMEOUT):
    """Types line at the prompt; returns what it printed before the next prompt."""
    q.send(line + "\n")
    match = q.expect(r"(?m)" + re.escape(line) + r"\r?\n(?P<out>(?:.|\n)*?)^\$ ", timeout)
    return match.group("out").replace("\r", "")


def booted(q):
    q.expect(r"magma: boot complete\n", BOOT_TIMEOUT)
    q.expect(r"\$ ", BOOT_TIMEOUT)


def wc_of(path):
    data = open(path, "rb").read()
    return data.count(b"\n"), len(data.split()), len(data)


def shell_basics(aia):
    with shell(aia=aia) as q:
        booted(q)
        out = run(q, "ls")
        for name in ("README", "sh", "init", "cat", "usertests", "console"):
            check(re.search(rf"^{name}\s", out, re.M), f"ls does not list {name}:\n{out}")
        lines, words, size = wc_of(os.path.join(REPO_ROOT, "README.md"))
        out = run(q, "cat README | wc")
        check(re.search(rf"\b{lines}\s+{words}\s+{size}\b", out),
              f"cat README | wc printed {out!r}; the host counts {lines} {words} {size}")
        out = run(q, "echo hi > f; cat f")
        check(out.strip() == "hi", f"echo hi > f; cat f printed {out!r}")
        out = run(q, "echo a > g; echo b >> g; cat g")
        check(out.split() == ["a", "b"], f">> did not append: {out!r}")
        out = run(q, "wc < g")
        check(re.search(r"\b2\s+2\s+4\b", out), f"< redirection: wc < g printed {out!r}")
        out = run(q, "(echo x; echo y) | grep y")
        check(out.strip() == "y", f"parentheses and a pipe: {out!r}")


@test("shell_basics_aia")
def shell_basics_aia():
    shell_basics(True)


@test("shell_basics_plic")
def shell_basics_plic():
    shell_basics(False)


@test("shell_ctrl_c_kills_the_foreground_job")
def shell_ctrl_c_kills_the_foreground_job():
    with shell() as q:
        booted(q)
        q.send("sleep 100000\n")
        q.expect(r"sleep 100000\r?\n", COMMAND_TIMEOUT)
        # A Ctrl-C typed before the shell made the job the foreground group kills
        # nothing (as on Unix); a student presses it again, and so does the test.
        for attempt in range(10):
            q.send("\x03")
            q.expect(r"\^C", COMMAND_TIMEOUT)
            try:
                q.expect(r"(?m)^\$ ", 5)
                break
            except TestFailure:
                check(attempt < 9, "ten Ctrl-Cs and the shell's prompt never came back")
        out = run(q, "echo alive")
        check(out.strip() == "alive", f"the shell did not survive Ctrl-C: {out!r}")


@test("shell_keeps_a_page_of_type_ahead")
def shell_keeps_a_page_of_type_ahead():
    """Lines typed while a command runs wait for the next reader: 40 of them, 2,800 bytes, none lost."""
    lines = [f"{i:02d}" + "x" * 67 for i in range(40)]  # 70 bytes each with the newline
    with shell() as q:
        booted(q)
        q.send("sleep 100; wc\n")  # nothing reads the console for a second
        q.send("".join(line + "\n" for line in lines))
        q.send("\x04")  # Ctrl-D at the start of a line: wc's end of file
        m = q.expect(r"(?m)^\s*(\d+)\s+(\d+)\s+(\d+)\s*\r?\n", COMMAND_TIMEOUT)
        check(m.groups() == ("40", "40", "2800"),
              f"wc counted {m.group(0).strip()!r} of 40 lines, 40 words, 2800 bytes typed ahead")


@test("shell_background_job")
def shell_background_job():
    with shell() as q:
        booted(q)
        q.send("sleep 100000 &\n")
        q.expect(r"\$ ", COMMAND_TIMEOUT)  # the prompt comes back at once
        # The job may not have reached its exec yet on a busy host (it shows as a
        # second sh); ps again, each time after a `sleep 10` (100 ms).
        for attempt in range(30):
            out = run(q, "ps")
            if re.search(r"\bsleep\b", out):
                break
            check(attempt < 29, f"the background sleep never showed in ps:\n{out}")
            run(q, "sleep 10")
        q.send("\x10")  # Ctrl-P: the kernel lists processes, from the UART's interrupt
        header = q.expect(r"pid\s+ppid\s+state\s+hart\s+name\r?\n", COMMAND_TIMEOUT)
        q.expect(r"\s1\s+0\s+\w+\s+\d+\s+init\r?\n", COMMAND_TIMEOUT)
        listing = q.output[header.end():]
        check(re.search(r"\ssleeping\s+\d+\s+sleep\r?\n", listing),
              f"Ctrl-P does not list the background sleep:\n{listing}")


@test("shell_rootstat_and_memstat")
def shell_rootstat_and_memstat():
    with shell() as q:
        booted(q)
        out = run(q, "rootstat")
        check(re.search(r"protected", out), f"rootstat shows no protected bits:\n{out}")
        check(re.search(r"scan", out), f"rootstat shows no scan counter:\n{out}")
        out = run(q, "memstat")
        check(re.search(r"free", out), f"memstat shows no free frames:\n{out}")
        out = run(q, "lsdev")
        check(re.search(r"uart|UART|ram|RAM", out), f"lsdev shows no board tables:\n{out}")
