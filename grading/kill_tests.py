"""The file system killed mid-write and filled up, in QEMU on small images made by mkfs.

killed_mid_write_20_runs: QEMU is SIGKILLed while user/writeheavy writes.

Each run boots on a small image of its own (made by mkfs), starts
`writeheavy` at the prompt, and once it has said "started" (its /wh/stable
is committed) waits a random time and kills QEMU with SIGKILL, as a power
cut would. fsck must find the image clean as a mount would see it (a
committed log is checked as replayed: fsck notes it). Then the machine
boots again on the same image (the kernel replays the log, saying so),
`ls /wh` must list stable, `writeheavy -c` must find every record whole,
and after QEMU is killed again fsck must find the image clean. 20 runs; the
delays come from a seed that is printed (KILL_SEED overrides it), and so
does how many reboots replayed a log.

full_disk_and_no_inodes_fail_cleanly: user/fillfs runs a tiny image out of
blocks and then out of inodes: writes and creates return -1, what was
written reads back, removing files makes room again (fillfs checks each and
says "fillfs: OK"), nothing panics, and fsck finds the image clean after.
"""

import os
import random
import subprocess
import tempfile
import time

from harness import (REPO_ROOT, Qemu, check, fsck, host_tool, qemu_command, run_at_prompt,
                     test)

BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 60
RUNS = 20
SEED = int(os.environ.get("KILL_SEED", "20"))
MAX_DELAY_SECONDS = 2.0
IMAGE_BLOCKS = 8192  # 32 MiB: copies, checks and boots faster than the 128 MiB default
IMAGE_INODES = 256
PROGRAMS = ["init", "sh", "ls", "cat", "writeheavy"]
FILL_BLOCKS = 1024  # 4 MiB, about 3 MiB of it free
FILL_INODES = 64
FILL_TIMEOUT = 300


def small_image(path, blocks=IMAGE_BLOCKS, inodes=IMAGE_INODES, programs=PROGRAMS):
    """A fresh image at path by mkfs, holding the given programs of build/user/."""
    mkfs = host_tool("build/mkfs/mkfs")
    files = [os.path.join(REPO_ROOT, "build", "user", p) for p in programs]
    done = subprocess.run([mkfs, path, "--size-blocks", str(blocks), "--inodes", str(inodes)]
                          + files, capture_output=True, text=True)
    check(done.returncode == 0, f"mkfs failed: {done.stderr}")


def check_fsck(image, when):
    status, report = fsck(image)
    check(status == 0, f"fsck exit status {status} {when}:\n{report[-3000:]}")
    return report


def one_run(image, run, delay):
    """One kill and recovery; 1 if the reboot replayed a log."""
    small_image(image)
    cmd = qemu_command(extra_make_vars={"FS_IMG": image}, fresh_disk=False)
    with Qemu(cmd) as q:
        q.expect(r"\$ ", BOOT_TIMEOUT)
        q.send(f"writeheavy -s {run}\n")
        q.expect(r"writeheavy: started", COMMAND_TIMEOUT)
        time.sleep(delay)
        q.kill_now()
    check_fsck(image, f"after the kill {delay:.2f} s into run {run}")
    with Qemu(cmd) as q:
        q.expect(r"\$ ", BOOT_TIMEOUT)
        replayed = "log: replaying" in q.output
        listing = run_at_prompt(q, "ls /wh", COMMAND_TIMEOUT)
        check("stable" in listing, f"run {run}: ls /wh does not list stable:\n{listing}")
        out = run_at_prompt(q, "writeheavy -c", COMMAND_TIMEOUT * 3)
        check("writeheavy: check OK" in out, f"run {run}: the files are damaged:\n{out}")
        q.kill_now()
    check_fsck(image, f"after the reboot of run {run}")
    return 1 if replayed else 0


@test("killed_mid_write_20_runs")
def killed_mid_write_20_runs():
    delays = random.Random(SEED)
    fd, image = tempfile.mkstemp(prefix="magma-kill-", suffix=".img")
    os.close(fd)
    replays = 0
    try:
        for run in range(RUNS):
            delay = delays.uniform(0, MAX_DELAY_SECONDS)
            try:
                replays += one_run(image, run, delay)
            except Exception as error:
                raise type(error)(f"(KILL_SEED={SEED}, run {run}, kill {delay:.2f} s after "
                                  f"start) {error}") from None
    finally:
        os.unlink(image)
    print(f"killed_mid_write: seed {SEED}: {RUNS} kills, {replays} reboots replayed a log")


@test("full_disk_and_no_inodes_fail_cleanly")
def full_disk_and_no_inodes_fail_cleanly():
    fd, image = tempfile.mkstemp(prefix="magma-full-", suffix=".img")
    os.close(fd)
    try:
        small_image(image, FILL_BLOCKS, FILL_INODES, ["init", "sh", "fillfs"])
        cmd = qemu_command(extra_make_vars={"FS_IMG": image}, fresh_disk=False)
        with Qemu(cmd) as q:
            q.expect(r"\$ ", BOOT_TIMEOUT)
            out = run_at_prompt(q, "fillfs", FILL_TIMEOUT)
            check("fillfs: OK" in out, f"fillfs did not pass:\n{out}")
            check("panic" not in q.output, f"the kernel panicked:\n{q.tail()}")
        check_fsck(image, "after fillfs")
    finally:
        os.unlink(image)
