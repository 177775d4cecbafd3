"""The gdb helpers (tools/gdb/magma.py) against a live machine.

Each test boots magma with its gdb stub open, runs gdb as `make gdb` would
(build/gdbinit, which sources the helpers), stops the machine where it
knows what the answer must be, runs one magma-* command and checks what it
printed against facts it gets some other way: what ps, memstat and
rootstat print at the shell about the same moment, the ELF file a process
was loaded from, the kernel's own line about a process it killed, the
layout headers, and blocks it corrupts itself from gdb. No helper output
may ever be a Python traceback.

gdb runs on pipes, reading commands one at a time: after each, gdb echoes
a marker, so the test knows where the command's output ends. After a
`continue` the test waits for gdb's own "Breakpoint N, " line: gdb reads
on while the machine runs, and would refuse the commands sent meanwhile.
"""

import re
import struct
import subprocess
import time
from pathlib import Path

from harness import (Qemu, REPO_ROOT, SHELL_PROMPT, check, free_port, qemu_command,
                     run_at_prompt, scaled, test)

BOOT_TIMEOUT = 120
GDB_TIMEOUT = 120
SHELL_TIMEOUT = 60


def header_defines(relative_path):
    """The plain numeric #defines of a header: name -> number."""
    text = (REPO_ROOT / relative_path).read_text()
    return {m.group(1): int(m.group(2), 0) for m in
            re.finditer(r"^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)[uUlL]*\b", text, re.M)}


def source_line(relative_path, after, text):
    """The number of the first line holding `text` that follows the line holding `after`."""
    lines = (REPO_ROOT / relative_path).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i + 1 for i in range(start, len(lines)) if text in lines[i])


class Gdb:
    """gdb attached to a QEMU's stub, fed one command at a time (see the top)."""

    def __init__(self, port):
        subprocess.run(["make", "-s", "--no-print-directory", "build/gdbinit",
                        f"GDBPORT={port}"], cwd=REPO_ROOT, check=True, capture_output=True)
        self.process = Qemu(["gdb-multiarch", "-q", "-nx", "-x", "build/gdbinit"], cwd=REPO_ROOT)
        self.count = 0
        self.run("echo attached")

    def run(self, command, timeout=GDB_TIMEOUT):
        """What gdb printed for command (stderr too); fails on a Python traceback."""
        self.count += 1
        marker = f"@@done {self.count}@@"
        start = len(self.process.output)
        self.process.send(f"{command}\necho \\n{marker}\\n\n")
        found = self.process.expect(re.escape(marker) + r"\n", timeout)
        out = self.process.output[start:found.start()].replace("(gdb) ", "")
        check("Traceback" not in out and "Python Exception" not in out,
              f"`{command}` printed a Python traceback:\n{out}")
        return out

    def resume(self):
        """`continue`: the machine runs until a breakpoint (wait_for_break). gdb reads
        on meanwhile, but refuses most commands until it stops: send none before."""
        self.process.send("continue\n")

    def wait_for_break(self, what):
        """Waits until gdb reports a breakpoint hit; its line. what says which, for
        the failure."""
        index, stop = self.process.expect_any([r"Breakpoint \d+, .*\n", r"\[Inferior \d+ .*\n"],
                                           GDB_TIMEOUT)
        check(index == 0, f"gdb did not stop {what}:\n{self.process.tail()}")
        self.run("echo stopped")  # gdb is at its prompt again
        return stop.group(0)

    def close(self):
        """Lets the machine run on (detach) and ends gdb."""
        self.run("detach")
        self.process.send("quit\n")
        self.process.wait_exit(30)


def boot():
    """(QEMU at its first prompt with a gdb stub on port, port)."""
    port = free_port()
    q = Qemu(qemu_command() + ["-gdb", f"tcp:127.0.0.1:{port}"])
    q.expect(SHELL_PROMPT, BOOT_TIMEOUT)
    return q, port


def stop_at(gdb, q, where, command):
    """Breaks at where, types command at the shell and waits until the break hits,
    at a moment when no other hart runs a process: one that did (the shell on its
    way into wait(), starved by a loaded host) could change what the test compares
    while the command looks. Then the command runs to its end and is typed again.
    Returns where in the console output the last command's line starts."""
    deadline = time.monotonic() + scaled(GDB_TIMEOUT)
    gdb.run(f"break {where}")
    gdb.resume()
    while True:
        start = len(q.output)
        q.send(command + "\n")
        gdb.wait_for_break(f"at {where} after `{command}`")
        busy = other_harts_running(gdb)
        if not busy:
            gdb.run("delete")
            return start
        check(time.monotonic() < deadline,
              f"hart {busy} ran a process every time {where} was reached")
        gdb.resume()  # the breakpoint stays, for the command typed again
        q.expect(SHELL_PROMPT, SHELL_TIMEOUT)


def other_harts_running(gdb):
    """Kernel harts, other than the one gdb stopped on, that run a process now."""
    stopped = value_of(gdb, "$_thread") - 1  # QEMU's thread N is CPU N - 1, hart N - 1
    harts = [value_of(gdb, f"smp.kernel[{i}]") for i in range(value_of(gdb, "smp.kernel_count"))]
    return [h for h in harts
            if h != stopped and value_of(gdb, f"(unsigned long)harts[{h}].proc")]


def attach_once_asleep(port, pid):
    """gdb attached at a moment when process pid, the newest, sleeps on the tick
    counter (inside sleep(n)): the shell prints a background job's pid before
    the job has even run, so gdb looks, and lets it run on until it does."""
    deadline = time.monotonic() + scaled(SHELL_TIMEOUT)
    while True:
        gdb = Gdb(port)
        asleep = gdb.run(f"print all_procs->pid == {pid} && all_procs->state == PROC_SLEEPING"
                         " && all_procs->chan == &sched_ticks")
        if re.search(r"= 1$", asleep, re.M):
            return gdb
        gdb.close()
        check(time.monotonic() < deadline,
              f"pid {pid} never slept on sched_ticks within {scaled(SHELL_TIMEOUT):g}s")
        time.sleep(0.1)


def value_of(gdb, expression):
    """The number gdb prints for expression."""
    return int(re.search(r"= (0x[0-9a-f]+|\d+)", gdb.run(f"print/x {expression}")).group(1), 0)


def elf_segments(path):
    """PT_LOAD segments of an ELF64 file: [(vaddr, offset, filesz, memsz, flags)]."""
    data = Path(path).read_bytes()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        ptype, flags, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if ptype == 1:
            segments.append((vaddr, offset, filesz, memsz, flags))
    return segments, data


def elf_symbol(data, name):
    """(value, size) of a symbol in an ELF64 file's .symtab."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for at in range(sh[4], sh[4] + sh[5], 24):
            st_name, _, _, _, value, size = struct.unpack_from("<IBBHQQ", data, at)
            start = strtab[4] + st_name
            if data[start:data.index(b"\0", start)] == name.encode():
                return value, size
    raise AssertionError(f"no symbol {name} in the ELF file")


def pgtbl_runs(text):
    """magma-pgtbl's lines: [(va, va_end, pa, pa_end, flags)]."""
    return [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16),
             int(m.group(4), 16), m.group(5)) for m in re.finditer(
        r"^0x([0-9a-f]+)-0x([0-9a-f]+)\s+0x([0-9a-f]+)-0x([0-9a-f]+)\s+([RWXUGADCSM-]{8})\s",
        text, re.M)]


def run_covering(runs, va):
    """The run of pgtbl_runs that maps va, or None."""
    return next((r for r in runs if r[0] <= va < r[1]), None)


# Inside the kernel heap's window (kernel/kmalloc.h), far past anything it maps.
UNMAPPED_KERNEL_VA = 0x37f0000000


def ps_rows(text):
    """ps's table: {pid: (ppid, state, hart, name)}."""
    rows = {}
    for m in re.finditer(r"^\s*(\d+)\s+(\d+)\s+(\w+)\s+(\d+)\s+\d+\s+(\S+)$", text, re.M):
        rows[int(m.group(1))] = (int(m.group(2)), m.group(3), int(m.group(4)), m.group(5))
    return rows


def magma_ps_rows(text):
    """magma-ps's table in the same shape (its extra columns dropped)."""
    rows = {}
    for m in re.finditer(r"^\s*(\d+)\s+(\d+) [ *](\w+)\s+(\d+)\s+(\S+)\s", text, re.M):
        rows[int(m.group(1))] = (int(m.group(2)), m.group(3), int(m.group(4)), m.group(5))
    return rows


@test("gdb_magma_ps_lists_what_ps_lists")
def gdb_magma_ps_lists_what_ps_lists():
    """Stopped inside ps's procinfo() with the list lock held, magma-ps must list
    exactly the processes, parents, states and harts that ps then prints."""
    q, port = boot()
    with q:
        sleeper = int(re.search(r"\[(\d+)\]", run_at_prompt(q, "sleep 1000 &",
                                                             SHELL_TIMEOUT)).group(1))
        attach_once_asleep(port, sleeper).close()
        gdb = Gdb(port)
        with gdb.process:
            line = source_line("kernel/proc.c", "info->name[PROCINFO_NAME_MAX - 1] = 0;",
                               "spin_unlock(&list_lock);")
            stop_at(gdb, q, f"kernel/proc.c:{line}", "ps")
            out = gdb.run("magma-ps")
            bad_pid = gdb.run("magma-trapframe 4242")
            link = value_of(gdb, "&all_procs->all_next")
            was = value_of(gdb, f"*(unsigned long *){link:#x}")
            gdb.run(f"set var *(unsigned long *){link:#x} = {UNMAPPED_KERNEL_VA:#x}")
            cut = gdb.run("magma-ps")
            gdb.run(f"set var *(unsigned long *){link:#x} = {was:#x}")
            gdb.close()
        listed = q.expect(SHELL_PROMPT, SHELL_TIMEOUT)
        shown = ps_rows(q.output[:listed.start()].rsplit("PID", 1)[-1])
    check(len(shown) >= 4, f"ps printed too few processes:\n{q.tail()}")
    mine = magma_ps_rows(out)
    check(mine == shown, f"magma-ps and ps disagree:\nps: {shown}\nmagma-ps: {mine}\n{out}")
    check(re.search(rf"^{len(shown)} processes on the list; the kernel counts {len(shown)}$",
                    out, re.M), f"magma-ps's count line is wrong:\n{out}")
    check(re.search(rf"^\s*{sleeper}\s.*\(sched_ticks\)$", out, re.M),
          f"magma-ps does not say sleep waits on sched_ticks:\n{out}")
    check("no process with pid 4242" in bad_pid, f"a wrong pid is not named:\n{bad_pid}")
    check(len(magma_ps_rows(cut)) == 1 and "the walk stopped early" in cut
          and f"{UNMAPPED_KERNEL_VA:#x} is not mapped" in cut,
          f"a list pointing at an unmapped address is not reported:\n{cut}")


@test("gdb_magma_pgtbl_walks_a_process_table")
def gdb_magma_pgtbl_walks_a_process_table():
    """Stopped in ps's procinfo(), magma-pgtbl (the current process, by satp) must
    map ps's ELF segments with their permissions onto frames holding the file's
    bytes, the root read-only at USER_ROOT_VA onto the root's own frames, the
    info page and the stack; a bad page-table pointer and a table that points at
    itself must be clear lines."""
    user = header_defines("include/user_layout.h")
    layout = header_defines("include/layout.h")
    segments, elf = elf_segments(REPO_ROOT / "build/user/ps")
    q, port = boot()
    with q:
        gdb = Gdb(port)
        with gdb.process:
            stop_at(gdb, q, "sys_procinfo", "ps")
            out = gdb.run("magma-pgtbl")
            runs = pgtbl_runs(out)
            vaddr, offset = segments[0][0], segments[0][1]
            text_run = run_covering(runs, vaddr)
            check(text_run, f"ps's first segment at {vaddr:#x} is not mapped:\n{out}")
            pa = text_run[2] + vaddr - text_run[0]
            gdb.run("maintenance packet Qqemu.PhyMemMode:1")
            dump = gdb.run(f"x/8xg {pa:#x}")
            gdb.run("maintenance packet Qqemu.PhyMemMode:0")
            pid = int(re.search(r"^pid (\d+) \(ps\)", out, re.M).group(1))
            table = re.search(r"root table at (0x[0-9a-f]+)", out).group(1)
            field = gdb.run(f"print &((struct proc *)harts[$_thread - 1].proc)->pagetable")
            slot = re.search(r"\) (0x[0-9a-f]+)", field).group(1)
            gdb.run(f"set var *(unsigned long *){slot} = 0x1000")
            broken = gdb.run(f"magma-pgtbl {pid}")
            gdb.run(f"set var *(unsigned long *){slot} = {table}")
            entry0 = value_of(gdb, f"*(unsigned long *){table}")
            looped = int(table, 16) >> 12 << 10 | 1  # root entry 0 points at the root
            gdb.run(f"set var *(unsigned long *){table} = {looped:#x}")
            loop = gdb.run(f"magma-pgtbl {pid}")
            gdb.run(f"set var *(unsigned long *){table} = {entry0:#x}")
            words = gdb.run("magma-pgtbl twelve")
            gdb.close()
        q.expect(SHELL_PROMPT, SHELL_TIMEOUT)
    check("Traceback" not in broken and "not a page of RAM" in broken,
          f"a page table pointer of 0x1000 is not reported clearly:\n{broken}")
    check("not a pid" in words, f"`magma-pgtbl twelve` is not refused clearly:\n{words}")
    check("is reached twice (a loop?)" in loop,
          f"a root entry pointing at the root is not reported:\n{loop}")
    got = b"".join(struct.pack("<Q", int(w, 16)) for w in re.findall(r"0x[0-9a-f]{16}", dump))
    check(got == elf[offset:offset + 64],
          f"the frame magma-pgtbl gives for {vaddr:#x} ({pa:#x}) does not hold ps's bytes:\n"
          f"{dump}")
    for vaddr, _, filesz, memsz, flags in segments:
        want = ("R" if flags & 4 else "-") + ("W" if flags & 2 else "-") + \
               ("X" if flags & 1 else "-") + "U"
        for page in range(vaddr & ~0xfff, vaddr + memsz, 0x1000):
            r = run_covering(runs, page)
            check(r and r[4].startswith(want),
                  f"page {page:#x} of ps's segment (flags {want}) is not mapped so:\n{out}")
    root = run_covering(runs, user["USER_ROOT_VA"])
    check(root and root[2] == layout["MAGMA_ROOT_BASE"] + user["USER_ROOT_VA"] - root[0]
          and root[1] - user["USER_ROOT_VA"] >= layout["MAGMA_ROOT_SIZE"]
          and root[4].startswith("R--U"),
          f"the root is not mapped read-only at USER_ROOT_VA onto its frames:\n{out}")
    info = run_covering(runs, user["USER_INFO_VA"])
    check(info and info[4].startswith("R--U"), f"no read-only info page:\n{out}")
    stack = run_covering(runs, user["USER_STACK_TOP"] - 8)
    check(stack and stack[4].startswith("RW-U"), f"the stack's top page is not RW-U:\n{out}")
    check(not any(r[0] < user["USER_TEXT_BASE"] for r in runs),
          f"a mapping below USER_TEXT_BASE:\n{out}")


ROOTSTAT_LABELS = ["protected", "ON state", "protect state", "guard hart", "scan period",
                   "micro wrap", "registered harts", "initial time", "OS time delta", "scans",
                   "heartbeat", "requests ok"]


def rootstat_figures(text):
    """rootstat's lines "  label   value..." as {label: the number}."""
    figures = {}
    for label in ROOTSTAT_LABELS:
        m = re.search(rf"^  {label}\s+(\d+)", text, re.M)
        check(m, f"rootstat printed no {label}:\n{text}")
        figures[label] = int(m.group(1))
    return figures


@test("gdb_magma_root_matches_rootstat")
def gdb_magma_root_matches_rootstat():
    """magma-root, run between two rootstats, must give the fields rootstat prints:
    the same fixed ones, counters between the two readings, and RAM as big as
    the machine was given (128 MiB at 0x80000000)."""
    q, port = boot()
    with q:
        before = rootstat_figures(run_at_prompt(q, "rootstat", SHELL_TIMEOUT))
        gdb = Gdb(port)
        with gdb.process:
            out = gdb.run("magma-root")
            gdb.close()
        after = rootstat_figures(run_at_prompt(q, "rootstat", SHELL_TIMEOUT))
    mine = {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^  root\+0x[0-9a-f]+\s+(\w+)\s+(\d+)", out, re.M)}
    fixed = {"protected": "protected", "ON state": "on_state",
             "protect state": "protect_state", "guard hart": "guard_hart",
             "scan period": "scan_period_us", "micro wrap": "micro_wrap",
             "initial time": "initial_time",
             "OS time delta": "os_time_delta"}
    for theirs, ours in fixed.items():
        check(before.get(theirs) == mine.get(ours) == after.get(theirs),
              f"{ours}: rootstat says {before.get(theirs)}, magma-root {mine.get(ours)}:\n{out}")
    growing = {"scans": "scan_count", "heartbeat": "heartbeat", "requests ok": "requests_ok",
               "registered harts": "registered_harts"}
    for theirs, ours in growing.items():
        check(before[theirs] <= mine[ours] <= after[theirs],
              f"{ours}: {mine.get(ours)} is not between rootstat's {before[theirs]} and "
              f"{after[theirs]}:\n{out}")
    version = re.search(r"layout version\s+(\d+\.\d+\.\d+)", q.output).group(1)
    check(version == f"{mine['version_major']}.{mine['version_minor']}.{mine['version_inc']}",
          f"rootstat says layout version {version}:\n{out}")
    board = re.search(r"board tables\s+root\+0x([0-9a-f]+), (\d+) bytes",
                      q.output).groups()
    check(mine["board_offset"] == int(board[0], 16) and mine["board_size"] == int(board[1]),
          f"board tables: rootstat says {board}:\n{out}")
    check(re.search(r"^  RAM: 1 entries\n\s+1  0x0080000000-0x0088000000$", out, re.M),
          f"magma-root does not show the 128 MiB of RAM at 0x80000000:\n{out}")
    check(re.search(r"on_state\s+\d+\s+ROOT_ON_PROTECTED", out),
          f"the ON state is not named:\n{out}")


@test("gdb_magma_frames_match_memstat")
def gdb_magma_frames_match_memstat():
    """Stopped in memstat() right after it counted the frames, magma-frames must
    give the totals and every hart's cached, allocs and frees that memstat prints."""
    line = source_line("kernel/sysproc.c", "long sys_memstat(void)", "m.cow_shared =")
    q, port = boot()
    with q:
        gdb = Gdb(port)
        with gdb.process:
            start = stop_at(gdb, q, f"kernel/sysproc.c:{line}", "memstat")
            out = gdb.run("magma-frames")
            gdb.close()
        q.expect(SHELL_PROMPT, SHELL_TIMEOUT)
    text = q.output[start:]
    total, free = re.search(r"frames: (\d+) total \(\d+ KiB\), (\d+) free", text).groups()
    mine = re.search(r"^frames: (\d+) total \(\d+ KiB\), (\d+) free", out, re.M)
    check(mine and mine.groups() == (total, free),
          f"memstat says {total} total, {free} free:\n{out}")
    harts = re.findall(r"hart (\d+): (\d+) frames cached, (\d+) allocs, (\d+) frees", text)
    check(harts, f"memstat printed no harts:\n{text}")
    for hart, cached, allocs, frees in harts:
        row = re.search(rf"^\s*{hart}\s+(\d+)\s+(\d+)\s+(\d+)\s", out, re.M)
        check(row and row.groups() == (cached, allocs, frees),
              f"hart {hart}: memstat says cached {cached}, allocs {allocs}, frees {frees}:"
              f"\n{out}")
    pool = int(re.search(r"^pool: (\d+) frames", out, re.M).group(1))
    cached = sum(int(h[1]) for h in harts)
    check(pool + cached == int(free), f"pool {pool} + caches {cached} != free {free}:\n{out}")


@test("gdb_magma_heap_names_a_corrupted_block")
def gdb_magma_heap_names_a_corrupted_block():
    """Stopped in memstat() after it walked the heap, magma-heap must find it sound
    with memstat's totals, then name the very block the test breaks: a used
    block's magic, its size, a free block's free-list link, a used block put on its
    size's quick list (as if freed and still in use); sound once restored."""
    line = source_line("kernel/sysproc.c", "long sys_memstat(void)", "m.processes =")
    q, port = boot()
    with q:
        gdb = Gdb(port)
        with gdb.process:
            start = stop_at(gdb, q, f"kernel/sysproc.c:{line}", "memstat")
            sound = gdb.run("magma-heap")
            used = value_of(gdb, "(unsigned long)all_procs") - 24  # memstat's struct proc
            magic = value_of(gdb, f"*(unsigned long *){used:#x}")
            size = value_of(gdb, f"*(unsigned long *){used + 8:#x}")
            heads = "".join(gdb.run(f"print/x kheap.arenas[{i}].bin_head")
                            for i in range(value_of(gdb, "kheap.narenas")))
            free = None
            for head in (int(h, 16) for h in re.findall(r"0x[0-9a-f]+", heads)):
                if (head and value_of(gdb, f"*(unsigned long *){head + 24:#x}") == 0
                        and value_of(gdb, f"*(unsigned long *){head + 32:#x}") == 0):
                    free = head
                    break
            check(free, f"no free block alone in its bin to break:\n{heads}")
            # The used block goes on its arena's quick list of its own size, as if
            # freed there and still handed out: only its flag tells it is wrong.
            gdb.run("set print repeats unlimited")
            sizes = [int(n) for n in re.findall(r"\d+", gdb.run(
                "print/d kheap.quick_block_bytes").split("=", 1)[1])]
            cls = sizes.index(size)
            arena = next(value_of(gdb, f"kheap.chunks[{i}].arena")
                         for i in range(value_of(gdb, "kheap.nchunks"))
                         if value_of(gdb, f"kheap.chunks[{i}].base") <= used
                         < value_of(gdb, f"kheap.chunks[{i}].end"))
            count_at = value_of(gdb, f"&kheap.arenas[{arena}].quick_count[{cls}]")
            listed = value_of(gdb, f"kheap.arenas[{arena}].quick_count[{cls}]")
            check(listed < header_defines("mm/heap.h")["HEAP_QUICK_DEPTH"],
                  f"the quick list of class {cls} is full: no room to break it")
            slot = value_of(gdb, f"&kheap.arenas[{arena}].quick[{cls}][{listed}]")
            slot_was = value_of(gdb, f"*(unsigned long *){slot:#x}")
            gdb.run(f"set var *(unsigned long *){slot:#x} = {used:#x}")
            found = {}
            for name, addr, bad, good in (("magic", used, 0x1122334455667788, magic),
                                          ("size", used + 8, 1 << 40, size),  # past the chunk
                                          ("links", free + 32, used, 0),
                                          ("quick list", count_at, listed + 1, listed)):
                width = "char" if name == "quick list" else "long"
                gdb.run(f"set var *(unsigned {width} *){addr:#x} = {bad:#x}")
                found[name] = gdb.run("magma-heap")
                gdb.run(f"set var *(unsigned {width} *){addr:#x} = {good:#x}")
            gdb.run(f"set var *(unsigned long *){slot:#x} = {slot_was:#x}")
            again = gdb.run("magma-heap")
            gdb.close()
        q.expect(SHELL_PROMPT, SHELL_TIMEOUT)
    used_bytes, total = re.search(r"kernel heap: (\d+) of (\d+) bytes in use",
                                  q.output[start:]).groups()
    check(f"memstat would say: kernel heap: {used_bytes} of {total} bytes in use" in sound,
          f"memstat says {used_bytes} of {total}; magma-heap:\n{sound}")
    check(again == sound, f"restored, the heap reads differently:\n{sound}\n{again}")
    for name, block in (("magic", used), ("size", used), ("links", free),
                        ("quick list", used)):
        check(re.search(rf"^first bad block: block {block:#x} \(chunk \d+\): {name}:",
                        found[name], re.M),
              f"with its {name} broken, block {block:#x} is not named:\n{found[name]}")


@test("gdb_magma_trapframe_of_a_sleeping_process")
def gdb_magma_trapframe_of_a_sleeping_process():
    """A `sleep 1234` in the background sits in the sleep system call: its saved
    a7 is SYS_sleep, a0 1234, sepc just after the ecall in the sleep stub (by the
    ELF's symbol table) and sp inside the user stack."""
    syscalls = header_defines("kernel/syscall.h")
    user = header_defines("include/user_layout.h")
    segments, elf = elf_segments(REPO_ROOT / "build/user/sleep")
    stub = elf_symbol(elf, "sleep")
    q, port = boot()
    with q:
        pid = int(re.search(r"\[(\d+)\]", run_at_prompt(q, "sleep 1234 &", SHELL_TIMEOUT))
                  .group(1))
        gdb = attach_once_asleep(port, pid)
        with gdb.process:
            out = gdb.run(f"magma-trapframe {pid}")
            gdb.close()
    regs = {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"\b(\w+)\s+0x([0-9a-f]{16})\b", out)}
    check(re.search(rf"^pid {pid} \(sleep\), sleeping", out, re.M), f"not pid {pid}:\n{out}")
    check(regs.get("a7") == syscalls["SYS_sleep"] and regs.get("a0") == 1234,
          f"a7 should be SYS_sleep ({syscalls['SYS_sleep']}) and a0 1234:\n{out}")
    check(stub[0] < regs.get("sepc", 0) <= stub[0] + stub[1],
          f"sepc is not inside the sleep stub at {stub[0]:#x} (+{stub[1]}):\n{out}")
    check(user["USER_STACK_TOP"] - user["USER_STACK_SIZE"] <= regs.get("sp", 0)
          < user["USER_STACK_TOP"], f"sp is not in the user stack:\n{out}")
    check(re.search(r"a7 = \d+ \(sys_sleep\)", out), f"the call is not named:\n{out}")


@test("gdb_magma_trapframe_of_a_faulting_process")
def gdb_magma_trapframe_of_a_faulting_process():
    """echo, stopped at main by user-break and given argv = 0x10, faults on argv[1];
    stopped in proc_fault, magma-trapframe must give the scause, stval and sepc
    of the kernel's own "killed: ... at pc P, address A" line."""
    q, port = boot()
    with q:
        gdb = Gdb(port)
        with gdb.process:
            gdb.run("user-symbols echo")
            gdb.run("user-break echo main")
            gdb.resume()
            q.send("echo hi\n")
            gdb.wait_for_break("in echo's main")
            gdb.run("set var argv = (char **)0x10")
            gdb.run("delete")
            gdb.run("break proc_fault")
            gdb.resume()
            check("proc_fault" in gdb.wait_for_break("in proc_fault"),
                  f"gdb stopped elsewhere than proc_fault:\n{gdb.process.tail()}")
            out = gdb.run("magma-trapframe")
            gdb.run("delete")
            gdb.close()
        killed = q.expect(r"pid (\d+) \(echo\) killed: (.+?) at pc 0x([0-9a-f]+), "
                          r"address 0x([0-9a-f]+)", SHELL_TIMEOUT)
    pid, cause, pc, addr = killed.groups()
    regs = {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"\b(\w+)\s+0x([0-9a-f]{16})\b", out)}
    check(re.search(rf"^pid {pid} \(echo\), running", out, re.M), f"not pid {pid}:\n{out}")
    check(regs.get("sepc") == int(pc, 16), f"sepc is not the kernel's pc {pc}:\n{out}")
    check(regs.get("stval") == int(addr, 16), f"stval is not the kernel's address {addr}:\n{out}")
    check(re.search(rf"scause\s+0x0*d\s+\({re.escape(cause)};", out),
          f"scause is not 13 ({cause}):\n{out}")


HELPERS = ["magma-ps", "magma-pgtbl", "magma-pgtbl 1", "magma-pgtbl kernel", "magma-root",
           "magma-frames", "magma-heap", "magma-trapframe", "magma-trapframe 1"]


@test("gdb_magma_commands_before_boot_say_why")
def gdb_magma_commands_before_boot_say_why():
    """On a machine halted before its first instruction (-S: no device tree read,
    no page table, no process, no heap), every helper prints one line naming the
    command and what is missing: never a traceback, never made-up figures."""
    port = free_port()
    with Qemu(qemu_command() + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]):
        gdb = Gdb(port)
        with gdb.process:
            outs = {command: gdb.run(command) for command in HELPERS}
            gdb.run("kill")
    for command, out in outs.items():
        lines = [line for line in out.splitlines() if line.strip()]
        name = command.split()[0]
        check(len(lines) == 1 and lines[0].startswith(f"{name}: ")
              and "internal error" not in lines[0],
              f"`{command}` before boot should print one line saying why:\n{out}")
