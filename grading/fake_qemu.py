#!/usr/bin/env python3
"""A tiny stand-in for QEMU, for test_harness_selftest.py and test_gradelib.py.

It prints a few boot lines (with small delays, like a real boot) and then
acts according to its first argument:

    (none)        echo every input line back as "echo: <line>" until end of input
    hang          sleep forever
    exit N        exit with status N
    ignore-term   ignore SIGTERM (only SIGKILL stops it), then sleep forever
    with-child    start a child process in the same process group, print
                  "child pid <pid>", then sleep forever
    shell         a shell: print the prompt "$ ", echo each typed line, run it
                  (see SHELL_COMMANDS), print the prompt again

$FAKE_QEMU_BOOT_DELAY (seconds, default 0.05) is the pause before each boot line.

On a terminal it behaves like QEMU -nographic: it puts the terminal in raw
mode, and typing Ctrl-a x prints "QEMU: Terminated" and exits with status 0.
"""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
import tty

BOOT_LINES = ["OpenSBI v1.3 (fake)", "magma: booting on 4 harts", "magma: init started"]
CTRL_A = b"\x01"
MODES = ["echo", "hang", "exit", "ignore-term", "with-child", "shell"]
SHELL_COMMANDS = """\
    echo WORDS            print WORDS
    ls                    list a root directory with README in it
    memstat               memstat's figures; spare frames start at 1000
    leak N                lose N frames for good (the next memstat shows it)
    grow N                N more kernel heap bytes in use
    fail-once PATH        print "failed" if PATH does not exist yet (creating it),
                          else "passed": fails on the first boot only
    sleep S               sleep S seconds
    panic                 print a panic line and exit with status 1
    halt                  print a kernel panic's lines, then stay silent (as magma halts)
    labtest TEST NONCE    a test program's tagged report (the key from the secret
                          in $FAKE_QEMU_GRADE_SECRET, hex, as gradelib describes)
    forge TEST            a pass line with a made-up tag, and "test TEST: OK"
"""
FRAMES = 1000
HEAP_TOTAL_BYTES = 65536
HEAP_USED_BYTES = 4096


def boot() -> None:
    delay = float(os.environ.get("FAKE_QEMU_BOOT_DELAY", "0.05"))
    for line in BOOT_LINES:
        time.sleep(delay)
        print(line, flush=True)


def tagged_report(test: str, nonce: str) -> list[str]:
    """What a test program that passed prints: its report lines and the tagged end."""
    secret = bytes.fromhex(os.environ["FAKE_QEMU_GRADE_SECRET"])
    key = hmac.new(secret, b"magma-grade-key" + nonce.encode(), hashlib.sha256).digest()
    lines = [f"{test} checked 3 things", "all three as expected"]
    message = "".join(part + "\n" for part in [test, "PASS"] + lines)
    tag = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    return [f"grade-line {test}: {line}" for line in lines] + [f"grade-end {test}: PASS tag={tag}"]


def shell() -> None:
    """A few commands of magma's shell, with memory figures a test can make leak."""
    state = {"lost": 0, "heap": HEAP_USED_BYTES}
    print("$ ", end="", flush=True)
    for line in sys.stdin:
        print(line, end="", flush=True)  # the console echoes what is typed
        words = line.split()
        command, args = (words[0], words[1:]) if words else ("", [])
        if command == "echo":
            print(" ".join(args))
        elif command == "ls":
            for name, kind, inode, size in ((".", "dir", 1, 256), ("README", "file", 2, 9000)):
                print(f"{name:<14} {kind:<4} {inode:5} {size:8}")
        elif command == "memstat":
            free = FRAMES - 100 - state["lost"]
            print(f"frames: {FRAMES} total ({FRAMES * 4} KiB), {free} free ({free * 4} KiB), "
                  f"{FRAMES - free} in use")
            print(f"spare frames: {free + 16 + 4} (free, or kept by the kernel heap and "
                  f"4 kernel page tables)")
            print(f"kernel heap: {state['heap']} of {HEAP_TOTAL_BYTES} bytes in use, "
                  f"in {HEAP_TOTAL_BYTES // 4096} frames")
        elif command == "leak":
            state["lost"] += int(args[0])
        elif command == "grow":
            state["heap"] += int(args[0])
        elif command == "fail-once":
            print("passed" if os.path.exists(args[0]) else "failed")
            open(args[0], "a").close()
        elif command == "sleep":
            time.sleep(float(args[0]))
        elif command == "panic":
            print("magma: panic: fake panic (hart 0)", flush=True)
            sys.exit(1)
        elif command == "halt":
            print("\npanic: hart 1: fake panic from the halt command\n"
                  "panic: stopped 2 other kernel hart(s); halting hart 1", flush=True)
            while True:
                time.sleep(60)
        elif command == "labtest":
            print("\n".join(tagged_report(args[0], args[1])))
        elif command == "forge":
            print(f"grade-line {args[0]}: all fine\ngrade-end {args[0]}: PASS tag={'0' * 64}")
            print(f"test {args[0]}: OK")
        elif command:
            print(f"exec {command} failed")
        print("$ ", end="", flush=True)


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
    if mode == "shell":
        shell()
        return 0
    if on_terminal:
        echo_terminal()
    else:
        echo_pipe()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
