#!/usr/bin/env python3
"""A tiny stand-in for QEMU, used only by test_harness_selftest.py.

It prints a few boot lines (with small delays, like a real boot) and then
acts according to its first argument:

    (none)        echo every input line back as "echo: <line>" until end of input
    hang          sleep forever
    exit N        exit with status N
    ignore-term   ignore SIGTERM (only SIGKILL stops it), then sleep forever
    with-child    start a child process in the same process group, print
                  "child pid <pid>", then sleep forever

On a terminal it behaves like QEMU -nographic: it puts the terminal in raw
mode, and typing Ctrl-a x prints "QEMU: Terminated" and exits with status 0.
"""

import os
import signal
import subprocess
import sys
import time
import tty

BOOT_LINES = ["OpenSBI v1.3 (fake)", "magma: booting on 4 harts", "magma: init started"]
CTRL_A = b"\x01"
MODES = ["echo", "hang", "exit", "ignore-term", "with-child"]


def boot() -> None:
    for line in BOOT_LINES:
        time.sleep(0.05)
        print(line, flush=True)


def sleep_forever() -> None:
    while True:
        time.sleep(60)


def echo_pipe() -> None:
    for line in sys.stdin:
        text = line.rstrip("\n")
        print(f"echo: {text}", flush=True)


def echo_terminal() -> None:
    """Read single keys; echo each line; quit on Ctrl-a x."""
    line = b""
    previous = b""
    while key := os.read(0, 1):
        if previous == CTRL_A and key == b"x":
            print("QEMU: Terminated", flush=True)
            return
        if key in (b"\r", b"\n"):
            print(f"echo: {line.decode(errors='replace')}", flush=True)
            line = b""
        elif key != CTRL_A:
            line += key
        previous = key


def main(args: list[str]) -> int:
    mode = args[0] if args else "echo"
    if mode not in MODES:
        sys.exit(f"fake_qemu: unknown mode {mode!r}; modes: {', '.join(MODES)}")
    on_terminal = os.isatty(0)
    if on_terminal:
        tty.setraw(0)
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    boot()
    if mode == "exit":
        return int(args[1])
    if mode == "with-child":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print(f"child pid {child.pid}", flush=True)
    if mode in ("hang", "ignore-term", "with-child"):
        sleep_forever()
    if on_terminal:
        echo_terminal()
    else:
        echo_pipe()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
