#!/usr/bin/env python3
"""labs/pgtbl/grade.py - lab pgtbl's grader (labs/pgtbl/README.md says what it checks, how).

One boot to the shell, with vmprint=pgtbltest in its bootargs, is shared by
the tests of the root mapping; two tests boot their own machine with QEMU's
gdb stub, to read page tables in physical memory and compare them with
what the kernel printed (vmprint) or with what it must have built (the
kernel's direct map in 2 MiB pages); one reads the program's code only.
Every verdict comes from what the grader observes: the kernel's lines,
figures it compares with values it knows (include/*.h, the ELF file, the
boot log), gdb, the disassembly. Nothing pgtbltest says about itself
passes a test.
"""

import re
import struct
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading"))

import harness  # noqa: E402  (needs the path above)
from gradelib import Grader, LeakRule, check  # noqa: E402

REPO = harness.REPO_ROOT
REFERENCE_BOOT_SECONDS = 1.0
BOOT_TIMEOUT = 60  # seconds to the prompt, before scaling
COMMAND_TIMEOUT = 60
PAGE = 4096
MEGAPAGE = 2 << 20
PTE_V, PTE_R, PTE_W, PTE_X, PTE_U = 1, 2, 4, 8, 16
PTE_LEAF = PTE_R | PTE_W | PTE_X
PROGRAM = "pgtbltest"


def header_constants(*paths: str) -> dict[str, int]:
    """The plain numeric #defines of headers (include/layout.h, ...): name -> value."""
    found = {}
    for path in paths:
        for name, value in re.findall(r"^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?l?\b",
                                      (REPO / path).read_text(), re.MULTILINE):
            found[name] = int(value, 0)
    return found


C = header_constants("include/layout.h", "include/user_layout.h", "include/root.h")


def clean(text: str) -> str:
    return text.replace("\r", "")


# ---------------------------------------------------------------- ELF and page tables


def load_segments(path: Path) -> list[dict]:
    """The PT_LOAD segments of a 64-bit little-endian ELF file."""
    data = path.read_bytes()
    check(data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1,
          f"{path} is not a 64-bit little-endian ELF file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        kind, flags, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if kind == 1 and memsz:
            segments.append({"flags": flags, "offset": offset, "vaddr": vaddr,
                             "filesz": filesz, "memsz": memsz,
                             "bytes": data[offset:offset + filesz]})
    return segments


def is_stack(va: int) -> bool:
    return C["USER_STACK_TOP"] - C["USER_STACK_SIZE"] <= va < C["USER_STACK_TOP"]


def expected_user_leaves(segments: list[dict]) -> dict[int, str]:
    """What exec maps for `pgtbltest wait`: va -> "rwxu" letters (the root's pages too).

    Of the stack, only argv's page: the rest is given on first touch, or,
    in a tree where the lazy lab is not done yet, may be mapped up front
    (the vmprint test allows more stack pages, with the same letters).
    """
    leaves = {}
    for seg in segments:
        perms = "r" + ("w" if seg["flags"] & 2 else "-") + ("x" if seg["flags"] & 1 else "-") + "u"
        first = seg["vaddr"] & ~(PAGE - 1)
        for va in range(first, seg["vaddr"] + seg["memsz"], PAGE):
            leaves[va] = perms
    leaves[C["USER_STACK_TOP"] - PAGE] = "rw-u"  # argv's page
    leaves[C["USER_INFO_VA"]] = "r--u"
    for off in range(0, C["MAGMA_ROOT_SIZE"], PAGE):
        leaves[C["USER_ROOT_VA"] + off] = "r--u"
    return leaves


def pte_pa(pte: int) -> int:
    return ((pte >> 10) & ((1 << 44) - 1)) << 12


def perm_letters(pte: int) -> str:
    return "".join(letter if pte & bit else "-"
                   for letter, bit in (("r", PTE_R), ("w", PTE_W), ("x", PTE_X), ("u", PTE_U)))


def read_pages(port: int, addresses: list[int], symbols: bool = False) -> tuple[dict, str]:
    """Physical pages read by gdb: address -> 512 PTEs, and what gdb printed."""
    with tempfile.TemporaryDirectory() as tmp:
        commands = [f"file {REPO / 'build/kernel/kernel.elf'}", "p/x kernel_root"] if symbols else []
        files = {a: Path(tmp) / f"{a:x}.bin" for a in addresses}
        commands += [f"dump binary memory {f} {a:#x} {a + PAGE:#x}" for a, f in files.items()]
        out = harness.gdb_physical(port, commands)
        pages = {}
        for a, f in files.items():
            check(f.exists() and f.stat().st_size == PAGE,
                  f"gdb could not read the page at {a:#x}:\n{out}")
            pages[a] = list(struct.unpack("<512Q", f.read_bytes()))
    return pages, out


def read_bytes(port: int, address: int, length: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "bytes.bin"
        out = harness.gdb_physical(port, [f"dump binary memory {f} {address:#x} "
                                          f"{address + length:#x}"])
        check(f.exists(), f"gdb could not read {length} bytes at {address:#x}:\n{out}")
        return f.read_bytes()


def boot_with_gdb(bootargs: str = "") -> tuple[harness.Qemu, int]:
    port = harness.free_port()
    q = harness.Qemu(harness.qemu_command(bootargs=bootargs) +
                     ["-gdb", f"tcp:127.0.0.1:{port}"])
    q.expect(harness.SHELL_PROMPT, BOOT_TIMEOUT)
    return q, port


# ---------------------------------------------------------------- vmprint's lines

HEADER = re.compile(r"^vmprint: pid (\d+) \(" + PROGRAM + r"\): page table 0x([0-9a-f]+), "
                    r"user half$", re.MULTILINE)
ENTRY = re.compile(r"^((?: \.\.)+)\[(\d+)\] pte 0x([0-9a-f]+) pa 0x([0-9a-f]+)"
                   r"(?: va 0x([0-9a-f]+) ([r-][w-][x-][u-]))?$")


def parse_vmprint(text: str) -> tuple[int, dict, dict]:
    """vmprint's output: (root table pa, {table pa: {slot: pte}}, {va: (pte, letters)}).

    Checks the form while it reads: indentation one level at a time, slots
    rising within a table, pa and letters agreeing with the pte, a leaf's
    va agreeing with the slots above it.
    """
    headers = list(HEADER.finditer(text))
    check(headers, f"no line 'vmprint: pid N ({PROGRAM}): page table 0x..., user half' "
          f"(is vmprint=... in the bootargs read, and uvm_print written?):\n{text}")
    check(len(headers) == 1, f"{len(headers)} vmprint headers for one exec:\n{text}")
    root = int(headers[0].group(2), 16)
    tables = {root: {}}
    leaves = {}
    stack = [(root, 0)]  # (table pa, va its first slot maps), one per level above the line
    last_slot = {root: -1}
    body = text[headers[0].end():].split("\n")[1:]
    for line in body:
        if line.startswith(("magma: ", "guard: ")) or not line.strip():
            continue  # another part of the system printed meanwhile
        if line.startswith(f"{PROGRAM}: pid"):
            break  # the program runs: the table is done
        m = ENTRY.match(line)
        check(m, f"not a vmprint line: {line!r}")
        depth = len(m.group(1)) // 3
        check(depth <= len(stack), f"indented {depth} levels, below no table: {line!r}")
        del stack[depth:]
        table, base = stack[-1]
        level = 3 - depth  # 2: the root's slots
        slot, pte, pa = int(m.group(2)), int(m.group(3), 16), int(m.group(4), 16)
        check(slot < (2 if level == 2 else 512), f"slot {slot} at level {level}: {line!r}")
        check(slot > last_slot[table], f"slots out of order in table {table:#x}: {line!r}")
        last_slot[table] = slot
        check(pte & PTE_V, f"an invalid PTE printed: {line!r}")
        check(pa == pte_pa(pte), f"pa {pa:#x} is not the pte's ({pte_pa(pte):#x}): {line!r}")
        tables[table][slot] = pte
        va = base + (slot << (12 + 9 * level))
        if pte & PTE_LEAF:
            check(m.group(5), f"a leaf printed without its va and permissions: {line!r}")
            check(int(m.group(5), 16) == va, f"va {m.group(5)} is not what the slots above "
                  f"say ({va:#x}): {line!r}")
            check(m.group(6) == perm_letters(pte),
                  f"letters {m.group(6)} do not match the pte ({perm_letters(pte)}): {line!r}")
            check(level == 0, f"a user leaf above level 0: {line!r}")
            leaves[va] = (pte, m.group(6))
        else:
            check(not m.group(5), f"a table pointer printed as a leaf: {line!r}")
            check(level > 0, f"a table pointer at level 0: {line!r}")
            check(pa not in tables, f"table {pa:#x} printed twice: {line!r}")
            tables[pa] = {}
            last_slot[pa] = -1
            stack.append((pa, va))
    return root, tables, leaves


# ---------------------------------------------------------------- the grader

grader = Grader("pgtbl", REFERENCE_BOOT_SECONDS,
                leak_rule=LeakRule(spare_frames=0, heap_bytes=0))
shell = grader.boot("boots to the shell", points=1, bootargs=f"vmprint={PROGRAM}")


@grader.test("uptime works, in a process and in its child", points=1, parent=shell)
def uptime_works(s):
    out = clean(s.run(f"{PROGRAM} uptime"))
    m = re.search(r"^uptime: (-?\d+) then (-?\d+) after", out, re.MULTILINE)
    child = re.search(r"^uptime in a child: (-?\d+)$", out, re.MULTILINE)
    check(m and child, f"{PROGRAM} uptime printed no figures:\n{out}")
    first, after, in_child = int(m.group(1)), int(m.group(2)), int(child.group(1))
    check(first >= 0, f"uptime() returned {first}: it could not read the clock\n{out}")
    check(after > first, f"uptime() did not move across a sleep of 20 ticks: {first}, {after}")
    check(in_child >= after, f"the child's uptime() ({in_child}) is behind its parent's "
          f"({after})")


@grader.test("the root reads as the guard keeps it", points=2, parent=shell)
def root_reads(s):
    installed = re.search(r"guard: hart (\d+): root installed.*scan every (\d+) us", s.q.output)
    check(installed, "the boot log has no 'guard: hart N: root installed' line")
    out = clean(s.run(f"{PROGRAM} root"))
    check("killed" not in out, f"{PROGRAM} was killed loading from the root "
          f"(is it mapped at USER_ROOT_VA, with PTE_U?):\n{out}")
    m = re.search(r"^root: layout (\d+)\.(\d+)\.(\d+), on state (\d+), guard hart (\d+), "
                  r"scan period (\d+) us$", out, re.MULTILINE)
    beat = re.search(r"^root: heartbeat (\d+) then (\d+)$", out, re.MULTILINE)
    check(m and beat, f"{PROGRAM} root printed no figures:\n{out}")
    want = (C["ROOT_LAYOUT_MAJOR"], C["ROOT_LAYOUT_MINOR"], C["ROOT_LAYOUT_INC"],
            C["ROOT_ON_PROTECTED"], int(installed.group(1)), int(installed.group(2)))
    got = tuple(int(g) for g in m.groups())
    check(got == want, f"the page at USER_ROOT_VA is not the root: layout, on state, guard "
          f"hart and scan period read {got}, the root holds {want}")
    check(int(beat.group(2)) > int(beat.group(1)),
          f"the guard's heartbeat did not move in the mapped root: {beat.group(0)} "
          f"(a copy of the root, not the root itself?)")


@grader.test("a store to the root kills the process", points=1, parent=shell)
def root_store_kills(s):
    out = clean(s.run(f"{PROGRAM} store"))
    check("did not fault" not in out, f"a store to the root went through:\n{out}")
    root = C["USER_ROOT_VA"]
    check(re.search(rf"magma: pid \d+ \({PROGRAM}\) killed: store page fault at pc 0x[0-9a-f]+,"
                    rf" address {root:#x}: the root range is read-only$", out, re.MULTILINE),
          f"no 'killed: store page fault ... address {root:#x}: the root range is read-only' "
          f"line (the kernel says that only for a present, read-only user page):\n{out}")


@grader.test("rootstat reads the root through uroot()", points=1, parent=shell)
def rootstat_reads(s):
    out = clean(s.run("rootstat"))
    errors = [line for line in out.splitlines() if line.startswith("rootstat:")]
    check(not errors, "rootstat could not read the root:\n" + "\n".join(errors))
    check(re.search(r"layout version\s+%d\.%d\.%d" % (C["ROOT_LAYOUT_MAJOR"],
                                                       C["ROOT_LAYOUT_MINOR"],
                                                       C["ROOT_LAYOUT_INC"]), out),
          f"rootstat shows no layout version:\n{out}")


# ---------------------------------------------------------------- no system call

ASM_FUNCTION = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
ASM_INSN = re.compile(r"^\s+[0-9a-f]+:\t[0-9a-f ]+\t(\S+)\s*(.*)$")
ASM_TARGET = re.compile(r"<([^>+]+)(?:\+0x[0-9a-f]+)?>")


def functions_of(asm: str) -> dict[str, list[tuple[str, str]]]:
    """objdump -S output: function name -> its (mnemonic, operands)."""
    functions, current = {}, None
    for line in asm.splitlines():
        m = ASM_FUNCTION.match(line)
        if m:
            current = functions.setdefault(m.group(1), [])
            continue
        m = ASM_INSN.match(line)
        if m and current is not None:
            current.append((m.group(1), m.group(2)))
    return functions


def system_calls_reached(functions: dict, start: str) -> list[str]:
    """Why `start` may trap: ecalls and calls through a register in what it can reach."""
    problems, seen, todo = [], set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for mnemonic, operands in functions.get(name, []):
            if mnemonic == "ecall":
                problems.append(f"{name} executes ecall" + ("" if name == start else
                                                            f" (reached from {start})"))
            elif mnemonic == "jalr" or (mnemonic == "jr" and "ra" in operands):
                problems.append(f"{name} calls through a register ({mnemonic} {operands}): "
                                f"the grader cannot follow that")
            if mnemonic not in ("jal", "j", "call", "tail") and not mnemonic.startswith("b"):
                continue  # not a transfer of control: a <symbol> there is an address comment
            target = ASM_TARGET.search(operands)
            if target and target.group(1) != name and target.group(1) in functions:
                todo.append(target.group(1))
    return problems


@grader.test("uptime() makes no system call", points=2)
def uptime_without_ecall():
    asm_path = REPO / "build" / "user" / f"{PROGRAM}.asm"
    check(asm_path.exists(), f"{asm_path} is missing: the build writes it beside the program")
    functions = functions_of(asm_path.read_text())
    check("uptime" in functions, f"no function uptime in {asm_path}")
    problems = system_calls_reached(functions, "uptime")
    check(not problems, f"uptime() can trap into the kernel ({asm_path}):\n" +
          "\n".join(problems))


# ---------------------------------------------------------------- with gdb


@grader.test("vmprint prints the page table the kernel built", points=4)
def vmprint_matches_memory():
    segments = load_segments(REPO / "build" / "user" / PROGRAM)
    q, port = boot_with_gdb(bootargs=f"vmprint={PROGRAM}")
    start = len(q.output)
    q.send(f"{PROGRAM} wait\n")
    q.expect(rf"{PROGRAM}: pid \d+ waiting for a line\n", COMMAND_TIMEOUT)
    text = clean(q.output[start:])
    root, tables, leaves = parse_vmprint(text)

    want = expected_user_leaves(segments)
    missing = sorted(set(want) - set(leaves))
    extra = sorted(va for va in set(leaves) - set(want)
                   if not (is_stack(va) and leaves[va][1] == "rw-u"))
    check(not missing, "vmprint shows no leaf for " + ", ".join(f"{va:#x}" for va in missing))
    check(not extra, "vmprint shows leaves exec does not map: " +
          ", ".join(f"{va:#x}" for va in extra))
    for va, letters in want.items():
        check(leaves[va][1] == letters, f"{va:#x} printed {leaves[va][1]}, exec maps it "
              f"{letters}")
    root_va = C["USER_ROOT_VA"]
    for off in range(0, C["MAGMA_ROOT_SIZE"], PAGE):
        pa = pte_pa(leaves[root_va + off][0])
        check(pa == C["MAGMA_ROOT_BASE"] + off, f"{root_va + off:#x} maps {pa:#x}, not the "
              f"root's page {C['MAGMA_ROOT_BASE'] + off:#x}")

    # The tables in memory hold exactly the entries printed, and the text is the program's.
    pages, _ = read_pages(port, sorted(tables))
    for table, printed in tables.items():
        slots = range(2) if table == root else range(512)
        real = {i: pages[table][i] for i in slots if pages[table][i] & PTE_V}
        check(real == printed, f"table {table:#x} in memory holds "
              + ", ".join(f"[{i}] {p:#x}" for i, p in sorted(real.items()))
              + "; vmprint printed "
              + ", ".join(f"[{i}] {p:#x}" for i, p in sorted(printed.items())))
    for seg in segments:
        if not seg["flags"] & 1:
            continue  # only text: data may have changed since exec
        for va in range(seg["vaddr"] & ~(PAGE - 1), seg["vaddr"] + seg["filesz"], PAGE):
            lo, hi = max(va, seg["vaddr"]), min(va + PAGE, seg["vaddr"] + seg["filesz"])
            got = read_bytes(port, pte_pa(leaves[va][0]) + (lo - va), hi - lo)
            check(got == seg["bytes"][lo - seg["vaddr"]:hi - seg["vaddr"]],
                  f"the page vmprint names for {va:#x} does not hold {PROGRAM}'s text")
    q.send("\n")
    q.expect(harness.SHELL_PROMPT, COMMAND_TIMEOUT)


@grader.test("the kernel maps RAM in 2 MiB pages", points=3)
def kernel_megapages():
    q, port = boot_with_gdb()
    usable = [(int(a, 16), int(b, 16) + 1) for a, b in
              re.findall(r"magma: memory: usable 0x([0-9a-f]+)-0x([0-9a-f]+)", q.output)]
    check(usable, "the boot log names no usable range ('magma: memory: usable ...')")
    out = harness.gdb_physical(port, [f"file {REPO / 'build/kernel/kernel.elf'}",
                                      "p/x kernel_root"])
    m = re.search(r"^\$1 = (0x[0-9a-f]+)$", out, re.MULTILINE)
    check(m, f"gdb printed no kernel_root:\n{out}")
    root = int(m.group(1), 16)
    root_page = read_pages(port, [root])[0][root]
    l1_at = {}  # root slot -> its level-1 table
    for lo, hi in usable:
        for slot in range(lo >> 30, ((hi - 1) >> 30) + 1):
            pte = root_page[slot]
            check(pte & PTE_V and not pte & PTE_LEAF,
                  f"the kernel root's slot {slot} (RAM at {slot << 30:#x}) is {pte:#x}, "
                  f"not a table")
            l1_at[slot] = pte_pa(pte)
    l1 = read_pages(port, sorted(set(l1_at.values())))[0]

    def l1_entry(pa):
        return l1[l1_at[pa >> 30]][(pa >> 21) & 511]

    megapages = 0
    l0_needed = set()
    for lo, hi in usable:
        for chunk in range(lo & ~(MEGAPAGE - 1), hi, MEGAPAGE):
            pte = l1_entry(chunk)
            fits = chunk >= lo and chunk + MEGAPAGE <= hi
            check(pte & PTE_V, f"RAM at {max(chunk, lo):#x} is not mapped at all")
            if fits:
                check(pte & PTE_LEAF, f"the usable 2 MiB at {chunk:#x} is mapped through a "
                      f"level-0 table ({pte:#x}), not by one 2 MiB page")
                check(pte_pa(pte) == chunk and pte & (PTE_R | PTE_W) == PTE_R | PTE_W
                      and not pte & (PTE_X | PTE_U),
                      f"the 2 MiB page at {chunk:#x} is {pte:#x}: it must map {chunk:#x} "
                      f"itself, readable and writable, not executable, not user")
                megapages += 1
            else:
                check(not pte & PTE_LEAF, f"a 2 MiB page at {chunk:#x} maps more than the "
                      f"usable RAM [{lo:#x}, {hi:#x})")
                l0_needed.add(pte_pa(pte))
    l0 = read_pages(port, sorted(l0_needed))[0] if l0_needed else {}
    for lo, hi in usable:
        for pa in range(lo, hi, PAGE):
            entry = l1_entry(pa)
            if entry & PTE_LEAF:
                continue
            pte = l0[pte_pa(entry)][(pa >> 12) & 511]
            check(pte & PTE_V and pte_pa(pte) == pa and pte & (PTE_R | PTE_W) == PTE_R | PTE_W
                  and not pte & (PTE_X | PTE_U),
                  f"the usable page {pa:#x} is {pte:#x} in the kernel's table: it must map "
                  f"itself, readable and writable, not executable, not user")
    check(megapages > 0, "no usable range holds a whole aligned 2 MiB (boot with more MEM)")
    q.kill()


if __name__ == "__main__":
    sys.exit(grader.main())
