"""The magma-* gdb commands (tools/gdb/README.md says what each prints).

Each command reads the stopped machine through one target.Machine (physical
memory, QEMU's stub) and prints plain lines. Anything it cannot do - a pid
that is not there, an address that is not RAM, symbols not loaded, the
machine still running - is one line starting "magma-NAME: ", never a
Python traceback.
"""

import struct

import gdb

from . import headers, heapwalk, procs, rootlayout, sv39, target
from .target import MagmaError

_RISCV = headers.define_map("kernel/riscv.h")
_LAYOUT = headers.define_map("include/layout.h")
_MAPPED_RAM = headers.define_map("mm/blockzero.h")["BLOCKZERO_MAPPED_RAM"]


class MagmaCommand(gdb.Command):
    """A command whose errors are one line; subclasses define run(machine, arg)."""

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_USER)
        self.command_name = name

    def invoke(self, arg, from_tty):
        try:
            target.require_stopped()
            before = self.before(arg)
            with target.Machine() as m:
                lines = self.run(m, arg, before)
        except MagmaError as e:
            lines = [f"{self.command_name}: {e}"]
        except gdb.error as e:
            lines = [f"{self.command_name}: gdb could not do it: {e}"]
        except Exception as e:  # a bug here: still one line, with what to report
            lines = [f"{self.command_name}: internal error ({type(e).__name__}: {e}); "
                     "please report it with the command you typed"]
        gdb.write("\n".join(lines) + "\n")

    def before(self, arg):
        """What to find out before physical mode is on (registers, threads)."""
        return None

    def run(self, m, arg, before):
        raise NotImplementedError


def each_hart(read):
    """{hart: read()} with each hart's thread selected in turn; the selection is put
    back. For registers only: before physical mode is on."""
    results = {}
    selected = gdb.selected_thread()
    try:
        for thread in gdb.selected_inferior().threads():
            thread.switch()
            results[target.cpu_of_selected_thread()] = read()
    finally:
        selected.switch()
    return results


def harts_inside(file_parts):
    """Harts whose pc is in a source file whose name contains one of file_parts:
    what they were changing may be half done."""
    def inside():
        symtab = gdb.find_pc_line(target.register("pc")).symtab
        return bool(symtab) and any(part in symtab.filename for part in file_parts)
    return sorted(h for h, yes in each_hart(inside).items() if yes)


def busy_note(harts, what):
    if not harts:
        return []
    names = ", ".join(str(h) for h in harts)
    return [f"note: hart {names} stopped inside {what}: what it was changing may be "
            "half done"]


# ---------------------------------------------------------------- magma-ps

class Ps(MagmaCommand):
    """magma-ps: every process on the kernel's list (kernel/proc.c's all_procs).

Columns: pid, parent's pid, state, the hart it runs on or last ran on,
name, process group, what it sleeps on, and the address of its struct proc.
A '*' marks a process some hart runs right now (harts[].proc)."""

    def __init__(self):
        super().__init__("magma-ps")

    def run(self, m, arg, before):
        if arg.strip():
            raise MagmaError("takes no argument")
        plist, problem = procs.all_procs(m)
        by_addr = {p.addr: p for p in plist}
        running = {p.addr for p in map(lambda h: procs.running_on(m, h),
                                       range(_LAYOUT["MAGMA_MAX_HARTS"])) if p}
        lines = [f"{'pid':>5} {'ppid':>5}  {'state':<9} {'hart':>4}  {'name':<16} "
                 f"{'pgid':>5}  {'proc':<14} waiting on"]
        for p in plist:
            ppid = self._ppid(m, int(p.v["parent"]), by_addr)
            mark = "*" if p.addr in running else " "
            lines.append(f"{p.pid:>5} {ppid:>5} {mark}{p.state:<9} {p.hart:>4}  "
                         f"{p.name:<16} {int(p.v['pgid']):>5}  {p.addr:#014x} "
                         f"{self._waits(p, by_addr)}")
        count = m.ku64(target.symbol("nprocs", "proc.c")[0])
        lines.append(f"{len(plist)} processes on the list; the kernel counts {count}")
        if problem:
            lines.append(f"the walk stopped early: {problem}")
        return lines

    @staticmethod
    def _ppid(m, parent, by_addr):
        """The parent's pid as ps prints it (0 for none), read from the parent itself
        if the walk did not reach it; "?" and the pointer if it cannot be read."""
        if not parent:
            return "0"
        if parent in by_addr:
            return str(by_addr[parent].pid)
        try:
            return str(int(m.kstruct(parent, "struct proc")["pid"]))
        except MagmaError:
            return f"?{parent:#x}"

    @staticmethod
    def _waits(p, by_addr):
        killed = " (killed)" if int(p.v["killed"]) else ""
        if p.state != "sleeping":
            return "-" + killed
        chan = int(p.v["chan"])
        if chan == p.addr:  # proc_wait sleeps on the parent itself
            return f"{chan:#x} (itself: wait() for a child){killed}"
        if chan in by_addr:
            return f"{chan:#x} (pid {by_addr[chan].pid}'s struct proc){killed}"
        name = target.describe_address(chan)
        return f"{chan:#x}" + (f" ({name})" if name else "") + killed


# ------------------------------------------------------------- magma-pgtbl

class Pgtbl(MagmaCommand):
    """magma-pgtbl [PID|kernel] [all]: a Sv39 page table, one line per run of pages.

With no PID, the process the selected hart runs (or whose table its satp
holds); `kernel` walks the kernel's own table. A process's table from
USER_TOP up is the kernel's, shared (vm_share_kernel_half): shown only
with `all`, else just compared with the kernel's. Each line: the
virtual range, the physical range, the flags RWXUGAD (a letter where the
bit is set) plus one letter for magma's software bits (C copy-on-write,
S an mmap MAP_SHARED page, M a named shared-memory page), and how many pages of
which size. Runs of pages contiguous in both address spaces with the same
flags are one line."""

    def __init__(self):
        super().__init__("magma-pgtbl")

    def before(self, arg):
        return target.register("satp")

    def run(self, m, arg, satp):
        words = arg.split()
        show_all = "all" in words
        words = [w for w in words if w != "all"]
        if len(words) > 1:
            raise MagmaError("usage: magma-pgtbl [PID|kernel] [all]")
        kroot = m.kernel_root()
        if words == ["kernel"]:
            if not kroot:
                raise MagmaError("the kernel has no page table yet")
            title, root, entries = "the kernel's table", kroot, range(512)
        else:
            p = procs.by_argument(m, words[0] if words else "")
            root = p.pagetable
            title = f"pid {p.pid} ({p.name}), {p.state}"
            entries = range(512) if show_all else range(sv39.USER_ROOT_ENTRIES)
        lines = [f"{title}: root table at {root:#x}"
                 + (f" (selected hart's satp {satp:#x})" if satp else "")]
        maps, problems = sv39.walk(m, root, entries)
        lines.append(f"{'virtual':<37}  {'physical':<27}  flags     pages")
        lines += [x.text() for x in maps]
        pages = sum(x.size for x in maps) // target.PAGE_SIZE
        lines.append(f"{len(maps)} runs, {pages} pages of 4 KiB mapped"
                     + ("" if entries == range(512) else " below USER_TOP"))
        if entries != range(512) and kroot:
            lines.append(self._kernel_half(m, root, kroot))
        lines += [f"problem: {x}" for x in problems]
        return lines

    @staticmethod
    def _kernel_half(m, root, kroot):
        if not m.in_ram(root, target.PAGE_SIZE):
            return "from USER_TOP up: not compared (the root table is not RAM)"
        mine = struct.unpack("<512Q", m.read(root, target.PAGE_SIZE))
        kernel = struct.unpack("<512Q", m.read(kroot, target.PAGE_SIZE))
        differ = [i for i in range(sv39.USER_ROOT_ENTRIES, 512) if mine[i] != kernel[i]]
        if not differ:
            return ("from USER_TOP up: the kernel's own root entries, shared (`all` shows "
                    "them, `magma-pgtbl kernel` the kernel's table)")
        return (f"from USER_TOP up: root entries {differ[:8]} differ from the kernel's "
                "(vm_share_kernel_half copies them all)")


# --------------------------------------------------------------- magma-root

class Root(MagmaCommand):
    """magma-root: the root range's protected and shared bits, field by field.

Names, offsets and types come from include/root.h; values read from the
root's physical pages (the guard's; the kernel may only read them). Then
the guard's clock, and the board tables the guard published at root+0x1000."""

    def __init__(self):
        super().__init__("magma-root")

    def run(self, m, arg, before):
        if arg.strip():
            raise MagmaError("takes no argument")
        prot, shared, defs = rootlayout.fields()
        base = _LAYOUT["MAGMA_ROOT_BASE"]
        size = _LAYOUT["MAGMA_ROOT_SIZE"]
        try:
            board = m.kobject("board")
            if int(board["root"]["base"]) not in (0, base):
                base = int(board["root"]["base"])
        except MagmaError:
            pass  # layout.h's address: the kernel may not have read the tree yet
        raw = m.read(base, defs["ROOT_BOARD_BASE"].value)
        lines = [f"root range at {base:#x} ({size // 1024} KiB), fields as include/root.h "
                 "lays them out"]
        for title, part, pbase, psize in (
                ("protected bits", prot, "ROOT_PROTECTED_BASE", "ROOT_PROTECTED_SIZE"),
                ("shared bits", shared, "ROOT_SHARED_BASE", "ROOT_SHARED_SIZE")):
            lines.append(f"{title} (root+{defs[pbase].value:#05x}, "
                         f"{defs[psize].value} bytes):")
            for f in part:
                lines += self._field(f, raw)
        lines += self._clock(raw, defs)
        lines += self._board(m, base, raw, defs)
        return lines

    @staticmethod
    def _field(f, raw):
        value = f.decode(raw)
        if f.kind == "u8" and f.count:
            text = bytes(value).split(b"\0", 1)[0].decode("ascii", "replace")
            return [f"  root+{f.offset:#05x}  {f.name:<18} \"{text}\"  ({f.about})"]
        if f.count:
            out = []
            for i, v in enumerate(value):
                label = (rootlayout.MBOX_ERRORS.get(i, "")
                         if f.name == "err_counters" else "")
                if v or label:
                    out.append(f"  root+{f.offset + i * f.width:#05x}  "
                               f"{f'{f.name}[{i}]':<18} {v:>20}  {label}".rstrip())
            if len(out) < len(value):
                out.append(f"  root+{f.offset:#05x}  {f.name}[]: the other "
                           f"{len(value) - len(out)} of {len(value)} are 0")
            return out
        about = f"  ({f.about})" if f.about else ""
        if f.values:
            vname, vabout = f.values.get(value, ("not a value root.h names", ""))
            about = f"  {vname}" + (f": {vabout}" if vabout else "")
        return [f"  root+{f.offset:#05x}  {f.name:<18} {value:>20}{about}"]

    @staticmethod
    def _clock(raw, defs):
        def u(name, width=8):
            return int.from_bytes(raw[defs[name].value:defs[name].value + width], "little")
        seq, micro, master = u("ROOT_TICK_SEQ"), u("ROOT_MICRO_TICKS"), u("ROOT_MASTER_TICKS")
        wrap = u("ROOT_MICRO_WRAP", 4)
        state = ("odd: the guard is writing the clock right now" if seq & 1
                 else "even: the clock is whole")
        return [f"guard clock: {master} master x {wrap} + {micro} micro = "
                f"{master * wrap + micro} micro ticks (tick seq {seq}, {state})"]

    @staticmethod
    def _board(m, base, raw, defs):
        offset = int.from_bytes(raw[defs["ROOT_BOARD_OFFSET"].value:][:4], "little")
        size = int.from_bytes(raw[defs["ROOT_BOARD_SIZE"].value:][:4], "little")
        if not size:
            return ["board tables: none published yet"]
        if offset + size > _LAYOUT["MAGMA_ROOT_SIZE"] or offset < 24:
            return [f"board tables: root+{offset:#x}, {size} bytes: outside the root"]
        block = m.read(base + offset, size)
        out = [f"board tables (mm/blockzero.h) at root+{offset:#x}, {size} bytes:"]
        try:
            dev_type = target.lookup_type("enum blockzero_device_type")
            type_names = {int(f.enumval): f.name[len("BLOCKZERO_DEV_"):].lower()
                          for f in dev_type.fields()}
        except MagmaError:
            type_names = {}
        tables = struct.unpack_from("<3Q", block, 0)
        for t, title in enumerate(("RAM", "I/O", "devices")):
            at = tables[t]
            if at + 8 > size:
                out.append(f"  {title}: table offset {at:#x} is outside the block")
                continue
            count = struct.unpack_from("<I", block, at)[0]
            if at + 8 + 16 * count > size:
                out.append(f"  {title}: {count} entries do not fit the block")
                continue
            out.append(f"  {title}: {count} entries")
            for n in range(count):
                entry = at + 8 + 16 * n
                if t < 2:  # struct blockzero_range: size - 1, padding, base
                    last_byte, _, range_base = struct.unpack_from("<IIQ", block, entry)
                    out.append(f"    {n + 1:>3}  {range_base:#012x}-"
                               f"{range_base + last_byte + 1:#012x}")
                else:  # struct blockzero_device
                    kind, uid, mapped, index = struct.unpack_from("<IIII", block, entry)
                    out.append(f"    {n + 1:>3}  {type_names.get(kind, str(kind)):<8} id {uid}, "
                               f"{'RAM' if mapped == _MAPPED_RAM else 'I/O'} entry {index}")
        return out


# ------------------------------------------------------------- magma-frames

class Frames(MagmaCommand):
    """magma-frames: the frame allocator (mm/frame): each hart's cache and the pool.

For every kernel hart (smp.kernel) and any other with frames cached: frames
in its cache, then its counters (mm/frame.h's struct frame_stats)."""

    def __init__(self):
        super().__init__("magma-frames")

    def before(self, arg):
        return harts_inside(("mm/frame.c", "kernel/kalloc.c"))

    def run(self, m, arg, busy):
        if arg.strip():
            raise MagmaError("takes no argument")
        fa = m.kobject("frames", "kalloc.c")
        nharts = int(fa["nharts"])
        limit = fa["harts"].type.range()[1] + 1
        if not 0 < nharts <= limit:
            raise MagmaError(f"frames.nharts is {nharts}: frame_init has not run yet")
        smp = m.kobject("smp")
        kernel_harts = {int(smp["kernel"][i]) for i in range(int(smp["kernel_count"]))}
        total = int(fa["total_frames"])
        pool = int(fa["pool"]["count"])
        cache_max = fa["harts"][0]["cache"].type.range()[1] + 1
        rows, cached = [], 0
        stats = [f.name for f in fa["harts"][0]["stats"].type.fields()]
        for h in range(nharts):
            hc = fa["harts"][h]
            count = int(hc["count"])
            cached += count
            if h not in kernel_harts and not count:
                continue
            flag = "" if count <= cache_max else f"  (above the cache's {cache_max}!)"
            figures = " ".join(f"{int(hc['stats'][s]):>8}" for s in stats)
            rows.append(f"{h:>4} {count:>6} {figures}{flag}")
        free = pool + cached
        lines = [f"frames: {total} total ({total * 4} KiB), {free} free ({free * 4} KiB), "
                 f"{total - free} in use",
                 f"pool: {pool} frames",
                 f"caches: {cached} frames in the harts' caches (at most {cache_max} each)",
                 f"hart cached " + " ".join(f"{s[:8]:>8}" for s in stats)]
        return lines + rows + busy_note(busy, "the frame allocator")


# --------------------------------------------------------------- magma-heap

class Heap(MagmaCommand):
    """magma-heap: walks the kernel heap (kheap, mm/heap) and names the first bad
block: bad magic or flags, a size out of range, next disagreeing with size,
a changed trailer, two free neighbours, or a free block whose free-list
neighbours disagree. A sound heap gets its totals, as heap_stats counts them
(memstat's "kernel heap: USED of TOTAL bytes" is the payload of the used
blocks, of all the chunks)."""

    def __init__(self):
        super().__init__("magma-heap")

    def before(self, arg):
        return harts_inside(("mm/heap", "kernel/kmalloc.c"))

    def run(self, m, arg, busy):
        if arg.strip():
            raise MagmaError("takes no argument")
        h = heapwalk.Heap(m)
        lines = [f"kernel heap: {h.nchunks} chunks, {h.narenas} arenas"]
        try:
            t = h.walk()
        except heapwalk.BadBlock as bad:
            lines.append(f"first bad block: {bad}")
            try:
                magic, size, nxt = struct.unpack("<3Q", m.kread(bad.block, 24))
                lines.append(f"  header: magic {magic:#018x}  size {size:#x}  next {nxt:#x};"
                             f" payload at {bad.block + heapwalk.HEADER:#x}")
            except MagmaError as e:
                lines.append(f"  header unreadable: {e}")
            return lines + busy_note(busy, "the heap")
        lines += [
            f"sound: {t.total} bytes in {t.chunks} chunks",
            f"  used  {t.used:>10} bytes in {t.used_blocks} blocks "
            f"({t.used_payload} bytes of payload)",
            f"  free  {t.free:>10} bytes in {t.free_blocks} blocks "
            f"(largest {t.largest_free})",
            f"  quick {t.quick:>10} bytes in {t.quick_blocks} blocks (freed, cached by size class)",
            f"  gc    {t.gc:>10} bytes in {t.gc_blocks} blocks (freed by another hart, "
            "not yet reclaimed)",
            f"memstat would say: kernel heap: {t.used_payload} of {t.total} bytes in use"]
        return lines + busy_note(busy, "the heap")


# ---------------------------------------------------------- magma-trapframe

_ABI = ["ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
        "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
        "t3", "t4", "t5", "t6"]
_ECALL = 0x00000073


class Trapframe(MagmaCommand):
    """magma-trapframe [PID]: a process's saved user registers (struct trap_frame at
the top of its kernel stack, kernel/trap.h), by ABI name, with sepc and
sstatus decoded. The kernel keeps no scause or stval per process: for a
process some hart runs now, that hart's scause and stval are shown (the
last trap the hart took); for one asleep in a system call, the call is
named from a7 when sepc follows an ecall."""

    def __init__(self):
        super().__init__("magma-trapframe")

    def before(self, arg):
        return each_hart(lambda: (target.register("scause"), target.register("stval")))

    def run(self, m, arg, hart_csrs):
        p = procs.by_argument(m, arg)
        addr = int(p.v["uframe"])
        frame = m.kstruct(addr, "struct trap_frame")
        lines = [f"pid {p.pid} ({p.name}), {p.state}: user registers saved at {addr:#x}"]
        values = {name: int(frame[name]) for name in _ABI}
        for i in range(0, len(_ABI), 4):
            lines.append("  " + "  ".join(f"{n:>3} {values[n]:#018x}" for n in _ABI[i:i + 4]))
        sepc, sstatus = int(frame["sepc"]), int(frame["sstatus"])
        lines.append(f"  sepc    {sepc:#018x}  (the user pc it returns to)")
        lines.append(f"  sstatus {sstatus:#018x}  ({self._sstatus(sstatus)})")
        lines += self._cause(m, p, sepc, values, hart_csrs)
        return lines

    @staticmethod
    def _sstatus(s):
        bits = [("SPP", "SSTATUS_SPP"), ("SPIE", "SSTATUS_SPIE"), ("SIE", "SSTATUS_SIE"),
                ("SUM", "SSTATUS_SUM")]
        return " ".join(f"{name}={int(bool(s & _RISCV[macro]))}" for name, macro in bits)

    def _cause(self, m, p, sepc, values, hart_csrs):
        hart = next((h for h in hart_csrs if procs.running_on(m, h) and
                     procs.running_on(m, h).addr == p.addr), None)
        if hart is not None:
            scause, stval = hart_csrs[hart]
            if scause is None:
                return [f"  scause/stval: hart {hart} runs it, but gdb cannot read its CSRs"]
            return [f"  scause  {scause:#018x}  ({cause_name(m, scause)}; hart {hart}'s CSR: "
                    "the last trap that hart took)",
                    f"  stval   {stval:#018x}"]
        lines = ["  scause/stval: not saved per process (the kernel reads them at trap "
                 "entry); no hart runs it now"]
        try:
            word = struct.unpack("<I", m.vread(p.pagetable, sepc - 4, 4, f"pid {p.pid}"))[0]
        except MagmaError:
            return lines
        if word == _ECALL:
            num = values["a7"]
            lines.append(f"  in a system call: the instruction before sepc is ecall, "
                         f"a7 = {num} ({syscall_name(m, num)}), a0 = {values['a0']:#x}")
        return lines


def cause_name(m, scause):
    """The kernel's own name for scause (trap_cause_name's table), or the interrupt's."""
    interrupt = _RISCV["SCAUSE_INTERRUPT"]
    if scause & interrupt:
        code = scause & ~interrupt
        names = {v: k[len("IRQ_"):] for k, v in _RISCV.items() if k.startswith("IRQ_")}
        return f"interrupt {code}" + (f", {names[code]}" if code in names else "")
    try:
        fn = gdb.lookup_global_symbol("trap_cause_name")
        table = gdb.lookup_symbol("names", gdb.block_for_pc(int(fn.value().address)))[0]
        count = table.type.range()[1] + 1
        if scause < count:
            ptr = m.ku64(int(table.value().address) + 8 * scause)
            if ptr:
                return m.kread(ptr, 64).split(b"\0", 1)[0].decode("ascii", "replace")
    except (gdb.error, AttributeError, TypeError):
        pass
    return f"exception {scause}"


def syscall_name(m, num):
    """The handler kernel/syscall.c's table gives number num, "sys_sleep"."""
    try:
        va, type_ = target.symbol("handlers", "syscall.c")
    except MagmaError:
        return "?"
    count = type_.range()[1] + 1
    if not 0 <= num < count:
        return "no such system call"
    ptr = m.ku64(va + 8 * num)
    return target.describe_address(ptr).split("+")[0] or "no such system call"


def register_all():
    for cls in (Ps, Pgtbl, Root, Frames, Heap, Trapframe):
        cls()
