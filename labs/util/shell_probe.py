"""labs/util/shell_probe.py - what a lab's grader learns from magma's shell beyond output.

The shell prints neither the pid a command gets nor a foreground command's
exit status. Two probes find them out from what the system itself reports;
the graders of util and syscall use them (a later lab's grader may too:
the labs before a lab are in its tree), and run(), a command with a short
timeout.

- run(s, command): what command printed. The commands of these labs take
  well under a second, so one that runs for COMMAND_SECONDS (scaled, as
  every timeout) is looping: it fails then, not after gradelib's minute.

- next_pid(s): the pid the next command will get. The kernel hands pids
  out in order (kernel/proc.c), and at a quiet prompt only the shell forks,
  once per simple command: `ps` lists itself as running, and the command
  typed after it gets ps's pid + 1.
- exit_status(s, command): runs `command &`. The shell prints `[pid]` at
  once and, when it reaps the job while it waits for a later foreground
  command, `[pid] done, status N`. `ps` runs in the foreground until that
  line comes (while the job still runs, a bound on how long is scaled like
  every timeout).
"""

import re
import time

import harness
from harness import check

PS_SELF = re.compile(r"^\s*(\d+)\s+\d+\s+running\s+\d+\s+\d+\s+ps$", re.MULTILINE)
JOB_STARTED = re.compile(r"^\[(\d+)\]$", re.MULTILINE)
POLL_SECONDS = 0.05
COMMAND_SECONDS = 10


def run(s, command: str) -> str:
    """What command printed at the prompt of shell s; a failure past COMMAND_SECONDS."""
    return s.run(command, COMMAND_SECONDS)


def next_pid(s) -> int:
    """The pid the next command typed at the prompt of shell s will get."""
    out = run(s, "ps")
    found = PS_SELF.findall(out)
    check(len(found) == 1, f"ps did not list itself as running once:\n{out}")
    return int(found[0]) + 1


def exit_status(s, command: str, seconds: float = 5) -> int:
    """The exit status of `command`, which should end within `seconds` (scaled)."""
    out = run(s, f"{command} &")
    started = JOB_STARTED.search(out)
    check(started, f"the shell printed no [pid] for the background job `{command} &`:\n{out}")
    pid = started.group(1)
    done = re.compile(rf"^\[{pid}\] done, status (-?\d+)$", re.MULTILINE)
    limit = harness.scaled(seconds)
    start = time.monotonic()
    while True:
        out = run(s, "ps")
        ended = done.search(out)
        if ended:
            return int(ended.group(1))
        check(time.monotonic() - start < limit,
              f"`{command}` (pid {pid}) still runs after {limit:.1f}s:\n{out}")
        time.sleep(POLL_SECONDS)
