"""Console system tests: kernel and guard share one UART through a lock word (sbi/console_lock.h).

The guard must never wait for the kernel, and neither side may print while
the other holds the lock. A QEMU loader device puts a kernel hart's owner id
into the lock word at reset, as if a kernel hart had died holding it; gdb
later frees it from outside.
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
