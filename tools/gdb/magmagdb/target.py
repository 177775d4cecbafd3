"""Reading the stopped machine: physical memory, kernel addresses, kernel symbols.

Every helper reads physical memory only, through QEMU's gdb stub in its
physical mode (the `Qqemu.PhyMemMode:1` packet), and translates kernel
virtual addresses itself by walking the kernel's own Sv39 table
(`kernel_root` in kernel/vm.c). So a command works whichever hart gdb has
selected: one in the kernel, one in user mode on a process's table, or the
guard's hart in M-mode, where gdb's own virtual reads see no kernel at all.

Physical reads never touch anything but RAM (the board's memory ranges,
as the kernel found them in the device tree): QEMU's stub would read a
device register as readily, and reading the UART's would eat a byte of
input. Anything out of reach raises MagmaError with a sentence for the user.
"""

import struct

import gdb

PAGE_SIZE = 4096
MAX_VALUE_BYTES = 16384  # below gdb's default max-value-size (64 KiB)


class MagmaError(Exception):
    """Something the user should be told in one sentence, never a traceback."""


def _packet(text):
    """Send a packet to the stub; what it answered (the text of `received: "..."`)."""
    out = gdb.execute(f"maintenance packet {text}", to_string=True)
    marker = 'received: "'
    at = out.rfind(marker)
    return out[at + len(marker):].rstrip().rstrip('"') if at >= 0 else ""


def require_stopped():
    """MagmaError unless gdb is attached to a machine that is stopped."""
    try:
        thread = gdb.selected_thread()
    except gdb.error:
        thread = None
    if thread is None:
        raise MagmaError("gdb is attached to nothing: run `make gdb` against `make qemu-gdb`")
    if thread.is_running():
        raise MagmaError("the machine is running: stop it first (Ctrl-C)")


class Machine:
    """One command's view of the machine: physical mode on while it lasts.

        with Machine() as m:
            m.read(pa, n); m.kread(va, n); m.kstruct(va, "struct proc")

    Pages read are kept until the command ends (the machine is stopped).
    """

    def __init__(self):
        self._pages = {}
        self._ram = None
        self._kernel_root = None
        self._old_mode = None

    def __enter__(self):
        require_stopped()
        self._old_mode = _packet("qqemu.PhyMemMode")
        if self._old_mode not in ("0", "1"):
            raise MagmaError("this gdb stub cannot read physical memory "
                             "(QEMU's can: attach to `make qemu-gdb`)")
        _packet("Qqemu.PhyMemMode:1")
        return self

    def __exit__(self, *exc):
        _packet(f"Qqemu.PhyMemMode:{self._old_mode}")
        gdb.execute("maintenance flush dcache", to_string=True)
        return False

    # ------------------------------------------------------------ physical

    def ram(self):
        """The RAM ranges [(base, end)], from the kernel's board.memory."""
        if self._ram is None:
            board_va, board_type = symbol("board")
            # board is in the kernel image, which is mapped at its physical address.
            b = gdb.Value(self.read(board_va, board_type.sizeof, check=False), board_type)
            count = int(b["memory_count"])
            limit = board_type["memory"].type.range()[1] + 1
            if not 0 < count <= limit:
                raise MagmaError(f"board.memory_count is {count}: the kernel has not read "
                                 "the device tree yet (stopped before board_init?)")
            self._ram = [(int(b["memory"][i]["base"]),
                          int(b["memory"][i]["base"]) + int(b["memory"][i]["size"]))
                         for i in range(count)]
        return self._ram

    def in_ram(self, pa, size=1):
        return any(base <= pa and pa + size <= end for base, end in self.ram())

    def _page(self, pa_page, check=True):
        page = self._pages.get(pa_page)
        if page is None:
            if check and not self.in_ram(pa_page, PAGE_SIZE):
                raise MagmaError(f"physical address {pa_page:#x} is not RAM")
            try:
                page = bytes(gdb.selected_inferior().read_memory(pa_page, PAGE_SIZE))
            except gdb.MemoryError as e:
                raise MagmaError(f"cannot read physical page {pa_page:#x}: {e}") from None
            self._pages[pa_page] = page
        return page

    def read(self, pa, n, check=True):
        """n bytes of physical memory at pa (RAM only unless check is False)."""
        out = b""
        while n > 0:
            base = pa & ~(PAGE_SIZE - 1)
            take = min(n, base + PAGE_SIZE - pa)
            out += self._page(base, check)[pa - base:pa - base + take]
            pa += take
            n -= take
        return out

    # ------------------------------------------------ kernel virtual memory

    def kernel_root(self):
        """The physical address of the kernel's Sv39 root table (0 before vm_init)."""
        if self._kernel_root is None:
            va, _ = symbol("kernel_root", "vm.c")
            self._kernel_root = struct.unpack("<Q", self.read(va, 8))[0]
        return self._kernel_root

    def vread(self, root, va, n, space):
        """n bytes at virtual address va of the Sv39 table at physical root; space
        names the address space in messages ("kernel", "pid 3")."""
        from . import sv39  # here, not at the top: sv39 reads tables through a Machine
        out = b""
        while n > 0:
            take = min(n, (va | (PAGE_SIZE - 1)) + 1 - va)
            pa = sv39.translate(self, root, va)
            if pa is None:
                raise MagmaError(f"{space} address {va:#x} is not mapped")
            out += self.read(pa, take)
            va += take
            n -= take
        return out

    def kread(self, va, n):
        """n bytes at kernel virtual address va."""
        root = self.kernel_root()
        if root:
            return self.vread(root, va, n, "kernel")
        if self.in_ram(va, n):
            return self.read(va, n)  # before paging the kernel runs on physical addresses
        raise MagmaError(f"kernel address {va:#x}: the kernel has no page table yet")

    def ku64(self, va):
        return struct.unpack("<Q", self.kread(va, 8))[0]

    def struct_at(self, va, type_):
        """The object of gdb type type_ at kernel address va, as a gdb.Value.

        For objects of up to MAX_VALUE_BYTES: gdb refuses larger values (its
        max-value-size); read those a member at a time (member()).
        """
        if type_.sizeof > MAX_VALUE_BYTES:
            raise MagmaError(f"{type_} is {type_.sizeof} bytes: too big to read whole")
        return gdb.Value(self.kread(va, type_.sizeof), type_)

    def kstruct(self, va, type_name):
        """The struct (a type name, "struct proc") at kernel address va."""
        return self.struct_at(va, lookup_type(type_name))

    def kobject(self, name, file=None):
        """A kernel global or file-static variable, read through the kernel's table."""
        va, type_ = symbol(name, file)
        return self.struct_at(va, type_)

    def member(self, va, type_, path):
        """The member at path ("arenas[2].bin_head[5]") of the type_ object at va, as a
        gdb.Value: for objects too big to read whole."""
        for part in path.replace("]", "").split("."):
            name, *indices = part.split("[")
            field = next((f for f in type_.strip_typedefs().fields() if f.name == name), None)
            if field is None:
                raise MagmaError(f"{type_} has no member `{name}`: kernel symbols out of date?")
            va, type_ = va + field.bitpos // 8, field.type
            for index in indices:
                elem = type_.strip_typedefs().target()
                va, type_ = va + int(index) * elem.sizeof, elem
        return self.struct_at(va, type_)


# --------------------------------------------------------------- symbols

def lookup_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise MagmaError(f"no type `{name}` in the symbols loaded: "
                         "load the kernel's (symbol-file build/kernel/kernel.elf)") from None


def symbol(name, file=None):
    """(address, gdb type) of a kernel variable; file names the .c file of a static one."""
    candidates = []
    sym = gdb.lookup_global_symbol(name)
    if sym is not None:
        candidates.append(sym)
    candidates += gdb.lookup_static_symbols(name)
    if file:
        candidates = [s for s in candidates
                      if s.symtab is not None and s.symtab.filename.endswith(file)]
    candidates = [s for s in candidates if s.is_variable]
    if candidates:
        value = candidates[0].value()
        return int(value.address), value.type
    try:  # a global gdb found only as another file's extern: let the expression resolve it
        pointer = gdb.parse_and_eval(f"&'{file}'::{name}" if file else f"&{name}")
        return int(pointer), pointer.type.target()
    except gdb.error:
        where = f" in {file}" if file else ""
        raise MagmaError(f"no kernel variable `{name}`{where}: are the kernel's symbols "
                         "loaded (symbol-file build/kernel/kernel.elf)?") from None


def describe_address(addr):
    """`name+off` for a kernel text or data address gdb has a symbol for, else ""."""
    try:
        out = gdb.execute(f"info symbol {addr:#x}", to_string=True).strip()
    except gdb.error:
        return ""
    if out.startswith("No symbol"):
        return ""
    return out.split(" in section")[0].replace(" + ", "+")


def cpu_of_selected_thread():
    """The hart gdb has selected: QEMU numbers its threads CPU index + 1, and on QEMU
    virt a CPU's index is its hart id."""
    return gdb.selected_thread().ptid[1] - 1


def register(name):
    """A register of the selected hart (e.g. "satp", "scause"), or None if unreadable."""
    try:
        return int(gdb.parse_and_eval(f"${name}")) & (2**64 - 1)
    except gdb.error:
        return None
