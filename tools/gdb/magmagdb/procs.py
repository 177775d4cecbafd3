"""The kernel's processes, found the way the kernel finds them.

magma has no process table: every struct proc is kmalloc'd and linked on
one list of all processes (all_procs and all_next in kernel/proc.c, under
its list lock), which kill, ps and Ctrl-P walk. So does this. The walk
stops at a pointer that cannot be read or that comes round again, and
says so, since the machine may be stopped in the middle of a change.
"""

from . import target
from .target import MagmaError

MAX_PROCS = 1 << 16  # more than this on the list is a cycle the walk missed


class Proc:
    """One struct proc: its kernel address and its fields (a gdb.Value)."""

    def __init__(self, addr, value):
        self.addr = addr
        self.v = value

    @property
    def pid(self):
        return int(self.v["pid"])

    @property
    def name(self):
        field = self.v["name"]
        text = field.string(encoding="ascii", errors="replace", length=field.type.sizeof)
        return text.split("\0", 1)[0]

    @property
    def state(self):
        """"sleeping", "running", ... as ps prints it (the enumerator, lower case)."""
        text = str(self.v["state"])
        return text[len("PROC_"):].lower() if text.startswith("PROC_") else f"?({text})"

    @property
    def hart(self):
        return int(self.v["hart"])

    @property
    def pagetable(self):
        return int(self.v["pagetable"])


def all_procs(m):
    """(processes, problem): every process on the list, and a sentence if the walk
    had to stop early (None when it reached the end)."""
    head_va, _ = target.symbol("all_procs", "proc.c")
    proc_type = target.lookup_type("struct proc")
    procs, seen = [], set()
    addr = m.ku64(head_va)
    while addr:
        if addr in seen:
            return procs, f"the list comes back to {addr:#x}: a cycle"
        if len(procs) >= MAX_PROCS:
            return procs, f"more than {MAX_PROCS} processes: a cycle?"
        seen.add(addr)
        try:
            p = Proc(addr, m.struct_at(addr, proc_type))
        except MagmaError as e:
            where = f"after pid {procs[-1].pid}" if procs else "at its head"
            return procs, f"the list {where} points at {addr:#x}: {e}"
        procs.append(p)
        addr = int(p.v["all_next"])
    return procs, None


def find(m, pid):
    """The process with this pid; MagmaError naming the pids there are if none."""
    procs, problem = all_procs(m)
    for p in procs:
        if p.pid == pid:
            return p
    pids = ", ".join(str(p.pid) for p in procs) or "none"
    extra = f" ({problem})" if problem else ""
    raise MagmaError(f"no process with pid {pid} (there are: {pids}){extra}")


def running_on(m, hart):
    """The process hart runs (harts[hart].proc), or None in its scheduler."""
    harts_va, harts_type = target.symbol("harts")
    count = harts_type.range()[1] + 1
    if not 0 <= hart < count:
        return None
    entry = m.struct_at(harts_va + hart * harts_type.target().sizeof, harts_type.target())
    addr = int(entry["proc"])
    return Proc(addr, m.kstruct(addr, "struct proc")) if addr else None


def current(m):
    """The process of the hart gdb has selected: the one it runs, else the one whose
    page table satp names; MagmaError when it runs none."""
    hart = target.cpu_of_selected_thread()
    p = running_on(m, hart)
    if p:
        return p
    satp = target.register("satp")
    if satp is not None and satp >> 60 == 8:
        root = (satp & ((1 << 44) - 1)) << 12
        for q in all_procs(m)[0]:
            if q.pagetable == root:
                return q
    raise MagmaError(f"hart {hart} (the selected thread) runs no process now: "
                     "name one by pid (magma-ps lists them)")


def by_argument(m, arg):
    """The process a command's argument names: a pid, or the current one if empty."""
    arg = arg.strip()
    if not arg:
        return current(m)
    try:
        pid = int(arg, 0)
    except ValueError:
        raise MagmaError(f"`{arg}` is not a pid (a number; magma-ps lists them)") from None
    return find(m, pid)
