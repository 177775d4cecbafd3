"""Console system tests: the shared UART and the console device.

Kernel and guard share one UART through a lock word (sbi/console_lock.h).
The guard must never wait for the kernel, and neither side may print while
the other holds the lock. A QEMU loader device puts a kernel hart's owner id
into the lock word at reset, as if a kernel hart had died holding it; gdb
later frees it from outside.

The console device (kernel/console.c) edits typed lines before a reader
gets them; `test=console` reads through it at boot and shows each read.
"""

import re
import time

from harness import Qemu, check, free_port, gdb_physical, qemu_command, scaled, split_lines, test

BOOT_TIMEOUT = 30
LOCK_WORD = 0x80110000    # MAGMA_MAILBOX_BASE: the first word of the mailbox
DEAD_KERNEL_OWNER = 0x1ff  # CONSOLE_LOCK_KERNEL(0xff): no such hart releases it
ON_STATE = 0x80100004     # MAGMA_ROOT_BASE + ROOT_ON_STATE
HELD_SECONDS = 2          # how long the lock stays taken before gdb frees it
GUARD_LINES = [r"guard: mailbox ready: ", r"guard: hart \d+: root installed, ", r"guard: doorbells: "]


def read_byte(port, address):
    out = gdb_physical(port, [f"x/1bx {address:#x}"])
    match = re.search(rf"{address:#x}:\s+0x([0-9a-f]+)", out)
    check(match, f"gdb could not read {address:#x}:\n{out}")
    return int(match.group(1), 16)


@test("console_guard_never_waits_for_the_kernel")
def console_guard_never_waits_for_the_kernel():
    """With the lock held by a dead kernel hart the guard still comes up, and nobody prints."""
    port = free_port()
    cmd = qemu_command(bootargs="test=poweroff") + [
        "-device", f"loader,addr={LOCK_WORD:#x},data={DEAD_KERNEL_OWNER:#x},data-len=4",
        "-gdb", f"tcp:127.0.0.1:{port}"]
    with Qemu(cmd) as q:
        q.expect(r"Boot HART MEDELEG\s+: 0x[0-9a-f]+\n", BOOT_TIMEOUT)  # OpenSBI is done
        deadline = time.monotonic() + scaled(BOOT_TIMEOUT)
        while read_byte(port, ON_STATE) != 2:  # the guard installs the root all the same
            check(time.monotonic() < deadline, "the guard never reached ON state 2 while the "
                  "kernel held the console lock: it waited for the kernel")
            time.sleep(0.2)
        time.sleep(HELD_SECONDS)
        while_held = q.output.split("Boot HART MEDELEG", 1)[1]
        check(not re.search(r"(magma|guard): ", while_held),
              f"someone printed while the console lock was held:\n{while_held}")
        gdb_physical(port, [f"set {{unsigned int}}{LOCK_WORD:#x} = 0"])
        q.expect(r"magma: boot complete\n", BOOT_TIMEOUT)
        for line in GUARD_LINES:  # kept in the guard's queue, printed once the lock was free
            q.expect_seen(line + r".*\n", BOOT_TIMEOUT)
        q.expect(r"magma: powering off\n", BOOT_TIMEOUT)
        check(not split_lines(q.output), f"lines interleaved: {split_lines(q.output)}")


# (keys typed, what the reader gets as test=console shows it, its length in bytes)
EDITS = [
    ("hello\r", r"hello\\n", 6),
    ("hx\x7fi\r", r"hi\\n", 3),  # DEL erases a character
    ("ab\bc\r", r"ac\\n", 3),  # so does backspace
    ("junk\x15ok\r", r"ok\\n", 3),  # Ctrl-U erases the line
    ("gone\x03", None, 0),  # Ctrl-C drops the half-typed line (no process to kill at boot)
    ("kept\r", r"kept\\n", 5),
    ("part\x04", r"part", 4),  # Ctrl-D ends a read without a newline
]


def line_editing(aia):
    with Qemu(qemu_command(aia=aia, bootargs="test=console,poweroff")) as q:
        q.expect(r"magma: test console: a line in two writes\n", BOOT_TIMEOUT)
        q.expect(r"magma: test console: console_write returned 26 and 16; ", BOOT_TIMEOUT)
        reads = 0
        for keys, got, length in EDITS:
            q.send(keys)
            if got is None:
                q.expect(r"\^C\n", BOOT_TIMEOUT)
                continue
            reads += 1
            q.expect(rf'magma: test console: read "{got}" \({length} bytes\)\n', BOOT_TIMEOUT)
        q.send("\x04")  # Ctrl-D at the start of a line: end of file
        q.expect(rf"magma: test console: end of input after {reads} reads \(read returned 0\)\n",
                 BOOT_TIMEOUT)
        q.expect(r"magma: powering off", BOOT_TIMEOUT)
        echoed = q.output
        for erased in ("hx\b \bi", "ab\b \bc", "junk\b \b\b \b\b \b\b \bok", "gone^C"):
            check(erased in echoed, f"the echo of the edits lacks {erased!r}")
        # Ctrl-D echoes nothing, so the report of that read follows the echoed "part".
        split = [line for line in split_lines(q.output) if not line.startswith("partmagma: ")]
        check(not split, f"lines interleaved: {split}")


@test("console_line_editing_aia")
def console_line_editing_aia():
    """Echo, DEL, backspace, Ctrl-U, Ctrl-C, Ctrl-D, end of file, and a line in two writes."""
    line_editing(aia=True)


@test("console_line_editing_plic")
def console_line_editing_plic():
    line_editing(aia=False)
