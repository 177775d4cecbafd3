#!/usr/bin/env python3
"""tests/crash/record.py - boots magma on IMAGE with every device write and flush recorded.

    tests/crash/record.py IMAGE LOG [BIG]

QEMU's blklogwrites block driver sits between the virtio-blk device and
a copy of IMAGE, and writes each request it passes on (the sectors and
bytes of a write, or a flush) to LOG in dm-log-writes' format, before it
completes the request. At the shell's prompt this types `crashload BIG`
(user/crashload.c: the calls of tests/crash/workload.h), waits for its last
line and kills QEMU: every call had returned, and its writes and flushes
were in the log by then. IMAGE itself is left as it was.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "grading"))
from harness import Qemu, TestFailure, qemu_command  # noqa: E402

BOOT_TIMEOUT = 120
WORKLOAD_TIMEOUT = 900  # a 4 MiB file in 95 commits, on a loaded host
LOG_SECTOR = 512  # the guest's sectors: the log may cut a block anywhere a disk could
END_LINE = r"crashload: done \((\d+) calls\)\n"
FAILED = r"crashload: FAIL[^\n]*\n"


def blockdevs(disk, log):
    """-blockdev options: the disk file, the log file, blklogwrites over both as disk0.

    The guest's flushes are logged by blklogwrites; the host files need none
    (cache.no-flush): fsync on a loaded host disk would take most of the time.
    """
    return ["-blockdev", f"driver=file,filename={disk},cache.no-flush=on,node-name=image",
            "-blockdev", f"driver=file,filename={log},cache.no-flush=on,node-name=log",
            "-blockdev", f"driver=blklogwrites,file=image,log=log,log-sector-size={LOG_SECTOR},"
                         "node-name=disk0"]


def recording_command(disk, log):
    """The harness's boot command with its -drive replaced by the recording devices."""
    cmd = qemu_command(fresh_disk=False)
    for i, arg in enumerate(cmd):
        if i > 0 and cmd[i - 1] == "-drive" and "id=disk0" in arg:
            return cmd[:i - 1] + blockdevs(disk, log) + cmd[i + 1:]
    raise TestFailure(f"no -drive ...,id=disk0 in the boot command {cmd}")


def record(image, log, big):
    with tempfile.TemporaryDirectory(prefix="magma-crash-") as tmp:
        disk = Path(tmp) / "disk.img"
        shutil.copyfile(image, disk)
        partial = Path(tmp) / "writes.log"
        partial.touch()
        with Qemu(recording_command(disk, partial)) as q:
            q.expect(r"\$ ", BOOT_TIMEOUT)
            q.send(f"crashload {big}\n")
            which, match = q.expect_any([END_LINE, FAILED], WORKLOAD_TIMEOUT)
            if which == 1:
                raise TestFailure(f"the workload failed in magma: {match.group(0).strip()}")
            if "panic" in q.output:
                raise TestFailure("the kernel panicked:\n" + q.tail())
        shutil.move(partial, log)
    print(f"record: crashload made {match.group(1)} calls; {Path(log).stat().st_size} bytes "
          f"of write log in {log}")


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: " + __doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        record(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "")
    except TestFailure as failure:
        print(f"record: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
