#!/usr/bin/env python3
"""Print the version (major.minor, e.g. "1.1") of the OpenSBI firmware that
QEMU uses for `-bios default`, read from the firmware's own boot banner.

It boots the virt machine with no kernel, reads the serial console until a
line like "OpenSBI v1.1" (or "OpenSBI v1.3.1", "OpenSBI v1.1-54-g7f09fba")
appears, prints the version and kills QEMU (its whole process group).

Exit status: 0 on success, 2 on any error (QEMU missing, QEMU exited, no
banner before the timeout); the reason goes to stderr.

usage: tools/firmware_version.py [--qemu PATH] [--timeout SECONDS]
"""

import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BANNER = re.compile(rb"OpenSBI v(\d+)\.(\d+)")


def fail(msg):
    print(f"firmware_version.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def kill_group(proc):
    """Stop QEMU and anything it started: TERM the group, then KILL."""
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # The leader may be gone while other group members linger: make sure.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_banner(proc, timeout):
    """Return (major, minor) from QEMU's stdout, or raise TimeoutError
    (no banner in time) / EOFError (QEMU closed its output)."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            raise EOFError
        buf = (buf + chunk)[-8192:]
        m = BANNER.search(buf)
        if m:
            return int(m.group(1)), int(m.group(2))


def main():
    ap = argparse.ArgumentParser(
        description="Print the OpenSBI version (major.minor) used by QEMU's -bios default.")
    ap.add_argument("--qemu", default="qemu-system-riscv64",
                    help="QEMU binary (default: qemu-system-riscv64 from PATH)")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="seconds to wait for the banner (default: 20)")
    args = ap.parse_args()
    if args.timeout <= 0:
        fail("--timeout must be positive")

    qemu = shutil.which(args.qemu)
    if qemu is None:
        fail(f"QEMU not found: '{args.qemu}' (install qemu-system-misc, e.g. with tools/deps.sh)")

    cmd = [qemu, "-machine", "virt", "-bios", "default", "-nographic",
           "-smp", "1", "-m", "64M", "-monitor", "none", "-serial", "stdio"]

    # A SIGTERM to this script must still clean QEMU up (via finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))

    # stderr goes to a file, not a pipe nobody drains, so QEMU can't block on it.
    errfile = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errfile,
                                start_new_session=True)
    except OSError as e:
        fail(f"cannot run {qemu}: {e}")

    try:
        major, minor = read_banner(proc, args.timeout)
    except TimeoutError:
        fail(f"no 'OpenSBI vX.Y' banner from {qemu} within {args.timeout:g} s")
    except EOFError:
        kill_group(proc)
        errfile.seek(0)
        err = errfile.read(2000).decode(errors="replace").strip()
        fail(f"{qemu} exited (status {proc.returncode}) before printing the OpenSBI banner"
             + (f": {err}" if err else ""))
    finally:
        kill_group(proc)
        proc.stdout.close()
        errfile.close()

    print(f"{major}.{minor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
