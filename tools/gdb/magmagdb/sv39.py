"""Sv39 page tables (RISC-V privileged spec 1.12, 4.4), read through a Machine.

Three levels of 512 eight-byte entries. A valid entry with any of R, W, X
is a leaf (a 4 KiB, 2 MiB or 1 GiB page); one without is a pointer to the
next level. The PTE bits are read from kernel/vm.h and kernel/uvm.h.
"""

import struct

from . import headers
from .target import MagmaError, PAGE_SIZE

_VM = headers.define_map("kernel/vm.h")
_FLAG_BITS = {c: _VM["PTE_" + c] for c in "VRWXUGAD"}
_UVM = headers.define_map("kernel/uvm.h")
_COW, _SHARED = _UVM["PTE_COW"], _UVM["PTE_SHARED"]
# The shown permission string: RWXUG AD, then magma's two software bits as one letter:
# C copy-on-write (PTE_COW alone), S an mmap MAP_SHARED page (PTE_SHARED alone),
# M a named shared-memory block's page (both: PTE_SHM, kernel/uvm.h).
_SHOWN = "RWXUGAD"
_SOFTWARE = {0: "-", _COW: "C", _SHARED: "S", _COW | _SHARED: "M"}
PTE_PPN_SHIFT = _VM["PTE_PPN_SHIFT"]
PTE_PPN_MASK = (1 << 44) - 1
LEVELS = 3
# Root entries below USER_TOP are the process's own; from there up, the kernel's
# (include/user_layout.h, kernel/vm.h's vm_share_kernel_half).
USER_ROOT_ENTRIES = headers.define_map("include/user_layout.h")["USER_TOP"] >> 30


def pte_pa(pte):
    return ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12


def level_size(level):
    return 1 << (12 + 9 * level)


def flags_text(pte):
    """"R-XU-A--" style: a letter where the bit is set."""
    return ("".join(c if pte & _FLAG_BITS[c] else "-" for c in _SHOWN)
            + _SOFTWARE[pte & (_COW | _SHARED)])


def is_leaf(pte):
    return bool(pte & (_FLAG_BITS["R"] | _FLAG_BITS["W"] | _FLAG_BITS["X"]))


def canonical(va):
    """Sv39 addresses copy bit 38 into bits 63:39."""
    return va | ~((1 << 39) - 1) & (2**64 - 1) if va & (1 << 38) else va


def _table(m, pa, what):
    if pa % PAGE_SIZE or not m.in_ram(pa, PAGE_SIZE):
        raise MagmaError(f"{what}: page table at {pa:#x} is not a page of RAM")
    return struct.unpack("<512Q", m.read(pa, PAGE_SIZE))


def translate(m, root, va):
    """The physical address va maps to under root, or None if it is not mapped."""
    if canonical(va & ((1 << 39) - 1)) != va:
        return None
    table = root
    for level in range(LEVELS - 1, -1, -1):
        pte = _table(m, table, f"translating {va:#x}")[(va >> (12 + 9 * level)) & 0x1ff]
        if not pte & _FLAG_BITS["V"]:
            return None
        if is_leaf(pte):
            return pte_pa(pte) + (va & (level_size(level) - 1))
        table = pte_pa(pte)
    return None


class Mapping:
    """A run of pages contiguous in virtual and physical memory with the same flags."""

    def __init__(self, va, pa, size, pte, page_size):
        self.va, self.pa, self.size = va, pa, size
        self.flags = pte & 0x3ff
        self.page_size = page_size
        self.pages = 1

    def extends(self, va, pa, pte, page_size):
        return (va == self.va + self.size and pa == self.pa + self.size
                and pte & 0x3ff == self.flags and page_size == self.page_size)

    def grow(self, size):
        self.size += size
        self.pages += 1

    def text(self):
        unit = {4096: "4K", 2 << 20: "2M", 1 << 30: "1G"}[self.page_size]
        pages = f"{self.pages} x {unit}"
        return (f"{self.va:#018x}-{self.va + self.size:#018x}  {self.pa:#012x}-"
                f"{self.pa + self.size:#012x}  {flags_text(self.flags)}  {pages}")


MAX_TABLES = 4096  # 16 MiB of tables: far beyond a real tree, a bound on a corrupted one
MAX_PROBLEMS = 32


class _GiveUp(Exception):
    """Raised inside walk() to stop it: too many problems."""


def walk(m, root, entries=range(512)):
    """(mappings, problems): every leaf under root's given root entries, coalesced,
    and a sentence per entry that could not be followed. A table reached twice
    (a loop, in a corrupted tree) is walked once; the walk gives up after
    MAX_TABLES tables or MAX_PROBLEMS problems, and says so."""
    mappings, problems, seen = [], [], set()

    def problem(text):
        problems.append(text)
        if len(problems) == MAX_PROBLEMS:
            problems.append(f"stopped after {MAX_PROBLEMS} problems")
            raise _GiveUp

    def visit(table_pa, level, va_base, indices):
        where = f"level-{level} table for {canonical(va_base):#x}"
        if table_pa in seen:
            return problem(f"{where}: table {table_pa:#x} is reached twice (a loop?)")
        if len(seen) == MAX_TABLES:
            return problem(f"stopped after {MAX_TABLES} tables")
        seen.add(table_pa)
        try:
            table = _table(m, table_pa, where)
        except MagmaError as e:
            return problem(str(e))
        for i in indices:
            pte = table[i]
            if not pte & _FLAG_BITS["V"]:
                continue
            va = va_base + i * level_size(level)
            if is_leaf(pte):
                if pte & _FLAG_BITS["W"] and not pte & _FLAG_BITS["R"]:
                    problem(f"PTE {pte:#x} for {canonical(va):#x}: W without R "
                            "(reserved by the spec)")
                pa, size = pte_pa(pte), level_size(level)
                cva = canonical(va)
                if mappings and mappings[-1].extends(cva, pa, pte, size):
                    mappings[-1].grow(size)
                else:
                    mappings.append(Mapping(cva, pa, size, pte, size))
            elif level == 0:
                problem(f"PTE {pte:#x} for {canonical(va):#x}: a pointer at level 0")
            else:
                visit(pte_pa(pte), level - 1, va, range(512))

    try:
        visit(root, LEVELS - 1, 0, entries)
    except _GiveUp:
        pass  # the last problem says why
    return mappings, problems
