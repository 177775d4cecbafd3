"""Library for magma's system tests: start QEMU, wait for output, type input.

A test is a function registered with @test.  It raises (TestFailure or
AssertionError) when something is wrong:

    from harness import test, Qemu, qemu_command, check

    @test("boots on two harts")
    def boots_on_two_harts():
        with Qemu(qemu_command(cpus=2)) as q:
            q.expect(r"magma", timeout=10)
            q.send("echo hi\\n")
            match = q.expect(r"hart (\\d+) started", timeout=5)
            check(match.group(1) == "1", "wrong hart started")

Each expect() searches the output printed after the previous match, so a
sequence of expects checks that things happen in that order. expect_seen()
waits for lines whose order is not fixed (the guard's beside the kernel's).
A pattern that reads a number should end in "\n" (or other text that must
follow it), so it cannot match while the line is still arriving.

Every timeout is multiplied by the environment variable MAGMA_TIMEOUT_SCALE
(default 1), so slow machines can run the same tests.

Every process started here gets its own process group and is killed when the
test ends, when Python exits, and on Ctrl-C or SIGTERM: a passing, failing or
interrupted test never leaves QEMU running.

grading/run_tests.py runs the tests; grading/test_harness_selftest.py tests
this file.
"""

from __future__ import annotations

import atexit
import codecs
import os
import pty
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
KILL_GRACE_SECONDS = 2.0  # time between SIGTERM and SIGKILL
MAKE_TIMEOUT_SECONDS = 300.0


class TestFailure(Exception):
    """A test's expectation was not met; the message says which one."""


def check(condition: object, message: str) -> None:
    """Fail the current test with `message` unless `condition` is true."""
    if not condition:
        raise TestFailure(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for QEMU's gdb stub)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_physical(port: int, commands: list[str]) -> str:
    """Run gdb commands against QEMU's gdb stub on `port`, on physical addresses.

    The machine is stopped while gdb is attached (QEMU's stub is all-stop) and
    runs on when the script detaches. Returns what gdb printed.
    """
    script = "\n".join(["set architecture riscv:rv64", "set confirm off",
                        f"target remote 127.0.0.1:{port}",
                        "maintenance packet Qqemu.PhyMemMode:1"] + commands + ["detach"])
    with tempfile.NamedTemporaryFile("w", suffix=".gdb") as f:
        f.write(script + "\n")
        f.flush()
        done = subprocess.run(["gdb-multiarch", "-q", "-batch", "-nx", "-x", f.name],
                              capture_output=True, text=True, timeout=scaled(60))
    return done.stdout + done.stderr


def elf_symbol(elf: str, name: str) -> int:
    """The address of symbol `name` in an ELF file of the build (e.g. build/guard/guard.elf).

    The kernel's and the guard's addresses are also physical ones (both run
    identity-mapped or with paging off), so gdb_physical can use them as they are.
    """
    for nm in ("riscv64-unknown-elf-nm", "riscv64-linux-gnu-nm"):
        try:
            out = subprocess.run([nm, elf], cwd=REPO_ROOT, capture_output=True, text=True,
                                 check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        match = re.search(rf"^([0-9a-f]+) \w {re.escape(name)}$", out, re.M)
        check(match, f"no symbol {name} in {elf}")
        return int(match.group(1), 16)
    raise TestFailure(f"cannot list the symbols of {elf}: no riscv64-unknown-elf-nm or "
                      f"riscv64-linux-gnu-nm (tools/deps.sh installs one)")


def scaled(timeout: float) -> float:
    """Return `timeout` multiplied by $MAGMA_TIMEOUT_SCALE."""
    return timeout * float(os.environ.get("MAGMA_TIMEOUT_SCALE", "1"))


_LINE_START_INSIDE = re.compile(r".(magma|guard): ")


def split_lines(text: str) -> list[str]:
    """Console lines into which a kernel or guard line has cut: two lines interleaved.

    Kernel lines start with "magma: " (the kernel's guard reports with
    "magma: guard: "), guard lines with "guard: "; neither text appears
    later in a whole line.
    """
    return [line for line in text.splitlines()
            if _LINE_START_INSIDE.search(line.replace("magma: guard: ", "magma: ", 1))]


# ---------------------------------------------------------------- registry


@dataclass
class RegisteredTest:
    name: str
    group: str
    fn: Callable[[], None]


TESTS: list[RegisteredTest] = []  # in registration order


def test(name: str, group: str = "qemu"):
    """Decorator: register fn() as the system test called `name`."""

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        if any(registered.name == name for registered in TESTS):
            raise ValueError(f"two tests are called {name!r}")
        TESTS.append(RegisteredTest(name, group, fn))
        return fn

    return register


# ------------------------------------------------------- building the command


def qemu_command(
    cpus: int = 4,
    mem: str = "128M",
    aia: bool = True,
    bootargs: str = "",
    extra_make_vars: dict[str, object] | None = None,
    fresh_disk: bool = True,
) -> list[str]:
    """Build magma and return the QEMU command line as an argument list.

    Runs `make qemu-cmd` in the repository root, which prints the command.
    With fresh_disk (the default) the boot gets its own copy of the disk
    image, so no test sees files another left behind, and two QEMUs never
    share one image. $MAGMA_QEMU_CMD_OVERRIDE, if set, is used instead
    (harness self-test).
    """
    override = os.environ.get("MAGMA_QEMU_CMD_OVERRIDE")
    if override:
        return shlex.split(override)
    make_vars = {"CPUS": cpus, "MEM": mem, "AIA": 1 if aia else 0, "BOOTARGS": bootargs}
    make_vars.update(extra_make_vars or {})
    argv = ["make", "-s", "--no-print-directory", "qemu-cmd"]
    argv += [f"{key}={value}" for key, value in make_vars.items()]
    cmd = shlex.split(_last_line_printed_by(argv))
    return _with_fresh_disk(cmd) if fresh_disk else cmd


_fresh_disks: list[str] = []


@atexit.register
def _remove_fresh_disks() -> None:
    for path in _fresh_disks:
        try:
            os.unlink(path)
        except OSError:
            pass


def _with_fresh_disk(cmd: list[str]) -> list[str]:
    """cmd with its -drive file= image replaced by a sparse copy of it."""
    for i, arg in enumerate(cmd):
        match = re.match(r"file=([^,]+),(.*)", arg)
        if i == 0 or cmd[i - 1] != "-drive" or not match:
            continue
        fd, copy = tempfile.mkstemp(prefix="magma-disk-", suffix=".img")
        os.close(fd)
        _fresh_disks.append(copy)
        subprocess.run(["cp", "--sparse=always", os.path.join(REPO_ROOT, match.group(1)), copy],
                       check=True)
        return cmd[:i] + [f"file={copy},{match.group(2)}"] + cmd[i + 1:]
    return cmd


def disk_image(cmd: list[str]) -> str:
    """The disk image a QEMU command line boots on (its -drive file=), as an absolute path."""
    for i, arg in enumerate(cmd):
        match = re.match(r"file=([^,]+),", arg)
        if i > 0 and cmd[i - 1] == "-drive" and match:
            return os.path.join(REPO_ROOT, match.group(1))
    raise TestFailure(f"no -drive file= in the QEMU command {shlex.join(cmd)}")


def host_tool(target: str) -> str:
    """Build the host program `target` (a make target, e.g. build/mkfs/mkfs); its path.

    $MAGMA_FSCK, if set, names a prebuilt fsck to use instead of build/fsck/fsck.
    """
    if target == "build/fsck/fsck" and os.environ.get("MAGMA_FSCK"):
        return os.environ["MAGMA_FSCK"]
    _last_line_printed_by(["sh", "-c", f"make -s --no-print-directory {shlex.quote(target)} "
                           "&& echo built"])
    return os.path.join(REPO_ROOT, target)


def fsck(image: str, repair: bool = False) -> tuple[int, str]:
    """Run the fsck program on a disk image: (its exit status, what it printed).

    0 is clean, 1 problems found, 2 the image could not be read (see mkfs/fsck.c).
    """
    argv = [host_tool("build/fsck/fsck")] + (["-y"] if repair else []) + [image]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=scaled(120))
    return done.returncode, done.stdout + done.stderr


def _last_line_printed_by(argv: list[str]) -> str:
    """Run argv in the repository root; return its last non-empty output line."""
    command = shlex.join(argv)
    limit = scaled(MAKE_TIMEOUT_SECONDS)
    try:
        result = subprocess.run(
            argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=limit,
        )
    except subprocess.TimeoutExpired:
        raise TestFailure(f"`{command}` did not finish within {limit:g}s") from None
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        raise TestFailure(
            f"`{command}` failed (exit status {result.returncode}, "
            f"{len(lines)} lines of output); its stderr:\n{result.stderr.rstrip()}"
        )
    return lines[-1]


# ------------------------------------------------------- tracking processes

_live: set[ConsoleProcess] = set()  # started and not killed yet
_used_by_test: list[ConsoleProcess] = []  # started since begin_test()


def begin_test() -> None:
    """Forget the processes of the previous test (called by the runner)."""
    _used_by_test.clear()


def used_sessions() -> list[ConsoleProcess]:
    """The processes started since begin_test(), for failure reports."""
    return list(_used_by_test)


def kill_all() -> None:
    """Kill every process started by this module that is still alive."""
    for process in list(_live):
        process.kill()


def _kill_all_on_signal(signum: int, frame: object) -> None:
    # The handler runs between two bytecodes of the main thread, which may
    # hold a console's lock or be inside Popen.wait: it only sends SIGKILL
    # to every live process group, which waits on nothing (waiting and
    # joining from here once left a runner stuck after Ctrl-C on a loaded
    # machine). The exception unwinds through run_tests.run_guarded's
    # finally, whose kill_all() reaps them, and the atexit hook catches the
    # rest.
    for process in list(_live):
        _signal_group(process.pid, signal.SIGKILL)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


atexit.register(kill_all)
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGINT, _kill_all_on_signal)
    signal.signal(signal.SIGTERM, _kill_all_on_signal)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass  # the whole group is gone already


# ------------------------------------------------------ console processes


class ConsoleProcess:
    """A child process whose console a test can read (expect) and type into.

    Subclasses start the process and say which file descriptor its output
    comes from and how to write to its input; this class does the rest.
    A background thread collects the output into self._text.
    """

    def __init__(self, argv: list[str], proc: subprocess.Popen, output_fd: int):
        self.name = Path(argv[0]).name
        self._proc = proc
        self._output_fd = output_fd
        self._text = ""
        self._search_from = 0  # expect() looks for matches from here on
        self._output_ended = False
        self._changed = threading.Condition()
        _live.add(self)
        _used_by_test.append(self)
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.kill()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def output(self) -> str:
        """Everything printed so far."""
        with self._changed:
            return self._text

    def tail(self, n: int = 40) -> str:
        """The last n lines printed so far."""
        return "\n".join(self.output.splitlines()[-n:])

    def _read_output(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            try:
                chunk = os.read(self._output_fd, 4096)
            except OSError:  # a pty says EIO once the child side is closed
                chunk = b""
            text = decoder.decode(chunk, final=not chunk).replace("\r", "")
            with self._changed:
                self._text += text
                self._output_ended = not chunk
                self._changed.notify_all()
            if not chunk:
                return

    def expect(self, pattern: str | re.Pattern, timeout: float) -> re.Match:
        """Wait until `pattern` (a regex) appears after the previous match.

        Output arrives in pieces, so r"name: (.*)" may match before the
        whole line is there; write r"name: (.*)\n" to wait for the full line.
        """
        return self.expect_any([pattern], timeout)[1]

    def expect_any(
        self, patterns: list[str | re.Pattern], timeout: float
    ) -> tuple[int, re.Match]:
        """Wait for whichever pattern appears first; return (its index, match)."""
        regexes = [re.compile(pattern) for pattern in patterns]
        wanted = " or ".join(repr(regex.pattern) for regex in regexes)
        found = self._wait_for(lambda: self._earliest_match(regexes), timeout, wanted)
        self._search_from = found[1].end()
        return found

    def expect_seen(self, pattern: str | re.Pattern, timeout: float,
                    count: int = 1) -> list[re.Match]:
        """Wait until `pattern` has appeared `count` times anywhere in the output.

        For lines whose place among the others is not fixed: the guard logs
        beside the kernel, and a hart reports an IPI while its sender goes
        on. Returns every match so far; the next expect() still searches
        from where the previous one matched.
        """
        regex = re.compile(pattern)

        def enough():
            matches = list(regex.finditer(self._text))
            return matches if len(matches) >= count else None

        times = "" if count == 1 else f" {count} times"
        return self._wait_for(enough, timeout, f"{regex.pattern!r}{times}")

    def _wait_for(self, find: Callable[[], object], timeout: float, wanted: str):
        """Wait until find() (called with the output locked) returns something true."""
        limit = scaled(timeout)
        deadline = time.monotonic() + limit
        with self._changed:
            while True:
                found = find()
                if found:
                    return found
                if self._output_ended:
                    raise TestFailure(
                        f"{self.name} exited ({self._exit_status()}) "
                        f"before printing {wanted}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TestFailure(f"timed out after {limit:g}s waiting for {wanted}")
                self._changed.wait(remaining)

    def _earliest_match(self, regexes: list[re.Pattern]) -> tuple[int, re.Match] | None:
        matches = [(i, regex.search(self._text, self._search_from))
                   for i, regex in enumerate(regexes)]
        found = [(i, match) for i, match in matches if match]
        return min(found, key=lambda item: item[1].start(), default=None)

    def _exit_status(self) -> str:
        try:
            return f"exit status {self._proc.wait(timeout=1)}"
        except subprocess.TimeoutExpired:
            return "closed its output"

    def send(self, text: str | bytes) -> None:
        """Type `text` (e.g. "ls\\n", or "\\x01x" for Ctrl-a x) into the console."""
        data = text.encode() if isinstance(text, str) else text
        try:
            self._write(data)
        except OSError as error:
            raise TestFailure(f"cannot send {text!r} to {self.name}: {error}") from None

    def wait_exit(self, timeout: float) -> int:
        """Wait for the process to exit by itself; return its exit status."""
        limit = scaled(timeout)
        try:
            status = self._proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{self.name} was still running after {limit:g}s") from None
        self._reader.join(timeout=1)  # collect its last output
        return status

    def kill(self) -> None:
        """Kill the whole process group (SIGTERM, SIGKILL 2 s later) and reap it."""
        if self not in _live:
            return
        _signal_group(self.pid, signal.SIGTERM)
        try:
            self._proc.wait(timeout=KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        # Also catches children that outlive the group leader.
        _signal_group(self.pid, signal.SIGKILL)
        try:
            self._proc.wait(timeout=KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass  # only if a signal interrupted a wait() already in progress
        self._reader.join(timeout=1)
        if not self._reader.is_alive():  # never close a file it is reading
            self._close()
        _live.discard(self)

    def kill_now(self) -> None:
        """SIGKILL the process group at once, as a power cut would stop the machine."""
        _signal_group(self.pid, signal.SIGKILL)
        self.kill()

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class Qemu(ConsoleProcess):
    """QEMU (or any program) with its console on pipes.

    `cmd` defaults to qemu_command(); `cwd` to the repository root.
    """

    def __init__(self, cmd: list[str] | None = None, cwd: str | Path | None = None):
        argv = qemu_command() if cmd is None else cmd
        proc = subprocess.Popen(
            argv, cwd=cwd or REPO_ROOT, start_new_session=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        super().__init__(argv, proc, proc.stdout.fileno())

    def _write(self, data: bytes) -> None:
        self._proc.stdin.write(data)
        self._proc.stdin.flush()

    def _close(self) -> None:
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                stream.close()
            except OSError:
                pass  # unsent input is of no use any more


class PtyProcess(ConsoleProcess):
    """A command (e.g. `make qemu`) run on a pseudo-terminal, as in a shell.

    Note that the terminal starts in line mode: it passes input on only
    after a newline until the program (like QEMU) switches it to raw mode,
    so wait for some output before typing keys such as "\\x01x".
    """

    def __init__(self, argv: list[str], cwd: str | Path | None = None):
        self._terminal, child_side = pty.openpty()
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd or REPO_ROOT, start_new_session=True,
                stdin=child_side, stdout=child_side, stderr=child_side,
            )
        except BaseException:
            os.close(self._terminal)
            raise
        finally:
            os.close(child_side)
        super().__init__(argv, proc, self._terminal)

    def _write(self, data: bytes) -> None:
        while data:
            written = os.write(self._terminal, data)
            data = data[written:]

    def _close(self) -> None:
        os.close(self._terminal)


SHELL_PROMPT = r"\$ "
KERNEL_PANIC = r"(?m)^panic: hart \d+: "  # kernel/panic.c's first line
PANIC_LINE_SECONDS = 10  # for the rest of the panic's line to arrive


def run_at_prompt(q: ConsoleProcess, command: str, timeout: float) -> str:
    """Type command at the shell's prompt; what it printed before the next prompt.

    The shell must be at its prompt already (the boot's "$ " matched by expect).
    """
    start = len(q.output)
    q.send(command + "\n")
    which, prompt = q.expect_any([SHELL_PROMPT, KERNEL_PANIC], timeout)
    if which == 1:  # no prompt will come: say why now, not after the timeout
        line = q.expect(r"[^\n]*\n", PANIC_LINE_SECONDS).group(0).strip()
        raise TestFailure(f"the kernel panicked while {command!r} ran: {prompt.group(0)}{line}")
    text = q.output[start:prompt.start()]
    echoed = command + "\n"
    return text[len(echoed):] if text.startswith(echoed) else text


def run_in_pty(argv: list[str], cwd: str | Path | None = None) -> PtyProcess:
    """Start argv on a pseudo-terminal; see PtyProcess."""
    return PtyProcess(argv, cwd)
